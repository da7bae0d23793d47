"""Check-offs and pain reports made on the phone with no connection, sent when it returned: each
id is recorded once, with the time the patient did it; bad ids and times are refused with a
message and change nothing; a late report of urgent signs raises the urgent alert when it
arrives. (The phone's side is in test_offline_browser.py.)"""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta
from html import unescape
from types import SimpleNamespace

import pytest
import time_machine
from bs4 import BeautifulSoup
from django.test import Client
from django.utils import timezone

from exercises.models import Exercise
from patients.models import Alert, AlertNotice, CheckOff, PainReport, Prescription
from patients.offline import ID_TAKEN, IN_THE_FUTURE, MALFORMED_ID, MALFORMED_TIME, TOO_OLD
from patients.triage import pain_report_create
from tests.factories import (
    ClinicFactory,
    PatientFactory,
    PrescribedExerciseFactory,
    TherapistFactory,
    programme_create,
)

HTMX = {"HTTP_HX_REQUEST": "true"}
PHONE = "020 7946 0000"


@pytest.fixture
def people(db: None) -> SimpleNamespace:
    """Alex (London) with the glute bridge due every day since a month ago, and a side plank;
    Robin, Alex's therapist; Sam, a patient of another clinic."""
    clinic = ClinicFactory(name="Riverside Running Clinic", phone=PHONE)
    therapist = TherapistFactory(clinic=clinic, user__first_name="Robin")
    patient = PatientFactory(primary_therapist=therapist, user__first_name="Alex")
    bridge = programme_create(patient)
    plank = PrescribedExerciseFactory(
        prescription=bridge.prescription,
        exercise=Exercise.objects.get(slug="side-plank"),
        order=2,
        hold_seconds=15,
        reps=None,
    )
    sam = PatientFactory(primary_therapist=TherapistFactory(clinic=ClinicFactory()))
    return SimpleNamespace(patient=patient, bridge=bridge, plank=plank, sam=sam)


@pytest.fixture
def alex(client: Client, people: SimpleNamespace) -> Client:
    client.force_login(people.patient.user)
    return client


def local(patient, day, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=patient.zone)


def check_off(client: Client, item, client_id: object, done_at: object, **extra: object):
    data = {"session": "1", "client_id": str(client_id), "done_at": str(done_at)}
    return client.post(f"/today/exercises/{item.pk}/check-off/", data, **extra)


def pain_report(client: Client, client_id: object, done_at: object, **fields: object):
    data: dict[str, object] = {
        "score": "3",
        "moment": "morning",
        "note": "",
        "urgent_signs": ["none"],
        "client_id": str(client_id),
        "done_at": str(done_at),
    }
    data.update(fields)
    return client.post("/pain/new/", data, **HTMX)


# Check-offs ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_check_off_made_at_2350_and_sent_next_morning_counts_for_its_day_once(
    alex: Client, people: SimpleNamespace
) -> None:
    patient = people.patient
    yesterday = patient.local_today() - timedelta(days=1)
    done_at = local(patient, yesterday, 23, 50)
    arrived = local(patient, yesterday + timedelta(days=1), 8, 0)
    phone_id = uuid.uuid4()
    with time_machine.travel(arrived, tick=False):
        first = check_off(alex, people.bridge, phone_id, done_at.isoformat(), **HTMX)
        again = check_off(alex, people.bridge, phone_id, done_at.isoformat(), **HTMX)
        plain = check_off(alex, people.bridge, phone_id, done_at.isoformat())
    assert first.status_code == again.status_code == 200
    assert plain.status_code == 302
    recorded = CheckOff.objects.get(patient=patient)
    assert recorded.client_id == phone_id
    assert recorded.local_date == yesterday  # the day it was done, not the day it arrived
    assert recorded.created_at == done_at
    assert recorded.synced_at == arrived
    # Today's card is today's: yesterday's check-off leaves it to do, however often it is sent.
    for response in (first, again):
        card = unescape(response.content.decode())
        assert "btn-check-off" in card and "Done</span>" not in card
        assert "0 of 2 exercises done" in card


@pytest.mark.django_db
def test_a_check_off_sent_at_once_has_no_time_of_its_own(
    alex: Client, people: SimpleNamespace
) -> None:
    phone_id = uuid.uuid4()
    response = check_off(alex, people.bridge, phone_id, "", **HTMX)
    assert response.status_code == 200
    recorded = CheckOff.objects.get(patient=people.patient)
    assert recorded.client_id == phone_id and recorded.synced_at is None


