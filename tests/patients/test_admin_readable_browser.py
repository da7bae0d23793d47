"""The prescription's dose table and the Assign form in real Chromium: the table fits a 1280 px
screen beside the admin's menu without scrolling sideways, every input has a name axe accepts,
and the Assign form's labels line up with their fields. Screenshots in test-artifacts/."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.utils import timezone

from tests.accessibility import AxeAudit
from tests.processes import ARTIFACTS
from tests.site import conftest as site_fixtures
from tests.two_factor import browser_log_in

runner = site_fixtures.runner  # the patients' site's programme, reused here

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

MEASURE = """() => {
  const table = document.querySelector('#exercises-group table');
  const box = table.closest('fieldset') || table.parentElement;
  return {
    table: table.scrollWidth,
    box: box.clientWidth,
    page: document.documentElement.scrollWidth,
    screen: window.innerWidth,
  };
}"""

UNNAMED = """(selector) => Array.from(document.querySelectorAll(selector))
  .filter((field) => !['hidden', 'submit'].includes(field.type))
  .filter((field) => !field.name.includes('__prefix__'))
  .filter((field) => field.offsetParent !== null)
  .filter((field) => !(field.labels && field.labels.length) && !field.getAttribute('aria-label'))
  .map((field) => field.name)"""


def test_the_dose_table_fits_1280_px_and_names_every_input(
    live_site, browser_page_factory, runner: SimpleNamespace
) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    prescription = runner.patient_a.prescriptions.get()
    page = browser_page_factory(width=1280, height=800)
    browser_log_in(page, live_site.url, runner.owner.user)
    page.wait_for_selector("#site-name")

    page.goto(f"{live_site.url}/admin/patients/prescription/{prescription.pk}/change/")
    page.wait_for_selector("#exercises-group table")
    sizes = page.evaluate(MEASURE)
    page.locator("#exercises-group").screenshot(path=str(ARTIFACTS / "dose-table-1280.png"))
    page.screenshot(path=str(ARTIFACTS / "dose-table-1280-page.png"), full_page=True)
    assert sizes["table"] <= sizes["box"], sizes
    assert sizes["page"] <= sizes["screen"], sizes
    assert page.evaluate(UNNAMED, "#exercises-group input, #exercises-group select") == []
    audit = AxeAudit("light")
    audit.check(page, "prescription with its doses at 1280 px")

    page.goto(f"{live_site.url}/admin/patients/patient/assign/?patients={runner.patient_a.pk}")
    page.select_option("#id_template", label="Glute bridge programme")
    page.click("input[name=preview]")
    page.wait_for_selector("#preview")
    # The admin's date box with its calendar, in the clinic's format, not the browser's.
    page.wait_for_selector(
        ".form-row.field-start_date .datetimeshortcuts, #id_start_date + .datetimeshortcuts"
    )
    assert page.input_value("#id_start_date") == f"{timezone.localdate():%d/%m/%Y}"  # en-gb
    assert page.evaluate(UNNAMED, "#content-main form input, #content-main form select") == []
    # Each label sits at the left of its field, the fields starting on one line down the form.
    lefts = page.evaluate(
        """() => Array.from(document.querySelectorAll('fieldset.aligned .form-row')).map((row) => [
          row.querySelector('label').getBoundingClientRect().left,
          row.querySelector('input, select, textarea').getBoundingClientRect().left,
        ])"""
    )
    page.screenshot(path=str(ARTIFACTS / "assign-form-1280.png"), full_page=True)
    assert len({round(label) for label, _ in lefts}) == 1, lefts
    assert len({round(field) for _, field in lefts}) == 1, lefts
    page.screenshot(path=str(ARTIFACTS / "assign-form-1280.png"), full_page=True)
    audit.check(page, "assign a programme at 1280 px")
    audit.assert_clean()


def test_pain_reports_and_versions_read_in_words_at_1440(
    live_site, browser_page_factory, runner: SimpleNamespace
) -> None:
    from patients.models import PainReport
    from patients.services import prescription_record_version
    from patients.triage import pain_report_create

    ARTIFACTS.mkdir(exist_ok=True)
    for score, qualities in ((7, ["radiating", "tingling"]), (3, [])):
        pain_report_create(
            patient=runner.patient_a,
            score=score,
            moment=PainReport.Moment.MORNING,
            qualities=qualities,
        )
    prescription = runner.patient_a.prescriptions.get()
    prescription_record_version(prescription=prescription, user=runner.owner.user)
    runner.bridge_a.sets = 4
    runner.bridge_a.therapist_note = "Lower slowly"
    runner.bridge_a.save()
    prescription_record_version(prescription=prescription, user=runner.owner.user)

    page = browser_page_factory(width=1440, height=900)
    browser_log_in(page, live_site.url, runner.owner.user)
    page.wait_for_selector("#site-name")
    audit = AxeAudit("light")

    page.goto(f"{live_site.url}/admin/patients/painreport/")
    flags = page.locator("#result_list td.field-flag_in_words").all_inner_texts()
    assert [flag.strip() for flag in flags] == ["—", "Red flag"]
    page.screenshot(path=str(ARTIFACTS / "pain-reports-in-words.png"), full_page=True)
    audit.check(page, "pain reports in words")

    page.goto(f"{live_site.url}/admin/patients/prescription/{prescription.pk}/versions/")
    changes = page.locator(".version-changes li").all_inner_texts()
    assert "Glute bridge (hip bridge): Sets — → 4" in changes
    page.screenshot(path=str(ARTIFACTS / "prescription-versions.png"), full_page=True)
    audit.check(page, "versions with their changes")
    audit.assert_clean()
