""" "Needs attention", the admin's first page for therapists: the clinic's open alerts, most
severe first and oldest first within a severity, each in words with its one-click actions; the
same counts in the header of every admin page. Three people for who may see and act: the owner,
a colleague of the same clinic, an outsider of another clinic."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from patients.models import Alert, CheckOff, PainReport, Patient, Prescription, SafetyCheck
from tests.factories import PatientFactory, programme_create
from tests.two_factor import verified_login

NOW = datetime(2026, 11, 20, 8, 30, tzinfo=ZoneInfo("Europe/London"))


def _report(patient: Patient, score: int, **fields) -> PainReport:
    return PainReport.objects.create(
        patient=patient, local_date=NOW.date(), score=score, moment="morning", **fields
    )


def _alert(patient: Patient, cause: str, hours_ago: float, **fields) -> Alert:
    return Alert.objects.create(
        patient=patient, cause=cause, created_at=NOW - timedelta(hours=hours_ago), **fields
    )


@pytest.fixture
def morning(clinic_people: SimpleNamespace) -> SimpleNamespace:
    """Clinic A's open alerts of every cause, of different ages, over several patients; one of
    clinic B. Listed here in the order the page must show them."""
    people = clinic_people
    owner = people.owner
    urgent_pat = PatientFactory(
        primary_therapist=owner, user__first_name="Uma", user__last_name="Urgent"
    )
    nerve_pat = PatientFactory(
        primary_therapist=owner, user__first_name="Nel", user__last_name="Nerve"
    )
    pain_pat = PatientFactory(primary_therapist=owner, pain_baseline=5, user__last_name="Painful")
    quiet_pat = PatientFactory(primary_therapist=owner, user__last_name="Quiet")
    check = SafetyCheck.objects.create(patient=urgent_pat, urgent_signs=["bladder_bowel"])
    people.expected = [
        # urgent, even the newest, before anything else
        _alert(urgent_pat, Alert.Cause.URGENT, 0.5, safety_check=check),
        # red flags: oldest first
        _alert(
            nerve_pat,
            Alert.Cause.RED_FLAG,
            30,
            pain_report=_report(nerve_pat, 6, qualities=["tingling"]),
        ),
        _alert(
            pain_pat, Alert.Cause.RED_FLAG, 2, pain_report=_report(pain_pat, 5, severe_spasm=True)
        ),
        _alert(pain_pat, Alert.Cause.HIGH_PAIN, 5, pain_report=_report(pain_pat, 8)),
        _alert(pain_pat, Alert.Cause.PAIN_RISING, 50, pain_report=_report(pain_pat, 8)),
        _alert(nerve_pat, Alert.Cause.PARTIAL_SESSION, 1),
        _alert(quiet_pat, Alert.Cause.INACTIVE, 80),
        _alert(people.patient_a, Alert.Cause.INACTIVE, 3),
        _alert(people.patient_a, Alert.Cause.SCREEN_WORSE, 100),
    ]
    people.urgent_patient = urgent_pat
    people.pain_patient = pain_pat
    people.other_clinic_alert = _alert(
        people.patient_b,
        Alert.Cause.URGENT,
        200,
        safety_check=SafetyCheck.objects.create(
            patient=people.patient_b, urgent_signs=["bladder_bowel"]
        ),
    )
    return people


def _page(client: Client) -> str:
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    return response.content.decode()


def _header_counts(html: str) -> str:
    """The header's counts as read aloud (the icon is hidden from screen readers)."""
    link = re.search(r'<a [^>]*id="attention-counts">(.*?)</a>', html, re.S)
    assert link is not None, "no counts in the header"
    shown = re.sub(r'<span aria-hidden="true">.*?</span>', "", link.group(1))
    return " ".join(re.sub(r"<[^>]+>", "", shown).split())


