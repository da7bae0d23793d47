"""Who an alert reaches, what the patient is told about it, and the programme's pause: the rows,
the emails (run as beat and a worker would, locmem mail), and the therapist's side in the admin."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from types import SimpleNamespace

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from patients.models import Alert, AlertNotice, CheckOff, ClinicWording, Reminder, Therapist
from patients.reminders import inactivity_check, reminders_tick
from patients.services import ActionRefused, alert_acknowledge, check_off_record
from patients.triage import pain_report_create, safety_check_record
from tests.factories import (
    ClinicFactory,
    PatientFactory,
    TherapistFactory,
    programme_create,
    safety_cards_create,
)
from tests.patients.reminder_helpers import sent_to, tick
from tests.two_factor import verified_login

PHONE = "020 7946 0000"


@pytest.fixture
def people(db: None) -> SimpleNamespace:
    clinic = ClinicFactory(name="Riverside Running Clinic", phone=PHONE)
    therapist = TherapistFactory(
        clinic=clinic, user__first_name="Robin", user__email="robin@clinic.example"
    )
    patient = PatientFactory(primary_therapist=therapist, pain_baseline=4)
    item = programme_create(patient)
    safety_cards_create()
    outsider = TherapistFactory(
        clinic=ClinicFactory(name="Elsewhere"),
        role=Therapist.Role.CLINIC_ADMIN,
        user__email="outsider@elsewhere.example",
    )
    return SimpleNamespace(
        clinic=clinic, therapist=therapist, patient=patient, item=item, outsider=outsider
    )


def evening(patient, days_ahead: int = 1) -> datetime:
    """18:01 in the patient's zone, `days_ahead` days on: the programme's reminder is due."""
    day = patient.local_today() + timedelta(days=days_ahead)
    return datetime.combine(day, time(18, 1), tzinfo=patient.zone)


def told(client: Client, report_id: int) -> str:
    return client.get(f"/pain/{report_id}/").content.decode()


def nerve_report(patient, **fields: object):
    return pain_report_create(
        patient=patient, score=4, moment="morning", qualities=["tingling"], **fields
    )


# Who an alert reaches ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_alert_goes_to_the_clinic_admins_when_the_therapist_is_inactive(
    client: Client, people: SimpleNamespace
) -> None:
    people.therapist.user.is_active = False
    people.therapist.user.save()
    admin = TherapistFactory(
        clinic=people.clinic,
        role=Therapist.Role.CLINIC_ADMIN,
        user__first_name="Sam",
        user__email="sam@clinic.example",
    )
    TherapistFactory(clinic=people.clinic, user__email="colleague@clinic.example")
    report = pain_report_create(patient=people.patient, score=8, moment="morning", qualities=[])
    client.force_login(people.patient.user)
    assert "We have sent Sam at your clinic a message asking them to look at this." in told(
        client, report.pk
    )
    tick(timezone.now() + timedelta(minutes=1))
    assert len(sent_to(admin.user.email)) == 2  # high pain; pain up on the baseline
    assert sent_to("robin@clinic.example") == [] and sent_to("colleague@clinic.example") == []
    assert {alert.delivery for alert in Alert.objects.all()} == {"sent"}


@pytest.mark.django_db
def test_an_alert_with_nobody_to_email_is_kept_and_its_email_skipped_with_the_reason(
    client: Client, people: SimpleNamespace
) -> None:
    people.therapist.user.is_active = False
    people.therapist.user.save()
    report = nerve_report(people.patient)
    alert = Alert.objects.get()
    assert (alert.status, alert.delivery) == ("open", "skipped")
    assert alert.last_error.startswith("no active recipient")
    assert AlertNotice.objects.get().outcome == "no_recipient"
    tick(timezone.now() + timedelta(minutes=1))
    assert mail.outbox == []
    client.force_login(people.patient.user)
    html = told(client, report.pk)
    assert "We could not send a message to your therapist: please phone the clinic on" in html
    assert "We have sent" not in html


@pytest.mark.django_db
def test_a_message_that_failed_since_the_report_is_no_longer_claimed(
    client: Client, people: SimpleNamespace
) -> None:
    report = nerve_report(people.patient)
    client.force_login(people.patient.user)
    assert "We have sent Robin a message asking them to look at this." in told(client, report.pk)
    Alert.objects.update(delivery="failed", last_error="SMTPServerDisconnected")
    html = told(client, report.pk)
    assert "We have sent" not in html
    assert "We could not send a message to your therapist: please phone the clinic on" in html


@pytest.mark.django_db
def test_an_acknowledged_alert_is_told_as_seen(client: Client, people: SimpleNamespace) -> None:
    report = nerve_report(people.patient)
    alert_acknowledge(alert=Alert.objects.get(), user=people.therapist.user)
    client.force_login(people.patient.user)
    assert "Your clinic has since marked this alert as seen." in told(client, report.pk)


@pytest.mark.django_db
def test_an_urgent_alert_email_says_how_soon_and_nothing_else(people: SimpleNamespace) -> None:
    safety_check_record(patient=people.patient, urgent_signs=["saddle_numbness"])
    tick(timezone.now() + timedelta(minutes=1))
    (message,) = sent_to("robin@clinic.example")
    assert message.subject == "Urgent: a patient needs your attention"
    body = message.body + message.alternatives[0][0]
    assert "today" in body
    for private in ("saddle", "numb", "bladder", PHONE):
        assert private.lower() not in body.lower()
    # As a word: a surname such as "Lin" is also the start of the HTML's "line-height".
    assert not re.search(rf"\b{re.escape(people.patient.user.last_name)}\b", body, re.I)


# The programme's pause --------------------------------------------------------------------------


@pytest.mark.django_db
def test_reminders_stop_while_the_programme_is_paused_and_resume_once_it_is_reviewed(
    client: Client, people: SimpleNamespace
) -> None:
    patient = people.patient
    with time_machine.travel(evening(patient, 0), tick=False):
        assert reminders_tick().reminders_recorded == 1  # before: reminded as usual
    nerve_report(patient)
    with time_machine.travel(evening(patient, 1), tick=False):
        assert reminders_tick().reminders_recorded == 0
    with pytest.raises(ActionRefused, match="Your programme is paused"):
        check_off_record(patient=patient, prescribed_exercise=people.item)
    with time_machine.travel(evening(patient, 1) + timedelta(hours=1), tick=False):
        assert inactivity_check() == 0  # doing as asked is not inactivity

    verified_login(client, people.therapist.user)
    client.post(
        reverse("admin:patients_alert_changelist"),
        {"action": "acknowledge", "_selected_action": [Alert.objects.get().pk]},
    )
    patient.refresh_from_db()
    assert not patient.programme_held
    with time_machine.travel(evening(patient, 1), tick=False):
        assert reminders_tick().reminders_recorded == 1
    check_off_record(patient=patient, prescribed_exercise=people.item)
    assert CheckOff.objects.count() == 1


@pytest.mark.django_db
def test_a_reminder_recorded_before_the_pause_is_not_sent(people: SimpleNamespace) -> None:
    patient = people.patient
    with time_machine.travel(evening(patient, 0), tick=False):
        reminders_tick()  # recorded, not yet handed over
    nerve_report(patient)
    tick(evening(patient, 0) + timedelta(minutes=1))
    reminder = Reminder.objects.get()
    assert reminder.delivery == "skipped"
    assert "paused" in reminder.last_error
    assert sent_to(patient.user.email) == []


@pytest.mark.django_db
def test_the_pause_lasts_while_any_open_alert_still_pauses_it(people: SimpleNamespace) -> None:
    patient = people.patient
    nerve_report(patient)
    red_flag = Alert.objects.get(cause="red_flag")
    safety_check_record(patient=patient, urgent_signs=["night_pain"])
    urgent = Alert.objects.get(cause="urgent")
    patient.refresh_from_db()
    # The more severe reason takes over; the pause still dates from the first report.
    assert (patient.programme_held_reason, patient.programme_held_alert) == ("urgent_sign", urgent)

    alert_acknowledge(alert=urgent, user=people.therapist.user)
    patient.refresh_from_db()
    assert patient.programme_held
    assert (patient.programme_held_alert, patient.programme_held_reason) == (
        red_flag,
        "nerve_symptoms",
    )
    alert_acknowledge(alert=red_flag, user=people.therapist.user)
    patient.refresh_from_db()
    assert not patient.programme_held


@pytest.mark.django_db
def test_running_pain_joins_an_alert_without_pausing_until_nerve_symptoms_do(
    people: SimpleNamespace,
) -> None:
    patient = people.patient
    pain_report_create(patient=patient, score=3, moment="running", qualities=[])
    patient.refresh_from_db()
    assert not patient.programme_held  # the documents say stop running, not stop the programme
    nerve_report(patient)
    patient.refresh_from_db()
    alert = Alert.objects.get()  # the nerve report joined the open red-flag alert…
    assert patient.programme_held_alert == alert and alert.hold_reason == "nerve_symptoms"
    alert_acknowledge(alert=alert, user=people.therapist.user)  # …whose review resumes it
    patient.refresh_from_db()
    assert not patient.programme_held


@pytest.mark.django_db
def test_reviewed_resume_the_programme_is_the_clinics_own_action(
    client: Client, people: SimpleNamespace
) -> None:
    nerve_report(people.patient)
    changelist = reverse("admin:patients_patient_changelist")
    action = {"action": "resume_programme", "_selected_action": [people.patient.pk]}

    verified_login(client, people.outsider.user)
    client.post(changelist, action)
    people.patient.refresh_from_db()
    assert people.patient.programme_held  # another clinic's admin changes nothing

    verified_login(client, people.therapist.user)
    response = client.post(changelist, action, follow=True)
    assert "1 programme resumed" in response.content.decode()
    people.patient.refresh_from_db()
    assert not people.patient.programme_held
    assert Alert.objects.get().status == "open"  # the alert itself waits for its own review
    page = client.get(reverse("admin:patients_patient_change", args=[people.patient.pk]))
    assert "Not paused" in page.content.decode()


# The therapist's side ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_alert_lists_every_report_that_raised_or_joined_it(
    client: Client, people: SimpleNamespace
) -> None:
    pain_report_create(patient=people.patient, score=5, moment="running", qualities=[])
    nerve_report(people.patient, urgent_signs=[])
    alert = Alert.objects.get()
    verified_login(client, people.therapist.user)
    html = client.get(reverse("admin:patients_alert_change", args=[alert.pk])).content.decode()
    assert "pain report 5/10, during or after running" in html
    assert "New alert: its email is on its way" in html
    assert "tingling (pins and needles) in the thigh or leg" in html
    assert "Added to an alert already open" in html


@pytest.mark.django_db
def test_a_clinic_admin_writes_the_clinics_own_wording_in_the_admin(
    client: Client, people: SimpleNamespace
) -> None:
    admin = TherapistFactory(
        clinic=people.clinic, role=Therapist.Role.CLINIC_ADMIN, user__email="sam@clinic.example"
    )
    add = reverse("admin:patients_clinicwording_add")
    verified_login(client, admin.user)
    form = client.get(add).content.decode()
    assert "Call your local emergency number or go to the nearest emergency department now." in form
    assert "NICE guideline NG59" in form  # the standard text, with what it follows
    response = client.post(
        add, {"clinic": people.clinic.pk, "key": "emergency", "text": "Call 999 or go to A&E."}
    )
    assert response.status_code == 302
    wording = ClinicWording.objects.get()
    assert (wording.written_by, wording.clinic) == (admin.user, people.clinic)

    again = client.post(add, {"clinic": people.clinic.pk, "key": "emergency", "text": "Twice"})
    assert again.status_code == 200 and ClinicWording.objects.count() == 1  # one per key

    verified_login(client, people.therapist.user)  # a therapist reads it, and changes nothing
    change = reverse("admin:patients_clinicwording_change", args=[wording.pk])
    assert client.get(change).status_code == 200
    assert client.post(change, {"text": "Mine now"}).status_code == 403
    assert client.get(add).status_code == 403

    verified_login(client, people.outsider.user)  # another clinic: as if it did not exist
    assert client.get(change).status_code == 404
    listing = client.get(reverse("admin:patients_clinicwording_changelist")).content.decode()
    assert "Call 999" not in listing
    refused = client.post(
        add, {"clinic": people.clinic.pk, "key": "urgent_reason", "text": "Theirs"}
    )
    assert refused.status_code == 200 and ClinicWording.objects.count() == 1


@pytest.mark.django_db
def test_the_clinics_phone_and_hours_are_edited_with_the_clinic(
    client: Client, people: SimpleNamespace
) -> None:
    admin = TherapistFactory(clinic=people.clinic, role=Therapist.Role.CLINIC_ADMIN)
    verified_login(client, admin.user)
    change = reverse("admin:patients_clinic_change", args=[people.clinic.pk])
    data = {
        "name": people.clinic.name,
        "time_zone": "Europe/London",
        "opening_hours": "Mon–Fri",
        "rest_seconds": "10",
    }
    refused = client.post(change, {**data, "phone": "call us!"})
    assert refused.status_code == 200 and "Digits, spaces and" in refused.content.decode()
    # The session player's rest: from 0 to 300 seconds, a clear message otherwise.
    for bad, message in (
        ("301", "The rest must be from 0 to 300 seconds."),
        ("-5", "Ensure this value is greater than or equal to 0."),
        ("ten", "Enter a whole number."),
    ):
        refused = client.post(change, {**data, "phone": "+44 20 7946 0001", "rest_seconds": bad})
        assert refused.status_code == 200, bad
        assert message in refused.content.decode(), bad
    before = people.clinic.phone
    people.clinic.refresh_from_db()
    assert (people.clinic.phone, people.clinic.rest_seconds) == (before, 10)  # nothing saved
    saved = {**data, "phone": "+44 20 7946 0001", "rest_seconds": "20"}
    assert client.post(change, saved).status_code == 302
    people.clinic.refresh_from_db()
    assert (people.clinic.phone, people.clinic.opening_hours) == ("+44 20 7946 0001", "Mon–Fri")
    assert people.clinic.rest_seconds == 20


@pytest.mark.django_db
def test_the_pain_report_list_names_the_warning_signs_and_the_alert_list_the_pause(
    client: Client, people: SimpleNamespace
) -> None:
    pain_report_create(
        patient=people.patient, score=3, moment="morning", qualities=[], urgent_signs=["night_pain"]
    )
    verified_login(client, people.therapist.user)
    reports = client.get(reverse("admin:patients_painreport_changelist")).content.decode()
    assert "Severe pain at night" in reports
    alerts = client.get(reverse("admin:patients_alert_changelist")).content.decode()
    assert "Urgent warning sign" in alerts and "An urgent warning sign" in alerts
