"""Narrowing every admin screen to the user's clinic (a superuser sees all): a row, a dropdown or
an autocomplete of another clinic is a 404, as if it did not exist."""

from __future__ import annotations

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
    clinics_visible_to,
    patients_visible_to,
    prescriptions_visible_to,
    scope_to_clinic,
    therapists_visible_to,
)
from portal.admin_helpers import ReadableAutocompleteMixin

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

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return scope_to_clinic(super().get_queryset(request), request.user, self.clinic_lookup)  # type: ignore[arg-type]

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        raise Http404(f"No {opts.verbose_name} with this id.")

    def scoped_object(self, request: HttpRequest, object_id: str) -> Any:
        obj = self.get_object(request, object_id)
        if obj is None:
            raise Http404(f"No {self.opts.verbose_name} with this id.")
        return obj


class ReadOnlyScoped(ClinicScoped):
    clinic_lookup = "patient__clinic"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
