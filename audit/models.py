"""The audit trail: who read or wrote which patient's data, when, and what exactly.

One table for reads and writes. Writes come from django-auditlog (this model is its
AUDITLOG_LOGENTRY_MODEL), with each field's value before and after; reads are added by
audit/services.py. Every row names its clinic and its patient by id and by name, as plain values
rather than foreign keys: deleting a patient or a user neither is blocked by their history nor
rewrites it."""

from __future__ import annotations

from typing import Any, NoReturn

from auditlog.models import AbstractLogEntry, LogEntryManager
from django.conf import settings
from django.db import models


class AppendOnly(Exception):
    """The audit trail is never changed or deleted, by anyone."""

    def __init__(self) -> None:
        super().__init__("The audit trail is append-only: entries are never changed or deleted.")


def _refuse(*args: Any, **kwargs: Any) -> NoReturn:
    raise AppendOnly


class AuditEntryQuerySet(models.QuerySet):
    update = _refuse
    delete = _refuse
    bulk_update = _refuse


class AuditEntryManager(LogEntryManager.from_queryset(AuditEntryQuerySet)):  # type: ignore[misc]
    def log_create(self, instance: models.Model, force_log: bool = False, **kwargs: Any) -> Any:
        """django-auditlog's entry for a write, with the patient and clinic it concerns; a write
        that is no patient's data (a therapist's own account) is not kept."""
        from audit.subjects import patient_of, write_description

        patient = patient_of(instance)
        if patient is None:
            return None
        kwargs.update(
            clinic_id=patient.clinic_id,
            patient_id=patient.pk,
            patient_name=patient_name(patient),
            what=write_description(instance),
        )
        return super().log_create(instance, force_log=force_log, **kwargs)


def patient_name(patient: Any) -> str:
    try:
        return str(patient)
    except models.ObjectDoesNotExist:  # their account is already gone
        return f"Patient {patient.pk}"


class AuditEntry(AbstractLogEntry):
    class Action(AbstractLogEntry.Action):
        EXPORT = 4
        # The clinic's words; the numbers are django-auditlog's (0–3) and ours (4).
        choices = (
            (3, "read"),
            (0, "create"),
            (1, "change"),
            (2, "delete"),
            (4, "export"),
        )

    action = models.PositiveSmallIntegerField(choices=Action.choices, db_index=True)
    # A model with history keeps its content type: the entries must stay readable.
    content_type = models.ForeignKey(
        "contenttypes.ContentType", on_delete=models.PROTECT, related_name="+"
    )
    # Who did it. The id may outlive the account (no database constraint, nothing cascades
    # into this table); name and email are kept as text for when it has.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="person",
    )
    actor_name = models.CharField("person", max_length=300, blank=True)
    clinic_id = models.BigIntegerField("clinic")
    patient_id = models.BigIntegerField("patient")
    patient_name = models.CharField("patient", max_length=300)
    what = models.CharField(max_length=300, help_text="The page, download or record, in words.")

    # Not used by the portal: fewer columns, and a list's bulk insert stays one statement.
    changes_text = None  # type: ignore[assignment]
    remote_port = None  # type: ignore[assignment]

    objects = AuditEntryManager()

    class Meta(AbstractLogEntry.Meta):
        verbose_name = "audit trail entry"
        verbose_name_plural = "audit trail"
        indexes = [
            models.Index(fields=["clinic_id", "-timestamp"], name="audit_clinic_time"),
            models.Index(fields=["patient_id", "-timestamp"], name="audit_patient_time"),
            models.Index(fields=["actor", "-timestamp"], name="audit_actor_time"),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()}: {self.what} ({self.patient_name})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnly
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnly

    @property
    def person(self) -> str:
        if self.actor_id is None:
            return "The portal itself (no one logged in)"
        return self.actor_name or self.actor_email or f"User {self.actor_id}"
