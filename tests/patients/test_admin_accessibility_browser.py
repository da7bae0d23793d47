"""The admin screens therapists and clinic admins use pass axe-core (WCAG 2 A and AA, and axe's
best practices) with no critical or serious violation, at 1440×900 in light and in dark: the
login with its code, the lists with their filters, a patient's page with its charts, assigning a
programme, a prescription's dose table and versions, alerts, pain reports, check-offs,
reminders, screens, the weekly summary, the exercise library and the audit trail. A failure
lists each rule's id, impact and elements (tests/accessibility.py)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.utils import timezone

from patients.models import Alert, CheckOff, PainReport, Therapist
from tests.accessibility import DESKTOP, SCHEMES, AxeAudit
from tests.site import conftest as site_fixtures
from tests.two_factor import PASSWORD, confirmed_app, totp_code

runner = site_fixtures.runner  # the patients' site's programme, reused here

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def clinic(runner: SimpleNamespace) -> SimpleNamespace:
    """Clinic A with a clinic admin, the runner's programme and reports, and five more patients
    with weeks of check-offs, reports, reminders, alerts and screens (tests/bulk.py)."""
    from patients.triage import pain_report_create
    from tests.bulk import clinic_patients_create
    from tests.factories import TherapistFactory

    runner.admin = TherapistFactory(
        clinic=runner.clinic_a, role=Therapist.Role.CLINIC_ADMIN, user__email="admin@a.example"
    )
    clinic_patients_create(runner.owner, 5, timezone.now())
    # The runner's last ten days: the bridge every day, the plank every other one.
    today = runner.patient_a.local_today(timezone.now())
    CheckOff.objects.bulk_create(
        CheckOff(
            patient=runner.patient_a,
            prescribed_exercise=item,
            local_date=today - timedelta(days=ago),
        )
        for ago in range(1, 11)
        for item in (runner.bridge_a, runner.plank_a)
        if item == runner.bridge_a or ago % 2
    )
    for score, qualities in ((3, ["dull"]), (6, ["radiating"]), (8, ["dull"])):
        pain_report_create(
            patient=runner.patient_a,
            score=score,
            moment=PainReport.Moment.MORNING,
            qualities=qualities,
            severe_spasm=False,
            urgent_signs=[],
            note="",
        )
    return runner


SCREENSHOTS = {
    "prescription with its doses": "prescription",
    "patient page with its charts": "patient",
}


@pytest.mark.parametrize("scheme", SCHEMES)
def test_the_admin_screens_pass_axe(
    scheme: str, live_site, browser_page_factory, clinic: SimpleNamespace, screenshot_dir: Path
) -> None:
    from exercises.models import Exercise

    patient = clinic.patient_a
    prescription = patient.prescriptions.get()
    alert = Alert.objects.filter(patient=patient).first()
    bridge = Exercise.objects.get(slug="glute-bridge")
    audit = AxeAudit(scheme)
    page = browser_page_factory(**DESKTOP, color_scheme=scheme)
    url = live_site.url
    admin = f"{url}/admin"

    device = confirmed_app(clinic.admin.user)
    page.goto(f"{admin}/")
    page.wait_for_url("**/login/**")
    audit.check(page, "login")
    page.fill("#id_username", clinic.admin.user.email)
    page.fill("#id_password", PASSWORD)
    page.click("#login-form [type=submit]")
    page.wait_for_url("**/accounts/two-factor/verify/**")
    audit.check(page, "login: the code")
    page.fill("#id_code", totp_code(device))
    page.click("#main button[type=submit]")
    page.wait_for_selector("#site-name")
    audit.check(page, "index")

    states = [
        ("patients/patient/", "patient list"),
        (f"patients/patient/?therapist={clinic.owner.pk}&alerts=open", "patient list, filtered"),
        (f"patients/patient/{patient.pk}/change/", "patient page with its charts"),
        (f"patients/patient/assign/?patients={patient.pk}", "assign a programme"),
        (f"patients/prescription/{prescription.pk}/change/", "prescription with its doses"),
        (f"patients/prescription/{prescription.pk}/versions/", "prescription versions"),
        ("patients/prescription/", "prescription list"),
        ("patients/alert/", "alerts"),
        (f"patients/alert/{alert.pk}/change/", "an alert"),
        ("patients/painreport/", "pain reports"),
        ("patients/checkoff/", "check-offs"),
        ("patients/reminder/", "reminders"),
        ("patients/screenrequest/", "screen requests"),
        ("patients/patient/weekly-summary/", "weekly summary"),
        ("exercises/exercise/", "exercise library"),
        (f"exercises/exercise/{bridge.pk}/change/", "an exercise"),
        ("audit/auditentry/", "audit trail"),
        ("../exercises/glute-bridge/", "the library's page of an exercise"),
    ]
    for path, state in states:
        response = page.goto(f"{admin}/{path}")
        assert response.status == 200, f"{state}: {response.status}"
        audit.check(page, state)
        if state in SCREENSHOTS:
            name = f"a11y-admin-{SCREENSHOTS[state]}-{scheme}.png"
            page.screenshot(path=str(screenshot_dir / name), full_page=True)

    page.goto(f"{admin}/patients/patient/assign/?patients={patient.pk}")
    page.select_option("#id_template", label="Glute bridge programme")
    page.click("input[name=preview]")
    page.wait_for_selector("#preview")
    audit.check(page, "assign a programme: preview")

    page.goto(f"{admin}/patients/patient/{patient.pk}/change/")
    page.fill("#id_pain_baseline", "12")
    with page.expect_navigation():
        page.click("input[name=_save]")
    audit.check(page, "patient page with an error")

    audit.assert_clean()
