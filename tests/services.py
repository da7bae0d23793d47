"""Which database and which Redis the test suite talks to.

`make test` uses PostgreSQL and Redis on 127.0.0.1 when they answer, and SQLite and an embedded
Redis when they do not. PORTAL_TEST_SERVICES chooses explicitly:
  auto      (default) as above; DATABASE_URL / REDIS_URL, when set, win;
  external  PostgreSQL and Redis must answer (CI), or the run stops at once;
  embedded  SQLite and an embedded Redis, whatever runs on this machine.

Each run has a database and a Redis database of its own, so two checkouts (or two runs in one
checkout) testing at once never share rows or a queue: the PostgreSQL database
`test_portal_run_<pid>`, the SQLite file `.run/tests-<pid>.sqlite3-test`, and the first Redis
database (15 down to 1) that is empty, which the run marks as its own and empties when it ends.
What a run that was killed left behind is removed by the next run on the machine.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

import redis

from portal.redis_server import DEFAULT_HOST, DEFAULT_PORT, EmbeddedRedis, redis_answers

BASE_DIR = Path(__file__).resolve().parent.parent
RUN_DIR = BASE_DIR / ".run"
RUN_PREFIX = "portal_run_"
POSTGRES = "postgres://postgres@127.0.0.1:5432/{name}"
LOCAL_REDIS = f"redis://{DEFAULT_HOST}:{DEFAULT_PORT}"
REDIS_MARK = "portal:test-run"  # in a Redis database a run took: which run holds it
REDIS_MARK_SECONDS = 6 * 3600


def this_run() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def run_is_alive(run: str) -> bool:
    """Whether the test run `host:pid` still runs (a run on another host is assumed to)."""
    host, _, pid = run.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def postgres_answers() -> bool:
    import psycopg

    try:
        with psycopg.connect(
            "host=127.0.0.1 port=5432 user=postgres dbname=postgres connect_timeout=2"
        ):
            return True
    except psycopg.Error:
        return False


def postgres_leftovers_drop() -> list[str]:
    """Drop the test databases of runs on this machine that died before dropping their own."""
    import psycopg

    dropped = []
    with psycopg.connect(
        "host=127.0.0.1 port=5432 user=postgres dbname=postgres connect_timeout=2",
        autocommit=True,
    ) as connection:
        names = [
            name
            for (name,) in connection.execute(
                "SELECT datname FROM pg_database WHERE datname LIKE %s",
                [f"test_{RUN_PREFIX}%"],
            )
        ]
        for name in names:
            pid = name.removeprefix(f"test_{RUN_PREFIX}")
            if pid.isdigit() and not run_is_alive(f"{socket.gethostname()}:{pid}"):
                connection.execute(
                    psycopg.sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                        psycopg.sql.Identifier(name)
                    )
                )
                dropped.append(name)
    return dropped


def sqlite_leftovers_remove() -> None:
    for path in RUN_DIR.glob("tests-*.sqlite3*"):
        pid = path.name.removeprefix("tests-").split(".", 1)[0]
        if pid.isdigit() and not run_is_alive(f"{socket.gethostname()}:{pid}"):
            path.unlink(missing_ok=True)


def redis_leftovers_remove(base_url: str = LOCAL_REDIS) -> None:
    """Empty the Redis databases that runs on this machine held when they died."""
    for number in range(15, 0, -1):
        client = redis.Redis.from_url(f"{base_url}/{number}", socket_timeout=2)
        try:
            holder = (client.get(REDIS_MARK) or b"").decode()
            if holder and not run_is_alive(holder):
                client.flushdb()
        finally:
            client.close()


def redis_database_claim(base_url: str = LOCAL_REDIS) -> int | None:
    """The number of an empty Redis database this run now holds, marked as its own. None if
    every database from 15 down to 1 is in use (database 0 is left to development)."""
    redis_leftovers_remove(base_url)
    for number in range(15, 0, -1):
        client = redis.Redis.from_url(f"{base_url}/{number}", socket_timeout=2)
        try:
            if client.set(REDIS_MARK, this_run(), nx=True, ex=REDIS_MARK_SECONDS):
                if client.dbsize() == 1:
                    return number
                client.delete(REDIS_MARK)  # someone's data: not ours to take
        finally:
            client.close()
    return None


def redis_database_release(url: str) -> None:
    """Empty the run's Redis database (its queues, results and mark), if it is still ours."""
    client = redis.Redis.from_url(url, socket_timeout=2)
    try:
        if (client.get(REDIS_MARK) or b"").decode() == this_run():
            client.flushdb()
    except redis.RedisError:
        pass  # Redis went away; there is nothing left to empty
    finally:
        client.close()


class TestServices:
    def __init__(self) -> None:
        self.embedded_redis: EmbeddedRedis | None = None
        self.claimed_redis: str | None = None
        self.description = ""

    def choose(self) -> None:
        mode = os.environ.get("PORTAL_TEST_SERVICES", "auto")
        if mode not in {"auto", "external", "embedded"}:
            raise SystemExit(
                f"PORTAL_TEST_SERVICES: expected auto, external or embedded, got {mode!r}"
            )
        RUN_DIR.mkdir(exist_ok=True)
        sqlite = f"sqlite:///{RUN_DIR / f'tests-{os.getpid()}.sqlite3'}"
        if mode == "embedded":
            os.environ["DATABASE_URL"] = sqlite
            os.environ.pop("REDIS_URL", None)
        else:
            if not os.environ.get("DATABASE_URL"):
                if postgres_answers():
                    postgres_leftovers_drop()
                    name = f"{RUN_PREFIX}{os.getpid()}"
                    os.environ["DATABASE_URL"] = POSTGRES.format(name=name)
                elif mode == "external":
                    raise SystemExit("PostgreSQL does not answer on 127.0.0.1:5432")
                else:
                    os.environ["DATABASE_URL"] = sqlite
            if not os.environ.get("REDIS_URL"):
                if redis_answers(f"{LOCAL_REDIS}/0"):
                    number = redis_database_claim()
                    if number is not None:
                        self.claimed_redis = f"{LOCAL_REDIS}/{number}"
                        os.environ["REDIS_URL"] = self.claimed_redis
                    elif mode == "external":
                        raise SystemExit("Redis on 127.0.0.1:6379 has no free database (1–15)")
                elif mode == "external":
                    raise SystemExit("Redis does not answer on 127.0.0.1:6379")
        if os.environ["DATABASE_URL"].startswith("sqlite"):
            sqlite_leftovers_remove()
        if not os.environ.get("REDIS_URL"):
            self.embedded_redis = EmbeddedRedis().start()
            os.environ["REDIS_URL"] = self.embedded_redis.url
        database = os.environ["DATABASE_URL"].split(":", 1)[0]
        redis_kind = "embedded" if self.embedded_redis else "external"
        self.description = (
            f"portal services: database={database} redis={redis_kind} ({os.environ['REDIS_URL']})"
        )

    def stop(self) -> None:
        if self.claimed_redis is not None:
            redis_database_release(self.claimed_redis)
            self.claimed_redis = None
        if self.embedded_redis is not None:
            self.embedded_redis.stop()
            self.embedded_redis = None
