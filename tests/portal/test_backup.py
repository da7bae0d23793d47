"""A clinic's database backed up and restored: every row comes back, and a restore never
writes over a database that holds anything."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, connections

from patients.models import PainReport, Patient
from patients.services import check_off_record, demo_clinic_ensure
from patients.triage import pain_report_create
from portal.backup import main
from tests import processes
from tests.processes import BASE_DIR, process_env


def backup(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`python -m portal.backup …` as an operator runs it, on the tests' database."""
    return subprocess.run(
        [sys.executable, "-m", "portal.backup", *args],
        cwd=BASE_DIR,
        env=process_env(**env),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def clinic_in_use(clinic_people: Any) -> None:
    """Two clinics' people, the demo clinic with Alex's programme, a check-off, a pain report that
    raised an alert, and the audit trail of all that."""
    demo_clinic_ensure()
    alex = Patient.objects.get(user__email="alex@demo.clinic")
    prescribed = alex.prescriptions.get().exercises.first()
    check_off_record(patient=alex, prescribed_exercise=prescribed)
    pain_report_create(patient=alex, score=8, moment=PainReport.Moment.AFTER_EXERCISE, qualities=[])
    assert alex.alerts.exists()


def row_counts(database: Any) -> dict[str, int]:
    """Every table's row count, found through Django's introspection of that database."""
    with database.cursor() as cursor:
        tables = database.introspection.table_names(cursor)
        counts = {}
        for table in tables:
            cursor.execute(f"SELECT count(*) FROM {database.ops.quote_name(table)}")  # noqa: S608
            counts[table] = cursor.fetchone()[0]
    return counts


@contextmanager
def new_database(tmp_path: Path) -> Iterator[tuple[str, Any]]:
    """A new, empty database of the tests' kind: its URL and a Django connection to it. A
    PostgreSQL one has a name of its own and is dropped afterwards."""
    wrapper = type(connections["default"])
    if connection.vendor == "sqlite":
        path = tmp_path / "restored.sqlite3"
        restored = wrapper({**connection.settings_dict, "NAME": str(path)}, "restored")
        try:
            yield f"sqlite:///{path}", restored
        finally:
            restored.close()
        return
    name = f"portal_restore_{uuid.uuid4().hex[:12]}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    restored = wrapper({**connection.settings_dict, "NAME": name}, "restored")
    try:
        yield processes.test_database_url().rsplit("/", 1)[0] + f"/{name}", restored
    finally:
        try:
            restored.close()
        finally:
            with connection.cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)  # pg_dump and SQLite's backup read committed rows only
def test_a_backup_restored_into_a_new_database_has_every_row(
    library: None, clinic_people: Any, tmp_path: Path
) -> None:
    if connection.vendor == "postgresql" and not shutil.which("pg_dump"):
        message = "backups of PostgreSQL need pg_dump: apt-get install postgresql-client"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    clinic_in_use(clinic_people)
    before = row_counts(connection)
    file = tmp_path / "portal.backup"

    dumped = backup("dump", str(file))
    assert dumped.returncode == 0, dumped.stderr
    assert dumped.stdout.startswith("Backed up ")

    with new_database(tmp_path) as (url, restored):
        restored_ = backup("restore", str(file), "--into", url)
        assert restored_.returncode == 0, restored_.stderr
        after = row_counts(restored)
        assert after == before
        assert after["patients_patient"] == 4 and after["audit_auditentry"] > 0

        again = backup("restore", str(file), "--into", url)
        assert again.returncode == 2
        assert again.stderr.startswith("Cannot restore: the database ")
        assert "is not empty" in again.stderr and len(again.stderr.splitlines()) == 1
        assert row_counts(restored) == before


def refusal(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert len(captured.err.splitlines()) == 1, captured.err
    return captured.err.strip()


def sqlite_backup(path: Path) -> Path:
    with sqlite3.connect(path) as database:
        database.execute("CREATE TABLE patients_patient (id integer)")
    return path


def test_restore_refuses_a_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    into = f"sqlite:///{tmp_path / 'new.sqlite3'}"
    assert refusal(["restore", str(tmp_path / "nightly.dump"), "--into", into], capsys) == (
        f"Cannot restore: {tmp_path / 'nightly.dump'}: no such file"
    )
    assert not (tmp_path / "new.sqlite3").exists()


def test_restore_refuses_a_database_it_does_not_know(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = sqlite_backup(tmp_path / "nightly.dump")
    assert refusal(
        ["restore", str(file), "--into", "mysql://portal:hunter2@db/portal"], capsys
    ) == (
        "Cannot restore: --into: the portal runs on PostgreSQL (postgres://…) or SQLite "
        "(sqlite:////path), not 'mysql://portal:***@db/portal'"
    )


def test_restore_refuses_a_database_that_is_not_empty(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = sqlite_backup(tmp_path / "nightly.dump")
    in_use = sqlite_backup(tmp_path / "portal.sqlite3")
    assert refusal(["restore", str(file), "--into", f"sqlite:///{in_use}"], capsys) == (
        f"Cannot restore: the database {in_use} is not empty (1 table): a backup is restored "
        "only into a new, empty database"
    )


def test_restore_refuses_a_file_that_is_not_a_backup(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("not a backup")
    into = f"sqlite:///{tmp_path / 'new.sqlite3'}"
    assert refusal(["restore", str(notes), "--into", into], capsys) == (
        f"Cannot restore: {notes} is not a backup made by `python -m portal.backup dump`"
    )


def test_restore_refuses_an_sqlite_backup_into_postgresql(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = sqlite_backup(tmp_path / "nightly.dump")
    assert refusal(["restore", str(file), "--into", "postgres://portal@db/portal"], capsys) == (
        f"Cannot restore: {file} is a SQLite backup; restore it into a SQLite database (one kind "
        "of database cannot be restored into another)"
    )


def test_dump_never_replaces_an_earlier_backup(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    earlier = tmp_path / "nightly.dump"
    earlier.write_bytes(b"last night's backup")
    assert refusal(["dump", str(earlier)], capsys) == (
        f"Cannot back up: {earlier} already exists: a backup never replaces another; choose a "
        "new name"
    )
    assert earlier.read_bytes() == b"last night's backup"


@pytest.mark.parametrize(
    ("command", "tool"), [("dump", "pg_dump"), ("restore", "pg_restore")], ids=["dump", "restore"]
)
def test_postgresql_needs_its_client_tools(
    command: str,
    tool: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    file = tmp_path / "nightly.dump"
    if command == "dump":
        monkeypatch.setattr(
            "portal.backup.configured_database",
            lambda: {"ENGINE": "django.db.backends.postgresql", "NAME": "portal"},
        )
        argv = ["dump", str(file)]
    else:
        file.write_bytes(b"PGDMP backup")
        argv = ["restore", str(file), "--into", "postgres://portal@db/portal_restored"]
    assert refusal(argv, capsys) == (
        f"Cannot {'back up' if command == 'dump' else 'restore'}: {tool} is not installed: "
        "install PostgreSQL's client tools (Debian: apt-get install postgresql-client)"
    )
