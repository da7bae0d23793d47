"""Patients: the list, the patient page, assigning a programme, the pause."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html

from exercises.fragments import library_version_subquery
from exercises.selectors import programs_visible_to
from patients import charts
from patients.admin.scoping import ClinicScoped
from patients.forms import (
    AssignProgrammeForm,
    PatientInviteForm,
)
from patients.kept import csrf_placeholder, patient_page, row_values
from patients.models import (
    Alert,
    CheckOff,
    PainReport,
    Patient,
    Prescription,
    Therapist,
    User,
)
from patients.outcomes import outcomes_panel, psfs_export_rows
from patients.selectors import (
    PATIENT_SEARCH_FIELDS,
    PatientHistory,
    next_reminders,
    patient_history,
    patient_story,
    patients_with_adherence,
    prescriptions_with_doses,
    therapists_visible_to,
    weekly_summary,
    with_ids,
)
from patients.services import (
    LARGE_PROGRAMME,
    prescription_create_from_template,
    programme_plan,
    reminder_links_retire,
)
from patients.triage import programme_resume
from patients.wording import short_datetime, symptom_list
from portal.prepared import Prepared

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
    "low": "Under 50%",
    "mid": "50–79%",
    "high": "80% or more",
}


class AdherenceBandFilter(admin.SimpleListFilter):
    title = "adherence (last 7 days)"
    parameter_name = "adherence"

    def lookups(self, request, model_admin):
        return [*ADHERENCE_BANDS.items(), ("none", "Nothing due")]

    def queryset(self, request, queryset):
        band = self.value()
        if not band:
            return queryset
        if band != "none" and band not in ADHERENCE_BANDS:
            return queryset.none()
        # Each patient's figures, worked out by the database once, in one query: a filter on
        # them in SQL would work them out again for the count and for the page, and once more
        # for each mention (at 10,000 patients 0.15-0.19 s in the database; this is 0.07 s).
        figures = queryset.order_by().values_list("pk", "adherence_expected", "adherence_done")
        wanted = [pk for pk, due, done in figures if adherence_band(due, done) == band]
        return with_ids(queryset, wanted)


def adherence_band(due: int, done: int) -> str:
    """The band of the share the column shows, min(done, due) / due, in whole numbers."""
    if not due:
        return "none"
    if 2 * done < due:
        return "low"
    if 5 * done < 4 * due:
        return "mid"
    return "high"


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
        # The next reminder, for the page's patients only, in one query.
        reminders = next_reminders(list(self.result_list), timezone.now())
        for patient in self.result_list:
            patient.upcoming_reminder = reminders[patient.pk]


# A therapist's read of a kept patient page (PatientAdmin.kept_page_parts).
_patient_in_clinic = Prepared(
    lambda pk, clinic_id: Patient.objects.annotate(
        library_version=library_version_subquery()
    ).filter(pk=pk, clinic_id=clinic_id),
    int,
    int,
)
_user = Prepared(lambda pk: User.objects.filter(pk=pk), int)


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
    search_fields = PATIENT_SEARCH_FIELDS
    autocomplete_fields = ["primary_therapist"]
    actions = ["assign_programme", "resume_programme"]
    change_form_template = "admin/patients/patient/change_form.html"
    reads_are_patient_data = True
    fieldsets = [
        (None, {"fields": ["name_and_email", "clinic", "primary_therapist", "pain_baseline"]}),
        REMINDER_FIELDSET,
        ("Phone", {"fields": ["phone"]}),  # "Call" in "Needs attention" dials it
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
        ("Outcome measure", {"fields": ["outcome_interval_days"]}),
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

    def patients_of(self, request: HttpRequest) -> QuerySet[Patient]:
        """The patients the user may see, with the name every page of a patient shows (and the
        audit trail). Any select_related here stands in for the list's own, so it names the
        list's joins too."""
        return super().get_queryset(request).select_related(*self.list_select_related)

    def get_object(
        self, request: HttpRequest, object_id: str, from_field: str | None = None
    ) -> Patient | None:
        """One patient for their page (and its history, its deletion), without the list's
        figures, which no such page shows: the adherence annotations write a CASE over every
        zone into the SQL, and the page looked its patient up twice (the scoping, then
        Django's own), each time compiling and sending that (30-45 ms a time)."""
        queryset = self.patients_of(request).select_related("clinic")  # the form shows it
        field = Patient._meta.pk if from_field is None else Patient._meta.get_field(from_field)
        try:
            return queryset.get(**{field.name: field.to_python(object_id)})  # type: ignore[union-attr]
        except (Patient.DoesNotExist, ValidationError, ValueError):
            return None

    def get_queryset(self, request: HttpRequest) -> QuerySet[Patient]:
        latest_pain = PainReport.objects.filter(patient=OuterRef("pk")).order_by("-created_at")
        open_alerts = (
            Alert.objects.filter(patient=OuterRef("pk"), status=Alert.Status.OPEN)
            .values("patient")
            .annotate(count=Count("pk"))
            .values("count")
        )
        return patients_with_adherence(
            self.patients_of(request).annotate(
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
        when = short_datetime(since, patient.zone)
        return f"{when} ({patient.time_zone}): until you review the alert"

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
            if "reminders_enabled" in form.changed_data:
                reminder_links_retire(obj)
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

    # Each patient's address looked up by the patient's own key, not read off the join: sorted
    # by the join's column, PostgreSQL walked the index of every user's address (1,010,000 at
    # the scheduler's scale) hoping to meet the clinic's 100 first on the way (990 ms for -2,
    # and the other way round only as fast as the addresses happen to fall). Looked up, it
    # sorts the clinic's own patients, whatever the installation around them.
    @admin.display(
        description="email",
        ordering=Subquery(User.objects.filter(pk=OuterRef("user_id")).values("email")[:1]),
    )
    def email(self, patient: Patient) -> str:
        return patient.user.email

    @admin.display(
        description="adherence 7 days",
        # Nothing due sorts below 0%.
        ordering=F("adherence_ratio").asc(nulls_first=True),
    )
    def adherence(self, patient: Patient) -> str:
        share = patient.adherence_share  # type: ignore[attr-defined]
        if share is None:
            return "—"
        return f"{round(share * 100)}%"

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
        if not patient.reminders_enabled:
            return "Reminders off"
        upcoming = getattr(patient, "upcoming_reminder", None)
        if upcoming is None:
            return "—"
        return f"{short_datetime(upcoming, patient.zone)} ({patient.time_zone})"

    def read_description(self, view: str) -> str:
        if view == "change":
            return (
                "Patient page: details, pain chart, adherence calendar, pain reports with "
                "symptoms and notes, partial sessions, screen results, open alerts, programmes "
                "and their versions"
            )
        return super().read_description(view)

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
                "weekly-summary/",
                self.admin_site.admin_view(self.weekly_summary_view),
                name="patients_patient_weekly_summary",
            ),
            path(
                "<path:object_id>/export.csv",
                self.admin_site.admin_view(self.export_view),
                name="patients_patient_export",
            ),
        ]
        return own + super().get_urls()

    def weekly_summary_view(self, request: HttpRequest) -> HttpResponse:
        """The Monday digest's content, behind the login (the email only says it is ready)."""
        therapist = Therapist.objects.filter(user=request.user).first()
        if therapist is None or not self.has_view_permission(request):
            raise Http404("Only a therapist has a weekly summary.")
        rows = weekly_summary(therapist=therapist)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Your weekly summary",
            "rows": rows,
        }
        self.announce_read(
            request,
            [row.patient for row in rows],
            "Weekly summary: adherence, last pain and open alerts",
        )
        return TemplateResponse(request, "admin/patients/patient/weekly_summary.html", context)

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
            request.POST if request.method == "POST" else None,
            initial=initial,
            templates=programs_visible_to(request.user),
        )
        plan = []
        if request.method == "POST" and form.is_valid():
            template = form.cleaned_data["template"]
            plan = programme_plan(template)
            created: list[Prescription] = []
            if "confirm" in request.POST:
                try:
                    # All the patients or none: a template another patient's clinic may not
                    # use (a superuser sees every clinic's) refuses the whole assignment.
                    with transaction.atomic():
                        created = [
                            prescription_create_from_template(
                                patient=patient,
                                therapist=therapist
                                if therapist is not None
                                and therapist.clinic_id == patient.clinic_id
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
                except ValidationError as refused:
                    form.add_error("template", " ".join(refused.messages))
            if created:
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
        self.announce_read(request, patients, "Assign a programme: preview")
        return TemplateResponse(request, "admin/patients/patient/assign.html", context)

    # The patient page ----------------------------------------------------------------------

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The patient's page. A therapist of the patient's clinic who opens it as it is (no
        message to show, no list filters to keep) gets the page as it was last written for them,
        if nothing it shows has changed since (`kept_page_parts`); each read is still looked up
        within their clinic, checked against their permissions and announced to the audit
        trail."""
        kept = self.kept_page_parts(request, object_id)
        if kept is None:
            patient = self.scoped_object(request, object_id)
            return self.change_page(request, object_id, patient, form_url, extra_context)
        patient, parts = kept
        placeholder = csrf_placeholder()
        written = []

        def write(_version: str) -> str:
            context = {**(extra_context or {}), "csrf_token": placeholder}
            shown = self.scoped_object(request, object_id)  # with what the form shows besides
            response = self.change_page(request, object_id, shown, form_url, context)
            written.append(response)  # its read was announced
            return response.render().content.decode()

        html = patient_page("admin-patient", patient, timezone.now(), write, *parts)
        if not written:
            self.announce_read(request, [patient], self.read_description("change"))
        return HttpResponse(html.replace(placeholder, get_token(request)))

    def kept_page_parts(
        self, request: HttpRequest, object_id: str
    ) -> tuple[Patient, tuple[Any, ...]] | None:
        """The patient, and everything their page shows besides their row and the library: who
        reads it (their name, role and permissions: the form is one to change or only to read,
        the sidebar lists what they may open) and the patient's account. The patient's row holds
        the page stamp, which their programme, check-offs, pain reports and alerts replace, as do
        the names of the patient, their therapists and their clinic (patients/page_stamps.py).
        Both rows are read by SQL written once (portal/prepared.py).

        None: the page is written as asked, the usual way (a message to show once, list filters
        to keep in its links, a superuser's choice of every clinic; no such patient in the
        reader's clinic, or no permission to see them, is answered there)."""
        user = request.user
        therapist = getattr(user, "therapist", None)
        if (
            request.method != "GET"
            or request.GET
            or not object_id.isascii()
            or not object_id.isdigit()
            or len(object_id) > 18  # beyond a bigint: the usual path answers 404
            or not user.is_active
            or user.is_superuser
            or therapist is None
            or len(messages.get_messages(request))
        ):
            return None
        patient = next(iter(_patient_in_clinic(int(object_id), therapist.clinic_id)), None)
        if patient is None or not self.has_view_or_change_permission(request, patient):
            return None
        patient.user = next(iter(_user(patient.user_id)))
        return patient, (
            object_id,
            row_values(patient.user),
            row_values(user),
            row_values(therapist),
            tuple(sorted(user.get_all_permissions())),
        )

    def change_page(self, request, object_id, patient, form_url="", extra_context=None):
        history = patient_history(patient)
        prescriptions = prescriptions_with_doses(
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
            **outcomes_panel(patient),
            **story_context(patient, history),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def export_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        patient = self.scoped_object(request, object_id)
        self.announce_read(
            request,
            [patient],
            "Patient data export (CSV: check-offs, pain reports and functional scales)",
            export=True,
        )
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
                "activity (PSFS)",
                "ability (PSFS 0-10)",
                "PSFS mean (0-10)",
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
        writer.writerows(_csv_safe(row) for row in psfs_export_rows(patient))
        return response


# The patient's story: what the page shows besides the charts --------------------------------


@dataclass(frozen=True)
class PainReportRow:
    report: PainReport
    when: str  # the patient's own date and time
    symptoms: list[str]
    urgent: bool
    red_flag: bool


def story_context(patient: Patient, history: PatientHistory) -> dict[str, Any]:
    zone = patient.zone
    story = patient_story(patient, history.first_day)
    reports = [
        PainReportRow(
            report=report,
            when=date_format(report.created_at.astimezone(zone), "SHORT_DATETIME_FORMAT"),
            symptoms=symptom_list(report, urgent_signs=True),
            urgent=bool(report.urgent_signs),
            red_flag=report.red_flag,
        )
        for report in reversed(history.pain_reports)  # newest first, as a therapist reads
    ]
    versions: dict[int, list[Any]] = {}
    for version in story.versions:
        versions.setdefault(version.prescription_id, []).append(version)
    return {
        "pain_reports": reports,
        "partial_sessions": story.partial_sessions,
        "screen_results": story.screen_results,
        "programme_versions": [(group[0].prescription, group) for group in versions.values()],
    }


def _csv_safe(row: list[object]) -> list[object]:
    # A patient's note that starts like a formula must not run in the therapist's spreadsheet.
    return [
        f"'{cell}"
        if isinstance(cell, str) and cell[:1] in {"=", "+", "-", "@", "\t", "\r"}
        else cell
        for cell in row
    ]
