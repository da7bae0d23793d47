"""Each prescription's next reminder, stored in a row of its own (`NextReminder`, one per
prescription, under a partial index on `due_at`), so that a tick reads only what is due: its cost
follows the sessions due, not the prescriptions that exist.

One function keeps the rows right, `reminders_reschedule()`: every change that can move a
reminder (the prescription's dates, days, sessions, time or status; the patient's zone,
preferred time, quiet hours, email or push reminders on or off, a paused programme) calls it,
through the models' post_save (patients/apps.py) or, for a conditional UPDATE, by hand. The
tick moves each due row on after recording (`due_and_next()`, or `due_and_next_arrays()` on
PostgreSQL). All of them work out sessions with the same pure functions (patients/schedule.py),
so they cannot disagree.

`ticked_at` is when a tick last recorded the prescription's sessions. Work done again after a
change starts from the earlier of it and two hours ago (the catch-up window): in production that
is the catch-up window, and a change reconsiders its sessions as a tick after beat was down
would; a prescription no tick has seen yet starts from its first day, and the first tick brings
it up to date.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from django.db import connection
from django.db.models import QuerySet, Value
from django.utils import timezone

from patients.models import NextReminder, Patient, Prescription
from patients.schedule import (
    IDLE_DAYS,
    ReminderPlan,
    Session,
    next_session,
    relevant_dates,
    search_floor,
    sessions_due,
)

# A session due while beat or the workers were down is still reminded if it is at most this late.
CATCH_UP = timedelta(hours=2)

# Changing these can move a reminder: a save that touches none of them leaves the column alone.
PRESCRIPTION_FIELDS = frozenset(
    {
        "status",
        "start_date",
        "end_date",
        "days_mask",
        "sessions_per_day",
        "reminder_time",
        "patient",
    }
)
PATIENT_FIELDS = frozenset(
    {
        "time_zone",
        "preferred_reminder_time",
        "quiet_hours_start",
        "quiet_hours_end",
        "reminders_enabled",
        "push_reminders",
        "programme_held_at",
    }
)
# What decides a prescription's sessions, read from the prescription (and through it).
_READ = (
    "pk",
    "patient_id",
    "status",
    "days_mask",
    "sessions_per_day",
    "reminder_time",
    "start_date",
    "end_date",
    "next_reminder__ticked_at",
    "patient__time_zone",
    "patient__preferred_reminder_time",
    "patient__quiet_hours_start",
    "patient__quiet_hours_end",
    "patient__reminders_enabled",
    "patient__programme_held_at",
    "patient__push_reminders",
)
# The same, read from the NextReminder rows a tick finds due.
_READ_DUE = tuple(
    "prescription_id" if name == "pk" else "ticked_at" if name.startswith("next_") else
    f"prescription__{name}"
    for name in _READ
)  # fmt: skip
# (prescription, next due at, its local date, its session, the tick that looked): one row to store.
NextDue = tuple[int, datetime | None, date | None, int | None, datetime | None]
# (prescription, patient, local date, session, due at): one reminder to record.
DueSession = tuple[int, int, date, int, datetime]
PlanKey = tuple[Any, ...]  # ReminderPlan's fields, in order


def _plan_key(row: tuple[Any, ...], floor: date | None) -> PlanKey | None:
    """The plan of a row read with _READ, as a tuple (ReminderPlan's fields) with the dates that
    cannot matter (after an instant whose search_floor is `floor`) folded together, so that
    prescriptions that differ only in their start date share one computation; None when it is
    not to be reminded at all."""
    (_, _, status, days_mask, sessions, reminder_time, start, end, _, zone_name, preferred,
     quiet_start, quiet_end, email, held_at, push) = row  # fmt: skip
    # Reminders are wanted by email, by push, or both ("instead of email" is push alone).
    if status != Prescription.Status.ACTIVE or not (email or push) or held_at is not None:
        return None
    if floor is not None:
        start, end = relevant_dates(start, end, floor)
    return (zone_name, days_mask, start, end, preferred or reminder_time, sessions, quiet_start,
            quiet_end)  # fmt: skip


def _read(prescriptions: QuerySet[Any]) -> tuple[Any, ...]:
    """_READ, or for migration 0011 (which fills the rows with this module and the models as
    they were then, before push reminders) the same with push reminders off."""
    patient = prescriptions.model._meta.get_field("patient").related_model
    if any(field.name == "push_reminders" for field in patient._meta.get_fields()):
        return _READ
    return (*_READ[:-1], Value(False))


def reminders_reschedule(prescriptions: QuerySet[Any], now: datetime | None = None) -> int:
    """Work out again the next reminder of each of these prescriptions, after a change. Sessions
    of the last two hours count again (as they would for a tick that had never seen them), or
    those since the tick last looked at the prescription if that is earlier; rows recorded
    already are kept out by the reminders' unique constraint."""
    now = now or timezone.now()
    floor = now - CATCH_UP
    found: dict[tuple[PlanKey, datetime | None], Session | None] = {}
    updates: list[NextDue] = []
    for row in (
        prescriptions.order_by().values_list(*_read(prescriptions)).iterator(chunk_size=5000)
    ):
        ticked_at = row[8]
        after = min(ticked_at, floor) if ticked_at is not None else None
        key = _plan_key(row, search_floor(after) if after is not None else None)
        session = None
        if key is not None:
            if (key, after) not in found:
                found[(key, after)] = next_session(ReminderPlan(*key), after)
            session = found[(key, after)]
        updates.append(_next_due(row[0], session, ticked_at))
    store_next(updates)
    return len(updates)


def patient_reminders_reschedule(patient: Patient | int, now: datetime | None = None) -> int:
    patient_id = patient if isinstance(patient, int) else patient.pk
    return reminders_reschedule(Prescription.objects.filter(patient_id=patient_id), now)


def due_and_next(now: datetime, *, lock: bool = True) -> tuple[list[DueSession], list[NextDue]]:
    """What a tick records (the sessions of the last two hours of every prescription whose next
    reminder is due) and where each of those prescriptions goes next. Reads only the due rows,
    through the partial index on NextReminder.due_at: one query, whatever the number of
    prescriptions. Rows being changed at this moment are left to the next tick."""
    due = NextReminder.objects.filter(due_at__lte=now).order_by()
    if lock:
        due = due.select_for_update(skip_locked=True, of=("self",))
    since = now - CATCH_UP
    computed: dict[PlanKey, tuple[list[Session], Session | None]] = {}
    rows: list[DueSession] = []
    updates: list[NextDue] = []
    floor = search_floor(since)
    for row in due.values_list(*_READ_DUE):
        key = _plan_key(row, floor)
        session = None
        if key is not None:
            if key not in computed:
                computed[key] = sessions_due(ReminderPlan(*key), since, now)
            sessions, session = computed[key]
            for day, number, at in sessions:
                rows.append((row[0], row[1], day, number, at))
        if session is None:
            updates.append((row[0], None, None, None, now))
        else:
            updates.append((row[0], session[2], session[0], session[1], now))
    return rows, updates


class ArrayText:
    """A PostgreSQL array literal built from runs: a group's ids at once, or one value repeated
    for each of them, so that a tick due for 100,000 prescriptions spends no Python per row."""

    def __init__(self) -> None:
        self.parts: list[str] = []

    def ids(self, values: list[int]) -> None:
        if values:
            self.parts.append(",".join(map(str, values)))

    def repeat(self, value: object, count: int) -> None:
        if count:
            text = "NULL" if value is None else value.isoformat()  # type: ignore[attr-defined]
            self.parts.append(",".join([text] * count))

    def __str__(self) -> str:
        return "{" + ",".join(self.parts) + "}"


def due_and_next_arrays(now: datetime) -> tuple[list[str] | None, list[str] | None]:
    """due_and_next() on PostgreSQL, as array literals for record_reminder_arrays() and
    store_next_arrays() (None: nothing to write): the due rows are read grouped by what decides
    their sessions (a handful of plans for 100,000 prescriptions), each plan is worked out once,
    and each group's ids go back whole, so no Python runs per prescription."""
    since = now - CATCH_UP
    floor = search_floor(since)
    with connection.cursor() as cursor:
        # The folding of dates in SQL only makes groups fewer: _plan_key folds them again.
        cursor.execute(
            """
            WITH due AS (
                SELECT prescription_id FROM patients_nextreminder WHERE due_at <= %s
                FOR UPDATE SKIP LOCKED
            )
            SELECT rx.status, rx.days_mask, rx.sessions_per_day, rx.reminder_time,
                   GREATEST(rx.start_date, %s::date),
                   CASE WHEN rx.end_date > %s::date THEN NULL ELSE rx.end_date END,
                   p.time_zone, p.preferred_reminder_time, p.quiet_hours_start,
                   p.quiet_hours_end, p.reminders_enabled OR p.push_reminders,
                   p.programme_held_at IS NOT NULL,
                   array_agg(rx.id), array_agg(rx.patient_id)
            FROM due
            JOIN patients_prescription AS rx ON rx.id = due.prescription_id
            JOIN patients_patient AS p ON p.id = rx.patient_id
            GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12
            """,
            [now, floor, floor + timedelta(days=IDLE_DAYS * 4)],
        )
        groups = cursor.fetchall()
    computed: dict[PlanKey, tuple[list[Session], Session | None]] = {}
    record = [ArrayText() for _ in range(5)]  # prescription, patient, day, session, due at
    move = [ArrayText() for _ in range(5)]  # prescription, due at, day, session, ticked at
    for (status, mask, sessions, reminder_time, start, end, zone_name, preferred, quiet_start,
         quiet_end, enabled, held, ids, patients) in groups:  # fmt: skip
        row = (None, None, status, mask, sessions, reminder_time, start, end, None, zone_name,
               preferred, quiet_start, quiet_end, enabled, True if held else None,
               False)  # fmt: skip
        key = _plan_key(row, floor)
        due: list[Session] = []
        following = None
        if key is not None:
            if key not in computed:
                computed[key] = sessions_due(ReminderPlan(*key), since, now)
            due, following = computed[key]
        count = len(ids)
        for day, number, at in due:
            record[0].ids(ids)
            record[1].ids(patients)
            record[2].repeat(day, count)
            record[3].parts.append(",".join([str(number)] * count))
            record[4].repeat(at, count)
        move[0].ids(ids)
        move[1].repeat(following[2] if following else None, count)
        move[2].repeat(following[0] if following else None, count)
        move[3].parts.append(",".join([str(following[1]) if following else "NULL"] * count))
        move[4].repeat(now, count)
    if not groups:
        return None, None
    recorded = [str(column) for column in record] if record[0].parts else None
    return recorded, [str(column) for column in move]


def store_next_arrays(columns: list[str]) -> None:
    """Move each due row on. They are the rows this tick locked, so they exist: an UPDATE, which
    spares PostgreSQL the upsert's attempt to insert each of them first."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE {NextReminder._meta.db_table} AS next
            SET due_at = moved.due_at, local_date = moved.local_date,
                session = moved.session, ticked_at = moved.ticked_at
            FROM unnest(%s::bigint[], %s::timestamptz[], %s::date[],
                        %s::smallint[], %s::timestamptz[])
                 AS moved(prescription_id, due_at, local_date, session, ticked_at)
            WHERE next.prescription_id = moved.prescription_id
            """,  # noqa: S608 (the table name is the model's own; the values are parameters)
            columns,
        )


