"""Screens in the admin: the therapist asks a patient for one and reads the results over time."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html_join

from exercises.models import Exercise
from exercises.selectors import exercises_visible_to
from patients.admin.scoping import ClinicScoped, PatientSearch, ReadOnlyScoped
from patients.models import ScreenRequest, ScreenResult
from patients.screens import screen_request_create, screen_requests_cancel


@admin.register(ScreenRequest)
class ScreenRequestAdmin(PatientSearch, ClinicScoped):
    clinic_lookup = "patient__clinic"
    reads_are_patient_data = True
    list_display = ["patient", "screen", "requested_at", "requested_by", "status"]
    list_select_related = ["patient__user", "screen", "requested_by__user"]
    list_filter = ["status", ("screen", admin.RelatedOnlyFieldListFilter)]
    fields = ["patient", "screen"]
    actions = ["cancel"]

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "screen":
            kwargs["queryset"] = exercises_visible_to(request.user).filter(
                kind=Exercise.Kind.SCREEN
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A request is asked or cancelled; what it asked for is not rewritten afterwards.
        return obj is None and super().has_change_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: ScreenRequest, form: Any, change: bool) -> None:
        created = screen_request_create(
            patient=obj.patient,
            screen=obj.screen,
            requested_by=getattr(request.user, "therapist", None),
        )
        obj.pk = created.pk

    @admin.action(description="Cancel the selected requests", permissions=["view"])
    def cancel(self, request: HttpRequest, queryset: QuerySet[ScreenRequest]) -> None:
        count = screen_requests_cancel(screen_requests=queryset)
        self.message_user(request, f"{count} request(s) cancelled.", messages.SUCCESS)


@admin.register(ScreenResult)
class ScreenResultAdmin(PatientSearch, ReadOnlyScoped):
    list_display = ["patient", "screen", "local_date", "summary"]
    list_select_related = ["patient__user", "screen"]
    list_filter = [("screen", admin.RelatedOnlyFieldListFilter)]
    date_hierarchy = "recorded_at"
    ordering = ["patient", "screen", "-recorded_at"]
    readonly_fields = ["patient", "screen", "local_date", "summary"]
    fields = readonly_fields

    @admin.display(description="result")
    def summary(self, result: ScreenResult) -> Any:
        return format_html_join(
            "", "<div>{}</div>", ((describe_trial(trial),) for trial in result.trials)
        )


def describe_trial(trial: dict[str, Any]) -> str:
    mark = {True: "reached the mark", False: "not reached", None: "no mark"}[trial.get("passed")]
    if trial["measure"] == "seconds":
        held = "could not" if trial.get("could_not") else f"held {trial.get('seconds')} s"
        target = trial.get("target_seconds")
        return f"{trial['label']}: {held}" + (f" (mark {target} s: {mark})" if target else "")
    return f"{trial['label']}: {trial.get('answer', '—')}"
