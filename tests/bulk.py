"""A clinic full of patients, made in bulk: for the admin lists' query-count tests (dozens of
patients) and their benchmark (ten thousand). Import inside tests (Django must be set up).

Each patient has a programme of two exercises, check-offs over the past weeks (some do
everything, some little, some nothing), pain reports, reminders, and every third one an alert,
every fifth a screen asked for and its result; the clinic's audit trail has two reads a patient.
Needs the shipped library (the `library` fixture)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime, time, timedelta
from itertools import islice
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model

from audit.models import AuditEntry
from exercises.models import Exercise
from patients.models import (
    Alert,
    CheckOff,
    Clinic,
    PainReport,
    Patient,
    PrescribedExercise,
    Prescription,
    Reminder,
    ScreenRequest,
    ScreenResult,
    Therapist,
    User,
)

ZONES = ["Europe/London", "America/New_York", "Asia/Kolkata", "Pacific/Kiritimati"]
HISTORY_DAYS = 21
BATCH = 5_000

M = TypeVar("M", bound=Model)


def _create(model: type[M], rows: Iterable[M]) -> list[M]:
    created: list[M] = []
    iterator: Iterator[M] = iter(rows)
    while chunk := list(islice(iterator, BATCH)):
        created += model.objects.bulk_create(chunk)
    return created


def clinic_patients_create(
    therapist: Therapist, count: int, now: datetime, *, prefix: str = "bulk"
) -> list[Patient]:
    """`count` more patients of the therapist's clinic, with everything the admin lists show."""
    clinic: Clinic = therapist.clinic
    bridge, plank = Exercise.objects.filter(slug__in=["glute-bridge", "front-plank"]).order_by(
        "slug"
    )
    screen = Exercise.objects.get(slug="single-leg-stance-eyes-open")
    start = User.objects.filter(email__startswith=prefix).count()
    numbers = range(start, start + count)
    users = _create(
        User,
        (
            User(
                email=f"{prefix}{n}@{clinic.pk}.example",
                first_name="Pat",
                last_name=f"{prefix.capitalize()} {n:05d}",
                password="!",
            )
            for n in numbers
        ),
    )
    patients = _create(
        Patient,
        (
            Patient(
                user=user,
                clinic=clinic,
                primary_therapist=therapist,
                time_zone=ZONES[n % len(ZONES)],
                reminder_token=f"{prefix}-{clinic.pk}-{n}",
            )
            for n, user in zip(numbers, users, strict=True)
        ),
    )
    first_day = now.date() - timedelta(days=HISTORY_DAYS)
    prescriptions = _create(
        Prescription,
        (
            Prescription(
                patient=patient,
                therapist=therapist,
                title="Hip and core",
                start_date=first_day,
                reminder_time=time(18, 0),
                # Most every day, some on weekdays, a few paused.
                days_mask=0b0011111 if n % 4 == 1 else 0b1111111,
                status=Prescription.Status.PAUSED if n % 10 == 9 else Prescription.Status.ACTIVE,
            )
            for n, patient in zip(numbers, patients, strict=True)
        ),
    )
    items = _create(
        PrescribedExercise,
        (
            PrescribedExercise(prescription=prescription, exercise=exercise, order=order, reps=12)
            for prescription in prescriptions
            for order, exercise in enumerate([bridge, plank], start=1)
        ),
    )
    pairs = list(zip(numbers, patients, strict=True))
    by_prescription: dict[int, list[PrescribedExercise]] = {}
    for item in items:
        by_prescription.setdefault(item.prescription_id, []).append(item)

    def does(n: int, offset: int) -> bool:
        # Patient n does a day's exercises in (n % 6) days of every 5: from none to all.
        return (offset * 3 + n) % 5 < n % 6

    _create(
        CheckOff,
        (
            CheckOff(
                patient=patient,
                prescribed_exercise=item,
                local_date=first_day + timedelta(days=offset),
                created_at=now - timedelta(days=HISTORY_DAYS - offset, hours=2),
                difficulty=CheckOff.Difficulty.RIGHT,
            )
            for (n, patient), prescription in zip(pairs, prescriptions, strict=True)
            for offset in range(HISTORY_DAYS)
            if does(n, offset)
            for item in by_prescription[prescription.pk]
        ),
    )
    reports = _create(
        PainReport,
        (
            PainReport(
                patient=patient,
                created_at=now - timedelta(days=days_ago, hours=3),
                local_date=(now - timedelta(days=days_ago, hours=3))
                .astimezone(ZoneInfo(patient.time_zone))
                .date(),
                score=(n + days_ago) % 11,
                moment=PainReport.Moment.MORNING,
                red_flag=n % 17 == 0,
            )
            for n, patient in pairs
            for days_ago in (1, 8)
        ),
    )
    _create(
        Alert,
        (
            Alert(patient=patient, cause=Alert.Cause.HIGH_PAIN, pain_report=report)
            for (n, patient), report in zip(pairs, reports[::2], strict=True)
            if n % 3 == 0
        ),
    )
    _create(
        Reminder,
        (
            Reminder(
                prescription=prescription,
                patient=patient,
                local_date=now.date() - timedelta(days=days_ago),
                due_at=now - timedelta(days=days_ago, hours=1),
                delivery=Reminder.Delivery.SENT,
                sent_at=now - timedelta(days=days_ago, hours=1),
            )
            for (_n, patient), prescription in zip(pairs, prescriptions, strict=True)
            for days_ago in (1, 2)
        ),
    )
    requests = _create(
        ScreenRequest,
        (
            ScreenRequest(
                patient=patient,
                screen=screen,
                requested_by=therapist,
                status=ScreenRequest.Status.DONE,
            )
            for n, patient in pairs
            if n % 5 == 0
        ),
    )
    _create(
        ScreenResult,
        (
            ScreenResult(
                patient=request.patient,
                screen=screen,
                request=request,
                local_date=now.date(),
                trials=[{"label": "Left leg", "measure": "seconds", "seconds": 20}],
            )
            for request in requests
        ),
    )
    audit_reads_create(therapist, patients, now)
    return patients


def audit_reads_create(therapist: Therapist, patients: list[Patient], now: datetime) -> None:
    """Two reads of each patient's page by the therapist, as the trail records them."""
    content_type = ContentType.objects.get_for_model(Patient)
    user: Any = therapist.user
    _create(
        AuditEntry,
        (
            AuditEntry(
                action=AuditEntry.Action.ACCESS,
                content_type=content_type,
                object_pk=str(patient.pk),
                object_id=patient.pk,
                object_repr=str(patient.user.get_full_name()),
                clinic_id=patient.clinic_id,
                patient_id=patient.pk,
                patient_name=patient.user.get_full_name(),
                what="Patient page",
                actor=user,
                actor_email=user.email,
                actor_name=str(user),
                timestamp=now - timedelta(days=days_ago),
            )
            for patient in patients
            for days_ago in (1, 3)
        ),
    )
