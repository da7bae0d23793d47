from django.core.management.base import BaseCommand, CommandError

from patients.models import User
from patients.two_factor import two_factor_reset


class Command(BaseCommand):
    help = (
        "Reset one person's two-factor (their authenticator app and backup codes) and end all "
        "their sessions; they set it up again at their next login. For the operator, when the "
        "person who lost their phone is a superuser or the clinic's only admin."
    )

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("email")

    def handle(self, *args: object, **options: object) -> None:
        email = str(options["email"])
        user = User.objects.filter(email__iexact=email.strip()).first()
        if user is None:
            raise CommandError(f"No account with the email address {email!r}.")
        two_factor_reset(user=user, by=None)
        self.stdout.write(f"Two-factor of {user.email} is reset; all their sessions have ended.")
