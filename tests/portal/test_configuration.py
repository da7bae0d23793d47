"""A bad setting stops the portal with one line that names the variable, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.processes import BASE_DIR

GOOD = {
    "DEBUG": "false",
    "SECRET_KEY": "a-long-random-production-key-for-these-tests-0123456789",
    "DATABASE_URL": f"sqlite:///{BASE_DIR / '.run' / 'config-check.sqlite3'}",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
}


def good_env(**overrides: str | None) -> dict[str, str]:
    """This process's environment with the GOOD settings, changed by `overrides` (None
    removes a variable)."""
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE"}}
    env.update(GOOD)
    for name, value in overrides.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def run(command: list[str], **overrides: str | None) -> subprocess.CompletedProcess[str]:
    env = good_env(**overrides)
    return subprocess.run(
        command, cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=60, check=False
    )


def manage(*args: str, **overrides: str | None) -> subprocess.CompletedProcess[str]:
    return run([sys.executable, "manage.py", *args], **overrides)


def assert_one_clear_line(result: subprocess.CompletedProcess[str], variable: str) -> str:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"Configuration error: {variable}:"), lines[0]
    return lines[0]


def test_good_configuration_passes_the_checks() -> None:
    result = manage("check", "--deploy", "--fail-level", "ERROR")
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("variable", "overrides", "words"),
    [
        ("SECRET_KEY", {"SECRET_KEY": None}, "must be set when DEBUG is off"),
        ("SECRET_KEY", {"SECRET_KEY": ""}, "must be set when DEBUG is off"),
        (
            "SECRET_KEY",
            {"SECRET_KEY": "development-only-key-never-use-in-a-clinic"},
            "development default",
        ),
        ("SECRET_KEY", {"SECRET_KEY": "django-insecure-abc"}, "development default"),
        ("DEBUG", {"DEBUG": "maybe"}, "expected true or false"),
        ("REDIS_URL", {"REDIS_URL": "http://127.0.0.1:6379/0"}, "expected redis://"),
        (
            "FRAGMENTS_KEPT_PER_PROCESS",
            {"FRAGMENTS_KEPT_PER_PROCESS": "-1"},
            "a number between 0",
        ),
        ("REDIS_URL", {"REDIS_URL": "redis://127.0.0.1:port/0"}, "malformed Redis URL"),
        ("REDIS_URL", {"REDIS_URL": "redis://127.0.0.1:6379/zero"}, "must be a number"),
        ("REDIS_URL", {"REDIS_URL": "redis://:secret@/0"}, "no host"),
        ("DATABASE_URL", {"DATABASE_URL": "nosuchdb://host/db"}, "runs on PostgreSQL"),
        ("EMAIL_URL", {"EMAIL_URL": "pigeon://loft"}, "not an email URL"),
        ("TIME_ZONE", {"TIME_ZONE": "Mars/Olympus_Mons"}, "not a time zone"),
        ("SESSION_COOKIE_AGE", {"SESSION_COOKIE_AGE": "a fortnight"}, "whole number"),
        ("LOG_LEVEL", {"LOG_LEVEL": "LOUD"}, "expected DEBUG"),
        ("SESSION_IDLE_MINUTES_STAFF", {"SESSION_IDLE_MINUTES_STAFF": "0"}, "between 1"),
        ("EMAIL_TIMEOUT", {"EMAIL_TIMEOUT": "0"}, "between 1 and 60"),
        (
            "DELIVERY_CLAIM_LEASE_SECONDS",
            {"DELIVERY_CLAIM_LEASE_SECONDS": "45", "EMAIL_TIMEOUT": "30"},
            "at least six times EMAIL_TIMEOUT (180 s)",
        ),
        ("DELIVERY_REDISPATCH_SECONDS", {"DELIVERY_REDISPATCH_SECONDS": "5"}, "between 60"),
        (
            "SESSION_IDLE_MINUTES_PATIENT",
            {"SESSION_IDLE_MINUTES_PATIENT": "a week"},
            "whole number",
        ),
    ],
)
def test_bad_variable_is_named_in_one_line(
    variable: str, overrides: dict[str, str | None], words: str
) -> None:
    line = assert_one_clear_line(manage("check", **overrides), variable)
    assert words in line
    assert "secret@" not in line  # a password in a URL is never printed


@pytest.mark.parametrize(("kept", "shows"), [("0", ["DummyCache"]), ("50", ["LocMemCache", "50"])])
def test_each_process_keeps_as_many_fragments_as_it_is_told(kept: str, shows: list[str]) -> None:
    """0 keeps none at all (LocMemCache would still keep a few)."""
    shown = manage(
        "shell",
        "-c",
        "from django.core.cache import caches; c = caches['fragments'];"
        "print(type(c).__name__, *[c._max_entries] * (type(c).__name__ == 'LocMemCache'))",
        FRAGMENTS_KEPT_PER_PROCESS=kept,
    )
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.split()[-len(shows) :] == shows


def test_debug_on_runs_without_a_secret_key() -> None:
    assert manage("check", DEBUG="true", SECRET_KEY=None).returncode == 0


@pytest.mark.parametrize(
    "database_url",
    [
        "postgres://postgres:hunter2@127.0.0.1:1/portal",
        "sqlite:////nonexistent-folder/portal.sqlite3",
    ],
)
def test_unreachable_database_is_named_in_one_line(database_url: str) -> None:
    line = assert_one_clear_line(manage("migrate", DATABASE_URL=database_url), "DATABASE_URL")
    assert "cannot reach the database" in line
    assert "hunter2" not in line


def test_celery_worker_refuses_bad_configuration_in_one_line() -> None:
    result = run([sys.executable, "-m", "celery", "-A", "portal.celery", "worker"], SECRET_KEY=None)
    assert_one_clear_line(result, "SECRET_KEY")


def test_wsgi_application_refuses_bad_configuration_in_one_line() -> None:
    result = run([sys.executable, "-c", "import portal.wsgi"], REDIS_URL="redis://x:y")
    assert_one_clear_line(result, "REDIS_URL")


# Push reminders' VAPID keys ------------------------------------------------------------------


def printed_vapid_keys(*args: str) -> dict[str, str]:
    """`manage.py vapid_keys`'s lines, as the environment takes them."""
    result = manage("vapid_keys", *args)
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stdout.splitlines() if line and not line.startswith("#")]
    return dict(line.split("=", 1) for line in lines)


