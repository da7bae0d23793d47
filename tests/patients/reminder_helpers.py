"""Shared set-up for the reminder tests: run the scheduler as beat and a worker would."""

from __future__ import annotations

from datetime import date, datetime, time

import time_machine
from django.core import mail

from exercises.models import Exercise
from patients.models import EVERY_DAY, Patient, PrescribedExercise, Prescription, Therapist
from patients.reminders import reminders_tick
from patients.tasks import send_outgoing
from tests.factories import PatientFactory


def patient_with_programme(
    therapist: Therapist,
    *,
    zone: str = "Europe/London",
    at: time = time(18, 0),
    start: date = date(2026, 1, 1),
    days_mask: int = EVERY_DAY,
    sessions: int = 1,
    exercises: tuple[str, ...] = ("glute-bridge", "front-plank"),
    **patient_fields: object,
) -> Patient:
    patient = PatientFactory(primary_therapist=therapist, time_zone=zone, **patient_fields)
    prescription = Prescription.objects.create(
        patient=patient,
        therapist=therapist,
        title="Home programme",
        start_date=start,
        days_mask=days_mask,
        sessions_per_day=sessions,
        reminder_time=at,
    )
    for order, slug in enumerate(exercises, start=1):
        PrescribedExercise.objects.create(
            prescription=prescription, exercise=Exercise.objects.get(slug=slug), order=order
        )
    return patient


def change_prescriptions(patient: Patient, **fields: object) -> None:
    """Change the patient's prescriptions as the admin does (a save each), so that their next
    reminder follows; a bare queryset .update() would leave it where it was."""
    for prescription in Prescription.objects.filter(patient=patient):
        for name, value in fields.items():
            setattr(prescription, name, value)
        prescription.save()


def tick(moment: datetime) -> dict[str, list[int]]:
    """One beat tick at `moment`, then the workers' share of it, run here (locmem mail)."""
    with time_machine.travel(moment, tick=False):
        report = reminders_tick()
        for kind, ids in report.to_dispatch.items():
            if ids:
                send_outgoing.apply(args=[kind, ids])
    return report.to_dispatch


def sent_to(address: str) -> list[mail.EmailMessage]:
    return [message for message in mail.outbox if message.to == [address]]
