"""The patient page tells the patient's story (issue 15, point 2): the programme and its
versions, pain over time with each report's symptoms in words, its flag and the patient's note,
the exercises done and the sessions done partially, the screens' results over time and a place
for outcome scores; at a query count that follows neither the clinic's size nor the patient's
history."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine
from bs4 import BeautifulSoup
from django.core.cache import cache, caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.formats import date_format

from exercises.models import Exercise
from patients.models import (
    CheckOff,
    PainReport,
    PrescribedExercise,
    Prescription,
    ScreenResult,
)
from patients.services import prescription_record_version
from tests.audit.helpers import reads_not_recorded
from tests.two_factor import verified_login

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=LONDON)
TODAY = NOW.date()


def story_of(people: SimpleNamespace, now: datetime = NOW) -> SimpleNamespace:
    """Alex's last three weeks: a programme changed once (two versions), three pain reports (a
    red flag with nerve symptoms and a note, an urgent warning sign, a calm one), a session with
    only one of two exercises done, one stopped early, one that hurt, and two balance screens."""
    patient = people.patient_a
    today = now.astimezone(LONDON).date()
    prescription = Prescription.objects.create(
        patient=patient,
        therapist=people.owner,
        title="Bridges and planks",
        start_date=today - timedelta(days=20),
        reminder_time=time(18, 0),
    )
    bridge = PrescribedExercise.objects.create(
        prescription=prescription, exercise=Exercise.objects.get(slug="glute-bridge"), reps=12
    )
    plank = PrescribedExercise.objects.create(
        prescription=prescription,
        exercise=Exercise.objects.get(slug="front-plank"),
        order=2,
        hold_seconds=30,
    )
    with time_machine.travel(now - timedelta(days=20), tick=False):
        prescription_record_version(prescription=prescription, user=people.owner.user)
    bridge.reps = 15
    bridge.save()
    with time_machine.travel(now - timedelta(days=10), tick=False):
        prescription_record_version(prescription=prescription, user=people.owner.user)
    for days_ago in range(3, 15):  # both done: complete sessions
        for item in (bridge, plank):
            CheckOff.objects.create(
                patient=patient, prescribed_exercise=item, local_date=today - timedelta(days_ago)
            )
    # Only the bridge, on the 17th.
    CheckOff.objects.create(
        patient=patient, prescribed_exercise=bridge, local_date=today - timedelta(days=15)
    )
    # Stopped at 8 of 15 repetitions on the 18th, the plank done.
    day = today - timedelta(days=2)
    CheckOff.objects.create(
        patient=patient, prescribed_exercise=bridge, local_date=day, reps_done=8, reps_planned=15
    )
    CheckOff.objects.create(patient=patient, prescribed_exercise=plank, local_date=day)
    # Everything done on the 19th, the plank at pain 8.
    day = today - timedelta(days=1)
    CheckOff.objects.create(patient=patient, prescribed_exercise=bridge, local_date=day)
    CheckOff.objects.create(
        patient=patient, prescribed_exercise=plank, local_date=day, pain_during=8
    )
    reports = [
        PainReport.objects.create(
            patient=patient,
            local_date=today - timedelta(days=9),
            created_at=datetime.combine(today - timedelta(days=9), time(8, 15), tzinfo=LONDON),
            score=3,
            moment=PainReport.Moment.MORNING,
        ),
        PainReport.objects.create(
            patient=patient,
            local_date=today - timedelta(days=5),
            created_at=datetime.combine(today - timedelta(days=5), time(19, 40), tzinfo=LONDON),
            score=6,
            moment=PainReport.Moment.AFTER_EXERCISE,
            qualities=["radiating", "tingling"],
            note="Worse after sitting at my desk all afternoon",
            red_flag=True,
        ),
        PainReport.objects.create(
            patient=patient,
            local_date=today - timedelta(days=1),
            created_at=datetime.combine(today - timedelta(days=1), time(7, 5), tzinfo=LONDON),
            score=8,
            moment=PainReport.Moment.MORNING,
            urgent_signs=["saddle_numbness"],
            red_flag=True,
        ),
    ]
    screen = Exercise.objects.get(slug="single-leg-stance-eyes-open")
    for days_ago, seconds in ((14, 12), (4, 31)):
        ScreenResult.objects.create(
            patient=patient,
            screen=screen,
            local_date=today - timedelta(days=days_ago),
            recorded_at=now - timedelta(days=days_ago),
            trials=[
                {
                    "label": "Left leg",
                    "measure": "seconds",
                    "seconds": seconds,
                    "could_not": False,
                    "target_seconds": 30,
                    "passed": seconds >= 30,
                },
                {
                    "label": "Right leg",
                    "measure": "seconds",
                    "seconds": None,
                    "could_not": True,
                    "target_seconds": 30,
                    "passed": False,
                },
            ],
        )
    return SimpleNamespace(
        patient=patient, prescription=prescription, reports=reports, screen=screen, people=people
    )


@pytest.fixture
def story(clinic_people: SimpleNamespace, library: None) -> SimpleNamespace:
    with time_machine.travel(NOW, tick=False):
        return story_of(clinic_people)


def short(day: date) -> str:
    """A date as the clinic's locale writes it short (19/11/2026 in en-gb)."""
    return date_format(day, "SHORT_DATE_FORMAT")


