"""The picture of a shipped exercise or screen (exercises/illustrations/) is where the patient and
the therapist read the exercise: Today, the exercise pages, the screen, the printable programme
and the admin; and it costs Today no query."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from bs4 import BeautifulSoup
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from exercises.models import Exercise
from patients.models import PrescribedExercise, ScreenRequest
from tests.two_factor import verified_login


def figure_of(html: str, slug: str):
    page = BeautifulSoup(html, "html.parser")
    figure = page.select_one(f'figure[data-illustration="{slug}"]')
    assert figure is not None, f"no picture of {slug}"
    assert figure.select("svg[role=img][aria-label]")
    assert page.select_one('link[href*="illustrations"]') is not None, "the stylesheet is missing"
    return figure


@pytest.mark.django_db
def test_the_picture_is_on_today_the_exercise_pages_the_printable_programme_and_the_admin(
    client: Client, runner: SimpleNamespace
) -> None:
    patient = runner.patient_a
    patient.safety_check_at = patient.created_at  # the first-login check is answered
    patient.save()
    client.force_login(patient.user)

    today = client.get("/today/").content.decode()
    bridge_card = BeautifulSoup(today, "html.parser").find(id=f"card-{runner.bridge_a.pk}")
    figure = figure_of(str(bridge_card) + '<link href="illustrations">', "glute-bridge")
    assert "illustration-compact" in figure["class"] and figure.figcaption is None
    figure_of(today, "side-plank")

    page = client.get(f"/programme/exercises/{runner.plank_a.pk}/").content.decode()
    figure_of(page, "side-plank")

    screen = Exercise.objects.get(slug="lunge-stance-balance")
    request = ScreenRequest.objects.create(patient=patient, screen=screen)
    figure_of(client.get(f"/screens/{request.pk}/").content.decode(), "lunge-stance-balance")

    handout = client.get("/programme/").content.decode()
    figure_of(handout, "glute-bridge")
    figure_of(handout, "side-plank")

    staff = Client()
    verified_login(staff, runner.owner.user)
    figure_of(staff.get("/exercises/skipping/").content.decode(), "skipping")
    bridge = Exercise.objects.get(slug="glute-bridge")
    admin_page = staff.get(f"/admin/exercises/exercise/{bridge.pk}/change/")
    assert admin_page.status_code == 200
    assert (
        "Illustration"
        in figure_of(admin_page.content.decode(), "glute-bridge").find_parent("fieldset").get_text()
    )


@pytest.mark.django_db
def test_pictures_on_today_cost_no_query(client: Client, runner: SimpleNamespace) -> None:
    from exercises.fragments import library_changed

    patient = runner.patient_a
    patient.safety_check_at = patient.created_at
    patient.save()
    client.force_login(patient.user)

    def today_queries() -> int:
        library_changed()  # every card written anew, with its picture
        with CaptureQueriesContext(connection) as queries:
            html = client.get("/today/").content.decode()
        return len(queries), html.count('<figure class="illustration')

    two_cards = today_queries()
    prescription = runner.bridge_a.prescription
    for order, slug in enumerate(
        ["single-leg-box-squat", "hip-flexion-strength", "front-plank"], start=3
    ):
        PrescribedExercise.objects.create(
            prescription=prescription, exercise=Exercise.objects.get(slug=slug), order=order
        )
    five_cards = today_queries()
    assert (two_cards[1], five_cards[1]) == (2, 5)
    assert five_cards[0] == two_cards[0]
