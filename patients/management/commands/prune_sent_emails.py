from argparse import ArgumentParser

from django.conf import settings
from django.core.management.base import BaseCommand

from patients.retention import BATCH, sent_emails_prune


class Command(BaseCommand):
    help = (
        "Delete the sent and skipped reminders, follow-ups, their pushes, invitations and weekly "
        "digests older than RETENTION_DAYS, in batches, as beat does every day. Pending, failed "
        "and alert rows (and the reminder of a failed push) are always kept."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--days", type=int, default=None, help="Age in days (default: RETENTION_DAYS)."
        )
        parser.add_argument("--batch", type=int, default=BATCH, help="Rows per statement.")

    def handle(self, *args: object, days: int | None, batch: int, **options: object) -> None:
        days = settings.RETENTION_DAYS if days is None else days
        if days < 1 or batch < 1:
            self.stderr.write("--days and --batch must be at least 1.")
            raise SystemExit(2)
        report = sent_emails_prune(days=days, batch=batch)
        self.stdout.write(f"Older than {days} days: {report.summary()}.")
