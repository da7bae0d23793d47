"""The "stop these reminders" link in a reminder: it works once for the state it was sent in,
expires, and neither it nor an invitation's token is ever written to a log."""

from __future__ import annotations

import logging
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import timedelta
from html import unescape
from pathlib import Path

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from patients.models import Patient
from patients.reminders import unsubscribe_link
from patients.services import invitation_link
from portal.redis_server import free_port
from tests.factories import PatientFactory
from tests.processes import process_env

USED = "This link has already been used"
TOO_OLD = "This link is too old"


def _path(patient: Patient) -> str:
    return unsubscribe_link(patient).split("127.0.0.1:8000", 1)[1]


def _say(response) -> str:
    return unescape(response.content.decode())


@pytest.fixture
def patient(db: None) -> Patient:
    return PatientFactory(reminders_enabled=True)


def test_the_link_turns_reminders_off_once(patient: Patient) -> None:
    path, client = _path(patient), Client()
    assert "Reminders are off" in _say(client.post(path))
    patient.refresh_from_db()
    assert patient.reminders_enabled is False
    again = client.post(path)
    assert again.status_code == 410 and USED in _say(again)
    assert client.get(path).status_code == 410


def test_an_old_link_does_not_turn_reminders_off_after_they_were_turned_back_on(
    patient: Patient,
) -> None:
    path = _path(patient)
    Client().post(path)
    # The patient turns reminders back on in their settings.
    client = Client()
    client.force_login(patient.user)
    client.post(
        reverse("settings"),
        {
            "reminders_enabled": "on",
            "time_zone": patient.time_zone,
            "preferred_reminder_time": "",
            "quiet_hours_start": "",
            "quiet_hours_end": "",
        },
    )
    patient.refresh_from_db()
    assert patient.reminders_enabled is True
    replay = Client().post(path)
    assert replay.status_code == 410 and USED in _say(replay)
    patient.refresh_from_db()
    assert patient.reminders_enabled is True


def test_a_therapist_turning_reminders_back_on_also_retires_the_old_link(
    patient: Patient,
) -> None:
    from patients.services import patient_settings_update

    path = _path(patient)
    patient_settings_update(patient=patient, reminders_enabled=False)
    patient_settings_update(patient=patient, reminders_enabled=True)
    assert Client().post(path).status_code == 410
    patient.refresh_from_db()
    assert patient.reminders_enabled is True


def test_a_setting_that_is_not_the_reminders_keeps_the_link_working(patient: Patient) -> None:
    from patients.services import patient_settings_update

    path = _path(patient)
    patient_settings_update(patient=patient, time_zone="Europe/Paris")
    assert "Reminders are off" in _say(Client().post(path))


def test_the_link_expires(patient: Patient, settings) -> None:
    path = _path(patient)
    with time_machine.travel(timezone.now() + timedelta(days=settings.UNSUBSCRIBE_LINK_DAYS + 1)):
        response = Client().post(path)
    assert response.status_code == 410 and TOO_OLD in _say(response)
    patient.refresh_from_db()
    assert patient.reminders_enabled is True
    with time_machine.travel(timezone.now() + timedelta(days=settings.UNSUBSCRIBE_LINK_DAYS - 1)):
        assert Client().post(path).status_code == 200


def test_a_tampered_link_is_refused(patient: Patient) -> None:
    path = _path(patient)
    response = Client().post(path[:-3] + "xx/")
    assert response.status_code == 404
    patient.refresh_from_db()
    assert patient.reminders_enabled is True


def _secrets(patient: Patient) -> list[str]:
    unsubscribe = _path(patient).rstrip("/").rsplit("/", 1)[1]
    invitation = invitation_link(patient.user).rstrip("/").rsplit("/", 1)[1]
    return [unsubscribe, invitation]


def test_the_portals_own_logs_never_hold_a_token(patient: Patient) -> None:
    from portal.log_masking import TokenMaskingFilter

    unsubscribe = _path(patient)
    invitation = invitation_link(patient.user).split("127.0.0.1:8000", 1)[1]
    masking = TokenMaskingFilter()
    records = [
        logging.LogRecord("django.server", logging.INFO, "", 0, '"%s" %s %s', args, None)
        for args in [
            (f"GET {unsubscribe} HTTP/1.1", 200, 512),
            (f"GET {invitation} HTTP/1.1", 200, 9),
        ]
    ] + [
        logging.LogRecord(
            "django.request", logging.WARNING, "", 0, "Not Found: %s", (unsubscribe + "x",), None
        )
    ]
    lines = []
    for record in records:
        assert masking.filter(record)
        lines.append(record.getMessage())
    text = "\n".join(lines)
    for secret in _secrets(patient):
        assert secret not in text
    assert "/reminders/off/…/" in text and "/accounts/invitation/…/" in text
    # …and the portal's logging sends Django's request lines and 404s through it.
    for name in ("django.server", "django.request", "patients"):
        logger, handlers = logging.getLogger(name), []
        while logger:
            handlers += [h for h in logger.handlers if not type(h).__module__.startswith("_pytest")]
            logger = logger.parent if logger.propagate else None
        assert handlers and all(
            any(isinstance(f, TokenMaskingFilter) for f in handler.filters) for handler in handlers
        ), name


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.slow
def test_gunicorns_access_log_never_holds_a_token(transactional_db: None, tmp_path: Path) -> None:
    patient = PatientFactory(reminders_enabled=True)
    log, port = tmp_path / "access.log", free_port()
    server = subprocess.Popen(
        [
            *[sys.executable, "-m", "gunicorn", "portal.wsgi", "-c", "python:portal.gunicorn"],
            *["--bind", f"127.0.0.1:{port}", "--workers", "1", "--access-logfile", str(log)],
        ],
        env=process_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    paths = [
        _path(patient),
        invitation_link(patient.user).split("127.0.0.1:8000", 1)[1],
        _path(patient) + "?from=email",
    ]
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                _get(base + "/healthz")
                break
            except OSError:
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.1)
        assert [_get(base + path) for path in paths] == [200, 200, 200]
    finally:
        server.terminate()
        server.wait(timeout=10)
    text = log.read_text()
    assert "GET /healthz " in text, text
    for secret in _secrets(patient):
        assert secret not in text
    assert "GET /reminders/off/…/ " in text and "GET /accounts/invitation/…/ " in text
