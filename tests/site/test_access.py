"""Every page of the site: anonymous visitors are sent to log in, and another patient's ids are
a 404. The URL patterns are enumerated, so a new page cannot be left out."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from exercises.models import Exercise
from patients.models import (
    CheckOff,
    PainReport,
    PrescribedExerciseMedia,
    PushSubscription,
    SafetyCheck,
    ScreenRequest,
)
from tests.two_factor import verified_login

# Pages anyone may open: logging in, password reset, invitations, the signed "stop reminders"
# link of every reminder email, the health check; and what installs the site as an app, which
# names no one (the service worker, the manifest, the page for no connection).
PUBLIC = {
    "service_worker",
    "web_app_manifest",
    "offline",
    "reminders_off",
    "login",
    "logout",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "invitation_accept",
    "healthz",
}


def site_patterns() -> list[tuple[str, URLPattern]]:
    """Every URL pattern of the site (the admin has its own tests), as (path, pattern)."""
    found: list[tuple[str, URLPattern]] = []

    def walk(patterns: list, prefix: str) -> None:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                if entry.app_name == "admin":
                    continue
                walk(entry.url_patterns, prefix + str(entry.pattern))
            else:
                found.append((prefix + str(entry.pattern), entry))

    walk(get_resolver().url_patterns, "")
    return found


def url_for(route: str, ids: dict[str, object]) -> str:
    path = "/" + route
    if route.startswith("exercises/learn/"):
        ids = {**ids, "slug": "hydration"}  # an education card's slug
    for name, value in ids.items():
        for converter in ("int", "slug", "str", "path", ""):
            token = f"<{converter}:{name}>" if converter else f"<{name}>"
            path = path.replace(token, str(value))
    assert "<" not in path, f"{route}: give this test an id for every part of {path}"
    return path


@pytest.fixture
def other_patients_ids(runner: SimpleNamespace) -> dict[str, object]:
    b = runner.patient_b
    check_off = CheckOff.objects.create(
        patient=b, prescribed_exercise=runner.bridge_b, local_date=b.local_today()
    )
    report = PainReport.objects.create(
        patient=b, local_date=b.local_today(), score=3, moment="morning"
    )
    screen = ScreenRequest.objects.create(
        patient=b, screen=Exercise.objects.get(slug="single-leg-stance-eyes-open")
    )
    safety_check = SafetyCheck.objects.create(patient=b)
    # Patient B's picture for their exercise (never opened: every request for it is refused).
    media = PrescribedExerciseMedia.objects.create(
        prescribed_exercise=runner.bridge_b,
        file="patients/never-read.jpg",
        kind="image",
        content_type="image/jpeg",
        size=1,
        caption="B's own",
    )
    device = PushSubscription.objects.create(
        patient=b, endpoint="https://fcm.googleapis.com/fcm/send/b", p256dh="B", auth="B"
    )
    return {
        "device_id": device.pk,
        "item_id": runner.bridge_b.pk,
        "check_off_id": check_off.pk,
        "report_id": report.pk,
        "request_id": screen.pk,
        "check_id": safety_check.pk,
        "media_id": media.pk,
        "slug": "glute-bridge",
        "uidb64": "MQ",
        "token": "set-password",
    }


def request(client: Client, url: str) -> tuple[str, object]:
    response = client.get(url)
    if response.status_code == 405:
        return "POST", client.post(url)
    return "GET", response


@pytest.mark.django_db
def test_the_enumeration_finds_the_site(other_patients_ids: dict[str, object]) -> None:
    names = {pattern.name for _route, pattern in site_patterns()}
    assert {"today", "check_off", "check_off_undo", "pain_report", "history", "settings"} <= names


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_log_in_everywhere(
    client: Client, other_patients_ids: dict[str, object]
) -> None:
    checked = 0
    for route, pattern in site_patterns():
        if pattern.name in PUBLIC or route.startswith("static/"):
            continue
        method, response = request(client, url_for(route, other_patients_ids))
        assert response.status_code == 302, f"{method} {route}: {response.status_code}"
        assert response["Location"].startswith("/accounts/login/"), route
        checked += 1
    assert checked >= 12


@pytest.mark.django_db
def test_another_patients_ids_are_404_everywhere(
    client: Client, runner: SimpleNamespace, other_patients_ids: dict[str, object]
) -> None:
    client.force_login(runner.patient_a.user)
    patient_owned = {"item_id", "check_off_id", "report_id", "request_id", "check_id", "device_id"}
    checked = media_checked = 0
    for route, pattern in site_patterns():
        if pattern.name in PUBLIC:
            continue
        url = url_for(route, other_patients_ids)
        method, response = request(client, url)
        if "media_id" in pattern.pattern.converters:
            assert response.status_code == 404, f"{method} {url}: {response.status_code}"
            media_checked += 1
        elif patient_owned & set(pattern.pattern.converters):
            assert response.status_code == 404, f"{method} {url}: {response.status_code}"
            checked += 1
        elif pattern.name == "push_device_add":
            # A post with no subscription in it is refused (409 where push is not set up).
            assert response.status_code in {400, 409}, f"{method} {url}: {response.status_code}"
        elif pattern.name == "detail" and route.startswith("exercises/"):
            # The library's exercise pages are the therapist's; a patient reads their own.
            assert response.status_code == 404, f"{method} {url}: {response.status_code}"
        else:
            assert response.status_code in {200, 302}, f"{method} {url}: {response.status_code}"
            assert b"patient@b.example" not in getattr(response, "content", b"")
    # check off, undo, rate, a pain report and its check-off advice, a programme exercise,
    # a screen, a safety check, the session player, turning off a device's push reminders
    assert checked == 10
    # B's picture for their exercise, and (by the same id) a clinic exercise's picture
    assert media_checked == 2
    assert CheckOff.objects.filter(patient=runner.patient_b).count() == 1
    assert PushSubscription.objects.filter(patient=runner.patient_b).exists()
    assert not CheckOff.objects.filter(patient=runner.patient_a).exists()


@pytest.mark.django_db
def test_a_therapist_on_the_patient_site_is_sent_to_the_admin(
    client: Client, runner: SimpleNamespace
) -> None:
    verified_login(client, runner.owner.user)
    for url in ("/", "/today/", "/history/", "/settings/", "/pain/new/", "/programme/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == "/admin/", url


@pytest.mark.django_db
def test_an_account_without_a_patient_record_is_told_so(
    client: Client, runner: SimpleNamespace
) -> None:
    from tests.factories import UserFactory

    client.force_login(UserFactory())
    response = client.get("/today/")
    assert response.status_code == 403
    assert "This account has no exercise programme" in response.content.decode()
