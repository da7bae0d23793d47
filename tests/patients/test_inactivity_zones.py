"""The "no activity for 3 days" alert counts the patient's own days, at both ends of the world."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine

from exercises.models import Exercise
from patients.models import Alert, CheckOff, Patient
from patients.reminders import inactivity_check
from tests.factories import PatientFactory, PrescribedExerciseFactory, PrescriptionFactory

UTC = ZoneInfo("UTC")
LAST_DONE = date(2026, 11, 20)


def patient_in(zone: str, therapist) -> Patient:  # type: ignore[no-untyped-def]
    patient = PatientFactory(primary_therapist=therapist, time_zone=zone)
    prescription = PrescriptionFactory(patient=patient, start_date=date(2026, 10, 1))
    item = PrescribedExerciseFactory(
        prescription=prescription, exercise=Exercise.objects.get(slug="glute-bridge")
    )
    CheckOff.objects.create(patient=patient, prescribed_exercise=item, local_date=LAST_DONE)
    return patient


def alerted(patient: Patient) -> bool:
    return Alert.objects.filter(patient=patient, cause=Alert.Cause.INACTIVE).exists()


def start_of_local_day(day: date, zone: str) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(zone)).astimezone(UTC)


@pytest.mark.django_db
@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "Pacific/Pago_Pago", "Europe/London"])
def test_inactivity_starts_with_the_patients_own_third_day(
    zone: str, clinic_people: SimpleNamespace, library: None
) -> None:
    patient = patient_in(zone, clinic_people.owner)
    third_day = start_of_local_day(LAST_DONE + timedelta(days=3), zone)
    with time_machine.travel(third_day - timedelta(minutes=1), tick=False):
        inactivity_check()
    assert not alerted(patient), "still the second day without activity, where the patient is"
    with time_machine.travel(third_day, tick=False):
        inactivity_check()
    assert alerted(patient)
