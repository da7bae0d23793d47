from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from exercises.models import Exercise
from exercises.selectors import education_with_citations, exercise_get


@require_GET
@login_required
def exercise_index(request: HttpRequest) -> HttpResponse:
    """The whole library for the clinic's staff; a patient sees the education cards here, and
    their own exercises on Today and in their programme."""
    exercises = Exercise.objects.order_by("category", "name") if request.user.is_staff else []
    cards = education_with_citations().order_by("title")
    return render(request, "exercises/index.html", {"exercises": exercises, "cards": cards})


@require_GET
@login_required
def exercise_detail(request: HttpRequest, slug: str) -> HttpResponse:
    # The library is the therapist's: a patient reads the exercises prescribed to them, with
    # their own dose, on their programme's pages.
    if not request.user.is_staff:
        raise Http404("No exercise here.")
    exercise = exercise_get(slug=slug)
    return render(request, "exercises/detail.html", {"exercise": exercise})


@require_GET
@login_required
def education_detail(request: HttpRequest, slug: str) -> HttpResponse:
    card = get_object_or_404(education_with_citations(), slug=slug)
    return render(request, "exercises/education.html", {"card": card})
