from django.core.management.base import BaseCommand

from patients.tasks import tick_and_dispatch


class Command(BaseCommand):
    help = (
        "Run one tick of the reminder scheduler, as beat does every minute: record the due "
        "reminders and follow-ups and hand everything pending to the workers. For operators, "
        "and as a fallback when beat is not running (e.g. from cron)."
    )

    def handle(self, *args: object, **options: object) -> None:
        report, handed = tick_and_dispatch()
        self.stdout.write(f"{report.summary()}; {handed.summary()}.")
