"""Each prescription's stored next reminder follows every change that can move it, and the tick
reads only the prescriptions that are due, in the same number of queries for 1 as for 30."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from patients.models import Alert, HoldReason, NextReminder, Prescription, Reminder
from patients.reminders import reminders_tick
from patients.services import patient_settings_update, prescription_set_status
from patients.triage import programme_hold, programme_resume
from tests.patients.reminder_helpers import patient_with_programme

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
MONDAY = date(2026, 11, 23)
NOON = datetime.combine(MONDAY, time(12, 0), tzinfo=LONDON)


def local(day: date, hour: int, minute: int = 0, zone: ZoneInfo = LONDON) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=zone)


def next_reminder(patient) -> tuple[datetime | None, date | None, int | None]:
    row = NextReminder.objects.get(prescription__patient=patient)
    return (row.due_at, row.local_date, row.session)


@pytest.fixture
def clock():
    with time_machine.travel(NOON, tick=False) as traveller:
        yield traveller


@pytest.fixture
def alex(clinic_people: SimpleNamespace, library: None, clock):
    patient = patient_with_programme(clinic_people.owner)  # every day at 18:00, London
    reminders_tick()  # the scheduler has looked at it once, at noon
    return patient


@pytest.mark.django_db
def test_a_tick_moves_the_next_reminder_on_after_recording_it(alex, clock) -> None:
    assert next_reminder(alex) == (local(MONDAY, 18), MONDAY, 1)
    clock.move_to(local(MONDAY, 18))
    assert reminders_tick().reminders_recorded == 1
    tuesday = date(2026, 11, 24)
    assert next_reminder(alex) == (local(tuesday, 18), tuesday, 1)
    assert reminders_tick().reminders_recorded == 0  # a second beat at the same minute


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"reminder_time": time(20, 0)}, (local(MONDAY, 20), MONDAY, 1)),
        ({"days_mask": 0b0000010}, (local(date(2026, 11, 24), 18), date(2026, 11, 24), 1)),
        ({"start_date": date(2026, 12, 1)}, (local(date(2026, 12, 1), 18), date(2026, 12, 1), 1)),
        ({"end_date": MONDAY}, (local(MONDAY, 18), MONDAY, 1)),
        ({"end_date": MONDAY, "reminder_time": time(9, 0)}, (None, None, None)),
        # 08:00, 11:00, 14:00: 11:00 came due within the last two hours and was never
        # reminded, so it still is (as a tick after beat was down would).
        ({"sessions_per_day": 3, "reminder_time": time(8, 0)}, (local(MONDAY, 11), MONDAY, 2)),
        ({"sessions_per_day": 3, "reminder_time": time(7, 0)}, (local(MONDAY, 13), MONDAY, 3)),
    ],
    ids=["time", "days", "start", "end-today", "ended", "sessions", "sessions-later"],
)
def test_the_next_reminder_follows_a_change_to_the_prescription(
    alex, change: dict[str, object], expected: tuple[object, ...]
) -> None:
    prescription = Prescription.objects.get(patient=alex)
    for name, value in change.items():
        setattr(prescription, name, value)
    prescription.full_clean()
    prescription.save()
    assert next_reminder(alex) == expected


@pytest.mark.django_db
def test_pausing_finishing_and_resuming_a_prescription_moves_its_next_reminder(alex) -> None:
    prescription = Prescription.objects.get(patient=alex)
    owner = prescription.therapist.user
    for status in (Prescription.Status.PAUSED, Prescription.Status.FINISHED):
        prescription_set_status(prescription=prescription, status=status, user=owner)
        assert next_reminder(alex) == (None, None, None)
    prescription_set_status(prescription=prescription, status="active", user=owner)
    assert next_reminder(alex) == (local(MONDAY, 18), MONDAY, 1)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"time_zone": "America/New_York"}, (local(MONDAY, 18, zone=NEW_YORK), MONDAY, 1)),
        ({"preferred_reminder_time": time(19, 30)}, (local(MONDAY, 19, 30), MONDAY, 1)),
        # Every session falls in the quiet hours: there is no reminder to come.
        ({"quiet_hours_start": time(17, 0), "quiet_hours_end": time(19, 0)}, (None, None, None)),
        ({"reminders_enabled": False}, (None, None, None)),
    ],
    ids=["zone", "preferred-time", "quiet-hours", "reminders-off"],
)
def test_the_next_reminder_follows_the_patients_settings(
    alex, change: dict[str, object], expected: tuple[object, ...]
) -> None:
    patient_settings_update(patient=alex, **change)  # what the settings page calls
    assert next_reminder(alex) == expected


@pytest.mark.django_db
def test_reminders_turned_back_on_come_back(alex) -> None:
    patient_settings_update(patient=alex, reminders_enabled=False)
    patient_settings_update(patient=alex, reminders_enabled=True)
    assert next_reminder(alex) == (local(MONDAY, 18), MONDAY, 1)


@pytest.mark.django_db
def test_a_zone_change_on_a_daylight_saving_day_lands_after_the_gap(
    clinic_people: SimpleNamespace, library: None
) -> None:
    spring_forward = date(2026, 3, 8)  # New York: 02:00 → 03:00
    with time_machine.travel(datetime(2026, 3, 8, 5, 0, tzinfo=UTC), tick=False):
        patient = patient_with_programme(clinic_people.owner, at=time(2, 30))
        reminders_tick()
        assert next_reminder(patient)[1] == date(2026, 3, 9)  # London's 02:30 is gone
        patient_settings_update(patient=patient, time_zone="America/New_York")  # 00:00 there
        due_at, day, session = next_reminder(patient)
        # 02:30 does not exist in New York that night: the first minute after the gap.
        assert (due_at, day, session) == (datetime(2026, 3, 8, 7, 0, tzinfo=UTC), spring_forward, 1)
        assert due_at.astimezone(NEW_YORK).time() == time(3, 0)


@pytest.mark.django_db
def test_a_paused_programme_has_no_next_reminder_until_it_is_reviewed(alex, clock) -> None:
    alert = Alert.objects.create(patient=alex, cause=Alert.Cause.RED_FLAG, created_at=NOON)
    programme_hold(patient=alex, reason=HoldReason.SEVERE_SPASM, alert=alert, now=NOON)
    assert next_reminder(alex) == (None, None, None)
    clock.move_to(local(MONDAY, 18))
    assert reminders_tick().reminders_recorded == 0
    clock.move_to(local(MONDAY, 19))
    programme_resume(patient=alex)
    # Reviewed within the catch-up window: today's 18:00 session is still reminded.
    assert next_reminder(alex) == (local(MONDAY, 18), MONDAY, 1)
    assert reminders_tick().reminders_recorded == 1
    assert Reminder.objects.get().local_date == MONDAY


@pytest.mark.django_db
def test_the_tick_runs_the_same_queries_for_one_due_prescription_as_for_thirty(
    clinic_people: SimpleNamespace, library: None, clock
) -> None:
    owner = clinic_people.owner
    first = patient_with_programme(owner, zone="America/New_York")
    reminders_tick()

    def queries_of_a_tick_at(moment: datetime) -> tuple[int, int]:
        clock.move_to(moment)
        with CaptureQueriesContext(connection) as queries:
            recorded = reminders_tick().reminders_recorded
        return recorded, len(queries)

    one = queries_of_a_tick_at(local(MONDAY, 18, zone=NEW_YORK))
    for zone in ["Europe/London", "Asia/Kolkata", "Australia/Lord_Howe"] * 10:
        patient_with_programme(owner, zone=zone, at=time(18, 1))
    thirty = queries_of_a_tick_at(local(date(2026, 11, 24), 18, 1, zone=LONDON))
    assert one[0] == 1 and thirty[0] == 10  # London's ten; the others are not due yet
    assert one[1] == thirty[1]
    nothing = queries_of_a_tick_at(local(date(2026, 11, 24), 18, 2, zone=LONDON))
    assert nothing[0] == 0
    assert nothing[1] <= one[1]
    assert Reminder.objects.filter(patient=first).count() == 1


@pytest.mark.django_db
def test_a_therapists_changes_in_the_admin_move_the_next_reminder(
    client, clinic_people: SimpleNamespace, library: None, clock
) -> None:
    from django.urls import reverse

    from exercises.models import ProgramTemplate
    from patients.services import prescription_create_from_template
    from tests.patients.test_prescriptions import change_form
    from tests.two_factor import verified_login

    patient = clinic_people.patient_a  # London
    prescription = prescription_create_from_template(
        patient=patient,
        therapist=clinic_people.owner,
        template=ProgramTemplate.objects.get(slug="glute-bridge-program"),
        start_date=MONDAY,
        days_mask=0b1111111,
        created_by=clinic_people.owner.user,
    )
    assert next_reminder(patient) == (local(MONDAY, 18), MONDAY, 1)
    verified_login(client, clinic_people.owner.user)
    url = reverse("admin:patients_prescription_change", args=[prescription.pk])
    response = client.post(url, change_form(prescription, reminder_time="19:15"))
    assert response.status_code == 302
    assert next_reminder(patient) == (local(MONDAY, 19, 15), MONDAY, 1)

    changelist = reverse("admin:patients_prescription_changelist")
    client.post(changelist, {"action": "pause", "_selected_action": [prescription.pk]})
    assert next_reminder(patient) == (None, None, None)
    client.post(changelist, {"action": "resume", "_selected_action": [prescription.pk]})
    assert next_reminder(patient) == (local(MONDAY, 19, 15), MONDAY, 1)
