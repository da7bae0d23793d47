"""The patient's functional scale (PSFS, patients/outcomes.py): asked on Today when it is due."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from patients.forms import PsfsForm
from patients.models import Patient
from patients.outcomes import CITATION, psfs_latest_activities, psfs_record
from patients.views import patient_required


@require_http_methods(["GET", "POST"])
@patient_required(clinic=False)
def psfs_new(request: HttpRequest, patient: Patient) -> HttpResponse:
    # Not kept for use with no connection: the form offers the patient's last activities, and
    # says that it needs the connection to be sent.
    if request.method == "POST":
        form = PsfsForm(request.POST)
        if form.is_valid():
            psfs_record(patient=patient, entries=form.entries())
            messages.success(request, "Your functional scale is saved. Your therapist will see it.")
            return redirect("today")
    else:
        form = PsfsForm(activities=psfs_latest_activities(patient))
    return render(
        request,
        "patients/psfs_form.html",
        {"form": form, "citation": CITATION},
        status=400 if form.is_bound else 200,
    )
