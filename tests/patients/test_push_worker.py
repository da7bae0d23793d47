"""A push reminder through a real Redis and a real Celery worker, to a push service that checks
the signature and decrypts the push as the phone's browser would."""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest

from patients.models import PushMessage, Reminder
from patients.tasks import tick_and_dispatch
from tests.patients.test_push_reminders import READY, subscribe
from tests.patients.test_reminders_workers import patients_due_now
from tests.processes import WorkerProcess
from tests.push_service import PushService, VapidPair

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_a_worker_pushes_a_due_reminder_to_a_patient_who_turned_email_off(
    clinic_people: SimpleNamespace, library: None, settings
) -> None:
    pair = VapidPair.new()
    settings.VAPID_PUBLIC_KEY, settings.VAPID_PRIVATE_KEY = pair.public, pair.private
    settings.VAPID_SUBJECT = pair.subject
    with PushService(pair) as service:
        [patient] = patients_due_now(clinic_people.owner, 1)
        patient.reminders_enabled = False
        patient.save()
        subscribe(patient, service.device("phone"))
        # The worker's keys come from its environment, as an operator's would.
        with WorkerProcess(**pair.environment()) as worker:
            _report, handed = tick_and_dispatch()
            assert handed.handed_over["reminder"] == 1
            assert service.wait_for(1) == [READY], worker.log()
            deadline = time.monotonic() + 10
            while PushMessage.objects.filter(delivery="sent").count() < 1:
                assert time.monotonic() < deadline, worker.log()
                time.sleep(0.05)
            _report, again = tick_and_dispatch()  # the next beat finds nothing to hand over
            assert again.handed_over["reminder"] == again.handed_over["push"] == 0
    assert service.problems == []
    assert len(service.received) == 1
    assert Reminder.objects.get().delivery == Reminder.Delivery.SENT
