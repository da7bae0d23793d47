import pytest

from exercises.dosage import dosage_in_words, merge_dosage


@pytest.mark.parametrize(
    ("dosage", "words"),
    [
        ({"hold_seconds": 30, "per_side": True}, "Hold 30 s, each side"),
        ({"reps": 15, "times_per_day": 1}, "15 times, once a day"),
        ({"reps": 15, "hold_seconds": 10, "days_per_week": 7}, "Hold 10 s, 15 times, every day"),
        ({"reps": 10, "per_side": True, "sets": 3}, "10 times, each side, 3 sets"),
        ({"hold_seconds": 90, "times_per_day": 2}, "Hold 1 min 30 s, twice a day"),
        ({"hold_seconds": 120, "days_per_week": 3}, "Hold 2 min, 3 days a week"),
        ({"reps": 1, "sets": 1, "times_per_day": 3}, "1 time, 1 set, 3 times a day"),
        ({}, "As your therapist shows you"),
        ({"per_side": None, "reps": None}, "As your therapist shows you"),
        ({"reps": 10, "days_per_week": 2, "days_per_week_max": 3}, "10 times, 2–3 days a week"),
    ],
)
def test_doses_read_as_plain_words(dosage: dict[str, object], words: str) -> None:
    assert dosage_in_words(dosage) == words


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
