"""What recording reads costs the admin's pages: one INSERT a page at most (a list's patients
in one bulk insert), and no other query. Run with -s to see the figures."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.audit.helpers import reads_not_recorded
from tests.factories import PatientFactory
from tests.two_factor import verified_login


def queries(client: Client, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
        assert response.status_code == 200, url
        if response.streaming:
            b"".join(response.streaming_content)
    return [query["sql"] for query in captured]


def pages(clinic) -> dict[str, str]:
    patient = clinic.patient_a
    prescription = patient.prescriptions.get()
    return {
        "patient list": reverse("admin:patients_patient_changelist"),
        "patient page": reverse("admin:patients_patient_change", args=[patient.pk]),
        "patient history": reverse("admin:patients_patient_history", args=[patient.pk]),
        "patient CSV export": reverse("admin:patients_patient_export", args=[patient.pk]),
        "pain report list": reverse("admin:patients_painreport_changelist"),
        "pain report page": reverse(
            "admin:patients_painreport_change", args=[patient.pain_reports.get().pk]
        ),
        "alert list": reverse("admin:patients_alert_changelist"),
        "check-off list": reverse("admin:patients_checkoff_changelist"),
        "prescription page": reverse("admin:patients_prescription_change", args=[prescription.pk]),
        "prescription versions": reverse(
            "admin:patients_prescription_versions", args=[prescription.pk]
        ),
    }


@pytest.mark.django_db
def test_a_read_adds_one_insert_and_no_other_query_to_each_admin_page(
    client: Client, clinic
) -> None:
    for _ in range(20):  # a list of 21 patients: still one INSERT
        PatientFactory(primary_therapist=clinic.owner)
    verified_login(client, clinic.owner.user)
    figures, failures = [], []
    for name, url in pages(clinic).items():
        queries(client, url)  # warm the caches (content types, sessions) alike for both runs
        with reads_not_recorded():
            before = queries(client, url)
        after = queries(client, url)
        added = [sql for sql in after if sql not in before]
        figures.append(f"{name}: {len(before)} → {len(after)}")
        inserts = [sql for sql in after if sql.startswith('INSERT INTO "audit_auditentry"')]
        if len(inserts) != 1 or len(after) > len(before) + 1:
            failures.append((name, added))
    print("\nQueries per admin page, reads not recorded → recorded:\n  " + "\n  ".join(figures))
    assert not failures
