from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate

# Machinery that a worker changes on every send: not patient data, and never written by staff.
OUTGOING_FIELDS = [
    "delivery",
    "attempts",
    "next_attempt_at",
    "enqueued_at",
    "claimed_at",
    "claimed_by",
    "sent_at",
    "last_error",
]


def _sync_groups(sender: AppConfig, **kwargs: Any) -> None:
    # patients/roles.py gives clinic admins the view permission of the trail; on a fresh database
    # it exists only once this app's own migrate has ended, so the roles are applied again here.
    from patients.roles import clinic_groups_sync

    clinic_groups_sync()


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "Audit trail"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from audit import services
        from patients import models
        from patients.signals import patient_data_changed, patient_data_read

        # Writes, with each field's value before and after (django-auditlog's signals).
        auditlog.register(models.Patient, exclude_fields=["reminder_token"])
        # A patient's own account; a therapist's is skipped (audit/subjects.py).
        auditlog.register(
            models.User, include_fields=["email", "first_name", "last_name", "is_active"]
        )
        for model in [
            models.Prescription,
            models.PrescribedExercise,
            models.PrescribedExerciseMedia,
            models.PrescriptionVersion,
            models.PainReport,
            models.CheckOff,
            models.SafetyCheck,
            models.AlertNotice,
            models.ScreenRequest,
            models.ScreenResult,
        ]:
            auditlog.register(model)
        auditlog.register(models.Alert, exclude_fields=OUTGOING_FIELDS)

        # Writes that a conditional UPDATE makes (no model signal sees them), announced.
        patient_data_changed.connect(
            services.patient_data_change_record_from_signal,
            dispatch_uid="audit-patient-data-changed",
        )
        # Reads, announced by the patients admin.
        patient_data_read.connect(
            services.patient_data_read_record_from_signal, dispatch_uid="audit-patient-data-read"
        )
        post_migrate.connect(_sync_groups, sender=self, dispatch_uid="audit-clinic-groups")
