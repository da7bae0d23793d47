"""Daylight-saving days, in New York, London and Lord Howe Island (a half-hour shift): beat
ticks every minute through the night; every reminder is recorded and sent exactly once, a time
the clock skips goes out at the first minute after the gap, a time that comes twice goes out
the first time."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.core import mail

from patients.models import Reminder
from tests.patients.reminder_helpers import patient_with_programme, sent_to, tick

# zone, the day of the change, and for each reminder time the local time it must go out at.
CASES = [
    pytest.param(
        "America/New_York", date(2026, 3, 8),  # 02:00 → 03:00
        {"01:30": "01:30", "02:00": "03:00", "02:30": "03:00", "02:59": "03:00",
         "03:00": "03:00", "03:30": "03:30"},
        id="new-york-spring-forward",
    ),
    pytest.param(
        "America/New_York", date(2026, 11, 1),  # 02:00 → 01:00
        {"00:30": "00:30", "01:00": "01:00", "01:30": "01:30", "01:59": "01:59", "02:00": "02:00"},
        id="new-york-fall-back",
    ),
    pytest.param(
        "Europe/London", date(2026, 3, 29),  # 01:00 → 02:00
        {"00:30": "00:30", "01:00": "02:00", "01:30": "02:00", "02:00": "02:00"},
        id="london-spring-forward",
    ),
    pytest.param(
        "Europe/London", date(2026, 10, 25),  # 02:00 → 01:00
        {"00:30": "00:30", "01:00": "01:00", "01:30": "01:30", "02:00": "02:00"},
        id="london-fall-back",
    ),
    pytest.param(
        "Australia/Lord_Howe", date(2026, 10, 4),  # 02:00 → 02:30
        {"01:45": "01:45", "02:00": "02:30", "02:15": "02:30", "02:30": "02:30", "03:00": "03:00"},
        id="lord-howe-spring-forward",
    ),
    pytest.param(
        "Australia/Lord_Howe", date(2026, 4, 5),  # 02:00 → 01:30
        {"01:15": "01:15", "01:30": "01:30", "01:45": "01:45", "02:00": "02:00"},
        id="lord-howe-fall-back",
    ),
]  # fmt: skip


def hm(text: str) -> time:
    return time.fromisoformat(text)


@pytest.mark.django_db
@pytest.mark.parametrize(("zone_name", "day", "expected"), CASES)
def test_no_reminder_missed_or_doubled_on_a_daylight_saving_day(
    clinic_people: SimpleNamespace,
    library: None,
    zone_name: str,
    day: date,
    expected: dict[str, str],
) -> None:
    zone = ZoneInfo(zone_name)
    offsets = {datetime.combine(day, time(hour), tzinfo=zone).utcoffset() for hour in (0, 12)}
    assert len(offsets) == 2, f"{zone_name} does not change its clocks on {day}"

    mail.outbox.clear()
    patients = {
        local: patient_with_programme(clinic_people.owner, zone=zone_name, at=hm(local))
        for local in expected
    }
    # Every minute, in real (UTC) time, from 23:00 the evening before to 06:00 the morning of.
    start = datetime.combine(day - timedelta(days=1), time(23, 0), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(day, time(6, 0), tzinfo=zone).astimezone(UTC)
    moment = start
    while moment <= end:
        tick(moment)
        moment += timedelta(minutes=1)

    for local, patient in patients.items():
        rows = list(Reminder.objects.filter(patient=patient, kind="reminder"))
        assert len(rows) == 1, f"{local}: {len(rows)} reminders"
        reminder = rows[0]
        assert reminder.local_date == day
        went_out = reminder.due_at.astimezone(zone)
        assert went_out.time() == hm(expected[local]), f"{local} went out at {went_out}"
        assert went_out.fold == 0  # a repeated time: its first occurrence
        assert reminder.delivery == Reminder.Delivery.SENT
        assert reminder.sent_at - reminder.due_at < timedelta(minutes=1)  # on time
        emails = sent_to(patient.user.email)
        assert [m.subject for m in emails] == ["Your exercises for today are ready"], local


def test_the_hand_computed_instants() -> None:
    from patients.schedule import wall_clock

    def utc(zone: str, naive: str) -> str:
        moment = wall_clock(datetime.fromisoformat(naive), ZoneInfo(zone))
        return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M")

    assert utc("America/New_York", "2026-03-08 02:30") == "2026-03-08 07:00"  # 03:00 EDT
    assert utc("America/New_York", "2026-11-01 01:30") == "2026-11-01 05:30"  # EDT, the first
    assert utc("Europe/London", "2026-10-25 01:30") == "2026-10-25 00:30"  # BST, the first
    assert utc("Australia/Lord_Howe", "2026-10-04 02:15") == "2026-10-03 15:30"  # 02:30 +11
    assert utc("Australia/Lord_Howe", "2026-04-05 01:45") == "2026-04-04 14:45"  # +11, the first
