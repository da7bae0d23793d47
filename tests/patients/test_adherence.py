"""Adherence has one definition: the patient list computes it in the database, the patient page's
calendar day by day in Python, and both give the same figures for every kind of patient."""

from __future__ import annotations

from datetime import date, datetime, time
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from exercises.models import Exercise
from patients.models import CheckOff, Patient, PrescribedExercise, Prescription
from patients.selectors import patient_history, patient_overviews, patients_with_adherence
from tests.factories import PatientFactory
from tests.two_factor import verified_login

UTC = ZoneInfo("UTC")
# Friday noon in London, and late on Friday evening UTC: Kiritimati (UTC+14) is already on
# Saturday, Pago Pago (UTC−11) still on Friday morning.
MOMENTS = [
    datetime(2026, 11, 20, 12, 0, tzinfo=UTC),
    datetime(2026, 11, 20, 23, 30, tzinfo=UTC),
    datetime(2026, 11, 21, 0, 30, tzinfo=UTC),
]


def plan(patient: Patient, exercises: list[Exercise], **fields: object) -> list[PrescribedExercise]:
    prescription = Prescription.objects.create(
        patient=patient,
        therapist=patient.primary_therapist,
        title="Plan",
        start_date=fields.pop("start_date", date(2026, 11, 1)),
        reminder_time=time(18, 0),
        **fields,
    )
    return [
        PrescribedExercise.objects.create(prescription=prescription, exercise=exercise, order=n)
        for n, exercise in enumerate(exercises, start=1)
    ]


def done(items: list[PrescribedExercise], days: list[date], sessions: int = 1) -> None:
    CheckOff.objects.bulk_create(
        CheckOff(
            patient=item.prescription.patient,
            prescribed_exercise=item,
            local_date=day,
            session=session,
        )
        for item in items
        for day in days
        for session in range(1, sessions + 1)
    )


def november(*days: int) -> list[date]:
    return [date(2026, 11, day) for day in days]


@pytest.fixture
def varied_patients(clinic_people: SimpleNamespace, library: None) -> list[Patient]:
    therapist = clinic_people.owner
    bridge, plank, clam = Exercise.objects.filter(
        slug__in=["glute-bridge", "front-plank", "side-plank"]
    ).order_by("slug")[:3]

    def patient(zone: str = "Europe/London") -> Patient:
        return PatientFactory(primary_therapist=therapist, time_zone=zone)

    patients = []
    # Two exercises every day, half done, and a check-off today (which does not count yet).
    half = patient()
    items = plan(half, [bridge, plank])
    done(items[:1], november(*range(12, 22)))
    patients.append(half)
    # Far-off zones: their last seven days are not London's.
    for zone in ("Pacific/Kiritimati", "Pacific/Pago_Pago", "Australia/Lord_Howe"):
        far = patient(zone)
        items = plan(far, [bridge], sessions_per_day=2)
        done(items, november(13, 14, 15, 19, 20, 21))
        patients.append(far)
    # Weekdays only (Mon, Wed, Fri), three sessions, started and ended inside the window.
    weekdays = patient("America/Los_Angeles")
    items = plan(
        weekdays,
        [clam],
        days_mask=0b0010101,
        sessions_per_day=3,
        start_date=date(2026, 11, 15),
        end_date=date(2026, 11, 19),
    )
    done(items, november(16, 18), sessions=2)
    patients.append(weekdays)
    # Two programmes, one active and one paused: only the active one is due.
    two = patient("Asia/Kolkata")
    plan(two, [plank], status=Prescription.Status.PAUSED)
    items = plan(two, [bridge, clam], days_mask=0b1100000)  # weekends
    done(items, november(14, 15, 21))
    patients.append(two)
    # A paused programme and a finished one: nothing is due, whatever was done.
    for status in (Prescription.Status.PAUSED, Prescription.Status.FINISHED):
        stopped = patient()
        items = plan(stopped, [bridge], status=status)
        done(items, november(15, 16))
        patients.append(stopped)
    # More done than due (extra sessions): never above 100%.
    keen = patient("America/New_York")
    items = plan(keen, [bridge])
    done(items, november(*range(10, 22)), sessions=3)
    patients.append(keen)
    # Starts in the future; and no programme at all.
    later = patient()
    plan(later, [bridge], start_date=date(2026, 12, 1))
    patients.append(later)
    patients.append(patient())
    return patients


def calendar_figures(patient: Patient, now: datetime) -> tuple[int, int]:
    """The patient page's calendar, summed over the seven full days before today."""
    days = patient_history(patient, now).days[-8:-1]
    return sum(day.expected for day in days), sum(day.done for day in days)


@pytest.mark.django_db
@pytest.mark.parametrize("now", MOMENTS, ids=lambda now: now.strftime("%a %H:%M UTC"))
def test_the_list_and_the_patient_page_agree_on_adherence(
    varied_patients: list[Patient], now: datetime
) -> None:
    in_database = {
        patient.pk: (patient.adherence_expected, patient.adherence_done, patient.adherence_share)
        for patient in patients_with_adherence(Patient.objects.all(), now)
    }
    overviews = patient_overviews(varied_patients, now, with_next_reminder=False)
    for patient in varied_patients:
        expected, done_count = calendar_figures(patient, now)
        share = min(done_count, expected) / expected if expected else None
        assert in_database[patient.pk] == (expected, done_count, share), patient.time_zone
        assert overviews[patient.pk].adherence == share
    figures = sorted(set(in_database.values()), key=str)
    assert len(figures) >= 6, f"the patients should differ: {figures}"


@pytest.mark.django_db
@time_machine.travel(MOMENTS[1], tick=False)
def test_each_adherence_band_lists_exactly_the_patients_the_column_puts_in_it(
    client: Client, clinic_people: SimpleNamespace, varied_patients: list[Patient]
) -> None:
    verified_login(client, clinic_people.owner.user)
    url = reverse("admin:patients_patient_changelist")
    bands = {"low": (0.0, 0.5), "mid": (0.5, 0.8), "high": (0.8, 1.01)}
    shares = {}
    for patient in varied_patients:
        expected, done_count = calendar_figures(patient, MOMENTS[1])
        shares[patient.user.email] = min(done_count, expected) / expected if expected else None
    for band, (low, high) in {**bands, "none": (None, None)}.items():
        html = client.get(url, {"adherence": band}).content.decode()
        listed = {email for email in shares if email in html}
        wanted = {
            email
            for email, share in shares.items()
            if (share is None if band == "none" else share is not None and low <= share < high)
        }
        assert listed == wanted, band
    # Sorted by adherence: nothing due first, then from the lowest share up.
    html = client.get(url, {"o": "4"}).content.decode()
    order = sorted(
        (email for email in shares if email in html), key=lambda email: html.index(email)
    )
    ranked = [-1.0 if shares[email] is None else shares[email] for email in order]
    assert ranked == sorted(ranked)


def test_the_bands_in_whole_numbers_are_the_bands_of_the_share_the_column_shows() -> None:
    from patients.admin.patients import adherence_band

    for due in range(1, 120):
        for done in range(0, 150):
            share = min(done, due) / due
            expected = "low" if share < 0.5 else "mid" if share < 0.8 else "high"
            assert adherence_band(due, done) == expected, (due, done)
    assert adherence_band(0, 3) == "none"
