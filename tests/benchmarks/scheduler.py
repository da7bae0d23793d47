"""The scheduler at clinic-chain scale: one tick with every session due at once (the worst
case), and the next tick with nothing new, at 10,000 and 100,000 active prescriptions."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from tests.benchmarks.table import Figure

ZONES = [
    "Europe/London",
    "America/New_York",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "America/Los_Angeles",
]
SIZES = (10_000, 100_000)


def add_prescriptions(count: int, now: datetime, start_index: int) -> None:
    """`count` patients, each with one active prescription of one exercise, due now."""
    from exercises.models import Exercise
    from patients.models import Clinic, Patient, PrescribedExercise, Prescription, Therapist, User

    clinic, _ = Clinic.objects.get_or_create(name="Bench clinic")
    therapist = Therapist.objects.filter(clinic=clinic).first()
    if therapist is None:
        user = User.objects.create_user("therapist@bench.example", None, is_staff=True)
        therapist = Therapist.objects.create(user=user, clinic=clinic)
    bridge = Exercise.objects.get(slug="glute-bridge")
    batch = 10_000
    for offset in range(0, count, batch):
        numbers = range(start_index + offset, start_index + min(count, offset + batch))
        users = User.objects.bulk_create(
            User(email=f"patient{n}@bench.example", first_name="Pat", password="!") for n in numbers
        )
        patients = Patient.objects.bulk_create(
            Patient(
                user=user,
                clinic=clinic,
                primary_therapist=therapist,
                time_zone=ZONES[index % len(ZONES)],
            )
            for index, user in enumerate(users)
        )
        prescriptions = Prescription.objects.bulk_create(
            Prescription(
                patient=patient,
                therapist=therapist,
                title="Bench",
                start_date=date(2026, 1, 1),
                reminder_time=(now.astimezone(ZoneInfo(patient.time_zone)) - timedelta(minutes=5))
                .time()
                .replace(second=0, microsecond=0),
            )
            for patient in patients
        )
        PrescribedExercise.objects.bulk_create(
            PrescribedExercise(prescription=p, exercise=bridge, reps=15) for p in prescriptions
        )


def measure_tick(now: datetime) -> tuple[float, int, int, float]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from patients.models import Reminder
    from patients.reminders import reminders_tick

    Reminder.objects.all().delete()
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        report = reminders_tick(now=now)
        elapsed = time.perf_counter() - started
    steady_started = time.perf_counter()
    reminders_tick(now=now + timedelta(minutes=1))
    steady = time.perf_counter() - steady_started
    return elapsed, len(queries), report.reminders_recorded, steady


def run(environment: object) -> list[Figure]:
    now = datetime.now(UTC).replace(second=30, microsecond=0)
    figures = []
    made = 0
    for size in SIZES:
        add_prescriptions(size - made, now, made)
        made = size
        runs = [measure_tick(now) for _ in range(2)]
        elapsed = min(run[0] for run in runs)
        queries, recorded, steady = runs[0][1], runs[0][2], min(run[3] for run in runs)
        assert recorded == size, f"{recorded} of {size} recorded"
        figures += [
            Figure("scheduler", f"tick recording {size:,} due", elapsed, "s"),
            Figure("scheduler", f"queries of that tick ({size:,})", queries, "queries"),
            Figure("scheduler", f"next tick, nothing new ({size:,} active)", steady, "s"),
        ]
    return figures
