"""Imports inside fixtures: this conftest loads before Django is set up."""

from __future__ import annotations

from types import SimpleNamespace

import pytest


@pytest.fixture
def clinic(clinic_people, library) -> SimpleNamespace:
    """clinic_people (owner, colleague, outsider and a patient in each clinic), a clinic admin
    in each clinic, and for each patient a programme, a pain report, an alert and a check-off."""
    from django.utils import timezone

    from exercises.models import Exercise
    from patients.models import Alert, CheckOff, PainReport, Therapist
    from tests.factories import (
        PrescribedExerciseFactory,
        PrescriptionFactory,
        TherapistFactory,
    )

    people = clinic_people
    people.admin_a = TherapistFactory(
        clinic=people.clinic_a,
        role=Therapist.Role.CLINIC_ADMIN,
        user__email="admin@a.example",
        user__first_name="Ada",
        user__last_name="Admin",
    )
    people.admin_b = TherapistFactory(
        clinic=people.clinic_b, role=Therapist.Role.CLINIC_ADMIN, user__email="admin@b.example"
    )
    bridge = Exercise.objects.get(slug="glute-bridge")
    for patient in (people.patient_a, people.patient_b):
        prescription = PrescriptionFactory(patient=patient, title="Bridges")
        item = PrescribedExerciseFactory(prescription=prescription, exercise=bridge)
        report = PainReport.objects.create(
            patient=patient, local_date=timezone.localdate(), score=8, moment="morning"
        )
        Alert.objects.create(patient=patient, cause=Alert.Cause.HIGH_PAIN, pain_report=report)
        CheckOff.objects.create(
            patient=patient, prescribed_exercise=item, local_date=timezone.localdate()
        )
    return people
