"""Backing up the portal's database, and restoring a backup into a new, empty database.

    python -m portal.backup dump FILE
    python -m portal.backup restore FILE --into DATABASE_URL

The database is the portal's whole record: Redis holds only the queue, and nothing else is kept
on disk. `dump` reads the database the portal runs on (DATABASE_URL, through the settings, like
every other entry point); `restore` writes only into a database that holds no table yet, so it
can never overwrite one in use. PostgreSQL: pg_dump's custom format, restored by pg_restore in
one transaction (all of it or nothing). SQLite: a copy made with SQLite's backup API, consistent
even while the portal writes. Bad input is refused in one line (docs/operations.md).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path
from typing import Any

from portal.config import exit_on_bad_configuration, first_line, redact_url

POSTGRESQL = "django.db.backends.postgresql"
SQLITE = "django.db.backends.sqlite3"
# What each kind of backup file starts with.
SIGNATURES = {POSTGRESQL: b"PGDMP", SQLITE: b"SQLite format 3\x00"}
KIND_NAMES = {POSTGRESQL: "PostgreSQL", SQLITE: "SQLite"}
CLIENT_TOOLS = "install PostgreSQL's client tools (Debian: apt-get install postgresql-client)"


class Refused(Exception):
    """The command cannot do what was asked; the message says why, in one line."""


def configured_database() -> dict[str, Any]:
    """The database the portal runs on, as the settings read it (DATABASE_URL, .env)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    # As manage.py: an operator's tool, where DEBUG only decides whether SECRET_KEY is required.
    os.environ.setdefault("DEBUG", "true")
    with exit_on_bad_configuration():
        from django.conf import settings

        return dict(settings.DATABASES["default"])


def database_from_url(url: str) -> dict[str, Any]:
    import environ

    try:
        database = environ.Env.db_url_config(url)
    except Exception:  # django-environ raises several kinds for a bad URL
        database = {}
    if database.get("ENGINE") not in KIND_NAMES or database.get("NAME") in {"", ":memory:"}:
        raise Refused(
            "--into: the portal runs on PostgreSQL (postgres://…) or SQLite (sqlite:////path), "
            f"not {redact_url(url)!r}"
        )
    return database


def describe(database: dict[str, Any]) -> str:
    """Where a database is, without its password."""
    if database["ENGINE"] == SQLITE:
        return str(database["NAME"])
    host = database.get("HOST") or "localhost"
    port = f":{database['PORT']}" if database.get("PORT") else ""
    user = f"{database['USER']}@" if database.get("USER") else ""
    return f"postgres://{user}{host}{port}/{database['NAME']}"


# PostgreSQL -----------------------------------------------------------------------------------


def libpq_connection(database: dict[str, Any]) -> tuple[str, dict[str, str]]:
    """A libpq connection string for pg_dump and pg_restore, and the environment that carries
    the password (never on a command line, where `ps` shows it)."""
    from psycopg import pq
    from psycopg.conninfo import make_conninfo

    libpq_keys = {option.keyword.decode() for option in pq.Conninfo.get_defaults()}
    params: dict[str, Any] = {
        "dbname": database["NAME"],
        "host": database.get("HOST") or None,
        "port": database.get("PORT") or None,
        "user": database.get("USER") or None,
    }
    for key, value in (database.get("OPTIONS") or {}).items():
        if key in libpq_keys and isinstance(value, str | int):
            params[key] = value
    env = os.environ.copy()
    if database.get("PASSWORD"):
        env["PGPASSWORD"] = str(database["PASSWORD"])
    return make_conninfo("", **{k: v for k, v in params.items() if v is not None}), env


def postgresql_tool(name: str) -> str:
    tool = shutil.which(name)
    if tool is None:
        raise Refused(f"{name} is not installed: {CLIENT_TOOLS}")
    return tool


def postgresql_table_count(database: dict[str, Any]) -> int:
    import psycopg

    conninfo, env = libpq_connection(database)
    password = {"password": env["PGPASSWORD"]} if "PGPASSWORD" in env else {}
    try:
        with psycopg.connect(conninfo, connect_timeout=10, **password) as connection:
            row = connection.execute(
                "SELECT count(*) FROM pg_catalog.pg_tables "
                "WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"
            ).fetchone()
    except psycopg.Error as exc:
        raise Refused(
            f"cannot reach the database {describe(database)}: {first_line(exc)}"
        ) from None
    return int(row[0]) if row else 0


