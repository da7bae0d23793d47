"""Logging people in as the portal requires: staff (and patients who turned it on) with a confirmed
authenticator app and a session verified by it. Import inside tests (Django must be set up).

`verified_login(client, user)` is the one way tests log a staff member in with the test client;
`browser_log_in(page, base_url, user)` goes through the real login form and code step."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from patients.models import User

PASSWORD = "a-strong-passphrase"  # what UserFactory sets


def confirmed_app(user: User) -> TOTPDevice:
    """The user's authenticator app, created (confirmed) if they have none yet."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)


def totp_code(device: TOTPDevice) -> str:
    """The code the person's app shows now."""
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def verified_login(client: Client, user: User) -> Client:
    """Logged in with a password and a code, as django-otp's own login leaves the session."""
    device = confirmed_app(user)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def browser_log_in(page: Any, base_url: str, user: User, password: str = PASSWORD) -> None:
    """Through the login form, then the code from the user's app."""
    device = confirmed_app(user)
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", user.email)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url("**/accounts/two-factor/verify/**")
    page.fill("#id_code", totp_code(device))
    page.click("#main button[type=submit]")  # not the navigation's "Log out"
    page.wait_for_load_state()
