# Imports of the portal stay inside the fixtures (see tests/exercises/conftest.py).
from __future__ import annotations

import pytest


@pytest.fixture
def runner(clinic_people, library):
    """Patient A, with today's programme: the glute bridge programme plus a side plank, every
    day since a week ago; and patient B of another clinic with the same."""
    from datetime import timedelta

    from django.utils import timezone

    from exercises.models import Exercise, ProgramTemplate
    from patients.models import EVERY_DAY, PrescribedExercise
    from patients.services import prescription_create_from_template

    people = clinic_people
    for patient, therapist in (
        (people.patient_a, people.owner),
        (people.patient_b, people.outsider),
    ):
        prescription = prescription_create_from_template(
            patient=patient,
            therapist=therapist,
            template=ProgramTemplate.objects.get(slug="glute-bridge-program"),
            start_date=timezone.localdate() - timedelta(days=7),
            days_mask=EVERY_DAY,
        )
        PrescribedExercise.objects.create(
            prescription=prescription,
            exercise=Exercise.objects.get(slug="side-plank"),
            order=2,
            hold_seconds=15,
            per_side=True,
        )
    people.bridge_a = people.patient_a.prescriptions.get().exercises.get(order=1)
    people.plank_a = people.patient_a.prescriptions.get().exercises.get(order=2)
    people.bridge_b = people.patient_b.prescriptions.get().exercises.get(order=1)
    return people
