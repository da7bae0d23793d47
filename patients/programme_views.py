"""The patient's own programme, exercise by exercise: what they were prescribed, with their dose in
every sentence that names it, and the documents' words behind it."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from patients.models import Patient
from patients.selectors import prescribed_exercise_page_for_patient
from patients.views import patient_required


@require_GET
@patient_required
def programme_exercise(request: HttpRequest, patient: Patient, item_id: int) -> HttpResponse:
    item = prescribed_exercise_page_for_patient(patient=patient, pk=item_id)
    return render(
        request,
        "patients/programme_exercise.html",
        {
            "item": item,
            "exercise": item.exercise,
            "dose_differs": item.dosage() != item.exercise.dosage(),
        },
    )
