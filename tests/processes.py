"""Real processes for tests: a Celery worker against the suite's Redis and test database."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.db import connection

BASE_DIR = Path(__file__).resolve().parent.parent
ARTIFACTS = BASE_DIR / "test-artifacts"


def test_database_url() -> str:
    """The URL of the database the tests run on, for a process started by a test."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{host}:{port}/{db['NAME']}"


def process_env(**overrides: str) -> dict[str, str]:
    env = os.environ.copy()
    env.update(
        {
            "DATABASE_URL": test_database_url(),
            "REDIS_URL": settings.REDIS_URL,
            "DJANGO_SETTINGS_MODULE": "portal.settings",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(overrides)
    return env


class WorkerProcess:
    """`celery worker` as an operator starts it, with its log kept under test-artifacts/."""

    def __init__(self, *, concurrency: int = 1, pool: str = "prefork", **env: str) -> None:
        self.name = f"test-{uuid.uuid4().hex[:8]}"
        ARTIFACTS.mkdir(exist_ok=True)
        self.log_path = ARTIFACTS / f"worker-{self.name}.log"
        self.command = [
            sys.executable, "-m", "celery", "-A", "portal.celery", "worker",
            f"--hostname={self.name}@%h", f"--pool={pool}", f"--concurrency={concurrency}",
            "--loglevel=INFO", "--without-gossip", "--without-mingle", "--without-heartbeat",
        ]  # fmt: skip
        self.env = process_env(**env)
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 30.0) -> WorkerProcess:
        from celery import Celery

        # Asked through the worker's own Redis, which may not be the suite's.
        app = Celery(broker=self.env["REDIS_URL"])
        # Messages left by earlier tests (retries published in-process) are not this test's.
        app.control.purge()

        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            self.command, cwd=BASE_DIR, env=self.env, stdout=log, stderr=subprocess.STDOUT
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"The worker exited at start:\n{self.log()}")
            replies = app.control.ping(
                destination=[f"{self.name}@{os.uname().nodename}"], timeout=0.5
            )
            if replies:
                app.close()
                return self
        app.close()
        self.stop()
        raise RuntimeError(f"The worker did not answer within {timeout:g} s:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        # The prefork pool's children die with their parent's socket; make sure of it.
        subprocess.run(["pkill", "-9", "-f", "--", f"--hostname={self.name}@"], check=False)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
        self.process = None

    def __enter__(self) -> WorkerProcess:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
