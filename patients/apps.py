from typing import Any

from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_migrate, post_save


def _sync_groups(sender: AppConfig, **kwargs: Any) -> None:
    from patients.roles import clinic_groups_sync

    clinic_groups_sync()


def _start_session(sender: object, request: Any, user: Any, **kwargs: Any) -> None:
    from patients.sessions import session_start

    if request is not None and hasattr(request, "session"):
        session_start(request, user)


class PatientsConfig(AppConfig):
    name = "patients"
    verbose_name = "Patients and prescriptions"

    def ready(self) -> None:
        # After every migrate (and every flush of a test database) the roles are as
        # patients/roles.py says; the permissions exist by then (auth's handler runs first).
        post_migrate.connect(_sync_groups, sender=self, dispatch_uid="patients-clinic-groups")
        # The idle clock starts at every login, including the test client's force_login.
        user_logged_in.connect(_start_session, dispatch_uid="patients-session-start")
        # Every save that can move a reminder (admin, forms, services, the settings page) keeps
        # the prescriptions' next reminder right, in the same transaction.
        from patients.models import Patient, Prescription
        from patients.next_reminders import on_patient_saved, on_prescription_saved

        post_save.connect(on_prescription_saved, sender=Prescription, dispatch_uid="rx-next")
        post_save.connect(on_patient_saved, sender=Patient, dispatch_uid="patient-next")
        # Every change to what Today shows replaces the patient's page stamp.
        from patients import page_stamps

        page_stamps.connect()
        # A removed picture's or video's file goes with its row (exercises/media.py).
        from django.db.models.signals import post_delete

        from exercises.media import media_file_delete
        from patients.models import PrescribedExerciseMedia

        post_delete.connect(
            media_file_delete, sender=PrescribedExerciseMedia, dispatch_uid="patient-media-file"
        )
