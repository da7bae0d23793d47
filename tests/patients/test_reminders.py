"""Reminders: recorded once when due in the patient's own day, sent once, skipped when done."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse

from patients.models import Alert, CheckOff, PainReport, Prescription, Reminder, WeeklyDigest
from patients.reminders import digests_schedule, inactivity_check, reminders_tick
from tests.mail import FlakyBackend
from tests.patients.reminder_helpers import (
    change_prescriptions,
    patient_with_programme,
    sent_to,
    tick,
)
from tests.two_factor import verified_login

LONDON = ZoneInfo("Europe/London")
FRIDAY = date(2026, 11, 20)


def at(hour: int, minute: int = 0, day: date = FRIDAY, zone: ZoneInfo = LONDON) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=zone)


@pytest.fixture
def alex(clinic_people: SimpleNamespace, library: None):
    mail.outbox.clear()
    return patient_with_programme(
        clinic_people.owner, user__first_name="Alex", user__last_name="Moreno"
    )


@pytest.mark.django_db
def test_a_due_reminder_is_recorded_and_sent_once(alex) -> None:
    tick(at(17, 59))
    assert not Reminder.objects.exists()
    tick(at(18, 0))
    tick(at(18, 1))
    tick(at(18, 1))  # a second beat at the same minute
    reminder = Reminder.objects.get()
    assert (reminder.local_date, reminder.session, reminder.kind) == (FRIDAY, 1, "reminder")
    assert reminder.due_at == at(18, 0)
    assert reminder.delivery == Reminder.Delivery.SENT
    messages = sent_to(alex.user.email)
    assert len(messages) == 1
    assert messages[0].subject == "Your exercises for today are ready"
    assert "Alex" in messages[0].body


@pytest.mark.django_db
def test_a_reminder_missed_while_beat_was_down_still_goes_out_if_not_too_late(alex) -> None:
    tick(at(19, 30))  # beat was down from 17:55 to 19:30
    assert len(sent_to(alex.user.email)) == 1
    mail.outbox.clear()
    other = patient_with_programme(alex.primary_therapist, at=time(15, 0))
    tick(at(19, 31))  # three and a half hours late: the day has moved on
    assert not Reminder.objects.filter(patient=other).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "change",
    [
        {"reminders_enabled": False},
        {"quiet_hours_start": time(17, 0), "quiet_hours_end": time(19, 0)},
        {"quiet_hours_start": time(17, 30), "quiet_hours_end": time(7, 0)},
    ],
)
def test_no_reminder_when_off_or_in_quiet_hours(alex, change: dict[str, object]) -> None:
    for name, value in change.items():
        setattr(alex, name, value)
    alex.save()
    tick(at(18, 5))
    assert not Reminder.objects.exists()
    assert mail.outbox == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    "change",
    [
        {"status": Prescription.Status.PAUSED},
        {"status": Prescription.Status.FINISHED},
        {"start_date": date(2026, 11, 21)},
        {"end_date": date(2026, 11, 19), "start_date": date(2026, 11, 1)},
        {"days_mask": 0b0001111},  # Monday to Thursday; the 20th is a Friday
    ],
)
def test_no_reminder_outside_the_prescriptions_days_dates_and_status(
    alex,
    change: dict[str, object],
) -> None:
    change_prescriptions(alex, **change)
    tick(at(18, 5))
    assert not Reminder.objects.exists()


@pytest.mark.django_db
def test_the_reminder_follows_the_patients_own_zone(
    clinic_people: SimpleNamespace, library: None
) -> None:
    auckland = patient_with_programme(clinic_people.owner, zone="Pacific/Auckland", at=time(7, 0))
    # 07:00 on Saturday 21 November in Auckland is 18:00 UTC on Friday the 20th.
    tick(datetime(2026, 11, 20, 17, 59, tzinfo=ZoneInfo("UTC")))
    assert not Reminder.objects.exists()
    tick(datetime(2026, 11, 20, 18, 0, tzinfo=ZoneInfo("UTC")))
    assert Reminder.objects.get(patient=auckland).local_date == date(2026, 11, 21)


@pytest.mark.django_db
def test_the_reminder_is_skipped_when_the_exercises_are_done(alex) -> None:
    for item in Prescription.objects.get(patient=alex).exercises.all():
        CheckOff.objects.create(patient=alex, prescribed_exercise=item, local_date=FRIDAY)
    tick(at(18, 0))
    reminder = Reminder.objects.get()
    assert reminder.delivery == Reminder.Delivery.SKIPPED
    assert reminder.last_error == "the session's exercises are done"
    assert mail.outbox == []


@pytest.mark.django_db
def test_each_session_of_the_day_gets_its_own_reminder(
    clinic_people: SimpleNamespace, library: None
) -> None:
    mail.outbox.clear()
    patient = patient_with_programme(clinic_people.owner, at=time(8, 0), sessions=3)
    for hour in range(8, 16):
        tick(at(hour, 0))
    sessions = list(
        Reminder.objects.filter(kind="reminder")
        .order_by("session")
        .values_list("session", "due_at")
    )
    assert sessions == [(1, at(8)), (2, at(11)), (3, at(14))]
    assert not Reminder.objects.filter(kind="follow_up").exists()  # not before 17:00
    assert len(sent_to(patient.user.email)) == 3


@pytest.mark.django_db
def test_two_prescriptions_due_together_make_one_email(alex) -> None:
    second = Prescription.objects.get(patient=alex)
    second.pk = None
    second.save()
    tick(at(18, 0))
    assert Reminder.objects.count() == 2
    assert len(sent_to(alex.user.email)) == 1


@pytest.mark.django_db
def test_one_follow_up_only_when_nothing_was_logged(alex) -> None:
    tick(at(18, 0))
    for minutes in range(0, 120, 10):
        tick(at(19) + timedelta(minutes=minutes))
    assert len(sent_to(alex.user.email)) == 1  # three hours after 18:00 is 21:00
    tick(at(21, 0))
    assert not Reminder.objects.filter(kind="follow_up").exists()  # never late in the evening

    mail.outbox.clear()
    change_prescriptions(alex, reminder_time=time(9, 0))
    saturday = date(2026, 11, 21)
    tick(at(9, 0, saturday))
    tick(at(12, 0, saturday))
    tick(at(12, 30, saturday))
    tick(at(15, 0, saturday))
    follow_ups = Reminder.objects.filter(kind="follow_up")
    assert follow_ups.count() == 1
    messages = sent_to(alex.user.email)
    assert [m.subject for m in messages] == [
        "Your exercises for today are ready",
        "Still time for your exercises today",
    ]

    sunday = date(2026, 11, 22)
    tick(at(9, 0, sunday))
    PainReport.objects.create(patient=alex, local_date=sunday, score=2, moment="morning")
    tick(at(12, 5, sunday))
    assert Reminder.objects.filter(kind="follow_up", local_date=sunday).count() == 0


@pytest.mark.django_db
def test_no_follow_up_in_quiet_hours(alex) -> None:
    alex.quiet_hours_start, alex.quiet_hours_end = time(20, 30), time(7, 0)
    alex.save()
    change_prescriptions(alex, reminder_time=time(17, 0))
    tick(at(17, 0))
    tick(at(20, 45))
    assert not Reminder.objects.filter(kind="follow_up").exists()


@pytest.mark.django_db
@override_settings(EMAIL_BACKEND="tests.mail.FlakyBackend")
def test_transient_mail_errors_retry_with_backoff_then_fail_in_the_admin(
    alex,
    client: Client,
) -> None:
    FlakyBackend.failures = 2
    tick(at(18, 0))
    reminder = Reminder.objects.get()
    assert reminder.delivery == Reminder.Delivery.PENDING
    assert reminder.attempts == 1
    assert "SMTPServerDisconnected" in reminder.last_error
    delay = (reminder.next_attempt_at - at(18, 0)).total_seconds()
    assert 15 <= delay <= 30  # the first backoff, with jitter
    # The retry went to Redis with that countdown; no worker runs here, so the tick hands the
    # row over again once the message counts as lost.
    tick(at(18, 1))
    reminder.refresh_from_db()
    assert reminder.attempts == 1
    tick(at(18, 16))
    reminder.refresh_from_db()
    assert reminder.attempts == 2
    assert 30 <= (reminder.next_attempt_at - at(18, 16)).total_seconds() <= 60
    tick(at(18, 32))
    reminder.refresh_from_db()
    assert reminder.delivery == Reminder.Delivery.SENT and reminder.attempts == 3
    assert len(sent_to(alex.user.email)) == 1

    mail.outbox.clear()
    FlakyBackend.failures = 99
    change_prescriptions(alex, reminder_time=time(9, 0))
    saturday = date(2026, 11, 21)
    for minutes in range(0, 80, 16):
        tick(at(9, 0, saturday) + timedelta(minutes=minutes))
    failed = Reminder.objects.get(local_date=saturday)
    assert failed.delivery == Reminder.Delivery.FAILED and failed.attempts == 5
    FlakyBackend.failures = 0

    verified_login(client, alex.primary_therapist.user)
    listing = client.get(
        reverse("admin:patients_reminder_changelist"), {"delivery__exact": "failed"}
    )
    assert alex.user.get_full_name() in listing.content.decode()
    client.post(
        reverse("admin:patients_reminder_changelist"),
        {"action": "retry_now", "_selected_action": [failed.pk]},
    )
    tick(at(10, 10, saturday))
    failed.refresh_from_db()
    assert failed.delivery == Reminder.Delivery.SENT
    assert len(sent_to(alex.user.email)) == 1


@pytest.mark.django_db
def test_the_backoff_is_capped_well_under_the_visibility_timeout() -> None:
    from django.conf import settings

    from patients.delivery import BACKOFF_CAP_SECONDS, backoff_seconds

    delays = [backoff_seconds(attempt) for attempt in range(1, 30)]
    assert max(delays) <= BACKOFF_CAP_SECONDS
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] >= BACKOFF_CAP_SECONDS * 4
    assert delays[0] < delays[3]


@pytest.mark.django_db
def test_the_signed_link_turns_reminders_off_without_logging_in(alex) -> None:
    tick(at(18, 0))
    message = sent_to(alex.user.email)[0]
    link = re.search(r"To stop these reminders: (\S+)", message.body).group(1)
    assert link.startswith("http://127.0.0.1:8000/reminders/off/")
    assert link in message.alternatives[0][0]
    assert message.extra_headers["List-Unsubscribe"] == f"<{link}>"
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    path = link.split("127.0.0.1:8000", 1)[1]
    client = Client(enforce_csrf_checks=True)
    page = client.get(path)
    assert "Turn reminders off" in page.content.decode()
    alex.refresh_from_db()
    assert alex.reminders_enabled  # looking does not change anything
    done = client.post(path, {"List-Unsubscribe": "One-Click"})
    assert "Reminders are off" in done.content.decode()
    alex.refresh_from_db()
    assert alex.reminders_enabled is False
    assert client.post(path[:-3] + "xx/").status_code == 404


@pytest.mark.django_db
def test_inactivity_raises_one_alert_until_acknowledged(alex, client: Client) -> None:
    with time_machine.travel(at(12), tick=False):
        assert inactivity_check() == 1
        assert inactivity_check() == 1  # tried again: the open alert stands alone
    alert = Alert.objects.get()
    assert alert.cause == Alert.Cause.INACTIVE
    CheckOff.objects.create(
        patient=alex,
        prescribed_exercise=Prescription.objects.get(patient=alex).exercises.first(),
        local_date=FRIDAY,
    )
    with time_machine.travel(at(13), tick=False):
        inactivity_check()
    assert Alert.objects.count() == 1

    verified_login(client, alex.primary_therapist.user)
    client.post(
        reverse("admin:patients_alert_changelist"),
        {"action": "acknowledge", "_selected_action": [alert.pk]},
    )
    with time_machine.travel(at(12, day=date(2026, 11, 25)), tick=False):
        inactivity_check()
    assert Alert.objects.filter(status="open").count() == 1
    assert Alert.objects.count() == 2


@pytest.mark.django_db
def test_an_alert_emails_the_therapist_once_with_a_link_to_the_admin(alex) -> None:
    from patients.triage import pain_report_create

    with time_machine.travel(at(10), tick=False):
        pain_report_create(patient=alex, score=8, moment="running", qualities=["radiating"])
    tick(at(10, 1))
    tick(at(10, 2))
    therapist = alex.primary_therapist.user
    messages = sent_to(therapist.email)
    assert len(messages) == 3  # red flag, pain of 7 or more, pain up on the baseline
    assert {m.subject for m in messages} == {"Soon: a patient needs your attention"}
    alert = Alert.objects.filter(cause=Alert.Cause.RED_FLAG).get()
    assert (
        f"/admin/patients/alert/{alert.pk}/change/"
        in messages[0].body + messages[1].body + messages[2].body
    )
    assert all(a.delivery == "sent" for a in Alert.objects.all())


@pytest.mark.django_db
def test_an_alert_acknowledged_before_its_email_is_not_sent(alex) -> None:
    from patients.services import alert_acknowledge

    alert = Alert.objects.create(patient=alex, cause=Alert.Cause.HIGH_PAIN)
    alert_acknowledge(alert=alert, user=alex.primary_therapist.user)
    tick(at(10))
    alert.refresh_from_db()
    assert alert.delivery == "skipped"
    assert alert.last_error == "acknowledged before the email went out"
    assert mail.outbox == []


def clinic_people_outsider(patient):
    from patients.models import Therapist

    return Therapist.objects.exclude(clinic=patient.clinic).get()


@pytest.mark.django_db
def test_the_weekly_digest_goes_out_monday_morning_in_the_clinics_zone(alex) -> None:
    monday = date(2026, 11, 23)
    clinic = alex.clinic
    clinic.time_zone = "America/New_York"
    clinic.save()
    outsider = clinic_people_outsider(alex)
    with time_machine.travel(at(8, day=monday), tick=False):  # 03:00 in New York
        digests_schedule()
    assert list(WeeklyDigest.objects.values_list("therapist", flat=True)) == [outsider.pk]
    with time_machine.travel(at(13, day=monday), tick=False):  # 08:00 in New York
        digests_schedule()
        digests_schedule()
    assert WeeklyDigest.objects.filter(therapist__clinic=clinic).count() == 2
    assert WeeklyDigest.objects.filter(therapist=alex.primary_therapist).count() == 1
    tick(at(13, 1, monday))
    digest = sent_to(alex.primary_therapist.user.email)[0]
    assert digest.subject == "Your weekly summary is ready"
    assert "http://127.0.0.1:8000/admin/patients/patient/weekly-summary/" in digest.body
    # The email says only that the summary is ready: the patients are behind the login.
    for private in (alex.user.first_name, alex.user.last_name, "adherence", "pain", "%"):
        assert private not in digest.body and private not in digest.alternatives[0][0]
    with time_machine.travel(at(13, day=date(2026, 11, 24)), tick=False):
        digests_schedule()
    assert WeeklyDigest.objects.count() == 3  # nothing new on Tuesday


@pytest.mark.django_db
def test_send_due_reminders_runs_the_same_tick(alex) -> None:
    import io

    out = io.StringIO()
    with time_machine.travel(at(18, 2), tick=False):
        call_command("send_due_reminders", stdout=out)
    assert "1 reminder(s) and 0 follow-up(s) recorded" in out.getvalue()
    assert "handed to the workers: 1 reminder(s)" in out.getvalue()
    assert Reminder.objects.get().enqueued_at is not None
    with time_machine.travel(at(18, 3), tick=False):
        assert reminders_tick().to_dispatch["reminder"] == []  # already in Redis
    with time_machine.travel(at(18, 2) + timedelta(minutes=16), tick=False):
        # The message was lost (no worker took it): handed over again, still sent once.
        assert reminders_tick().to_dispatch["reminder"] == [Reminder.objects.get().pk]
