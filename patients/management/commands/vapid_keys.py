from argparse import ArgumentParser

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.core.management.base import BaseCommand, CommandError

from portal.config import vapid_subject_is_valid


def base64url(data: bytes) -> str:
    import base64

    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Command(BaseCommand):
    help = (
        "Print a new VAPID key pair for push reminders, as lines for the environment or .env "
        "(VAPID_PUBLIC_KEY, VAPID_PRIVATE_KEY, and VAPID_SUBJECT with --subject). A new pair "
        "stops the reminders of every device added under the old one until it is added again."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--subject",
            default="",
            help="Where push services write about problems: mailto:you@clinic.example or "
            "https://clinic.example.",
        )

    def handle(self, *args: object, subject: str, **options: object) -> None:
        if subject and not vapid_subject_is_valid(subject):
            raise CommandError(
                f"--subject: expected mailto:you@clinic.example or https://clinic.example, "
                f"got {subject!r}; nothing printed."
            )
        key = ec.generate_private_key(ec.SECP256R1())
        private = key.private_numbers().private_value.to_bytes(32, "big")
        public = key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        self.stdout.write("# Push reminders (keep VAPID_PRIVATE_KEY secret, as SECRET_KEY).")
        self.stdout.write(f"VAPID_PUBLIC_KEY={base64url(public)}")
        self.stdout.write(f"VAPID_PRIVATE_KEY={base64url(private)}")
        if subject:
            self.stdout.write(f"VAPID_SUBJECT={subject}")
        else:
            self.stdout.write(
                "# VAPID_SUBJECT is needed too: mailto:you@clinic.example or https://clinic.example"
            )
