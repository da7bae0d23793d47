"""A patient on a phone (390×844) in real Chromium: checks off the day, reports radiating pain
and reads the guidance."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from patients.models import CheckOff, PainReport

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_a_patient_does_the_day_on_a_phone(
    live_site,
    browser_page_factory,  # after live_site: the browser closes before the server stops
    runner: SimpleNamespace,
    screenshot_dir: Path,
) -> None:
    plank = runner.plank_a
    page = browser_page_factory(width=390, height=844)

    page.goto(f"{live_site.url}/")
    page.fill("#id_username", runner.patient_a.user.email)
    page.fill("#id_password", "a-strong-passphrase")
    page.click("button[type=submit]")
    page.wait_for_selector("text=0 of 2 exercises done")

    bridge_card = page.locator(f"#card-{runner.bridge_a.pk}")
    bridge_card.locator("button.btn-check-off").click()
    page.locator(f"#card-{runner.bridge_a.pk} .badge").wait_for()
    assert "Done" in page.locator(f"#card-{runner.bridge_a.pk}").inner_text()

    # The count moves with the card, without a reload (the session player has its own tests:
    # test_session_player_browser.py).
    page.wait_for_selector("text=1 of 2 exercises done")
    plank_card = page.locator(f"#card-{plank.pk}")
    assert plank_card.locator("[data-player-link]").is_visible()
    plank_card.locator("button.btn-check-off").click()
    page.locator(f"#card-{plank.pk} .badge").wait_for()
    assert "Undo" in page.locator(f"#card-{plank.pk}").inner_text()
    page.wait_for_selector("text=2 of 2 exercises done")
    page.reload()
    page.wait_for_selector("text=2 of 2 exercises done")
    page.screenshot(path=str(screenshot_dir / "patient-today.png"), full_page=True)

    page.click("text=Report your pain")
    page.check("input[name=score][value='6']")
    page.check("input[name=moment][value='after_exercise']")
    page.check("input[name=qualities][value='radiating']")
    page.check("#urgent-none")
    page.click("text=Send to my therapist")
    page.wait_for_selector("text=Please read this now")
    guidance = page.locator(".guidance").inner_text()
    assert "Pain that radiates or tingles into your thigh or knee" in guidance
    assert "go to a physical therapist to get yourself assessed properly" in guidance
    page.screenshot(path=str(screenshot_dir / "patient-pain-guidance.png"), full_page=True)

    page.click("text=History")
    page.wait_for_selector("svg.chart-adherence")
    assert page.locator("svg.chart-pain circle.pain-point").count() == 1
    page.screenshot(path=str(screenshot_dir / "patient-history.png"), full_page=True)

    assert CheckOff.objects.filter(patient=runner.patient_a).count() == 2
    report = PainReport.objects.get(patient=runner.patient_a)
    assert report.red_flag and report.qualities == ["radiating"]
