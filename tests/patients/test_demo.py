import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from patients.models import Clinic, Patient, Therapist, User


@pytest.mark.django_db
@override_settings(DEBUG=True)
def test_demo_clinic_is_created_once_however_often_it_runs(library: None) -> None:
    call_command("seed_demo")
    call_command("seed_demo")
    assert Clinic.objects.count() == 1
    assert Therapist.objects.count() == 1
    assert Patient.objects.count() == 2
    assert User.objects.count() == 3
    therapist = Therapist.objects.select_related("user").get()
    assert therapist.user.is_staff
    assert therapist.user.check_password("demo-therapist")
    assert all(p.primary_therapist == therapist for p in Patient.objects.all())
    assert therapist.user.groups.get().name == "Therapists"
    alex = Patient.objects.get(user__email="alex@demo.clinic")
    assert alex.prescriptions.get().title == "Glute bridge programme"
    assert not Patient.objects.get(user__email="sam@demo.clinic").prescriptions.exists()


@pytest.mark.django_db
def test_demo_accounts_are_refused_outside_debug() -> None:
    with pytest.raises(CommandError, match="only with DEBUG on"):
        call_command("seed_demo")
    assert not User.objects.exists()