def _shown_alerts(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'data-alert="(\d+)"', html)]


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_needs_attention_lists_the_most_severe_first_then_the_longest_waiting(
    client: Client, morning: SimpleNamespace
) -> None:
    verified_login(client, morning.owner.user)
    html = _page(client)
    assert _shown_alerts(html) == [alert.pk for alert in morning.expected]
    # The urgent patient is the first row a therapist reads, with severity as a word.
    first_row = html.split('class="attention-row', 2)[1]
    assert "Urgent" in first_row and "Uma Urgent" in first_row
    assert "Reported urgent warning signs:" in first_row
    assert "30 min" in first_row


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_each_row_says_the_reason_in_words_how_long_it_waited_and_how_to_call(
    client: Client, morning: SimpleNamespace
) -> None:
    Patient.objects.filter(pk=morning.pain_patient.pk).update(phone="+44 20 7946 0001")
    verified_login(client, morning.owner.user)
    html = _page(client)
    assert "Pain 8/10, up 3 on baseline 5." in html  # rising
    assert "High pain: 8/10." in html
    assert "Nerve symptoms reported: pain 6/10, in the morning; tingling" in html
    assert "A severe spasm reported" in html
    assert "No exercise checked off for 3 days." in html
    assert "2 days" in html and "4 days" in html and "5 h" in html
    assert 'href="tel:+442079460001"' in html
    assert "No phone number" in html  # the others have none
    for severity in ("Urgent", "Soon", "Routine"):
        assert severity in html
    assert reverse("admin:patients_patient_change", args=[morning.urgent_patient.pk]) in html


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_acknowledging_with_a_note_closes_the_alert_and_keeps_the_note(
    client: Client, morning: SimpleNamespace
) -> None:
    urgent = morning.expected[0]
    verified_login(client, morning.colleague.user)  # a colleague of the same clinic may act
    response = client.post(
        reverse("admin:needs_attention_acknowledge", args=[urgent.pk]),
        {"note": "Called her: sent to A&E, will call back tomorrow."},
        follow=True,
    )
    assert response.status_code == 200
    urgent.refresh_from_db()
    assert urgent.status == Alert.Status.ACKNOWLEDGED
    assert urgent.note == "Called her: sent to A&E, will call back tomorrow."
    assert urgent.acknowledged_by == morning.colleague.user
    html = response.content.decode()
    assert "Acknowledged" in html
    assert urgent.pk not in _shown_alerts(html)
    assert _header_counts(html) == "Urgent 0 · Needs attention 8"


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_pausing_the_programme_pauses_the_patients_active_prescriptions(
    client: Client, morning: SimpleNamespace, library: None
) -> None:
    item = programme_create(morning.pain_patient)
    alert = morning.expected[3]
    verified_login(client, morning.owner.user)
    response = client.post(reverse("admin:needs_attention_pause", args=[alert.pk]), follow=True)
    assert "Programme paused for" in response.content.decode()
    assert Prescription.objects.get(pk=item.prescription_id).status == Prescription.Status.PAUSED
    assert Alert.objects.get(pk=alert.pk).status == Alert.Status.OPEN  # still to be dealt with


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_a_therapist_of_another_clinic_neither_sees_nor_acts_on_these_alerts(
    client: Client, morning: SimpleNamespace, library: None
) -> None:
    item = programme_create(morning.urgent_patient)
    urgent = morning.expected[0]
    verified_login(client, morning.outsider.user)
    html = _page(client)
    assert _shown_alerts(html) == [morning.other_clinic_alert.pk]
    assert "Uma Urgent" not in html
    assert _header_counts(html) == "Urgent 1 · Needs attention 1"
    ack = client.post(reverse("admin:needs_attention_acknowledge", args=[urgent.pk]), {"note": "x"})
    pause = client.post(reverse("admin:needs_attention_pause", args=[urgent.pk]))
    assert (ack.status_code, pause.status_code) == (404, 404)
    assert Alert.objects.get(pk=urgent.pk).status == Alert.Status.OPEN
    assert Prescription.objects.get(pk=item.prescription_id).status == Prescription.Status.ACTIVE
    # The owner and the colleague see clinic A's nine, not clinic B's.
    for person in (morning.owner, morning.colleague):
        verified_login(client, person.user)
        assert _shown_alerts(_page(client)) == [alert.pk for alert in morning.expected]


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_every_admin_page_shows_the_counts_in_its_header_read_in_one_query(
    client: Client, morning: SimpleNamespace
) -> None:
    verified_login(client, morning.owner.user)
    for url in (
        reverse("admin:index"),
        reverse("admin:patients_patient_changelist"),
        reverse("admin:patients_alert_changelist"),
        reverse("admin:patients_patient_change", args=[morning.urgent_patient.pk]),
    ):
        with CaptureQueriesContext(connection) as queries:
            html = client.get(url).content.decode()
        assert _header_counts(html) == "Urgent 1 · Needs attention 9", url
        counting = [
            q["sql"]
            for q in queries
            if 'FROM "patients_alert"' in q["sql"]
            and "COUNT(" in q["sql"]
            and '"patients_alert"."status" = \'open\'' in q["sql"]
        ]
        assert len(counting) == 1, (url, counting)


