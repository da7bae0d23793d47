"""Prescriptions, with this patient's doses inline and every change kept as a version."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from exercises.dosage import DOSE_BOUNDS, DOSE_FIELDS
from patients.admin.patients import TherapistFilter
from patients.admin.scoping import ClinicScoped, ClinicScopedInline
from patients.forms import (
    PrescriptionAdminForm,
)
from patients.models import (
    PrescribedExercise,
    Prescription,
)
from patients.services import (
    prescription_record_version,
    prescription_set_status,
    prescription_version_on,
)
from patients.versions import versions_with_changes
from patients.wording import short_date
from portal.admin_helpers import BoundedInlineMixin, LabelledRowsFormSet

# Prescriptions -----------------------------------------------------------------------------


class DoseRowsFormSet(LabelledRowsFormSet):
    def row_name(self, obj: PrescribedExercise) -> str:
        return obj.exercise.name

    def add_fields(self, form: Any, index: int | None) -> None:
        super().add_fields(form, index)
        # The narrow boxes of the dose table say their bounds on hovering, as a tooltip rather
        # than a paragraph under each cell that would widen the table past the screen.
        for name, field in form.fields.items():
            bound = DOSE_BOUNDS.get(name)
            hint = f"From {bound.minimum} to {bound.maximum} {bound.unit}" if bound else ""
            hint = hint or ("Its place in the session, 1 first" if name == "order" else "")
            if hint:
                field.widget.attrs = {**field.widget.attrs, "title": hint}


class PrescribedExerciseInline(BoundedInlineMixin, ClinicScopedInline, admin.TabularInline):
    model = PrescribedExercise
    formset = DoseRowsFormSet
    classes = ["dose-inline"]

    class Media:
        css = {"all": ["portal/admin.css"]}

    extra = 0
    min_num = 1
    autocomplete_fields = ["exercise"]
    fields = ["order", "exercise", *DOSE_FIELDS, "therapist_note", "pictures"]
    readonly_fields = ["pictures"]
    ordering = ["order", "id"]

    @admin.display(description="pictures and videos")
    def pictures(self, item: PrescribedExercise) -> str:
        if not item.pk:
            return "—"
        url = reverse("admin:patients_prescribedexercisemedia_add")
        return format_html(
            '<a href="{}?prescribed_exercise={}">Add one for this patient</a>', url, item.pk
        )

    def get_queryset(self, request: HttpRequest) -> QuerySet[PrescribedExercise]:
        return super().get_queryset(request).select_related("exercise")  # each row's name

    def get_formset(self, request, obj=None, **kwargs):
        kwargs["validate_min"] = True  # a prescription without an exercise is no prescription
        return super().get_formset(request, obj, **kwargs)


class PrescriptionTherapistFilter(TherapistFilter):
    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(therapist_id=self.value())
        return queryset


@admin.register(Prescription)
class PrescriptionAdmin(ClinicScoped):
    clinic_lookup = "patient__clinic"
    # A filtered list counts its own rows, not every programme again besides: PostgreSQL
    # counts the clinic's by reading every prescription of the installation (a hash join of
    # 1,000,000 beside the scheduler's: 100 ms a page), for a number the plain list shows.
    show_full_result_count = False
    form = PrescriptionAdminForm
    list_display = ["title", "patient", "therapist", "status", "start_date", "end_date", "days"]
    list_select_related = ["patient__user", "therapist__user"]
    list_filter = ["status", PrescriptionTherapistFilter]
    search_fields = [
        "title",
        "patient__user__first_name",
        "patient__user__last_name",
        "patient__user__email",
    ]
    autocomplete_fields = ["patient", "therapist", "template"]
    inlines = [PrescribedExerciseInline]
    actions = ["pause", "resume", "finish"]
    change_form_template = "admin/patients/prescription/change_form.html"
    reads_are_patient_data = True
    fieldsets = [
        (None, {"fields": ["patient", "therapist", "title", "template", "status"]}),
        (
            "Schedule",
            {"fields": [("start_date", "end_date"), "days", "sessions_per_day", "reminder_time"]},
        ),
        (None, {"fields": ["notes"]}),
    ]

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        initial = super().get_changeform_initial_data(request)
        therapist = getattr(request.user, "therapist", None)
        if therapist is not None:
            initial.setdefault("therapist", therapist.pk)
        initial.setdefault("start_date", timezone.localdate())
        return initial

    @admin.display(description="days")
    def days(self, prescription: Prescription) -> str:
        return prescription.days_in_words()

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        prescription_record_version(prescription=form.instance, user=request.user)

    def _set_status(
        self, request: HttpRequest, queryset: QuerySet[Prescription], status: str
    ) -> None:
        changed = 0
        for prescription in queryset:  # already narrowed to the user's clinic
            if prescription.status != status:
                prescription_set_status(prescription=prescription, status=status, user=request.user)  # type: ignore[arg-type]
                changed += 1
        self.message_user(
            request, f"{changed} prescription{'s' if changed != 1 else ''} now {status}."
        )

    @admin.action(description="Pause the selected prescriptions", permissions=["change"])
    def pause(self, request: HttpRequest, queryset: QuerySet[Prescription]) -> None:
        self._set_status(request, queryset, Prescription.Status.PAUSED)

    @admin.action(description="Resume the selected prescriptions", permissions=["change"])
    def resume(self, request: HttpRequest, queryset: QuerySet[Prescription]) -> None:
        self._set_status(request, queryset, Prescription.Status.ACTIVE)

    @admin.action(description="Finish the selected prescriptions", permissions=["change"])
    def finish(self, request: HttpRequest, queryset: QuerySet[Prescription]) -> None:
        self._set_status(request, queryset, Prescription.Status.FINISHED)

    def get_urls(self) -> list[Any]:
        own = [
            path(
                "<path:object_id>/versions/",
                self.admin_site.admin_view(self.versions_view),
                name="patients_prescription_versions",
            )
        ]
        return own + super().get_urls()

    def versions_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        prescription = self.scoped_object(request, object_id)
        oldest_first = prescription.versions.select_related("created_by").order_by("number")
        versions = list(reversed(versions_with_changes(list(oldest_first))))
        on_day = None
        shown = None
        raw = request.GET.get("on", "")
        error = ""
        if raw:
            try:
                # In the clinic's format (06/12/2026 in en-gb), as the page writes it; ISO too.
                on_day = forms.DateField().clean(raw)
            except ValidationError:
                example = short_date(timezone.localdate())
                error = f"Give the day as the page writes one, for example {example}."
            else:
                shown = prescription_version_on(prescription=prescription, day=on_day)
                if shown is None:
                    error = f"The prescription did not exist yet on {short_date(on_day)}."
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"What {prescription.patient} was asked to do",
            "prescription": prescription,
            "versions": versions,
            "on_day": on_day,
            "shown": shown,
            "error": error,
        }
        self.announce_read(
            request, [prescription], "Prescription versions: what the patient was asked to do"
        )
        return TemplateResponse(request, "admin/patients/prescription/versions.html", context)
