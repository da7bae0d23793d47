"""Two test runs at once (two checkouts, or two terminals in one) never share a database or a
Redis queue, and each cleans up after itself; what a killed run left is removed by the next."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time

import psycopg
import pytest
import redis

from tests.processes import BASE_DIR
from tests.services import (
    LOCAL_REDIS,
    REDIS_MARK,
    RUN_DIR,
    postgres_answers,
    redis_answers,
)

# What conftest.py does when a run starts (pytest_configure) and ends (pytest_unconfigure).
CHOOSE = """
import json, os, sys, time
from tests.services import TestServices
services = TestServices()
services.choose()
print(json.dumps({"database": os.environ["DATABASE_URL"], "redis": os.environ["REDIS_URL"]}),
      flush=True)
import redis
client = redis.Redis.from_url(os.environ["REDIS_URL"])
client.set("portal:probe", "a queue's worth of data")
client.close()
sys.stdin.readline()  # until the test lets it end
services.stop()
"""


def a_run(mode: str) -> subprocess.Popen[str]:
    env = {
        key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "REDIS_URL"}
    }
    env["PORTAL_TEST_SERVICES"] = mode
    return subprocess.Popen(
        [sys.executable, "-c", CHOOSE],
        cwd=BASE_DIR,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


def dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def local_services_answer() -> bool:
    return postgres_answers() and redis_answers(f"{LOCAL_REDIS}/0")


@pytest.mark.skipif(not local_services_answer(), reason="needs PostgreSQL and Redis here")
def test_two_runs_at_once_get_their_own_database_and_redis_and_leave_nothing() -> None:
    runs = [a_run("external"), a_run("external")]
    try:
        chosen = [json.loads(run.stdout.readline()) for run in runs]
    finally:
        for run in runs:
            run.stdin.write("\n")
            run.stdin.flush()
            run.wait(timeout=30)
    assert chosen[0]["database"] != chosen[1]["database"]
    assert chosen[0]["redis"] != chosen[1]["redis"]
    for choice in chosen:
        assert "/portal_run_" in choice["database"]
        client = redis.Redis.from_url(choice["redis"])
        # Emptied when the run ended: its queues, its results and its mark.
        assert client.dbsize() == 0, choice["redis"]
        client.close()


@pytest.mark.skipif(not local_services_answer(), reason="needs PostgreSQL and Redis here")
def test_what_a_killed_run_left_is_removed_by_the_next() -> None:
    pid = dead_pid()
    leftover = f"test_portal_run_{pid}"
    with psycopg.connect("host=127.0.0.1 user=postgres dbname=postgres", autocommit=True) as db:
        db.execute(f'CREATE DATABASE "{leftover}"')
    # A Redis database still marked by the dead run, with its queue in it.
    held = None
    for number in range(1, 16):
        client = redis.Redis.from_url(f"{LOCAL_REDIS}/{number}")
        if client.dbsize() == 0:
            client.set(REDIS_MARK, f"{socket.gethostname()}:{pid}")
            client.rpush("celery", "a message nobody will take")
            held = number
            client.close()
            break
        client.close()
    assert held is not None, "no empty Redis database to leave behind"
    try:
        run = a_run("external")
        json.loads(run.stdout.readline())
        run.stdin.write("\n")
        run.stdin.flush()
        run.wait(timeout=30)
        with psycopg.connect("host=127.0.0.1 user=postgres dbname=postgres") as db:
            names = [name for (name,) in db.execute("SELECT datname FROM pg_database")]
        assert leftover not in names
        client = redis.Redis.from_url(f"{LOCAL_REDIS}/{held}")
        assert client.get(REDIS_MARK) is None and client.llen("celery") == 0
        client.close()
    finally:
        with psycopg.connect("host=127.0.0.1 user=postgres dbname=postgres", autocommit=True) as db:
            db.execute(f'DROP DATABASE IF EXISTS "{leftover}"')
        redis.Redis.from_url(f"{LOCAL_REDIS}/{held}").delete(REDIS_MARK, "celery")


def test_an_embedded_run_has_its_own_sqlite_file_and_a_killed_runs_file_goes() -> None:
    leftover = RUN_DIR / f"tests-{dead_pid()}.sqlite3-test"
    leftover.write_bytes(b"")
    started = time.monotonic()
    run = a_run("embedded")
    try:
        chosen = json.loads(run.stdout.readline())
    finally:
        run.stdin.write("\n")
        run.stdin.flush()
        run.wait(timeout=30)
    assert chosen["database"].endswith(f"tests-{run.pid}.sqlite3")
    assert not leftover.exists()
    assert time.monotonic() - started < 30
