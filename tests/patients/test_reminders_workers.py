"""Reminders through a real Redis and real Celery workers, to a real SMTP server: sent once
when due, once when a task is delivered twice, once when a worker is killed mid-batch, and
once when Redis comes back after an outage."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone

from patients.models import Patient, Reminder
from patients.reminders import reminders_tick
from patients.tasks import dispatch, send_outgoing, tick_and_dispatch
from portal.redis_server import EmbeddedRedis
from tests.mail import SmtpSink
from tests.patients.reminder_helpers import patient_with_programme
from tests.processes import BASE_DIR, WorkerProcess, process_env

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def midday_zone(now: datetime) -> str:
    """A zone where it is late morning now, so the test's reminders fall inside one local day
    whenever the suite runs."""
    for offset in range(-12, 15):
        name = "Etc/UTC" if offset == 0 else f"Etc/GMT{'-' if offset > 0 else '+'}{abs(offset)}"
        if 10 <= now.astimezone(ZoneInfo(name)).hour < 14:
            return name
    raise AssertionError("no zone at midday")


def patients_due_now(therapist, count: int) -> list[Patient]:
    now = timezone.now()
    zone = midday_zone(now)
    due = (now.astimezone(ZoneInfo(zone)) - timedelta(minutes=5)).time().replace(second=0)
    return [
        patient_with_programme(therapist, zone=zone, at=due, exercises=("glute-bridge",))
        for _ in range(count)
    ]


def wait_until_settled(expected: int, timeout: float = 60.0) -> dict[str, int]:
    """Until every reminder is sent or skipped (the workers are done with them)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        counts = {
            state: Reminder.objects.filter(delivery=state).count()
            for state in ("pending", "sending", "sent", "skipped", "failed")
        }
        if counts["sent"] + counts["skipped"] >= expected:
            return counts
        time.sleep(0.1)
    raise AssertionError(f"reminders did not settle: {counts}")


@pytest.fixture
def sink():
    with SmtpSink() as server:
        yield server


def test_a_due_reminder_arrives_once_even_when_its_task_is_delivered_twice(
    clinic_people: SimpleNamespace, library: None, sink: SmtpSink
) -> None:
    patients = patients_due_now(clinic_people.owner, 5)
    with WorkerProcess(EMAIL_URL=sink.email_url):
        _report, handed = tick_and_dispatch()
        assert handed.handed_over["reminder"] == 5
        wait_until_settled(5)
        assert sink.wait_for(5) == sorted(p.user.email for p in patients)

        ids = list(Reminder.objects.values_list("pk", flat=True))
        send_outgoing.apply_async(args=["reminder", ids])  # the same work, delivered again
        send_outgoing.apply_async(args=["reminder", ids])
        _report, again = tick_and_dispatch()  # and another beat
        assert again.handed_over["reminder"] == 0
        from portal.celery import ping

        assert ping.apply_async().get(timeout=30) == "pong"  # the worker is past them
    assert sink.recipients() == sorted(p.user.email for p in patients)
    message = sink.messages[0]
    assert message["Subject"] == "Your exercises for today are ready"
    assert "".join(message["List-Unsubscribe"].split()).startswith(
        "<http://127.0.0.1:8000/reminders/off/"
    )


def test_a_worker_killed_mid_batch_loses_nothing_and_duplicates_nothing(
    clinic_people: SimpleNamespace, library: None
) -> None:
    patients = patients_due_now(clinic_people.owner, 12)
    with SmtpSink(hold_at=5) as sink:
        first = WorkerProcess(EMAIL_URL=sink.email_url).start()
        try:
            tick_and_dispatch()
            assert sink.holding.wait(timeout=60), first.log()
            first.kill()  # SIGKILL, while the fifth email is on the wire
        finally:
            sink.release.set()
            first.stop()
        assert len(sink.messages) == 4
        assert Reminder.objects.filter(delivery="sent").count() == 4
        # The dead worker's claim: the email on the wire and the rest of its batch.
        assert Reminder.objects.filter(delivery="sending").count() == 8

        with WorkerProcess(EMAIL_URL=sink.email_url):
            # A tick after the claim's lease (ten minutes) has run out hands everything over.
            report = reminders_tick(now=timezone.now() + timedelta(minutes=16))
            assert report.recovered == 8
            assert len(report.to_dispatch["reminder"]) == 8
            dispatch(report)
            counts = wait_until_settled(12)
        assert counts["sent"] == 12
        assert sink.recipients() == sorted(p.user.email for p in patients)  # each exactly once


def test_with_redis_down_check_offs_save_and_reminders_go_out_when_it_is_back(
    clinic_people: SimpleNamespace, library: None, sink: SmtpSink
) -> None:
    done_early, *others = patients_due_now(clinic_people.owner, 4)
    redis_server = EmbeddedRedis().start()
    port = redis_server.port
    env = process_env(REDIS_URL=redis_server.url, EMAIL_URL=sink.email_url)
    redis_server.stop()  # Redis goes down

    client = Client()
    client.force_login(done_early.user)
    item = done_early.prescriptions.get().exercises.get()
    started = time.monotonic()
    response = client.post(f"/today/exercises/{item.pk}/check-off/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert time.monotonic() - started < 2
    assert done_early.check_offs.count() == 1

    def send_due_reminders() -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", "send_due_reminders"],
            cwd=BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=90,
            check=True,
        )
        return result.stdout

    started = time.monotonic()
    output = send_due_reminders()
    assert time.monotonic() - started < 60
    assert "Redis did not answer" in output
    assert Reminder.objects.filter(delivery="pending", enqueued_at__isnull=True).count() == 4

    redis_server = EmbeddedRedis(port=port).start()  # Redis is back
    try:
        with WorkerProcess(REDIS_URL=redis_server.url, EMAIL_URL=sink.email_url):
            output = send_due_reminders()
            assert "handed to the workers: 4 reminder(s)" in output
            counts = wait_until_settled(4)
    finally:
        redis_server.stop()
    assert (counts["sent"], counts["skipped"]) == (3, 1)
    assert sink.wait_for(3) == sorted(p.user.email for p in others)
    assert Reminder.objects.get(patient=done_early).last_error == "the session's exercises are done"
