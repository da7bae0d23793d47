"""The therapists' tool. Every screen, dropdown, autocomplete, action and export is narrowed to
the user's clinic (a superuser sees all): see `ClinicScoped` and patients/selectors.py."""

from __future__ import annotations

import csv
from datetime import date
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db import models
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from exercises.dosage import DOSE_FIELDS
from patients import charts
from patients.forms import (
    AssignProgrammeForm,
    PatientInviteForm,
    PrescriptionAdminForm,
    TherapistInviteForm,
    UserChangeForm,
    UserCreationForm,
)
from patients.models import (
    Alert,
    AlertNotice,
    CheckOff,
    Clinic,
    ClinicWording,
    Invitation,
    PainReport,
    Patient,
    PrescribedExercise,
    Prescription,
    Reminder,
    Therapist,
    User,
)
from patients.safety import STANDARD_TEXTS
from patients.selectors import (
    clinics_visible_to,
    patient_history,
    patient_overviews,
    patients_visible_to,
    prescriptions_visible_to,
    prescriptions_with_exercises,
    scope_to_clinic,
    staff_clinic_id,
    therapists_visible_to,
)
from patients.services import (
    LARGE_PROGRAMME,
    alert_acknowledge,
    clinic_wording_save,
    outgoing_retry_now,
    prescription_create_from_template,
    prescription_record_version,
    prescription_set_status,
    prescription_version_on,
    programme_plan,
    programme_resume,
    therapist_groups_sync,
)

SCOPED_CHOICES = {
    Clinic: clinics_visible_to,
    Therapist: therapists_visible_to,
    Patient: patients_visible_to,
    Prescription: prescriptions_visible_to,
}


def scoped_choices(db_field: models.Field, request: HttpRequest) -> QuerySet | None:
    chooser = SCOPED_CHOICES.get(db_field.related_model)  # type: ignore[arg-type]
    return chooser(request.user) if chooser else None  # type: ignore[arg-type]


class ClinicScopedInline:
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
    list_display = ["name", "email", "clinic", "role"]
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


# Patients ----------------------------------------------------------------------------------


class TherapistFilter(admin.SimpleListFilter):
    title = "therapist"
    parameter_name = "therapist"

    def lookups(self, request, model_admin):
        return [(str(t.pk), str(t)) for t in therapists_visible_to(request.user)]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(primary_therapist_id=self.value())
        return queryset


class AlertStateFilter(admin.SimpleListFilter):
    title = "alerts"
    parameter_name = "alerts"

    def lookups(self, request, model_admin):
        return [("open", "Open alerts"), ("none", "No open alert")]

    def queryset(self, request, queryset):
        if self.value() == "open":
            return queryset.filter(open_alert_count__gt=0)
        if self.value() == "none":
            return queryset.filter(open_alert_count=0)
        return queryset


ADHERENCE_BANDS = {
    "low": ("Under 50%", 0.0, 0.5),
    "mid": ("50–79%", 0.5, 0.8),
    "high": ("80% or more", 0.8, 1.01),
}


class AdherenceBandFilter(admin.SimpleListFilter):
    title = "adherence (last 7 days)"
    parameter_name = "adherence"

    def lookups(self, request, model_admin):
        return [(key, label) for key, (label, _low, _high) in ADHERENCE_BANDS.items()] + [
            ("none", "Nothing due")
        ]

    def queryset(self, request, queryset):
        band = self.value()
        if not band:
            return queryset
        # Two queries for the whole clinic, then one IN filter: no query per patient.
        overviews = patient_overviews(list(queryset), with_next_reminder=False)
        if band == "none":
            wanted = [pk for pk, o in overviews.items() if o.adherence is None]
        elif band in ADHERENCE_BANDS:
            _label, low, high = ADHERENCE_BANDS[band]
            wanted = [
                pk
                for pk, o in overviews.items()
                if o.adherence is not None and low <= o.adherence < high
            ]
        else:
            return queryset.none()
        return queryset.filter(pk__in=wanted)


