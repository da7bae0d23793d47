from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.services import TestServices

services = TestServices()


def pytest_configure(config: pytest.Config) -> None:
    # Runs before pytest-django sets Django up, so settings read the chosen URLs.
    services.choose()
    os.environ.setdefault("SECRET_KEY", "tests-only-secret-key-for-the-portal-suite")
    os.environ.setdefault("DEBUG", "false")
    os.environ["DJANGO_SETTINGS_MODULE"] = "portal.settings"
    import django

    django.setup()


def pytest_unconfigure(config: pytest.Config) -> None:
    services.stop()


def pytest_report_header(config: pytest.Config) -> str:
    return services.description


@pytest.fixture
def portal_worker(django_db_setup, django_db_blocker):
    """A real Celery worker consuming from the suite's Redis, stopped after the test (so that
    no other test's tasks go to it)."""
    from tests.processes import WorkerProcess

    with django_db_blocker.unblock():
        worker = WorkerProcess()
        worker.start()
    yield worker
    worker.stop()


@pytest.fixture(scope="session", autouse=True)
def collected_static_files() -> None:
    # With DEBUG off the portal serves hashed, compressed files as in production: build them once.
    from django.core.management import call_command

    call_command("collectstatic", "--noinput", verbosity=0)


@pytest.fixture
def library(db: None) -> None:
    """The shipped exercise library, loaded as `make run` loads it."""
    import io

    from django.core.management import call_command

    call_command("import_library", shipped=True, stdout=io.StringIO())


@pytest.fixture
def clinic_people(db: None):
    """Three people for every permission test: the owner (a therapist of clinic A with a
    patient), a colleague of the same clinic, an outsider (a therapist of clinic B, with a
    patient of their own)."""
    from types import SimpleNamespace

    from tests.factories import ClinicFactory, PatientFactory, TherapistFactory

    clinic_a, clinic_b = ClinicFactory(name="Clinic A"), ClinicFactory(name="Clinic B")
    owner = TherapistFactory(clinic=clinic_a, user__email="owner@a.example")
    colleague = TherapistFactory(clinic=clinic_a, user__email="colleague@a.example")
    outsider = TherapistFactory(clinic=clinic_b, user__email="outsider@b.example")
    patient_a = PatientFactory(primary_therapist=owner, user__email="patient@a.example")
    patient_b = PatientFactory(primary_therapist=outsider, user__email="patient@b.example")
    return SimpleNamespace(
        clinic_a=clinic_a,
        clinic_b=clinic_b,
        owner=owner,
        colleague=colleague,
        outsider=outsider,
        patient_a=patient_a,
        patient_b=patient_b,
    )


@pytest.fixture(autouse=True)
def fast_password_hashing(settings) -> None:
    # PBKDF2's deliberate slowness protects real passwords; in tests it only costs minutes.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def nothing_kept_from_earlier_tests() -> None:
    """Each test starts with no kept page or fragment (exercises/fragments.py): rows made again
    after a test's rollback can take an earlier test's ids, and so the keys of its pages. Only
    the fragments' keys go: the run's Redis database keeps its mark (tests/services.py)."""
    import redis
    from django.conf import settings
    from django.core.cache import cache, caches

    caches["fragments"].clear()
    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=1)
        keys = list(client.scan_iter(match=cache.make_key("fragment:*"), count=1000))
        if keys:
            client.delete(*keys)
    except redis.RedisError:  # the tests of a Redis that does not answer start without it
        pass


CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture
def browser(monkeypatch):
    """Debian's Chromium, driven by Playwright (no browser download). One per test: Playwright's
    event loop must be gone before the test database is flushed."""
    if not os.path.exists(CHROMIUM):
        message = "browser tests need Chromium: apt-get install chromium, or set CHROMIUM_PATH"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    # Playwright's sync API keeps an event loop in this thread; the test's own ORM calls are
    # still plain synchronous calls.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from django.db import connections
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
        # While Playwright runs, the test's ORM calls get a database connection of their own
        # (asgiref's context-local storage); close it here, where it is visible, or it would
        # outlive the test and keep the test database from being dropped.
        connections.close_all()


@pytest.fixture
def browser_page_factory(browser):
    """New pages in fresh browser contexts (no shared cookies), closed after the test. Each
    test fails if any page it opened broke the Content-Security-Policy (Chromium reports every
    refusal on the console; `new_page.refused` lists them)."""
    contexts, refused = [], []

    def on_console(page, message) -> None:
        if "Content Security Policy" in message.text:
            refused.append(f"{page.url}: {message.text}")

    def new_page(width: int = 1280, height: int = 900, **context_options):
        # context_options: Playwright's, e.g. timezone_id="America/New_York" for the browser's zone
        # The app's service worker (portal/offline.py) keeps a copy of every page Today links
        # to, fetching them anew whenever Today changes: a dozen requests more to the test's
        # server for each check-off. A test of the app on the phone asks for it
        # (service_workers="allow"); the others run the pages as a browser without it would.
        context_options.setdefault("service_workers", "block")
        context = browser.new_context(
            viewport={"width": width, "height": height}, **context_options
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.on("console", lambda message: on_console(page, message))
        return page

    new_page.refused = refused
    yield new_page
    for context in contexts:
        context.close()
    assert not refused, "The Content-Security-Policy refused:\n" + "\n".join(refused)


@pytest.fixture
def screenshot_dir() -> Path:
    from tests.processes import ARTIFACTS

    folder = ARTIFACTS / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def live_site(live_server, settings):
    """The live server, with static files found where they lie (the test server's static
    handler cannot serve the hashed names that the production storage writes into pages)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    return live_server
