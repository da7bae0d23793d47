"""The finding of issue 10: staff read pain reports, a patient page and a CSV export and left
no trace. Each read of patient data by staff now leaves an entry naming who, which patient and
what, in words a clinic admin understands."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from audit.models import AuditEntry
from tests.two_factor import verified_login


def reads(**filters) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(**filters).order_by("pk"))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url_name", "what"),
    [
        ("admin:patients_painreport_changelist", "Pain reports list"),
        ("admin:patients_painreport_change", "Pain report page"),
        ("admin:patients_patient_change", "Patient page: details, pain chart, adherence calendar"),
        ("admin:patients_patient_export", "Patient data export (CSV"),
        ("admin:patients_patient_history", "Patient: history of changes"),
        ("admin:patients_prescription_versions", "Prescription versions"),
        ("admin:patients_alert_change", "Alert page"),
    ],
)
def test_each_read_of_the_finding_leaves_an_entry_naming_who_which_patient_and_what(
    client: Client, clinic, url_name: str, what: str
) -> None:
    patient = clinic.patient_a
    args = {
        "admin:patients_painreport_changelist": [],
        "admin:patients_painreport_change": [patient.pain_reports.get().pk],
        "admin:patients_patient_change": [patient.pk],
        "admin:patients_patient_export": [patient.pk],
        "admin:patients_patient_history": [patient.pk],
        "admin:patients_prescription_versions": [patient.prescriptions.get().pk],
        "admin:patients_alert_change": [patient.alerts.get().pk],
    }[url_name]
    verified_login(client, clinic.colleague.user)
    before = AuditEntry.objects.filter(action__in=[3, 4]).count()

    assert client.get(reverse(url_name, args=args)).status_code == 200

    entries = reads(action__in=[3, 4])[before:]
    assert len(entries) == 1
    entry = entries[0]
    assert entry.actor == clinic.colleague.user
    assert entry.actor_name == str(clinic.colleague.user)
    assert (entry.patient_id, entry.patient_name) == (patient.pk, str(patient))
    assert entry.clinic_id == clinic.clinic_a.pk
    assert entry.what.startswith(what)
    expected = "export" if "export" in url_name else "read"
    assert entry.get_action_display() == expected


@pytest.mark.django_db
def test_a_list_leaves_one_entry_per_patient_on_the_page_in_one_insert(
    client: Client, clinic
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import PatientFactory

    for _ in range(3):
        PatientFactory(primary_therapist=clinic.owner)
    verified_login(client, clinic.owner.user)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("admin:patients_patient_changelist")).status_code == 200
    inserts = [q["sql"] for q in queries if q["sql"].startswith('INSERT INTO "audit_auditentry"')]
    assert len(inserts) == 1
    entries = reads(action=AuditEntry.Action.ACCESS)
    assert len(entries) == 4  # patient_a and three more; clinic B's patient is not on the page
    assert {e.what for e in entries} == {"Patients list"}
    assert clinic.patient_b.pk not in {e.patient_id for e in entries}


@pytest.mark.django_db
def test_a_patient_reading_their_own_pages_is_not_recorded(client: Client, clinic) -> None:
    client.force_login(clinic.patient_a.user)
    before = AuditEntry.objects.count()
    assert client.get("/history/").status_code == 200
    assert AuditEntry.objects.count() == before


@pytest.mark.django_db
def test_the_weekly_summary_leaves_an_entry_for_each_patient_it_shows(
    client: Client, clinic
) -> None:
    verified_login(client, clinic.owner.user)
    url = reverse("admin:patients_patient_weekly_summary")
    assert client.get(url).status_code == 200
    entry = AuditEntry.objects.get(action=AuditEntry.Action.ACCESS)
    assert entry.patient_id == clinic.patient_a.pk
    assert entry.actor == clinic.owner.user
    assert entry.what == "Weekly summary: adherence, last pain and open alerts"
