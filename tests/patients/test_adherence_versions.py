"""Adherence for a past day counts what was prescribed that day: the prescription's version in
force at the end of the patient's day, not what it says now."""

from __future__ import annotations

from datetime import date, datetime, time
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine

from exercises.models import Exercise
from patients.models import CheckOff, Patient, PrescribedExercise, Prescription
from patients.selectors import patient_history, patient_overviews
from patients.services import prescription_record_version, prescription_set_status
from tests.factories import PatientFactory

LONDON = ZoneInfo("Europe/London")


def at(day: int, hour: int = 10) -> datetime:
    return datetime(2026, 11, day, hour, 0, tzinfo=LONDON)


@pytest.fixture
def changed_mid_week(clinic_people: SimpleNamespace, library: None) -> Patient:
    """Two exercises from Monday 16 November; a third added on Wednesday; paused on Thursday;
    resumed on Saturday. Everything asked for was done, except on the paused days."""
    patient = PatientFactory(primary_therapist=clinic_people.owner, time_zone="Europe/London")
    bridge, plank, side = Exercise.objects.filter(
        slug__in=["glute-bridge", "front-plank", "side-plank"]
    ).order_by("slug")[:3]
    with time_machine.travel(at(16, 9), tick=False):
        prescription = Prescription.objects.create(
            patient=patient,
            therapist=patient.primary_therapist,
            title="Back to running",
            start_date=date(2026, 11, 16),
            reminder_time=time(18, 0),
        )
        items = [
            PrescribedExercise.objects.create(prescription=prescription, exercise=exercise, order=n)
            for n, exercise in enumerate([bridge, plank], start=1)
        ]
        prescription_record_version(prescription=prescription, user=None)
    with time_machine.travel(at(18), tick=False):
        items.append(
            PrescribedExercise.objects.create(prescription=prescription, exercise=side, order=3)
        )
        prescription_record_version(prescription=prescription, user=None)
    with time_machine.travel(at(19), tick=False):
        prescription_set_status(
            prescription=prescription, status=Prescription.Status.PAUSED, user=None
        )
    with time_machine.travel(at(21), tick=False):
        prescription_set_status(
            prescription=prescription, status=Prescription.Status.ACTIVE, user=None
        )
    done = {16: items[:2], 17: items[:2], 18: items, 21: items}
    CheckOff.objects.bulk_create(
        CheckOff(patient=patient, prescribed_exercise=item, local_date=date(2026, 11, day))
        for day, day_items in done.items()
        for item in day_items
    )
    return patient


@pytest.mark.django_db
def test_each_past_day_counts_the_version_in_force_that_day(changed_mid_week: Patient) -> None:
    history = patient_history(changed_mid_week, now=at(23, 12))
    expected = {
        entry.day.day: entry.expected
        for entry in history.days
        if date(2026, 11, 16) <= entry.day <= date(2026, 11, 22)
    }
    # Today's programme (three exercises, active) on every day would say 3 each day.
    assert expected == {16: 2, 17: 2, 18: 3, 19: 0, 20: 0, 21: 3, 22: 3}


@pytest.mark.django_db
def test_the_patient_list_counts_the_week_as_it_was_prescribed(changed_mid_week: Patient) -> None:
    overview = patient_overviews([changed_mid_week], now=at(23, 12), with_next_reminder=False)[
        changed_mid_week.pk
    ]
    # 2 + 2 + 3 + 0 + 0 + 3 + 3 due; 10 done (Sunday's 3 were not).
    assert (overview.expected, overview.done) == (13, 10)


@pytest.mark.django_db
def test_a_version_replaced_the_same_day_is_no_days(changed_mid_week: Patient) -> None:
    prescription = changed_mid_week.prescriptions.get()
    with time_machine.travel(at(23, 8), tick=False):
        prescription_set_status(
            prescription=prescription, status=Prescription.Status.PAUSED, user=None
        )
    with time_machine.travel(at(23, 9), tick=False):
        prescription_set_status(
            prescription=prescription, status=Prescription.Status.ACTIVE, user=None
        )
    history = patient_history(changed_mid_week, now=at(23, 12))
    assert history.days[-1].day == date(2026, 11, 23)
    assert history.days[-1].expected == 3  # paused at 8, active again at 9: the day's is active
