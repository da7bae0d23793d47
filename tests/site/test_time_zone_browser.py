"""The time-zone list in real Chromium: grouped by region, filtered as one types, and the
browser's own zone filled in for a new patient (the admin's add page) or offered beside a
saved one (the patient's settings). Screenshots in test-artifacts/screenshots/."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.two_factor import browser_log_in

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def visible_zones(page) -> list[str]:
    return page.eval_on_selector_all(
        "#id_time_zone option", "options => options.filter(o => !o.hidden).map(o => o.value)"
    )


def test_a_patient_finds_their_zone_by_typing_or_takes_the_phones_own(
    live_site,
    browser_page_factory,  # after live_site: the browser closes before the server stops
    clinic_people: SimpleNamespace,
    screenshot_dir: Path,
) -> None:
    patient = clinic_people.patient_a  # saved as Europe/London
    page = browser_page_factory(width=390, height=844, timezone_id="America/New_York")
    page.goto(f"{live_site.url}/accounts/login/")
    page.fill("#id_username", patient.user.email)
    page.fill("#id_password", "a-strong-passphrase")
    page.click("button[type=submit]")
    page.goto(f"{live_site.url}/settings/")

    assert page.locator("#id_time_zone optgroup[label=Europe]").count() == 1
    assert page.input_value("#id_time_zone") == "Europe/London"  # the saved zone stays
    page.fill(".zone-search", "auckl")
    assert visible_zones(page) == ["Pacific/Auckland"]
    assert "1 zone match." in page.inner_text(".zone-note")
    page.fill(".zone-search", "")
    assert len(visible_zones(page)) > 500

    offer = page.locator(".zone-offer")
    assert offer.inner_text() == "Use this device's time zone: New York (Americas)"
    page.screenshot(path=str(screenshot_dir / "patient-settings-time-zone.png"), full_page=True)
    offer.click()
    assert page.input_value("#id_time_zone") == "America/New_York"
    page.click("#main form button[type=submit]")
    page.wait_for_selector("text=Your settings are saved.")
    patient.refresh_from_db()
    assert patient.time_zone == "America/New_York"


def test_the_admin_fills_in_the_browsers_zone_for_a_new_patient_and_filters_the_list(
    live_site,
    browser_page_factory,
    clinic_people: SimpleNamespace,
    screenshot_dir: Path,
) -> None:
    page = browser_page_factory(width=1440, height=900, timezone_id="Asia/Tokyo")
    browser_log_in(page, live_site.url, clinic_people.owner.user)
    page.wait_for_selector("#site-name")

    page.goto(f"{live_site.url}/admin/patients/patient/add/")
    assert page.input_value("#id_time_zone") == "Asia/Tokyo"
    assert "Filled in from this browser's time zone: Tokyo (Asia)." in page.inner_text(".zone-note")
    page.screenshot(path=str(screenshot_dir / "admin-patient-add-time-zone.png"), full_page=True)

    patient = clinic_people.patient_a
    page.goto(f"{live_site.url}/admin/patients/patient/{patient.pk}/change/")
    assert page.input_value("#id_time_zone") == "Europe/London"  # a saved zone is kept
    page.fill(".zone-search", "new york")
    assert visible_zones(page) == ["America/New_York"]
    page.locator("#id_time_zone").scroll_into_view_if_needed()
    page.screenshot(path=str(screenshot_dir / "admin-patient-change-time-zone.png"))
