"""A clinic admin sees their own clinic's trail, nothing of another clinic's; therapists see
none of it. Three people as everywhere: the owner, a colleague, an outsider, and each clinic's
admin."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from audit.models import AuditEntry
from tests.two_factor import verified_login

CHANGELIST = "admin:audit_auditentry_changelist"


def read_both_patients(clinic) -> tuple[AuditEntry, AuditEntry]:
    """The owner reads patient A's page, the outsider patient B's."""
    for therapist, patient in (
        (clinic.owner, clinic.patient_a),
        (clinic.outsider, clinic.patient_b),
    ):
        client = Client()
        verified_login(client, therapist.user)
        client.get(reverse("admin:patients_patient_change", args=[patient.pk]))
    read = AuditEntry.objects.filter(action=AuditEntry.Action.ACCESS)
    return read.get(patient_id=clinic.patient_a.pk), read.get(patient_id=clinic.patient_b.pk)


@pytest.mark.django_db
def test_only_the_clinic_admins_group_may_view_the_trail() -> None:
    assert (
        Group.objects.get(name="Clinic admins")
        .permissions.filter(codename="view_auditentry")
        .exists()
    )
    assert (
        not Group.objects.get(name="Therapists")
        .permissions.filter(content_type__app_label="audit")
        .exists()
    )


@pytest.mark.django_db
def test_a_clinic_admin_sees_their_clinics_entries_and_none_of_another_clinic(
    client: Client, clinic
) -> None:
    entry_a, entry_b = read_both_patients(clinic)
    verified_login(client, clinic.admin_a.user)
    response = client.get(reverse(CHANGELIST))
    assert response.status_code == 200
    shown = set(response.context["cl"].result_list)
    assert entry_a in shown and entry_b not in shown
    assert all(entry.clinic_id == clinic.clinic_a.pk for entry in shown)
    html = response.content.decode()
    assert str(clinic.patient_a) in html and str(clinic.patient_b) not in html
    page = client.get(reverse("admin:audit_auditentry_change", args=[entry_a.pk]))
    assert page.status_code == 200
    assert str(clinic.owner.user) in page.content.decode()


@pytest.mark.django_db
def test_another_clinics_admin_gets_404_on_an_entry(client: Client, clinic) -> None:
    entry_a, _ = read_both_patients(clinic)
    verified_login(client, clinic.admin_b.user)
    response = client.get(reverse("admin:audit_auditentry_change", args=[entry_a.pk]))
    assert response.status_code == 404
    assert str(clinic.patient_a) not in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("person", ["owner", "colleague", "outsider"])
def test_a_therapist_sees_none_of_the_trail(client: Client, clinic, person: str) -> None:
    entry_a, entry_b = read_both_patients(clinic)
    verified_login(client, getattr(clinic, person).user)
    assert client.get(reverse(CHANGELIST)).status_code == 403
    for entry in (entry_a, entry_b):
        url = reverse("admin:audit_auditentry_change", args=[entry.pk])
        assert client.get(url).status_code in {403, 404}
    assert client.get(reverse("admin:audit_auditentry_export")).status_code in {403, 404}
    assert "Audit trail" not in client.get(reverse("admin:index")).content.decode()


@pytest.mark.django_db
def test_a_superuser_sees_every_clinics_entries(client: Client, clinic) -> None:
    from tests.factories import UserFactory

    entry_a, entry_b = read_both_patients(clinic)
    verified_login(client, UserFactory(is_staff=True, is_superuser=True))
    shown = set(client.get(reverse(CHANGELIST)).context["cl"].result_list)
    assert {entry_a, entry_b} <= shown
