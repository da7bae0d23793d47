"""Sessions: a new key at login and at the code step, an idle timeout kept by the server (staff
30 minutes, patients as configured, 7 days unless set), written at most once a minute, and
"log out everywhere else"."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.two_factor import PASSWORD, confirmed_app, totp_code, verified_login

NOW = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)


def logged_out(response) -> bool:
    """Sent to log in: the site's page, or the admin's own for an admin page."""
    return response.status_code == 302 and response["Location"].startswith(
        ("/accounts/login/", "/admin/login/")
    )


@pytest.mark.django_db
def test_the_session_key_changes_at_login_and_at_the_code_step(
    client: Client, clinic_people: SimpleNamespace
) -> None:
    user = clinic_people.owner.user
    device = confirmed_app(user)
    session = client.session
    session["seen"] = True  # an anonymous session that exists before the login
    session.save()
    anonymous_key = client.session.session_key
    client.post(reverse("login"), {"username": user.email, "password": PASSWORD})
    password_key = client.session.session_key
    assert password_key != anonymous_key
    client.post("/accounts/two-factor/verify/", {"code": totp_code(device)})
    assert client.session.session_key != password_key
    assert client.get("/admin/").status_code == 200


@pytest.mark.django_db
def test_staff_are_logged_out_after_30_idle_minutes(
    client: Client, clinic_people: SimpleNamespace
) -> None:
    with time_machine.travel(NOW, tick=False) as clock:
        verified_login(client, clinic_people.owner.user)
        assert client.get("/admin/").status_code == 200
        clock.shift(timedelta(minutes=29))
        assert client.get("/admin/").status_code == 200
        clock.shift(timedelta(minutes=30, seconds=1))
        response = client.get("/admin/")
        assert logged_out(response)
        login_page = client.get(response["Location"])
        assert "You were logged out after a while without activity." in login_page.content.decode()
        # Logged out for good: the old session does not come back.
        assert logged_out(client.get("/admin/"))


@pytest.mark.django_db
def test_a_busy_staff_member_stays_logged_in_past_30_minutes(
    client: Client, clinic_people: SimpleNamespace
) -> None:
    with time_machine.travel(NOW, tick=False) as clock:
        verified_login(client, clinic_people.owner.user)
        for _ in range(8):  # two hours, a page every quarter of an hour
            clock.shift(timedelta(minutes=15))
            assert client.get("/admin/").status_code == 200


@pytest.mark.django_db
def test_patients_are_logged_out_after_7_idle_days_by_default(
    client: Client, clinic_people: SimpleNamespace
) -> None:
    with time_machine.travel(NOW, tick=False) as clock:
        client.force_login(clinic_people.patient_a.user)
        clock.shift(timedelta(days=6, hours=23))
        assert client.get("/today/").status_code == 200
        clock.shift(timedelta(days=7, minutes=1))
        response = client.get("/today/")
        assert logged_out(response)
        login_page = client.get(response["Location"])
        assert "You were logged out after a while without activity." in login_page.content.decode()


@pytest.mark.django_db
def test_the_patients_idle_limit_is_a_setting(
    client: Client, clinic_people: SimpleNamespace, settings
) -> None:
    settings.SESSION_IDLE_MINUTES_PATIENT = 60
    with time_machine.travel(NOW, tick=False) as clock:
        client.force_login(clinic_people.patient_a.user)
        clock.shift(timedelta(minutes=59))
        assert client.get("/today/").status_code == 200
        clock.shift(timedelta(minutes=61))
        assert logged_out(client.get("/today/"))


@pytest.mark.django_db
def test_no_session_outlives_its_maximum_age_however_busy(
    client: Client, clinic_people: SimpleNamespace, settings
) -> None:
    settings.SESSION_COOKIE_AGE = 24 * 60 * 60
    with time_machine.travel(NOW, tick=False) as clock:
        client.force_login(clinic_people.patient_a.user)
        for _ in range(23):
            clock.shift(timedelta(hours=1))
            assert client.get("/today/").status_code == 200
        clock.shift(timedelta(hours=1, minutes=1))
        assert logged_out(client.get("/today/"))


@pytest.mark.django_db
def test_the_session_is_written_at_most_once_a_minute(
    client: Client, clinic_people: SimpleNamespace
) -> None:
    def session_writes() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/history/").status_code == 200
        return sum(
            "django_session" in query["sql"]
            and query["sql"].lstrip().upper().startswith(("UPDATE", "INSERT"))
            for query in queries
        )

    with time_machine.travel(NOW, tick=False) as clock:
        client.force_login(clinic_people.patient_a.user)
        clock.shift(timedelta(seconds=30))
        assert session_writes() == 0
        clock.shift(timedelta(seconds=31))
        assert session_writes() == 1
        clock.shift(timedelta(seconds=10))
        assert session_writes() == 0


@pytest.mark.django_db
def test_a_patient_logs_out_everywhere_else_and_stays_logged_in_here(
    clinic_people: SimpleNamespace,
) -> None:
    user = clinic_people.patient_a.user
    phone, laptop = Client(), Client()
    for device in (phone, laptop):
        device.post(reverse("login"), {"username": user.email, "password": PASSWORD})
        assert device.get("/today/").status_code == 200
    settings_page = phone.get("/settings/").content.decode()
    assert 'action="/accounts/sessions/end-others/"' in settings_page
    response = phone.post("/accounts/sessions/end-others/", {"next": "/settings/"})
    assert response["Location"] == "/settings/"
    assert "You are logged out everywhere else" in phone.get("/settings/").content.decode()
    assert phone.get("/today/").status_code == 200
    assert logged_out(laptop.get("/today/"))
    # The password still works, and logs in afresh.
    laptop.post(reverse("login"), {"username": user.email, "password": PASSWORD})
    assert laptop.get("/today/").status_code == 200


@pytest.mark.django_db
def test_staff_log_out_everywhere_else_from_their_two_factor_page(
    clinic_people: SimpleNamespace,
) -> None:
    user = clinic_people.owner.user
    desk, ward = verified_login(Client(), user), verified_login(Client(), user)
    page = desk.get("/accounts/two-factor/").content.decode()
    assert "Log out everywhere else" in page
    desk.post("/accounts/sessions/end-others/")
    assert desk.get("/admin/").status_code == 200
    assert logged_out(ward.get("/admin/"))
