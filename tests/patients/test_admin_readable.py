"""An admin that reads well: a pain report's flag and symptoms in words, each prescription version
with what changed since the one before, one date format on every page (the clinic's locale), and
every input of the Assign form labelled."""

from __future__ import annotations

import copy
from datetime import datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine
from bs4 import BeautifulSoup
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from patients.models import PainReport, Prescription
from patients.services import prescription_record_version, prescription_set_status
from patients.versions import snapshot_changes
from portal.config import ConfigError, env_language_code
from tests.site import conftest as site_fixtures
from tests.two_factor import verified_login

runner = site_fixtures.runner  # the patients' site's programme, reused here

pytestmark = pytest.mark.django_db

NOON = datetime(2026, 3, 4, 12, 0, tzinfo=ZoneInfo("Europe/London"))


def _page(client: Client, url: str) -> BeautifulSoup:
    response = client.get(url)
    assert response.status_code == 200, url
    return BeautifulSoup(response.content, "html.parser")


def _report(runner: SimpleNamespace, **kwargs) -> PainReport:
    from patients.triage import pain_report_create

    return pain_report_create(
        patient=runner.patient_a, moment=PainReport.Moment.MORNING, note="", **kwargs
    )


# The pain reports ---------------------------------------------------------------------------


def test_the_pain_report_list_says_red_flag_in_words_with_a_warning_sign(
    client: Client, runner: SimpleNamespace
) -> None:
    flagged = _report(runner, score=6, qualities=["radiating", "tingling"])
    calm = _report(runner, score=2, qualities=[])
    assert flagged.red_flag and not calm.red_flag
    verified_login(client, runner.owner.user)

    page = _page(client, reverse("admin:patients_painreport_changelist"))
    rows = {
        row.select_one(".field-score").get_text(strip=True): row
        for row in page.select("#result_list tbody tr")
    }
    flag = rows["6"].select_one(".field-flag_in_words")
    assert flag.get_text(strip=True) == "Red flag"
    assert "icon-alert" in flag.select_one("img")["src"]
    assert rows["2"].select_one(".field-flag_in_words").get_text(strip=True) == "—"
    # No boolean icon says yes or no about a flag: a green tick read as good news.
    assert not page.select("#result_list img[src*=icon-yes], #result_list img[src*=icon-no]")


def test_the_pain_report_list_and_page_say_the_symptoms_in_words(
    client: Client, runner: SimpleNamespace
) -> None:
    report = _report(runner, score=6, qualities=["radiating", "tingling"])
    _report(runner, score=2, qualities=[])
    verified_login(client, runner.owner.user)

    page = _page(client, reverse("admin:patients_painreport_changelist"))
    symptoms = [cell.get_text(strip=True) for cell in page.select(".field-symptoms")]
    assert (
        "Radiating into the thigh or knee; Tingling (pins and needles) in the thigh or leg"
        in symptoms
    )
    assert "None" in symptoms
    assert '["radiating"' not in page.get_text()

    detail = _page(client, reverse("admin:patients_painreport_change", args=[report.pk]))
    text = detail.select_one("#content-main").get_text(" ", strip=True)
    assert "Radiating into the thigh or knee; Tingling (pins and needles)" in text
    assert "Red flag" in text
    assert '"radiating"' not in text


# The versions -------------------------------------------------------------------------------

BEFORE = {
    "title": "Back programme",
    "status": "active",
    "start_date": "2026-03-02",
    "end_date": None,
    "days": [0, 2, 4],
    "sessions_per_day": 1,
    "reminder_time": "08:00",
    "notes": "",
    "therapist": "Ann Owner",
    "exercises": [
        {
            "exercise": "glute-bridge",
            "name": "Glute bridge",
            "order": 1,
            "dosage": {"sets": 3, "reps": 10, "hold_seconds": None, "per_side": False},
            "dose": "10 times, 3 sets",
            "therapist_note": "",
        },
        {
            "exercise": "side-plank",
            "name": "Side plank",
            "order": 2,
            "dosage": {"sets": 2, "reps": None, "hold_seconds": 15, "per_side": True},
            "dose": "Hold 15 s, each side, 2 sets",
            "therapist_note": "",
        },
    ],
}


