"""Pictures and videos for one patient's exercise: the therapist picks the exercise in the
patient's programme (their clinic's patients only), uploads the file and says what it shows."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from exercises.admin import MediaForm, media_preview
from patients.admin.scoping import ClinicScoped
from patients.media import (
    prescribed_exercise_media_add,
    prescribed_exercise_media_remove,
    prescribed_exercise_media_update,
)
from patients.models import PrescribedExercise, PrescribedExerciseMedia, Prescription
from patients.selectors import scope_to_clinic


def item_label(item: PrescribedExercise) -> str:
    prescription = item.prescription
    return f"{prescription.patient} — {prescription.title}: {item.exercise.name}"


class ItemChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return item_label(obj)


def items_visible_to(user: Any) -> QuerySet[PrescribedExercise]:
    """The exercises of the clinic's programmes that are not finished, by patient."""
    return scope_to_clinic(
        PrescribedExercise.objects.exclude(prescription__status=Prescription.Status.FINISHED)
        .select_related("prescription__patient__user", "exercise")
        .order_by(
            "prescription__patient__user__last_name",
            "prescription__patient__user__first_name",
            "prescription_id",
            "order",
            "id",
        ),
        user,
        "prescription__patient__clinic",
    )


@admin.register(PrescribedExerciseMedia)
class PrescribedExerciseMediaAdmin(ClinicScoped):
    clinic_lookup = "prescribed_exercise__prescription__patient__clinic"
    reads_are_patient_data = True
    form = MediaForm
    list_display = ["caption", "patient", "exercise", "kind", "uploaded_at"]
    list_select_related = [
        "prescribed_exercise__prescription__patient__user",
        "prescribed_exercise__exercise",
    ]
    list_filter = ["kind"]
    search_fields = [
        "caption",
        "prescribed_exercise__prescription__patient__user__first_name",
        "prescribed_exercise__prescription__patient__user__last_name",
        "prescribed_exercise__prescription__patient__user__email",
    ]
    ordering = ["-uploaded_at", "-id"]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is None:
            return ["prescribed_exercise", "upload", "caption", "position"]
        return ["prescribed_exercise", "preview", "upload", "caption", "position", "uploaded_by"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # A saved picture stays with its patient's exercise: to move it, remove it and add it
        # again where it belongs.
        return [] if obj is None else ["prescribed_exercise", "preview", "uploaded_by"]

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "prescribed_exercise":
            kwargs["queryset"] = items_visible_to(request.user)
            kwargs["form_class"] = ItemChoiceField
            kwargs["help_text"] = (
                "The patient and the exercise of their programme it is for: only they (and "
                "your clinic's staff) see it, on their Today page, the exercise's page and "
                "their printable programme, before the exercise's own pictures."
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description="patient", ordering="prescribed_exercise__prescription__patient")
    def patient(self, media: PrescribedExerciseMedia) -> str:
        return str(media.prescribed_exercise.prescription.patient)

    @admin.display(description="exercise")
    def exercise(self, media: PrescribedExerciseMedia) -> str:
        return media.prescribed_exercise.exercise.name

    @admin.display(description="shown")
    def preview(self, media: PrescribedExerciseMedia) -> str:
        return media_preview(media, "programme_media")

    def save_model(
        self, request: HttpRequest, obj: PrescribedExerciseMedia, form: Any, change: bool
    ) -> None:
        if change:
            prescribed_exercise_media_update(media=obj, caption=obj.caption, position=obj.position)
            return
        saved = prescribed_exercise_media_add(
            prescribed_exercise=obj.prescribed_exercise,
            upload=form.checked,
            caption=obj.caption,
            position=obj.position,
            user=request.user,
        )
        obj.__dict__.update(saved.__dict__)  # the admin's message and history name the saved row

    def delete_model(self, request: HttpRequest, obj: PrescribedExerciseMedia) -> None:
        prescribed_exercise_media_remove(media=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for media in queryset:  # already narrowed to the user's clinic
            prescribed_exercise_media_remove(media=media)
