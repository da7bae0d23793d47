"""The time zone in real Chromium: a combobox (WAI-ARIA 1.2) where one types a city and chooses
from a short list of matches, each with its offset now ("London (GMT)"), with the arrow keys and
Enter or a tap; this device's zone offered first, filled in for a new patient (the admin's add
page) and offered beside a saved one (the patient's settings); and, without JavaScript, the
plain list grouped by region, which still saves. Screenshots in test-artifacts/screenshots/."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from tests.accessibility import PHONE
from tests.site.test_accessibility_browser import log_in
from tests.two_factor import browser_log_in

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

BOX = "#id_time_zone-search"
LIST = "#id_time_zone-listbox"


def offset(zone: str) -> str:
    """A zone's offset now as the list writes it: "GMT", "GMT+13", "GMT−5", "GMT+5:30"."""
    minutes = int(datetime.now(ZoneInfo(zone)).utcoffset().total_seconds() // 60)
    if not minutes:
        return "GMT"
    hours, rest = divmod(abs(minutes), 60)
    return f"GMT{'+' if minutes > 0 else '−'}{hours}{f':{rest:02d}' if rest else ''}"


def shown(page) -> list[str]:
    return page.locator(f"{LIST} [role=option] > span:first-child").all_inner_texts()


def test_a_patient_types_a_city_and_chooses_with_the_keyboard_or_takes_the_phones_zone(
    live_site,
    browser_page_factory,  # after live_site: the browser closes before the server stops
    clinic_people: SimpleNamespace,
    screenshot_dir: Path,
) -> None:
    patient = clinic_people.patient_a  # saved as Europe/London
    page = browser_page_factory(**PHONE, timezone_id="America/New_York")
    log_in(page, live_site.url, patient.user.email)
    page.goto(f"{live_site.url}/settings/")

    box = page.locator(BOX)
    assert box.get_attribute("role") == "combobox"
    assert page.locator("label[for='id_time_zone-search']").inner_text().startswith("My time zone")
    assert box.input_value() == f"London ({offset('Europe/London')})"  # the saved zone stays
    assert not page.locator("#id_time_zone").is_visible()  # the list behind it, sent as before

    box.click()
    assert box.get_attribute("aria-expanded") == "true"
    assert shown(page) == [f"New York ({offset('America/New_York')})", box.input_value()]
    assert page.locator(f"{LIST} [role=option]").first.inner_text().endswith("This device")
    page.keyboard.type("americ")  # a region: more than a hundred zones
    assert len(shown(page)) == 8  # a short list, never 599 names
    assert "zones match; the first 8 are shown" in page.inner_text(".zone-note")
    page.screenshot(path=str(screenshot_dir / "patient-settings-time-zone-open.png"))
    box.fill(offset("Pacific/Auckland").lower().replace("−", "-"))  # an offset finds its zones
    assert f"Auckland ({offset('Pacific/Auckland')})" in shown(page)
    box.fill("auckl")
    assert shown(page) == [f"Auckland ({offset('Pacific/Auckland')})"]
    assert "1 zone matches." in page.inner_text(".zone-note")

    page.keyboard.press("Enter")
    assert box.get_attribute("aria-expanded") == "false"
    assert page.input_value("#id_time_zone") == "Pacific/Auckland"
    assert box.input_value() == f"Auckland ({offset('Pacific/Auckland')})"

    box.fill("kolk")
    assert shown(page) == [f"Kolkata ({offset('Asia/Kolkata')})"]
    page.keyboard.press("Escape")  # closes, and chooses nothing
    assert box.get_attribute("aria-expanded") == "false"
    assert page.input_value("#id_time_zone") == "Pacific/Auckland"
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    assert page.input_value("#id_time_zone") == "Asia/Kolkata"

    box.fill("york")  # the arrows move along the matches; what they land on is announced
    page.keyboard.press("ArrowDown")
    active = box.get_attribute("aria-activedescendant")
    assert page.locator(f"#{active}").get_attribute("aria-selected") == "true"
    page.keyboard.press("Escape")
    page.keyboard.press("Escape")  # and again: back to what is chosen
    assert box.input_value() == f"Kolkata ({offset('Asia/Kolkata')})"

    offer = page.locator(".zone-offer")
    assert (
        offer.inner_text()
        == f"Use this device's time zone: New York ({offset('America/New_York')})"
    )
    offer.click()
    assert page.input_value("#id_time_zone") == "America/New_York"
    page.click("#main form button[type=submit]")
    page.wait_for_selector("text=Your settings are saved.")
    patient.refresh_from_db()
    assert patient.time_zone == "America/New_York"


def test_without_javascript_the_plain_list_still_saves(
    live_site, browser_page_factory, clinic_people: SimpleNamespace
) -> None:
    patient = clinic_people.patient_a
    page = browser_page_factory(**PHONE, java_script_enabled=False)
    log_in(page, live_site.url, patient.user.email)
    page.goto(f"{live_site.url}/settings/")
    assert page.locator(BOX).count() == 0
    assert page.locator("#id_time_zone optgroup[label=Europe]").count() == 1
    page.select_option("#id_time_zone", label="Buenos Aires, Argentina")
    page.click("#main form button[type=submit]")
    page.wait_for_selector("text=Your settings are saved.")
    patient.refresh_from_db()
    assert patient.time_zone == "America/Argentina/Buenos_Aires"


def test_the_admin_fills_in_the_browsers_zone_for_a_new_patient_and_finds_one_by_typing(
    live_site,
    browser_page_factory,
    clinic_people: SimpleNamespace,
    screenshot_dir: Path,
) -> None:
    page = browser_page_factory(width=1440, height=900, timezone_id="Asia/Tokyo")
    browser_log_in(page, live_site.url, clinic_people.owner.user)
    page.wait_for_selector("#site-name")

    page.goto(f"{live_site.url}/admin/patients/patient/add/")
    tokyo = f"Tokyo ({offset('Asia/Tokyo')})"
    assert page.input_value("#id_time_zone") == "Asia/Tokyo"
    assert page.input_value(BOX) == tokyo
    assert f"Filled in from this device's time zone: {tokyo}." in page.inner_text(".zone-note")
    page.screenshot(path=str(screenshot_dir / "admin-patient-add-time-zone.png"), full_page=True)

    patient = clinic_people.patient_a
    page.goto(f"{live_site.url}/admin/patients/patient/{patient.pk}/change/")
    assert page.input_value("#id_time_zone") == "Europe/London"  # a saved zone is kept
    page.fill(BOX, "new york")
    assert shown(page) == [f"New York ({offset('America/New_York')})"]
    page.locator(f"{LIST} [role=option]").first.click()
    assert page.input_value("#id_time_zone") == "America/New_York"
    page.locator(BOX).scroll_into_view_if_needed()
    page.screenshot(path=str(screenshot_dir / "admin-patient-change-time-zone.png"))
