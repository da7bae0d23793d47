"""The admin's patient page is kept between a therapist's reads (PatientAdmin.change_view): under
the patient's rows (their page stamp among them, which their programme, check-offs, pain reports
and alerts replace), the reader (name, role, permissions), the day and the library's version.
Every change to what the page shows is on it at the next read, exactly as if it were written
anew; each read is still scoped to the clinic and recorded in the audit trail."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import datetime, time, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.core.cache import cache, caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from audit.models import AuditEntry
from exercises.models import Exercise
from patients.models import Alert, CheckOff, PainReport, PrescribedExercise, Prescription
from patients.services import alert_acknowledge
from tests.two_factor import verified_login

LONDON = ZoneInfo("Europe/London")
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


@pytest.fixture
def chart(clinic_people: SimpleNamespace, library: None) -> SimpleNamespace:
    """Alex, a patient of clinic A with a programme of two exercises, a week of check-offs and a
    pain report, and their therapist logged in to the admin."""
    patient = clinic_people.patient_a
    today = timezone.localdate()
    prescription = Prescription.objects.create(
        patient=patient,
        therapist=clinic_people.owner,
        title="Bridges and planks",
        start_date=today - timedelta(days=14),
        reminder_time=time(18, 0),
    )
    bridge = PrescribedExercise.objects.create(
        prescription=prescription,
        exercise=Exercise.objects.get(slug="glute-bridge"),
        reps=12,
        hold_seconds=10,
        therapist_note="Slow on the way down",
    )
    for offset in range(1, 8):
        CheckOff.objects.create(
            patient=patient, prescribed_exercise=bridge, local_date=today - timedelta(days=offset)
        )
    PainReport.objects.create(
        patient=patient, local_date=today - timedelta(days=2), score=5, moment="morning"
    )
    client = verified_login(Client(), clinic_people.owner.user)
    return SimpleNamespace(
        patient=patient,
        bridge=bridge,
        prescription=prescription,
        people=clinic_people,
        client=client,
        path=f"/admin/patients/patient/{patient.pk}/change/",
    )


def read(client: Client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, response.status_code
    return CSRF.sub("", response.content.decode())


def written_anew(client: Client, path: str) -> str:
    """The page as it is written with nothing kept, anywhere."""
    cache.clear()
    caches["fragments"].clear()
    return read(client, path)


@pytest.mark.django_db
def test_a_second_read_is_kept_yet_checked_and_recorded(chart: SimpleNamespace) -> None:
    reads = AuditEntry.objects.filter(action=AuditEntry.Action.ACCESS, patient_id=chart.patient.pk)
    first = read(chart.client, chart.path)
    with CaptureQueriesContext(connection) as queries:
        second = read(chart.client, chart.path)
    assert second == first
    assert "Bridges and planks" in second and "Slow on the way down" in second
    sql = " ".join(query["sql"] for query in queries.captured_queries)
    # Nothing of the programme, the check-offs or the reports is read again…
    for table in ("patients_prescription", "patients_checkoff", "patients_painreport"):
        assert table not in sql, table
    assert len(queries) <= 10, len(queries)
    # …but the patient is looked up within the clinic, and both reads are in the audit trail.
    assert '"patients_patient"."clinic_id"' in sql
    assert reads.count() == 2


CHANGES: dict[str, Callable[[SimpleNamespace], str]] = {}


def change(name: str) -> Callable[[Callable[[SimpleNamespace], str]], Callable[..., str]]:
    def register(function: Callable[[SimpleNamespace], str]) -> Callable[..., str]:
        CHANGES[name] = function
        return function

    return register


@change("the patient's baseline pain")
def _baseline(chart: SimpleNamespace) -> str:
    chart.patient.pain_baseline = 7
    chart.patient.save()
    return 'name="pain_baseline" value="7"'


@change("the patient's name")
def _patient_name(chart: SimpleNamespace) -> str:
    chart.patient.user.first_name = "Alexandra"
    chart.patient.user.save()
    return "Alexandra"


@change("the primary therapist's name")
def _therapist_name(chart: SimpleNamespace) -> str:
    user = chart.people.colleague.user
    user.first_name, user.last_name = "Robin", "Okafor"
    user.save()
    chart.patient.primary_therapist = chart.people.colleague
    chart.patient.save()
    return "Robin Okafor"


@change("the clinic's name")
def _clinic_name(chart: SimpleNamespace) -> str:
    chart.people.clinic_a.name = "Riverside Physio"
    chart.people.clinic_a.save()
    return "Riverside Physio"


@change("a dose")
def _dose(chart: SimpleNamespace) -> str:
    chart.bridge.reps = 15
    chart.bridge.save()
    return "15 times"


@change("a check-off today")
def _check_off(chart: SimpleNamespace) -> str:
    CheckOff.objects.create(
        patient=chart.patient, prescribed_exercise=chart.bridge, local_date=timezone.localdate()
    )
    return "Current streak: 8 days"


@change("a pain report")
def _pain_report(chart: SimpleNamespace) -> str:
    PainReport.objects.create(
        patient=chart.patient, local_date=timezone.localdate(), score=9, moment="evening"
    )
    return "9/10"


@change("an alert raised")
def _alert_raised(chart: SimpleNamespace) -> str:
    Alert.objects.create(patient=chart.patient, cause=Alert.Cause.PAIN_RISING)
    return "Open alert"


@change("an alert acknowledged")
def _alert_acknowledged(chart: SimpleNamespace) -> str:
    # Raised before the first read (below); acknowledged by a conditional UPDATE.
    alert = Alert.objects.get(patient=chart.patient)
    alert_acknowledge(alert=alert, user=chart.people.colleague.user)
    return "</form>"  # the flag is gone: checked against the page written anew


@change("the programme finished")
def _finished(chart: SimpleNamespace) -> str:
    chart.prescription.status = Prescription.Status.FINISHED
    chart.prescription.save()
    return "No programme yet"


@change("an exercise renamed in the library")
def _library(chart: SimpleNamespace) -> str:
    exercise = chart.bridge.exercise
    exercise.name = "Bridge, both legs"
    exercise.save()
    return "Bridge, both legs"


@change("the reader's permission to change patients")
def _permission(chart: SimpleNamespace) -> str:
    allowed = Permission.objects.get(codename="change_patient")
    chart.people.owner.user.groups.get(permissions=allowed).permissions.remove(allowed)
    return "Close"  # a page to read only


@change("the reader's name")
def _reader_name(chart: SimpleNamespace) -> str:
    user = chart.people.owner.user
    user.first_name = "Sam"
    user.save()
    return "Sam"


@pytest.mark.django_db
@pytest.mark.parametrize("what", list(CHANGES))
def test_every_change_is_on_the_next_read_as_if_written_anew(
    chart: SimpleNamespace, what: str
) -> None:
    if what == "an alert acknowledged":
        Alert.objects.create(patient=chart.patient, cause=Alert.Cause.PAIN_RISING)
    before = read(chart.client, chart.path)
    assert read(chart.client, chart.path) == before  # kept
    shows = CHANGES[what](chart)
    after = read(chart.client, chart.path)
    assert after != before, f"{what}: the kept page was served"
    assert shows in after
    assert after == written_anew(chart.client, chart.path)


@pytest.fixture
def late_evening() -> Iterator[time_machine.Coordinates]:
    """Ten to midnight in the patient's zone (the fixture's dates are written then too)."""
    with time_machine.travel(datetime(2026, 11, 20, 23, 50, tzinfo=LONDON), tick=False) as clock:
        yield clock


@pytest.mark.django_db
def test_a_new_day_moves_the_charts(
    late_evening: time_machine.Coordinates, chart: SimpleNamespace
) -> None:
    before = read(chart.client, chart.path)
    assert "Current streak: 7 days" in before
    late_evening.shift(timedelta(minutes=20))  # past midnight, the therapist still logged in
    after = read(chart.client, chart.path)
    assert "Current streak: 0 days" in after
    assert after == written_anew(chart.client, chart.path)


@pytest.mark.django_db
def test_each_reader_has_their_own_page(chart: SimpleNamespace) -> None:
    colleague = verified_login(Client(), chart.people.colleague.user)
    read(chart.client, chart.path)
    theirs = read(colleague, chart.path)
    welcome = "<strong>{}</strong>"  # the admin's header greets its reader
    user = chart.people.colleague.user
    assert welcome.format(user.get_short_name() or user.get_username()) in theirs
    assert theirs == written_anew(colleague, chart.path)
    # Another clinic's therapist finds no such patient, kept page or not.
    outsider = verified_login(Client(), chart.people.outsider.user)
    assert outsider.get(chart.path).status_code == 404
    # Nor does anyone find one whose id is not a number the database holds.
    for wrong in ("99999999999999999999", "1e3", "٣"):
        assert chart.client.get(f"/admin/patients/patient/{wrong}/change/").status_code == 404


def saved(chart: SimpleNamespace, **changes: object) -> dict[str, object]:
    """The patient page's form as the therapist sends it back, with `changes`."""
    return {
        "primary_therapist": chart.people.owner.pk,
        "pain_baseline": 4,
        "time_zone": "Europe/London",
        "reminders_enabled": "on",
        "preferred_reminder_time": "18:00",
        "outcome_interval_days": 14,  # the form's own value: a browser sends it back
        **changes,
    }


@pytest.mark.django_db
def test_a_message_and_list_filters_are_written_each_time(chart: SimpleNamespace) -> None:
    read(chart.client, chart.path)
    filtered = read(chart.client, chart.path + "?_changelist_filters=alerts%3Dopen")
    assert "alerts%3Dopen" in filtered
    assert "alerts%3Dopen" not in read(chart.client, chart.path)
    # "Save and continue editing": back on the page, which says it was saved, once.
    response = chart.client.post(chart.path, saved(chart, pain_baseline=6, _continue="1"))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert "changed successfully" in read(chart.client, chart.path)
    assert "changed successfully" not in read(chart.client, chart.path)


@pytest.mark.django_db
def test_the_kept_page_carries_the_readers_own_csrf_token(chart: SimpleNamespace) -> None:
    strict = verified_login(Client(enforce_csrf_checks=True), chart.people.owner.user)
    read(chart.client, chart.path)  # kept by the same reader's other session
    html = strict.get(chart.path).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert token is not None
    response = strict.post(
        chart.path, saved(chart, pain_baseline=6, csrfmiddlewaretoken=token.group(1))
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    chart.patient.refresh_from_db()
    assert chart.patient.pain_baseline == 6