REMINDER_FIELDSET = (
    "Reminders",
    {
        "fields": [
            "time_zone",
            "reminders_enabled",
            "preferred_reminder_time",
            ("quiet_hours_start", "quiet_hours_end"),
        ]
    },
)


class PatientChangeList(ChangeList):
    def get_results(self, request: HttpRequest) -> None:
        super().get_results(request)
        # Adherence and the next reminder for the page's patients in two queries.
        overviews = patient_overviews(list(self.result_list))
        for patient in self.result_list:
            patient.overview = overviews[patient.pk]


@admin.register(Patient)
class PatientAdmin(ClinicScoped):
    list_display = [
        "name",
        "email",
        "primary_therapist",
        "adherence",
        "last_pain",
        "open_alerts",
        "next_reminder",
    ]
    list_select_related = ["user", "primary_therapist__user"]
    list_filter = [TherapistFilter, AlertStateFilter, AdherenceBandFilter]
    search_fields = ["user__first_name", "user__last_name", "user__email"]
    autocomplete_fields = ["primary_therapist"]
    actions = ["assign_programme", "resume_programme"]
    change_form_template = "admin/patients/patient/change_form.html"
    fieldsets = [
        (None, {"fields": ["name_and_email", "clinic", "primary_therapist", "pain_baseline"]}),
        REMINDER_FIELDSET,
        (
            "Safety",
            {
                "fields": [
                    "programme_paused",
                    "programme_held_reason",
                    "programme_held_alert",
                    "safety_check_at",
                ]
            },
        ),
    ]
    safety_fields = [
        "programme_paused",
        "programme_held_reason",
        "programme_held_alert",
        "safety_check_at",
    ]
    add_fieldsets = [
        (None, {"fields": ["email", "first_name", "last_name"]}),
        (None, {"fields": ["clinic", "primary_therapist", "pain_baseline"]}),
        REMINDER_FIELDSET,
    ]

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return PatientChangeList

    def get_queryset(self, request: HttpRequest) -> QuerySet[Patient]:
        latest_pain = PainReport.objects.filter(patient=OuterRef("pk")).order_by("-created_at")
        open_alerts = (
            Alert.objects.filter(patient=OuterRef("pk"), status=Alert.Status.OPEN)
            .values("patient")
            .annotate(count=Count("pk"))
            .values("count")
        )
        return (
            super()
            .get_queryset(request)
            .annotate(
                last_pain=Subquery(latest_pain.values("score")[:1]),
                previous_pain=Subquery(latest_pain.values("score")[1:2]),
                open_alert_count=Coalesce(
                    Subquery(open_alerts, output_field=IntegerField()), Value(0)
                ),
            )
        )

    def get_fieldsets(self, request, obj=None):
        return self.add_fieldsets if obj is None else self.fieldsets

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = PatientInviteForm
        form = super().get_form(request, obj, change=change, **kwargs)
        therapist = getattr(request.user, "therapist", None)
        if obj is None and therapist is not None:
            form.base_fields["clinic"].initial = therapist.clinic_id
            form.base_fields["primary_therapist"].initial = therapist.pk
        return form

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        clinic = [] if request.user.is_superuser else ["clinic"]
        return ["name_and_email", *clinic, *self.safety_fields]

    @admin.display(description="programme paused since")
    def programme_paused(self, patient: Patient) -> str:
        if patient.programme_held_at is None:
            return "Not paused"
        since = patient.programme_held_at.astimezone(patient.zone)
        return f"{since:%a %d %b %Y %H:%M} ({patient.time_zone}): until you review the alert"

    @admin.action(
        description="Reviewed: resume the programme of the selected patients",
        permissions=["change"],
    )
    def resume_programme(self, request: HttpRequest, queryset: QuerySet[Patient]) -> None:
        resumed = sum(programme_resume(patient=patient) for patient in queryset)
        self.message_user(
            request,
            f"{resumed} programme{'s' if resumed != 1 else ''} resumed: check-offs and "
            "reminders go on. Open alerts stay open until you acknowledge them.",
        )

    def save_model(self, request, obj, form, change):
        if change:  # a new patient was made, and invited, by PatientInviteForm.save()
            super().save_model(request, obj, form, change)

    def response_add(self, request, obj, post_url_continue=None):
        self.message_user(
            request, f"An invitation to choose a password is on its way to {obj.user.email}."
        )
        return super().response_add(request, obj, post_url_continue)

    # The list's columns -----------------------------------------------------------------

    @admin.display(description="name", ordering="user__last_name")
    def name(self, patient: Patient) -> str:
        return patient.user.get_full_name() or patient.user.email

    @admin.display(description="name and email")
    def name_and_email(self, patient: Patient) -> str:
        return f"{patient.user.get_full_name()} <{patient.user.email}>"

    @admin.display(description="email", ordering="user__email")
    def email(self, patient: Patient) -> str:
        return patient.user.email

    @admin.display(description="adherence 7 days")
    def adherence(self, patient: Patient) -> str:
        overview = getattr(patient, "overview", None)
        if overview is None or overview.adherence is None:
            return "—"
        return f"{round(overview.adherence * 100)}%"

    @admin.display(description="last pain", ordering="last_pain")
    def last_pain(self, patient: Patient) -> str:
        last = patient.last_pain  # type: ignore[attr-defined]
        if last is None:
            return "—"
        previous = patient.previous_pain  # type: ignore[attr-defined]
        trend = ""
        if previous is not None:
            trend = " ↑" if last > previous else " ↓" if last < previous else " →"
        return f"{last}/10{trend}"

    @admin.display(description="open alerts", ordering="open_alert_count")
    def open_alerts(self, patient: Patient) -> str:
        count = patient.open_alert_count  # type: ignore[attr-defined]
        if not count:
            return "0"
        url = reverse("admin:patients_alert_changelist")
        return format_html(
            '<a href="{}?patient__id__exact={}&status__exact=open"><strong>{}</strong></a>',
            url,
            patient.pk,
            count,
        )

    @admin.display(description="next reminder")
    def next_reminder(self, patient: Patient) -> str:
        overview = getattr(patient, "overview", None)
        if overview is None:
            return "—"
        if not overview.reminders_enabled:
            return "Reminders off"
        if overview.next_reminder is None:
            return "—"
        return f"{overview.next_reminder:%a %d %b %H:%M} ({patient.time_zone})"

    # Assigning a programme ---------------------------------------------------------------

    @admin.action(description="Assign a programme to the selected patients…")
    def assign_programme(self, request: HttpRequest, queryset: QuerySet[Patient]) -> Any:
        ids = ",".join(str(pk) for pk in queryset.values_list("pk", flat=True))
        return redirect(f"{reverse('admin:patients_patient_assign')}?patients={ids}")

    def get_urls(self) -> list[Any]:
        own = [
            path(
                "assign/",
                self.admin_site.admin_view(self.assign_view),
                name="patients_patient_assign",
            ),
            path(
                "<path:object_id>/export.csv",
                self.admin_site.admin_view(self.export_view),
                name="patients_patient_export",
            ),
        ]
        return own + super().get_urls()

    def _patients_from_request(self, request: HttpRequest) -> list[Patient]:
        raw = request.POST.get("patients") or request.GET.get("patients", "")
        try:
            ids = sorted({int(part) for part in raw.split(",") if part.strip()})
        except ValueError:
            raise Http404("No such patient.") from None
        if not ids:
            raise Http404("Choose at least one patient.")
        patients = list(self.get_queryset(request).filter(pk__in=ids))
        if len(patients) != len(ids):  # someone else's patient, or none at all
            raise Http404("No such patient.")
        return patients

    def assign_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_change_permission(request) or not request.user.has_perm(
            "patients.add_prescription"
        ):
            raise Http404("No such page.")
        patients = self._patients_from_request(request)
        first = patients[0]
        therapist = getattr(request.user, "therapist", None)
        initial = {
            "start_date": first.local_today(),
            "reminder_time": first.preferred_reminder_time
            or AssignProgrammeForm.base_fields["reminder_time"].initial,
        }
        form = AssignProgrammeForm(
            request.POST if request.method == "POST" else None, initial=initial
        )
        plan = []
        if request.method == "POST" and form.is_valid():
            template = form.cleaned_data["template"]
            plan = programme_plan(template)
            if "confirm" in request.POST:
                created = [
                    prescription_create_from_template(
                        patient=patient,
                        therapist=therapist
                        if therapist is not None and therapist.clinic_id == patient.clinic_id
                        else patient.primary_therapist,
                        template=template,
                        title=form.cleaned_data["title"],
                        start_date=form.cleaned_data["start_date"],
                        end_date=form.cleaned_data["end_date"],
                        days_mask=form.days_mask,
                        sessions_per_day=form.cleaned_data["sessions_per_day"],
                        reminder_time=form.cleaned_data["reminder_time"],
                        notes=form.cleaned_data["notes"],
                        created_by=request.user,  # type: ignore[arg-type]
                    )
                    for patient in patients
                ]
                for prescription in created:
                    self.log_addition(request, prescription, [{"added": {}}])
                self.message_user(
                    request,
                    f"“{template.name}” assigned to "
                    f"{', '.join(str(p) for p in patients)}. Adjust any dose below.",
                    messages.SUCCESS,
                )
                if len(created) == 1:
                    return redirect("admin:patients_prescription_change", created[0].pk)
                return redirect("admin:patients_patient_changelist")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Assign a programme",
            "form": form,
            "patients": patients,
            "patient_ids": ",".join(str(p.pk) for p in patients),
            "plan": plan,
            "large_programme": len(plan) > LARGE_PROGRAMME,
            # The programme's documents may give a frequency its schedule should follow; the
            # therapist decides, the preview says where they differ.
            "schedule_notes": [
                note
                for item in plan
                if (note := item.schedule_disagrees(len(form.cleaned_data["days"])))
            ]
            if plan
            else [],
            "large_programme_size": LARGE_PROGRAMME,
        }
        return TemplateResponse(request, "admin/patients/patient/assign.html", context)

    # The patient page ----------------------------------------------------------------------

    def change_view(self, request, object_id, form_url="", extra_context=None):
        patient = self.scoped_object(request, object_id)
        history = patient_history(patient)
        prescriptions = prescriptions_with_exercises(
            Prescription.objects.filter(patient=patient).exclude(
                status=Prescription.Status.FINISHED
            )
        ).select_related("therapist__user")
        extra_context = {
            **(extra_context or {}),
            "prescriptions": prescriptions,
            "pain_chart": charts.pain_chart(history, patient.pain_baseline),
            "adherence_calendar": charts.adherence_calendar(history),
            "streak": history.streak,
            "open_alerts": patient.alerts.filter(status=Alert.Status.OPEN),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def export_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        patient = self.scoped_object(request, object_id)
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        filename = f"patient-{patient.pk}-{timezone.localdate():%Y-%m-%d}.csv"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        writer = csv.writer(response)
        writer.writerow(
            [
                "kind",
                "local date",
                "local time",
                "exercise",
                "session",
                "difficulty",
                "pain during (0-10)",
                "pain (0-10)",
                "when",
                "what it feels like",
                "note",
            ]
        )
        zone = patient.zone
        check_offs = CheckOff.objects.filter(patient=patient).select_related(
            "prescribed_exercise__exercise"
        )
        for check_off in check_offs.order_by("created_at"):
            writer.writerow(
                _csv_safe(
                    [
                        "check-off",
                        check_off.local_date.isoformat(),
                        check_off.created_at.astimezone(zone).strftime("%H:%M"),
                        check_off.prescribed_exercise.exercise.name,
                        check_off.session,
                        check_off.get_difficulty_display(),
                        check_off.pain_during if check_off.pain_during is not None else "",
                        "",
                        "",
                        "",
                        "",
                    ]
                )
            )
        for report in PainReport.objects.filter(patient=patient).order_by("created_at"):
            qualities = dict(PainReport.Quality.choices)
            writer.writerow(
                _csv_safe(
                    [
                        "pain report",
                        report.local_date.isoformat(),
                        report.created_at.astimezone(zone).strftime("%H:%M"),
                        "",
                        "",
                        "",
                        "",
                        report.score,
                        report.get_moment_display(),
                        "; ".join(qualities.get(q, q) for q in report.qualities),
                        report.note,
                    ]
                )
            )
        return response


def _report_summary(notice: AlertNotice) -> str:
    if notice.pain_report is not None:
        report = notice.pain_report
        qualities = dict(PainReport.Quality.choices)
        parts = [f"pain report {report.score}/10, {report.get_moment_display().lower()}"]
        parts += [qualities.get(q, q).lower() for q in report.qualities]
        if report.severe_spasm:
            parts.append("severe spasm")
        parts += [
            STANDARD_TEXTS[s].text.lower() for s in report.urgent_signs if s in STANDARD_TEXTS
        ]
        return "; ".join(parts)
    if notice.check_off is not None:
        return f"exercise rated {notice.check_off.pain_during}/10 for pain during it"
    signs = notice.safety_check.urgent_signs if notice.safety_check else []
    return "warning signs: " + "; ".join(
        STANDARD_TEXTS[s].text.lower() for s in signs if s in STANDARD_TEXTS
    )


def _csv_safe(row: list[object]) -> list[object]:
    # A patient's note that starts like a formula must not run in the therapist's spreadsheet.
    return [
        f"'{cell}"
        if isinstance(cell, str) and cell[:1] in {"=", "+", "-", "@", "\t", "\r"}
        else cell
        for cell in row
    ]


# Prescriptions -----------------------------------------------------------------------------


class PrescribedExerciseInline(ClinicScopedInline, admin.TabularInline):
    model = PrescribedExercise
    extra = 0
    min_num = 1
    autocomplete_fields = ["exercise"]
    fields = ["order", "exercise", *DOSE_FIELDS, "therapist_note"]
    ordering = ["order", "id"]

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
        versions = list(prescription.versions.select_related("created_by"))
        on_day = None
        shown = None
        raw = request.GET.get("on", "")
        error = ""
        if raw:
            try:
                on_day = date.fromisoformat(raw)
            except ValueError:
                error = "Give the day as YYYY-MM-DD."
            else:
                shown = prescription_version_on(prescription=prescription, day=on_day)
                if shown is None:
                    error = f"The prescription did not exist yet on {on_day:%d %b %Y}."
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
        return TemplateResponse(request, "admin/patients/prescription/versions.html", context)


# Alerts and the patient's own records ------------------------------------------------------


@admin.register(Alert)
class AlertAdmin(ClinicScoped):
    clinic_lookup = "patient__clinic"
    list_display = [
        "patient",
        "cause",
        "status",
        "hold_reason",
        "created_at",
        "acknowledged_by",
        "delivery",
    ]
    list_select_related = ["patient__user", "acknowledged_by"]
    list_filter = ["status", "cause", "delivery"]
    search_fields = [
        "patient__user__first_name",
        "patient__user__last_name",
        "patient__user__email",
    ]
    actions = ["acknowledge", "retry_now"]
    readonly_fields = [
        "patient",
        "cause",
        "pain_report",
        "check_off",
        "safety_check",
        "hold_reason",
        "reports_added",
        "created_at",
        "acknowledged_at",
        "acknowledged_by",
        "delivery",
        "attempts",
        "sent_at",
        "last_error",
    ]
    fields = [*readonly_fields, "status"]

    @admin.display(description="what the patient reported, and was told")
    def reports_added(self, alert: Alert) -> str:
        """Every report that raised or joined this alert: a report that joined an open alert
        was told so, and must be found here."""
        notices = alert.notices.select_related("pain_report", "check_off", "safety_check")
        rows = []
        for notice in notices:
            rows.append(
                format_html(
                    "<li>{}: {} <em>({})</em></li>",
                    notice.created_at.astimezone(alert.patient.zone).strftime("%d %b %Y %H:%M"),
                    _report_summary(notice),
                    notice.get_outcome_display(),
                )
            )
        if not rows:
            return "—"
        return format_html("<ul>{}</ul>", format_html_join("", "{}", ((row,) for row in rows)))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="Send the selected alerts' emails again now", permissions=["change"])
    def retry_now(self, request: HttpRequest, queryset: QuerySet[Alert]) -> None:
        count = outgoing_retry_now(queryset=queryset)
        self.message_user(
            request, f"{count} email{'s' if count != 1 else ''} will go out within a minute."
        )

    @admin.action(description="Acknowledge the selected alerts", permissions=["change"])
    def acknowledge(self, request: HttpRequest, queryset: QuerySet[Alert]) -> None:
        count = sum(alert_acknowledge(alert=alert, user=request.user) for alert in queryset)  # type: ignore[arg-type]
        self.message_user(request, f"{count} alert{'s' if count != 1 else ''} acknowledged.")

    def save_model(self, request, obj, form, change):
        if obj.status == Alert.Status.ACKNOWLEDGED and "status" in form.changed_data:
            obj.status = Alert.Status.OPEN
            alert_acknowledge(alert=obj, user=request.user)
        elif "status" in form.changed_data:
            messages.warning(request, "An acknowledged alert stays acknowledged.")


