"""What would fail every request is said once, in one line, before the portal serves anything:
a database that does not answer, and static files never collected with DEBUG off."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from portal.redis_server import free_port
from tests.portal.test_configuration import assert_one_clear_line, good_env, manage
from tests.processes import BASE_DIR

UNREACHABLE = "postgres://postgres:hunter2@127.0.0.1:1/portal"


def the_one_line(output: str, words: str) -> str:
    assert "Traceback" not in output
    lines = [line for line in output.splitlines() if words in line]
    assert len(lines) == 1, output
    return lines[0]


@pytest.mark.parametrize(
    "command", [["check"], ["check", "--deploy"], ["check", "--tag", "database"]]
)
def test_check_names_an_unreachable_database_in_one_line(command: list[str]) -> None:
    result = manage(*command, DATABASE_URL=UNREACHABLE)
    assert result.returncode == 1, result.stderr
    line = the_one_line(result.stderr, "cannot reach the database")
    assert line.startswith(
        "?: (portal.E002) DATABASE_URL: cannot reach the database "
        "'postgres://postgres:***@127.0.0.1:1/portal': "
    ), line
    assert 'connection to server at "127.0.0.1", port 1 failed' in line
    assert "hunter2" not in result.stdout + result.stderr


def test_a_command_that_names_the_database_stops_with_the_configuration_line() -> None:
    line = assert_one_clear_line(
        manage("check", "--database", "default", DATABASE_URL=UNREACHABLE), "DATABASE_URL"
    )
    assert "cannot reach the database 'postgres://postgres:***@127.0.0.1:1/portal'" in line


@pytest.fixture
def empty_static_root(tmp_path: Path) -> Path:
    folder = tmp_path / "staticfiles"
    folder.mkdir()
    return folder


def missing_manifest_line(static_root: Path) -> str:
    return (
        f"STATIC_ROOT: {static_root} holds no collected static files (no staticfiles.json): "
        "run `manage.py collectstatic --noinput` before starting the portal with DEBUG off, "
        "or every page fails"
    )


def test_check_deploy_says_to_run_collectstatic_in_one_line(empty_static_root: Path) -> None:
    result = manage("check", "--deploy", STATIC_ROOT=str(empty_static_root))
    assert result.returncode == 1, result.stderr
    line = the_one_line(result.stderr, "collectstatic")
    assert line == f"?: (portal.E001) {missing_manifest_line(empty_static_root)}"


def test_what_serves_no_page_starts_without_static_files(empty_static_root: Path) -> None:
    # A worker or beat host, `migrate` or `send_due_reminders` (Celery runs the plain checks
    # when a worker starts).
    result = manage("check", STATIC_ROOT=str(empty_static_root))
    assert result.returncode == 0, result.stderr


def test_collectstatic_is_not_stopped_by_the_check_and_clears_it(empty_static_root: Path) -> None:
    collected = manage("collectstatic", "--noinput", "-v0", STATIC_ROOT=str(empty_static_root))
    assert collected.returncode == 0, collected.stderr
    assert (empty_static_root / "staticfiles.json").exists()
    assert manage("check", STATIC_ROOT=str(empty_static_root)).returncode == 0


def test_debug_on_needs_no_collectstatic(empty_static_root: Path) -> None:
    result = manage("check", DEBUG="true", STATIC_ROOT=str(empty_static_root))
    assert result.returncode == 0, result.stderr


def start_and_expect_a_refusal(command: list[str], **overrides: str | None) -> tuple[int, str, str]:
    """Runs a server command that should stop by itself; if it serves instead, stops it and
    every process it started."""
    env = good_env(**overrides)
    process = subprocess.Popen(
        command, cwd=BASE_DIR, env=env, text=True, start_new_session=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        stdout, stderr = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        stdout, stderr = process.communicate()
        pytest.fail(f"{command[2]} started instead of refusing:\n{stderr}")
    return process.returncode, stdout, stderr


def test_gunicorn_refuses_to_start_without_collected_static_files(
    empty_static_root: Path,
) -> None:
    # (tests/patients/test_unsubscribe.py starts the same gunicorn with the files collected.)
    status, _stdout, stderr = start_and_expect_a_refusal(
        [sys.executable, "-m", "gunicorn", "portal.wsgi", "-c", "python:portal.gunicorn",
         "--bind", f"127.0.0.1:{free_port()}", "--workers", "1"],
        STATIC_ROOT=str(empty_static_root),
        # The web does not wait for the database (it answers /healthz with 503 meanwhile): only
        # what would fail every page stops it.
        DATABASE_URL=UNREACHABLE,
    )  # fmt: skip
    assert status == 2, stderr
    line = the_one_line(stderr, "collectstatic")
    assert line == f"Configuration error: {missing_manifest_line(empty_static_root)} (portal.E001)"
    assert "Booting worker" not in stderr


def test_make_run_refuses_to_start_without_collected_static_files(
    empty_static_root: Path, tmp_path: Path
) -> None:
    status, stdout, stderr = start_and_expect_a_refusal(
        [sys.executable, "-m", "portal.run", "--port", str(free_port()), "--no-demo"],
        STATIC_ROOT=str(empty_static_root),
        DATABASE_URL=f"sqlite:///{tmp_path / 'portal.sqlite3'}",
        REDIS_URL=None,  # were it to start anyway, on a Redis of its own
    )
    assert status == 2, stderr
    line = the_one_line(stderr, "collectstatic")
    assert line == f"Configuration error: {missing_manifest_line(empty_static_root)} (portal.E001)"
    assert "The clinic exercise portal is starting." not in stdout
