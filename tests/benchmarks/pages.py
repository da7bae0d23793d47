"""Pages: requests a second that gunicorn (2 sync workers, DEBUG off, PostgreSQL, collected static
files) serves for each patient page and the admin's patient page, beside two reference views
served by the same gunicorn (tests/benchmarks/urls.py): a bare view (the middleware alone) and a
minimal logged-in view (the same middleware, session and user; a short text).

The load: CLIENTS threads, each with its own http.client connection (gunicorn's sync workers
close it after each response; http.client opens the next one), a warm-up, then ROUNDS rounds in
which every page is measured in turn, so that a slow moment of the shared machine touches all
pages alike; each figure is the median of its rounds.
"""

from __future__ import annotations

import http.client
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.benchmarks.table import Figure

BASE_DIR = Path(__file__).resolve().parent.parent.parent
CLIENTS = 4
ROUNDS = 5
ROUND_SECONDS = 1.5  # each page gets about this long a round, as a fixed number of requests
MIN_REQUESTS, MAX_REQUESTS = 30, 2_000
TODAY_GOAL_LOGGED_IN = 0.50  # Today and the check-off: at least half the minimal logged-in view
TODAY_GOAL_BARE = 0.15  # and at least 0.15× the bare view
PAGE_GOAL = 0.50  # every other page within 2× Today's time: at least half its rate


@dataclass
class Target:
    name: str
    path: str
    cookie: str
    method: str = "GET"
    headers: dict[str, str] = field(default_factory=dict)
    body: str = ""
    expect: str = ""  # a piece of text the response must hold (not a login page by mistake)
    requests: int = MIN_REQUESTS
    rates: list[float] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return statistics.median(self.rates)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Gunicorn:
    def __init__(self, environment: Any) -> None:
        self.port = free_port()
        self.static_root = tempfile.TemporaryDirectory(prefix="bench-static-")
        self.env = {
            **os.environ,
            "DATABASE_URL": environment.database_url,
            "REDIS_URL": environment.redis.url,
            "DEBUG": "false",
            "DJANGO_SETTINGS_MODULE": "tests.benchmarks.settings",
            "STATIC_ROOT": self.static_root.name,
            "LOG_LEVEL": "WARNING",
        }
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Gunicorn:
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
            cwd=BASE_DIR,
            env=self.env,
            check=True,
        )
        self.process = subprocess.Popen(
            [
                sys.executable, "-m", "gunicorn", "portal.wsgi:application",
                "-c", "python:portal.gunicorn", "--workers", "2", "--worker-class", "sync",
                "--bind", f"127.0.0.1:{self.port}", "--log-level", "warning",
            ],
            cwd=BASE_DIR,
            env=self.env,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn stopped with {self.process.returncode}")
            try:
                status, _body = request(self.port, "GET", "/healthz", {})
                if status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError("gunicorn did not answer /healthz within 60 s")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)
        self.static_root.cleanup()


def request(
    port: int, method: str, path: str, headers: dict[str, str], body: str = ""
) -> tuple[int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, body=body or None, headers=headers)
        response = connection.getresponse()
        return response.status, response.read().decode()
    finally:
        connection.close()


def load(port: int, target: Target, count: int) -> float:
    """Requests a second over `count` requests shared by CLIENTS threads."""
    remaining = [count]
    lock = threading.Lock()
    failures: list[str] = []
    headers = {**target.headers, "Cookie": target.cookie}
    if target.body:
        headers["Content-Type"] = "application/x-www-form-urlencoded"

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while True:
            with lock:
                if remaining[0] <= 0:
                    break
                remaining[0] -= 1
            connection.request(
                target.method, target.path, body=target.body or None, headers=headers
            )
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                failures.append(f"{target.path}: {response.status}")
        connection.close()

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if failures:
        raise RuntimeError(f"{len(failures)} requests failed, e.g. {failures[0]}")
    return count / elapsed


# The people and their programmes ----------------------------------------------------------


def session_cookie(user: Any, *, two_factor: bool = False) -> str:
    """A logged-in session as Django's login leaves it (and django-otp's, for staff)."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    if two_factor:
        from django_otp import DEVICE_ID_SESSION_KEY

        from tests.two_factor import confirmed_app

        session[DEVICE_ID_SESSION_KEY] = confirmed_app(user).persistent_id
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


@dataclass
class People:
    therapist_cookie: str
    cookies: dict[int, str]  # by number of exercises
    patients: dict[int, Any]
    first_item: int  # a prescribed exercise of the 20-exercise patient
    pain_report: int


def people_create() -> People:
    from patients.triage import pain_report_create
    from tests.factories import (
        ClinicFactory,
        PatientFactory,
        TherapistFactory,
        programme_with_history,
    )

    clinic = ClinicFactory(name="Benchmark clinic")
    therapist = TherapistFactory(clinic=clinic, user__email="therapist@pages-bench.example")
    patients, cookies, first_item = {}, {}, 0
    for size in (1, 20):
        patient = PatientFactory(
            primary_therapist=therapist, user__email=f"patient{size}@pages-bench.example"
        )
        # Two weeks of check-offs, for the history.
        items = programme_with_history(
            patient,
            size=size,
            started_days_ago=60,
            checked_off_days_ago=range(1, 15),
            reps=15,
            note="Slowly, and breathe out as you lift.",
        )
        patients[size], cookies[size] = patient, session_cookie(patient.user)
        first_item = items[0].pk
    report = pain_report_create(
        patient=patients[20], score=3, moment="morning", qualities=["dull"], note="Stiff."
    )
    return People(
        therapist_cookie=session_cookie(therapist.user, two_factor=True),
        cookies=cookies,
        patients=patients,
        first_item=first_item,
        pain_report=report.pk,
    )


def csrf_token(port: int, cookie: str) -> tuple[str, str]:
    """The CSRF cookie and the token a page's forms carry."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", "/today/", headers={"Cookie": cookie})
    response = connection.getresponse()
    html = response.read().decode()
    set_cookie = response.getheader("Set-Cookie") or ""
    connection.close()
    csrf_cookie = re.search(r"csrftoken=([^;]+)", set_cookie)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    if not (csrf_cookie and token):
        raise RuntimeError("no CSRF cookie or token on /today/")
    return f"{cookie}; csrftoken={csrf_cookie.group(1)}", token.group(1)


