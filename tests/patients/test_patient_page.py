"""The patient page: programme, pain chart, adherence calendar, CSV export."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, time, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from exercises.models import Exercise
from patients.models import CheckOff, PainReport, PrescribedExercise, Prescription
from tests.two_factor import verified_login

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=ZoneInfo("Europe/London"))


@pytest.fixture
def patient_with_history(clinic_people: SimpleNamespace, library: None) -> SimpleNamespace:
    patient = clinic_people.patient_a
    prescription = Prescription.objects.create(
        patient=patient,
        therapist=clinic_people.owner,
        title="Bridges and planks",
        start_date=date(2026, 11, 9),
        reminder_time=time(18, 0),
    )
    bridge = PrescribedExercise.objects.create(
        prescription=prescription,
        exercise=Exercise.objects.get(slug="glute-bridge"),
        reps=12,
        hold_seconds=10,
        therapist_note="Slow on the way down",
    )
    plank = PrescribedExercise.objects.create(
        prescription=prescription,
        exercise=Exercise.objects.get(slug="front-plank"),
        order=2,
        hold_seconds=30,
    )
    for offset in range(10):
        day = date(2026, 11, 9) + timedelta(days=offset)
        CheckOff.objects.create(patient=patient, prescribed_exercise=bridge, local_date=day)
        if offset % 2 == 0:
            CheckOff.objects.create(patient=patient, prescribed_exercise=plank, local_date=day)
    for day, score in [(date(2026, 11, 10), 5), (date(2026, 11, 15), 4), (date(2026, 11, 19), 2)]:
        PainReport.objects.create(
            patient=patient,
            local_date=day,
            score=score,
            moment="morning",
            created_at=datetime.combine(day, time(8, 0), tzinfo=ZoneInfo("Europe/London")),
        )
    PainReport.objects.create(
        patient=patient,
        local_date=date(2026, 11, 19),
        score=3,
        moment="running",
        qualities=["radiating"],
        note='=HYPERLINK("http://evil")',
        created_at=datetime(2026, 11, 19, 19, 0, tzinfo=ZoneInfo("Europe/London")),
    )
    return SimpleNamespace(patient=patient, prescription=prescription, people=clinic_people)


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_the_patient_page_shows_programme_and_charts(
    client: Client, patient_with_history: SimpleNamespace
) -> None:
    patient = patient_with_history.patient
    verified_login(client, patient_with_history.people.owner.user)
    html = client.get(reverse("admin:patients_patient_change", args=[patient.pk])).content.decode()
    assert "Bridges and planks" in html
    assert "Hold 10 s, 12 times" in html and "Slow on the way down" in html
    assert html.count('class="pain-point"') == 4
    assert 'class="baseline"' in html  # the patient's baseline of 4
    assert "Fri 20/11/2026: 0 of 2 done" in html  # today, under way
    assert "Thu 19/11/2026: 0 of 2 done" in html
    assert "Wed 18/11/2026: 1 of 2 done" in html
    assert "Tue 17/11/2026: 2 of 2 done" in html
    assert "Sun 08/11/2026: nothing due" in html  # before the programme started
    assert html.count('class="day ') == 84  # twelve weeks, one cell a day
    assert "Assign a programme" in html and "Export CSV" in html


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_csv_export_has_every_check_off_and_pain_report_and_no_formula(
    client: Client, patient_with_history: SimpleNamespace
) -> None:
    patient = patient_with_history.patient
    verified_login(client, patient_with_history.people.colleague.user)
    response = client.get(reverse("admin:patients_patient_export", args=[patient.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment;" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    kinds = [row["kind"] for row in rows]
    assert kinds.count("check-off") == 15
    assert kinds.count("pain report") == 4
    running = next(row for row in rows if row["when"] == "During or after running")
    assert running["what it feels like"] == "Radiating into the thigh or knee"
    assert running["note"].startswith("'=")  # shown as text, never run as a formula
    assert running["local time"] == "19:00"


@pytest.mark.django_db
def test_empty_charts_say_so(client: Client, clinic_people: SimpleNamespace, library: None) -> None:
    verified_login(client, clinic_people.owner.user)
    patient = clinic_people.patient_a
    html = client.get(reverse("admin:patients_patient_change", args=[patient.pk])).content.decode()
    assert "No pain reported yet" in html
    assert "No programme yet" in html