def _changed(**edits) -> dict:
    after = copy.deepcopy(BEFORE)
    after.update(edits)
    return after


def _said(after: dict) -> list[str]:
    return [str(change) for change in snapshot_changes(BEFORE, after)]


def test_a_changed_dose_reads_as_before_and_after() -> None:
    after = _changed()
    after["exercises"][0]["dosage"]["sets"] = 4
    after["exercises"][1]["dosage"]["hold_seconds"] = 30
    after["exercises"][1]["dosage"]["per_side"] = False
    assert _said(after) == [
        "Glute bridge: Sets 3 → 4",
        "Side plank: Hold (seconds) 15 → 30",
        "Side plank: Each side yes → no",
    ]


def test_an_exercise_added_or_removed_is_named() -> None:
    after = _changed()
    after["exercises"] = [
        after["exercises"][0],
        {
            "exercise": "bird-dog",
            "name": "Bird dog",
            "order": 2,
            "dosage": {"sets": 2, "reps": 8},
            "dose": "8 times, 2 sets",
            "therapist_note": "",
        },
    ]
    assert _said(after) == ["Side plank: removed", "Bird dog: added"]


def test_the_status_dates_days_and_notes_read_in_words() -> None:
    after = _changed(
        status="paused",
        start_date="2026-03-09",
        end_date="2026-04-30",
        days=[0, 1, 2, 3, 4, 5, 6],
        sessions_per_day=2,
        notes="Easier after the scan.",
    )
    with override_settings(LANGUAGE_CODE="en-gb"):
        assert _said(after) == [
            "Status Active → Paused",
            "Start 02/03/2026 → 09/03/2026",
            "End — → 30/04/2026",
            "Days Mon, Wed, Fri → Every day",
            "Sessions a day 1 → 2",
            "Notes — → Easier after the scan.",
        ]


def test_a_note_and_an_order_change_on_an_exercise() -> None:
    after = _changed()
    after["exercises"][0]["therapist_note"] = "Slowly."
    after["exercises"].reverse()
    after["exercises"][0]["order"], after["exercises"][1]["order"] = 1, 2
    assert _said(after) == [
        "Side plank: Position 2 → 1",
        "Glute bridge: Position 1 → 2",
        "Glute bridge: Note — → Slowly.",
    ]


def test_the_versions_page_shows_each_version_against_the_one_before(
    client: Client, runner: SimpleNamespace
) -> None:
    prescription = runner.patient_a.prescriptions.get()
    prescription_record_version(prescription=prescription, user=runner.owner.user)
    runner.bridge_a.sets = 4
    runner.bridge_a.save()
    prescription_record_version(prescription=prescription, user=runner.owner.user)
    prescription_set_status(
        prescription=prescription, status=Prescription.Status.PAUSED, user=runner.owner.user
    )
    verified_login(client, runner.owner.user)

    page = _page(client, reverse("admin:patients_prescription_versions", args=[prescription.pk]))
    sections = page.select(".prescription-version")
    changes = [
        [item.get_text(strip=True) for item in section.select(".version-changes li")]
        for section in sections
    ]
    assert changes[0] == ["Status Active → Paused"]  # newest first
    assert changes[1] == ["Glute bridge (hip bridge): Sets — → 4"]
    assert sections[-1].select_one(".version-changes").get_text(strip=True) == (
        "The first version."
    )


