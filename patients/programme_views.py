"""The patient's own programme, exercise by exercise (what they were prescribed, with their dose in
every sentence that names it, and the documents' words behind it), and the screens their
therapist asked them to do."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from exercises.fragments import exercise_bodies
from patients.media import media_for_items
from patients.models import Patient, ScreenRequest
from patients.safety import today_safety
from patients.screens import (
    ScreenRefused,
    ScreenResultForm,
    screen_request_get_for_patient,
    screen_result_record,
)
from patients.selectors import prescribed_exercise_page_for_patient
from patients.views import patient_required
from portal.offline import offline_copy


@offline_copy
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
            "body": exercise_bodies([(item.exercise, item.dosage())], patient.library_version)[0],
            "media": media_for_items([item])[item.pk],
            "dose_differs": item.dosage() != item.exercise.dosage(),
            "safety": today_safety(patient),
        },
    )


@require_http_methods(["GET", "POST"])
@patient_required
def screen_record(request: HttpRequest, patient: Patient, request_id: int) -> HttpResponse:
    """A screen the therapist asked for: how to do it, and the form for its result."""
    screen_request = screen_request_get_for_patient(patient=patient, pk=request_id)
    screen = screen_request.screen
    if screen_request.status != ScreenRequest.Status.OPEN:
        messages.info(request, f"{screen.name}: your result is recorded. Thank you.")
        return redirect("today")
    form = ScreenResultForm(request.POST if request.method == "POST" else None, screen=screen)
    if request.method == "POST" and form.is_valid():
        try:
            screen_result_record(patient=patient, request=screen_request, values=form.values())
        except ScreenRefused as refused:
            messages.info(request, str(refused))
            return redirect("today")
        messages.success(request, f"{screen.name}: result saved. Your therapist will see it.")
        return redirect("today")
    return render(
        request,
        "patients/screen.html",
        {"screen_request": screen_request, "exercise": screen, "form": form},
        status=400 if request.method == "POST" else 200,
    )
