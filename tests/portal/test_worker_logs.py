"""A worker's log keeps WARNING for what needs someone's attention: an email printed by the
console backend (the default EMAIL_URL) is an INFO line, not a WARNING per email."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from patients.tasks import tick_and_dispatch
from tests.patients.test_reminders_workers import patients_due_now, wait_until_settled
from tests.processes import WorkerProcess

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_an_email_printed_by_the_console_backend_is_logged_at_info(
    clinic_people: SimpleNamespace, library: None
) -> None:
    (patient,) = patients_due_now(clinic_people.owner, 1)
    with WorkerProcess(EMAIL_URL="consolemail://") as worker:
        tick_and_dispatch()
        wait_until_settled(1)
    log = worker.log()
    redirected = [line for line in log.splitlines() if " celery.redirected: " in line]
    assert redirected, log
    assert not [line for line in redirected if " WARNING " in line], log
    assert any(" INFO celery.redirected: " in line for line in redirected), log
    assert f"To: {patient.user.email}" in log
    assert "Your exercises for today are ready" in log
