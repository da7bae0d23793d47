"""Two-factor in real Chromium: a therapist enrols at 1440×900 (scanning is played by reading the
key the page shows, as for typing it into an app) and logs in again with a code; a patient turns
it on from their settings on a phone (390×844)."""

from __future__ import annotations

from base64 import b32decode
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
import time_machine
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.two_factor import PASSWORD

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

NO_SIDEWAYS_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"


def app_code(page) -> str:
    """What an authenticator app shows after the key on the page was typed into it."""
    secret = page.inner_text("#two-factor-secret").replace(" ", "")
    key = b32decode(secret + "=" * (-len(secret) % 8))
    return f"{TOTP(key).token():06d}"


def password_step(page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", email)
    page.fill("#id_password", PASSWORD)
    page.click("#main button[type=submit]")


def test_a_therapist_enrols_in_two_factor_and_logs_in_with_a_code(
    live_site,
    browser_page_factory,  # after live_site: the browser closes before the server stops
    clinic_people: SimpleNamespace,
    screenshot_dir: Path,
) -> None:
    folder = screenshot_dir / "two-factor"
    folder.mkdir(parents=True, exist_ok=True)
    therapist = clinic_people.owner.user
    page = browser_page_factory(width=1440, height=900)
    # The server runs in this process, so it keeps this clock too: the second login's code
    # comes from the next 30-second step without waiting for it (a code is good once).
    with time_machine.travel(datetime.now(tz=UTC), tick=True) as clock:
        password_step(page, live_site.url, therapist.email)
        page.wait_for_url("**/accounts/two-factor/?next=**")
        assert "Staff accounts need a second step" in page.inner_text("main")
        assert page.locator("svg.two-factor-qr").is_visible()
        page.screenshot(path=str(folder / "staff-enrol.png"), full_page=True)

        page.fill("#id_code", "000000" if app_code(page) != "000000" else "111111")
        page.click("#main button[type=submit]")
        page.wait_for_selector("#id_code.is-invalid")
        assert "That code is not right" in page.inner_text("main")

        clock.shift(timedelta(seconds=2))  # past the wait after one wrong code
        page.fill("#id_code", app_code(page))
        page.click("#main button[type=submit]")
        page.wait_for_url("**/accounts/two-factor/backup-codes/**")
        codes = page.locator("#backup-codes code").all_inner_texts()
        assert len(codes) == 10
        page.screenshot(path=str(folder / "staff-backup-codes.png"), full_page=True)
        page.click("text=I have kept them: continue")
        page.wait_for_selector("#site-name")
        assert page.url == f"{live_site.url}/admin/"

        page.click("#logout-form button")
        page.wait_for_url("**/accounts/login/**")

        clock.shift(timedelta(seconds=30))
        password_step(page, live_site.url, therapist.email)
        page.wait_for_url("**/accounts/two-factor/verify/**")
        page.screenshot(path=str(folder / "staff-code-step.png"), full_page=True)
        device = TOTPDevice.objects.get(user=therapist, confirmed=True)
        code = f"{TOTP(device.bin_key, drift=device.drift).token():06d}"
        page.fill("#id_code", code)
        page.click("#main button[type=submit]")
        page.wait_for_selector("#site-name")
        assert page.url == f"{live_site.url}/admin/"

        page.click("#two-factor-link")
        page.wait_for_selector("#two-factor-status")
        assert "You have 10 unused backup codes" in page.inner_text("main")
        page.screenshot(path=str(folder / "staff-two-factor-page.png"), full_page=True)


def test_a_patient_turns_two_factor_on_from_settings_on_a_phone(
    live_site,
    browser_page_factory,
    clinic_people: SimpleNamespace,
    screenshot_dir: Path,
) -> None:
    folder = screenshot_dir / "two-factor"
    folder.mkdir(parents=True, exist_ok=True)
    patient = clinic_people.patient_a.user
    page = browser_page_factory(width=390, height=844)
    password_step(page, live_site.url, patient.email)
    page.wait_for_url("**/today/")
    page.goto(f"{live_site.url}/settings/")
    page.click("#two-factor-link")
    page.wait_for_selector("#two-factor-secret")
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    qr = page.locator("svg.two-factor-qr").bounding_box()
    assert qr is not None and 150 <= qr["width"] <= 390
    page.screenshot(path=str(folder / "patient-enrol-phone.png"), full_page=True)

    page.fill("#id_code", app_code(page))
    page.click("#main button[type=submit]")
    page.wait_for_url("**/accounts/two-factor/backup-codes/")
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    page.screenshot(path=str(folder / "patient-backup-codes-phone.png"), full_page=True)
    page.click("text=I have kept them: continue")
    page.wait_for_selector("#two-factor-status")
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    page.screenshot(path=str(folder / "patient-two-factor-on-phone.png"), full_page=True)
