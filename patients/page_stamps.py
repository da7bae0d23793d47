"""A patient's page stamp (`Patient.page_stamp`): replaced by every change to the rows their pages
(Today, the history, the programme, and the admin's page of them) show besides their own row, in
the same transaction as the change, so that a page kept under it (patients/kept.py) is never read
once the change is committed.

The rows: prescriptions, their exercises (and the pictures and videos of each for this patient),
check-offs, screen requests and results, pain reports, alerts and the prescriptions' versions.
Their saves and deletes (admin, services, forms, a cascade) send Django's signals; a conditional
UPDATE sends patients.signals.patient_data_changed; a bulk write calls `page_stamps_bump` itself.
A person's name (the patient's own, their therapists') and their clinic's replace the stamps of
the patients whose pages show them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import F, Model

from patients.models import (
    Alert,
    CheckOff,
    PainReport,
    Patient,
    PrescribedExercise,
    PrescribedExerciseMedia,
    Prescription,
    PrescriptionVersion,
    PsfsResponse,
    ScreenRequest,
    ScreenResult,
)

WATCHED: tuple[type[Model], ...] = (
    Alert,  # on the admin's patient page
    Prescription,
    PrescribedExercise,
    PrescribedExerciseMedia,  # a picture or video for one patient's exercise
    CheckOff,
    ScreenRequest,
    PainReport,
    PsfsResponse,  # Today's reminder of the functional scale; the admin's patient page
    ScreenResult,  # the story on the admin's patient page (its screens over time)
    PrescriptionVersion,  # and each programme's versions
)


def page_stamps_bump(
    *, patient_ids: Iterable[int] = (), prescription_ids: Iterable[int] = ()
) -> None:
    patient_ids, prescription_ids = set(patient_ids), set(prescription_ids)
    if prescription_ids:
        patient_ids |= set(
            Prescription.objects.filter(pk__in=prescription_ids).values_list(
                "patient_id", flat=True
            )
        )
    if patient_ids:
        Patient.objects.filter(pk__in=patient_ids).update(page_stamp=F("page_stamp") + 1)


def on_row_changed(sender: type[Model], instance: Any, **kwargs: Any) -> None:
    if sender not in WATCHED:  # patient_data_changed also tells of patients
        return
    if isinstance(instance, PrescribedExercise | PrescriptionVersion):
        page_stamps_bump(prescription_ids=[instance.prescription_id])
    elif isinstance(instance, PrescribedExerciseMedia):
        # By the item's id, in one UPDATE: on a cascade the item may be gone already (its own
        # deletion replaces the stamp then).
        Patient.objects.filter(prescriptions__exercises=instance.prescribed_exercise_id).update(
            page_stamp=F("page_stamp") + 1
        )
        PrescribedExercise.objects.filter(pk=instance.prescribed_exercise_id).update(
            media_version=F("media_version") + 1
        )
    else:
        page_stamps_bump(patient_ids=[instance.patient_id])


def on_person_changed(sender: type[Model], instance: Any, **kwargs: Any) -> None:
    """A person's name and address are on pages: a patient's own on the admin's page of them, a
    therapist's on the programme pages of their patients ("your therapist: …") and on the admin's
    page of each patient they are the primary therapist of."""
    if kwargs.get("update_fields") == frozenset({"last_login"}):  # every login saves that alone
        return
    bump = {"page_stamp": F("page_stamp") + 1}
    if not instance.is_staff:
        Patient.objects.filter(user=instance.pk).update(**bump)
        return
    Patient.objects.filter(prescriptions__therapist__user=instance.pk).update(**bump)
    Patient.objects.filter(primary_therapist__user=instance.pk).update(**bump)


def on_clinic_changed(sender: type[Model], instance: Any, **kwargs: Any) -> None:
    """The clinic's name is on the admin's page of each of its patients (rare: an edit by hand)."""
    Patient.objects.filter(clinic=instance.pk).update(page_stamp=F("page_stamp") + 1)


def connect() -> None:
    from django.db.models.signals import post_delete, post_save

    from patients.models import Clinic, User
    from patients.signals import patient_data_changed

    for model in WATCHED:
        label = model._meta.label
        post_save.connect(on_row_changed, sender=model, dispatch_uid=f"page-stamp-{label}")
        post_delete.connect(on_row_changed, sender=model, dispatch_uid=f"page-stamp-del-{label}")
    patient_data_changed.connect(on_row_changed, dispatch_uid="page-stamp-conditional")
    post_save.connect(on_person_changed, sender=User, dispatch_uid="page-stamp-person")
    post_save.connect(on_clinic_changed, sender=Clinic, dispatch_uid="page-stamp-clinic")
