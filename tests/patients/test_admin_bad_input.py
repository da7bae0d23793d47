"""A form in the admin that gets a value it cannot read says so and shows the form again: never a
server error, never a row changed."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from exercises.models import Exercise
from patients.models import Patient, Prescription
from tests.factories import PrescribedExerciseFactory, PrescriptionFactory
from tests.two_factor import verified_login

NOT_NUMBERS = ["abc", "²", "9" * 30, "\x00"]


def _prescription_form(patient: Patient, therapist_pk: object, changes: dict) -> dict:
    data = {
        "patient": patient.pk,
        "therapist": therapist_pk,
        "title": "Strength",
        "status": "active",
        "start_date": timezone.localdate().isoformat(),
        "days": [str(d) for d in range(7)],
        "sessions_per_day": "1",
        "reminder_time": "18:00",
        "exercises-TOTAL_FORMS": "0",
        "exercises-INITIAL_FORMS": "0",
        "exercises-MIN_NUM_FORMS": "1",
        "exercises-MAX_NUM_FORMS": "1000",
    }
    data.update(changes)
    return data


@pytest.fixture
def owner(client: Client, clinic_people, library):
    verified_login(client, clinic_people.owner.user)
    return clinic_people


@pytest.mark.django_db
@pytest.mark.parametrize("value", NOT_NUMBERS)
def test_a_primary_therapist_that_is_no_number_is_refused(
    client: Client, owner, value: str
) -> None:
    patient = owner.patient_a
    response = client.post(
        reverse("admin:patients_patient_change", args=[patient.pk]),
        {
            "primary_therapist": value,
            "pain_baseline": "",
            "time_zone": "Europe/London",
            "reminders_enabled": "on",
        },
    )
    assert response.status_code == 200
    assert "primary_therapist" in response.context["adminform"].form.errors
    patient.refresh_from_db()
    assert patient.primary_therapist == owner.owner


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["patient", "therapist", "template"])
@pytest.mark.parametrize("value", NOT_NUMBERS)
def test_a_prescription_field_that_is_no_number_is_refused(
    client: Client, owner, field: str, value: str
) -> None:
    before = Prescription.objects.count()
    response = client.post(
        reverse("admin:patients_prescription_add"),
        _prescription_form(owner.patient_a, owner.owner.pk, {field: value}),
    )
    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    assert Prescription.objects.count() == before


@pytest.mark.django_db
@pytest.mark.parametrize("value", NOT_NUMBERS)
def test_an_inline_exercise_that_is_no_number_is_refused(client: Client, owner, value: str) -> None:
    prescription = PrescriptionFactory(patient=owner.patient_a, therapist=owner.owner)
    bridge = Exercise.objects.get(slug="glute-bridge")
    item = PrescribedExerciseFactory(prescription=prescription, exercise=bridge)
    response = client.post(
        reverse("admin:patients_prescription_change", args=[prescription.pk]),
        _prescription_form(
            owner.patient_a,
            owner.owner.pk,
            {
                "exercises-TOTAL_FORMS": "1",
                "exercises-INITIAL_FORMS": "1",
                "exercises-0-id": item.pk,
                "exercises-0-prescription": prescription.pk,
                "exercises-0-order": "1",
                "exercises-0-exercise": value,
                "exercises-0-reps": "10",
            },
        ),
    )
    assert response.status_code == 200
    (inline,) = response.context["inline_admin_formsets"]
    assert "exercise" in inline.formset.errors[0]
    item.refresh_from_db()
    assert item.exercise == bridge


@pytest.mark.django_db
@pytest.mark.parametrize("value", NOT_NUMBERS)
def test_a_programme_item_exercise_that_is_no_number_is_refused(
    client: Client, owner, value: str
) -> None:
    from exercises.models import ProgramTemplate

    before = ProgramTemplate.objects.count()
    response = client.post(
        reverse("admin:exercises_programtemplate_add"),
        {
            "slug": "own-programme",
            "name": "Our programme",
            "goal": "",
            "items-TOTAL_FORMS": "1",
            "items-INITIAL_FORMS": "0",
            "items-MIN_NUM_FORMS": "0",
            "items-MAX_NUM_FORMS": "1000",
            "items-0-order": "1",
            "items-0-exercise": value,
            "items-0-reps": "10",
            "citations-TOTAL_FORMS": "0",
            "citations-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    items = next(
        inline
        for inline in response.context["inline_admin_formsets"]
        if inline.formset.prefix == "items"
    )
    assert "exercise" in items.formset.errors[0]
    assert ProgramTemplate.objects.count() == before


@pytest.mark.django_db
def test_a_form_claiming_thousands_of_rows_is_refused_without_building_them(
    client: Client, owner
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    prescription = PrescriptionFactory(patient=owner.patient_a, therapist=owner.owner)
    bridge = Exercise.objects.get(slug="glute-bridge")
    PrescribedExerciseFactory(prescription=prescription, exercise=bridge)
    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            reverse("admin:patients_prescription_change", args=[prescription.pk]),
            _prescription_form(
                owner.patient_a,
                owner.owner.pk,
                {"exercises-TOTAL_FORMS": "99999", "exercises-INITIAL_FORMS": "0"},
            ),
        )
    assert response.status_code == 200
    assert "Please submit at most 40 forms." in response.content.decode()
    (inline,) = response.context["inline_admin_formsets"]
    assert len(inline.formset.forms) <= 40
    assert len(queries) < 200
    assert prescription.exercises.count() == 1
