"""The patient list: figures a therapist can trust, in a constant number of queries."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from exercises.models import Exercise
from patients.models import (
    Alert,
    CheckOff,
    PainReport,
    Patient,
    PrescribedExercise,
    Prescription,
    User,
)
from tests.two_factor import verified_login

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=ZoneInfo("Europe/London"))  # a Friday


def add_patients(therapist, count: int) -> None:
    """Many patients with plans, check-offs, pain reports and alerts, in bulk."""
    bridge = Exercise.objects.get(slug="glute-bridge")
    start = len(User.objects.all())
    users = User.objects.bulk_create(
        User(email=f"bulk{start + n}@a.example", first_name="Bulk", last_name=f"Patient {n}")
        for n in range(count)
    )
    patients = Patient.objects.bulk_create(
        Patient(user=user, clinic=therapist.clinic, primary_therapist=therapist) for user in users
    )
    prescriptions = Prescription.objects.bulk_create(
        Prescription(
            patient=patient,
            therapist=therapist,
            title="Bridges",
            start_date=date(2026, 11, 1),
            reminder_time=time(18, 0),
        )
        for patient in patients
    )
    items = PrescribedExercise.objects.bulk_create(
        PrescribedExercise(prescription=p, exercise=bridge, reps=15) for p in prescriptions
    )
    CheckOff.objects.bulk_create(
        CheckOff(patient=p, prescribed_exercise=i, local_date=date(2026, 11, 18))
        for p, i in zip(patients, items, strict=True)
    )
    PainReport.objects.bulk_create(
        PainReport(patient=p, local_date=date(2026, 11, 18), score=3, moment="morning")
        for p in patients
    )
    Alert.objects.bulk_create(Alert(patient=p, cause=Alert.Cause.INACTIVE) for p in patients[::3])


def changelist_queries(client: Client, **params: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("admin:patients_patient_changelist"), params)
    assert response.status_code == 200
    return len(queries), response.content.decode()


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_the_list_runs_the_same_queries_for_10_and_1000_patients(
    client: Client, clinic_people: SimpleNamespace, library: None
) -> None:
    verified_login(client, clinic_people.owner.user)
    views = [{}, {"adherence": "low"}, {"alerts": "open"}, {"q": "Bulk"}, {"o": "-4"}]
    add_patients(clinic_people.owner, 9)
    small = [changelist_queries(client, **params)[0] for params in views]
    add_patients(clinic_people.owner, 990)
    assert Patient.objects.filter(clinic=clinic_people.clinic_a).count() == 1000
    large = [changelist_queries(client, **params)[0] for params in views]
    print(f"Patient list queries (plain, filters, search, sort): {small} for 10, {large} for 1,000")
    assert small == large, f"queries for 10 patients: {small}; for 1,000: {large}"


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_the_list_shows_adherence_pain_trend_alerts_and_next_reminder(
    client: Client, clinic_people: SimpleNamespace, library: None
) -> None:
    patient = clinic_people.patient_a
    bridge, plank = Exercise.objects.filter(slug__in=["glute-bridge", "front-plank"]).order_by(
        "slug"
    )
    prescription = Prescription.objects.create(
        patient=patient,
        therapist=clinic_people.owner,
        title="Two a day",
        start_date=date(2026, 11, 1),
        reminder_time=time(18, 0),
    )
    items = [
        PrescribedExercise.objects.create(prescription=prescription, exercise=e, order=n)
        for n, e in enumerate([bridge, plank], start=1)
    ]
    # Last 7 full days: 13–19 November, 2 exercises a day = 14 expected; 7 done.
    for offset in range(7):
        day = date(2026, 11, 13) + timedelta(days=offset)
        CheckOff.objects.create(patient=patient, prescribed_exercise=items[0], local_date=day)
    CheckOff.objects.create(
        patient=patient, prescribed_exercise=items[1], local_date=date(2026, 11, 20)
    )
    PainReport.objects.create(
        patient=patient,
        local_date=date(2026, 11, 18),
        score=3,
        moment="morning",
        created_at=NOW - timedelta(days=2),
    )
    PainReport.objects.create(
        patient=patient,
        local_date=date(2026, 11, 20),
        score=6,
        moment="running",
        created_at=NOW - timedelta(hours=1),
    )
    Alert.objects.create(patient=patient, cause=Alert.Cause.PAIN_RISING)

    verified_login(client, clinic_people.owner.user)
    _count, html = changelist_queries(client)
    row = html[html.index("patient@a.example") :][:2500]
    assert "50%" in row
    assert "6/10 ↑" in row
    assert ">1<" in row  # one open alert, linked
    assert "20/11/2026 18:00 (Europe/London)" in row  # the clinic's locale, en-gb

    _count, low = changelist_queries(client, adherence="mid")
    assert "patient@a.example" in low
    _count, high = changelist_queries(client, adherence="high")
    assert "patient@a.example" not in high
    _count, alerted = changelist_queries(client, alerts="open")
    assert "patient@a.example" in alerted
    _count, quiet = changelist_queries(client, alerts="none")
    assert "patient@a.example" not in quiet
    _count, by_colleague = changelist_queries(client, therapist=str(clinic_people.colleague.pk))
    assert "patient@a.example" not in by_colleague
    _count, found = changelist_queries(client, q=patient.user.last_name)
    assert "patient@a.example" in found


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_next_reminder_respects_days_quiet_hours_and_the_off_switch(
    clinic_people: SimpleNamespace, library: None
) -> None:
    from patients.selectors import patient_overviews

    patient = clinic_people.patient_a
    Prescription.objects.create(
        patient=patient,
        therapist=clinic_people.owner,
        title="Weekends",
        start_date=date(2026, 11, 1),
        days_mask=0b1100000,  # Saturday and Sunday
        reminder_time=time(7, 0),
    )
    overview = patient_overviews([patient])[patient.pk]
    assert overview.next_reminder == datetime(2026, 11, 21, 7, 0, tzinfo=ZoneInfo("Europe/London"))
    patient.quiet_hours_start, patient.quiet_hours_end = time(22, 0), time(8, 0)
    assert patient_overviews([patient])[patient.pk].next_reminder is None
    patient.quiet_hours_start, patient.quiet_hours_end = None, None
    patient.reminders_enabled = False
    assert patient_overviews([patient])[patient.pk].next_reminder is None
