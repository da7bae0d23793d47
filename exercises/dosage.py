"""Doses: their bounds, shared by the models, the exchange format's schema and the importer, and
the plain words patients read ("Hold 30 s, each side")."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.core.validators import MaxValueValidator, MinValueValidator


@dataclass(frozen=True)
class Bound:
    minimum: int
    maximum: int
    unit: str

    def validators(self) -> list[MinValueValidator | MaxValueValidator]:
        message = self.message().capitalize() + "."
        return [
            MinValueValidator(self.minimum, message=message),
            MaxValueValidator(self.maximum, message=message),
        ]

    def message(self) -> str:
        return f"must be a whole number of {self.unit} from {self.minimum} to {self.maximum}"


# No negative or absurd values: a hold longer than ten minutes, more than 100 repetitions, more
# than 10 sets or 6 sessions a day is a typing error, not a prescription.
DOSE_BOUNDS: dict[str, Bound] = {
    "sets": Bound(1, 10, "sets"),
    "reps": Bound(1, 100, "repetitions"),
    "hold_seconds": Bound(1, 600, "seconds"),
    "times_per_day": Bound(1, 6, "sessions a day"),
    "days_per_week": Bound(1, 7, "days a week"),
    # A document may give a range ("2-3 times a week"): the dose keeps both ends, never one.
    "days_per_week_max": Bound(1, 7, "days a week"),
}
NUMBER_FIELDS = tuple(DOSE_BOUNDS)
DOSE_FIELDS = (*NUMBER_FIELDS, "per_side")

TIMES_A_DAY = {1: "once a day", 2: "twice a day"}


def _duration(seconds: int) -> str:
    minutes, rest = divmod(seconds, 60)
    if not minutes:
        return f"{seconds} s"
    if not rest:
        return f"{minutes} min"
    return f"{minutes} min {rest} s"


def _what_to_do(dosage: Mapping[str, object]) -> list[str]:
    """The dose's own parts before how often: ["Hold 30 s", "3 times", "each side", "2 sets"]."""
    sets, reps, hold = dosage.get("sets"), dosage.get("reps"), dosage.get("hold_seconds")
    parts: list[str] = []
    if isinstance(hold, int):
        parts.append(f"Hold {_duration(hold)}")
    if isinstance(reps, int):
        parts.append(f"{reps} time{'s' if reps != 1 else ''}")
    if dosage.get("per_side"):
        parts.append("each side")
    if isinstance(sets, int):
        parts.append(f"{sets} set{'s' if sets != 1 else ''}")
    return parts


def days_a_week(days: int, most: object = None) -> str:
    if isinstance(most, int) and most > days:
        return f"{days}–{most} days a week"
    return "every day" if days == 7 else f"{days} day{'s' if days != 1 else ''} a week"


def dosage_problems(dosage: Mapping[str, object]) -> dict[str, str]:
    """What the bounds of each field cannot say on their own."""
    low, high = dosage.get("days_per_week"), dosage.get("days_per_week_max")
    if high is None:
        return {}
    if low is None:
        return {"days_per_week_max": "Give the fewest days a week too, or leave the range empty."}
    if isinstance(low, int) and isinstance(high, int) and high < low:
        return {"days_per_week_max": "The most days a week must not be fewer than the fewest."}
    return {}


# What the documents leave open is said plainly, never guessed.
LEFT_OPEN = "as your therapist shows you"


@dataclass(frozen=True)
class Schedule:
    """When a patient's programme is due: how often a dose is done where the dose itself does
    not say (the documents rarely do)."""

    sessions_per_day: int
    days: str  # "every day", "on Monday, Wednesday and Friday"


def dosage_in_words(
    dosage: Mapping[str, object], separator: str = ", ", schedule: Schedule | None = None
) -> str:
    """The whole dose in words: what to do, how many times, how often a day, on which days.
    "Hold 30 s · 3 times · once a day · every day"; what neither the dose nor the programme
    says is named and left to the therapist ("how many times: as your therapist shows you")."""
    parts = _what_to_do(dosage)
    left_open: list[str] = []
    if not isinstance(dosage.get("reps"), int):
        left_open.append("how many times")
    sessions = dosage.get("times_per_day")
    if not isinstance(sessions, int) and schedule is not None:
        sessions = schedule.sessions_per_day
    if isinstance(sessions, int):
        parts.append(TIMES_A_DAY.get(sessions, f"{sessions} times a day"))
    else:
        left_open.append("how many sessions a day")
    days_per_week = dosage.get("days_per_week")
    if isinstance(days_per_week, int):
        parts.append(days_a_week(days_per_week, dosage.get("days_per_week_max")))
    elif schedule is not None:
        parts.append(schedule.days)
    else:
        left_open.append("how many days a week")
    if left_open:
        named = left_open[0]
        if len(left_open) > 1:
            named = ", ".join(left_open[:-1]) + " and " + left_open[-1]
        parts.append(f"{named}: {LEFT_OPEN}")
    sentence = separator.join(parts)
    return sentence[0].upper() + sentence[1:]


def merge_dosage(base: Mapping[str, object], override: Mapping[str, object]) -> dict[str, object]:
    """A programme item's dose: the exercise's own, with the fields the item names replaced."""
    merged = {field: base.get(field) for field in DOSE_FIELDS}
    merged.update({field: value for field, value in override.items() if value is not None})
    return merged


@dataclass(frozen=True)
class SessionPlan:
    """What the session player counts through for one dose: `sets` × (`reps` on each side),
    each a hold of `hold_seconds` or, without a hold, a repetition the patient counts."""

    sets: int
    reps: int
    sides: int
    hold_seconds: int | None
    reps_given: bool  # False: the dose gives no count, so the player goes through once

    @property
    def repetitions(self) -> int:
        """Every repetition of the session, each side's counted."""
        return self.sets * self.reps * self.sides


def session_plan(dosage: Mapping[str, object]) -> SessionPlan | None:
    """None where the dose gives neither a hold nor a count: nothing for a player to follow."""
    hold, reps, sets = dosage.get("hold_seconds"), dosage.get("reps"), dosage.get("sets")
    if not isinstance(hold, int) and not isinstance(reps, int):
        return None
    return SessionPlan(
        sets=sets if isinstance(sets, int) else 1,
        reps=reps if isinstance(reps, int) else 1,
        sides=2 if dosage.get("per_side") else 1,
        hold_seconds=hold if isinstance(hold, int) else None,
        reps_given=isinstance(reps, int),
    )
