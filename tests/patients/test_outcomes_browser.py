"""The functional scale on a phone (390×844) in real Chromium: from Today's reminder to the form,
a refused score kept and explained beside its row, then saved and the reminder gone."""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from patients.models import PsfsResponse
from patients.outcomes import psfs_record
from tests.accessibility import PHONE, axe_violations, blocking, described
from tests.factories import PrescriptionFactory
from tests.processes import ARTIFACTS
from tests.site.test_accessibility_browser import log_in
from tests.site.test_patient_controls_browser import small_targets
from tests.two_factor import browser_log_in

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_a_patient_scores_their_activities_from_todays_reminder(
    browser_page_factory, live_site, clinic_people: SimpleNamespace
) -> None:
    patient = clinic_people.patient_a
    PrescriptionFactory(patient=patient)
    page = browser_page_factory(**PHONE)
    log_in(page, live_site.url, patient.user.email)
    page.goto(f"{live_site.url}/today/")
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator(".psfs-reminder").screenshot(path=str(ARTIFACTS / "psfs-today.png"))
    with page.expect_navigation():
        page.click("text=Score your activities")
    assert page.get_by_text("0 = unable to perform the activity").is_visible()
    page.fill("#id_activity_1", "Putting on socks")
    page.fill("#id_score_1", "12")
    page.fill("#id_activity_2", "Walking the dog")
    with page.expect_navigation():
        page.click("main button[type=submit]")
    assert page.input_value("#id_activity_1") == "Putting on socks"
    assert page.input_value("#id_score_1") == "12"
    assert page.get_by_text("Enter a whole number from 0 to 10.").is_visible()
    assert page.get_by_text("Score this activity, 0 to 10.").is_visible()
    violations = blocking(axe_violations(page))
    assert not violations, described("PSFS form, refused", violations)
    assert not small_targets(page), small_targets(page)  # each at least 44×44 px
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "psfs-form.png"), full_page=True)
    page.fill("#id_score_1", "3")
    page.fill("#id_score_2", "5")
    with page.expect_navigation():
        page.click("main button[type=submit]")
    assert page.url.endswith("/today/")
    assert page.get_by_text("Your functional scale is saved").is_visible()
    assert page.get_by_text("Score your activities").count() == 0
    saved = PsfsResponse.objects.get(patient=patient)
    assert [(r.activity, r.score) for r in saved.ratings.all()] == [
        ("Putting on socks", 3),
        ("Walking the dog", 5),
    ]


def test_the_therapist_reads_the_change_on_the_patient_page(
    browser_page_factory, live_site, clinic_people: SimpleNamespace
) -> None:
    patient = clinic_people.patient_a
    PrescriptionFactory(patient=patient)
    for day, scores in [(1, (2, 4, 6)), (15, (3, 5, 6)), (29, (6, 6, 7))]:
        psfs_record(
            patient=patient,
            entries=list(
                zip(["Putting on socks", "Stairs", "Driving an hour"], scores, strict=True)
            ),
            now=datetime(2026, 10, day, 9, tzinfo=ZoneInfo("UTC")),
        )
    page = browser_page_factory(1440, 900)
    browser_log_in(page, live_site.url, clinic_people.owner.user)
    page.goto(f"{live_site.url}/admin/patients/patient/{patient.pk}/change/")
    panel = page.locator("#outcomes")
    assert panel.get_by_text("Mean up 2.3 since first (meaningful: ≥ 2)").is_visible()
    assert panel.get_by_text("up 4 since first (meaningful: ≥ 3)").is_visible()
    sizes = page.eval_on_selector_all(
        "#outcomes svg text", "texts => texts.map(t => t.getBoundingClientRect().height)"
    )
    assert sizes and min(sizes) >= 11, sizes
    panel.locator("summary").click()  # the same figures as a table
    assert panel.locator(".psfs-table tbody tr").count() == 9
    violations = blocking(axe_violations(page))
    assert not violations, described("patient page with the functional scale", violations)
    ARTIFACTS.mkdir(exist_ok=True)
    panel.scroll_into_view_if_needed()
    panel.screenshot(path=str(ARTIFACTS / "psfs-panel.png"))
