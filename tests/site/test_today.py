"""Today: the exercises due on the patient's own date, checked off in one tap."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from html import unescape
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from exercises.models import Exercise
from patients.models import CheckOff, PrescribedExercise, Prescription

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def alex(client: Client, runner: SimpleNamespace) -> Client:
    client.force_login(runner.patient_a.user)
    return client


@pytest.mark.django_db
def test_today_shows_each_due_exercise_as_a_card(alex: Client, runner: SimpleNamespace) -> None:
    html = alex.get("/today/").content.decode()
    assert "Glute bridge (hip bridge)" in html and "Side plank" in html
    assert "Hold 10 s · 15 times · once a day · every day" in html
    assert "Hold 15 s · each side" in html
    # The steps, quoted or written, with the dose filled in.
    assert "These are performed by lying flat on the ground with your knees folded." in html
    assert "Repeat 15 times, every day." in html
    assert f"/programme/exercises/{runner.bridge_a.pk}/" in html  # "Why?"
    # Each exercise with a hold or a count opens the session player; a guided session, all.
    for item in (runner.bridge_a, runner.plank_a):
        assert f'href="/today/exercises/{item.pk}/play/"' in html
    assert 'href="/today/session/"' in html
    assert "0 of 2 exercises done" in html


@pytest.mark.django_db
def test_today_follows_the_patients_own_date_and_days(
    client: Client, runner: SimpleNamespace
) -> None:
    patient = runner.patient_a
    patient.time_zone = "Pacific/Auckland"
    patient.save()
    prescription = patient.prescriptions.get()
    prescription.days_mask = 1 << 5  # Saturdays only
    prescription.start_date = date(2026, 11, 1)
    prescription.save()
    client.force_login(patient.user)
    # Friday 20 Nov 12:00 UTC is already Saturday 21 Nov 01:00 in Auckland.
    with time_machine.travel(datetime(2026, 11, 20, 12, 0, tzinfo=ZoneInfo("UTC")), tick=False):
        html = client.get("/today/").content.decode()
        assert "Saturday 21 November" in html and "Glute bridge" in html
    with time_machine.travel(datetime(2026, 11, 20, 10, 0, tzinfo=ZoneInfo("UTC")), tick=False):
        html = client.get("/today/").content.decode()
        assert "Friday 20 November" in html and "Nothing due today" in html


@pytest.mark.django_db
def test_a_paused_or_ended_programme_is_not_due(alex: Client, runner: SimpleNamespace) -> None:
    prescription = runner.patient_a.prescriptions.get()
    prescription.status = Prescription.Status.PAUSED
    prescription.save()
    assert "Nothing due today" in alex.get("/today/").content.decode()


@pytest.mark.django_db
def test_one_tap_checks_off_with_htmx_and_the_card_updates_in_place(
    alex: Client, runner: SimpleNamespace
) -> None:
    response = alex.post(f"/today/exercises/{runner.bridge_a.pk}/check-off/", **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith("<article") and f'id="card-{runner.bridge_a.pk}"' in html
    assert "Done</span>" in html and "Undo" in html and "How was it?" in html
    check_off = CheckOff.objects.get()
    assert check_off.local_date == runner.patient_a.local_today()
    assert "1 of 2 exercises done" in alex.get("/today/").content.decode()


@pytest.mark.django_db
def test_without_javascript_the_same_button_is_a_plain_form(
    alex: Client, runner: SimpleNamespace
) -> None:
    response = alex.post(f"/today/exercises/{runner.bridge_a.pk}/check-off/", follow=True)
    assert response.redirect_chain[0][0].startswith("/today/")
    assert "Glute bridge (hip bridge): done." in response.content.decode()
    assert CheckOff.objects.count() == 1


@pytest.mark.django_db
def test_undo_on_the_same_day(alex: Client, runner: SimpleNamespace) -> None:
    alex.post(f"/today/exercises/{runner.bridge_a.pk}/check-off/", **HTMX)
    check_off = CheckOff.objects.get()
    response = alex.post(f"/today/check-offs/{check_off.pk}/undo/", **HTMX)
    assert response.status_code == 200
    assert "btn-check-off" in response.content.decode()
    assert not CheckOff.objects.exists()


@pytest.mark.django_db
def test_an_undo_for_yesterday_changes_nothing_and_says_why(
    alex: Client, runner: SimpleNamespace
) -> None:
    yesterday = CheckOff.objects.create(
        patient=runner.patient_a,
        prescribed_exercise=runner.bridge_a,
        local_date=runner.patient_a.local_today() - timedelta(days=1),
    )
    response = alex.post(f"/today/check-offs/{yesterday.pk}/undo/", **HTMX)
    assert response.status_code == 422
    assert "Only today&#x27;s check-offs can be changed." in response.content.decode()
    plain = alex.post(f"/today/check-offs/{yesterday.pk}/undo/", follow=True)
    assert "Only today&#x27;s check-offs can be changed." in plain.content.decode()
    assert CheckOff.objects.filter(pk=yesterday.pk).exists()


@pytest.mark.django_db
def test_a_check_off_for_an_exercise_not_due_today_changes_nothing(
    alex: Client, runner: SimpleNamespace
) -> None:
    patient = runner.patient_a
    later = Prescription.objects.create(
        patient=patient,
        therapist=runner.owner,
        title="Starts next week",
        start_date=patient.local_today() + timedelta(days=7),
    )
    not_yet = PrescribedExercise.objects.create(
        prescription=later, exercise=Exercise.objects.get(slug="skipping")
    )
    finished = Prescription.objects.create(
        patient=patient,
        therapist=runner.owner,
        title="Done with",
        start_date=patient.local_today() - timedelta(days=30),
        status=Prescription.Status.FINISHED,
    )
    old = PrescribedExercise.objects.create(
        prescription=finished, exercise=Exercise.objects.get(slug="front-plank")
    )
    for item in (not_yet, old):
        response = alex.post(f"/today/exercises/{item.pk}/check-off/", **HTMX)
        assert response.status_code == 422
        assert "This exercise is not due today." in response.content.decode()
    assert not CheckOff.objects.exists()


@pytest.mark.django_db
def test_a_second_tap_leaves_one_check_off(alex: Client, runner: SimpleNamespace) -> None:
    for _ in range(3):
        alex.post(f"/today/exercises/{runner.bridge_a.pk}/check-off/", **HTMX)
    assert CheckOff.objects.count() == 1


@pytest.mark.django_db
def test_two_sessions_a_day_take_two_check_offs(alex: Client, runner: SimpleNamespace) -> None:
    Prescription.objects.filter(patient=runner.patient_a).update(sessions_per_day=2)
    first = alex.post(f"/today/exercises/{runner.bridge_a.pk}/check-off/", **HTMX).content.decode()
    assert "1 of 2 sessions done today" in first and "(session 2)" in first
    alex.post(f"/today/exercises/{runner.bridge_a.pk}/check-off/", **HTMX)
    alex.post(f"/today/exercises/{runner.bridge_a.pk}/check-off/", **HTMX)
    assert sorted(CheckOff.objects.values_list("session", flat=True)) == [1, 2]


@pytest.mark.django_db
def test_a_quick_rating_after_the_check_off(alex: Client, runner: SimpleNamespace) -> None:
    alex.post(f"/today/exercises/{runner.bridge_a.pk}/check-off/", **HTMX)
    check_off = CheckOff.objects.get()
    response = alex.post(
        f"/today/check-offs/{check_off.pk}/rate/",
        {"difficulty": "too_hard", "pain_during": "4"},
        **HTMX,
    )
    assert response.status_code == 200
    assert "Too hard · pain 4/10" in response.content.decode()
    check_off.refresh_from_db()
    assert (check_off.difficulty, check_off.pain_during) == ("too_hard", 4)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"pain_during": "11"}, "Choose a whole number from 0 (no pain) to 10"),
        ({"pain_during": "-1"}, "Choose a whole number from 0 (no pain) to 10"),
        ({"pain_during": "3.5"}, "Choose a whole number from 0 (no pain) to 10"),
        ({"pain_during": "abc"}, "Choose a whole number from 0 (no pain) to 10"),
        ({"difficulty": "easy-peasy"}, "Select a valid choice."),
        ({}, "Choose how hard it was, or your pain during it."),
    ],
)
def test_a_bad_rating_changes_nothing_and_says_why(
    alex: Client, runner: SimpleNamespace, data: dict[str, str], message: str
) -> None:
    alex.post(f"/today/exercises/{runner.bridge_a.pk}/check-off/", **HTMX)
    check_off = CheckOff.objects.get()
    response = alex.post(f"/today/check-offs/{check_off.pk}/rate/", data, **HTMX)
    assert response.status_code == 422
    assert message in response.content.decode()
    check_off.refresh_from_db()
    assert (check_off.difficulty, check_off.pain_during) == ("", None)


@pytest.mark.django_db
def test_a_check_off_without_or_with_a_tampered_csrf_token_is_refused(
    runner: SimpleNamespace,
) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(runner.patient_a.user)
    url = f"/today/exercises/{runner.bridge_a.pk}/check-off/"
    assert client.post(url).status_code == 403
    client.get("/today/")  # sets the CSRF cookie
    assert client.post(url, {"csrfmiddlewaretoken": "x" * 64}).status_code == 403
    assert client.post(url, HTTP_X_CSRFTOKEN="tampered").status_code == 403
    assert not CheckOff.objects.exists()
    token = client.cookies["csrftoken"].value
    assert client.post(url, HTTP_X_CSRFTOKEN=token, **HTMX).status_code == 200
    assert CheckOff.objects.count() == 1


def today_queries(client: Client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/today/").status_code == 200
    return len(queries)


@pytest.mark.django_db
def test_today_runs_the_same_queries_for_1_and_20_exercises(
    alex: Client, runner: SimpleNamespace
) -> None:
    prescription = runner.patient_a.prescriptions.get()
    PrescribedExercise.objects.filter(prescription=prescription).exclude(
        pk=runner.bridge_a.pk
    ).delete()
    CheckOff.objects.create(
        patient=runner.patient_a,
        prescribed_exercise=runner.bridge_a,
        local_date=runner.patient_a.local_today(),
    )
    one = today_queries(alex)
    exercises = list(Exercise.objects.filter(kind=Exercise.Kind.EXERCISE))
    for order in range(2, 21):
        item = PrescribedExercise.objects.create(
            prescription=prescription,
            exercise=exercises[order % len(exercises)],
            order=order,
            hold_seconds=20,
        )
        CheckOff.objects.create(
            patient=runner.patient_a,
            prescribed_exercise=item,
            local_date=runner.patient_a.local_today(),
        )
    assert prescription.exercises.count() == 20
    twenty = today_queries(alex)
    print(f"Today: {one} queries for 1 exercise, {twenty} for 20")
    assert one == twenty, f"{one} queries for 1 exercise, {twenty} for 20"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "session", ["²", "¹", "①", "٣", "1.0", "-1", "0", "99999999999999999999", "1\x00"]
)
def test_a_check_off_for_a_session_that_is_no_number_is_refused_without_a_server_error(
    alex: Client, runner: SimpleNamespace, session: str
) -> None:
    response = alex.post(
        f"/today/exercises/{runner.bridge_a.pk}/check-off/", {"session": session}, **HTMX
    )
    assert response.status_code == 422
    assert "That session is not part of today's programme." in unescape(response.content.decode())
    assert CheckOff.objects.count() == 0
