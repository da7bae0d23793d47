"""The weekly summary: what the Monday digest used to carry by email, now behind the login."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from patients.models import User
from patients.triage import pain_report_create
from tests.factories import PatientFactory
from tests.two_factor import verified_login

URL = "/admin/patients/patient/weekly-summary/"


@pytest.mark.django_db
def test_a_therapist_sees_their_own_patients_week(client: Client, clinic_people) -> None:
    assert reverse("admin:patients_patient_weekly_summary") == URL
    pain_report_create(patient=clinic_people.patient_a, score=3, moment="morning", qualities=[])
    pain_report_create(patient=clinic_people.patient_a, score=5, moment="running", qualities=[])
    verified_login(client, clinic_people.owner.user)
    patient_list = client.get(reverse("admin:patients_patient_changelist")).content.decode()
    assert f'href="{URL}"' in patient_list  # one click from the patient list
    html = client.get(URL).content.decode()
    assert str(clinic_people.patient_a) in html
    assert "5/10 (up)" in html
    assert str(clinic_people.patient_b) not in html  # the outsider's patient


@pytest.mark.django_db
def test_an_outsider_and_a_colleague_do_not_see_the_owners_patients(
    client: Client, clinic_people
) -> None:
    for other in (clinic_people.outsider, clinic_people.colleague):
        verified_login(client, other.user)
        response = client.get(URL)
        assert response.status_code in {200, 404}
        assert str(clinic_people.patient_a) not in response.content.decode()


@pytest.mark.django_db
def test_staff_who_are_no_therapist_have_no_summary(client: Client) -> None:
    verified_login(client, User.objects.create_superuser("boss@x.test", "a-strong-passphrase"))
    assert client.get(URL).status_code == 404


@pytest.mark.django_db
def test_the_summary_costs_the_same_queries_for_one_patient_or_twenty(
    client: Client, clinic_people
) -> None:
    verified_login(client, clinic_people.owner.user)
    client.get(URL)
    with CaptureQueriesContext(connection) as one:
        client.get(URL)
    for _ in range(19):
        patient = PatientFactory(primary_therapist=clinic_people.owner)
        pain_report_create(patient=patient, score=2, moment="morning", qualities=[])
    with CaptureQueriesContext(connection) as twenty:
        assert client.get(URL).content.decode().count("/change/") >= 20
    assert len(twenty) == len(one)
