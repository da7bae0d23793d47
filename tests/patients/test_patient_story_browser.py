"""The patient page in Chromium: its chart words are at least 11 px as drawn, on the screen at
1440×900 and on paper, and on paper it is the story alone (no admin around it), a section a
page. Screenshots: test-artifacts/patient-page.png and patient-page-print.png."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from django.utils import timezone

from patients.models import Patient
from tests.patients.test_patient_story import story_of
from tests.processes import ARTIFACTS
from tests.two_factor import PASSWORD, browser_log_in

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

# Each word of the charts, as drawn: its font size times the scale its SVG is drawn at.
CHART_WORDS = """() => Array.from(document.querySelectorAll('svg.chart text')).map((text) => ({
  text: text.textContent,
  px: parseFloat(getComputedStyle(text).fontSize) * text.getScreenCTM().a,
  shown: text.getBoundingClientRect().width > 0,
}))"""

A4_WIDTH = 703  # px at 96 dpi: 210 mm less the page's 12 mm margins (portal/patient-print.css)


def smallest_chart_word(page) -> float:  # type: ignore[no-untyped-def]
    words = [word for word in page.evaluate(CHART_WORDS) if word["shown"]]
    assert len(words) >= 10, words  # the pain chart's scale and dates, the calendar's days
    return min(word["px"] for word in words)


def test_the_patient_page_reads_at_1440_and_prints_as_the_story_alone(
    live_site,
    browser_page_factory,  # after live_site: the browser closes before the server stops
    library: None,
    clinic_people: SimpleNamespace,
) -> None:
    story = story_of(clinic_people, timezone.now())
    page = browser_page_factory(1440, 900)
    browser_log_in(page, live_site.url, clinic_people.owner.user)
    page.wait_for_selector("#site-name")
    page.goto(f"{live_site.url}/admin/patients/patient/{story.patient.pk}/change/")
    page.wait_for_selector("table.pain-reports")
    assert page.locator("#header").is_visible()
    assert page.locator(".story-print-heading").is_hidden()
    assert smallest_chart_word(page) >= 11
    assert "Worse after sitting at my desk all afternoon" in page.inner_text("#story-pain")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "patient-page.png"), full_page=True)

    # "Print the story" opens the browser's print dialogue (recorded here, not opened).
    page.evaluate("() => { window.printed = 0; window.print = () => { window.printed += 1; }; }")
    page.click("text=Print the story")
    assert page.evaluate("() => window.printed") == 1

    page.emulate_media(media="print")
    page.set_viewport_size({"width": A4_WIDTH, "height": 1000})
    for chrome in ("#header", ".breadcrumbs", "#nav-sidebar", ".object-tools", ".submit-row"):
        assert page.locator(chrome).first.is_hidden(), chrome
    assert page.locator(".story-print-heading").is_visible()
    assert smallest_chart_word(page) >= 11
    # The folded tables of the charts are open on paper.
    assert page.locator("#story-adherence details.chart-table table").is_visible()
    breaks = page.evaluate(
        "() => Array.from(document.querySelectorAll('section.story-section'))"
        ".map((section) => getComputedStyle(section).breakBefore)"
    )
    assert breaks == ["auto", "page", "page", "page", "page"], breaks
    page.screenshot(path=str(ARTIFACTS / "patient-page-print.png"), full_page=True)
    pdf = page.pdf(format="A4", path=str(ARTIFACTS / "patient-page.pdf"))
    pages = re.search(rb"/Type /Pages\s*/Count (\d+)", pdf) or re.search(rb"/Count (\d+)", pdf)
    assert pages is not None and int(pages.group(1)) >= 5  # a section a page at least


def test_the_patients_own_charts_read_at_11_px_or_more_on_a_phone(
    live_site, browser_page_factory, library: None, clinic_people: SimpleNamespace
) -> None:
    """The same charts on the patient's history (patients/charts.py draws both)."""
    story = story_of(clinic_people, timezone.now())
    Patient.objects.filter(pk=story.patient.pk).update(safety_check_at=timezone.now())
    page = browser_page_factory(390, 844)
    page.goto(f"{live_site.url}/accounts/login/")
    page.fill("#id_username", story.patient.user.email)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("#main button[type=submit]")
    page.goto(f"{live_site.url}/history/")
    page.wait_for_selector("svg.chart-pain")
    assert smallest_chart_word(page) >= 11
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "patient-history-charts.png"), full_page=True)
