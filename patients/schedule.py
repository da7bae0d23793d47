"""Wall-clock arithmetic for schedules: sessions, quiet hours, daylight-saving changes.

Pure functions of dates and times; all datetimes they return are aware.
"""

from __future__ import annotations

import zoneinfo
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