def store_next(updates: list[NextDue]) -> None:
    """Write each prescription's NextReminder row, made on its first write: one statement."""
    _store(NextReminder._meta.db_table, updates)


def _next_due(pk: int, session: Session | None, ticked_at: datetime | None) -> NextDue:
    if session is None:
        return (pk, None, None, None, ticked_at)
    day, number, due_at = session
    return (pk, due_at, day, number, ticked_at)


def array_literal(values: Iterable[object]) -> str:
    """A PostgreSQL array literal of ids, dates or aware datetimes, for `%s::bigint[]` and the
    like. Built here in one join: passing a list makes the driver quote each of 100,000 elements
    in Python, which cost 1.9 s of a tick that recorded 100,000 reminders."""
    texts: dict[object, str] = {None: "NULL"}  # a tick's rows share a few instants and dates

    def text(value: object) -> str:
        if value not in texts:
            texts[value] = value.isoformat() if hasattr(value, "isoformat") else str(value)
        return texts[value]

    return (
        "{" + ",".join(str(value) if type(value) is int else text(value) for value in values) + "}"
    )


def _store(table: str, updates: Iterable[NextDue]) -> None:
    updates = list(updates)
    if not updates:
        return
    instant = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One statement from five arrays, as record_reminders does: 100,000 rows in one go.
            _store_arrays(table, [array_literal(column) for column in zip(*updates, strict=True)])
            return
        cursor.executemany(
            f"""
            INSERT INTO {table} (prescription_id, due_at, local_date, session, ticked_at)
            VALUES (%s, %s, %s, %s, %s)
            ON CONFLICT (prescription_id) DO UPDATE
            SET due_at = excluded.due_at, local_date = excluded.local_date,
                session = excluded.session, ticked_at = excluded.ticked_at
            """,  # noqa: S608 (as above)
            [
                (pk, instant(due_at), day, session, instant(ticked_at))
                for pk, due_at, day, session, ticked_at in updates
            ],
        )


