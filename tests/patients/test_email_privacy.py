"""Reminder and alert emails carry no health data: not in the subject, the text, the HTML or the
links. Rendered for many generated patients, with the worst data a clinic could hold."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from exercises.models import Exercise
from patients.delivery import Email
from patients.models import Alert, Clinic, Prescription, Reminder
from patients.reminders import prepare_alert, prepare_reminder
from patients.triage import pain_report_create
from tests.factories import PatientFactory, TherapistFactory

MOMENT = datetime(2026, 11, 20, 12, 0, tzinfo=ZoneInfo("Europe/London"))
DIAGNOSES = ["sciatica", "disc", "herniation", "stenosis", "spasm", "radiating", "tingling",
             "nerve", "back pain", "lumbar", "injury", "physio", "therapy", "pain"]  # fmt: skip


def links(text: str) -> list[str]:
    return re.findall(r"https?://[^\s\"'<>]+", text)


def assert_no_health_data(email: Email, forbidden: list[str], address: str) -> None:
    visible = "\n".join([email.subject, email.text, email.html])
    for phrase in forbidden:
        pattern = rf"(?<!\w){re.escape(phrase)}(?!\w)"
        assert not re.search(pattern, visible, re.IGNORECASE), (email.subject, phrase)
    for word in DIAGNOSES:
        assert not re.search(rf"\b{word}", visible, re.IGNORECASE), (email.subject, word)
    for link in links(visible):
        path = link.split("/", 3)[3] if link.count("/") >= 3 else ""
        # Only an alert's own number may appear (the therapist's admin link); no address, no
        # patient, prescription or report number.
        numbers = [part for part in path.split("/") if part.isdigit()]
        assert not numbers or path.startswith("admin/patients/alert/"), link
        assert address.split("@")[0].lower() not in link.lower(), link


@pytest.mark.django_db
def test_no_health_data_in_reminder_or_alert_emails(library: None) -> None:
    clinic = Clinic.objects.create(
        name="Lumbar Spine & Sciatica Physiotherapy", time_zone="Europe/London"
    )
    therapist = TherapistFactory(clinic=clinic, user__first_name="Robin")
    exercises = list(Exercise.objects.all())
    checked = 0
    with time_machine.travel(MOMENT, tick=False):
        for number in range(60):
            patient = PatientFactory(
                primary_therapist=therapist,
                pain_baseline=number % 5,
                time_zone="Europe/London",
                # Names of their own, so that no patient shares the therapist's first name.
                user__first_name=f"Casey{number}",
                user__last_name=f"Lindqvist{number}",
            )
            prescription = Prescription.objects.create(
                patient=patient,
                therapist=therapist,
                title="Sciatica rehab: lumbar disc protocol",
                start_date=date(2026, 11, 1),
                reminder_time=time(11, 30),
                notes="Herniated L5 disc, avoid flexion",
            )
            prescription.exercises.create(exercise=exercises[number % len(exercises)], reps=12)
            emails = []
            for kind in (Reminder.Kind.REMINDER, Reminder.Kind.FOLLOW_UP):
                reminder = Reminder.objects.create(
                    prescription=prescription,
                    patient=patient,
                    local_date=date(2026, 11, 20),
                    kind=kind,
                    due_at=timezone.now(),
                )
                emails.append(prepare_reminder(reminder, timezone.now()))
            report = pain_report_create(
                patient=patient,
                score=7 + number % 4,
                moment="running",
                qualities=["radiating", "tingling"],
                severe_spasm=True,
                note="Shooting pain down my left leg",
            )
            emails += [prepare_alert(alert, timezone.now()) for alert in report.alerts.all()]
            assert len(emails) == 5  # two reminders; red flag, high pain, rising pain alerts

            forbidden = [
                clinic.name,
                "Lumbar",
                "Sciatica",
                prescription.title,
                prescription.notes,
                report.note,
                patient.user.last_name,
                patient.user.email,
                f"{report.score}/10",
                *(exercise.name for exercise in exercises),
                *(alert.get_cause_display() for alert in report.alerts.all()),
            ]
            for email in emails:
                assert_no_health_data(email, forbidden, patient.user.email)
                checked += 1
            reminder_text = emails[0].text
            assert patient.user.first_name in reminder_text
            assert "Your exercises for today are ready" in emails[0].subject
            assert emails[2].subject == "Soon: a patient needs your attention"
            # The therapist's email, greeting the therapist: the patient's name is not a word of
            # it (though "Alex" is the start of a therapist called Alexander).
            patient_name = rf"\b{re.escape(patient.user.first_name)}\b"
            assert not re.search(patient_name, emails[2].text)
    assert checked == 300
    assert Alert.objects.count() == 180


@pytest.mark.django_db
def test_the_check_catches_a_leak() -> None:
    """The same check fails on an email that names the exercise, the pain, or the patient."""
    leaks = [
        Email("a@example.com", "Time for your Glute bridge", "", ""),
        Email("a@example.com", "Reminder", "Your pain was 7/10 yesterday.", ""),
        Email("a@example.com", "Reminder", "", '<a href="https://x.example/patients/42/">go</a>'),
        Email("alex.moreno@example.com", "Reminder", "https://x.example/u/alex.moreno", ""),
    ]
    for email in leaks:
        with pytest.raises(AssertionError):
            assert_no_health_data(email, ["Glute bridge"], email.to)


@pytest.mark.django_db
def test_the_weekly_digest_names_no_patient_and_no_figure(library: None) -> None:
    from patients.models import WeeklyDigest
    from patients.reminders import prepare_digest

    therapist = TherapistFactory(user__first_name="Robin")
    patients = [
        PatientFactory(
            primary_therapist=therapist,
            user__first_name=f"Casey{number}",
            user__last_name=f"Lindqvist{number}",
        )
        for number in range(3)
    ]
    with time_machine.travel(MOMENT, tick=False):
        for patient in patients:
            pain_report_create(
                patient=patient, score=8, moment="running", qualities=[], note="Sharp pain"
            )
        digest = WeeklyDigest.objects.create(therapist=therapist, week_start=date(2026, 11, 16))
        email = prepare_digest(digest, timezone.now())
    forbidden = [
        "8/10",
        "Sharp pain",
        *(patient.user.first_name for patient in patients),
        *(patient.user.last_name for patient in patients),
        *(patient.user.email for patient in patients),
    ]
    for patient in patients:
        assert_no_health_data(email, forbidden, patient.user.email)
    assert "%" not in email.text and "adherence" not in email.text.lower()
    assert email.subject == "Your weekly summary is ready"
    assert "/admin/patients/patient/weekly-summary/" in email.text
