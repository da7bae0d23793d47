"""Pictures and videos for one patient's exercise, and a clinic exercise's own, on the pages a
patient keeps open: who gets each file, the admin that attaches them, and Today, the exercise's
page and the printable programme showing them at once after an upload and no more after removal
(those pages are kept between requests: patients/kept.py).

Three people (tests/conftest.py `clinic_people`): the owner and a colleague of clinic A, an
outsider of clinic B; and a patient of each clinic, plus a second patient of clinic A."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from audit.models import AuditEntry
from exercises.models import Exercise
from exercises.services import exercise_media_add, exercise_media_remove
from patients.media import prescribed_exercise_media_add, prescribed_exercise_media_remove
from patients.models import PrescribedExerciseMedia
from tests.exercises.test_media import EXECUTABLES, MP4, jpeg_with_gps, stored_files, upload
from tests.factories import PatientFactory, PrescribedExerciseFactory, PrescriptionFactory
from tests.two_factor import verified_login


@pytest.fixture
def media_root(settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def world(clinic_people: SimpleNamespace, library: None, media_root: Path) -> SimpleNamespace:
    """Patient A's programme: the shipped bridge and clinic A's own wall sit; a second patient
    of clinic A with the bridge too."""
    people = clinic_people
    people.wall_sit = Exercise.objects.create(
        slug="wall-sit", name="Wall sit", category="strength", library=people.clinic_a.library
    )
    bridge = Exercise.objects.get(slug="glute-bridge")
    prescription = PrescriptionFactory(patient=people.patient_a, title="Back to running")
    people.bridge_item = PrescribedExerciseFactory(prescription=prescription, exercise=bridge)
    people.wall_item = PrescribedExerciseFactory(
        prescription=prescription, exercise=people.wall_sit
    )
    people.other_patient = PatientFactory(primary_therapist=people.colleague)
    PrescribedExerciseFactory(
        prescription=PrescriptionFactory(patient=people.other_patient), exercise=bridge
    )
    return people


def item_media(world: SimpleNamespace, caption: str = "Your step at home, left foot first"):
    return prescribed_exercise_media_add(
        prescribed_exercise=world.bridge_item,
        upload=upload("IMG_7.jpg", jpeg_with_gps()),
        caption=caption,
        user=world.owner.user,
    )


def client_for(user) -> Client:
    client = Client()
    if user is None:
        return client
    return verified_login(client, user) if user.is_staff else client.force_login(user) or client


# Who gets the file ------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["owner", "colleague", "patient_a"])
def test_the_patient_and_their_clinics_staff_get_an_items_media(
    world: SimpleNamespace, who: str
) -> None:
    media = item_media(world)
    response = client_for(getattr(world, who).user).get(reverse("programme_media", args=[media.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == media.file.open("rb").read()
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"] == "inline"
    assert "private" in response["Cache-Control"]


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["outsider", "patient_b", "other_patient"])
def test_anyone_else_gets_404_for_an_items_media_even_a_patient_of_the_same_clinic(
    world: SimpleNamespace, who: str
) -> None:
    media = item_media(world)
    response = client_for(getattr(world, who).user).get(reverse("programme_media", args=[media.pk]))
    assert response.status_code == 404


@pytest.mark.django_db
def test_an_items_media_sends_anyone_logged_out_to_log_in(world: SimpleNamespace) -> None:
    response = Client().get(reverse("programme_media", args=[item_media(world).pk]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
def test_a_staff_members_read_of_an_items_media_is_in_the_audit_trail(
    world: SimpleNamespace,
) -> None:
    media = item_media(world)
    client_for(world.colleague.user).get(reverse("programme_media", args=[media.pk]))
    client_for(world.patient_a.user).get(reverse("programme_media", args=[media.pk]))
    reads = AuditEntry.objects.filter(action=AuditEntry.Action.ACCESS)
    assert [(entry.actor_id, entry.patient_id) for entry in reads] == [
        (world.colleague.user.pk, world.patient_a.pk)
    ]


# The admin ------------------------------------------------------------------------------------


def add_form(item_id: int, data: bytes, caption: str = "Your step at home") -> dict[str, object]:
    return {
        "prescribed_exercise": str(item_id),
        "upload": upload("photo.jpg", data),
        "caption": caption,
        "position": "1",
    }


@pytest.mark.django_db
def test_a_therapist_attaches_a_picture_to_one_patients_exercise_in_the_admin(
    world: SimpleNamespace, media_root: Path
) -> None:
    client = client_for(world.owner.user)
    add_url = reverse("admin:patients_prescribedexercisemedia_add")
    form = client.get(f"{add_url}?prescribed_exercise={world.bridge_item.pk}").content.decode()
    assert f'<option value="{world.bridge_item.pk}" selected>' in form
    assert "Back to running: Glute bridge" in form
    response = client.post(add_url, add_form(world.bridge_item.pk, jpeg_with_gps()))
    assert response.status_code == 302
    media = PrescribedExerciseMedia.objects.get()
    assert (media.prescribed_exercise, media.uploaded_by) == (world.bridge_item, world.owner.user)
    (path,) = stored_files(media_root)
    assert b"PhoneMaker" not in path.read_bytes()


@pytest.mark.django_db
def test_a_refused_upload_for_a_patient_says_why_and_saves_nothing(
    world: SimpleNamespace, media_root: Path
) -> None:
    client = client_for(world.owner.user)
    response = client.post(
        reverse("admin:patients_prescribedexercisemedia_add"),
        add_form(world.bridge_item.pk, EXECUTABLES["linux"]),
    )
    assert response.status_code == 200
    assert "This file is not a picture (JPEG, PNG, WebP) or a video (MP4, WebM)." in (
        response.content.decode()
    )
    assert not PrescribedExerciseMedia.objects.exists()
    assert stored_files(media_root) == []


@pytest.mark.django_db
def test_another_clinics_patients_exercises_cannot_be_chosen_or_seen(
    world: SimpleNamespace, media_root: Path
) -> None:
    media = item_media(world)
    outsider = client_for(world.outsider.user)
    add_url = reverse("admin:patients_prescribedexercisemedia_add")
    assert world.bridge_item.exercise.name not in outsider.get(add_url).content.decode()
    response = outsider.post(add_url, add_form(world.bridge_item.pk, jpeg_with_gps()))
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    change_url = reverse("admin:patients_prescribedexercisemedia_change", args=[media.pk])
    assert outsider.get(change_url).status_code == 404
    assert client_for(world.colleague.user).get(change_url).status_code == 200
    assert PrescribedExerciseMedia.objects.count() == 1


# On the patient's pages, kept or not ------------------------------------------------------


def pages(world: SimpleNamespace) -> dict[str, str]:
    client = client_for(world.patient_a.user)
    return {
        path: client.get(path).content.decode()
        for path in (
            "/today/",
            f"/programme/exercises/{world.bridge_item.pk}/",
            f"/programme/exercises/{world.wall_item.pk}/",
            "/programme/",
        )
    }


@pytest.mark.django_db
def test_an_items_picture_shows_on_today_its_page_and_the_programme_then_goes(
    world: SimpleNamespace,
) -> None:
    before = pages(world)  # written and kept
    assert not any("exercise-media" in html for html in before.values())
    media = item_media(world)
    url = reverse("programme_media", args=[media.pk])
    shown = f'src="{url}" alt="Your step at home, left foot first"'
    after = pages(world)
    assert shown in after["/today/"]
    assert shown in after[f"/programme/exercises/{world.bridge_item.pk}/"]
    assert shown not in after[f"/programme/exercises/{world.wall_item.pk}/"]
    assert after["/programme/"].count(shown) == 1
    # Another patient of the clinic, with the same exercise, does not see it.
    other = client_for(world.other_patient.user).get("/today/").content.decode()
    assert "Glute bridge" in other and url not in other

    prescribed_exercise_media_remove(media=media)
    assert not any(url in html for html in pages(world).values())


@pytest.mark.django_db
def test_a_clinic_exercises_media_shows_after_the_patients_own_and_goes_when_removed(
    world: SimpleNamespace,
) -> None:
    pages(world)
    video = exercise_media_add(
        exercise=world.wall_sit,
        upload=upload("clip.mp4", MP4),
        caption="The whole movement, side view",
    )
    own = prescribed_exercise_media_add(
        prescribed_exercise=world.wall_item,
        upload=upload("photo.jpg", jpeg_with_gps()),
        caption="Your wall at home",
    )
    after = pages(world)
    video_url = reverse("exercise_media", args=[video.pk])
    own_url = reverse("programme_media", args=[own.pk])
    for path in ("/today/", f"/programme/exercises/{world.wall_item.pk}/", "/programme/"):
        html = after[path]
        assert f'src="{video_url}" type="video/mp4"' in html, path
        assert 'controls preload="none" aria-label="The whole movement, side view"' in html
        assert html.index(own_url) < html.index(video_url), path  # the patient's own first
    exercise_media_remove(media=video)
    assert not any(video_url in html for html in pages(world).values())


@pytest.mark.django_db
def test_a_new_caption_shows_on_the_kept_pages(world: SimpleNamespace) -> None:
    from patients.media import prescribed_exercise_media_update

    media = item_media(world)
    pages(world)
    prescribed_exercise_media_update(media=media, caption="Right foot first now", position=1)
    assert all(
        "Right foot first now" in html
        for path, html in pages(world).items()
        if str(world.wall_item.pk) not in path
    )


@pytest.mark.django_db
def test_media_for_an_item_needs_a_caption_and_stores_nothing_without(
    world: SimpleNamespace, media_root: Path
) -> None:
    with pytest.raises(ValidationError):
        item_media(world, caption="")
    assert stored_files(media_root) == []