@pytest.mark.django_db
def test_a_late_check_off_for_a_day_the_programme_was_not_due_is_refused(
    alex: Client, people: SimpleNamespace
) -> None:
    patient = people.patient
    today = patient.local_today()
    prescription = people.bridge.prescription
    prescription.days_mask = 1 << today.weekday()  # today's weekday only: yesterday was not due
    prescription.save()
    done_at = local(patient, today - timedelta(days=1), 18, 0)
    response = check_off(alex, people.bridge, uuid.uuid4(), done_at.isoformat(), **HTMX)
    assert response.status_code == 422
    day = (today - timedelta(days=1)).strftime("%A")
    assert f"This exercise was not due on {day}" in unescape(response.content.decode())
    assert not CheckOff.objects.exists()


@pytest.mark.django_db
def test_a_check_off_done_before_the_programme_was_paused_is_still_recorded(
    alex: Client, people: SimpleNamespace
) -> None:
    patient = people.patient
    done_at = timezone.now() - timedelta(hours=2)
    pain_report_create(
        patient=patient, score=5, moment="morning", qualities=[], urgent_signs=["night_pain"]
    )
    late = check_off(alex, people.bridge, uuid.uuid4(), done_at.isoformat(), **HTMX)
    assert late.status_code == 200
    assert CheckOff.objects.filter(patient=patient, created_at=done_at).count() == 1
    # One done after the pause began is refused, as a tap made now would be.
    now = check_off(alex, people.plank, uuid.uuid4(), timezone.now().isoformat(), **HTMX)
    assert now.status_code == 422
    assert "Your programme is paused" in unescape(now.content.decode())
    assert CheckOff.objects.filter(patient=patient).count() == 1


BAD_PHONE_RECORDS = [
    pytest.param("not-a-uuid", None, MALFORMED_ID, id="malformed id"),
    pytest.param(None, "yesterday evening", MALFORMED_TIME, id="malformed time"),
    pytest.param(None, "2026-01-05T10:00:00", MALFORMED_TIME, id="time without its zone"),
    pytest.param(None, timedelta(minutes=6), IN_THE_FUTURE, id="6 minutes ahead"),
    pytest.param(None, timedelta(days=2), IN_THE_FUTURE, id="2 days ahead"),
    pytest.param(None, -timedelta(days=7, minutes=1), TOO_OLD, id="over 7 days old"),
]


def _phone_fields(raw_id: str | None, raw_time: object) -> tuple[str, str]:
    if isinstance(raw_time, timedelta):
        raw_time = (timezone.now() + raw_time).isoformat()
    return raw_id or str(uuid.uuid4()), raw_time or timezone.now().isoformat()


@pytest.mark.django_db
@pytest.mark.parametrize(("raw_id", "raw_time", "message"), BAD_PHONE_RECORDS)
def test_a_check_off_with_a_bad_id_or_time_is_refused_and_changes_nothing(
    alex: Client, people: SimpleNamespace, raw_id: str | None, raw_time: object, message: str
) -> None:
    phone_id, done_at = _phone_fields(raw_id, raw_time)
    response = check_off(alex, people.bridge, phone_id, done_at, **HTMX)
    assert response.status_code == 422
    assert message in unescape(response.content.decode())
    plain = check_off(alex, people.bridge, phone_id, done_at, follow=True)
    assert message in unescape(plain.content.decode())
    assert not CheckOff.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(("raw_id", "raw_time", "message"), BAD_PHONE_RECORDS)
def test_a_pain_report_with_a_bad_id_or_time_is_refused_and_changes_nothing(
    alex: Client, people: SimpleNamespace, raw_id: str | None, raw_time: object, message: str
) -> None:
    phone_id, done_at = _phone_fields(raw_id, raw_time)
    response = pain_report(alex, phone_id, done_at, urgent_signs=["saddle_numbness"])
    assert response.status_code == 422
    html = unescape(response.content.decode())
    assert message in html
    assert 'name="score"' in html  # the form, as the patient filled it, to send again
    assert not PainReport.objects.exists() and not Alert.objects.exists()
    assert Prescription.objects.get().patient.programme_held_at is None


@pytest.mark.django_db
def test_a_phone_clock_a_few_minutes_ahead_is_taken_as_now(
    alex: Client, people: SimpleNamespace
) -> None:
    arrived = timezone.now().replace(microsecond=0)
    with time_machine.travel(arrived, tick=False):
        ahead = (arrived + timedelta(minutes=4)).isoformat()
        assert check_off(alex, people.bridge, uuid.uuid4(), ahead, **HTMX).status_code == 200
    recorded = CheckOff.objects.get()
    assert recorded.created_at == recorded.synced_at == arrived


