"""An email address is one person and one lockout, however it is typed: trimmed and case-folded
once, at every entrance (login, lockout, password reset, invitations, the admin's forms)."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.test import Client

from patients.models import Patient, User, normalise_email
from tests.factories import ClinicFactory, PatientFactory, TherapistFactory
from tests.two_factor import verified_login

PASSWORD = "a-strong-passphrase"  # the factories' password
SPELLINGS = ["pat@x.test", "PAT@x.test", " pat@x.test", "Pat@X.Test ", "\tpAt@x.TEST"]


@pytest.fixture
def patient(db: None) -> Patient:
    return PatientFactory(user__email="pat@x.test")


def _log_in(client: Client, email: str, password: str):
    return client.post("/accounts/login/", {"username": email, "password": password})


def test_normalise_email_trims_and_case_folds() -> None:
    assert normalise_email("  Pat@X.Test\t") == "pat@x.test"
    assert normalise_email("STRASSE@Example.com") == normalise_email("straße@example.com")
    assert normalise_email("") == ""


def test_a_locked_address_stays_locked_whatever_its_spelling(
    client: Client, patient: Patient
) -> None:
    for _ in range(5):
        _log_in(client, "pat@x.test", "wrong")
    for spelling in SPELLINGS:
        response = _log_in(client, spelling, PASSWORD)
        assert response.status_code == 429, spelling
    assert client.get("/today/").status_code == 302  # nobody logged in
    # …and no spelling cleared the lock for the plain one.
    assert _log_in(client, "pat@x.test", PASSWORD).status_code == 429


def test_spellings_do_not_multiply_the_guesses(client: Client, patient: Patient) -> None:
    # Five wrong guesses, each spelled differently, lock the one address.
    for spelling in SPELLINGS:
        response = _log_in(client, spelling, "wrong")
    assert response.status_code == 429
    assert _log_in(client, "pat@x.test", PASSWORD).status_code == 429


def test_a_locked_therapist_does_not_open_the_admin_by_upper_case(db: None) -> None:
    TherapistFactory(user__email="ther@x.test")
    client = Client()
    for _ in range(5):
        _log_in(client, "ther@x.test", "wrong")
    response = client.post(
        "/admin/login/?next=/admin/", {"username": "THER@X.TEST", "password": PASSWORD}
    )
    assert response.status_code == 429
    assert client.get("/admin/").status_code == 302


def test_addresses_are_stored_folded_and_unique_whatever_the_case(patient: Patient) -> None:
    other = User.objects.create_user(" Robin@X.Test ", PASSWORD)
    assert other.email == "robin@x.test"
    # Even a write that skips the model's save cannot store a second spelling.
    User.objects.filter(pk=other.pk).update(email="ROBIN@X.TEST")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.bulk_create([User(email="robin@x.test")])


def test_password_reset_reaches_the_person_whatever_the_spelling(
    client: Client, patient: Patient
) -> None:
    client.post("/accounts/password_reset/", {"email": "  PAT@X.test "})
    assert [message.to for message in mail.outbox] == [["pat@x.test"]]


def test_an_invitation_refuses_an_address_in_use_in_another_spelling(
    client: Client, patient: Patient
) -> None:
    from patients.forms import PatientInviteForm

    form = PatientInviteForm(
        data={
            "email": " PAT@X.Test ",
            "first_name": "Pat",
            "last_name": "Twin",
            "clinic": patient.clinic_id,
            "primary_therapist": patient.primary_therapist_id,
            "time_zone": "Europe/London",
        }
    )
    assert not form.is_valid()
    assert "Someone already uses this email address." in form.errors["email"]


def test_the_admin_user_form_stores_the_folded_address_and_refuses_a_twin(
    db: None, patient: Patient
) -> None:
    superuser = User.objects.create_superuser("boss@x.test", PASSWORD)
    client = Client()
    verified_login(client, superuser)
    response = client.post(
        "/admin/patients/user/add/",
        {
            "email": " New.Person@X.Test ",
            "first_name": "New",
            "last_name": "Person",
            "password1": "another-strong-passphrase",
            "password2": "another-strong-passphrase",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert User.objects.filter(email="new.person@x.test").exists()
    twin = client.post(
        "/admin/patients/user/add/",
        {
            "email": "PAT@x.test",
            "password1": "another-strong-passphrase",
            "password2": "another-strong-passphrase",
            "usable_password": "true",
        },
    )
    assert twin.status_code == 200
    assert "Someone already uses this email address." in twin.content.decode()
    assert User.objects.filter(email__iexact="pat@x.test").count() == 1


def test_clinic_staff_invitation_folds_the_address(db: None) -> None:
    from patients.services import therapist_invite

    clinic = ClinicFactory()
    therapist = therapist_invite(
        clinic=clinic,
        email=" Ana.Lopez@Clinic.Test ",
        first_name="Ana",
        last_name="Lopez",
        role="therapist",
    )
    assert therapist.user.email == "ana.lopez@clinic.test"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "typed",
    [
        "x" * 3000,  # far past any address
        "ﷺ" * 20 + "@example.com",  # 32 characters typed, 372 once folded (NFKC expands each)
    ],
)
@pytest.mark.parametrize("login_url", ["/accounts/login/", "/admin/login/"])
def test_an_address_too_long_to_exist_is_refused_not_an_error(
    client: Client, typed: str, login_url: str
) -> None:
    # The form's length limit is set after the field is made (Django's AuthenticationForm), so
    # it was never checked: the lockout then tried to store a 3,000-character name (a 500).
    response = client.post(login_url, {"username": typed, "password": "anything"})
    assert response.status_code == 200
    assert "correct email" in response.content.decode().lower()
