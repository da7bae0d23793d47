from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from patients.models import Clinic, Patient, Therapist, User

DEMO_CLINIC_NAME = "Riverside Running Clinic (demo)"


@dataclass(frozen=True)
class DemoLogin:
    role: str
    email: str
    password: str


DEMO_THERAPIST = DemoLogin("therapist", "therapist@demo.clinic", "demo-therapist")
DEMO_PATIENTS = (
    DemoLogin("patient", "alex@demo.clinic", "demo-patient"),
    DemoLogin("patient", "sam@demo.clinic", "demo-patient"),
)
DEMO_NAMES = {
    "therapist@demo.clinic": ("Robin", "Hale"),
    "alex@demo.clinic": ("Alex", "Moreno"),
    "sam@demo.clinic": ("Sam", "Okafor"),
}


def _demo_user(login: DemoLogin, *, is_staff: bool) -> User:
    first_name, last_name = DEMO_NAMES[login.email]
    user, created = User.objects.get_or_create(
        email=login.email,
        defaults={"first_name": first_name, "last_name": last_name, "is_staff": is_staff},
    )
    if created:
        user.set_password(login.password)
        user.save(update_fields=["password"])
    return user


@transaction.atomic
def demo_clinic_ensure() -> tuple[Clinic, list[DemoLogin]]:
    """The demo clinic with one therapist and two patients; running it again changes nothing."""
    clinic, _ = Clinic.objects.get_or_create(
        name=DEMO_CLINIC_NAME, defaults={"time_zone": "Europe/London"}
    )
    therapist_user = _demo_user(DEMO_THERAPIST, is_staff=True)
    therapist, _ = Therapist.objects.get_or_create(
        user=therapist_user, defaults={"clinic": clinic, "role": Therapist.Role.THERAPIST}
    )
    for login in DEMO_PATIENTS:
        patient_user = _demo_user(login, is_staff=False)
        Patient.objects.get_or_create(
            user=patient_user,
            defaults={"clinic": clinic, "primary_therapist": therapist},
        )
    return clinic, [DEMO_THERAPIST, *DEMO_PATIENTS]
