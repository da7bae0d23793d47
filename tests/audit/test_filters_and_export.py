"""A clinic admin narrows the trail by person, patient, action and date, and exports what the
list shows as CSV; the export is in the trail too."""

from __future__ import annotations

import csv
import io
from datetime import datetime, time, timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry
from tests.factories import PatientFactory
from tests.two_factor import verified_login

CHANGELIST = "admin:audit_auditentry_changelist"
EXPORT = "admin:audit_auditentry_export"


@pytest.fixture
def trail(clinic):
    """Yesterday the owner read patient A's page; today the colleague exported patient A's data
    and read a second patient's page; the outsider read patient B's."""
    clinic.patient_c = PatientFactory(primary_therapist=clinic.owner, user__email="c@a.example")

    def read(therapist, url_name, patient):
        client = Client()
        verified_login(client, therapist.user)
        assert client.get(reverse(url_name, args=[patient.pk])).status_code == 200

    with time_machine.travel(timezone.now() - timedelta(days=1), tick=False):
        read(clinic.owner, "admin:patients_patient_change", clinic.patient_a)
    read(clinic.colleague, "admin:patients_patient_export", clinic.patient_a)
    read(clinic.colleague, "admin:patients_patient_change", clinic.patient_c)
    read(clinic.outsider, "admin:patients_patient_change", clinic.patient_b)
    return clinic


def shown(client: Client, **params) -> set[tuple[str, str, str]]:
    response = client.get(reverse(CHANGELIST), params)
    assert response.status_code == 200
    return {
        (e.actor_name, e.patient_name, e.get_action_display())
        for e in response.context["cl"].result_list
        if e.action in {AuditEntry.Action.ACCESS, AuditEntry.Action.EXPORT}
    }


@pytest.mark.django_db
def test_the_trail_filters_by_person_patient_action_and_date(client: Client, trail) -> None:
    owner, colleague = str(trail.owner.user), str(trail.colleague.user)
    a, c = str(trail.patient_a), str(trail.patient_c)
    verified_login(client, trail.admin_a.user)

    assert shown(client) == {(owner, a, "read"), (colleague, a, "export"), (colleague, c, "read")}
    assert shown(client, person=trail.colleague.user_id) == {
        (colleague, a, "export"),
        (colleague, c, "read"),
    }
    assert shown(client, patient=trail.patient_a.pk) == {
        (owner, a, "read"),
        (colleague, a, "export"),
    }
    assert shown(client, action__exact=AuditEntry.Action.EXPORT) == {(colleague, a, "export")}
    midnight = timezone.make_aware(datetime.combine(timezone.localdate(), time()))
    assert shown(
        client,
        timestamp__gte=midnight.isoformat(),
        timestamp__lt=(midnight + timedelta(days=1)).isoformat(),
    ) == {(colleague, a, "export"), (colleague, c, "read")}
    # Writes (the fixture's) are in the trail too, and found by action.
    writes = client.get(reverse(CHANGELIST), {"action__exact": 0}).context["cl"].result_list
    assert writes and {e.get_action_display() for e in writes} == {"create"}


@pytest.mark.django_db
def test_a_filter_on_another_clinics_patient_shows_nothing(client: Client, trail) -> None:
    verified_login(client, trail.admin_a.user)
    assert shown(client, patient=trail.patient_b.pk) == set()


@pytest.mark.django_db
def test_the_export_is_what_the_list_shows_and_is_itself_recorded(client: Client, trail) -> None:
    verified_login(client, trail.admin_a.user)
    response = client.get(reverse(EXPORT), {"patient": trail.patient_a.pk})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv"
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert {row["patient"] for row in rows} == {str(trail.patient_a)}
    reads = {(row["person"], row["action"], row["what"][:12]) for row in rows}
    assert (str(trail.owner.user), "read", "Patient page") in reads
    assert (str(trail.colleague.user), "export", "Patient data") in reads
    creation = next(row for row in rows if row["what"] == "Pain report")
    assert "score: None → 8" in creation["before and after"]
    assert all(row["when (ISO 8601, clinic time)"] for row in rows)

    recorded = AuditEntry.objects.filter(
        action=AuditEntry.Action.EXPORT, actor=trail.admin_a.user
    ).get()
    assert recorded.patient_id == trail.patient_a.pk
    assert recorded.what.startswith("Audit trail export (CSV)")
    assert recorded.clinic_id == trail.clinic_a.pk


@pytest.mark.django_db
def test_another_clinics_admin_exports_none_of_this_clinics_entries(client: Client, trail) -> None:
    verified_login(client, trail.admin_b.user)
    response = client.get(reverse(EXPORT))
    content = b"".join(response.streaming_content).decode()
    assert str(trail.patient_a) not in content and str(trail.patient_c) not in content
    assert str(trail.patient_b) in content


@pytest.mark.django_db
def test_the_list_links_to_the_export_with_its_filters(client: Client, trail) -> None:
    verified_login(client, trail.admin_a.user)
    html = client.get(reverse(CHANGELIST), {"patient": trail.patient_a.pk}).content.decode()
    assert f'{reverse(EXPORT)}?patient={trail.patient_a.pk}"' in html


@pytest.mark.django_db
def test_the_patient_filter_shows_the_chosen_patient_not_every_patient_of_the_clinic(
    client: Client, trail
) -> None:
    verified_login(client, trail.admin_a.user)
    filters = client.get(reverse(CHANGELIST)).context["cl"].filter_specs
    assert "patient" not in [spec.title for spec in filters if spec.has_output()]
    # Each row's patient links to the filter, which then names them (and only them).
    html = client.get(reverse(CHANGELIST)).content.decode()
    assert f'?patient={trail.patient_c.pk}"' in html
    chosen = client.get(reverse(CHANGELIST), {"patient": trail.patient_c.pk}).context["cl"]
    (spec,) = [spec for spec in chosen.filter_specs if spec.title == "patient"]
    assert [title for _value, title in spec.lookup_choices] == [str(trail.patient_c)]
    # Another clinic's patient is not named, and shows nothing.
    other = client.get(reverse(CHANGELIST), {"patient": trail.patient_b.pk}).context["cl"]
    (spec,) = [spec for spec in other.filter_specs if spec.title == "patient"]
    assert spec.lookup_choices == []
