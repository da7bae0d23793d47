"""Emails and pushes that went out (or were not needed) are kept RETENTION_DAYS, then deleted in
batches: without this the reminder table alone grows by every session of every patient, for
ever.

Kept whatever their age: anything still to send or that failed (pending, sending, failed: an
operator may want to send it again), therapist alerts (clinical records), check-offs and pain
reports (a different table altogether), and every prescription version (the patient's history
shows what they were asked to do on any past day).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, Model, OuterRef, QuerySet
from django.utils import timezone

from patients.models import Invitation, Outgoing, PushMessage, Reminder, WeeklyDigest

BATCH = 5_000  # rows per DELETE: short statements, short locks, whatever the backlog
DELIVERED = [Outgoing.Delivery.SENT, Outgoing.Delivery.SKIPPED]
# Each kind by the instant that ages it (the reminders' is indexed). Pushes before their
# reminders: a reminder goes only once none of its pushes is left (a failed one keeps it).
PRUNED: dict[str, tuple[type[Model], str]] = {
    "push": (PushMessage, "created_at"),
    "reminder": (Reminder, "due_at"),
    "invitation": (Invitation, "created_at"),
    "digest": (WeeklyDigest, "created_at"),
}


@dataclass
class PruneReport:
    deleted: dict[str, int] = field(default_factory=dict)
    statements: int = 0

    def summary(self) -> str:
        parts = ", ".join(f"{count} {kind}(s)" for kind, count in self.deleted.items())
        return f"deleted {parts or 'nothing'} in {self.statements} statement(s)"


def sent_emails_prune(
    *, now: datetime | None = None, days: int | None = None, batch: int = BATCH
) -> PruneReport:
    """Delete the sent and skipped reminders, follow-ups, their pushes, invitations and weekly
    digests older than `days` (RETENTION_DAYS), `batch` rows per statement, each in its own
    transaction."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.RETENTION_DAYS if days is None else days)
    report = PruneReport()
    for kind, (model, aged_by) in PRUNED.items():
        old: QuerySet[Model] = model.objects.filter(
            delivery__in=DELIVERED, **{f"{aged_by}__lt": cutoff}
        )
        if model is Reminder:
            old = old.exclude(Exists(PushMessage.objects.filter(reminder=OuterRef("pk"))))
        inner, params = old.order_by().values("pk")[:batch].query.sql_with_params()
        table = model._meta.db_table
        report.deleted[kind] = 0
        while True:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(
                    f"DELETE FROM {table} WHERE id IN ({inner})",  # noqa: S608 (the model's own table and query)
                    params,
                )
                deleted = max(cursor.rowcount, 0)
            report.statements += 1
            report.deleted[kind] += deleted
            if deleted < batch:
                break
    return report
