from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from patients.services import demo_clinic_ensure


class Command(BaseCommand):
    help = "Create the demo clinic (one therapist, two patients) for a local run. Idempotent."

    def handle(self, *args: object, **options: object) -> None:
        if not settings.DEBUG:
            raise CommandError(
                "seed_demo creates accounts with published passwords; it runs only with DEBUG on."
            )
        clinic, logins = demo_clinic_ensure()
        self.stdout.write(f"Demo clinic: {clinic.name}")
        for login in logins:
            self.stdout.write(f"  {login.role:<10} {login.email:<24} password: {login.password}")
