"""The causes "Needs attention" adds are raised where they happen: a session stopped before the
end of the dose or reported painful, and a screen's result worse than the one before. Their
emails say how soon and nothing of the patient's health."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from exercises.models import Exercise
from patients.models import Alert, CheckOff
from patients.reminders import prepare_alert
from patients.screens import screen_request_create, screen_result_record
from patients.services import SessionCounts, check_off_rate, check_off_record
from tests.factories import PatientFactory, programme_create

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=ZoneInfo("Europe/London"))


@pytest.fixture
def patient(db: None):
    return PatientFactory(user__first_name="Alex")


@time_machine.travel(NOW, tick=False)
def test_a_session_stopped_before_the_end_of_the_dose_raises_a_partial_session_alert(
    patient,
) -> None:
    item = programme_create(patient)
    record = check_off_record(
        patient=patient, prescribed_exercise=item, counts=SessionCounts(reps_done=3, sets_done=0)
    )
    assert record.check_off.is_partial
    alert = Alert.objects.get(patient=patient, status=Alert.Status.OPEN)
    assert (alert.cause, alert.check_off_id) == (Alert.Cause.PARTIAL_SESSION, record.check_off.pk)


@time_machine.travel(NOW, tick=False)
def test_a_whole_session_without_pain_raises_nothing(patient) -> None:
    item = programme_create(patient)
    record = check_off_record(patient=patient, prescribed_exercise=item)
    check_off_rate(
        patient=patient,
        check_off=record.check_off,
        difficulty=CheckOff.Difficulty.RIGHT,
        pain_during=5,  # accepted during exercise
    )
    assert not Alert.objects.filter(patient=patient).exists()


@time_machine.travel(NOW, tick=False)
def test_a_session_reported_painful_raises_a_partial_session_alert_and_high_pain_its_own(
    patient,
) -> None:
    item = programme_create(patient)
    record = check_off_record(patient=patient, prescribed_exercise=item)
    check_off_rate(
        patient=patient,
        check_off=record.check_off,
        difficulty=CheckOff.Difficulty.TOO_HARD,
        pain_during=6,
    )
    assert list(Alert.objects.filter(patient=patient).values_list("cause", flat=True)) == [
        Alert.Cause.PARTIAL_SESSION
    ]
    Alert.objects.all().delete()
    check_off_rate(
        patient=patient,
        check_off=record.check_off,
        difficulty=CheckOff.Difficulty.TOO_HARD,
        pain_during=8,
    )
    assert list(Alert.objects.filter(patient=patient).values_list("cause", flat=True)) == [
        Alert.Cause.HIGH_PAIN
    ]


def _screen_done(patient, screen: Exercise, seconds: list[int | None]):
    request = screen_request_create(patient=patient, screen=screen, requested_by=None)
    values = [{"seconds": s, "could_not": s is None} for s in seconds]
    return screen_result_record(patient=patient, request=request, values=values)


def test_a_screen_result_worse_than_the_previous_one_raises_a_screen_alert(
    patient, library: None
) -> None:
    screen = Exercise.objects.get(slug="single-leg-stance-eyes-open")
    with time_machine.travel(NOW - timedelta(days=14), tick=False):
        _screen_done(patient, screen, [30, 30])  # both legs held 30 s: passed
    with time_machine.travel(NOW - timedelta(days=7), tick=False):
        _screen_done(patient, screen, [35, 31])  # as good: nothing to look at
    assert not Alert.objects.filter(patient=patient).exists()
    with time_machine.travel(NOW, tick=False):
        worse = _screen_done(patient, screen, [30, None])  # could not on the right
    alert = Alert.objects.get(patient=patient)
    assert (alert.cause, alert.screen_result_id) == (Alert.Cause.SCREEN_WORSE, worse.pk)


def test_a_first_screen_result_raises_nothing_however_it_went(patient, library: None) -> None:
    screen = Exercise.objects.get(slug="single-leg-stance-eyes-open")
    _screen_done(patient, screen, [None, None])
    assert not Alert.objects.filter(patient=patient).exists()


@pytest.mark.parametrize(
    ("cause", "subject"),
    [
        (Alert.Cause.URGENT, "Urgent: a patient needs your attention"),
        (Alert.Cause.RED_FLAG, "Soon: a patient needs your attention"),
        (Alert.Cause.HIGH_PAIN, "Soon: a patient needs your attention"),
        (Alert.Cause.PAIN_RISING, "Soon: a patient needs your attention"),
        (Alert.Cause.PARTIAL_SESSION, "Routine: a patient needs your attention"),
        (Alert.Cause.INACTIVE, "Routine: a patient needs your attention"),
        (Alert.Cause.SCREEN_WORSE, "Routine: a patient needs your attention"),
    ],
)
def test_the_alert_email_says_how_soon_in_its_subject_and_nothing_of_the_patients_health(
    patient, cause: str, subject: str
) -> None:
    alert = Alert.objects.create(patient=patient, cause=cause)
    email = prepare_alert(alert, NOW)
    assert email.subject == subject
    visible = "\n".join([email.subject, email.text, email.html]).lower()
    for word in (
        "pain",
        "session",
        "screen",
        "warning",
        "nerve",
        "activity",
        patient.user.last_name.lower(),
    ):
        assert word not in visible, word
