"""The functional scale on a phone (390×844) in real Chromium: from Today's reminder to the form,
a refused score kept and explained beside its row, then saved and the reminder gone."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from patients.models import PsfsResponse
from tests.accessibility import PHONE, axe_violations, blocking, described
from tests.factories import PrescriptionFactory
from tests.processes import ARTIFACTS
from tests.site.test_accessibility_browser import log_in

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_a_patient_scores_their_activities_from_todays_reminder(
    browser_page_factory, live_site, clinic_people: SimpleNamespace
) -> None:
    patient = clinic_people.patient_a
    PrescriptionFactory(patient=patient)
    page = browser_page_factory(**PHONE)
    log_in(page, live_site.url, patient.user.email)
    page.goto(f"{live_site.url}/today/")
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
