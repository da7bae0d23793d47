"""People and the clinic: users, the clinic's details, its therapists and its own safety wording."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django_otp.plugins.otp_totp.models import TOTPDevice

from patients.admin.scoping import ClinicScoped
from patients.forms import (
    TherapistInviteForm,
    UserChangeForm,
    UserCreationForm,
)
from patients.models import (
    Clinic,
    ClinicWording,
    Therapist,
    User,
)
from patients.safety import STANDARD_TEXTS
from patients.selectors import (
    staff_clinic_id,
)
from patients.services import (
    clinic_wording_save,
    therapist_groups_sync,
)
from patients.two_factor import two_factor_reset


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "is_staff", "is_active"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Name", {"fields": ("first_name", "last_name")}),
        (
            "Access",
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "first_name", "last_name", "password1", "password2"),
            },
        ),
    )


@admin.register(Clinic)
class ClinicAdmin(ClinicScoped):
    clinic_lookup = "pk"
    list_display = ["name", "time_zone", "phone", "therapist_count", "patient_count"]
    search_fields = ["name"]
    fieldsets = [
        (None, {"fields": ["name", "time_zone"]}),
        (
            "How patients reach you",
            {
                "fields": ["phone", "opening_hours"],
                "description": "Shown on every safety screen a patient sees: after a pain "
                "report that raises an alert, when the programme is paused, and with the "
                "urgent warning signs.",
            },
        ),
        (
            "Session player",
            {
                "fields": ["rest_seconds"],
                "description": "The documents give no rest between holds: the session player "
                "rests this long between repetitions, sides and sets.",
            },
        ),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Clinic]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                therapist_count=Count("therapists", distinct=True),
                patient_count=Count("patients", distinct=True),
            )
        )

    @admin.display(description="therapists", ordering="therapist_count")
    def therapist_count(self, clinic: Clinic) -> int:
        return clinic.therapist_count  # type: ignore[attr-defined]

    @admin.display(description="patients", ordering="patient_count")
    def patient_count(self, clinic: Clinic) -> int:
        return clinic.patient_count  # type: ignore[attr-defined]


@admin.register(Therapist)
class TherapistAdmin(ClinicScoped):
    list_display = ["name", "email", "clinic", "role", "two_factor"]
    list_select_related = ["user", "clinic"]
    list_filter = ["role"]
    search_fields = ["user__email", "user__first_name", "user__last_name"]
    fields = ["clinic", "role"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = TherapistInviteForm
        form = super().get_form(request, obj, change=change, **kwargs)
        if "clinic" in form.base_fields and not request.user.is_superuser:
            form.base_fields["clinic"].initial = staff_clinic_id(request.user)  # type: ignore[arg-type]
        return form

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["email", "first_name", "last_name", "clinic", "role"]
        return self.fields

    def get_readonly_fields(self, request, obj=None):
        return [] if request.user.is_superuser or obj is None else ["clinic"]

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            therapist_groups_sync(therapist=obj)

    @admin.display(description="name", ordering="user__last_name")
    def name(self, therapist: Therapist) -> str:
        return therapist.user.get_full_name() or therapist.user.email

    @admin.display(description="email", ordering="user__email")
    def email(self, therapist: Therapist) -> str:
        return therapist.user.email

    @admin.display(description="two-factor", boolean=True, ordering="has_two_factor")
    def two_factor(self, therapist: Therapist) -> bool:
        return therapist.has_two_factor  # type: ignore[attr-defined]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Therapist]:
        enrolled = TOTPDevice.objects.filter(user=OuterRef("user"), confirmed=True)
        return super().get_queryset(request).annotate(has_two_factor=Exists(enrolled))

    def get_urls(self) -> list[Any]:
        own = [
            path(
                "<path:object_id>/reset-two-factor/",
                self.admin_site.admin_view(self.reset_two_factor_view),
                name="patients_therapist_reset_two_factor",
            ),
        ]
        return own + super().get_urls()

    def reset_two_factor_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """A colleague lost their phone: their devices go, their sessions end, and they enrol
        again at their next login. Clinic admins, for their own clinic; superusers, for all."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        therapist = self.scoped_object(request, object_id)
        change_url = reverse("admin:patients_therapist_change", args=[therapist.pk])
        if therapist.user_id == request.user.pk:
            messages.error(request, "Your own two-factor is on your account page.")
            return redirect(change_url)
        if request.method == "POST":
            two_factor_reset(user=therapist.user, by=request.user)  # type: ignore[arg-type]
            messages.success(
                request,
                f"Two-factor of {therapist} is reset and they are logged out everywhere. "
                "They set it up again at their next login.",
            )
            return redirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Reset two-factor of {therapist}",
            "therapist": therapist,
            "change_url": change_url,
        }
        return TemplateResponse(request, "admin/patients/therapist/reset_two_factor.html", context)


# The clinic's own safety wording ----------------------------------------------------------------


@admin.register(ClinicWording)
class ClinicWordingAdmin(ClinicScoped):
    """A clinic's own text in place of one of the portal's standard safety texts. Whoever may
    change the clinic (its clinic admins) may change its wording; its therapists may read it.
    (The permission follows the clinic's own, so patients/roles.py needs no new entry.)"""

    list_display = ["key", "text", "clinic", "written_by", "updated_at"]
    list_select_related = ["clinic", "written_by"]
    list_filter = ["key"]
    readonly_fields = ["standard_text", "written_by", "updated_at"]

    def get_fields(self, request, obj=None):
        return ["clinic", "key", "standard_text", "text", "written_by", "updated_at"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return self.readonly_fields
        # The key and clinic stay what they were: another text is another row.
        return [*self.readonly_fields, "clinic", "key"]

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        initial = super().get_changeform_initial_data(request)
        if not request.user.is_superuser:
            initial.setdefault("clinic", staff_clinic_id(request.user))  # type: ignore[arg-type]
        return initial

    @admin.display(description="the standard text it replaces")
    def standard_text(self, wording: ClinicWording | None) -> str:
        def row(key: str) -> str:
            standard = STANDARD_TEXTS[key]
            return format_html(
                "<li><strong>{}</strong>: {}<br><small>Follows {}</small></li>",
                standard.label,
                standard.text,
                "; ".join(standard.basis),
            )

        if wording is not None and wording.key in STANDARD_TEXTS:
            return format_html("<ul>{}</ul>", row(wording.key))
        return format_html(
            "<ul>{}</ul>", format_html_join("", "{}", ((row(key),) for key in STANDARD_TEXTS))
        )

    def save_model(self, request, obj, form, change):
        clinic_wording_save(wording=obj, user=request.user)

    def _clinic_permission(self, request: HttpRequest, action: str) -> bool:
        return request.user.has_perm(f"patients.{action}_clinic")

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._clinic_permission(request, "view")

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return self._clinic_permission(request, "view") or self._clinic_permission(
            request, "change"
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._clinic_permission(request, "change")

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return self._clinic_permission(request, "change")

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return self._clinic_permission(request, "change")