def page_of(client: Client, patient_pk: int) -> BeautifulSoup:
    response = client.get(reverse("admin:patients_patient_change", args=[patient_pk]))
    assert response.status_code == 200
    return BeautifulSoup(response.content.decode(), "html.parser")


def words(node) -> str:  # type: ignore[no-untyped-def]
    return " ".join(node.get_text(" ", strip=True).split())


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_each_pain_report_shows_its_symptoms_in_words_its_flag_and_the_patients_note(
    client: Client, story: SimpleNamespace
) -> None:
    verified_login(client, story.people.owner.user)
    page = page_of(client, story.patient.pk)
    rows = page.select("table.pain-reports tbody tr")
    assert len(rows) == 3
    urgent, red_flag, calm = (words(row) for row in rows)  # newest first
    reported = datetime.combine(TODAY - timedelta(days=1), time(7, 5), tzinfo=LONDON)
    assert date_format(reported, "SHORT_DATETIME_FORMAT") in urgent and "8/10" in urgent
    assert "Urgent" in urgent and "Warning sign: saddle numbness" in urgent
    assert rows[0].select_one(".story-flag.urgent [aria-hidden]").get_text() == "⚠"
    assert "Red flag" in red_flag
    assert "Radiating into the thigh or knee" in red_flag
    assert "Tingling (pins and needles) in the thigh or leg" in red_flag
    assert "Worse after sitting at my desk all afternoon" in red_flag
    assert "After my exercises" in red_flag
    assert "Red flag" not in calm and "Urgent" not in calm and "None" in calm
    html = str(page)
    assert '["radiating"' not in html and "saddle_numbness" not in html  # no JSON, no keys
    # On the chart: a point each, the baseline, and a triangle on each flagged report.
    chart = page.select_one("svg.chart-pain")
    assert len(chart.select("circle.pain-point")) == 3
    assert chart.select_one("line.baseline")
    assert len(chart.select("path.pain-flag")) == 2


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_sessions_done_partially_are_listed_with_what_happened(
    client: Client, story: SimpleNamespace
) -> None:
    verified_login(client, story.people.owner.user)
    page = page_of(client, story.patient.pk)
    rows = [words(row) for row in page.select("table.partial-sessions tbody tr")]
    assert len(rows) == 3, rows  # the complete sessions are not listed
    painful, stopped, half = rows  # newest first
    assert painful.startswith(short(TODAY - timedelta(days=1))) and "Front plank" in painful
    assert "pain 8/10 during" in painful
    assert (
        stopped.startswith(short(TODAY - timedelta(days=2)))
        and "stopped at 8 of 15 repetitions" in stopped
    )
    assert half.startswith(short(TODAY - timedelta(days=15))) and "1 of 2" in half
    assert "2 exercises due, 1 checked off" in half
    # Today's session, under way, is not partial (yet).
    CheckOff.objects.create(
        patient=story.patient,
        prescribed_exercise=story.prescription.exercises.first(),
        local_date=TODAY,
    )
    assert len(page_of(client, story.patient.pk).select("table.partial-sessions tbody tr")) == 3
    # The calendar is still there, with its table.
    assert page.select_one("svg.chart-adherence")
    assert page.select_one("#story-adherence details.chart-table table")


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_screen_results_over_time_and_the_programmes_versions(
    client: Client, story: SimpleNamespace
) -> None:
    verified_login(client, story.people.owner.user)
    page = page_of(client, story.patient.pk)
    results = [words(row) for row in page.select("table.screen-results tbody tr")]
    assert len(results) == 2
    assert (
        results[0].startswith(short(TODAY - timedelta(days=14))) and story.screen.name in results[0]
    )
    assert "0 of 2" in results[0] and "Left leg: 12 s (mark 30 s) — not passed" in results[0]
    assert "Right leg: could not do it" in results[0]
    assert results[1].startswith(short(TODAY - timedelta(days=4))) and "1 of 2" in results[1]
    assert "Left leg: 31 s (mark 30 s) — passed" in results[1]

    versions = [words(row) for row in page.select("tr.programme-version")]
    assert len(versions) == 2
    assert versions[0].startswith(f"2 {short(TODAY - timedelta(days=10))}") and versions[
        1
    ].startswith(f"1 {short(TODAY - timedelta(days=20))}")
    link = page.select_one(".story-versions a")
    assert link["href"] == reverse(
        "admin:patients_prescription_versions", args=[story.prescription.pk]
    )
    # The outcome scores have their place, marked, after the rest of the story.
    sections = [section["id"] for section in page.select("section.story-section")]
    assert sections == [
        "prescriptions",
        "story-pain",
        "story-adherence",
        "story-screens",
        "story-outcomes",
    ]


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_a_patient_with_no_history_reads_as_such(
    client: Client, clinic_people: SimpleNamespace, library: None
) -> None:
    verified_login(client, clinic_people.owner.user)
    text = words(page_of(client, clinic_people.patient_a.pk))
    assert "No pain reports in the last twelve weeks." in text
    assert "No session done partially in the last twelve weeks." in text
    assert "No screen results yet." in text
    assert "No programme has been saved yet." in text


