"""A therapist's morning in real Chromium at 1440×900: the admin opens on "Needs attention",
the urgent patient first; they open the patient, read the report, pause the programme and
acknowledge the alert with a note; a colleague then opens the page in the dark. Screenshots in
test-artifacts/ (morning-*.png); each page passes axe-core (tests/accessibility.py)."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone

from patients.models import Alert, PainReport, Prescription
from tests.accessibility import DESKTOP, axe_violations
from tests.factories import PatientFactory, programme_create
from tests.processes import ARTIFACTS
from tests.two_factor import browser_log_in

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

NOTE = "Phoned her at 8:40: sent to A&E for assessment today. Programme paused until seen."


def _blocking(page) -> list[str]:
    return [
        f"{rule['id']} ({rule['impact']}): {[n['target'] for n in rule['nodes']]}"
        for rule in axe_violations(page)
        if rule["impact"] in ("critical", "serious")
    ]


@pytest.fixture
def morning(clinic_people: SimpleNamespace, library: None) -> SimpleNamespace:
    from patients.triage import pain_report_create

    people = clinic_people
    owner = people.owner
    # Yesterday's: pain well up on the baseline, and a patient gone quiet.
    sore = PatientFactory(
        primary_therapist=owner, user__first_name="Sam", user__last_name="Sore", pain_baseline=3
    )
    pain_report_create(patient=sore, score=8, moment=PainReport.Moment.MORNING, qualities=["dull"])
    Alert.objects.filter(patient=sore).update(created_at=timezone.now() - timedelta(hours=20))
    quiet = PatientFactory(
        primary_therapist=owner, user__first_name="Quinn", user__last_name="Quiet"
    )
    Alert.objects.create(
        patient=quiet, cause=Alert.Cause.INACTIVE, created_at=timezone.now() - timedelta(days=3)
    )
    # This morning's: urgent warning signs, the newest of all.
    urgent = PatientFactory(
        primary_therapist=owner,
        user__first_name="Uma",
        user__last_name="Urgent",
        phone="+44 20 7946 0123",
    )
    programme_create(urgent)
    pain_report_create(
        patient=urgent,
        score=6,
        moment=PainReport.Moment.MORNING,
        qualities=["numbness"],
        urgent_signs=["bladder_bowel"],
        note="Woke up numb around the seat; hard to pass water.",
    )
    people.urgent = urgent
    return people


def test_the_therapists_morning_from_needs_attention_to_a_paused_programme(
    live_site,
    browser_page_factory,  # after live_site: the browser closes before the server stops
    morning: SimpleNamespace,
) -> None:
    shots = ARTIFACTS
    shots.mkdir(exist_ok=True)
    page = browser_page_factory(**DESKTOP)
    browser_log_in(page, live_site.url, morning.owner.user)

    # 1. The admin opens on "Needs attention": the urgent patient first, in words.
    page.goto(f"{live_site.url}/admin/")
    page.wait_for_selector("#needs-attention")
    header = page.locator("#attention-counts").inner_text()
    assert "Urgent 1" in header and "Needs attention 4" in header
    rows = page.locator("tr.attention-row")
    first = rows.nth(0)
    assert "Urgent" in first.locator(".attention-severity").inner_text()
    assert "Uma Urgent" in first.inner_text()
    assert "Reported urgent warning signs" in first.inner_text()
    assert "Call +44 20 7946 0123" in first.inner_text()
    assert "Quinn Quiet" in rows.nth(rows.count() - 1).inner_text()
    page.screenshot(path=str(shots / "morning-1-needs-attention.png"))
    assert _blocking(page) == []

    # 2. Open the patient.
    first.get_by_role("link", name="Open the patient").click()
    page.wait_for_selector("#patient_form")
    assert "Uma Urgent" in page.locator("#content").inner_text()
    page.screenshot(path=str(shots / "morning-2-patient.png"))
    page.go_back()

    # 3. Read the report: the patient's own words and the signs she ticked.
    page.locator("tr.attention-row").nth(0).get_by_role("link", name="Read the report").click()
    page.wait_for_selector("#alert_form")
    report = page.locator("#content").inner_text()
    assert "pain report 6/10" in report
    assert "new problems controlling your bladder or bowel" in report.lower()
    assert "their note: “Woke up numb around the seat; hard to pass water.”" in report
    page.screenshot(path=str(shots / "morning-3-report.png"), full_page=True)
    page.goto(f"{live_site.url}/admin/")

    # 4. Pause the programme, then acknowledge the alert with a note.
    first = page.locator("tr.attention-row").nth(0)
    first.get_by_role("button", name="Pause the programme").click()
    page.wait_for_selector(".messagelist")
    assert "Programme paused for Uma Urgent" in page.locator(".messagelist").inner_text()
    first = page.locator("tr.attention-row").nth(0)
    first.get_by_label("Note for Uma Urgent").fill(NOTE)
    page.screenshot(path=str(shots / "morning-4-note.png"))
    first.get_by_role("button", name="Acknowledge").click()
    page.wait_for_selector(".messagelist")
    assert "Acknowledged" in page.locator(".messagelist").inner_text()
    assert "Uma Urgent" not in page.locator("#needs-attention").inner_text()
    assert "Urgent 0" in page.locator("#attention-counts").inner_text()
    page.screenshot(path=str(shots / "morning-5-acknowledged.png"))
    assert _blocking(page) == []

    # The same page in the dark, as a therapist's screen may be set.
    dark = browser_page_factory(**DESKTOP, color_scheme="dark")
    browser_log_in(dark, live_site.url, morning.colleague.user)
    dark.goto(f"{live_site.url}/admin/")
    dark.wait_for_selector("#needs-attention")
    assert "Sam Sore" in dark.locator("tr.attention-row").nth(0).inner_text()
    dark.screenshot(path=str(shots / "morning-6-needs-attention-dark.png"))
    assert _blocking(dark) == []

    alert = Alert.objects.get(patient=morning.urgent, cause=Alert.Cause.URGENT)
    assert (alert.status, alert.note) == (Alert.Status.ACKNOWLEDGED, NOTE)
    prescription = Prescription.objects.get(patient=morning.urgent)
    assert prescription.status == Prescription.Status.PAUSED
