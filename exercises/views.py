from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from exercises.media import media_response
from exercises.selectors import (
    education_get,
    education_visible_to,
    exercise_get,
    exercise_media_by_exercise,
    exercise_media_get_for_user,
    exercises_visible_to,
)
from portal.offline import offline_copy


@require_GET
@login_required
def exercise_index(request: HttpRequest) -> HttpResponse:
    """The library for the clinic's staff (the shipped library and the clinic's own); a patient
    sees the education cards here (the same two), and their own exercises on Today and in their
    programme."""
    exercises = (
        exercises_visible_to(request.user).order_by("category", "name")
        if request.user.is_staff
        else []
    )
    cards = education_visible_to(request.user).order_by("title")
    return render(request, "exercises/index.html", {"exercises": exercises, "cards": cards})


@require_GET
@login_required
def exercise_detail(request: HttpRequest, slug: str) -> HttpResponse:
    # The library is the therapist's: a patient reads the exercises prescribed to them, with
    # their own dose, on their programme's pages.
    if not request.user.is_staff:
        raise Http404("No exercise here.")
    exercise = exercise_get(user=request.user, slug=slug)
    media = exercise_media_by_exercise([exercise])[exercise.pk]
    return render(request, "exercises/detail.html", {"exercise": exercise, "media": media})


@require_GET
@login_required
def education_detail(request: HttpRequest, slug: str) -> HttpResponse:
    card = education_get(user=request.user, slug=slug)
    return render(request, "exercises/education.html", {"card": card})


@offline_copy
@require_GET
@login_required
def exercise_media_file(request: HttpRequest, media_id: int) -> HttpResponse:
    """A picture or video of a clinic's own exercise: its staff and patients only, 404 else."""
    return media_response(request, exercise_media_get_for_user(user=request.user, pk=media_id))
