"""Push reminders: recorded per device when the reminder is needed, sent once through a push
service (a local stand-in that checks the VAPID signature and decrypts what it gets, as the
browser would), retried when the service is busy, the device removed when it has expired, and
never a word about the patient's health."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from patients.delivery import MAX_ATTEMPTS
from patients.models import CheckOff, Patient, Prescription, PushMessage, PushSubscription, Reminder
from patients.push import EXPIRED, SubscriptionInfo, push_device_save
from patients.reminders import reminders_tick
from patients.tasks import send_outgoing
from tests.patients.reminder_helpers import change_prescriptions, patient_with_programme, sent_to
from tests.push_service import Device, PushService, VapidPair
from tests.two_factor import verified_login

LONDON = ZoneInfo("Europe/London")
FRIDAY = date(2026, 11, 20)
SATURDAY = date(2026, 11, 21)
READY = {"title": "Exercise portal", "body": "Your exercises for today are ready", "url": "/today/"}
STILL_TIME = {
    "title": "Exercise portal",
    "body": "Still time for your exercises today",
    "url": "/today/",
}


def at(hour: int, minute: int = 0, day: date = FRIDAY) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=LONDON)


@pytest.fixture
def vapid(settings) -> VapidPair:
    pair = VapidPair.new()
    settings.VAPID_PUBLIC_KEY, settings.VAPID_PRIVATE_KEY = pair.public, pair.private
    settings.VAPID_SUBJECT = pair.subject
    settings.PUSH_HTTP_HOSTS = ["127.0.0.1"]
    return pair


@pytest.fixture
def push_service(vapid: VapidPair):
    with PushService(vapid) as service:
        yield service


def subscribe(patient: Patient, device: Device, label: str = "Chrome on Android") -> None:
    keys = device.subscription()["keys"]
    push_device_save(
        patient=patient,
        subscription=SubscriptionInfo(device.endpoint, keys["p256dh"], keys["auth"]),
        device=label,
    )


def tick(moment: datetime) -> None:
    """One beat tick at `moment` and the workers' share of it, run here; the pushes a reminder
    task hands to Redis at once are sent here too, as a worker would."""
    with time_machine.travel(moment, tick=False):
        report = reminders_tick()
        for kind, ids in report.to_dispatch.items():
            if ids:
                send_outgoing.apply(args=[kind, ids])
        handed = PushMessage.objects.filter(delivery="pending").values_list("pk", flat=True)
        if handed:
            send_outgoing.apply(args=["push", list(handed)])


@pytest.fixture
def runner(clinic_people: SimpleNamespace, library: None) -> Patient:
    mail.outbox.clear()
    return patient_with_programme(
        clinic_people.owner, user__first_name="Alex", user__last_name="Moreno"
    )


@pytest.mark.django_db
def test_a_patient_with_email_off_gets_the_push_and_no_email(
    runner: Patient, push_service: PushService, client: Client
) -> None:
    runner.reminders_enabled = False
    runner.save()
    tick(at(18, 0))
    assert not Reminder.objects.exists()  # nothing wanted yet: email off, no device

    subscribe(runner, push_service.device("phone"))
    runner.refresh_from_db()
    assert runner.push_reminders
    tick(at(18, 1))
    assert push_service.problems == []
    assert push_service.delivered() == [READY]
    assert sent_to(runner.user.email) == []
    reminder = Reminder.objects.get()
    assert reminder.delivery == Reminder.Delivery.SENT
    assert reminder.last_error == "No email (email reminders are off); by push to 1 device"
    push = PushMessage.objects.get()
    assert (push.delivery, push.device, push.attempts) == ("sent", "Chrome on Android", 1)
    assert PushSubscription.objects.get().last_sent_at is not None
    received = push_service.received[0]
    assert received.headers["urgency"] == "normal"
    assert 3600 <= int(received.headers["ttl"]) <= 6 * 3600  # stale after a few hours

    tick(at(18, 2))  # and again: nothing more
    assert len(push_service.received) == 1

    verified_login(client, runner.primary_therapist.user)
    listing = client.get(reverse("admin:patients_reminder_changelist")).content.decode()
    assert "No email (email reminders are off); by push to 1 device" in listing
    assert "Chrome on Android: Sent" in listing


@pytest.mark.django_db
def test_a_patient_with_email_and_push_gets_both_on_every_device(
    runner: Patient, push_service: PushService
) -> None:
    subscribe(runner, push_service.device("phone"))
    subscribe(runner, push_service.device("laptop"), "Firefox on Windows")
    tick(at(18, 0))
    assert push_service.delivered("phone") == [READY]
    assert push_service.delivered("laptop") == [READY]
    assert [m.subject for m in sent_to(runner.user.email)] == [READY["body"]]
    assert Reminder.objects.get().last_error == ""


@pytest.mark.django_db
@pytest.mark.parametrize("email", [True, False])
@pytest.mark.parametrize("why", ["session done", "programme paused", "prescription paused"])
def test_a_done_session_or_a_paused_programme_gets_neither(
    runner: Patient, push_service: PushService, why: str, email: bool
) -> None:
    runner.reminders_enabled = email
    runner.save()
    subscribe(runner, push_service.device("phone"))
    if why == "session done":
        for item in Prescription.objects.get(patient=runner).exercises.all():
            CheckOff.objects.create(patient=runner, prescribed_exercise=item, local_date=FRIDAY)
    elif why == "programme paused":
        runner.refresh_from_db()
        runner.programme_held_at = at(9)
        runner.save()
    else:
        prescription = Prescription.objects.get(patient=runner)
        prescription.status = Prescription.Status.PAUSED
        prescription.save()
    tick(at(18, 0))
    tick(at(18, 30))
    assert push_service.received == []
    assert mail.outbox == []
    assert not PushMessage.objects.exists()


@pytest.mark.django_db
def test_a_push_goes_out_once_however_often_its_tasks_run(
    runner: Patient, push_service: PushService
) -> None:
    subscribe(runner, push_service.device("phone"))
    with time_machine.travel(at(18, 0), tick=False):
        report = reminders_tick()
        reminders = report.to_dispatch["reminder"]
        send_outgoing.apply(args=["reminder", reminders])
        Reminder.objects.update(delivery="pending")  # as if the task were delivered again
        send_outgoing.apply(args=["reminder", reminders])
        pushes = list(PushMessage.objects.values_list("pk", flat=True))
        assert len(pushes) == 1  # one per reminder and device: the database decides
        send_outgoing.apply(args=["push", pushes])
        send_outgoing.apply(args=["push", pushes])  # two workers, or a redelivered task
        reminders_tick()
    assert push_service.delivered() == [READY]


@pytest.mark.django_db
@pytest.mark.parametrize("busy", [429, 500, 503])
def test_a_busy_push_service_is_retried_with_backoff_then_the_push_fails(
    runner: Patient, push_service: PushService, busy: int, client: Client
) -> None:
    subscribe(runner, push_service.device("phone"))
    push_service.answers["phone"] = [busy, busy]
    tick(at(18, 0))
    push = PushMessage.objects.get()
    assert (push.delivery, push.attempts) == ("pending", 1)
    assert push.last_error.startswith(f"The push service is busy or down: {busy}")
    assert 15 <= (push.next_attempt_at - at(18, 0)).total_seconds() <= 30
    tick(at(18, 0) + timedelta(seconds=10))  # not due yet
    push.refresh_from_db()
    assert push.attempts == 1
    tick(at(18, 6))  # due, and the message in Redis counts as lost by now
    push.refresh_from_db()
    assert push.attempts == 2 and 30 <= (push.next_attempt_at - at(18, 6)).total_seconds() <= 60
    tick(at(18, 12))
    push.refresh_from_db()
    assert push.delivery == "sent" and push.attempts == 3
    assert push_service.delivered() == [READY]

    # A service that stays down: failed after MAX_ATTEMPTS, with its words, shown in the admin.
    push_service.answers["phone"] = [busy] * 99
    change_prescriptions(runner, reminder_time=time(9, 0))
    for minutes in range(0, 90, 11):
        tick(at(9, 0, SATURDAY) + timedelta(minutes=minutes))
    failed = PushMessage.objects.get(reminder__local_date=SATURDAY)
    assert (failed.delivery, failed.attempts) == ("failed", MAX_ATTEMPTS)
    assert str(busy) in failed.last_error
    assert PushSubscription.objects.filter(patient=runner).exists()  # busy is not gone

    verified_login(client, runner.primary_therapist.user)
    listing = client.get(reverse("admin:patients_reminder_changelist")).content.decode()
    assert f"Chrome on Android: Failed: The push service is busy or down: {busy}" in listing


@pytest.mark.django_db
@pytest.mark.parametrize("gone", [404, 410])
def test_an_expired_subscription_is_removed_and_its_push_kept_as_failed(
    runner: Patient, push_service: PushService, gone: int
) -> None:
    runner.reminders_enabled = False
    runner.save()
    subscribe(runner, push_service.device("phone"))
    push_service.answers["phone"] = [gone]
    tick(at(18, 0))
    push = PushMessage.objects.get()
    assert (push.delivery, push.attempts, push.last_error) == ("failed", 1, EXPIRED)
    assert push.subscription is None and push.device == "Chrome on Android"
    assert not PushSubscription.objects.exists()
    runner.refresh_from_db()
    assert runner.push_reminders is False
    tick(at(18, 0, SATURDAY))  # email off and no device left: nothing is wanted any more
    assert Reminder.objects.filter(local_date=SATURDAY).count() == 0
    assert len(push_service.received) == 1


@pytest.mark.django_db
@pytest.mark.parametrize("refusal", [400, 403, 413])
def test_a_refused_push_fails_at_once_with_the_services_answer(
    runner: Patient, push_service: PushService, refusal: int
) -> None:
    subscribe(runner, push_service.device("phone"))
    push_service.answers["phone"] = [refusal]
    tick(at(18, 0))
    push = PushMessage.objects.get()
    assert (push.delivery, push.attempts) == ("failed", 1)
    assert push.last_error.startswith(f"The push service refused the push: {refusal}")
    assert PushSubscription.objects.exists()


@pytest.mark.django_db
def test_no_push_ever_carries_health_data_and_follow_ups_reach_push_only_patients(
    runner: Patient, push_service: PushService
) -> None:
    runner.reminders_enabled = False
    runner.save()
    subscribe(runner, push_service.device("phone"))
    change_prescriptions(runner, reminder_time=time(9, 0))
    tick(at(9, 0))
    tick(at(12, 0))  # three hours on, nothing logged: the follow-up
    assert push_service.delivered() == [READY, STILL_TIME]
    assert mail.outbox == []
    prescription = Prescription.objects.get(patient=runner)
    private = [
        runner.user.first_name,
        runner.user.last_name,
        runner.user.email,
        runner.clinic.name,
        prescription.title,
        *(item.exercise.name for item in prescription.exercises.select_related("exercise")),
        "pain",
    ]
    for push in push_service.received:
        assert set(push.payload) == {"title", "body", "url"}
        text = str(push.payload).lower()
        assert not [word for word in private if word.lower() in text]


@pytest.mark.django_db
def test_without_vapid_keys_no_push_is_sent_and_email_goes_on(
    runner: Patient, push_service: PushService, settings
) -> None:
    subscribe(runner, push_service.device("phone"))
    settings.VAPID_PUBLIC_KEY = settings.VAPID_PRIVATE_KEY = ""
    tick(at(18, 0))
    assert not PushMessage.objects.exists()
    assert len(sent_to(runner.user.email)) == 1


@pytest.mark.django_db
def test_the_tick_takes_back_and_hands_over_pushes_in_its_usual_statements(
    runner: Patient, push_service: PushService
) -> None:
    """13 statements with nothing due (tests/benchmarks/scheduler.py): pushes add none."""
    subscribe(runner, push_service.device("phone"))
    tick(at(18, 0))

    def statements_at(moment: datetime) -> tuple[int, dict[str, list[int]], int]:
        with time_machine.travel(moment, tick=False), CaptureQueriesContext(connection) as q:
            report = reminders_tick()
        return len(q), report.to_dispatch, report.recovered

    idle, _, _ = statements_at(at(18, 5))
    push = PushMessage.objects.get()
    PushMessage.objects.update(delivery="sending", claimed_at=at(18, 5), claimed_by="dead")
    count, to_dispatch, recovered = statements_at(at(18, 10))  # its worker died
    assert count == idle
    assert recovered == 1 and to_dispatch["push"] == [push.pk]
    if connection.vendor == "postgresql":
        assert idle == 13


@pytest.mark.django_db
def test_a_push_service_that_does_not_answer_is_tried_again_later(
    runner: Patient, push_service: PushService
) -> None:
    from portal.redis_server import free_port

    subscribe(runner, Device("phone", f"http://127.0.0.1:{free_port()}/push/phone"))
    tick(at(18, 0))
    push = PushMessage.objects.get()
    assert (push.delivery, push.attempts) == ("pending", 1)
    assert push.last_error == "The push service (127.0.0.1) did not answer: ConnectionError"
    assert push.next_attempt_at > at(18, 0)
    assert PushSubscription.objects.exists()
