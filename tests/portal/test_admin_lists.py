"""Every list a therapist or a clinic admin opens runs the same number of queries for a clinic of
10 patients as for one of 50: each filter and each sort of the patient list, and the other lists
plain, filtered and sorted. Run with -s to see the figures."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
import time_machine
from django.contrib import admin
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from patients.models import Therapist
from tests.audit.helpers import reads_not_recorded
from tests.bulk import clinic_patients_create
from tests.factories import TherapistFactory
from tests.two_factor import verified_login

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def sorts(model_admin_name: str, *, both_ways: bool = False) -> list[str]:
    """`o=` for each column of the list (a column that does not sort is ignored by the admin)."""
    app_label, model = model_admin_name.split("_", 1)
    model_admin = next(
        ma
        for m, ma in admin.site._registry.items()
        if (m._meta.app_label, m._meta.model_name) == (app_label, model)
    )
    columns = range(1, len(model_admin.list_display) + 1)
    return [f"o={sign}{n}" for n in columns for sign in (["", "-"] if both_ways else [""])]


# (changelist, query string): "{therapist}", "{patient}" and "{person}" are filled in.
LISTS: dict[str, list[str]] = {
    "patients_patient": [
        "",
        "therapist={therapist}",
        "alerts=open",
        "alerts=none",
        "adherence=low",
        "adherence=mid",
        "adherence=high",
        "adherence=none",
        "q=Bulk",
        "adherence=low&alerts=open&o=-4",
        *sorts("patients_patient", both_ways=True),
    ],
    "patients_prescription": [
        "",
        "status__exact=active",
        "therapist={therapist}",
        "q=Bulk",
        *sorts("patients_prescription"),
    ],
    "patients_checkoff": ["", "q=Bulk", *sorts("patients_checkoff")],
    "patients_painreport": [
        "",
        "red_flag__exact=1",
        "moment__exact=morning",
        "created_at__year=2026",
        "q=Bulk",
        *sorts("patients_painreport"),
    ],
    "patients_alert": [
        "",
        "status__exact=open",
        "cause__exact=high_pain",
        "delivery__exact=pending",
        *sorts("patients_alert"),
    ],
    "patients_reminder": [
        "",
        "delivery__exact=sent",
        "kind__exact=reminder",
        "due_at__year=2026",
        *sorts("patients_reminder"),
    ],
    "patients_screenrequest": ["", "status__exact=done", *sorts("patients_screenrequest")],
    "patients_screenresult": ["", *sorts("patients_screenresult")],
    "patients_therapist": ["", *sorts("patients_therapist")],
    "patients_clinic": [""],
    "patients_clinicwording": [""],
    "audit_auditentry": [
        "",
        "person={person}",
        "patient={patient}",
        "action__exact=3",
        "timestamp__gte=2026-11-13T00:00:00%2B00:00",
        "q=Bulk",
        *sorts("audit_auditentry"),
    ],
    "exercises_exercise": ["", "kind__exact=screen", *sorts("exercises_exercise")],
    "exercises_programtemplate": ["", *sorts("exercises_programtemplate")],
    "exercises_educationcard": [""],
    "exercises_source": ["", *sorts("exercises_source")],
    "exercises_disagreement": ["", *sorts("exercises_disagreement")],
}


def query_counts(
    client: Client, people: SimpleNamespace, *, plain_only: bool = False
) -> dict[tuple[str, str], int]:
    counts = {}
    for name, queries in LISTS.items():
        url = reverse(f"admin:{name}_changelist")
        for query in queries[:1] if plain_only else queries:
            filled = query.format(
                therapist=people.owner.pk,
                patient=people.patient_a.pk,
                person=people.owner.user_id,
            )
            with CaptureQueriesContext(connection) as captured:
                response = client.get(f"{url}?{filled}")
            assert response.status_code == 200, (name, query, response.status_code)
            counts[name, query] = len(captured)
    return counts


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_every_admin_list_runs_as_many_queries_for_50_patients_as_for_10(
    client: Client, clinic_people: SimpleNamespace, library: None
) -> None:
    people = clinic_people
    clinic_admin = TherapistFactory(clinic=people.clinic_a, role=Therapist.Role.CLINIC_ADMIN)
    verified_login(client, clinic_admin.user)
    # With patient_a, 10: enough for someone in each adherence band (an empty page skips the
    # query for the next reminders).
    clinic_patients_create(people.owner, 9, NOW)
    with reads_not_recorded():
        query_counts(client, people, plain_only=True)  # warm the caches (content types…)
        small = query_counts(client, people)
        clinic_patients_create(people.owner, 40, NOW)
        large = query_counts(client, people)
    differ = {key: (small[key], large[key]) for key in small if small[key] != large[key]}
    print(
        "\nQueries per admin list (10 patients, 50 patients):\n  "
        + "\n  ".join(f"{name}?{query}: {small[name, query]}" for name, query in small)
    )
    assert not differ, f"queries that grow with the clinic: {differ}"