@pytest.mark.django_db
def test_the_header_counts_are_one_query() -> None:
    from patients.attention import attention_counts
    from tests.factories import TherapistFactory

    therapist = TherapistFactory()
    patient = PatientFactory(primary_therapist=therapist)
    Alert.objects.create(patient=patient, cause=Alert.Cause.URGENT)
    Alert.objects.create(patient=patient, cause=Alert.Cause.INACTIVE)
    with CaptureQueriesContext(connection) as queries:
        counts = attention_counts(therapist.user)
    assert (counts.urgent, counts.total) == (1, 2)
    assert len(queries) == 1


def _index_queries(client: Client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    return len(queries)


@pytest.mark.django_db
def test_needs_attention_runs_the_same_queries_for_10_and_1000_patients(
    client: Client, clinic_people: SimpleNamespace, library: None
) -> None:
    from django.utils import timezone

    from tests.bulk import clinic_patients_create

    owner = clinic_people.owner
    programme_create(clinic_people.patient_a)
    verified_login(client, owner.user)

    def mixed_alerts(patients: list[Patient]) -> None:
        # Every cause, with what each row reads (reports, check-offs, screens), over the lot.
        for n, patient in enumerate(patients):
            if n % 7 == 1:
                _alert(patient, Alert.Cause.RED_FLAG, n, pain_report=patient.pain_reports.first())
            if n % 7 == 2:
                _alert(
                    patient, Alert.Cause.PARTIAL_SESSION, n, check_off=patient.check_offs.first()
                )
            if n % 7 == 3:
                _alert(
                    patient,
                    Alert.Cause.SCREEN_WORSE,
                    n,
                    screen_result=patient.screen_results.first(),
                )

    first = clinic_patients_create(owner, 9, timezone.now())
    mixed_alerts(first)
    small = _index_queries(client)
    more = clinic_patients_create(owner, 990, timezone.now())
    mixed_alerts(more[:60])
    assert Patient.objects.filter(clinic=clinic_people.clinic_a).count() == 1000
    assert Alert.objects.filter(patient__clinic=clinic_people.clinic_a).count() > 300
    large = _index_queries(client)
    print(f'"Needs attention" queries: {small} for 10 patients, {large} for 1,000')
    assert small == large
    assert CheckOff.objects.exists()


@pytest.mark.django_db
def test_the_patients_phone_number_is_on_their_admin_page_to_fill_in(
    client: Client, clinic_people: SimpleNamespace
) -> None:
    verified_login(client, clinic_people.owner.user)
    url = reverse("admin:patients_patient_change", args=[clinic_people.patient_a.pk])
    html = client.get(url).content.decode()
    assert 'name="phone"' in html
    assert '<label for="id_phone">Phone number:</label>' in html


@pytest.mark.django_db
def test_acknowledging_on_the_alerts_own_page_keeps_the_note(
    client: Client, clinic_people: SimpleNamespace
) -> None:
    alert = Alert.objects.create(patient=clinic_people.patient_a, cause=Alert.Cause.INACTIVE)
    verified_login(client, clinic_people.owner.user)
    url = reverse("admin:patients_alert_change", args=[alert.pk])
    response = client.post(url, {"status": "acknowledged", "note": "Away on holiday; fine."})
    assert response.status_code == 302
    alert.refresh_from_db()
    assert (alert.status, alert.note) == (Alert.Status.ACKNOWLEDGED, "Away on holiday; fine.")
