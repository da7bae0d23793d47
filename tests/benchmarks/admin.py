"""Admin lists at 10,000 patients: each list plain, with each filter and with each sort, as a
clinic admin sees it (in process, Django's test client, DEBUG off, a verified two-factor session),
in ms per request beside the same list plain, measured in the same rounds. Goal: no filter or
sort takes more than twice the plain list; the query count is each page's too."""

from __future__ import annotations

import contextlib
import gc
import statistics
import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

from tests.benchmarks.table import Figure

PATIENTS = 10_000
ROUNDS = 7
GOAL = 2.0


def clinic_create(now: datetime) -> Any:
    """A clinic of its own (another section may have filled a "Bench clinic"), its clinic admin
    and its patients, with three weeks of history."""
    from patients.models import Clinic, Therapist
    from tests.bulk import clinic_patients_create
    from tests.factories import TherapistFactory

    clinic = Clinic.objects.create(name="Admin bench clinic")
    therapist = TherapistFactory(
        clinic=clinic, role=Therapist.Role.CLINIC_ADMIN, user__email="admin@admin-bench.example"
    )
    started = time.perf_counter()
    clinic_patients_create(therapist, PATIENTS, now, prefix="bulk")
    print(f"  {PATIENTS:,} patients made in {time.perf_counter() - started:.0f} s", flush=True)
    return therapist


def pages(therapist: Any) -> dict[str, list[str]]:
    """Each list and its query strings, the plain list first (the table in the test of query
    counts, tests/portal/test_admin_lists.py, filled in for this clinic)."""
    from patients.models import Patient
    from tests.portal.test_admin_lists import LISTS

    patient = Patient.objects.filter(clinic=therapist.clinic).order_by("pk").first()
    return {
        name: [
            query.format(therapist=therapist.pk, patient=patient.pk, person=therapist.user_id)
            for query in queries
        ]
        for name, queries in LISTS.items()
    }


def measure(client: Any, url: str) -> tuple[float, int]:
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    reset_queries()  # the log keeps 9,000 queries: a full log would count none
    # A full collection now rather than inside a page: with allocations the same each round,
    # Python's collector otherwise struck the same few pages every round (+80-100 ms each).
    gc.collect()
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        response = client.get(url)
        elapsed = time.perf_counter() - started
    assert response.status_code == 200, (url, response.status_code)
    return elapsed * 1000, len(captured)


def run(environment: object) -> list[Figure]:
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import reverse

    from tests.two_factor import verified_login

    with contextlib.suppress(RuntimeError):  # another section set it up already
        setup_test_environment()  # the test client's host, DEBUG off
    call_command("collectstatic", "--noinput", verbosity=0)
    now = datetime.now(UTC)
    therapist = clinic_create(now)
    with connection.cursor() as cursor:  # fresh statistics, as autovacuum would soon have
        cursor.execute("ANALYZE")
    client = verified_login(Client(), therapist.user)
    # The 10,000 patients' objects made above are not a web worker's: out of the collector's way.
    gc.collect()
    gc.freeze()

    urls = {
        (name, query): f"{reverse(f'admin:{name}_changelist')}?{query}"
        for name, queries in pages(therapist).items()
        for query in queries
    }
    times: dict[tuple[str, str], list[float]] = {key: [] for key in urls}
    queries: dict[tuple[str, str], int] = {}
    for url in urls.values():  # warm-up: caches, the database's buffers
        measure(client, url)
    # Rounds over every page in turn: a slow moment of the machine touches all pages alike.
    for _round in range(ROUNDS):
        for key, url in urls.items():
            elapsed, count = measure(client, url)
            times[key].append(elapsed)
            queries[key] = count

    figures = []
    for (name, query), samples in times.items():
        label = plural(name)
        median = statistics.median(samples)
        plain = statistics.median(times[name, ""])
        shown = f"{label} ?{unquote(query)}" if query else f"{label}, plain"
        figure = Figure("admin", f"{shown} ({queries[name, query]} queries)", median, "ms")
        if query:
            figure.reference = plain
            figure.reference_name = f"{label}, plain"
            figure.goal = f"≤ {GOAL:.2f}×"
            figure.met = median <= GOAL * plain
        figures.append(figure)
    return figures


def plural(changelist: str) -> str:
    from django.apps import apps

    app_label, model_name = changelist.split("_", 1)
    return str(apps.get_model(app_label, model_name)._meta.verbose_name_plural)
