"""`make bench`: the reminder scheduler and senders at clinic-chain scale, on PostgreSQL.

Prints, for 10,000 and for 100,000 active prescriptions, the time and the number of queries of
one scheduling tick (the worst case: every session due at once), and the reminders one worker
sends per second against Redis beside the rate of a no-op Celery task (the ratio is the figure).
It builds its own database (`portal_bench`) and leaves the project's alone.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

BENCH_DATABASE = "portal_bench"
ZONES = [
    "Europe/London",
    "America/New_York",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "America/Los_Angeles",
]
SIZES = (10_000, 100_000)
SEND_COUNT = 2_000


def prepare_environment() -> None:
    import psycopg

    try:
        with psycopg.connect(
            "host=127.0.0.1 port=5432 user=postgres dbname=postgres connect_timeout=3",
            autocommit=True,
        ) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {BENCH_DATABASE} WITH (FORCE)")
            connection.execute(f"CREATE DATABASE {BENCH_DATABASE}")
    except psycopg.Error as exc:
        sys.exit(f"make bench needs PostgreSQL on 127.0.0.1:5432 (user postgres): {exc}")
    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{BENCH_DATABASE}"
    os.environ.setdefault("SECRET_KEY", "benchmark-only-secret-key-0123456789abcdef")
    os.environ["DEBUG"] = "false"
    os.environ["EMAIL_URL"] = "dummymail://"
    os.environ["LOG_LEVEL"] = "WARNING"
    os.environ["DJANGO_SETTINGS_MODULE"] = "portal.settings"
    from portal.redis_server import EmbeddedRedis, redis_answers

    local = "redis://127.0.0.1:6379/13"
    if not os.environ.get("REDIS_URL"):
        if redis_answers(local):
            os.environ["REDIS_URL"] = local
        else:
            os.environ["REDIS_URL"] = EmbeddedRedis().start().url


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


def worker_rate(label: str, publish: callable, count: int) -> float:  # type: ignore[valid-type]
    """Messages handled per second by one worker (concurrency 1): publish, then wait for a ping
    queued behind them (the queue is first in, first out)."""
    from portal.celery import ping

    started = time.perf_counter()
    publish()
    ping.apply_async().get(timeout=600)
    elapsed = time.perf_counter() - started
    rate = count / elapsed
    print(f"  {label:<46} {rate:>8.0f} /s  ({count} in {elapsed:.2f} s)")
    return rate


def main() -> None:
    prepare_environment()
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from patients.models import Prescription, Reminder
    from patients.tasks import send_outgoing
    from portal.celery import app, noop
    from tests.processes import WorkerProcess

    call_command("migrate", verbosity=0)
    call_command("import_library", shipped=True, verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    now = datetime.now(UTC).replace(second=30, microsecond=0)
    print(f"Reminder benchmark on PostgreSQL ({BENCH_DATABASE}), Redis {settings.REDIS_URL}")
    print("One scheduling tick, every session due at once (the worst case):")
    made = 0
    for size in SIZES:
        add_prescriptions(size - made, now, made)
        made = size
        runs = [measure_tick(now) for _ in range(2)]
        elapsed = min(run[0] for run in runs)
        queries, recorded, steady = runs[0][1], runs[0][2], min(run[3] for run in runs)
        print(
            f"  {size:>7,} prescriptions: {elapsed:6.2f} s, {queries} queries, "
            f"{recorded:,} reminders recorded; the next tick (nothing new) {steady:5.2f} s"
        )

    print(f"Sending {SEND_COUNT:,} reminders with one worker (concurrency 1, dummy mail backend):")
    app.control.purge()
    with WorkerProcess(concurrency=1, EMAIL_URL="dummymail://", LOG_LEVEL="WARNING"):
        noop_rate = statistics.median(
            worker_rate(
                "no-op Celery task", lambda: [noop.delay() for _ in range(SEND_COUNT)], SEND_COUNT
            )
            for _ in range(2)
        )
        results = {}
        for batch in (100, 1):
            Reminder.objects.all().delete()
            rows = [
                Reminder(
                    prescription_id=pk,
                    patient_id=patient_id,
                    local_date=now.astimezone(ZoneInfo(zone)).date(),
                    due_at=now - timedelta(minutes=5),
                )
                for pk, patient_id, zone in Prescription.objects.values_list(
                    "pk", "patient_id", "patient__time_zone"
                )[:SEND_COUNT]
            ]
            ids = [row.pk for row in Reminder.objects.bulk_create(rows)]

            def publish(ids: list[int] = ids, batch: int = batch) -> None:
                for start in range(0, len(ids), batch):
                    send_outgoing.delay("reminder", ids[start : start + batch])

            results[batch] = worker_rate(f"reminders, {batch} per task", publish, len(ids))
            sent = Reminder.objects.filter(delivery="sent").count()
            assert sent == len(ids), f"only {sent} of {len(ids)} sent"
    for batch, rate in results.items():
        print(f"  ratio, {batch} per task: {rate / noop_rate:.0%} of the no-op rate")


if __name__ == "__main__":
    main()
