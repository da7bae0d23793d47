"""A clinic admin resets a colleague's two-factor (a lost phone): the devices go, the colleague's
sessions end, and they enrol again. Clinic admins of their own clinic only; a therapist cannot;
a superuser can for anyone."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from patients.models import Therapist
from patients.two_factor import backup_codes_regenerate
from tests.factories import TherapistFactory, UserFactory
from tests.two_factor import PASSWORD, confirmed_app, totp_code, verified_login


@pytest.fixture
def staff(clinic_people: SimpleNamespace) -> SimpleNamespace:
    """Clinic A's admin, their colleague (who lost a phone) with a session of their own, and
    clinic B's admin."""
    people = clinic_people
    people.admin_a = TherapistFactory(clinic=people.clinic_a, role=Therapist.Role.CLINIC_ADMIN)
    people.admin_b = TherapistFactory(clinic=people.clinic_b, role=Therapist.Role.CLINIC_ADMIN)
    confirmed_app(people.colleague.user)
    backup_codes_regenerate(user=people.colleague.user)
    people.colleague_session = verified_login(Client(), people.colleague.user)
    return people


def reset_url(therapist: Therapist) -> str:
    return reverse("admin:patients_therapist_reset_two_factor", args=[therapist.pk])


def colleague_still_enrolled(staff: SimpleNamespace) -> bool:
    user = staff.colleague.user
    return (
        TOTPDevice.objects.filter(user=user).exists()
        and StaticDevice.objects.filter(user=user).exists()
    )


@pytest.mark.django_db
def test_a_clinic_admin_resets_a_colleagues_two_factor_and_ends_their_sessions(
    client: Client, staff: SimpleNamespace
) -> None:
    verified_login(client, staff.admin_a.user)
    change = client.get(reverse("admin:patients_therapist_change", args=[staff.colleague.pk]))
    assert reset_url(staff.colleague) in change.content.decode()
    confirm = client.get(reset_url(staff.colleague))
    assert confirm.status_code == 200
    assert "They are logged out everywhere" in confirm.content.decode()
    assert colleague_still_enrolled(staff)  # a GET changes nothing

    response = client.post(reset_url(staff.colleague))
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=staff.colleague.user).exists()
    assert not StaticDevice.objects.filter(user=staff.colleague.user).exists()
    # Their open session is over; the admin's own goes on.
    ended = staff.colleague_session.get("/admin/")
    assert ended.status_code == 302 and ended["Location"].startswith("/admin/login/")
    assert client.get("/admin/").status_code == 200

    # At their next login: the password, then straight to enrolment.
    colleague = Client()
    colleague.post(reverse("login"), {"username": staff.colleague.user.email, "password": PASSWORD})
    assert colleague.get("/admin/")["Location"].startswith("/accounts/two-factor/?next=")


@pytest.mark.django_db
def test_the_therapist_list_shows_who_has_two_factor(
    client: Client, staff: SimpleNamespace
) -> None:
    from bs4 import BeautifulSoup

    verified_login(client, staff.admin_a.user)
    response = client.get(reverse("admin:patients_therapist_changelist"))
    rows = BeautifulSoup(response.content.decode(), "html.parser").select("#result_list tbody tr")
    flags = {
        email: row.select_one("td.field-two_factor img")["alt"]
        for row in rows
        for email in [row.select_one("td.field-email").get_text()]
    }
    assert flags == {
        staff.owner.user.email: "False",
        staff.colleague.user.email: "True",
        staff.admin_a.user.email: "True",  # logged in just now, with a code
    }


@pytest.mark.django_db
def test_another_clinics_admin_gets_404_and_changes_nothing(
    client: Client, staff: SimpleNamespace
) -> None:
    verified_login(client, staff.admin_b.user)
    assert client.get(reset_url(staff.colleague)).status_code == 404
    assert client.post(reset_url(staff.colleague)).status_code == 404
    assert colleague_still_enrolled(staff)
    assert staff.colleague_session.get("/admin/").status_code == 200


@pytest.mark.django_db
def test_a_therapist_cannot_reset_a_colleague(client: Client, staff: SimpleNamespace) -> None:
    verified_login(client, staff.owner.user)
    change = client.get(reverse("admin:patients_therapist_change", args=[staff.colleague.pk]))
    assert reset_url(staff.colleague) not in change.content.decode()
    assert client.get(reset_url(staff.colleague)).status_code == 403
    assert client.post(reset_url(staff.colleague)).status_code == 403
    assert colleague_still_enrolled(staff)
    assert staff.colleague_session.get("/admin/").status_code == 200


@pytest.mark.django_db
def test_a_superuser_resets_anyones_two_factor(client: Client, staff: SimpleNamespace) -> None:
    verified_login(client, UserFactory(is_staff=True, is_superuser=True))
    assert client.post(reset_url(staff.colleague)).status_code == 302
    assert not colleague_still_enrolled(staff)


@pytest.mark.django_db
def test_a_clinic_admin_does_not_reset_their_own_here(
    client: Client, staff: SimpleNamespace
) -> None:
    device = confirmed_app(staff.admin_a.user)
    verified_login(client, staff.admin_a.user)
    response = client.post(reset_url(staff.admin_a))
    assert response.status_code == 302
    assert TOTPDevice.objects.filter(pk=device.pk).exists()
    assert totp_code(device)  # still their app


@pytest.mark.django_db
def test_the_operator_resets_a_superusers_two_factor_from_the_command_line(
    client: Client,
) -> None:
    import io

    from django.core.management import call_command

    owner = UserFactory(email="owner@clinic.example", is_staff=True, is_superuser=True)
    confirmed_app(owner)
    verified_login(client, owner)
    out = io.StringIO()
    call_command("reset_two_factor", "Owner@Clinic.example", stdout=out)
    assert "Two-factor of owner@clinic.example is reset" in out.getvalue()
    assert not TOTPDevice.objects.filter(user=owner).exists()
    assert client.get("/admin/")["Location"].startswith("/admin/login/")
