"""Pictures and videos a therapist attaches to one exercise of one patient's programme: attaching
and removing them, who may see each, and the media each exercise shows on the patient's pages
(the patient's own first, then the exercise's own, a clinic exercise's).

The checks, storage and serving are the library's (exercises.media); what is the patients' is
who sees them: that patient, and their clinic's staff.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.contrib.auth.decorators import login_required
from django.core.files.base import File
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from exercises.media import CheckedMedia, media_response, media_store
from exercises.models import Media
from exercises.selectors import exercise_media_by_exercise
from patients.models import PrescribedExercise, PrescribedExerciseMedia
from patients.selectors import scope_to_clinic
from patients.signals import patient_data_read
from portal.offline import offline_copy

if TYPE_CHECKING:
    from patients.models import User

# Services ------------------------------------------------------------------------------------


@transaction.atomic
def prescribed_exercise_media_add(
    *,
    prescribed_exercise: PrescribedExercise,
    upload: File | CheckedMedia,
    caption: str,
    position: int = 1,
    user: Any = None,
) -> PrescribedExerciseMedia:
    """A picture or video for one patient's exercise (ValidationError for an upload the portal
    does not accept, or no caption: nothing stored). Its save replaces the patient's page stamp
    (patients/page_stamps.py), so their kept pages show it."""
    media = PrescribedExerciseMedia(
        prescribed_exercise=prescribed_exercise,
        caption=caption,
        position=position,
        uploaded_by=user if user is not None and user.is_authenticated else None,
    )
    media_store(media, upload)
    return media


@transaction.atomic
def prescribed_exercise_media_update(
    *, media: PrescribedExerciseMedia, caption: str, position: int
) -> PrescribedExerciseMedia:
    media.caption, media.position = caption, position
    media.full_clean()
    media.save()
    return media


@transaction.atomic
def prescribed_exercise_media_remove(*, media: PrescribedExerciseMedia) -> None:
    """The row now; its file once the removal is committed (exercises.media.media_file_delete)."""
    media.delete()


# Selectors -----------------------------------------------------------------------------------


def prescribed_exercise_media_visible_to(user: User) -> QuerySet[PrescribedExerciseMedia]:
    """Staff: their clinic's (a superuser: all); a patient: their own programme's; else none."""
    media = PrescribedExerciseMedia.objects.select_related("prescribed_exercise__prescription")
    if user.is_active and not user.is_staff:
        return media.filter(prescribed_exercise__prescription__patient__user=user)
    return scope_to_clinic(media, user, "prescribed_exercise__prescription__patient__clinic")


def prescribed_exercise_media_get_for_user(*, user: User, pk: object) -> PrescribedExerciseMedia:
    found = prescribed_exercise_media_visible_to(user).filter(pk=pk).first()
    if found is None:
        raise Http404("No picture or video here.")
    return found


def media_for_items(items: Sequence[PrescribedExercise]) -> dict[int, list[Media]]:
    """What each exercise of a programme shows, the patient's own first: two queries at most,
    none for items that never had media of their own (media_version 0) whose exercise is
    shipped."""
    with_own = [item.pk for item in items if item.media_version]
    own: dict[int, list[Media]] = {item.pk: [] for item in items}
    if with_own:
        for media in PrescribedExerciseMedia.objects.filter(
            prescribed_exercise_id__in=with_own
        ).order_by("position", "id"):
            own[media.prescribed_exercise_id].append(media)
    exercises = list({item.exercise_id: item.exercise for item in items}.values())
    of_exercise = exercise_media_by_exercise(exercises)
    return {item.pk: [*own[item.pk], *of_exercise[item.exercise_id]] for item in items}


# The file ------------------------------------------------------------------------------------


@offline_copy
@require_GET
@login_required
def prescribed_exercise_media_file(request: HttpRequest, media_id: int) -> HttpResponse:
    """A picture or video for one patient's exercise: that patient and their clinic's staff, a
    404 for anyone else. A staff member's read is a read of the patient's data (audit/)."""
    media = prescribed_exercise_media_get_for_user(user=request.user, pk=media_id)  # type: ignore[arg-type]
    if request.user.is_staff:
        patient_data_read.send(
            sender=PrescribedExerciseMedia,
            request=request,
            records=[media],
            what="Picture or video for one patient",
        )
    return media_response(request, media)
