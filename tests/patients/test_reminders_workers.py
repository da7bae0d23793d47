"""Reminders through a real Redis and real Celery workers, to a real SMTP server: sent once
when due, once when a task is delivered twice, within three minutes when a worker is killed
mid-batch (at once when only its pool process is), by a worker whose database connection
PostgreSQL ended, and once when Redis comes back after an outage."""

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

from patients.models import Patient, Reminder, User
from patients.reminders import TickReport, reminders_tick
from patients.tasks import dispatch, send_outgoing, tick_and_dispatch
from portal.redis_server import EmbeddedRedis
from tests.mail import SmtpSink
from tests.patients.reminder_helpers import patient_with_programme
from tests.processes import BASE_DIR, WorkerProcess, process_env

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

UNKNOWN_MAILBOX = "550 5.1.1 <gone@example.com>: Recipient address rejected: User unknown"


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


def wait_until_settled(
    expected: int, timeout: float = 60.0, failed_too: bool = False
) -> dict[str, int]:
    """Until every reminder is sent or skipped, or failed if `failed_too` (the workers are done
    with them)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        counts = {
            state: Reminder.objects.filter(delivery=state).count()
            for state in ("pending", "sending", "sent", "skipped", "failed")
        }
        settled = counts["sent"] + counts["skipped"] + (counts["failed"] if failed_too else 0)
        if settled >= expected:
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


def beat_ticks_until_recovered(killed_at: datetime) -> tuple[float, TickReport]:
    """Beat's ticks after a worker's death, a minute apart: the seconds from the death to the
    tick that took back the dead worker's rows, and that tick."""
    for minute in range(1, 30):
        report = reminders_tick(now=killed_at + timedelta(minutes=minute))
        if report.recovered:
            return minute * 60.0, report
    raise AssertionError("no tick took back the dead worker's rows")


def delivered_twice(sink: SmtpSink) -> list[str]:
    recipients = sink.recipients()
    return sorted({r for r in recipients if recipients.count(r) > 1})


def test_a_worker_killed_mid_batch_hands_its_rows_over_within_three_minutes(
    clinic_people: SimpleNamespace, library: None
) -> None:
    patients = patients_due_now(clinic_people.owner, 12)
    # The fifth email is on the wire when the worker dies: the mail server took it, but the
    # worker never heard so, and could not mark it sent.
    with SmtpSink(hold_at=5, accept_held=True) as sink:
        first = WorkerProcess(EMAIL_URL=sink.email_url).start()
        try:
            tick_and_dispatch()
            assert sink.holding.wait(timeout=60), first.log()
            first.kill()  # SIGKILL: the whole worker, parent and pool
            killed_at = timezone.now()
        finally:
            sink.release.set()
            first.stop()
        assert Reminder.objects.filter(delivery="sent").count() == 4
        # The dead worker's claim: the email on the wire and the rest of its batch.
        assert Reminder.objects.filter(delivery="sending").count() == 8

        with WorkerProcess(EMAIL_URL=sink.email_url):
            recovered_after, report = beat_ticks_until_recovered(killed_at)
            assert report.recovered == 8
            assert len(report.to_dispatch["reminder"]) == 8  # handed over by the same tick
            handed_at = time.monotonic()
            dispatch(report)
            counts = wait_until_settled(12)
            sending = time.monotonic() - handed_at
        assert counts["sent"] == 12
        assert recovered_after + sending <= 180, (recovered_after, sending)
        assert set(sink.recipients()) == {p.user.email for p in patients}
        assert len(delivered_twice(sink)) <= 1  # at most the email on the wire
        print(
            f"worker killed: its 8 rows taken back by the tick {recovered_after:.0f} s after "
            f"the death, all 12 sent {sending:.1f} s later; delivered twice: "
            f"{len(delivered_twice(sink))}"
        )


def test_a_pool_process_killed_mid_batch_is_taken_over_at_once(
    clinic_people: SimpleNamespace, library: None
) -> None:
    patients = patients_due_now(clinic_people.owner, 12)
    with (
        SmtpSink(hold_at=5, accept_held=True) as sink,
        WorkerProcess(EMAIL_URL=sink.email_url) as worker,
    ):
        tick_and_dispatch()
        assert sink.holding.wait(timeout=60), worker.log()
        # The process running the task dies (the kernel's out-of-memory killer, say); the
        # worker lives and Celery delivers the task again, with the same id.
        pool = subprocess.run(
            ["pgrep", "-P", str(worker.process.pid)], capture_output=True, text=True, check=True
        ).stdout.split()
        subprocess.run(["kill", "-9", *pool], check=True)
        killed_at = time.monotonic()
        sink.release.set()
        counts = wait_until_settled(12)
        took = time.monotonic() - killed_at
    # No tick, no lease: the task delivered again took back its own rows.
    assert counts["sent"] == 12
    assert took < 30, took
    assert set(sink.recipients()) == {p.user.email for p in patients}
    assert len(delivered_twice(sink)) <= 1
    print(f"pool process killed: all 12 sent {took:.1f} s later, no tick needed")


def test_a_worker_survives_its_database_connection_ending_and_a_refused_address_fails_at_once(
    clinic_people: SimpleNamespace, library: None
) -> None:
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("ends the worker's PostgreSQL connections")
    first = patients_due_now(clinic_people.owner, 3)
    with (
        SmtpSink(refuse={"gone@example.com": UNKNOWN_MAILBOX}) as sink,
        WorkerProcess(EMAIL_URL=sink.email_url) as worker,
    ):
        tick_and_dispatch()
        wait_until_settled(3)
        assert sink.wait_for(3) == sorted(p.user.email for p in first)

        # PostgreSQL ends every other connection to the database (a restart, a failover).
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            assert cursor.fetchone()[0] >= 1  # the worker's

        later = patients_due_now(clinic_people.owner, 10)
        gone = later[0]
        User.objects.filter(pk=gone.user_id).update(email="gone@example.com")
        report = reminders_tick()
        for pk in report.to_dispatch["reminder"]:  # ten tasks, each on the same worker
            send_outgoing.apply_async(args=["reminder", [pk]])
        counts = wait_until_settled(13, failed_too=True)
        log = worker.log()
    assert (counts["sent"], counts["failed"], counts["sending"]) == (12, 1, 0)
    assert "the connection is closed" not in log
    refused = Reminder.objects.get(patient=gone)
    assert refused.attempts == 1 and "550 5.1.1" in refused.last_error


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