def targets_for(port: int, people: People) -> dict[str, Target]:
    twenty = people.cookies[20]
    post_cookie, token = csrf_token(port, twenty)
    admin_path = f"/admin/patients/patient/{people.patients[20].pk}/change/"
    targets = [
        Target("bare", "/bench/bare/", "", expect="ok"),
        Target("logged-in", "/bench/logged-in/", twenty, expect="Hello"),
        Target("today 1", "/today/", people.cookies[1], expect="0 of 1 exercise done"),
        Target("today 20", "/today/", twenty, expect="of 20 exercises done"),
        Target(
            "check-off",
            f"/today/exercises/{people.first_item}/check-off/",
            post_cookie,
            method="POST",
            headers={"HX-Request": "true", "X-CSRFToken": token},
            body="session=1",
            expect="Undo",
        ),
        Target("programme", "/programme/", twenty, expect="Home programme"),
        Target("exercise page", f"/programme/exercises/{people.first_item}/", twenty, expect="Why"),
        Target("pain report form", "/pain/new/", twenty, expect="pain"),
        Target("pain report", f"/pain/{people.pain_report}/", twenty, expect="3"),
        Target("safety check", "/safety-check/", twenty, expect="urgent"),
        Target("history", "/history/", twenty, expect="History"),
        Target("settings", "/settings/", twenty, expect="Europe/London"),
        Target("admin patient page", admin_path, people.therapist_cookie, expect="Europe/London"),
    ]
    return {target.name: target for target in targets}


def check(port: int, target: Target) -> None:
    headers = {**target.headers, "Cookie": target.cookie}
    if target.body:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    status, body = request(port, target.method, target.path, headers, target.body)
    if status != 200 or target.expect not in body:
        raise RuntimeError(f"{target.name} ({target.path}): {status}, not the expected page")


def measure(port: int, targets: dict[str, Target], log: Callable[[str], None] = print) -> None:
    for target in targets.values():
        check(port, target)
        load(port, target, 10)  # warm-up: each worker's first requests import and connect
        warm = load(port, target, MIN_REQUESTS)
        target.requests = int(min(MAX_REQUESTS, max(MIN_REQUESTS, warm * ROUND_SECONDS)))
    for number in range(1, ROUNDS + 1):
        for target in targets.values():
            target.rates.append(load(port, target, target.requests))
        log(f"  round {number}/{ROUNDS}: " + ", ".join(
            f"{target.name} {target.rates[-1]:,.0f}" for target in targets.values()
        ))  # fmt: skip


def figures_from(targets: dict[str, Target]) -> list[Figure]:
    bare, logged_in = targets["bare"].rate, targets["logged-in"].rate
    today = targets["today 20"].rate

    def figure(
        name: str, words: str, reference: float, reference_name: str, goal: float | None
    ) -> Figure:
        rate = targets[name].rate
        return Figure(
            "pages",
            words,
            rate,
            "req/s",
            reference=reference,
            reference_name=reference_name,
            goal=f"≥ {goal:.2f}×" if goal is not None else "",
            met=rate >= goal * reference if goal is not None else None,
        )

    figures = [
        Figure("pages", f"bare view (anonymous), median of {ROUNDS}", bare, "req/s"),
        figure("logged-in", "minimal logged-in view", bare, "bare view", None),
        figure("today 1", "/today/, 1 exercise", logged_in, "logged-in view", None),
    ]
    for name, words in (
        ("today 20", "/today/, 20 exercises"),
        ("check-off", "check-off POST (htmx), 20 exercises"),
    ):
        figures.append(figure(name, words, logged_in, "logged-in view", TODAY_GOAL_LOGGED_IN))
        figures.append(figure(name, words, bare, "bare view", TODAY_GOAL_BARE))
    for name, target in targets.items():
        if name in {"bare", "logged-in", "today 1", "today 20", "check-off"}:
            continue
        words = f"{target.path.split('?')[0]} ({name}), 20 exercises"
        if name == "admin patient page":
            words = "admin patient change page (therapist, 2FA)"
        figures.append(figure(name, words, today, "/today/, 20", PAGE_GOAL))
    return figures


def run(environment: Any) -> list[Figure]:
    people = people_create()
    server = Gunicorn(environment).start()
    try:
        targets = targets_for(server.port, people)
        measure(server.port, targets)
    finally:
        server.stop()
    return figures_from(targets)
