import pytest

from exercises.dosage import Schedule, dosage_in_words, merge_dosage

OPEN = "as your therapist shows you"


@pytest.mark.parametrize(
    ("dosage", "words"),
    [
        (
            {"hold_seconds": 30, "per_side": True},
            f"Hold 30 s, each side, how many times, how many sessions a day and how many days "
            f"a week: {OPEN}",
        ),
        ({"reps": 15, "times_per_day": 1}, f"15 times, once a day, how many days a week: {OPEN}"),
        (
            {"reps": 15, "hold_seconds": 10, "days_per_week": 7},
            f"Hold 10 s, 15 times, every day, how many sessions a day: {OPEN}",
        ),
        (
            {"reps": 10, "per_side": True, "sets": 3, "times_per_day": 2, "days_per_week": 3},
            "10 times, each side, 3 sets, twice a day, 3 days a week",
        ),
        (
            {"hold_seconds": 90, "reps": 3, "times_per_day": 2, "days_per_week": 7},
            "Hold 1 min 30 s, 3 times, twice a day, every day",
        ),
        (
            {"reps": 1, "sets": 1, "times_per_day": 3, "days_per_week": 1},
            "1 time, 1 set, 3 times a day, 1 day a week",
        ),
        ({}, f"How many times, how many sessions a day and how many days a week: {OPEN}"),
        (
            {"per_side": None, "reps": None},
            f"How many times, how many sessions a day and how many days a week: {OPEN}",
        ),
        (
            {"reps": 10, "days_per_week": 2, "days_per_week_max": 3, "times_per_day": 1},
            "10 times, once a day, 2–3 days a week",
        ),
    ],
)
def test_doses_read_in_full_words_and_say_what_is_left_open(
    dosage: dict[str, object], words: str
) -> None:
    assert dosage_in_words(dosage) == words


@pytest.mark.parametrize(
    ("dosage", "schedule", "words"),
    [
        # The issue's own example: every part of the dose said.
        (
            {"hold_seconds": 30, "reps": 3},
            Schedule(1, "every day"),
            "Hold 30 s · 3 times · once a day · every day",
        ),
        # The front plank: the documents give the hold only.
        (
            {"hold_seconds": 30},
            Schedule(2, "on Monday, Wednesday and Friday"),
            f"Hold 30 s · twice a day · on Monday, Wednesday and Friday · how many times: {OPEN}",
        ),
        # The dose's own frequency wins over the programme's.
        (
            {"reps": 10, "per_side": True, "days_per_week": 2, "days_per_week_max": 3},
            Schedule(1, "every day"),
            "10 times · each side · once a day · 2–3 days a week",
        ),
    ],
)
def test_a_patients_dose_takes_how_often_from_their_programme(
    dosage: dict[str, object], schedule: Schedule, words: str
) -> None:
    assert dosage_in_words(dosage, " · ", schedule) == words


def test_a_programmes_days_read_in_full() -> None:
    from patients.models import EVERY_DAY, days_in_full_words, mask_from_days

    assert days_in_full_words(EVERY_DAY) == "every day"
    assert days_in_full_words(0b0011111) == "on weekdays (Monday to Friday)"
    assert days_in_full_words(mask_from_days([0, 2, 4])) == "on Monday, Wednesday and Friday"
    assert days_in_full_words(mask_from_days([6])) == "on Sundays"


def test_a_version_1_item_meant_the_exercise_dose_with_its_own_fields_laid_over() -> None:
    exercise = {"reps": 15, "hold_seconds": 10, "per_side": False, "days_per_week": 7}
    assert merge_dosage(exercise, {"hold_seconds": 5, "reps": None}) == {
        "sets": None,
        "reps": 15,
        "hold_seconds": 5,
        "per_side": False,
        "times_per_day": None,
        "days_per_week": 7,
        "days_per_week_max": None,
    }
