"""Creating a patient in the admin invites them to choose a password: no password in clear."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from patients.models import Invitation, Patient
from patients.reminders import reminders_tick
from patients.tasks import send_outgoing
from tests.two_factor import verified_login


def add_patient(client: Client, people: SimpleNamespace, **overrides: object):
    data = {
        "email": "New.Patient@Example.com",
        "first_name": "Noor",
        "last_name": "Haddad",
        "clinic": people.clinic_a.pk,
        "primary_therapist": people.owner.pk,
        "pain_baseline": "5",
        "time_zone": "America/New_York",
        "reminders_enabled": "on",
        "preferred_reminder_time": "07:15",
        "quiet_hours_start": "",
        "quiet_hours_end": "",
    }
    data.update(overrides)
    return client.post(reverse("admin:patients_patient_add"), data)


@pytest.mark.django_db(transaction=True)
def test_a_new_patient_gets_a_one_time_link_to_choose_a_password(
    client: Client, clinic_people: SimpleNamespace
) -> None:
    verified_login(client, clinic_people.owner.user)
    response = add_patient(client, clinic_people)
    assert response.status_code == 302
    patient = Patient.objects.get(user__email="new.patient@example.com")
    assert patient.clinic == clinic_people.clinic_a
    assert not patient.user.has_usable_password()
    invitation = Invitation.objects.get(user=patient.user)

    mail.outbox.clear()
    waiting = reminders_tick().to_dispatch["invitation"]
    assert waiting == [invitation.pk]
    send_outgoing.apply(args=["invitation", waiting])  # what the worker runs
    send_outgoing.apply(args=["invitation", waiting])  # delivered twice: sent once
    assert reminders_tick().to_dispatch["invitation"] == []
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["new.patient@example.com"]
    assert "Noor" in message.body
    html = message.alternatives[0][0]
    link = re.search(r"http://\S+/accounts/invitation/\S+/", message.body).group(0)
    assert link in html
    assert "password:" not in message.body.lower()
    invitation.refresh_from_db()
    assert invitation.delivery == Invitation.Delivery.SENT

    client.logout()
    path = link.split("127.0.0.1:8000", 1)[1]
    form_page = client.get(path, follow=True)
    assert "Choose your password" in form_page.content.decode()
    chosen = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "runner-back-2026!", "new_password2": "runner-back-2026!"},
    )
    assert chosen.status_code == 302
    patient.user.refresh_from_db()
    assert patient.user.check_password("runner-back-2026!")
    client.logout()
    again = client.get(path, follow=True)
    assert "This link no longer works" in again.content.decode()


@pytest.mark.django_db
def test_an_invitation_whose_password_is_chosen_is_not_sent(
    clinic_people: SimpleNamespace,
) -> None:
    invitation = Invitation.objects.create(user=clinic_people.patient_a.user)
    mail.outbox.clear()
    send_outgoing.apply(args=["invitation", [invitation.pk]])
    invitation.refresh_from_db()
    assert invitation.delivery == Invitation.Delivery.SKIPPED
    assert mail.outbox == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"email": "patient@a.example"}, "Someone already uses this email address."),
        ({"email": "not-an-email"}, "Enter a valid email address."),
        ({"first_name": ""}, "This field is required."),
        ({"pain_baseline": "11"}, "Ensure this value is less than or equal to 10."),
        ({"pain_baseline": "-1"}, "Ensure this value is greater than or equal to 0."),
        ({"time_zone": "Mars/Base"}, "Select a valid choice."),
        ({"quiet_hours_start": "22:00"}, "Give both ends of the quiet hours, or neither."),
    ],
)
def test_bad_patient_details_say_why_and_save_nothing(
    client: Client, clinic_people: SimpleNamespace, overrides: dict[str, str], message: str
) -> None:
    verified_login(client, clinic_people.owner.user)
    before = Patient.objects.count()
    response = add_patient(client, clinic_people, **overrides)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Patient.objects.count() == before
    assert not Invitation.objects.exists()


@pytest.mark.django_db
def test_a_patient_cannot_get_a_therapist_of_another_clinic(
    client: Client, clinic_people: SimpleNamespace
) -> None:
    from tests.factories import UserFactory

    verified_login(client, UserFactory(is_staff=True, is_superuser=True))
    response = add_patient(client, clinic_people, primary_therapist=clinic_people.outsider.pk)
    assert response.status_code == 200
    assert "The therapist must work at the patient&#x27;s clinic." in response.content.decode()
    assert not Patient.objects.filter(user__email="new.patient@example.com").exists()
