"""Today is kept between requests under the patient's row (with their page stamp), their day and
the library's version (patients/kept.py, patients/page_stamps.py): every change a therapist, the
patient or the portal makes to what it shows is on the page at the next request."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from exercises.models import Exercise, ProgramTemplate
from patients.models import EVERY_DAY, CheckOff, Patient, PrescribedExercise, Prescription

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def alex(client: Client, runner: SimpleNamespace) -> Client:
    client.force_login(runner.patient_a.user)
    return client


def today(client: Client) -> str:
    response = client.get("/today/")
    assert response.status_code == 200
    return response.content.decode()


def kept_page(client: Client, path: str) -> str:
    """A page, written and then read again from what the first request kept: the same content
    (the CSRF token of each response aside, which is outside <main>: cards carry it inside, so
    it is taken out of both)."""
    first, second = (client.get(path) for _ in range(2))
    assert first.status_code == second.status_code == 200
    main = [
        re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html[html.index("<main") :])
        for html in (first.content.decode(), second.content.decode())
    ]
    assert main[0][: main[0].index("</main>")] == main[1][: main[1].index("</main>")]
    return first.content.decode()


def kept_today(client: Client) -> str:
    return kept_page(client, "/today/")


@pytest.mark.django_db
def test_a_second_request_reads_today_from_what_the_first_kept(
    alex: Client, runner: SimpleNamespace
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    today(alex)
    with CaptureQueriesContext(connection) as queries:
        html = today(alex)
    assert "Glute bridge (hip bridge)" in html and "0 of 2 exercises done" in html
    tables = " ".join(query["sql"] for query in queries)
    # The session, the user, the two-factor check and the patient's row: nothing of the
    # programme, its check-offs or the library is read.
    assert len(queries) == 4, [query["sql"][:80] for query in queries]
    assert "patients_prescribedexercise" not in tables and "exercises_line" not in tables


@pytest.mark.django_db
def test_check_offs_undo_and_ratings_are_on_today_at_the_next_request(
    alex: Client, runner: SimpleNamespace
) -> None:
    assert "0 of 2 exercises done" in kept_today(alex)
    alex.post(f"/today/exercises/{runner.bridge_a.pk}/check-off/", **HTMX)
    assert "1 of 2 exercises done" in kept_today(alex)
    check_off = CheckOff.objects.get(prescribed_exercise=runner.bridge_a)
    alex.post(
        f"/today/check-offs/{check_off.pk}/rate/",
        {"difficulty": "right", "pain_during": "2"},
        **HTMX,
    )
    assert "pain 2/10" in kept_today(alex)
    alex.post(f"/today/check-offs/{check_off.pk}/undo/", **HTMX)
    html = kept_today(alex)
    assert "0 of 2 exercises done" in html and "pain 2/10" not in html


@pytest.mark.django_db
def test_a_therapists_changes_to_the_programme_are_on_today_at_the_next_request(
    alex: Client, runner: SimpleNamespace
) -> None:
    from patients.services import prescription_create_from_template, prescription_set_status

    kept_today(alex)
    bridge = runner.bridge_a
    bridge.reps, bridge.therapist_note = 8, "Keep your ribs down."
    bridge.save()
    html = kept_today(alex)
    assert "Hold 10 s · 8 times" in html and "Keep your ribs down." in html

    PrescribedExercise.objects.create(
        prescription=bridge.prescription,
        exercise=Exercise.objects.get(slug="front-plank"),
        order=3,
        hold_seconds=30,
    )
    assert "0 of 3 exercises done" in kept_today(alex)
    runner.plank_a.delete()
    assert "0 of 2 exercises done" in kept_today(alex)

    # A second programme, copied from a template in bulk.
    prescription_create_from_template(
        patient=runner.patient_a,
        therapist=runner.owner,
        template=ProgramTemplate.objects.get(slug="glute-bridge-program"),
        start_date=timezone.localdate(),
        days_mask=EVERY_DAY,
    )
    assert "0 of 3 exercises done" in kept_today(alex)

    prescription_set_status(
        prescription=bridge.prescription, status=Prescription.Status.PAUSED, user=None
    )
    assert "0 of 1 exercise done" in kept_today(alex)
    Prescription.objects.filter(patient=runner.patient_a).delete()
    assert "Nothing due today" in kept_today(alex)


@pytest.mark.django_db
def test_the_programmes_note_is_on_today_above_its_cards(
    alex: Client, runner: SimpleNamespace
) -> None:
    note = "Stop if pain goes down your leg."
    assert note not in kept_today(alex)
    prescription = runner.bridge_a.prescription
    prescription.notes = note
    prescription.save()
    html = kept_today(alex)
    main = html[html.index("<main") :]
    assert main.count(note) == 1  # once, however many of its exercises are due
    assert main.index(note) < main.index('id="progress"') < main.index('id="card-')
    assert "Your therapist's note for this programme" in main
    # Another patient's programme note is not on Alex's Today.
    other = Prescription.objects.get(patient=runner.patient_b)
    other.notes = "Only for Bo."
    other.save()
    assert "Only for Bo." not in kept_today(alex)
    # A paused programme (none of its exercises due) shows no note.
    prescription.status = Prescription.Status.PAUSED
    prescription.save()
    assert note not in kept_today(alex)


@pytest.mark.django_db
def test_a_screen_asked_for_cancelled_or_done_is_on_today_at_the_next_request(
    alex: Client, runner: SimpleNamespace
) -> None:
    from patients.models import ScreenRequest
    from patients.screens import screen_request_create, screen_requests_cancel

    screen = Exercise.objects.get(slug="single-leg-stance-eyes-closed")
    assert screen.name not in kept_today(alex)
    screen_request_create(patient=runner.patient_a, screen=screen, requested_by=runner.owner)
    assert screen.name in kept_today(alex)
    screen_requests_cancel(screen_requests=ScreenRequest.objects.filter(patient=runner.patient_a))
    assert screen.name not in kept_today(alex)


@pytest.mark.django_db
def test_a_paused_programme_is_on_today_at_the_next_request(
    alex: Client, runner: SimpleNamespace
) -> None:
    from patients.triage import pain_report_create

    assert "exercise-card" in kept_today(alex)
    pain_report_create(
        patient=runner.patient_a,
        score=8,
        moment="morning",
        qualities=["sharp"],
        urgent_signs=["saddle_numbness"],
    )
    html = kept_today(alex)
    assert "programme-held" in html and "exercise-card" not in html


@pytest.mark.django_db
def test_a_new_day_and_a_new_time_zone_make_a_new_today(
    client: Client, runner: SimpleNamespace
) -> None:
    patient = runner.patient_a
    client.force_login(patient.user)
    bridge = runner.bridge_a
    # A day inside the programme (it started a week before today), whatever day the suite runs.
    day = timezone.localdate() - timedelta(days=3)
    morning = datetime(day.year, day.month, day.day, 11, 0, tzinfo=ZoneInfo("Europe/London"))
    following = morning + timedelta(days=1)
    next_day = f"{following:%A} {following.day} {following:%B}"
    Patient.objects.filter(pk=patient.pk).update(time_zone="Europe/London")
    with time_machine.travel(morning, tick=False):
        CheckOff.objects.create(
            patient=patient,
            prescribed_exercise=bridge,
            local_date=morning.date(),
            session=1,
            created_at=morning,
        )
        assert "1 of 2 exercises done" in kept_today(client)
    with time_machine.travel(morning + timedelta(days=1), tick=False):
        html = kept_today(client)
        assert next_day in html and "0 of 2 exercises done" in html
    with time_machine.travel(morning, tick=False):
        patient.refresh_from_db()
        patient.time_zone = "Pacific/Kiritimati"  # UTC+14: already the next day there
        patient.save()
        html = kept_today(client)
        assert next_day in html and "0 of 2 exercises done" in html


@pytest.mark.django_db
def test_every_change_to_a_row_today_shows_replaces_the_patients_page_stamp(
    runner: SimpleNamespace,
) -> None:
    """The rule itself, on the rows: their saves, deletes and conditional updates."""
    from patients.models import ScreenRequest
    from patients.screens import screen_request_create, screen_requests_cancel
    from patients.triage import pain_report_create

    patient, other = runner.patient_a, runner.patient_b

    def stamps() -> tuple[int, int]:
        return tuple(
            Patient.objects.filter(pk__in=[patient.pk, other.pk])
            .order_by("pk")
            .values_list("page_stamp", flat=True)
        )  # type: ignore[return-value]

    changes = [
        lambda: runner.bridge_a.save(),
        lambda: runner.bridge_a.prescription.save(),
        lambda: CheckOff.objects.create(
            patient=patient,
            prescribed_exercise=runner.bridge_a,
            local_date=patient.local_today(timezone.now()),
            session=1,
            created_at=timezone.now(),
        ),
        lambda: CheckOff.objects.filter(patient=patient).get().delete(),
        lambda: screen_request_create(
            patient=patient,
            screen=Exercise.objects.get(slug="single-leg-stance-eyes-closed"),
            requested_by=runner.owner,
        ),
        lambda: screen_requests_cancel(
            screen_requests=ScreenRequest.objects.filter(patient=patient)
        ),
        lambda: runner.plank_a.delete(),
        lambda: pain_report_create(patient=patient, score=2, moment="morning", qualities=["dull"]),
    ]
    for change in changes:
        before = dict(zip((patient.pk, other.pk), stamps(), strict=True))
        change()
        after = dict(zip((patient.pk, other.pk), stamps(), strict=True))
        assert after[patient.pk] > before[patient.pk]
        assert after[other.pk] == before[other.pk]  # another patient's page is left as it was


@pytest.mark.django_db
def test_the_history_is_kept_and_follows_check_offs_and_pain_reports(
    alex: Client, runner: SimpleNamespace
) -> None:
    from patients.triage import pain_report_create

    assert "Nothing checked off yet." in kept_page(alex, "/history/")
    alex.post(f"/today/exercises/{runner.bridge_a.pk}/check-off/", **HTMX)
    html = kept_page(alex, "/history/")
    assert "Glute bridge (hip bridge)</li>" in html and "Nothing checked off yet." not in html
    pain_report_create(patient=runner.patient_a, score=6, moment="running", qualities=["dull"])
    html = kept_page(alex, "/history/")
    assert "6/10 · during or after running" in html and 'class="pain-point"' in html


@pytest.mark.django_db
def test_the_programme_page_is_kept_and_follows_its_exercises_and_the_therapists_name(
    alex: Client, runner: SimpleNamespace
) -> None:
    assert "Side plank" in kept_page(alex, "/programme/")
    runner.plank_a.delete()
    assert "Side plank" not in kept_page(alex, "/programme/")
    therapist = runner.owner.user
    therapist.last_name = "Richardson-Okafor"
    therapist.save()
    assert "Richardson-Okafor" in kept_page(alex, "/programme/")


@pytest.mark.django_db
def test_a_paused_programme_refuses_a_new_check_off_and_answers_a_repeated_one_as_before(
    alex: Client, runner: SimpleNamespace
) -> None:
    """A double tap or a retry that arrives after the pause records nothing, so it is answered
    as the first tap was; a new check-off is refused with the reason."""
    from patients.triage import pain_report_create

    bridge, plank = runner.bridge_a, runner.plank_a
    first = alex.post(f"/today/exercises/{bridge.pk}/check-off/", {"session": "1"}, **HTMX)
    assert first.status_code == 200 and "Done</span>" in first.content.decode()
    pain_report_create(
        patient=runner.patient_a,
        score=8,
        moment="morning",
        qualities=["sharp"],
        urgent_signs=["saddle_numbness"],
    )
    again = alex.post(f"/today/exercises/{bridge.pk}/check-off/", {"session": "1"}, **HTMX)
    assert again.status_code == 200 and "Done</span>" in again.content.decode()
    refused = alex.post(f"/today/exercises/{plank.pk}/check-off/", {"session": "1"}, **HTMX)
    assert refused.status_code == 422 and "paused" in refused.content.decode()
    assert CheckOff.objects.filter(patient=runner.patient_a).count() == 1
