"""What changed from one version of a prescription to the next, field by field.

A version is the snapshot `prescription_snapshot` kept (patients/services.py); a therapist reading
the versions page wants "Glute bridge: Sets 3 → 4", not two tables to compare by eye. The
exercises of two snapshots are matched by exercise (the second of the same exercise with the
second), so a reordering reads as a move, not as one removed and one added."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from patients.models import Prescription, days_in_words, mask_from_days
from patients.wording import short_date

Snapshot = Mapping[str, Any]

PRESCRIPTION_FIELDS = {
    "title": "Title",
    "status": "Status",
    "start_date": "Start",
    "end_date": "End",
    "days": "Days",
    "sessions_per_day": "Sessions a day",
    "reminder_time": "Reminder",
    "therapist": "Therapist",
    "notes": "Notes",
}
DOSE_LABELS = {
    "sets": "Sets",
    "reps": "Repetitions",
    "hold_seconds": "Hold (seconds)",
    "per_side": "Each side",
    "times_per_day": "Times a day",
    "days_per_week": "Days a week",
    "days_per_week_max": "Days a week, at most",
}


@dataclass(frozen=True)
class Change:
    field: str  # "Sets", "Status", or "Exercise" for one added or removed
    before: str
    after: str
    exercise: str = ""  # the exercise the change is to; empty for the prescription's own

    def __str__(self) -> str:
        where = f"{self.exercise}: " if self.exercise else ""
        if self.field == "Exercise":
            return f"{where}{'added' if self.after else 'removed'}"
        return f"{where}{self.field} {self.before or '—'} → {self.after or '—'}"


def _said(field: str, value: Any) -> str:
    if value is None or value == "":
        return ""
    if field == "status":
        return str(dict(Prescription.Status.choices).get(value, value))
    if field in {"start_date", "end_date"}:
        return short_date(date.fromisoformat(value))
    if field == "days":
        return days_in_words(mask_from_days(value))
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _keyed(exercises: Sequence[Mapping[str, Any]]) -> dict[tuple[str, int], Mapping[str, Any]]:
    seen: Counter[str] = Counter()
    keyed = {}
    for item in exercises:
        seen[item["exercise"]] += 1
        keyed[(item["exercise"], seen[item["exercise"]])] = item
    return keyed


def _exercise_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[Change]:
    name = after["name"]
    changes = []
    if before.get("order") != after.get("order"):
        changes.append(Change("Position", str(before.get("order")), str(after.get("order")), name))
    old_dose, new_dose = before.get("dosage") or {}, after.get("dosage") or {}
    for field, label in DOSE_LABELS.items():
        was, now = _said(field, old_dose.get(field)), _said(field, new_dose.get(field))
        if was != now:
            changes.append(Change(label, was, now, name))
    was, now = before.get("therapist_note") or "", after.get("therapist_note") or ""
    if was != now:
        changes.append(Change("Note", was, now, name))
    return changes


def snapshot_changes(before: Snapshot, after: Snapshot) -> list[Change]:
    """Every difference from `before` to `after`: the prescription's fields first, then each
    exercise removed, changed or added, in the new version's order."""
    changes = []
    for field, label in PRESCRIPTION_FIELDS.items():
        was, now = _said(field, before.get(field)), _said(field, after.get(field))
        if was != now:
            changes.append(Change(label, was, now))
    old, new = _keyed(before.get("exercises", [])), _keyed(after.get("exercises", []))
    for key, item in old.items():
        if key not in new:
            changes.append(Change("Exercise", item["name"], "", item["name"]))
    for key, item in new.items():
        if key in old:
            changes.extend(_exercise_changes(old[key], item))
        else:
            changes.append(Change("Exercise", "", item["name"], item["name"]))
    return changes


@dataclass(frozen=True)
class VersionRead:
    version: Any  # a PrescriptionVersion
    changes: list[Change]
    first: bool


def versions_with_changes(versions: Sequence[Any]) -> list[VersionRead]:
    """Each version (in `versions`' order, oldest first) with what changed since the one
    before it."""
    reads = []
    previous = None
    for version in versions:
        changes = [] if previous is None else snapshot_changes(previous.snapshot, version.snapshot)
        reads.append(VersionRead(version, changes, first=previous is None))
        previous = version
    return reads
