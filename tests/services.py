"""Which database and which Redis the test suite talks to.

`make test` uses PostgreSQL and Redis on 127.0.0.1 when they answer, and SQLite and an embedded
Redis when they do not. PORTAL_TEST_SERVICES chooses explicitly:
  auto      (default) as above; DATABASE_URL / REDIS_URL, when set, win;
  external  PostgreSQL and Redis must answer (CI), or the run stops at once;
  embedded  SQLite and an embedded Redis, whatever runs on this machine.
"""

from __future__ import annotations

import os
from pathlib import Path

from portal.redis_server import DEFAULT_HOST, DEFAULT_PORT, EmbeddedRedis, redis_answers

BASE_DIR = Path(__file__).resolve().parent.parent
LOCAL_POSTGRES = "postgres://postgres@127.0.0.1:5432/portal"
# A database number of its own, so the suite never touches a developer's data in db 0.
LOCAL_REDIS = f"redis://{DEFAULT_HOST}:{DEFAULT_PORT}/15"
SQLITE = f"sqlite:///{BASE_DIR / '.run' / 'tests.sqlite3'}"


def postgres_answers(url: str = LOCAL_POSTGRES) -> bool:
    import psycopg

    try:
        with psycopg.connect(
            "host=127.0.0.1 port=5432 user=postgres dbname=postgres connect_timeout=2"
        ):
            return True
    except psycopg.Error:
        return False


class TestServices:
    def __init__(self) -> None:
        self.embedded_redis: EmbeddedRedis | None = None
        self.description = ""

    def choose(self) -> None:
        mode = os.environ.get("PORTAL_TEST_SERVICES", "auto")
        if mode not in {"auto", "external", "embedded"}:
            raise SystemExit(
                f"PORTAL_TEST_SERVICES: expected auto, external or embedded, got {mode!r}"
            )
        (BASE_DIR / ".run").mkdir(exist_ok=True)
        if mode == "embedded":
            os.environ["DATABASE_URL"] = SQLITE
            os.environ.pop("REDIS_URL", None)
        else:
            if not os.environ.get("DATABASE_URL"):
                if postgres_answers():
                    os.environ["DATABASE_URL"] = LOCAL_POSTGRES
                elif mode == "external":
                    raise SystemExit("PostgreSQL does not answer on 127.0.0.1:5432")
                else:
                    os.environ["DATABASE_URL"] = SQLITE
            if not os.environ.get("REDIS_URL"):
                if redis_answers(LOCAL_REDIS):
                    os.environ["REDIS_URL"] = LOCAL_REDIS
                elif mode == "external":
                    raise SystemExit("Redis does not answer on 127.0.0.1:6379")
        if not os.environ.get("REDIS_URL"):
            self.embedded_redis = EmbeddedRedis().start()
            os.environ["REDIS_URL"] = self.embedded_redis.url
        database = os.environ["DATABASE_URL"].split(":", 1)[0]
        redis_kind = "embedded" if self.embedded_redis else "external"
        self.description = (
            f"portal services: database={database} redis={redis_kind} ({os.environ['REDIS_URL']})"
        )

    def stop(self) -> None:
        if self.embedded_redis is not None:
            self.embedded_redis.stop()
            self.embedded_redis = None
