"""Every IANA zone, every change of its clocks in 2026 and 2027: a tick every minute from three
hours before to three hours after, sessions at 00:30, 01:30 and 02:30 local. Not one reminder
missed, not one recorded twice, each at the instant an independent rule gives.

The ticks are the scheduler's own computation (patients/schedule.py, as next_reminders.py calls
it), run in memory; a sample of zones goes through the database too. The oracle shares no code
with them: for each local date, the first UTC minute whose local wall-clock time is at or past the
session time (so a skipped time goes out at the end of the gap, a repeated one the first time).
"""

from __future__ import annotations

import zoneinfo
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from types import SimpleNamespace

import pytest
import time_machine

from patients.next_reminders import CATCH_UP
from patients.schedule import ReminderPlan, next_session, sessions_due

SESSION_TIMES = (time(0, 30), time(1, 30), time(2, 30))
AROUND = timedelta(hours=3)
MINUTE = timedelta(minutes=1)
YEARS = (datetime(2026, 1, 1, tzinfo=UTC), datetime(2028, 1, 1, tzinfo=UTC))


@cache
def transitions(zone_name: str) -> list[datetime]:
    """The instants (UTC, to the minute) where the zone's offset changes in 2026–2027."""
    where = zoneinfo.ZoneInfo(zone_name)
    found = []
    day = YEARS[0]
    offset = day.astimezone(where).utcoffset()
    while day < YEARS[1]:
        following = day + timedelta(days=1)
        next_offset = following.astimezone(where).utcoffset()
        if next_offset != offset:
            low, high = day, following  # offset(low) != offset(high): halve to the minute
            while high - low > MINUTE:
                middle = low + (high - low) / 2
                middle = middle.replace(second=0, microsecond=0)
                if middle.astimezone(where).utcoffset() == offset:
                    low = middle
                else:
                    high = middle
            found.append(high)
        day, offset = following, next_offset
    return found


def oracle(zone_name: str, start: datetime, end: datetime) -> dict[tuple[date, time], datetime]:
    """(local date, session time) → the minute it is due, for those due in (start, end]."""
    where = zoneinfo.ZoneInfo(zone_name)
    walls = []
    moment = start
    while moment <= end:
        walls.append((moment, moment.astimezone(where).replace(tzinfo=None)))
        moment += MINUTE
    first_day = walls[0][1].date() - timedelta(days=1)
    due = {}
    for offset in range(4):
        day = first_day + timedelta(days=offset)
        for session_time in SESSION_TIMES:
            target = datetime.combine(day, session_time)
            if walls[0][1] >= target:
                continue  # reached at or before start
            for moment, wall in walls[1:]:
                if wall >= target:
                    due[(day, session_time)] = moment
                    break
    return due


def simulate(zone_name: str, start: datetime, end: datetime) -> list[tuple[date, time, datetime]]:
    """Beat's ticks, every minute in (start, end], as the scheduler runs them: each prescription
    is looked at only when its stored next reminder is due, and then moved on."""
    recorded = []
    for session_time in SESSION_TIMES:
        plan = ReminderPlan(zone_name, 0b1111111, date(2025, 6, 1), None, session_time, 1)
        stored = next_session(plan, start)  # as left by a tick at `start`
        moment = start + MINUTE
        while moment <= end:
            if stored is not None and stored[2] <= moment:
                since = moment - CATCH_UP
                due, stored = sessions_due(plan.normalised(since), since, moment)
                for day, _, due_at in due:
                    assert due_at <= moment, (zone_name, day, session_time)
                    recorded.append((day, session_time, due_at, moment))
            moment += MINUTE
    # Recorded on time: at the tick of the minute it came due.
    late = [row for row in recorded if row[3] - row[2] >= MINUTE]
    assert not late, f"{zone_name}: late {late[:3]}"
    return [row[:3] for row in recorded]


def check_zone(zone_name: str) -> int:
    checked = 0
    for change in transitions(zone_name):
        start, end = change - AROUND, change + AROUND
        expected = oracle(zone_name, start, end)
        recorded = simulate(zone_name, start, end)
        counts = Counter((day, session_time) for day, session_time, _ in recorded)
        doubled = [key for key, count in counts.items() if count > 1]
        assert not doubled, f"{zone_name} around {change}: recorded twice {doubled}"
        got = {(day, session_time): due_at for day, session_time, due_at in recorded}
        missed = sorted(set(expected) - set(got))
        assert not missed, f"{zone_name} around {change}: missed {missed}"
        assert got == expected, f"{zone_name} around {change}"
        checked += len(expected)
    return checked


def test_no_reminder_missed_or_doubled_around_any_zones_clock_change() -> None:
    zones = sorted(zoneinfo.available_timezones())
    changing = [name for name in zones if transitions(name)]
    assert "America/New_York" in changing and "Australia/Lord_Howe" in changing
    assert "Asia/Tokyo" not in changing
    checked = sum(check_zone(name) for name in changing)
    assert checked > len(changing) * 10  # reminders were due around the changes, and checked


def test_the_oracle_agrees_with_the_hand_computed_instants() -> None:
    change = datetime(2026, 3, 8, 7, 0, tzinfo=UTC)  # New York: 02:00 EST → 03:00 EDT
    assert transitions("America/New_York")[0] == change
    due = oracle("America/New_York", change - AROUND, change + AROUND)
    assert due[(date(2026, 3, 8), time(2, 30))] == change  # 03:00 EDT
    assert due[(date(2026, 3, 8), time(1, 30))] == datetime(2026, 3, 8, 6, 30, tzinfo=UTC)
    fall_back = transitions("Europe/London")[1]
    assert fall_back == datetime(2026, 10, 25, 1, 0, tzinfo=UTC)
    due = oracle("Europe/London", fall_back - AROUND, fall_back + AROUND)
    assert due[(date(2026, 10, 25), time(1, 30))] == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


# Through the database: a sample with unusual changes (at midnight, by two hours, by half an hour,
# backwards across midnight), ticking the real scheduler.
SAMPLE = ["America/Havana", "Antarctica/Troll", "Australia/Lord_Howe", "America/Santiago"]


@pytest.mark.django_db
@pytest.mark.parametrize("zone_name", SAMPLE)
def test_the_database_path_agrees_with_the_oracle(
    zone_name: str, clinic_people: SimpleNamespace, library: None
) -> None:
    from patients.models import Reminder
    from patients.reminders import reminders_tick
    from tests.patients.reminder_helpers import patient_with_programme

    change = transitions(zone_name)[0]
    start, end = change - AROUND, change + AROUND
    with time_machine.travel(start, tick=False) as clock:
        patients = {
            patient_with_programme(clinic_people.owner, zone=zone_name, at=session_time).pk: (
                session_time
            )
            for session_time in SESSION_TIMES
        }
        reminders_tick()
        moment = start + MINUTE
        while moment <= end:
            clock.move_to(moment)
            reminders_tick()
            moment += MINUTE
    rows = Reminder.objects.filter(kind="reminder", due_at__gt=start)
    got = Counter((row.local_date, patients[row.patient_id], row.due_at) for row in rows)
    assert all(count == 1 for count in got.values()), got
    expected = oracle(zone_name, start, end)
    assert {(day, session_time): due_at for day, session_time, due_at in got} == expected
