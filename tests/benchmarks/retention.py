"""What the emails' rows cost the database: bytes per reminder row (the table with its indexes,
pg_total_relation_size over a sample of sent rows), the growth per 10,000 patients a year with
and without retention, and how fast the prune deletes."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from tests.benchmarks.table import Figure

PRESCRIPTIONS = 3_000
DAYS = 100  # 300,000 sample rows
PATIENTS = 10_000
# One reminder a day per patient (a programme of one session a day, the usual), and a follow-up
# on one day in seven (nothing logged three hours after it).
ROWS_PER_PATIENT_YEAR = 365 + 365 / 7


def sample(now: datetime) -> int:
    """Sent reminders of a hundred past days for PRESCRIPTIONS prescriptions, as a worker leaves
    them (claimed, sent, the claim's token kept)."""
    from django.db import connection

    from patients.models import Prescription

    if not Prescription.objects.exists():
        from tests.benchmarks.scheduler import build

        build(PRESCRIPTIONS, now)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO patients_reminder (prescription_id, patient_id, local_date, session, kind,
                due_at, created_at, delivery, attempts, next_attempt_at, enqueued_at, claimed_at,
                claimed_by, sent_at, last_error)
            SELECT rx.id, rx.patient_id, (%s::date - 200 + d), 1, 'reminder', t, t, 'sent', 1,
                   NULL, t, t, md5(rx.id::text || d), t + interval '2 seconds', ''
            FROM (SELECT id, patient_id FROM patients_prescription ORDER BY id LIMIT %s) AS rx,
                 generate_series(1, %s) AS d,
                 LATERAL (SELECT %s::timestamptz - interval '200 days' + d * interval '1 day') AS
                     at(t)
            """,
            [now.date(), PRESCRIPTIONS, DAYS, now],
        )
        inserted = cursor.rowcount
        cursor.execute("VACUUM ANALYZE patients_reminder")
    return inserted


def table_bytes() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_total_relation_size('patients_reminder')")
        return cursor.fetchone()[0]


def run(environment: object) -> list[Figure]:
    from django.conf import settings
    from django.db import connection

    from patients.models import Reminder
    from patients.retention import sent_emails_prune

    now = datetime.now(UTC).replace(second=0, microsecond=0)
    Reminder.objects.all().delete()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM FULL patients_reminder")
    empty = table_bytes()
    rows = sample(now)
    per_row = (table_bytes() - empty) / rows
    per_year = PATIENTS * ROWS_PER_PATIENT_YEAR
    without = per_row * per_year / 1e6
    kept = per_row * PATIENTS * ROWS_PER_PATIENT_YEAR * settings.RETENTION_DAYS / 365 / 1e6

    started = time.perf_counter()
    report = sent_emails_prune(now=now, days=settings.RETENTION_DAYS)
    pruning = time.perf_counter() - started
    deleted = report.deleted["reminder"]
    assert deleted == rows, f"{deleted} of {rows} pruned"
    return [
        Figure("retention", f"bytes per reminder row, with indexes ({rows:,} sent)", per_row, "B"),
        Figure(
            "retention",
            f"reminder rows per {PATIENTS:,} patients a year (1 session a day, follow-ups)",
            per_year,
            "rows",
        ),
        Figure(
            "retention", f"growth per {PATIENTS:,} patients a year, no retention", without, "MB"
        ),
        Figure(
            "retention",
            f"size held per {PATIENTS:,} patients with {settings.RETENTION_DAYS}-day retention "
            "(no growth after that)",
            kept,
            "MB",
        ),
        Figure(
            "retention",
            f"prune throughput ({deleted:,} rows, batches of 5,000)",
            deleted / pruning,
            "rows/s",
        ),
    ]
