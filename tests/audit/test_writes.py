"""Writes of patient data keep each field's value before and after (django-auditlog), with the
person who made them, the patient and the clinic."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry
from patients.models import PainReport, Patient, User
from tests.two_factor import verified_login


def last_write(**filters) -> AuditEntry:
    return AuditEntry.objects.filter(action__in=[0, 1, 2], **filters).latest("pk")


@pytest.mark.django_db
def test_a_therapist_changing_a_patients_baseline_keeps_before_and_after(
    client: Client, clinic
) -> None:
    patient = clinic.patient_a
    verified_login(client, clinic.owner.user)
    url = reverse("admin:patients_patient_change", args=[patient.pk])
    form = client.get(url).context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if name in form.fields and value is not None
    }
    data.update(primary_therapist=clinic.owner.pk, pain_baseline=6)
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors

    entry = last_write(patient_id=patient.pk)
    assert entry.get_action_display() == "change"
    assert entry.changes == {"pain_baseline": ["4", "6"]}
    assert entry.actor == clinic.owner.user
    assert entry.actor_name == str(clinic.owner.user)
    assert (entry.clinic_id, entry.patient_name) == (clinic.clinic_a.pk, str(patient))
    assert entry.what == "Patient details"


@pytest.mark.django_db
def test_a_dose_changed_in_a_prescription_keeps_the_old_and_new_dose(
    client: Client, clinic
) -> None:
    prescribed = clinic.patient_a.prescriptions.get().exercises.get()
    prescribed.reps = 12
    prescribed.save()
    entry = last_write(object_id=prescribed.pk, what="Exercise and dose in a prescription")
    assert entry.changes == {"reps": ["10", "12"]}
    assert entry.patient_id == clinic.patient_a.pk
    assert entry.person == "The portal itself (no one logged in)"


@pytest.mark.django_db
def test_a_patients_own_pain_report_is_kept_with_the_patient_as_the_person(
    client: Client, clinic
) -> None:
    client.force_login(clinic.patient_a.user)
    response = client.post(
        "/pain/new/",
        {"score": 3, "moment": "morning", "note": "Stiff after sitting", "urgent_signs": ["none"]},
    )
    assert response.status_code in {200, 302}
    report = PainReport.objects.filter(patient=clinic.patient_a).latest("created_at")
    entry = last_write(object_id=report.pk, what="Pain report")
    assert entry.get_action_display() == "create"
    assert entry.actor == clinic.patient_a.user
    assert entry.changes["score"] == ["None", "3"]
    assert entry.changes["note"] == ["None", "Stiff after sitting"]


@pytest.mark.django_db
def test_a_patients_account_is_kept_and_a_therapists_own_account_is_not(clinic) -> None:
    patient_user, therapist_user = clinic.patient_a.user, clinic.owner.user
    patient_user.email = "new.address@a.example"
    patient_user.save()
    therapist_user.first_name = "Renamed"
    therapist_user.save()
    entry = last_write(what="Patient's account (name, email, active)")
    assert entry.changes == {"email": ["patient@a.example", "new.address@a.example"]}
    assert entry.patient_id == clinic.patient_a.pk
    assert not AuditEntry.objects.filter(
        content_type__model="user", object_id=therapist_user.pk
    ).exists()


@pytest.mark.django_db
def test_deleting_a_patient_and_the_staff_member_who_read_them_keeps_their_history(
    client: Client, clinic
) -> None:
    patient, reader = clinic.patient_a, clinic.colleague
    verified_login(client, reader.user)
    client.get(reverse("admin:patients_patient_change", args=[patient.pk]))
    client.logout()
    patient_id, patient_name, reader_name = patient.pk, str(patient), str(reader.user)
    reader_user_id = reader.user.pk

    User.objects.filter(pk=patient.user_id).delete()  # the patient, their records, their account
    reader.user.delete()

    assert not Patient.objects.filter(pk=patient_id).exists()
    read = AuditEntry.objects.get(action=AuditEntry.Action.ACCESS, patient_id=patient_id)
    assert (read.actor_id, read.actor_name, read.patient_name) == (
        reader_user_id,
        reader_name,
        patient_name,
    )
    deleted = AuditEntry.objects.filter(action=AuditEntry.Action.DELETE, patient_id=patient_id)
    assert {entry.what for entry in deleted} >= {"Patient details", "Pain report", "Alert"}
    assert all(entry.patient_name == patient_name for entry in deleted)
    assert deleted.get(what="Pain report").changes["score"] == ["8", "None"]


@pytest.mark.django_db
def test_a_write_made_at_a_given_time_is_stamped_with_it(clinic) -> None:
    report = PainReport.objects.create(
        patient=clinic.patient_b, local_date=timezone.localdate(), score=2, moment="morning"
    )
    entry = last_write(object_id=report.pk, what="Pain report")
    assert entry.clinic_id == clinic.clinic_b.pk
    assert abs((timezone.now() - entry.timestamp).total_seconds()) < 60


@pytest.mark.django_db
def test_acknowledging_an_alert_and_resuming_a_paused_programme_are_kept(
    client: Client, clinic
) -> None:
    from patients.models import Alert, HoldReason

    patient = clinic.patient_a
    alert = patient.alerts.get()
    Alert.objects.filter(pk=alert.pk).update(hold_reason=HoldReason.NERVE_SYMPTOMS)
    Patient.objects.filter(pk=patient.pk).update(
        programme_held_at=timezone.now(),
        programme_held_reason=HoldReason.NERVE_SYMPTOMS,
        programme_held_alert=alert,
    )
    verified_login(client, clinic.owner.user)
    response = client.post(
        reverse("admin:patients_alert_changelist"),
        {"action": "acknowledge", "_selected_action": [alert.pk]},
    )
    assert response.status_code == 302

    acknowledged = last_write(what="Alert", object_id=alert.pk)
    assert acknowledged.changes["status"] == ["open", "acknowledged"]
    assert acknowledged.changes["acknowledged_by"] == ["None", str(clinic.owner.user.pk)]
    assert acknowledged.actor == clinic.owner.user
    resumed = last_write(what="Patient details", patient_id=patient.pk)
    assert resumed.changes["programme_held_reason"] == ["nerve_symptoms", ""]
    assert resumed.actor == clinic.owner.user


@pytest.mark.django_db
def test_cancelling_a_screen_request_is_kept(client: Client, clinic) -> None:
    from exercises.models import Exercise
    from patients.models import ScreenRequest

    screen = Exercise.objects.filter(kind=Exercise.Kind.SCREEN).first()
    request = ScreenRequest.objects.create(patient=clinic.patient_a, screen=screen)
    verified_login(client, clinic.owner.user)
    client.post(
        reverse("admin:patients_screenrequest_changelist"),
        {"action": "cancel", "_selected_action": [request.pk]},
    )
    entry = last_write(what="Screen request", object_id=request.pk)
    assert entry.changes == {"status": ["open", "cancelled"]}
    assert entry.actor == clinic.owner.user
