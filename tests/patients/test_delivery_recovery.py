"""Delivery that recovers quickly and fails honestly: a refused address fails at once with the
mail server's reason, a row that cannot be built fails alone, a dead worker's claims go out
again within minutes, a task delivered again takes back its own rows at once, and the tick
reports what it inserted."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.template import TemplateSyntaxError
from django.test import Client, override_settings
from django.urls import reverse

from patients import delivery
from patients.delivery import MAX_ATTEMPTS, claim, send_rows
from patients.models import Reminder, User
from patients.reminders import PREPARERS, due_reminders, record_reminders, reminders_tick
from patients.tasks import send_outgoing
from tests.mail import SmtpSink
from tests.patients.reminder_helpers import patient_with_programme, tick
from tests.two_factor import verified_login

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
FRIDAY = date(2026, 11, 20)
SIX_PM = datetime.combine(FRIDAY, time(18, 0), tzinfo=LONDON)
UNKNOWN_MAILBOX = "550 5.1.1 <gone@example.com>: Recipient address rejected: User unknown"


@pytest.fixture
def patients(clinic_people: SimpleNamespace, library: None) -> list:
    mail.outbox.clear()
    return [patient_with_programme(clinic_people.owner) for _ in range(4)]


def recorded_at_six(count: int) -> list[int]:
    reminders_tick(now=SIX_PM)
    ids = list(Reminder.objects.order_by("pk").values_list("pk", flat=True))
    assert len(ids) == count
    return ids


def states() -> dict[str, int]:
    return {
        state: Reminder.objects.filter(delivery=state).count()
        for state in ("pending", "sending", "sent", "skipped", "failed")
    }


class Clock:
    """The worker's clock in a test: starts at `start`, moves only when told."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


def send_with(prepare, ids: list[int], clock: Clock, token: str = "") -> delivery.SendReport:
    _prepare, preload, related = PREPARERS["reminder"]
    return send_rows(
        Reminder, ids, prepare, preload=preload, related=related, now=clock, token=token
    )


# A refusal by the mail server -------------------------------------------------------------------


def test_a_permanently_refused_address_fails_at_once_with_the_servers_reason(
    patients: list, client: Client
) -> None:
    gone, *others = patients
    User.objects.filter(pk=gone.user_id).update(email="gone@example.com")
    with SmtpSink(refuse={"gone@example.com": UNKNOWN_MAILBOX}) as sink:
        email = {"EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend"}
        with override_settings(**email, EMAIL_HOST="127.0.0.1", EMAIL_PORT=sink.port):
            tick(SIX_PM)
        assert sink.recipients() == sorted(p.user.email for p in others)
    refused = Reminder.objects.get(patient=gone)
    # Not five attempts over six minutes: the mailbox does not exist, and asking again will not
    # make it exist.
    assert refused.delivery == Reminder.Delivery.FAILED
    assert refused.attempts == 1
    assert "550 5.1.1" in refused.last_error and "User unknown" in refused.last_error
    assert refused.last_error.startswith("The mail server refused the address")
    assert states() == {"pending": 0, "sending": 0, "sent": 3, "skipped": 0, "failed": 1}

    # The therapist sees why, in the admin's list of failed deliveries.
    verified_login(client, gone.primary_therapist.user)
    listing = client.get(
        reverse("admin:patients_reminder_changelist"), {"delivery__exact": "failed"}
    ).content.decode()
    assert "550 5.1.1" in listing and gone.user.get_full_name() in listing


def test_a_temporary_refusal_is_retried_later(patients: list) -> None:
    busy, *_others = patients
    User.objects.filter(pk=busy.user_id).update(email="busy@example.com")
    greylisted = "451 4.7.1 <busy@example.com>: Recipient address rejected: Greylisted"
    with SmtpSink(refuse={"busy@example.com": greylisted}) as sink:
        email = {"EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend"}
        with override_settings(**email, EMAIL_HOST="127.0.0.1", EMAIL_PORT=sink.port):
            tick(SIX_PM)
        assert len(sink.recipients()) == 3
    row = Reminder.objects.get(patient=busy)
    assert row.delivery == Reminder.Delivery.PENDING and row.attempts == 1
    assert row.next_attempt_at > SIX_PM
    assert "451 4.7.1" in row.last_error


