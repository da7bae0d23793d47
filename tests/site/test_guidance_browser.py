"""A patient on a phone (390×844) in real Chromium: the first-login warning signs check, an
exercise rated 10 for pain, then a pain report for every combination of tests/site/
test_guidance.py, each read as the patient sees it and saved as a screenshot in
test-artifacts/screenshots/guidance/<case>.png."""

from __future__ import annotations

import time as clock
from pathlib import Path
from types import SimpleNamespace

import pytest

from patients.models import Alert, CheckOff, Patient
from tests.factories import (
    ClinicFactory,
    PatientFactory,
    TherapistFactory,
    programme_create,
    safety_cards_create,
)
from tests.site.test_guidance import (
    CARD_QUOTES,
    CASES,
    EMERGENCY,
    HIGH_PAIN_ADVICE,
    HOURS,
    NEVER,
    NO_ALERT,
    PAUSED,
    PHONE,
    RISING_ADVICE,
    SENT,
    URGENT,
    expected,
)

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-strong-passphrase"


@pytest.fixture
def people() -> SimpleNamespace:
    clinic = ClinicFactory(name="Riverside Running Clinic", phone=PHONE, opening_hours=HOURS)
    therapist = TherapistFactory(clinic=clinic, user__first_name="Robin")
    patient = PatientFactory(primary_therapist=therapist, pain_baseline=4, safety_check_at=None)
    item = programme_create(patient)
    safety_cards_create()
    return SimpleNamespace(clinic=clinic, therapist=therapist, patient=patient, item=item)


def fresh_start(patient: Patient) -> None:
    """As if the therapist had reviewed everything: no open alert, the programme going on."""
    Alert.objects.filter(status="open").update(status="acknowledged")
    Patient.objects.filter(pk=patient.pk).update(
        programme_held_at=None, programme_held_reason="", programme_held_alert=None
    )


def test_a_patient_reads_the_guidance_for_every_case_on_a_phone(
    live_site,
    browser_page_factory,  # after live_site: the browser closes before the server stops
    people: SimpleNamespace,
    screenshot_dir: Path,
) -> None:
    started = clock.monotonic()
    folder = screenshot_dir / "guidance"
    folder.mkdir(parents=True, exist_ok=True)
    page = browser_page_factory(width=390, height=844)
    # Wider than the phone's screen would mean sideways scrolling: never on these pages.
    no_sideways_scroll = "document.documentElement.scrollWidth <= window.innerWidth"

    # The first login: the warning signs before anything else.
    page.goto(f"{live_site.url}/")
    page.fill("#id_username", people.patient.user.email)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/safety-check/")
    assert "Numbness in the saddle area" in page.locator("main").inner_text()
    assert page.evaluate(no_sideways_scroll)
    page.screenshot(path=str(folder / "first-login-safety-check.png"), full_page=True)
    page.check("#urgent-none")
    page.click("text=Send my answer")
    page.wait_for_selector("text=You told us you have none of these warning signs now.")
    page.screenshot(path=str(folder / "first-login-none-of-these.png"), full_page=True)
    page.click("text=Continue to today")
    page.wait_for_selector("text=0 of 1 exercise done")

    # An exercise rated 10 for pain: htmx takes the patient to the advice.
    card = page.locator(f"#card-{people.item.pk}")
    card.locator("button.btn-check-off").click()
    page.locator(f"#card-{people.item.pk} .rating-form").wait_for()
    card.locator("select[name=pain_during]").select_option("10")
    card.locator(".rating-form button[type=submit]").click()
    page.wait_for_url("**/pain/check-off/*/")
    text = page.locator("main").inner_text()
    assert "Stop this exercise for now and do not push through the pain." in text
    assert PHONE in text and HOURS in text and SENT in text
    assert page.evaluate(no_sideways_scroll)
    page.screenshot(path=str(folder / "check-off-rated-10.png"), full_page=True)
    assert Alert.objects.get(check_off=CheckOff.objects.get()).cause == "high_pain"

    # Every combination, one report each, from a clinic that has reviewed the last one.
    for case in CASES:
        fresh_start(people.patient)
        want = expected(case)
        page.goto(f"{live_site.url}/pain/new/")
        page.check(f"input[name=score][value='{case.score}']")
        page.check(f"input[name=moment][value='{'running' if case.running else 'morning'}']")
        page.check(f"input[name=qualities][value='{'radiating' if case.nerve else 'dull'}']")
        if case.spasm:
            page.check("input[name=severe_spasm]")
        page.check("#urgent-saddle_numbness" if case.urgent else "#urgent-none")
        with page.expect_navigation():
            page.click("text=Send to my therapist")
        text = page.locator("main").inner_text()
        where = f"{case.id}: {text[:300]}"
        assert PHONE in text and HOURS in text, where
        if want.urgent:
            assert page.locator(".urgent-care h1").inner_text().startswith(URGENT), where
            assert EMERGENCY in text, where
            assert page.locator(".education-card").count() == 0, where
            assert HIGH_PAIN_ADVICE not in text and RISING_ADVICE not in text, where
        else:
            assert page.locator(".urgent-care").count() == 0, where
            for slug, quote in CARD_QUOTES.items():
                # The card itself; its quote may also stand as one side of a disagreement.
                card = page.locator(f"#card-{slug}")
                assert (card.count() == 1) == (slug in want.cards), (where, slug)
                if slug in want.cards:
                    assert quote in card.inner_text(), (where, slug)
            assert (HIGH_PAIN_ADVICE in text) == (HIGH_PAIN_ADVICE in want.advice), where
            assert (RISING_ADVICE in text) == (RISING_ADVICE in want.advice), where
            assert (PAUSED in text) == want.held, where
        assert (SENT in text) == bool(want.causes), where
        assert (NO_ALERT in text) == (not want.causes), where
        assert not any(claim in text for claim in NEVER), where
        assert page.evaluate(no_sideways_scroll), where
        page.screenshot(path=str(folder / f"{case.id}.png"), full_page=True)

    # The last case paused the programme: Today says so, with the clinic's phone.
    page.goto(f"{live_site.url}/today/")
    today = page.locator("main").inner_text()
    assert PAUSED in today and PHONE in today
    assert page.locator("button.btn-check-off").count() == 0
    page.screenshot(path=str(folder / "today-paused.png"), full_page=True)
    assert clock.monotonic() - started < 120, "the walk should stay well under two minutes"
