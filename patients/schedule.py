"""Wall-clock arithmetic for schedules: sessions, quiet hours, daylight-saving changes.

Pure functions of dates and times; all datetimes they return are aware.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from functools import cache

SESSION_SPACING = timedelta(hours=3)


@cache
def zone(name: str) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(name)


def wall_clock(naive: datetime, where: zoneinfo.ZoneInfo) -> datetime:
    """A local time as an aware datetime. A time the clock skips (spring forward) becomes the
    first minute after the gap; a time that comes twice (fall back) is its first occurrence."""
    candidate = naive
    while True:
        aware = candidate.replace(tzinfo=where, fold=0)
        if aware.astimezone(UTC).astimezone(where).replace(tzinfo=None) == candidate:
            return aware
        candidate += timedelta(minutes=1)


def in_quiet_hours(moment: time, start: time | None, end: time | None) -> bool:
    if start is None or end is None or start == end:
        return False
    if start < end:
        return start <= moment < end
    return moment >= start or moment < end  # overnight, e.g. 22:00–07:00


def is_due_on(day: date, days_mask: int, start: date, end: date | None) -> bool:
    return start <= day and (end is None or day <= end) and bool(days_mask & (1 << day.weekday()))


def session_starts(day: date, first: time, sessions: int) -> list[tuple[int, datetime]]:
    """(session, local naive start) for each session of that day: every three hours from the
    first, none after midnight (three sessions from 08:00 are at 08:00, 11:00 and 14:00)."""
    base = datetime.combine(day, first)
    starts = []
    for number in range(1, sessions + 1):
        start = base + SESSION_SPACING * (number - 1)
        if start.date() != day:
            break
        starts.append((number, start))
    return starts


# A prescription's sessions in order, as the scheduler sees them ---------------------------------

# Past this many days without a session (every session of every due day in quiet hours, say)
# there will never be one: sessions and quiet hours repeat each week.
IDLE_DAYS = 10


@dataclass(frozen=True)
class ReminderPlan:
    """What decides when a prescription's reminders are due, read from it and its patient."""

    zone_name: str
    days_mask: int
    start: date
    end: date | None
    first: time  # the patient's preferred time, or else the prescription's reminder time
    sessions: int
    quiet_start: time | None = None
    quiet_end: time | None = None

    def normalised(self, after: datetime) -> ReminderPlan:
        """The same plan with dates that cannot matter after `after` folded together, so that
        the many prescriptions that differ only in their start date share one computation."""
        start, end = relevant_dates(self.start, self.end, search_floor(after))
        return replace(self, start=start, end=end)


def search_floor(after: datetime) -> date:
    """No search for sessions after `after` begins before this day, anywhere on Earth."""
    return after.astimezone(UTC).date() - timedelta(days=2)


def relevant_dates(start: date, end: date | None, floor: date) -> tuple[date, date | None]:
    """A start and an end date that give the same sessions after `after` as these (`floor` is
    its search_floor): the search begins the day before `after`, and ends within a few weeks
    (IDLE_DAYS without a session, or the first one found)."""
    if end is not None and end > floor + timedelta(days=IDLE_DAYS * 4):
        end = None
    return max(start, floor), end


Session = tuple[date, int, datetime]  # local date, session number, due at (aware)


def sessions_after(plan: ReminderPlan, after: datetime | None) -> Iterator[Session]:
    """Each session due strictly after `after` (from the first day when None), in order, by the
    same rules as everywhere: the prescription's days and dates, outside quiet hours (on the
    session's own wall-clock time), a skipped time at the first minute after the gap and a
    repeated one the first time (wall_clock)."""
    where = zone(plan.zone_name)
    day = plan.start
    if after is not None:
        # The day before too: a session of yesterday evening can still be ahead of `after`.
        day = max(day, after.astimezone(where).date() - timedelta(days=1))
    idle = 0
    while idle < IDLE_DAYS and (plan.end is None or day <= plan.end):
        found = False
        if plan.days_mask & (1 << day.weekday()):
            for session, starts_at in session_starts(day, plan.first, plan.sessions):
                if in_quiet_hours(starts_at.time(), plan.quiet_start, plan.quiet_end):
                    continue
                # In UTC: an aware time in a repeated hour never compares equal to another
                # zone's (PEP 495), which would make two records of one instant look different.
                due_at = wall_clock(starts_at, where).astimezone(UTC)
                if after is None or due_at > after:
                    found = True
                    yield day, session, due_at
        idle = 0 if found else idle + 1
        day += timedelta(days=1)


def next_session(plan: ReminderPlan, after: datetime | None) -> Session | None:
    return next(sessions_after(plan, after), None)


def sessions_due(
    plan: ReminderPlan, since: datetime, now: datetime
) -> tuple[list[Session], Session | None]:
    """The sessions due in (since, now], and the first one after now (None: never again)."""
    due = []
    for found in sessions_after(plan, since):
        if found[2] > now:
            return due, found
        due.append(found)
    return due, None
