"""`make run` on a fresh checkout: the whole portal comes up and Ctrl-C stops all of it."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

from portal.redis_server import free_port
from tests.markdown import example_pattern, fenced_blocks, readme_section
from tests.processes import ARTIFACTS, BASE_DIR


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()
    except OSError:
        return 0, ""


def start_portal(
    port: int, database: Path, log: Path, redis_url: str | None = None
) -> subprocess.Popen[bytes]:
    """`make run` as a newcomer starts it (a Redis of its own), or with `redis_url`."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "SECRET_KEY", "DEBUG", "DJANGO_SETTINGS_MODULE", "REDIS_URL"}
    }
    env["DATABASE_URL"] = f"sqlite:///{database}"
    if redis_url:
        env["REDIS_URL"] = redis_url
    env["PYTHONUNBUFFERED"] = "1"
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "portal.run", "--port", str(port)],
            cwd=BASE_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def wait_for_worker(site: str, process: subprocess.Popen[bytes], log: Path) -> dict[str, str]:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()
        status, body = get(f"{site}/healthz?worker=1")
        if status == 200:
            return {"body": body}
        time.sleep(0.5)
    pytest.fail(f"The portal did not become healthy:\n{log.read_text()}")


def stop_with_ctrl_c(process: subprocess.Popen[bytes], log: Path) -> None:
    os.killpg(process.pid, signal.SIGINT)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        pytest.fail(f"Ctrl-C did not stop the portal:\n{log.read_text()}")
    time.sleep(0.5)
    survivors = subprocess.run(
        ["ps", "-o", "pid=,args=", "-g", str(process.pid)],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    assert survivors == "", f"processes left behind after Ctrl-C:\n{survivors}"


def assert_readme_banner_is_printed(output: str, *, site: str) -> None:
    """The README's `make run` banner is what the first run prints, line for line (with this
    run's addresses; its "…" stand for the library's other counts)."""
    [banner] = [
        body
        for info, body in fenced_blocks(readme_section("The two commands"))
        if not info and "is starting" in body
    ]
    [readme_redis] = re.findall(r"Redis: (redis://\S+)", banner)
    [(printed_redis, port)] = re.findall(r"Redis: (redis://127\.0\.0\.1:(\d+)/0) ", output)
    assert int(port) != 6379  # a Redis of its own, never the machine's shared one
    expected = [
        example_pattern(
            line.replace("http://127.0.0.1:8000", site).replace(readme_redis, printed_redis)
        )
        for line in banner.splitlines()
    ]
    printed = output.splitlines()
    start = printed.index(banner.splitlines()[0])
    for pattern, line in zip(expected, printed[start : start + len(expected)], strict=True):
        assert pattern.fullmatch(line), (pattern.pattern, line)


@pytest.mark.slow
def test_make_run_serves_site_admin_and_worker_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    database = tmp_path / "portal.sqlite3"
    ARTIFACTS.mkdir(exist_ok=True)
    for attempt in (1, 2):
        log = ARTIFACTS / f"make-run-{attempt}.log"
        log.unlink(missing_ok=True)
        port = free_port()
        site = f"http://127.0.0.1:{port}"
        # The first run as a newcomer's; the second with an explicit REDIS_URL (the suite's
        # own Redis database, where no worker of the suite listens meanwhile).
        redis_url = None if attempt == 1 else settings.REDIS_URL
        process = start_portal(port, database, log, redis_url)
        try:
            wait_for_worker(site, process, log)
            home_status, home = get(f"{site}/")
            admin_status, admin = get(f"{site}/admin/login/")
            css_status, _ = get(f"{site}/static/vendor/bootstrap/bootstrap.min.css")
        finally:
            stop_with_ctrl_c(process, log)
        output = log.read_text()
        if attempt == 1:
            assert_readme_banner_is_printed(output, site=site)
        assert home_status == 200 and "Log in" in home
        assert admin_status == 200 and "Clinic exercise portal" in admin
        assert css_status == 200
        assert f"Site:  {site}/" in output
        assert f"Admin: {site}/admin/" in output
        if attempt == 2:
            # An explicit REDIS_URL is used as it is (the worker answered through it above).
            assert f"Redis: {settings.REDIS_URL} (from REDIS_URL)" in output
        assert "therapist@demo.clinic" in output and "alex@demo.clinic" in output
        library = "Library imported" if attempt == 1 else "Library already up to date"
        assert library in output

    counts = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]);"
            "print(c.execute('select count(*) from patients_user').fetchone()[0],"
            " c.execute('select count(*) from patients_clinic').fetchone()[0])",
            str(database),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert counts == ["3", "1"], "a second `make run` must not duplicate the demo clinic"


def test_make_run_refuses_a_port_in_use() -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "portal.run", "--port", str(port)],
            cwd=BASE_DIR,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"Configuration error: PORT: 127.0.0.1:{port} is already in use; "
        f"try `make run PORT={port + 1}`"
    )
