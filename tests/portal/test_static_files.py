"""Each page loads only the static files it uses, and every one it uses: a script or a stylesheet
of the portal's is on a page only when the page has what it works on (htmx only where an hx-
attribute is, the pictures' stylesheet only where a picture shows, each page's own script only
on it), and nothing is loaded that no page uses (Bootstrap's JavaScript is not). Django's own
admin files are the admin's business and are left out."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from bs4 import BeautifulSoup
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from patients.models import Patient
from tests.site import conftest as site_fixtures
from tests.two_factor import verified_login

runner = site_fixtures.runner  # the patients' site's programme, reused here

pytestmark = pytest.mark.django_db

SITE_PAGE = "body:not(:has(#site-name))"  # the patients' site, not the admin
ADMIN_PAGE = "#site-name"
HX = "[hx-get], [hx-post], [hx-put], [hx-patch], [hx-delete]"
# What each of the portal's static files works on, as a CSS selector over the page's HTML; a
# function of the page's path where the need is the page itself.
NEEDS: dict[str, object] = {
    "vendor/bootstrap/bootstrap.min.css": SITE_PAGE,
    "portal/theme.js": SITE_PAGE,
    "portal/theme.css": SITE_PAGE,
    "portal/site.css": SITE_PAGE,
    "vendor/htmx/htmx.min.js": HX,
    "portal/today.js": f".exercise-card :is({HX})",
    # The app on the phone (the service worker, records kept on the phone, logging out): every
    # page of the site.
    "portal/outbox.js": "[data-offline-app]",
    "portal/offline.js": "[data-offline-app]",
    "portal/pain.js": "[data-pain-form]",
    "portal/push.js": "#push-subscribe",
    "portal/session-player.js": "[data-player]",
    "portal/print.js": "[data-print]",
    "portal/illustrations.css": "[data-illustration]",
    "portal/charts.css": "svg.chart",
    "portal/zone-picker.js": "[data-zone-picker]",
    "portal/zone-picker.css": "[data-zone-picker]",
    "portal/admin-site.css": ADMIN_PAGE,
    "portal/admin.css": ".patient-panels, .alert-flag, .content-lines-inline, .dose-inline",
    "portal/patient-page.css": ".patient-story",
    "portal/patient-print.css": ".patient-story",
}
OURS = re.compile(r"^/static/((?:portal|vendor)/.+)$")


def loaded(page: BeautifulSoup) -> set[str]:
    addresses = [tag["src"] for tag in page.select("script[src]")] + [
        tag["href"] for tag in page.select("link[rel=stylesheet][href]")
    ]
    return {match.group(1) for address in addresses if (match := OURS.match(address))}


def needed(page: BeautifulSoup, path: str) -> set[str]:
    return {
        name
        for name, need in NEEDS.items()
        if (need(page, path) if callable(need) else page.select(need))
    }


@pytest.fixture
def plain_static_names(settings) -> None:
    # The names as written, not the production storage's hashed ones.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def pages_of(client: Client, paths: list[str]) -> dict[str, str]:
    wrong = {}
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        page = BeautifulSoup(response.content, "html.parser")
        unknown = {name for name in loaded(page) if name not in NEEDS}
        unused = loaded(page) - needed(page, path) - unknown
        missing = needed(page, path) - loaded(page)
        if unknown or unused or missing:
            wrong[path] = (
                f"unknown {sorted(unknown)}, unused {sorted(unused)}, missing {sorted(missing)}"
            )
    return wrong


def test_each_patient_page_loads_only_the_static_files_it_uses(
    client: Client, runner: SimpleNamespace, plain_static_names: None
) -> None:
    from exercises.models import Exercise
    from patients.reminders import unsubscribe_link
    from patients.screens import screen_request_create
    from tests.factories import PatientFactory

    patient = runner.patient_a
    screen = screen_request_create(
        patient=patient,
        screen=Exercise.objects.get(slug="single-leg-stance-eyes-open"),
        requested_by=runner.owner,
    )
    signed_out = ["/accounts/login/", "/accounts/password_reset/", "/accounts/password_reset/done/"]
    signed_out.append("/reminders/" + unsubscribe_link(patient).split("/reminders/", 1)[1])
    wrong = pages_of(client, signed_out)

    client.force_login(patient.user)
    item = runner.bridge_a.pk
    wrong |= pages_of(
        client,
        [
            "/today/",
            f"/today/exercises/{item}/play/",
            "/today/session/",
            "/programme/",
            f"/programme/exercises/{item}/",
            "/exercises/",
            "/exercises/learn/stop-radiating-pain/",
            f"/screens/{screen.pk}/",
            "/pain/new/",
            "/safety-check/",
            "/history/",
            "/settings/",
            "/accounts/two-factor/",
        ],
    )
    for card in (runner.bridge_a, runner.plank_a):
        client.post(f"/today/exercises/{card.pk}/check-off/")
    wrong |= {
        f"{path} (all done)": why for path, why in pages_of(client, ["/today/session/"]).items()
    }

    Patient.objects.filter(pk=patient.pk).update(programme_held_at=timezone.now())
    wrong |= {f"{path} (paused)": why for path, why in pages_of(client, ["/today/"]).items()}

    resting = PatientFactory(primary_therapist=runner.owner)
    client.force_login(resting.user)
    wrong |= {
        f"{path} (nothing due)": why
        for path, why in pages_of(client, ["/today/", "/programme/", "/history/"]).items()
    }
    assert wrong == {}


def test_each_admin_page_loads_only_the_portal_files_it_uses(
    client: Client, runner: SimpleNamespace, plain_static_names: None
) -> None:
    from exercises.models import Exercise

    verified_login(client, runner.owner.user)
    patient, prescription = runner.patient_a, runner.patient_a.prescriptions.get()
    wrong = pages_of(
        client,
        [
            reverse("admin:index"),
            reverse("admin:patients_patient_changelist"),
            reverse("admin:patients_patient_change", args=[patient.pk]),
            reverse("admin:patients_patient_add"),
            reverse("admin:patients_patient_assign") + f"?patients={patient.pk}",
            reverse("admin:patients_prescription_change", args=[prescription.pk]),
            reverse("admin:patients_prescription_versions", args=[prescription.pk]),
            reverse("admin:patients_clinic_change", args=[runner.clinic_a.pk]),
            reverse(
                "admin:exercises_exercise_change",
                args=[Exercise.objects.get(slug="glute-bridge").pk],
            ),
            reverse("admin:patients_patient_weekly_summary"),
            "/exercises/glute-bridge/",  # the library's page, on the site's own base
        ],
    )
    assert wrong == {}


def test_no_page_needs_bootstrap_javascript() -> None:
    from django.conf import settings

    templates = list((settings.BASE_DIR / "templates").rglob("*.html"))
    uses = [path for path in templates if "data-bs-" in path.read_text()]
    assert uses == []
    assert not (settings.BASE_DIR / "static/vendor/bootstrap/bootstrap.bundle.min.js").exists()
