from __future__ import annotations

import os

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


@pytest.fixture(scope="session")
def portal_worker(django_db_setup, django_db_blocker):
    """A real Celery worker, shared by the session, consuming from the suite's Redis."""
    from portal.celery import app
    from tests.processes import WorkerProcess

    with django_db_blocker.unblock():
        app.control.purge()
        worker = WorkerProcess()
        worker.start()
    yield worker
    worker.stop()


@pytest.fixture(scope="session", autouse=True)
def collected_static_files() -> None:
    # With DEBUG off the portal serves hashed, compressed files as in production: build them once.
    from django.core.management import call_command

    call_command("collectstatic", "--noinput", verbosity=0)