@pytest.mark.django_db
def test_an_id_already_used_for_another_record_is_refused(
    alex: Client, people: SimpleNamespace
) -> None:
    patient, sam = people.patient, people.sam
    now = timezone.now().isoformat()
    report_id, sams_id, bridge_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    pain_report_create(
        patient=patient,
        score=2,
        moment="morning",
        qualities=[],
        urgent_signs=[],
        phone=_phone(report_id),
    )
    pain_report_create(
        patient=sam, score=2, moment="morning", qualities=[], urgent_signs=[], phone=_phone(sams_id)
    )
    assert check_off(alex, people.bridge, bridge_id, now, **HTMX).status_code == 200
    before = (CheckOff.objects.count(), PainReport.objects.count())

    refused = [
        check_off(alex, people.plank, report_id, now, **HTMX),  # a pain report's id
        check_off(alex, people.plank, sams_id, now, **HTMX),  # another patient's
        check_off(alex, people.plank, bridge_id, now, **HTMX),  # another exercise's check-off
        pain_report(alex, bridge_id, now),  # a check-off's id for a pain report
        pain_report(alex, sams_id, now),  # another patient's report
    ]
    for response in refused:
        assert response.status_code == 422
        assert ID_TAKEN in unescape(response.content.decode())
    assert (CheckOff.objects.count(), PainReport.objects.count()) == before


def _phone(client_id: uuid.UUID):
    from patients.offline import PhoneRecord

    return PhoneRecord(client_id=client_id)


# Pain reports --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_late_report_of_urgent_signs_raises_the_urgent_alert_when_it_arrives_once(
    alex: Client, people: SimpleNamespace
) -> None:
    patient = people.patient
    arrived = timezone.now().replace(microsecond=0)
    done_at = arrived - timedelta(minutes=40)
    phone_id = uuid.uuid4()
    with time_machine.travel(arrived, tick=False):
        first = pain_report(alex, phone_id, done_at.isoformat(), urgent_signs=["bladder_bowel"])
        again = pain_report(alex, phone_id, done_at.isoformat(), urgent_signs=["bladder_bowel"])
    report = PainReport.objects.get(patient=patient)
    assert first.status_code == again.status_code == 200
    assert first["HX-Redirect"] == again["HX-Redirect"] == f"/pain/{report.pk}/"
    assert report.client_id == phone_id
    assert report.created_at == done_at and report.synced_at == arrived
    alert = Alert.objects.get(patient=patient)
    assert alert.cause == Alert.Cause.URGENT
    assert alert.created_at == arrived  # raised when the clinic could first know
    assert AlertNotice.objects.filter(pain_report=report).count() == 1
    patient.refresh_from_db()
    assert patient.programme_held_at == arrived
    # What the patient reads next is what an urgent report sent at once gets.
    guidance = alex.get(first["HX-Redirect"]).content.decode()
    assert "Seek urgent medical care now." in guidance
    assert "We have sent Robin a message asking them to look at this." in guidance


@pytest.mark.django_db
def test_the_pain_form_still_works_without_javascript(
    alex: Client, people: SimpleNamespace
) -> None:
    response = alex.post(
        "/pain/new/",
        {"score": "6", "moment": "morning", "urgent_signs": ["none"], "client_id": ""},
    )
    report = PainReport.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/pain/{report.pk}/"
    assert report.client_id is None and report.synced_at is None


@pytest.mark.django_db
def test_the_pain_form_holds_the_urgent_guidance_for_no_connection_hidden(
    alex: Client, people: SimpleNamespace
) -> None:
    form_page = BeautifulSoup(alex.get("/pain/new/").content, "html.parser")
    offline = form_page.select_one("[data-pain-urgent]")
    assert offline is not None and offline.has_attr("hidden")
    pain_report(alex, uuid.uuid4(), "", urgent_signs=["leg_weakness"])
    report_page = BeautifulSoup(
        alex.get(f"/pain/{PainReport.objects.get().pk}/").content, "html.parser"
    )

    def words(section) -> list[str]:
        return [" ".join(p.get_text(" ", strip=True).split()) for p in section.select("p, h1")]

    # The same words, in the same order, and the clinic's phone, as after a report that arrived.
    assert words(offline.select_one(".urgent-care")) == words(
        report_page.select_one(".urgent-care")
    )
    assert offline.select_one(".clinic-contact a[href='tel:02079460000']").get_text() == PHONE
    told = offline.select_one(".clinic-told").get_text(" ", strip=True)
    assert "your clinic has not been told yet" in told


@pytest.mark.django_db
def test_logging_out_clears_what_the_browser_keeps_of_the_site(
    alex: Client, people: SimpleNamespace
) -> None:
    response = alex.post("/accounts/logout/")
    assert response.status_code == 302
    assert response["Clear-Site-Data"] == '"cache", "storage"'
    assert alex.get("/today/").status_code == 302  # logged out
