"""Nobody changes or deletes the trail: not in the admin (superusers included), not through the
models, and on PostgreSQL not even with raw SQL."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.urls import reverse

from audit.models import AppendOnly, AuditEntry
from tests.factories import UserFactory
from tests.two_factor import verified_login


@pytest.fixture
def entry(clinic) -> AuditEntry:
    client = Client()
    verified_login(client, clinic.owner.user)
    client.get(reverse("admin:patients_patient_change", args=[clinic.patient_a.pk]))
    return AuditEntry.objects.get(action=AuditEntry.Action.ACCESS)


@pytest.mark.django_db
def test_no_one_can_add_change_or_delete_an_entry_in_the_admin(
    client: Client, clinic, entry: AuditEntry
) -> None:
    for person in (UserFactory(is_staff=True, is_superuser=True), clinic.admin_a.user):
        verified_login(client, person)
        assert client.get(reverse("admin:audit_auditentry_add")).status_code == 403
        change = reverse("admin:audit_auditentry_change", args=[entry.pk])
        page = client.get(change)
        assert page.status_code == 200
        assert 'name="_save"' not in page.content.decode()
        assert client.post(change, {"what": "Nothing to see"}).status_code == 403
        delete = reverse("admin:audit_auditentry_delete", args=[entry.pk])
        assert client.get(delete).status_code == 403
        assert client.post(delete, {"post": "yes"}).status_code == 403
        listing = client.get(reverse("admin:audit_auditentry_changelist"))
        assert "action-checkbox" not in listing.content.decode()  # no bulk delete
    entry.refresh_from_db()
    assert entry.what.startswith("Patient page")


@pytest.mark.django_db
def test_the_model_refuses_to_change_or_delete_an_entry(entry: AuditEntry) -> None:
    entry.what = "Nothing to see"
    with pytest.raises(AppendOnly):
        entry.save()
    with pytest.raises(AppendOnly):
        entry.delete()
    with pytest.raises(AppendOnly):
        AuditEntry.objects.filter(pk=entry.pk).update(what="Nothing to see")
    with pytest.raises(AppendOnly):
        AuditEntry.objects.filter(pk=entry.pk).delete()
    with pytest.raises(AppendOnly):
        AuditEntry.objects.bulk_update([entry], ["what"])
    assert AuditEntry.objects.get(pk=entry.pk).what.startswith("Patient page")


@pytest.mark.django_db
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the trigger is PostgreSQL's (not on SQLite)"
)
def test_postgresql_refuses_a_raw_update_or_delete_of_an_entry(entry: AuditEntry) -> None:
    for sql in (
        "UPDATE audit_auditentry SET what = 'Nothing to see' WHERE id = %s",
        "DELETE FROM audit_auditentry WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [entry.pk])
    assert AuditEntry.objects.get(pk=entry.pk).what.startswith("Patient page")
