"""Which patient a row of patient data belongs to, and what to call it in the trail."""

from __future__ import annotations

from typing import Any

from django.db import models

from patients.models import (
    Alert,
    AlertNotice,
    CheckOff,
    Invitation,
    PainReport,
    Patient,
    PrescribedExercise,
    PrescribedExerciseMedia,
    Prescription,
    PrescriptionVersion,
    Reminder,
    SafetyCheck,
    ScreenRequest,
    ScreenResult,
    User,
)

# What the trail calls a write of each kind of row, as a clinic admin reads it.
WRITE_DESCRIPTIONS: dict[type[models.Model], str] = {
    Patient: "Patient details",
    User: "Patient's account (name, email, active)",
    Prescription: "Prescription",
    PrescribedExercise: "Exercise and dose in a prescription",
    PrescribedExerciseMedia: "Picture or video for one patient's exercise",
    PrescriptionVersion: "Prescription version",
    Alert: "Alert",
    AlertNotice: "What the patient was told about an alert",
    PainReport: "Pain report",
    CheckOff: "Check-off",
    SafetyCheck: "Urgent warning signs answer",
    ScreenRequest: "Screen request",
    ScreenResult: "Screen result",
}


def write_description(instance: models.Model) -> str:
    return WRITE_DESCRIPTIONS.get(type(instance), str(instance._meta.verbose_name).capitalize())


def _cached_patient(record: models.Model, field: str = "patient") -> Patient:
    """The row's patient, with their user, in one query at most; kept on the row, so that the
    page showing it reuses them."""
    if not record._meta.get_field(field).is_cached(record):
        patient = Patient.objects.select_related("user").get(pk=getattr(record, f"{field}_id"))
        setattr(record, field, patient)
    return getattr(record, field)


def _patient_of_user(user: User) -> Patient | None:
    try:
        return user.patient
    except Patient.DoesNotExist:  # staff: not patient data
        return None


def patient_of(record: Any) -> Patient | None:
    """The patient whose data `record` is; None for a row that is no patient's (a therapist's
    own account, a therapist's invitation)."""
    if isinstance(record, Patient):
        return record
    if isinstance(record, User):
        return _patient_of_user(record)
    if isinstance(record, Invitation):
        return _patient_of_user(record.user)
    if isinstance(record, PrescribedExercise | PrescriptionVersion):
        return _cached_patient(record.prescription)
    if isinstance(record, PrescribedExerciseMedia):
        return _cached_patient(record.prescribed_exercise.prescription)
    if isinstance(
        record,
        Prescription
        | Alert
        | AlertNotice
        | PainReport
        | CheckOff
        | SafetyCheck
        | ScreenRequest
        | ScreenResult
        | Reminder,
    ):
        return _cached_patient(record)
    return None
