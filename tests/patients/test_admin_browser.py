"""A therapist assigns a programme in real Chromium (Playwright driving Debian's browser)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from patients.models import Prescription
from tests.two_factor import browser_log_in

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_a_therapist_assigns_the_glute_bridge_programme_and_adjusts_a_dose(
    live_site,
    browser_page_factory,  # after live_site: the browser closes before the server stops
    library: None,
    clinic_people: SimpleNamespace,
    screenshot_dir: Path,
) -> None:
    therapist, patient = clinic_people.owner, clinic_people.patient_a
    page = browser_page_factory()
    browser_log_in(page, live_site.url, therapist.user)
    page.wait_for_selector("#site-name")

    page.goto(f"{live_site.url}/admin/patients/patient/{patient.pk}/change/")
    page.click("a.assign-programme")
    page.select_option("#id_template", label="Glute bridge programme")
    page.click("input[name=preview]")
    preview = page.locator("#preview")
    assert "Glute bridge (hip bridge)" in preview.inner_text()
    assert "Hold 10 s, 15 times, every day" in preview.inner_text()
    page.click("input[name=confirm]")

    page.wait_for_selector("#id_exercises-0-reps")
    assert page.input_value("#id_exercises-0-reps") == "15"
    page.fill("#id_exercises-0-reps", "12")
    page.fill("#id_exercises-0-therapist_note", "Lower slowly")
    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist")

    page.goto(f"{live_site.url}/admin/patients/patient/{patient.pk}/change/")
    programme = page.locator("#prescriptions")
    text = programme.inner_text()
    assert "Glute bridge programme" in text
    assert "Hold 10 s, 12 times, once a day, every day" in text
    assert "Lower slowly" in text
    page.screenshot(path=str(screenshot_dir / "admin-patient-page.png"), full_page=True)

    prescription = Prescription.objects.get(patient=patient)
    assert prescription.exercises.get().reps == 12
    assert prescription.versions.count() == 2