# A row that raises ------------------------------------------------------------------------------


def test_a_row_that_cannot_be_built_or_sent_fails_alone_and_strands_nothing(
    patients: list,
) -> None:
    broken_template, bad_address, raises_in_sender, fine = patients
    # An address no mail system takes (it would inject a header): Django refuses to build it.
    User.objects.filter(pk=bad_address.user_id).update(email="bad\naddress@example.com")
    ids = recorded_at_six(4)
    prepare = PREPARERS["reminder"][0]

    def prepare_with_faults(row, moment, batch):
        if row.patient_id == broken_template.pk:
            raise TemplateSyntaxError("Invalid block tag on line 3: 'endfor'")
        if row.patient_id == raises_in_sender.pk:
            raise RuntimeError("the clinic's name could not be read")
        return prepare(row, moment, batch)

    clock = Clock(SIX_PM)
    report = send_with(prepare_with_faults, ids, clock)
    assert [m.to for m in mail.outbox] == [[fine.user.email]]
    assert len(report.sent) == 1 and len(report.retry) == 3
    assert states()["sending"] == 0  # nothing is left waiting for a lease to run out
    errors = dict(Reminder.objects.values_list("patient_id", "last_error"))
    assert "TemplateSyntaxError" in errors[broken_template.pk]
    assert "RuntimeError: the clinic's name could not be read" in errors[raises_in_sender.pk]
    assert "newline" in errors[bad_address.pk].lower()

    # Bounded: each is tried MAX_ATTEMPTS times in all, then fails and shows in the admin.
    for _attempt in range(MAX_ATTEMPTS - 1):
        clock.now += timedelta(minutes=11)
        send_with(prepare_with_faults, ids, clock)
    failed = Reminder.objects.filter(delivery=Reminder.Delivery.FAILED)
    assert set(failed.values_list("patient_id", flat=True)) == {
        broken_template.pk,
        bad_address.pk,
        raises_in_sender.pk,
    }
    assert set(failed.values_list("attempts", flat=True)) == {MAX_ATTEMPTS}
    assert len(mail.outbox) == 1


def test_an_error_reading_the_batch_hands_every_row_back_at_once(patients: list) -> None:
    ids = recorded_at_six(4)

    def preload_fails(rows, moment):
        raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError):
        send_rows(Reminder, ids, PREPARERS["reminder"][0], preload=preload_fails, now=Clock(SIX_PM))
    # Back to pending and free to be handed over by the next tick, not held for a lease.
    assert states()["pending"] == 4
    report = reminders_tick(now=SIX_PM + timedelta(minutes=1))
    assert sorted(report.to_dispatch["reminder"]) == ids


# A worker that died -----------------------------------------------------------------------------


def test_a_task_delivered_again_takes_back_its_own_rows_at_once(patients: list) -> None:
    ids = recorded_at_six(4)
    task_id = "3f0c6a4e-9d1b-4c55-8a87-2f6f3b1c0d99"
    # The first delivery of the task claimed the batch, then its worker process was killed.
    claim(Reminder, ids, SIX_PM, token=task_id.replace("-", ""))
    assert states()["sending"] == 4
    with time_machine.travel(SIX_PM + timedelta(seconds=5), tick=False):
        # Celery hands the same message (the same task id) to another worker process.
        send_outgoing.apply(args=["reminder", ids], task_id=task_id)
        assert states()["sent"] == 4
        assert len(mail.outbox) == 4
        # Another task's claim is not taken: that worker may still be sending.
        Reminder.objects.update(delivery="sending", claimed_by="another-task")
        mail.outbox.clear()
        send_outgoing.apply(args=["reminder", ids], task_id=task_id)
        assert mail.outbox == [] and states()["sending"] == 4


