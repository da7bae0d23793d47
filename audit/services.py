"""Writing the trail's reads and exports (writes come from django-auditlog, see audit/apps.py)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from auditlog.cid import get_cid
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Count, Max
from django.http import HttpRequest
from django.utils.encoding import smart_str

from audit.middleware import client_address
from audit.models import AuditEntry, patient_name
from audit.subjects import patient_of
from patients.models import Patient


def _actor_fields(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    return {
        "actor": user,
        "actor_email": user.email,
        "actor_name": str(user),
        "remote_addr": client_address(request),
        "cid": get_cid(),
    }


def patient_data_read_record(
    *,
    request: HttpRequest,
    model: type[models.Model],
    records: Sequence[models.Model],
    what: str,
    export: bool = False,
) -> list[AuditEntry]:
    """One entry per patient whose data a staff member saw on one page (or downloaded), in one
    INSERT; a patient reading their own pages is not recorded."""
    user = request.user
    if not (user.is_authenticated and user.is_staff):
        return []
    shown: dict[int, tuple[Patient, list[models.Model]]] = {}
    for record in records:
        patient = patient_of(record)
        if patient is not None:
            shown.setdefault(patient.pk, (patient, []))[1].append(record)
    if not shown:
        return []
    content_type = ContentType.objects.get_for_model(model)
    plural = str(model._meta.verbose_name_plural)
    actor = _actor_fields(request)
    entries = []
    for patient, rows in shown.values():
        one = rows[0] if len(rows) == 1 else None
        entries.append(
            AuditEntry(
                action=AuditEntry.Action.EXPORT if export else AuditEntry.Action.ACCESS,
                content_type=content_type,
                object_pk=str(one.pk) if one is not None else "",
                object_id=one.pk if one is not None else None,
                object_repr=str(one) if one is not None else f"{len(rows)} {plural}",
                additional_data=None if one is not None else {"shown": [r.pk for r in rows]},
                clinic_id=patient.clinic_id,
                patient_id=patient.pk,
                patient_name=patient_name(patient),
                what=what,
                **actor,
            )
        )
    if len(entries) == 1:  # one patient's page: one INSERT, without bulk_create's transaction
        entries[0].save(force_insert=True)
        return entries
    return AuditEntry.objects.bulk_create(entries)


def patient_data_read_record_from_signal(
    sender: type[models.Model],
    *,
    request: HttpRequest,
    records: Sequence[models.Model],
    what: str,
    export: bool = False,
    **kwargs: Any,
) -> None:
    patient_data_read_record(
        request=request, model=sender, records=records, what=what, export=export
    )


def patient_data_change_record_from_signal(
    sender: type[models.Model],
    *,
    instance: models.Model,
    changes: dict[str, list[Any]],
    **kwargs: Any,
) -> None:
    """A conditional UPDATE's change, kept as django-auditlog keeps a save's (values as text);
    the person comes from the request, as for any write."""
    AuditEntry.objects.log_create(
        instance,
        action=AuditEntry.Action.UPDATE,
        changes={
            field: [smart_str(before), smart_str(after)]
            for field, (before, after) in changes.items()
        },
    )


def audit_export_record(*, request: HttpRequest, entries: models.QuerySet[AuditEntry]) -> int:
    """An export of the trail is in the trail too: one entry per patient it names, each saying
    how many of that patient's entries left the portal (one query, one INSERT)."""
    per_patient = (
        entries.order_by()
        .values("clinic_id", "patient_id")
        .annotate(count=Count("pk"), name=Max("patient_name"))
    )
    content_type = ContentType.objects.get_for_model(AuditEntry)
    actor = _actor_fields(request)
    created = AuditEntry.objects.bulk_create(
        AuditEntry(
            action=AuditEntry.Action.EXPORT,
            content_type=content_type,
            object_pk="",
            object_repr=f"{row['count']} audit trail entries",
            clinic_id=row["clinic_id"],
            patient_id=row["patient_id"],
            patient_name=row["name"],
            what=f"Audit trail export (CSV): {row['count']} entries about this patient",
            **actor,
        )
        for row in per_patient
    )
    return len(created)
