"""History, the printable programme, settings, and the accounts around them."""

from __future__ import annotations

import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.core import mail
from django.test import Client

from patients.models import CheckOff, PainReport


@pytest.fixture
def alex(client: Client, runner: SimpleNamespace) -> Client:
    client.force_login(runner.patient_a.user)
    return client


@pytest.mark.django_db
def test_history_shows_calendar_chart_streak_and_lists(
    alex: Client, runner: SimpleNamespace
) -> None:
    patient = runner.patient_a
    today = patient.local_today()
    for days_ago in (1, 2, 3):
        for item in (runner.bridge_a, runner.plank_a):
            CheckOff.objects.create(
                patient=patient,
                prescribed_exercise=item,
                local_date=today - timedelta(days=days_ago),
            )
    PainReport.objects.create(patient=patient, local_date=today, score=2, moment="morning")
    html = alex.get("/history/").content.decode()
    assert "Streak: <strong>3 days</strong>" in html
    assert html.count('class="day ') == 84
    assert html.count('class="pain-point"') == 1
    assert html.count("Side plank") >= 3
    assert "2/10" in html


@pytest.mark.django_db
def test_the_programme_prints_with_doses_instructions_and_notes(
    alex: Client, runner: SimpleNamespace
) -> None:
    runner.bridge_a.therapist_note = "Squeeze at the top"
    runner.bridge_a.save()
    html = alex.get("/programme/").content.decode()
    assert "Glute bridge programme" in html
    assert "Hold 10 s, 15 times, once a day, every day" in html and "Hold 15 s, each side" in html
    assert "Squeeze at the top" in html
    assert "Place your hands on the sides and start by lifting your butt." in html
    assert "Hold for 10 seconds, then relax and lower down." in html
    assert "data-print" in html and "/static/portal/print." in html  # the Print button


@pytest.mark.django_db
def test_settings_save_reminders_quiet_hours_and_zone(
    alex: Client, runner: SimpleNamespace
) -> None:
    response = alex.post(
        "/settings/",
        {
            "reminders_enabled": "",
            "preferred_reminder_time": "06:45",
            "quiet_hours_start": "22:00",
            "quiet_hours_end": "07:00",
            "time_zone": "Australia/Lord_Howe",
        },
        follow=True,
    )
    assert "Your settings are saved." in response.content.decode()
    patient = runner.patient_a
    patient.refresh_from_db()
    assert patient.reminders_enabled is False
    assert str(patient.preferred_reminder_time) == "06:45:00"
    assert patient.time_zone == "Australia/Lord_Howe"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"time_zone": "Middle/Earth"}, "Select a valid choice."),
        ({"preferred_reminder_time": "25:99"}, "Enter a valid time."),
        ({"quiet_hours_start": "22:00"}, "Give both ends of the quiet hours, or neither."),
    ],
)
def test_bad_settings_change_nothing_and_say_why(
    alex: Client, runner: SimpleNamespace, fields: dict[str, str], message: str
) -> None:
    data = {"reminders_enabled": "on", "time_zone": "Europe/London"}
    data.update(fields)
    response = alex.post("/settings/", data)
    assert response.status_code == 400
    assert message in response.content.decode()
    runner.patient_a.refresh_from_db()
    assert runner.patient_a.time_zone == "Europe/London"
    assert runner.patient_a.quiet_hours_start is None


@pytest.mark.django_db
def test_log_in_and_out(client: Client, runner: SimpleNamespace) -> None:
    response = client.post(
        "/accounts/login/",
        {"username": runner.patient_a.user.email, "password": "a-strong-passphrase"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == "/today/"
    response = client.post("/accounts/logout/", follow=True)
    assert "Log in" in response.content.decode()
    assert client.get("/today/").status_code == 302


@pytest.mark.django_db
def test_failed_logins_are_rate_limited_with_a_clear_message(
    client: Client, runner: SimpleNamespace
) -> None:
    email = runner.patient_a.user.email
    for _ in range(4):
        response = client.post("/accounts/login/", {"username": email, "password": "wrong"})
        assert "Please enter a correct email address and password" in response.content.decode()
    fifth = client.post("/accounts/login/", {"username": email, "password": "wrong"})
    assert fifth.status_code == 429
    locked = client.post("/accounts/login/", {"username": email, "password": "a-strong-passphrase"})
    assert locked.status_code == 429
    assert "Too many failed attempts" in locked.content.decode()
    assert "reset your password" in locked.content.decode()
    assert client.get("/today/").status_code == 302  # not logged in


@pytest.mark.django_db
def test_a_forgotten_password_is_reset_by_email(client: Client, runner: SimpleNamespace) -> None:
    email = runner.patient_a.user.email
    response = client.post("/accounts/password_reset/", {"email": email}, follow=True)
    assert "Check your email" in response.content.decode()
    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+/accounts/reset/\S+/", mail.outbox[0].body).group(0)
    path = "/" + link.split("/", 3)[3]
    form = client.get(path, follow=True)
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "a-new-back-2026!", "new_password2": "a-new-back-2026!"},
        follow=True,
    )
    assert "Your new password is saved" in done.content.decode()
    runner.patient_a.user.refresh_from_db()
    assert runner.patient_a.user.check_password("a-new-back-2026!")
