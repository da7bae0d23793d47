"""Alerts and the patient's own records: pain reports, check-offs, and what was sent."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db import models
from django.db.models import F, QuerySet
from django.http import HttpRequest
from django.templatetags.static import static
from django.utils.html import format_html, format_html_join

from patients.admin.scoping import ClinicScoped, PatientSearch, ReadOnlyScoped
from patients.models import (
    Alert,
    AlertNotice,
    CheckOff,
    Invitation,
    PainReport,
    Reminder,
)
from patients.safety import STANDARD_TEXTS
from patients.selectors import (
    staff_clinic_id,
)
from patients.services import (
    alert_acknowledge,
    outgoing_retry_now,
)
from patients.wording import short_datetime, symptoms_in_words

# Alerts and the patient's own records ------------------------------------------------------


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
        if report.note:  # the patient's own words, read before acting on the alert
            parts.append(f"their note: “{report.note}”")
        return "; ".join(parts)
    if notice.check_off is not None:
        return f"exercise rated {notice.check_off.pain_during}/10 for pain during it"
    signs = notice.safety_check.urgent_signs if notice.safety_check else []
    return "warning signs: " + "; ".join(
        STANDARD_TEXTS[s].text.lower() for s in signs if s in STANDARD_TEXTS
    )


@admin.register(Alert)
class AlertAdmin(PatientSearch, ClinicScoped):
    clinic_lookup = "patient__clinic"
    reads_are_patient_data = True
    list_display = [
        "patient",
        "cause",
        "status",
        "hold_reason",
        "created_at",
        "acknowledged_by",
        "note",
        "delivery",
    ]
    list_select_related = ["patient__user", "acknowledged_by"]
    list_filter = ["status", "cause", "delivery"]
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
    fields = [*readonly_fields, "status", "note"]

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
                    short_datetime(notice.created_at, alert.patient.zone),
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
            alert_acknowledge(alert=obj, user=request.user, note=obj.note)
        elif "note" in form.changed_data and obj.status == Alert.Status.ACKNOWLEDGED:
            Alert.objects.filter(pk=obj.pk).update(note=obj.note.strip())
        elif "status" in form.changed_data:
            messages.warning(request, "An acknowledged alert stays acknowledged.")


@admin.register(PainReport)
class PainReportAdmin(PatientSearch, ReadOnlyScoped):
    # A filtered list counts its own rows, not every report again besides: they pile up.
    show_full_result_count = False
    list_display = [
        "patient",
        "score",
        "moment",
        "local_date",
        "flag_in_words",
        "symptoms",
        "warning_signs",
    ]
    list_select_related = ["patient__user"]
    list_filter = ["red_flag", "moment"]
    date_hierarchy = "created_at"
    # The report's page as the list: the flag and the symptoms in words, never the stored JSON.
    fields = [
        "patient",
        "created_at",
        "local_date",
        "score",
        "moment",
        "flag_in_words",
        "symptoms",
        "warning_signs",
        "note",
        "synced_at",
    ]

    # The admin's boolean icons read a flag as good news (a green tick for a red flag): the
    # flag is said in words, with a warning sign that does not rely on its colour.
    @admin.display(description="red flag", ordering="red_flag")
    def flag_in_words(self, report: PainReport) -> str:
        if not report.red_flag:
            return "—"
        return format_html(
            '<span class="red-flag"><img src="{}" alt="" width="14" height="14"> Red flag</span>',
            static("admin/img/icon-alert.svg"),
        )

    @admin.display(description="what it feels like")
    def symptoms(self, report: PainReport) -> str:
        return symptoms_in_words(report) or "None"

    @admin.display(description="urgent warning signs")
    def warning_signs(self, report: PainReport) -> str:
        return (
            "; ".join(
                STANDARD_TEXTS[sign].text for sign in report.urgent_signs if sign in STANDARD_TEXTS
            )
            or "—"
        )


class PartlyDoneFilter(admin.SimpleListFilter):
    """Sessions the patient stopped in the session player before the end of the dose."""

    title = "how much"
    parameter_name = "partly"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "Partly done (stopped early)")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[CheckOff]) -> QuerySet[CheckOff]:
        if self.value() == "yes":
            return queryset.filter(reps_done__lt=F("reps_planned"))
        return queryset


@admin.register(CheckOff)
class CheckOffAdmin(PatientSearch, ReadOnlyScoped):
    # A filtered list counts its own rows, not every check-off again besides ("N total"): one
    # per exercise and session, they pile up (a second count over 210,000: 32-50 ms a page).
    show_full_result_count = False
    list_display = [
        "patient",
        "exercise",
        "local_date",
        "session",
        "how_much",
        "difficulty",
        "pain_during",
    ]
    list_filter = [PartlyDoneFilter]
    # Fetched for the page's rows after the sort, not joined to every check-off of the clinic
    # before it (sorted by date, session or difficulty at 210,000 check-offs: 235 → 160 ms).
    list_select_related: list[str] = []  # (False would join every foreign key)

    def get_queryset(self, request: HttpRequest) -> QuerySet[CheckOff]:
        return (
            super()
            .get_queryset(request)
            .prefetch_related("patient__user", "prescribed_exercise__exercise")
        )

    @admin.display(description="exercise")
    def exercise(self, check_off: CheckOff) -> str:
        return check_off.prescribed_exercise.exercise.name

    @admin.display(description="how much")
    def how_much(self, check_off: CheckOff) -> str:
        if check_off.is_partial:
            return f"Partly: {check_off.reps_done} of {check_off.reps_planned} repetitions"
        if check_off.reps_done is not None:
            return f"Whole dose ({check_off.reps_done} repetitions, session player)"
        return "Done"


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyScoped):
    clinic_lookup = "user__patient__clinic"
    list_display = ["user", "delivery", "attempts", "created_at", "sent_at", "last_error"]
    # The patient too (if the invitation is a patient's): the audit trail names them.
    list_select_related = ["user__patient"]
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
class ReminderAdmin(PatientSearch, ClinicScoped):
    # A filtered list counts its own rows, not every reminder again besides: they pile up.
    show_full_result_count = False
    clinic_lookup = "patient__clinic"
    reads_are_patient_data = True
    list_display = [
        "patient",
        "local_date",
        "session",
        "kind",
        "due_at",
        "delivery",
        "sent_at",
        "attempts",
        "reason",
        "pushes",
    ]
    list_select_related = ["patient__user"]
    list_filter = ["delivery", "kind", "local_date"]
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
        "pushes",
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Reminder]:
        # The page's pushes in one query, whatever the number of rows.
        return super().get_queryset(request).prefetch_related("push_messages")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    @admin.display(description="why not sent", ordering="last_error")
    def reason(self, reminder: Reminder) -> str:
        """The mail server's words for a failed email, or why it was not needed; for a sent
        reminder of a patient with email reminders off, that it went by push alone."""
        return reminder.last_error

    @admin.display(description="push")
    def pushes(self, reminder: Reminder) -> str:
        """Each device's push: sent, waiting, or why not (the push service's words)."""
        parts = []
        for push in sorted(reminder.push_messages.all(), key=lambda push: push.pk):
            state = push.get_delivery_display()
            why = f": {push.last_error}" if push.last_error and push.delivery != "sent" else ""
            parts.append(f"{push.device or 'A device'}: {state}{why}")
        return "; ".join(parts) or "-"

    @admin.action(description="Send the selected reminders again now", permissions=["change"])
    def retry_now(self, request: HttpRequest, queryset: QuerySet[Reminder]) -> None:
        count = outgoing_retry_now(queryset=queryset)
        self.message_user(
            request, f"{count} reminder{'s' if count != 1 else ''} will go out within a minute."
        )
