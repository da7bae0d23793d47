"""Narrowing every admin screen to the user's clinic (a superuser sees all): a row, a dropdown or
an autocomplete of another clinic is a 404, as if it did not exist."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.contrib import admin
from django.db import models
from django.db.models import QuerySet
from django.http import Http404, HttpRequest

from exercises.models import Exercise, ProgramTemplate
from exercises.selectors import exercises_visible_to, programs_visible_to
from patients.models import (
    Clinic,
    Patient,
    Prescription,
    Therapist,
)
from patients.selectors import (
    PATIENT_SEARCH_FIELDS,
    clinics_visible_to,
    patient_records_matching,
    patients_visible_to,
    prescriptions_visible_to,
    scope_to_clinic,
    therapists_visible_to,
)
from patients.signals import patient_data_read
from portal.admin_helpers import ReadableAutocompleteMixin
from portal.widgets import TimeZoneSelect

SCOPED_CHOICES = {
    Clinic: clinics_visible_to,
    Therapist: therapists_visible_to,
    Patient: patients_visible_to,
    Prescription: prescriptions_visible_to,
    # The library: the shipped rows and the clinic's own (prescription items, templates).
    Exercise: exercises_visible_to,
    ProgramTemplate: programs_visible_to,
}


def scoped_choices(db_field: models.Field, request: HttpRequest) -> QuerySet | None:
    chooser = SCOPED_CHOICES.get(db_field.related_model)  # type: ignore[arg-type]
    return chooser(request.user) if chooser else None  # type: ignore[arg-type]


class ClinicScopedInline(ReadableAutocompleteMixin):
    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        choices = scoped_choices(db_field, request)
        if choices is not None:
            kwargs["queryset"] = choices
        return super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]


class ClinicScoped(ClinicScopedInline, admin.ModelAdmin):
    """Rows, dropdowns and autocompletes limited to the user's clinic; another clinic's object
    is a 404, as if it did not exist."""

    clinic_lookup = "clinic"

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "time_zone":  # 599 choices: grouped, searchable, written once
            widget = TimeZoneSelect()
            # A new person's zone is filled in from the browser; a saved one is only offered.
            match = request.resolver_match
            widget.suggest_browser_zone = bool(match and match.url_name.endswith("_add"))
            kwargs.setdefault("widget", widget)
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    # Its rows are patient data: every list, page and history of them that staff open is
    # announced (patients/signals.py), and the audit trail records who saw which patient's.
    reads_are_patient_data = False

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return scope_to_clinic(super().get_queryset(request), request.user, self.clinic_lookup)  # type: ignore[arg-type]

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        raise Http404(f"No {opts.verbose_name} with this id.")

    def scoped_object(self, request: HttpRequest, object_id: str) -> Any:
        obj = self.get_object(request, object_id)
        if obj is None:
            raise Http404(f"No {self.opts.verbose_name} with this id.")
        return obj

    # Reads of patient data ---------------------------------------------------------------

    def announce_read(
        self, request: HttpRequest, records: Sequence[Any], what: str, *, export: bool = False
    ) -> None:
        patient_data_read.send(
            sender=self.model, request=request, records=records, what=what, export=export
        )

    def read_description(self, view: str) -> str:
        """The page, as a clinic admin reads it in the audit trail."""
        name, plural = str(self.opts.verbose_name), str(self.opts.verbose_name_plural)
        return {
            "list": f"{plural.capitalize()} list",
            "change": f"{name.capitalize()} page",
            "history": f"{name.capitalize()}: history of changes",
        }[view]

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if self.reads_are_patient_data and changelist is not None:
            # Evaluates the page's own queryset, which the template then reuses: no query more.
            rows = list(changelist.result_list)
            self.announce_read(request, rows, self.read_description("list"))
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        shown = getattr(response, "context_data", {}).get("original")
        if self.reads_are_patient_data and shown is not None:  # not after a save's redirect
            self.announce_read(request, [shown], self.read_description("change"))
        return response

    def history_view(self, request, object_id, extra_context=None):
        response = super().history_view(request, object_id, extra_context)
        shown = getattr(response, "context_data", {}).get("object")
        if self.reads_are_patient_data and shown is not None:
            self.announce_read(request, [shown], self.read_description("history"))
        return response


class PatientSearch:
    """A list of a patient's records (check-offs, pain reports…), searched by the patient's
    name or email: the matching patients first, then their records (`patient_records_matching`)."""

    search_fields = [f"patient__{field}" for field in PATIENT_SEARCH_FIELDS]  # the search box

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        if not search_term.strip():
            return queryset, False
        # Among the patients the user may see; the list's own scope still holds besides.
        patients = patients_visible_to(request.user)  # type: ignore[arg-type]
        return patient_records_matching(queryset, search_term, patients), False


class ReadOnlyScoped(ClinicScoped):
    clinic_lookup = "patient__clinic"
    reads_are_patient_data = True

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