def push_is_set_up(**overrides: str | None) -> str:
    shown = manage(
        "shell",
        "-c",
        "from django.conf import settings; print(bool(settings.VAPID_PRIVATE_KEY))",
        **overrides,
    )
    assert shown.returncode == 0, shown.stderr
    return shown.stdout.split()[-1]


def test_the_printed_vapid_keys_turn_push_reminders_on() -> None:
    keys = printed_vapid_keys("--subject", "mailto:operations@clinic.example")
    assert sorted(keys) == ["VAPID_PRIVATE_KEY", "VAPID_PUBLIC_KEY", "VAPID_SUBJECT"]
    assert push_is_set_up(**keys) == "True"
    assert push_is_set_up() == "False"  # no keys: push reminders are off, nothing fails
    refused = manage("vapid_keys", "--subject", "operations@clinic.example")
    assert refused.returncode != 0 and refused.stdout == ""
    assert "--subject: expected mailto:" in refused.stderr


def test_a_bad_vapid_variable_is_named_in_one_line() -> None:
    from tests.push_service import VapidPair

    pair, other = VapidPair.new(), VapidPair.new()
    good = {**pair.environment()}
    cases = [
        ("VAPID_PUBLIC_KEY", {"VAPID_PUBLIC_KEY": None}, "must be set with VAPID_PRIVATE_KEY"),
        ("VAPID_PRIVATE_KEY", {"VAPID_PRIVATE_KEY": None}, "must be set with VAPID_PUBLIC_KEY"),
        ("VAPID_PRIVATE_KEY", {"VAPID_PRIVATE_KEY": pair.private[:-4]}, "32 bytes"),
        ("VAPID_PRIVATE_KEY", {"VAPID_PRIVATE_KEY": "_" * 43}, "is not a P-256 private key"),
        ("VAPID_PUBLIC_KEY", {"VAPID_PUBLIC_KEY": "not a key!"}, "65 bytes"),
        ("VAPID_PUBLIC_KEY", {"VAPID_PUBLIC_KEY": other.public}, "not the public key of"),
        ("VAPID_SUBJECT", {"VAPID_SUBJECT": None}, "must be set with the VAPID keys"),
        ("VAPID_SUBJECT", {"VAPID_SUBJECT": "operations@clinic.example"}, "expected mailto:"),
        ("VAPID_SUBJECT", {"VAPID_SUBJECT": "http://clinic.example"}, "expected mailto:"),
    ]
    for variable, overrides, words in cases:
        line = assert_one_clear_line(manage("check", **{**good, **overrides}), variable)
        assert words in line, line
        assert pair.private not in line  # the secret is never printed
