"""The audit trail in the admin: read-only for everyone (superusers too), a clinic admin sees
their own clinic's entries, filters by person, patient, action and date, and exports them."""

from __future__ import annotations

import csv
import zoneinfo
from collections.abc import Iterator
from typing import Any

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import FieldDoesNotExist
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from audit.models import AuditEntry
from audit.selectors import entries_visible_to
from audit.services import audit_export_record
from patients.models import Clinic
from patients.selectors import patients_visible_to, staff_clinic_id, therapists_visible_to

# django-auditlog's own admin registers the entry model (it is auditlog's LogEntry here); this
# one replaces it ("auditlog" comes before "audit" in INSTALLED_APPS).
if admin.site.is_registered(AuditEntry):
    admin.site.unregister(AuditEntry)


class PersonFilter(admin.SimpleListFilter):
    title = "person"
    parameter_name = "person"

    def lookups(self, request, model_admin):
        return [(str(t.user_id), str(t)) for t in therapists_visible_to(request.user)]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(actor_id=_number(self.value()))
        return queryset


class PatientFilter(admin.SimpleListFilter):
    title = "patient"
    parameter_name = "patient"

    def lookups(self, request, model_admin):
        # Only the patient chosen (each row's patient links here, and the search box finds a
        # name): a clinic of 10,000 patients made a sidebar of 10,000 links, 0.6 s a page.
        if not self.value():
            return []
        chosen = patients_visible_to(request.user).filter(pk=_number(self.value()))
        return [(str(p.pk), str(p)) for p in chosen]

    def has_output(self) -> bool:
        return bool(self.value())

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(patient_id=_number(self.value()))
        return queryset


def _number(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise IncorrectLookupParameters(f"{value!r} is not an id.") from None


def _kind(entry: AuditEntry) -> str:
    model = entry.content_type.model_class()  # None once a model is gone; its history stays
    return str(model._meta.verbose_name) if model is not None else entry.content_type.model


def _changed_fields(entry: AuditEntry) -> list[str]:
    model = entry.content_type.model_class()
    names = []
    for field_name in entry.changes_dict:
        try:
            names.append(str(model._meta.get_field(field_name).verbose_name))  # type: ignore[union-attr]
        except (FieldDoesNotExist, AttributeError):
            names.append(field_name)
    return names


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    # A filtered list counts its own rows, not the whole trail again besides: it only grows.
    show_full_result_count = False
    list_display = ["timestamp", "who", "action", "what", "patient", "record", "changed"]
    list_select_related = ["content_type"]
    list_filter = [
        PersonFilter,
        PatientFilter,
        "action",
        ("timestamp", admin.DateFieldListFilter),
    ]
    search_fields = ["patient_name", "actor_name", "actor_email", "what", "object_repr"]
    date_hierarchy = "timestamp"
    actions = None
    change_list_template = "admin/audit/auditentry/change_list.html"
    fields = [
        "timestamp",
        "who",
        "actor_email",
        "remote_addr",
        "action",
        "what",
        "patient",
        "record",
        "before_and_after",
    ]
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest):
        return entries_visible_to(request.user).select_related("content_type")  # type: ignore[arg-type]

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        raise Http404("No audit trail entry with this id.")

    # Nobody writes here, superusers included: the trail is append-only (see audit/models.py).
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    # Columns ---------------------------------------------------------------------------------

    @admin.display(description="person", ordering="actor_name")
    def who(self, entry: AuditEntry) -> str:
        return entry.person

    @admin.display(description="patient", ordering="patient_name")
    def patient(self, entry: AuditEntry) -> str:
        url = reverse("admin:audit_auditentry_changelist")
        return format_html(
            '<a href="{}?patient={}">{}</a>', url, entry.patient_id, entry.patient_name
        )

    @admin.display(description="record")
    def record(self, entry: AuditEntry) -> str:
        return f"{_kind(entry).capitalize()}: {entry.object_repr}"

    @admin.display(description="fields changed")
    def changed(self, entry: AuditEntry) -> str:
        return ", ".join(_changed_fields(entry)) or "—"

    @admin.display(description="before and after")
    def before_and_after(self, entry: AuditEntry) -> str:
        rows = entry.changes_display_dict
        if not rows:
            return "—"
        return format_html(
            "<table><thead><tr><th>field</th><th>before</th><th>after</th></tr></thead>"
            "<tbody>{}</tbody></table>",
            format_html_join(
                "",
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                ((field, values[0], values[1]) for field, values in rows.items()),
            ),
        )

    # Export ------------------------------------------------------------------------------------

    def get_urls(self) -> list[Any]:
        own = [
            path(
                "export.csv",
                self.admin_site.admin_view(self.export_view),
                name="audit_auditentry_export",
            )
        ]
        return own + super().get_urls()

    def export_view(self, request: HttpRequest) -> HttpResponse:
        """Every entry the list shows with the same filters and search, as CSV."""
        if not self.has_view_permission(request):
            raise Http404("No such page.")
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            return redirect(reverse("admin:audit_auditentry_changelist") + "?e=1")
        entries = changelist.queryset
        audit_export_record(request=request, entries=entries)
        zone = _viewer_zone(request)
        response = StreamingHttpResponse(_csv_lines(entries, zone), content_type="text/csv")
        filename = f"audit-trail-{timezone.localdate():%Y-%m-%d}.csv"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


def _viewer_zone(request: HttpRequest) -> zoneinfo.ZoneInfo:
    clinic_id = None if request.user.is_superuser else staff_clinic_id(request.user)  # type: ignore[arg-type]
    clinic = Clinic.objects.filter(pk=clinic_id).first() if clinic_id else None
    return zoneinfo.ZoneInfo(clinic.time_zone if clinic else "UTC")


class _Echo:
    def write(self, value: str) -> str:
        return value


CSV_HEADER = [
    "when (ISO 8601, clinic time)",
    "person",
    "person's email",
    "person id",
    "address",
    "action",
    "what",
    "patient",
    "patient id",
    "record type",
    "record",
    "record id",
    "before and after",
]


def _csv_lines(entries: Any, zone: zoneinfo.ZoneInfo) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_HEADER)
    for entry in entries.iterator(chunk_size=2000):
        kind = _kind(entry)
        yield writer.writerow(
            _csv_safe(
                [
                    entry.timestamp.astimezone(zone).isoformat(),
                    entry.person,
                    entry.actor_email or "",
                    entry.actor_id or "",
                    entry.remote_addr or "",
                    entry.get_action_display(),
                    entry.what,
                    entry.patient_name,
                    entry.patient_id,
                    kind,
                    entry.object_repr,
                    entry.object_pk,
                    entry.changes_str,
                ]
            )
        )


def _csv_safe(row: list[Any]) -> list[Any]:
    # A name or a note that starts like a formula must not run in the reader's spreadsheet.
    return [
        f"'{cell}"
        if isinstance(cell, str) and cell[:1] in {"=", "+", "-", "@", "\t", "\r"}
        else cell
        for cell in row
    ]
