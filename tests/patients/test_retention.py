"""Sent and skipped emails are deleted after RETENTION_DAYS, in batches; nothing still to send,
nothing failed, no alert, no check-off, no pain report and no prescription version ever is."""

from __future__ import annotations

import io
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

from patients.models import (
    Alert,
    CheckOff,
    Invitation,
    PainReport,
    Prescription,
    PrescriptionVersion,
    Reminder,
    WeeklyDigest,
)
from patients.retention import sent_emails_prune
from patients.services import prescription_record_version
from tests.patients.reminder_helpers import patient_with_programme

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def days_ago(days: int) -> datetime:
    return NOW - timedelta(days=days)


@pytest.fixture
def alex(clinic_people: SimpleNamespace, library: None):
    return patient_with_programme(clinic_people.owner)


def reminder(patient, age: int, delivery: str, kind: str = "reminder", session: int = 1):
    moment = days_ago(age)
    return Reminder.objects.create(
        prescription=Prescription.objects.get(patient=patient),
        patient=patient,
        local_date=moment.date(),
        session=session,
        kind=kind,
        due_at=moment,
        created_at=moment,
        delivery=delivery,
    )


@pytest.mark.django_db
def test_old_sent_and_skipped_emails_go_and_everything_else_stays(alex) -> None:
    gone = [
        reminder(alex, 100, "sent"),
        reminder(alex, 101, "skipped"),
        reminder(alex, 100, "sent", kind="follow_up"),
        Invitation.objects.create(user=alex.user, created_at=days_ago(200), delivery="sent"),
        WeeklyDigest.objects.create(
            therapist=alex.primary_therapist,
            week_start=date(2026, 6, 1),
            created_at=days_ago(175),
            delivery="skipped",
        ),
    ]
    kept = [
        reminder(alex, 102, "pending"),
        reminder(alex, 103, "sending"),
        reminder(alex, 104, "failed"),
        reminder(alex, 89, "sent"),  # not old enough
        Invitation.objects.create(user=alex.user, created_at=days_ago(200), delivery="failed"),
        Invitation.objects.create(user=alex.user, created_at=days_ago(10), delivery="sent"),
        # Alerts are clinical records: kept, sent or not, however old.
        Alert.objects.create(
            patient=alex, cause=Alert.Cause.HIGH_PAIN, created_at=days_ago(400), delivery="sent"
        ),
    ]
    exercise = Prescription.objects.get(patient=alex).exercises.first()
    CheckOff.objects.create(
        patient=alex, prescribed_exercise=exercise, local_date=date(2025, 1, 6), session=1
    )
    PainReport.objects.create(
        patient=alex, score=3, local_date=date(2025, 1, 6), created_at=days_ago(500)
    )
    PrescriptionVersion.objects.filter(prescription__patient=alex).update(created_at=days_ago(300))
    versions = PrescriptionVersion.objects.filter(prescription__patient=alex).count()

    report = sent_emails_prune(now=NOW)

    assert report.deleted == {"push": 0, "reminder": 3, "invitation": 1, "digest": 1}
    for row in gone:
        assert not type(row).objects.filter(pk=row.pk).exists(), row
    for row in kept:
        assert type(row).objects.filter(pk=row.pk).exists(), row
    assert CheckOff.objects.filter(patient=alex).count() == 1
    assert PainReport.objects.filter(patient=alex).count() == 1
    assert PrescriptionVersion.objects.filter(prescription__patient=alex).count() == versions
    assert sent_emails_prune(now=NOW).deleted == {
        "push": 0,
        "reminder": 0,
        "invitation": 0,
        "digest": 0,
    }


@pytest.mark.django_db
def test_a_prescriptions_versions_are_kept_for_its_history(alex) -> None:
    prescription = Prescription.objects.get(patient=alex)
    prescription_record_version(prescription=prescription, user=None)
    prescription.notes = "Slower on the way down."
    prescription.save()
    prescription_record_version(prescription=prescription, user=None)
    PrescriptionVersion.objects.update(created_at=days_ago(1000))
    sent_emails_prune(now=NOW, days=7)
    assert prescription.versions.count() == 2


@pytest.mark.django_db
def test_pruning_goes_in_batches(alex) -> None:
    for session in range(1, 13):
        reminder(alex, 120, "sent", session=session)
    report = sent_emails_prune(now=NOW, batch=5)
    assert report.deleted["reminder"] == 12
    # One statement for pushes (none), 5 + 5 + 2 reminders, then one each for invitations and
    # digests.
    assert report.statements == 1 + 3 + 1 + 1
    assert not Reminder.objects.exists()


@pytest.mark.django_db
def test_the_age_follows_the_retention_setting(alex) -> None:
    assert settings.RETENTION_DAYS == 90
    row = reminder(alex, 40, "sent")
    sent_emails_prune(now=NOW)
    assert Reminder.objects.filter(pk=row.pk).exists()
    with override_settings(RETENTION_DAYS=30):
        sent_emails_prune(now=NOW)
    assert not Reminder.objects.filter(pk=row.pk).exists()


@pytest.mark.django_db
def test_operators_prune_with_the_command(alex) -> None:
    reminder(alex, 365, "sent")
    reminder(alex, 365, "failed", session=2)
    out = io.StringIO()
    call_command("prune_sent_emails", stdout=out)
    assert out.getvalue().startswith("Older than 90 days: deleted 0 push(s), 1 reminder(s)")
    assert list(Reminder.objects.values_list("delivery", flat=True)) == ["failed"]


def test_beat_prunes_every_day() -> None:
    from portal.celery import app

    entry = next(
        entry
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] == "patients.prune_sent_emails"
    )
    assert entry["schedule"] == 86400.0
    assert "patients.prune_sent_emails" in app.tasks


@pytest.mark.parametrize(
    ("value", "expected"),
    [("30", "30"), ("3", "Configuration error: RETENTION_DAYS: expected a number between 7")],
)
def test_retention_days_comes_from_the_environment(value: str, expected: str) -> None:
    code = "from django.conf import settings; print(settings.RETENTION_DAYS)"
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        env={**_environment(), "RETENTION_DAYS": value},
        capture_output=True,
        text=True,
        timeout=60,
        cwd=settings.BASE_DIR,
    )
    assert expected in result.stdout + result.stderr


def _environment() -> dict[str, str]:
    import os

    return {
        name: value
        for name, value in os.environ.items()
        if name not in {"DJANGO_SETTINGS_MODULE", "RETENTION_DAYS"}
    }


@pytest.mark.django_db
def test_a_reminders_pushes_go_with_it_and_a_failed_push_keeps_its_reminder(alex) -> None:
    from patients.models import PushMessage, PushSubscription

    device = PushSubscription.objects.create(
        patient=alex, endpoint="https://fcm.googleapis.com/fcm/send/a", p256dh="A", auth="A"
    )
    pushed, failed_push, recent = (
        reminder(alex, 100, "sent"),
        reminder(alex, 101, "sent"),
        reminder(alex, 10, "sent"),
    )
    for sent_reminder, delivery in [(pushed, "sent"), (failed_push, "failed"), (recent, "sent")]:
        PushMessage.objects.create(
            reminder=sent_reminder,
            subscription=device,
            created_at=sent_reminder.due_at,
            delivery=delivery,
        )
    report = sent_emails_prune(now=NOW, batch=1)
    assert report.deleted["push"] == 1 and report.deleted["reminder"] == 1
    assert set(Reminder.objects.all()) == {failed_push, recent}
    assert set(PushMessage.objects.values_list("reminder_id", "delivery")) == {
        (failed_push.pk, "failed"),
        (recent.pk, "sent"),
    }