class ReadOnlyScoped(ClinicScoped):
    clinic_lookup = "patient__clinic"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(PainReport)
class PainReportAdmin(ReadOnlyScoped):
    list_display = ["patient", "score", "moment", "local_date", "red_flag", "warning_signs"]
    list_select_related = ["patient__user"]
    list_filter = ["red_flag", "moment"]
    search_fields = [
        "patient__user__first_name",
        "patient__user__last_name",
        "patient__user__email",
    ]
    date_hierarchy = "created_at"

    @admin.display(description="urgent warning signs")
    def warning_signs(self, report: PainReport) -> str:
        return (
            "; ".join(
                STANDARD_TEXTS[sign].text for sign in report.urgent_signs if sign in STANDARD_TEXTS
            )
            or "—"
        )


@admin.register(CheckOff)
class CheckOffAdmin(ReadOnlyScoped):
    list_display = ["patient", "exercise", "local_date", "session", "difficulty", "pain_during"]
    list_select_related = ["patient__user", "prescribed_exercise__exercise"]
    search_fields = [
        "patient__user__first_name",
        "patient__user__last_name",
        "patient__user__email",
    ]

    @admin.display(description="exercise")
    def exercise(self, check_off: CheckOff) -> str:
        return check_off.prescribed_exercise.exercise.name


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyScoped):
    clinic_lookup = "user__patient__clinic"
    list_display = ["user", "delivery", "attempts", "created_at", "sent_at", "last_error"]
    list_select_related = ["user"]
    list_filter = ["delivery"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Invitation]:
        queryset = admin.ModelAdmin.get_queryset(self, request)
        if request.user.is_superuser:
            return queryset
        clinic_id = staff_clinic_id(request.user)  # type: ignore[arg-type]
        return (
            queryset.filter(
                models.Q(user__patient__clinic_id=clinic_id)
                | models.Q(user__therapist__clinic_id=clinic_id)
            )
            if clinic_id
            else queryset.none()
        )


@admin.register(Reminder)
class ReminderAdmin(ClinicScoped):
    clinic_lookup = "patient__clinic"
    list_display = [
        "patient",
        "local_date",
        "session",
        "kind",
        "due_at",
        "delivery",
        "sent_at",
        "attempts",
    ]
    list_select_related = ["patient__user"]
    list_filter = ["delivery", "kind", "local_date"]
    search_fields = [
        "patient__user__first_name",
        "patient__user__last_name",
        "patient__user__email",
    ]
    date_hierarchy = "due_at"
    actions = ["retry_now"]
    readonly_fields = [
        "prescription",
        "patient",
        "local_date",
        "session",
        "kind",
        "due_at",
        "created_at",
        "delivery",
        "attempts",
        "next_attempt_at",
        "enqueued_at",
        "claimed_at",
        "sent_at",
        "last_error",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    @admin.action(description="Send the selected reminders again now", permissions=["change"])
    def retry_now(self, request: HttpRequest, queryset: QuerySet[Reminder]) -> None:
        count = outgoing_retry_now(queryset=queryset)
        self.message_user(
            request, f"{count} reminder{'s' if count != 1 else ''} will go out within a minute."
        )


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