def run_tool(command: list[str], env: dict[str, str], what: str) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        problem = next((line for line in result.stderr.splitlines() if line.strip()), "")
        raise Refused(f"{Path(command[0]).name} failed{what}: {problem.strip()}")


# The two commands -----------------------------------------------------------------------------


def dump(*, database: dict[str, Any], file: Path) -> str:
    if file.exists():
        raise Refused(f"{file} already exists: a backup never replaces another; choose a new name")
    if not file.parent.is_dir():
        raise Refused(f"{file}: the folder {file.parent} does not exist")
    partial = file.with_name(f".{file.name}.partial")
    try:
        if database["ENGINE"] == POSTGRESQL:
            pg_dump = postgresql_tool("pg_dump")
            conninfo, env = libpq_connection(database)
            run_tool(
                [pg_dump, "--format=custom", f"--file={partial}", f"--dbname={conninfo}"], env, ""
            )
        else:
            source = Path(database["NAME"])
            if not source.is_file():
                raise Refused(f"the database file {source} does not exist")
            sqlite_copy(source, partial)
        partial.replace(file)
    finally:
        partial.unlink(missing_ok=True)
    return f"Backed up {describe(database)} to {file} ({file.stat().st_size / 1e6:.1f} MB)."


def restore(*, file: Path, database: dict[str, Any]) -> str:
    if not file.is_file():
        raise Refused(f"{file}: no such file")
    with file.open("rb") as backup:
        start = backup.read(16)
    kind = next((engine for engine, sign in SIGNATURES.items() if start.startswith(sign)), None)
    if kind is None:
        raise Refused(f"{file} is not a backup made by `python -m portal.backup dump`")
    if kind != database["ENGINE"]:
        raise Refused(
            f"{file} is a {KIND_NAMES[kind]} backup; restore it into a "
            f"{KIND_NAMES[kind]} database (one kind of database cannot be restored into another)"
        )
    where = describe(database)
    if kind == POSTGRESQL:
        pg_restore = postgresql_tool("pg_restore")
        tables = postgresql_table_count(database)
        if tables:
            raise Refused(not_empty(where, tables))
        conninfo, env = libpq_connection(database)
        # Owners and privileges are the restoring role's: the roles of the old server may not
        # exist here (docs/operations.md says what to grant again).
        run_tool(
            [
                pg_restore,
                "--no-owner",
                "--no-acl",
                "--exit-on-error",
                "--single-transaction",
                f"--dbname={conninfo}",
                str(file),
            ],
            env,
            "; nothing was restored",
        )
    else:
        target = Path(database["NAME"])
        if not target.parent.is_dir():
            raise Refused(f"{target}: the folder {target.parent} does not exist")
        if target.exists():
            tables = sqlite_table_count(target)
            if tables:
                raise Refused(not_empty(where, tables))
        sqlite_copy(file, target)
    return f"Restored {file} into {where}."


def not_empty(where: str, tables: int) -> str:
    return (
        f"the database {where} is not empty ({tables} table{'s' if tables != 1 else ''}): a "
        "backup is restored only into a "
        "new, empty database"
    )


def sqlite_copy(source: Path, target: Path) -> None:
    """SQLite's backup API: a consistent copy, page by page, even while the portal writes."""
    try:
        with (
            closing(sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)) as reader,
            closing(sqlite3.connect(target)) as writer,
        ):
            reader.backup(writer)
    except sqlite3.Error as exc:
        raise Refused(f"{source}: {exc}") from None


def sqlite_table_count(path: Path) -> int:
    try:
        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as db:
            row = db.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()
            return int(row[0])
    except sqlite3.Error as exc:
        raise Refused(f"{path}: {exc}") from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m portal.backup",
        description="Back up the portal's database (DATABASE_URL), or restore a backup into a "
        "new, empty database.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    dump_parser = commands.add_parser("dump", help="write a backup of the portal's database")
    dump_parser.add_argument("file", type=Path, help="the backup to write (a new file)")
    restore_parser = commands.add_parser("restore", help="restore a backup into an empty database")
    restore_parser.add_argument("file", type=Path, help="a backup written by `dump`")
    restore_parser.add_argument(
        "--into",
        required=True,
        metavar="DATABASE_URL",
        help="the empty database to fill: postgres://… (created beforehand) or sqlite:////path",
    )
    args = parser.parse_args(argv)
    try:
        if args.command == "dump":
            print(dump(database=configured_database(), file=args.file))
        else:
            print(restore(file=args.file, database=database_from_url(args.into)))
    except Refused as refused:
        verb = "back up" if args.command == "dump" else "restore"
        print(f"Cannot {verb}: {refused}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
