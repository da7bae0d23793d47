"""Sending: the reminders one worker (concurrency 1, dummy mail backend) sends a second in
batches of 100 and one by one, beside a no-op Celery task's rate, measured warm and interleaved
with the real runs (rounds alternate, so a slow moment of the machine touches both alike)."""

from __future__ import annotations

import statistics
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from tests.benchmarks.table import Figure

SEND_COUNT = 2_000
ROUNDS = 5


def worker_seconds(publish) -> float:  # type: ignore[no-untyped-def]
    """Seconds one worker takes over what `publish` queued: publish, then wait for a ping
    queued behind it (the queue is first in, first out)."""
    from portal.celery import ping

    started = time.perf_counter()
    publish()
    ping.apply_async().get(timeout=600)
    return time.perf_counter() - started


def due_reminders(count: int) -> list[int]:
    from patients.models import Prescription, Reminder

    now = datetime.now(UTC)
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
        ).order_by("pk")[:count]
    ]
    return [row.pk for row in Reminder.objects.bulk_create(rows)]


def run(environment: object) -> list[Figure]:
    from patients.models import Prescription, Reminder
    from patients.tasks import send_outgoing
    from portal.celery import app, noop
    from tests.processes import WorkerProcess

    if Prescription.objects.count() < SEND_COUNT:
        from tests.benchmarks.scheduler import add_prescriptions

        add_prescriptions(SEND_COUNT, datetime.now(UTC), Prescription.objects.count())
    app.control.purge()
    rates: dict[str, list[float]] = {"no-op": [], "batch 100": [], "one by one": []}
    with WorkerProcess(concurrency=1, EMAIL_URL="dummymail://", LOG_LEVEL="WARNING"):
        # Warm-up: the worker's first tasks import and connect.
        worker_seconds(lambda: [noop.delay() for _ in range(200)])
        for _round in range(ROUNDS):
            rates["no-op"].append(
                SEND_COUNT / worker_seconds(lambda: [noop.delay() for _ in range(SEND_COUNT)])
            )
            for label, batch in (("batch 100", 100), ("one by one", 1)):
                ids = due_reminders(SEND_COUNT)

                def publish(ids: list[int] = ids, batch: int = batch) -> None:
                    for start in range(0, len(ids), batch):
                        send_outgoing.delay("reminder", ids[start : start + batch])

                rates[label].append(len(ids) / worker_seconds(publish))
                sent = Reminder.objects.filter(delivery="sent").count()
                assert sent == len(ids), f"only {sent} of {len(ids)} sent"
    noop_median = statistics.median(rates["no-op"])
    figures = [
        Figure(
            "sending",
            f"no-op task, {ROUNDS} rounds (min {min(rates['no-op']):,.0f})",
            noop_median,
            "tasks/s",
        )
    ]
    for label in ("batch 100", "one by one"):
        figures.append(
            Figure(
                "sending",
                f"reminders {label}, median of {ROUNDS} (min {min(rates[label]):,.0f})",
                statistics.median(rates[label]),
                "emails/s",
                reference=noop_median,
                reference_name="no-op task, median",
                goal="≥ 0.80×" if label == "batch 100" else "",
                met=statistics.median(rates[label]) >= 0.8 * noop_median
                if label == "batch 100"
                else None,
            )
        )
    return figures
