"""Two-factor login: staff enrol before any admin page, a code after the password for anyone who
has it on, backup codes once each, throttled wrong codes, and patients turning it on and off."""

from __future__ import annotations

from base64 import b32decode
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
import time_machine
from bs4 import BeautifulSoup
from django.contrib import admin
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from patients.two_factor import backup_codes_regenerate
from tests.two_factor import PASSWORD, confirmed_app, totp_code, verified_login

NOW = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)


def page(response) -> BeautifulSoup:
    return BeautifulSoup(response.content.decode(), "html.parser")


def shown_secret_code(response) -> str:
    """What the person's app shows after they typed in the secret the page shows."""
    secret = page(response).select_one("#two-factor-secret").get_text().replace(" ", "")
    key = b32decode(secret + "=" * (-len(secret) % 8))
    return f"{TOTP(key).token():06d}"


def other_code(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def password_login(client: Client, email: str) -> None:
    response = client.post(reverse("login"), {"username": email, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()


def admin_pages(people: SimpleNamespace) -> list[str]:
    """The admin's index and every model's list, and a few change forms."""
    urls = [reverse("admin:index")]
    for model in admin.site._registry:
        opts = model._meta
        urls.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
    urls += [
        reverse("admin:patients_patient_change", args=[people.patient_a.pk]),
        reverse("admin:patients_therapist_change", args=[people.colleague.pk]),
        reverse("admin:patients_clinic_change", args=[people.clinic_a.pk]),
        reverse("admin:patients_patient_assign") + f"?patients={people.patient_a.pk}",
    ]
    return urls


@pytest.mark.django_db
def test_staff_without_two_factor_are_sent_to_enrol_from_every_admin_page(
    client: Client, clinic_people: SimpleNamespace
) -> None:
    client.force_login(clinic_people.owner.user)
    urls = admin_pages(clinic_people)
    assert len(urls) > 15
    for url in [*urls, "/", "/exercises/"]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/two-factor/?next="), url
    assert client.post(reverse("admin:patients_patient_add"), {}).status_code == 302
    enrol = client.get("/accounts/two-factor/?next=/admin/")
    assert enrol.status_code == 200
    assert "Staff accounts need a second step at login" in enrol.content.decode()


@pytest.mark.django_db
def test_a_superuser_is_sent_to_enrol_too(client: Client) -> None:
    from tests.factories import UserFactory

    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    response = client.get(reverse("admin:index"))
    assert response["Location"].startswith("/accounts/two-factor/")


@pytest.mark.django_db
def test_enrolment_confirms_a_code_from_the_shown_secret_then_shows_backup_codes_once(
    client: Client, clinic_people: SimpleNamespace
) -> None:
    user = clinic_people.owner.user
    client.force_login(user)
    enrol = client.get("/accounts/two-factor/?next=/admin/")
    svg = page(enrol).select_one("svg.two-factor-qr")
    assert svg is not None and not svg.find_all(attrs={"style": True})
    assert "style=" not in enrol.content.decode()
    key_before = client.session.session_key

    response = client.post(
        "/accounts/two-factor/", {"code": shown_secret_code(enrol), "next": "/admin/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/two-factor/backup-codes/?next=%2Fadmin%2F"
    assert client.session.session_key != key_before
    assert TOTPDevice.objects.get(user=user).confirmed

    codes_page = client.get(response["Location"])
    codes = [code.get_text() for code in page(codes_page).select("#backup-codes code")]
    assert len(codes) == 10 and len(set(codes)) == 10
    assert set(codes) == set(StaticToken.objects.values_list("token", flat=True))
    # Shown once: the next visit is the two-factor page, without the codes.
    again = client.get("/accounts/two-factor/backup-codes/")
    assert again.status_code == 302 and again["Location"] == "/accounts/two-factor/"
    assert codes[0] not in client.get("/accounts/two-factor/").content.decode()
    assert client.get(reverse("admin:index")).status_code == 200


@pytest.mark.django_db
def test_a_wrong_code_is_refused_the_secret_stays_and_the_next_try_waits(
    client: Client, clinic_people: SimpleNamespace
) -> None:
    user = clinic_people.owner.user
    with time_machine.travel(NOW, tick=False) as clock:
        client.force_login(user)
        enrol = client.get("/accounts/two-factor/")
        right = shown_secret_code(enrol)
        wrong = client.post("/accounts/two-factor/", {"code": other_code(right)})
        assert wrong.status_code == 400
        assert "That code is not right" in wrong.content.decode()
        assert not TOTPDevice.objects.filter(user=user, confirmed=True).exists()
        # Nothing lost: the same secret is shown again.
        assert shown_secret_code(wrong) == right
        assert client.get(reverse("admin:index")).status_code == 302

        too_soon = client.post("/accounts/two-factor/", {"code": right})
        assert too_soon.status_code == 400
        assert "Too many wrong codes. Wait 1 second, then try again." in too_soon.content.decode()

        clock.shift(timedelta(seconds=2))
        assert client.post("/accounts/two-factor/", {"code": right}).status_code == 302
        assert client.get(reverse("admin:index")).status_code == 200


@pytest.mark.django_db
def test_after_the_password_a_code_is_asked_before_any_page(
    client: Client, clinic_people: SimpleNamespace
) -> None:
    user = clinic_people.owner.user
    device = confirmed_app(user)
    with time_machine.travel(NOW, tick=False) as clock:
        password_login(client, user.email)
        for url in ("/admin/", "/admin/patients/patient/", "/exercises/", "/accounts/two-factor/"):
            response = client.get(url)
            assert response.status_code == 302, url
            assert response["Location"].startswith("/accounts/two-factor/verify/?next="), url
        assert client.get("/accounts/two-factor/verify/").status_code == 200

        wrong = client.post("/accounts/two-factor/verify/", {"code": other_code(totp_code(device))})
        assert wrong.status_code == 400
        assert "That code is not right" in wrong.content.decode()
        assert client.get("/admin/").status_code == 302

        clock.shift(timedelta(seconds=5))
        key_before = client.session.session_key
        response = client.post(
            "/accounts/two-factor/verify/",
            {"code": totp_code(device), "next": "/admin/patients/patient/"},
        )
        assert response.status_code == 302
        assert response["Location"] == "/admin/patients/patient/"
        assert client.session.session_key != key_before
        assert client.get("/admin/patients/patient/").status_code == 200


@pytest.mark.django_db
def test_the_verify_step_never_sends_anyone_to_another_site(
    client: Client, clinic_people: SimpleNamespace
) -> None:
    user = clinic_people.owner.user
    device = confirmed_app(user)
    password_login(client, user.email)
    response = client.post(
        "/accounts/two-factor/verify/",
        {"code": totp_code(device), "next": "https://evil.example/admin/"},
    )
    assert response.status_code == 302 and response["Location"] == "/admin/"


@pytest.mark.django_db
def test_a_backup_code_works_once(client: Client, clinic_people: SimpleNamespace) -> None:
    user = clinic_people.owner.user
    confirmed_app(user)
    code = backup_codes_regenerate(user=user)[0]
    password_login(client, user.email)
    response = client.post("/accounts/two-factor/verify/", {"code": code.upper()})
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200
    assert StaticToken.objects.filter(device__user=user).count() == 9

    client.post(reverse("logout"))
    password_login(client, user.email)
    again = client.post("/accounts/two-factor/verify/", {"code": code})
    assert again.status_code == 400
    assert "That code is not right" in again.content.decode()
    assert client.get("/admin/").status_code == 302


@pytest.mark.django_db
def test_new_backup_codes_replace_the_old_ones(
    client: Client, clinic_people: SimpleNamespace
) -> None:
    user = clinic_people.owner.user
    old = backup_codes_regenerate(user=user)
    verified_login(client, user)
    response = client.post("/accounts/two-factor/backup-codes/")
    assert response["Location"] == "/accounts/two-factor/backup-codes/"
    new = [
        c.get_text() for c in page(client.get(response["Location"])).select("#backup-codes code")
    ]
    assert len(new) == 10 and not set(new) & set(old)
    assert set(StaticToken.objects.values_list("token", flat=True)) == set(new)


@pytest.mark.django_db
def test_staff_cannot_turn_two_factor_off(client: Client, clinic_people: SimpleNamespace) -> None:
    user = clinic_people.owner.user
    device = confirmed_app(user)
    verified_login(client, user)
    assert "Turn two-factor off" not in client.get("/accounts/two-factor/").content.decode()
    response = client.post("/accounts/two-factor/off/", {"code": totp_code(device)})
    assert response.status_code == 400
    assert TOTPDevice.objects.filter(user=user, confirmed=True).exists()


@pytest.mark.django_db
def test_a_patient_turns_two_factor_on_and_off(
    client: Client, clinic_people: SimpleNamespace
) -> None:
    user = clinic_people.patient_a.user
    with time_machine.travel(NOW, tick=False) as clock:
        client.force_login(user)
        settings_page = page(client.get("/settings/"))
        link = settings_page.select_one("#two-factor-link")
        assert link["href"] == "/accounts/two-factor/" and "off" in link.get_text()
        enrol = client.get(link["href"])
        assert "Staff accounts need" not in enrol.content.decode()
        response = client.post("/accounts/two-factor/", {"code": shown_secret_code(enrol)})
        assert response.status_code == 302
        assert "on" in page(client.get("/settings/")).select_one("#two-factor-link").get_text()

        # The next login asks for a code before Today.
        client.post(reverse("logout"))
        password_login(client, user.email)
        assert client.get("/today/")["Location"].startswith("/accounts/two-factor/verify/")
        clock.shift(timedelta(seconds=30))
        device = TOTPDevice.objects.get(user=user)
        client.post("/accounts/two-factor/verify/", {"code": totp_code(device)})
        assert client.get("/today/").status_code == 200

        # Off only with a code.
        clock.shift(timedelta(seconds=30))
        refused = client.post("/accounts/two-factor/off/", {"code": other_code(totp_code(device))})
        assert refused.status_code == 400
        assert "That code is not right" in refused.content.decode()
        assert TOTPDevice.objects.filter(user=user).exists()
        clock.shift(timedelta(seconds=5))
        response = client.post("/accounts/two-factor/off/", {"code": totp_code(device)})
        assert response.status_code == 302
        assert not TOTPDevice.objects.filter(user=user).exists()
        assert not StaticToken.objects.filter(device__user=user).exists()

        client.post(reverse("logout"))
        password_login(client, user.email)
        assert client.get("/today/").status_code == 200


@pytest.mark.django_db
def test_a_patient_without_two_factor_is_never_asked_for_a_code(
    client: Client, clinic_people: SimpleNamespace
) -> None:
    password_login(client, clinic_people.patient_a.user.email)
    for url in ("/today/", "/settings/", "/history/", "/accounts/two-factor/"):
        assert client.get(url).status_code in {200, 302}, url
        assert "two-factor/verify" not in client.get(url).get("Location", ""), url