def test_the_versions_page_takes_its_day_in_the_clinics_format(
    client: Client, runner: SimpleNamespace
) -> None:
    prescription = runner.patient_a.prescriptions.get()
    prescription_record_version(prescription=prescription, user=runner.owner.user)
    verified_login(client, runner.owner.user)
    url = reverse("admin:patients_prescription_versions", args=[prescription.pk])
    day = runner.patient_a.local_today(timezone.now())

    page = _page(client, f"{url}?on={day:%d/%m/%Y}")
    assert page.select_one("#on")["value"] == f"{day:%d/%m/%Y}"
    assert page.select_one("h2").get_text(strip=True).startswith(f"On {day:%d/%m/%Y}: version")
    page = _page(client, f"{url}?on=31/31/2026")
    assert "Give the day as the page writes one" in page.select_one(".errornote").get_text()


# One date format, the clinic's ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "written"), [("en-gb", "04/03/2026"), ("en-us", "03/04/2026")]
)
def test_the_same_day_reads_the_same_on_every_admin_page(
    client: Client, runner: SimpleNamespace, language: str, written: str
) -> None:
    prescription = runner.patient_a.prescriptions.get()
    with time_machine.travel(NOON, tick=False):
        _report(runner, score=8, qualities=["radiating"])  # a red flag: an alert too
        runner.bridge_a.sets = 5
        runner.bridge_a.save()
        prescription_record_version(prescription=prescription, user=runner.owner.user)
        verified_login(client, runner.owner.user)
        with override_settings(LANGUAGE_CODE=language):
            pages = {
                "alerts": reverse("admin:patients_alert_changelist"),
                "pain reports": reverse("admin:patients_painreport_changelist"),
                "versions": reverse("admin:patients_prescription_versions", args=[prescription.pk]),
                "weekly summary": reverse("admin:patients_patient_weekly_summary"),
            }
            for name, url in pages.items():
                text = _page(client, url).select_one("#content").get_text(" ", strip=True)
                assert written in text, f"{name}: {written} not in {text[:400]}"


def test_the_clinics_language_is_checked_when_the_portal_starts(monkeypatch) -> None:
    monkeypatch.setenv("PORTAL_LANGUAGE_CODE", "en-US")
    assert env_language_code("PORTAL_LANGUAGE_CODE", "en-gb") == "en-us"
    monkeypatch.delenv("PORTAL_LANGUAGE_CODE")
    assert env_language_code("PORTAL_LANGUAGE_CODE", "en-gb") == "en-gb"
    monkeypatch.setenv("PORTAL_LANGUAGE_CODE", "english")
    with pytest.raises(ConfigError, match="PORTAL_LANGUAGE_CODE"):
        env_language_code("PORTAL_LANGUAGE_CODE", "en-gb")


# Every input labelled --------------------------------------------------------------------------


def test_every_input_of_the_assign_form_has_a_name_a_screen_reader_says(
    client: Client, runner: SimpleNamespace
) -> None:
    verified_login(client, runner.owner.user)
    url = reverse("admin:patients_patient_assign") + f"?patients={runner.patient_a.pk}"
    form = _page(client, url).select_one("#content-main form")
    labelled = {label.get("for") for label in form.select("label[for]")}
    unnamed = [
        field.get("name")
        for field in form.select("input, select, textarea")
        if field.get("type") not in {"hidden", "submit"}
        and field.get("id") not in labelled
        and not field.get("aria-label")
    ]
    assert unnamed == []
    # Laid out as the admin's other forms: a label beside its field in a row of the fieldset.
    assert form.select("fieldset.aligned .form-row .flex-container label")


def test_the_dose_table_gives_its_help_as_tooltips_not_paragraphs(
    client: Client, runner: SimpleNamespace
) -> None:
    verified_login(client, runner.owner.user)
    prescription = runner.patient_a.prescriptions.get()
    page = _page(client, reverse("admin:patients_prescription_change", args=[prescription.pk]))
    table = page.select_one("#exercises-group")
    assert not table.select("tbody div.help, tbody p.help")
    for field in table.select("tbody tr.form-row input[type=number]"):
        assert field.get("title"), field.get("name")  # its bounds on hovering