def test_a_dead_workers_claims_go_out_on_the_first_tick_after_the_lease(patients: list) -> None:
    ids = recorded_at_six(4)
    lease = timedelta(seconds=settings.DELIVERY_CLAIM_LEASE_SECONDS)
    Reminder.objects.update(enqueued_at=SIX_PM)
    claim(Reminder, ids, SIX_PM, token="dead-worker")
    still_leased = reminders_tick(now=SIX_PM + lease - timedelta(seconds=1))
    assert still_leased.recovered == 0 and still_leased.to_dispatch["reminder"] == []
    report = reminders_tick(now=SIX_PM + lease + timedelta(seconds=1))
    assert report.recovered == 4
    # Handed over at once: not held back as if the message were still waiting in Redis.
    assert sorted(report.to_dispatch["reminder"]) == ids
    # The lease and a tick a minute: everything is on its way within three minutes.
    assert settings.DELIVERY_CLAIM_LEASE_SECONDS + 60 <= 180


def test_the_claim_is_renewed_as_each_email_is_sent(patients: list) -> None:
    ids = recorded_at_six(4)
    prepare = PREPARERS["reminder"][0]
    clock = Clock(SIX_PM)
    lease = timedelta(seconds=settings.DELIVERY_CLAIM_LEASE_SECONDS)
    seen: list[timedelta] = []

    def slow_prepare(row, moment, batch):
        # Each email takes most of a lease: without renewal the later rows would look
        # abandoned to the tick.
        seen.append(clock.now - Reminder.objects.get(pk=row.pk).claimed_at)
        clock.now += lease * 0.6
        return prepare(row, moment, batch)

    report = send_with(slow_prepare, ids, clock)
    assert len(report.sent) == 4
    assert max(seen) < lease / 2, seen


def test_a_worker_that_lost_its_claim_sends_nothing_more(patients: list) -> None:
    ids = recorded_at_six(4)
    prepare = PREPARERS["reminder"][0]
    clock = Clock(SIX_PM)
    lease = timedelta(seconds=settings.DELIVERY_CLAIM_LEASE_SECONDS)

    def hangs_on_the_first(row, moment, batch):
        if row.pk == ids[0]:
            # The mail server hangs past the lease; meanwhile the tick recovered the batch and
            # another worker claimed it.
            clock.now += lease * 2
            Reminder.objects.filter(pk__in=ids[1:]).update(claimed_by="the-other-worker")
        return prepare(row, moment, batch)

    report = send_with(hangs_on_the_first, ids, clock)
    # Only the email that was on the wire may go out twice; the rest are the other worker's.
    assert len(mail.outbox) == 1
    assert report.sent == [ids[0]] and sorted(report.not_claimed) == ids[1:]


def test_a_row_that_keeps_killing_its_worker_fails_after_bounded_attempts(
    patients: list,
) -> None:
    ids = recorded_at_six(4)
    Reminder.objects.filter(pk=ids[0]).update(attempts=MAX_ATTEMPTS)
    claim(Reminder, [ids[0]], SIX_PM, token="killed-again")
    report = send_with(PREPARERS["reminder"][0], ids, Clock(SIX_PM), token="killed-again")
    poisoned = Reminder.objects.get(pk=ids[0])
    assert poisoned.delivery == Reminder.Delivery.FAILED
    assert "did not finish" in poisoned.last_error
    assert len(report.sent) == 3


@override_settings(DELIVERY_REDISPATCH_SECONDS=120)
def test_a_lost_message_is_handed_over_again_after_the_configured_delay(patients: list) -> None:
    ids = recorded_at_six(4)
    Reminder.objects.update(enqueued_at=SIX_PM)  # handed to Redis, and the message was lost
    assert reminders_tick(now=SIX_PM + timedelta(seconds=119)).to_dispatch["reminder"] == []
    assert sorted(reminders_tick(now=SIX_PM + timedelta(seconds=121)).to_dispatch["reminder"]) == (
        ids
    )


# The tick's report -------------------------------------------------------------------------------


def test_the_tick_counts_the_rows_it_inserted_not_the_rows_it_computed(patients: list) -> None:
    due = due_reminders(SIX_PM)
    assert len(due) == 4
    # Another beat (a second scheduler started by mistake) records the same rows first.
    assert record_reminders(due, SIX_PM) == 4
    assert record_reminders(due, SIX_PM) == 0
    assert Reminder.objects.count() == 4
    report = reminders_tick(now=SIX_PM)
    assert report.reminders_recorded == 0
    assert report.summary().startswith("0 reminder(s) and 0 follow-up(s) recorded")