# The query count ------------------------------------------------------------------------------


def queries_of_the_page(client: Client, patient_pk: int) -> list[str]:
    """The page written anew (nothing kept): every read it makes."""
    cache.clear()
    caches["fragments"].clear()
    url = reverse("admin:patients_patient_change", args=[patient_pk])
    with reads_not_recorded(), CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return [query["sql"] for query in captured.captured_queries]


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_the_page_reads_as_much_beside_10_or_1000_patients_and_a_long_history(
    client: Client, story: SimpleNamespace
) -> None:
    from tests.bulk import clinic_patients_create

    verified_login(client, story.people.owner.user)
    clinic_patients_create(story.people.owner, 9, NOW)  # ten in the clinic
    queries_of_the_page(client, story.patient.pk)  # the first read of the session's own rows
    at_ten = queries_of_the_page(client, story.patient.pk)
    # 21 at the time of writing: the page before the story read 18, the story adds three (the
    # check-offs of its sessions, the screen results, the versions), each one query whatever
    # their number.

    clinic_patients_create(story.people.owner, 990, NOW, prefix="more")  # a thousand
    at_a_thousand = queries_of_the_page(client, story.patient.pk)
    assert len(at_a_thousand) == len(at_ten), "\n".join(at_a_thousand)

    # Ten times the history: reports, screens, check-offs of stopped sessions, versions.
    bridge = PrescribedExercise.objects.filter(prescription=story.prescription).first()
    for days_ago in range(20, 80):
        day = TODAY - timedelta(days=days_ago)
        PainReport.objects.create(
            patient=story.patient,
            local_date=day,
            score=days_ago % 11,
            moment=PainReport.Moment.MORNING,
            qualities=["dull"],
            note=f"Day {days_ago}",
            created_at=datetime.combine(day, time(9), tzinfo=LONDON),
        )
        CheckOff.objects.create(
            patient=story.patient,
            prescribed_exercise=bridge,
            local_date=day,
            reps_done=5,
            reps_planned=15,
        )
        ScreenResult.objects.create(
            patient=story.patient,
            screen=story.screen,
            local_date=day,
            recorded_at=datetime.combine(day, time(10), tzinfo=LONDON),
            trials=[],
        )
    for reps in range(16, 30):
        bridge.reps = reps
        bridge.save()
        prescription_record_version(prescription=story.prescription, user=None)
    long_history = queries_of_the_page(client, story.patient.pk)
    assert len(long_history) == len(at_ten), "\n".join(long_history)
    page = page_of(client, story.patient.pk)
    assert len(page.select("table.pain-reports tbody tr")) == 63
    assert len(page.select("tr.programme-version")) == 16


# The page kept between reads (patients/kept.py) ------------------------------------------------


def kept_read(client: Client, patient_pk: int) -> str:
    response = client.get(reverse("admin:patients_patient_change", args=[patient_pk]))
    assert response.status_code == 200
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())
    return words(BeautifulSoup(html, "html.parser"))


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_the_kept_page_shows_a_new_screen_result_version_and_stopped_session_at_once(
    client: Client, story: SimpleNamespace
) -> None:
    verified_login(client, story.people.owner.user)
    before = kept_read(client, story.patient.pk)
    assert kept_read(client, story.patient.pk) == before  # kept
    ScreenResult.objects.create(
        patient=story.patient,
        screen=story.screen,
        local_date=TODAY,
        recorded_at=NOW,
        trials=[{"label": "Left leg", "measure": "seconds", "seconds": 44, "passed": True}],
    )
    assert "Left leg: 44 s" in kept_read(client, story.patient.pk)
    bridge = PrescribedExercise.objects.filter(prescription=story.prescription).first()
    PrescribedExercise.objects.filter(pk=bridge.pk).update(reps=20)  # no signal: the version's
    kept_read(client, story.patient.pk)
    prescription_record_version(prescription=story.prescription, user=story.people.colleague.user)
    assert story.people.colleague.user.get_full_name() in kept_read(client, story.patient.pk)
    CheckOff.objects.create(
        patient=story.patient,
        prescribed_exercise=bridge,
        local_date=TODAY,
        reps_done=3,
        reps_planned=20,
    )
    assert "stopped at 3 of 20 repetitions" in kept_read(client, story.patient.pk)
