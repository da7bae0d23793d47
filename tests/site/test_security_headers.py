"""Every page the portal renders carries a strict Content-Security-Policy, `no-store` caching,
a Permissions-Policy and a Referrer-Policy; no template holds inline script or style; and
`manage.py check --deploy` is clean with HTTPS on."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse

from tests.processes import BASE_DIR, process_env
from tests.site.test_access import PUBLIC, site_patterns, url_for
from tests.two_factor import verified_login

TEMPLATES = BASE_DIR / "templates"
# Emails are read in mail clients, where no CSP applies and inline style is the norm.
EMAILS = TEMPLATES / "patients" / "email"
INLINE = {
    "inline script": re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I),
    "style element": re.compile(r"<style\b", re.I),
    "style attribute": re.compile(r"\sstyle\s*=", re.I),
    "event handler attribute": re.compile(r"\son[a-z]+\s*=", re.I),
    "javascript: URL": re.compile(r"javascript:", re.I),
}


def assert_private_and_strict(response, what: str) -> None:
    policy = response.headers.get("Content-Security-Policy", "")
    directives = {}
    for part in (d.strip() for d in policy.split(";")):
        name, _, value = part.partition(" ")
        directives[name] = value
    assert directives.get("script-src") == "'self'", (what, policy)
    assert directives.get("style-src") == "'self'", (what, policy)
    assert directives.get("default-src") == "'none'", (what, policy)
    assert directives.get("frame-ancestors") == "'none'", (what, policy)
    assert "unsafe" not in policy, (what, policy)
    assert "no-store" in response.headers.get("Cache-Control", ""), what
    assert "camera=()" in response.headers.get("Permissions-Policy", ""), what
    assert response.headers.get("Referrer-Policy") == "same-origin", what
    assert response.headers.get("X-Content-Type-Options") == "nosniff", what


def test_no_template_holds_inline_script_or_style() -> None:
    found = []
    for template in sorted(TEMPLATES.rglob("*")):
        if not template.is_file() or EMAILS in template.parents:
            continue
        text = template.read_text()
        for what, pattern in INLINE.items():
            for match in pattern.finditer(text):
                line = text[: match.start()].count("\n") + 1
                found.append(f"{template.relative_to(BASE_DIR)}:{line}: {what}")
    assert not found, "\n".join(found)


def test_the_check_catches_inline_script_and_style() -> None:
    samples = [
        "<script>alert(1)</script>",
        '<div style="color: red">',
        "<style>p {}</style>",
        '<button onclick="go()">',
        '<a href="javascript:go()">',
    ]
    for sample in samples:
        assert any(pattern.search(sample) for pattern in INLINE.values()), sample
    assert not any(p.search('<script src="/static/x.js"></script>') for p in INLINE.values())


@pytest.mark.django_db
def test_every_patient_page_is_private_and_strict(client: Client, runner: SimpleNamespace) -> None:
    from tests.site.test_access import request

    ids = {
        "item_id": runner.bridge_a.pk,
        "check_off_id": 0,
        "report_id": 0,
        "request_id": 0,
        "check_id": 0,
        "media_id": 0,
        "device_id": 0,
        "slug": "glute-bridge",
        "uidb64": "MQ",
        "token": "set-password",
    }
    client.force_login(runner.patient_a.user)
    checked = 0
    for route, pattern in site_patterns():
        # The service worker's script names no one, and browsers must check it anew on every
        # visit (tests/site/test_offline_app.py).
        if route.startswith("static/") or pattern.name == "service_worker":
            continue
        url = url_for(route, ids)
        method, response = request(client, url)
        assert_private_and_strict(response, f"{method} {url} ({pattern.name})")
        checked += 1
    assert checked >= 20
    anonymous = Client()
    for name in sorted(PUBLIC - {"logout", "reminders_off", "healthz", "service_worker"}):
        if name in {"password_reset_confirm", "invitation_accept"}:
            continue
        assert_private_and_strict(anonymous.get(reverse(name)), name)


@pytest.mark.django_db
def test_the_admins_pages_are_private_and_strict(client: Client, runner: SimpleNamespace) -> None:
    verified_login(client, runner.owner.user)
    patient = runner.patient_a
    urls = [
        reverse("admin:index"),
        reverse("admin:patients_patient_changelist"),
        reverse("admin:patients_patient_change", args=[patient.pk]),
        reverse("admin:patients_patient_export", args=[patient.pk]),
        reverse("admin:patients_patient_weekly_summary"),
        reverse("admin:patients_painreport_changelist"),
        reverse("admin:patients_prescription_changelist"),
        reverse("admin:exercises_exercise_changelist"),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_private_and_strict(response, url)


def test_check_deploy_is_clean_with_https_on(tmp_path: Path) -> None:
    env = process_env(
        HTTPS="true",
        DEBUG="false",
        SECRET_KEY="a-long-random-production-key-" + "x7Qp2vLm9sRt4wZk" * 3,
        ALLOWED_HOSTS="portal.clinic.example",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_browser_refuses_inline_script_and_the_suite_notices(
    live_site, browser_page_factory
) -> None:
    page = browser_page_factory(width=390, height=844)
    page.goto(f"{live_site.url}/accounts/login/")
    page.evaluate(
        """() => {
          const script = document.createElement("script");
          script.textContent = "document.body.dataset.injected = 'ran'";
          document.head.appendChild(script);
          const styled = document.createElement("div");
          styled.setAttribute("style", "color: red");
          document.body.appendChild(styled);
        }"""
    )
    page.wait_for_timeout(200)
    assert page.evaluate("document.body.dataset.injected") is None  # refused, never ran
    refused = list(browser_page_factory.refused)
    assert any("script-src" in line for line in refused), refused
    browser_page_factory.refused.clear()  # this test's refusals were the point
