"""Every page of the patients' site passes axe-core (WCAG 2 A and AA, and axe's best practices)
with no critical or serious violation, on a phone (390×844) in light and in dark, in each state a
patient meets it: signed out, the first login, Today in each of its states, the session player,
the pain form and its guidance, history, settings and two-factor. A failure lists each rule's
id, impact and elements (tests/accessibility.py)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
import time_machine
from django.utils import timezone

from patients.models import Alert, Patient
from tests.accessibility import PHONE, SCHEMES, AxeAudit
from tests.patients.test_two_factor_browser import app_code
from tests.two_factor import PASSWORD

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def log_in(page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", email)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("#main button[type=submit]")


def reviewed(patient: Patient) -> None:
    """As if the therapist had read every report: no open alert, the programme going on."""
    Alert.objects.filter(status="open").update(status="acknowledged")
    Patient.objects.filter(pk=patient.pk).update(
        programme_held_at=None, programme_held_reason="", programme_held_alert=None
    )


def report_pain(page, base_url: str, *, score: int, quality: str, urgent: bool) -> None:
    page.goto(f"{base_url}/pain/new/")
    page.check(f"input[name=score][value='{score}']")
    page.check("input[name=moment][value='morning']")
    page.check(f"input[name=qualities][value='{quality}']")
    page.check("#urgent-saddle_numbness" if urgent else "#urgent-none")
    with page.expect_navigation():
        page.click("text=Send to my therapist")


@pytest.mark.parametrize("scheme", SCHEMES)
def test_the_pages_before_logging_in_pass_axe(
    scheme: str, live_site, browser_page_factory, runner: SimpleNamespace
) -> None:
    from patients.reminders import unsubscribe_link
    from patients.services import invitation_link, patient_settings_update

    patient = runner.patient_a
    patient_settings_update(patient=patient, reminders_enabled=True)
    with time_machine.travel(timezone.now() - timedelta(days=400)):
        too_old = unsubscribe_link(patient).split("/reminders/", 1)[1]
    link = unsubscribe_link(patient).split("/reminders/", 1)[1]
    invitation = invitation_link(runner.patient_b.user).split("/accounts/", 1)[1]

    audit = AxeAudit(scheme)
    page = browser_page_factory(**PHONE, color_scheme=scheme)
    url = live_site.url

    page.goto(f"{url}/accounts/login/")
    audit.check(page, "login")
    page.fill("#id_username", patient.user.email)
    page.fill("#id_password", "not-the-password")
    page.click("#main button[type=submit]")
    page.wait_for_selector(".alert-danger")
    audit.check(page, "login, wrong password")

    page.goto(f"{url}/accounts/password_reset/")
    audit.check(page, "password reset")
    page.fill("#id_email", patient.user.email)
    with page.expect_navigation():
        page.click("#main button[type=submit]")
    audit.check(page, "password reset, sent")

    page.goto(f"{url}/accounts/{invitation}")
    page.wait_for_selector("#id_new_password1")
    audit.check(page, "invitation: choose a password")

    page.goto(f"{url}/reminders/{link}")
    audit.check(page, "reminders off: asked")
    with page.expect_navigation():
        page.click("text=Turn reminders off")
    audit.check(page, "reminders off: done")
    page.goto(f"{url}/reminders/{link}")
    audit.check(page, "reminders off: link already used")
    page.goto(f"{url}/reminders/{too_old}")
    audit.check(page, "reminders off: link too old")

    audit.assert_clean()


@pytest.mark.parametrize("scheme", SCHEMES)
def test_the_first_login_today_and_the_programme_pass_axe(
    scheme: str, live_site, browser_page_factory, runner: SimpleNamespace, screenshot_dir: Path
) -> None:
    from exercises.models import Exercise
    from patients.screens import screen_request_create
    from tests.factories import PatientFactory

    patient = runner.patient_a
    Patient.objects.filter(pk=patient.pk).update(safety_check_at=None)
    resting = PatientFactory(primary_therapist=runner.owner)

    audit = AxeAudit(scheme)
    page = browser_page_factory(**PHONE, color_scheme=scheme)
    url = live_site.url

    log_in(page, url, patient.user.email)
    page.wait_for_url("**/safety-check/")
    audit.check(page, "first login: warning signs")
    with page.expect_navigation():
        page.click("text=Send my answer")
    audit.check(page, "first login: warning signs, nothing ticked")
    page.check("#urgent-none")
    with page.expect_navigation():
        page.click("text=Send my answer")
    audit.check(page, "first login: none of these")

    page.goto(f"{url}/today/")
    audit.check(page, "Today with exercises")
    page.screenshot(path=str(screenshot_dir / f"a11y-today-{scheme}.png"), full_page=True)
    page.locator(f"#card-{runner.bridge_a.pk} button.btn-check-off").click()
    page.locator(f"#card-{runner.bridge_a.pk} .rating-form").wait_for()
    audit.check(page, "Today, a check-off's rating form open")

    page.goto(f"{url}/today/exercises/{runner.plank_a.pk}/play/")
    audit.check(page, "session player, one exercise")
    page.goto(f"{url}/today/session/")
    audit.check(page, "session player, guided")
    page.goto(f"{url}/programme/")
    audit.check(page, "printable programme")
    page.goto(f"{url}/programme/exercises/{runner.plank_a.pk}/")
    audit.check(page, "the patient's exercise page")
    page.goto(f"{url}/exercises/")
    audit.check(page, "Learn: the education cards")
    page.goto(f"{url}/exercises/learn/stop-radiating-pain/")
    audit.check(page, "education card page")

    screen_request = screen_request_create(
        patient=patient,
        screen=Exercise.objects.get(slug="single-leg-stance-eyes-open"),
        requested_by=runner.owner,
    )
    page.goto(f"{url}/today/")
    page.wait_for_selector(".screen-requests")
    audit.check(page, "Today, a screen requested")
    page.goto(f"{url}/screens/{screen_request.pk}/")
    audit.check(page, "a screen's page")

    page.goto(f"{url}/today/")
    page.locator(f"#card-{runner.plank_a.pk} button.btn-check-off").click()
    page.wait_for_selector("text=2 of 2 exercises done")
    audit.check(page, "Today, all done")
    page.goto(f"{url}/today/session/")
    audit.check(page, "session player, nothing left")

    page.context.clear_cookies()
    log_in(page, url, resting.user.email)
    page.wait_for_url("**/today/")
    audit.check(page, "Today, nothing due")

    audit.assert_clean()


@pytest.mark.parametrize("scheme", SCHEMES)
def test_pain_history_settings_and_two_factor_pass_axe(
    scheme: str, live_site, browser_page_factory, runner: SimpleNamespace, screenshot_dir: Path
) -> None:
    patient = runner.patient_a
    audit = AxeAudit(scheme)
    page = browser_page_factory(**PHONE, color_scheme=scheme)
    url = live_site.url
    log_in(page, url, patient.user.email)

    page.goto(f"{url}/pain/new/")
    audit.check(page, "pain form")
    page.screenshot(path=str(screenshot_dir / f"a11y-pain-form-{scheme}.png"), full_page=True)
    with page.expect_navigation():
        page.click("text=Send to my therapist")
    audit.check(page, "pain form, sent empty")
    page.screenshot(path=str(screenshot_dir / f"a11y-pain-form-errors-{scheme}.png"))
    page.check("#urgent-saddle_numbness")
    page.check("#urgent-bladder_bowel")
    audit.check(page, "pain form, urgent signs ticked")

    report_pain(page, url, score=3, quality="dull", urgent=False)
    audit.check(page, "guidance: plain")
    reviewed(patient)
    report_pain(page, url, score=5, quality="radiating", urgent=False)
    audit.check(page, "guidance: nerve symptoms")
    reviewed(patient)
    report_pain(page, url, score=8, quality="dull", urgent=True)
    audit.check(page, "guidance: urgent")
    page.goto(f"{url}/today/")
    page.wait_for_selector(".programme-held")
    audit.check(page, "Today, programme paused after a report")
    page.goto(f"{url}/safety-check/")
    page.check("#urgent-saddle_numbness")
    with page.expect_navigation():
        page.click("text=Send my answer")
    audit.check(page, "warning signs: urgent")
    reviewed(patient)

    page.goto(f"{url}/history/")
    page.wait_for_selector("svg.chart-pain")
    audit.check(page, "history with data")
    page.screenshot(path=str(screenshot_dir / f"a11y-history-{scheme}.png"), full_page=True)

    page.goto(f"{url}/settings/")
    audit.check(page, "settings")
    page.click("#id_time_zone-search")
    page.keyboard.type("lon")
    page.keyboard.press("ArrowDown")
    audit.check(page, "settings, the time-zone list open")
    page.screenshot(path=str(screenshot_dir / f"a11y-settings-time-zone-{scheme}.png"))
    page.keyboard.press("Escape")
    page.keyboard.press("Escape")
    page.fill("#id_quiet_hours_start", "22:00")
    with page.expect_navigation():
        page.click("#main button[type=submit]:has-text('Save')")
    audit.check(page, "settings with an error")

    page.goto(f"{url}/accounts/two-factor/")
    audit.check(page, "two-factor: turning it on")
    page.fill("#id_code", "000000" if app_code(page) != "000000" else "111111")
    with page.expect_navigation():
        page.click("#main button[type=submit]")
    audit.check(page, "two-factor: a wrong code")
    with time_machine.travel(timezone.now() + timedelta(seconds=2), tick=True):
        page.fill("#id_code", app_code(page))  # past the wait after a wrong code
        page.click("#main button[type=submit]")
        page.wait_for_url("**/accounts/two-factor/backup-codes/")
        audit.check(page, "two-factor: backup codes")
        page.click("text=I have kept them: continue")
        page.wait_for_selector("#two-factor-status")
        audit.check(page, "two-factor: on")

    audit.assert_clean()