def _store_arrays(table: str, columns: list[str]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {table} (prescription_id, due_at, local_date, session, ticked_at)
            SELECT * FROM unnest(%s::bigint[], %s::timestamptz[], %s::date[],
                                 %s::smallint[], %s::timestamptz[])
            ON CONFLICT (prescription_id) DO UPDATE
            SET due_at = excluded.due_at, local_date = excluded.local_date,
                session = excluded.session, ticked_at = excluded.ticked_at
            """,  # noqa: S608 (the table name is the model's own; the values are parameters)
            columns,
        )


# Every save that can move a reminder goes through reminders_reschedule (see apps.py).


def _touches(update_fields: Iterable[str] | None, fields: frozenset[str]) -> bool:
    return update_fields is None or not fields.isdisjoint(update_fields)


def on_prescription_saved(
    sender: type, instance: Prescription, raw: bool = False, update_fields: Any = None, **_: Any
) -> None:
    if raw or not _touches(update_fields, PRESCRIPTION_FIELDS):
        return
    reminders_reschedule(Prescription.objects.filter(pk=instance.pk))


def on_patient_saved(
    sender: type, instance: Patient, raw: bool = False, update_fields: Any = None, **_: Any
) -> None:
    if raw or not _touches(update_fields, PATIENT_FIELDS):
        return
    patient_reminders_reschedule(instance)
