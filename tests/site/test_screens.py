"""Screens: asked for by the therapist, recorded once by the patient, never scheduled."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from exercises.models import Exercise
from patients.models import PrescribedExercise, ScreenRequest, ScreenResult
from patients.screens import screen_request_create


@pytest.fixture
def asked(runner: SimpleNamespace) -> SimpleNamespace:
    patient = runner.patient_a
    patient.safety_check_at = patient.created_at
    patient.save()
    screen = Exercise.objects.get(slug="single-leg-stance-eyes-closed")
    request = screen_request_create(patient=patient, screen=screen, requested_by=runner.owner)
    return SimpleNamespace(patient=patient, screen=screen, request=request, runner=runner)


@pytest.mark.django_db
def test_a_requested_screen_shows_on_today_and_is_recorded_once(
    client: Client, asked: SimpleNamespace
) -> None:
    client.force_login(asked.patient.user)
    today = client.get("/today/").content.decode()
    assert "Your therapist asked you to do a short test" in today
    assert f"/screens/{asked.request.pk}/" in today
    page = client.get(f"/screens/{asked.request.pk}/").content.decode()
    assert "the document's mark: 10 seconds" in page
    response = client.post(
        f"/screens/{asked.request.pk}/", {"seconds_0": "12", "could_not_1": "on"}, follow=True
    )
    assert "result saved" in response.content.decode()
    result = ScreenResult.objects.get()
    assert [(t["label"], t["seconds"], t["could_not"], t["passed"]) for t in result.trials] == [
        ("Left leg, eyes closed", 12, False, True),
        ("Right leg, eyes closed", None, True, False),
    ]
    assert ScreenRequest.objects.get().status == ScreenRequest.Status.DONE
    assert (
        "Your therapist asked you to do a short test" not in client.get("/today/").content.decode()
    )
    again = client.post(f"/screens/{asked.request.pk}/", {"seconds_0": "5", "seconds_1": "5"})
    assert again.status_code == 302
    assert ScreenResult.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Give the seconds you held it, or tick that you could not do it."),
        ({"seconds_0": "5", "could_not_0": "on", "seconds_1": "5"}, "not both"),
        ({"seconds_0": "-1", "seconds_1": "5"}, "The seconds cannot be below 0."),
        ({"seconds_0": "ten", "seconds_1": "5"}, "Give the seconds as a whole number."),
        ({"seconds_0": "601", "seconds_1": "5"}, "At most 600 seconds."),
    ],
)
def test_a_bad_screen_result_is_refused_with_a_message_and_nothing_is_saved(
    client: Client, asked: SimpleNamespace, data: dict[str, str], message: str
) -> None:
    client.force_login(asked.patient.user)
    response = client.post(f"/screens/{asked.request.pk}/", data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ScreenResult.objects.exists()
    assert ScreenRequest.objects.get().status == ScreenRequest.Status.OPEN


@pytest.mark.django_db
def test_a_screen_cannot_be_prescribed_as_a_daily_exercise(asked: SimpleNamespace) -> None:
    item = PrescribedExercise(
        prescription=asked.runner.bridge_a.prescription, exercise=asked.screen, order=9
    )
    with pytest.raises(ValidationError, match="A screen is asked for on its own"):
        item.full_clean()


@pytest.mark.django_db
def test_asking_twice_keeps_one_open_request(asked: SimpleNamespace) -> None:
    again = screen_request_create(
        patient=asked.patient, screen=asked.screen, requested_by=asked.runner.owner
    )
    assert again.pk == asked.request.pk
    assert ScreenRequest.objects.count() == 1


@pytest.mark.django_db
def test_while_the_programme_is_paused_every_page_of_it_says_so(
    client: Client, asked: SimpleNamespace
) -> None:
    """A pause after a report shows on Today, the printable programme and each exercise's page,
    and no test is asked for until the therapist has reviewed it."""
    client.force_login(asked.patient.user)
    client.post(
        "/pain/new/",
        {"score": "4", "moment": "morning", "qualities": ["radiating"], "urgent_signs": ["none"]},
    )
    asked.patient.refresh_from_db()
    assert asked.patient.programme_held
    paused = "Your programme is paused until your therapist has reviewed your report of"
    item = asked.runner.bridge_a
    for url in ("/today/", "/programme/", f"/programme/exercises/{item.pk}/"):
        assert paused in client.get(url).content.decode(), url
    assert f"/screens/{asked.request.pk}/" not in client.get("/today/").content.decode()
