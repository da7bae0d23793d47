"""Pain reports: NPRS 0–10, the documents' guidance at once for a red flag, standard advice for
high or rising pain, and a truthful account of what the clinic was told.

The four `test_finding_*` tests are the clinicians' findings, written before their fix."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from types import SimpleNamespace

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from patients.models import Alert, CheckOff, PainReport
from tests.factories import (
    ClinicFactory,
    PatientFactory,
    TherapistFactory,
    programme_create,
    safety_cards_create,
)

PHONE = "020 7946 0000"
HOURS = "Mon–Fri 8:00–18:00"
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def people(db: None) -> SimpleNamespace:
    """Alex (pain baseline 4) with a one-exercise programme; Robin, Alex's therapist; the
    library's safety cards."""
    clinic = ClinicFactory(name="Riverside Running Clinic")
    clinic.phone = PHONE
    clinic.opening_hours = HOURS
    clinic.save()
    therapist = TherapistFactory(
        clinic=clinic, user__first_name="Robin", user__email="robin@clinic.example"
    )
    patient = PatientFactory(primary_therapist=therapist, pain_baseline=4, user__first_name="Alex")
    item = programme_create(patient)
    safety_cards_create()
    return SimpleNamespace(clinic=clinic, therapist=therapist, patient=patient, item=item)


@pytest.fixture
def alex(client: Client, people: SimpleNamespace) -> Client:
    client.force_login(people.patient.user)
    return client


def report(client: Client, **fields: object):
    data: dict[str, object] = {
        "score": "3",
        "moment": "morning",
        "note": "",
        "urgent_signs": ["none"],
    }
    data.update(fields)
    return client.post("/pain/new/", data, follow=True)


def next_evening(patient) -> datetime:
    """18:01 tomorrow in the patient's zone: the programme's reminder is due."""
    tomorrow = patient.local_today() + timedelta(days=1)
    return datetime.combine(tomorrow, time(18, 1), tzinfo=patient.zone)


# The clinicians' findings --------------------------------------------------------------------


@pytest.mark.django_db
def test_finding_1_nerve_symptoms_pause_running_the_programme_and_its_reminders(
    alex: Client, people: SimpleNamespace
) -> None:
    from patients.reminders import reminders_tick

    html = report(alex, score="4", qualities=["radiating"]).content.decode()
    assert "Generally, people with nerve compression are asked to avoid running." in html
    assert "Running is paused too." in html
    # The card no longer advises running on; where the documents disagree on it, the question
    # is shown with both sides, not as advice.
    from bs4 import BeautifulSoup

    page = BeautifulSoup(html, "html.parser")
    for box in page.select(".disagreement"):
        assert "neither is settled" in box.get_text()
        box.decompose()
    assert "keep running" not in page.get_text(" ").lower()

    today = alex.get("/today/").content.decode()
    assert "Your programme is paused until your therapist has reviewed your report of" in today
    assert PHONE in today and HOURS in today
    assert "btn-check-off" not in today  # nothing to tick off while the programme is paused
    refused = alex.post(f"/today/exercises/{people.item.pk}/check-off/", follow=True)
    assert "Your programme is paused" in refused.content.decode()
    assert not CheckOff.objects.exists()

    with time_machine.travel(next_evening(people.patient), tick=False):
        assert reminders_tick().reminders_recorded == 0


@pytest.mark.django_db
@pytest.mark.parametrize("score", ["7", "6"], ids=["pain-7", "baseline-plus-2"])
def test_finding_2_high_or_rising_pain_gives_advice_and_a_way_to_reach_the_clinic(
    alex: Client, score: str
) -> None:
    html = report(alex, score=score).content.decode()
    assert "Your therapist will see it with your exercises" not in html
    assert "do not push through the pain" in html
    assert PHONE in html and HOURS in html
    assert "We have sent Robin a message asking them to look at this." in html


@pytest.mark.django_db
@pytest.mark.parametrize("htmx", [False, True], ids=["plain-form", "htmx"])
def test_finding_2_a_check_off_rated_ten_raises_an_alert_and_shows_advice(
    alex: Client, people: SimpleNamespace, htmx: bool
) -> None:
    alex.post(f"/today/exercises/{people.item.pk}/check-off/")
    check_off = CheckOff.objects.get()
    extra = HTMX if htmx else {}
    response = alex.post(f"/today/check-offs/{check_off.pk}/rate/", {"pain_during": "10"}, **extra)
    guidance_url = f"/pain/check-off/{check_off.pk}/"
    if htmx:
        assert response.headers["HX-Redirect"] == guidance_url
    else:
        assert response.headers["Location"] == guidance_url
    html = alex.get(guidance_url).content.decode()
    assert "Stop this exercise for now" in html
    assert PHONE in html and HOURS in html
    assert "We have sent Robin a message asking them to look at this." in html
    alert = Alert.objects.get()
    assert (alert.cause, alert.check_off) == (Alert.Cause.HIGH_PAIN, check_off)


@pytest.mark.django_db
def test_finding_3_an_alert_already_open_is_not_claimed_as_a_new_message(
    alex: Client, people: SimpleNamespace
) -> None:
    earlier = timezone.now() - timedelta(days=2)
    Alert.objects.create(patient=people.patient, cause=Alert.Cause.RED_FLAG, created_at=earlier)
    html = report(alex, qualities=["radiating"]).content.decode()
    assert "has been told" not in html and "will be in touch" not in html
    assert "We have sent" not in html
    day = earlier.astimezone(people.patient.zone)
    assert (
        f"Your clinic already has an open alert about this from {day:%-d %B %Y}; "
        "this report has been added to it." in html
    )
    assert Alert.objects.count() == 1


@pytest.mark.django_db
def test_finding_3_an_inactive_therapist_is_not_claimed_as_told(
    alex: Client, people: SimpleNamespace
) -> None:
    people.therapist.user.is_active = False
    people.therapist.user.save()
    html = report(alex, score="8", qualities=["radiating"]).content.decode()
    assert "has been told" not in html and "will be in touch" not in html
    assert "We have sent" not in html
    assert (
        f"We could not send a message to your therapist: please phone the clinic on {PHONE} "
        f"({HOURS})" in html
    )
    alerts = Alert.objects.all()
    assert len(alerts) == 3  # still recorded, for the clinic to see
    assert {alert.delivery for alert in alerts} == {"skipped"}
    assert all("no active recipient" in alert.last_error for alert in alerts)


@pytest.mark.django_db
def test_finding_4_urgent_warning_signs_are_asked_and_explained(
    client: Client, people: SimpleNamespace
) -> None:
    patient = people.patient
    patient.safety_check_at = None
    patient.save()
    client.force_login(patient.user)

    first = client.get("/today/")
    assert first.status_code == 302 and first.headers["Location"] == "/safety-check/"
    check = client.get("/safety-check/").content.decode()
    for sign in ("saddle area", "bladder or bowel", "Weakness in your legs", "fever"):
        assert sign in check
    form = client.get("/pain/new/").content.decode()
    assert "saddle area" in form and "None of these" in form

    html = report(client, score="5", qualities=["radiating"], urgent_signs=["bladder_bowel"])
    html = html.content.decode()
    assert "Seek urgent medical care now" in html
    assert "Call your local emergency number or go to the nearest emergency department now." in (
        html
    )
    assert "nerve compression" not in html  # no card, no exercise advice on this screen
    assert Alert.objects.get().cause == Alert.Cause.URGENT


# Reports and their guidance ------------------------------------------------------------------


@pytest.mark.django_db
def test_an_ordinary_report_is_saved_without_alarm(alex: Client, people: SimpleNamespace) -> None:
    response = report(alex, qualities=["dull"])
    html = response.content.decode()
    assert "You reported pain <strong>3/10</strong> (when: in the morning)" in html
    assert "Please read this now" not in html
    assert (
        "Your therapist will see this report next time they look at your record; "
        "it did not raise an alert." in html
    )
    assert PHONE in html
    saved = PainReport.objects.get()
    assert (saved.score, saved.qualities, saved.red_flag) == (3, ["dull"], False)
    assert saved.urgent_signs == []
    assert saved.local_date == people.patient.local_today()
    assert not Alert.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "card_title", "quote"),
    [
        (
            {"qualities": ["radiating"]},
            "Pain that radiates or tingles into your thigh or knee",
            "it is advised to go to a physical therapist to get yourself assessed properly.",
        ),
        (
            {"qualities": ["tingling"]},
            "Pain that radiates or tingles into your thigh or knee",
            "This is a type of radiating, tingling pain",
        ),
        (
            {"qualities": ["numbness"]},
            "Pain that radiates or tingles into your thigh or knee",
            "Generally, people with nerve compression are asked to avoid running.",
        ),
        (
            {"qualities": ["spasm"], "severe_spasm": "on"},
            "A severe spasm that stops your trunk moving",
            "One should seek proper medical advice in case of a severe spasm.",
        ),
        (
            {"moment": "running"},
            "Pain while you run",
            "Stop running and give your body some time to heal.",
        ),
    ],
)
def test_a_red_flag_shows_the_documents_guidance_at_once_and_marks_the_report(
    alex: Client, fields: dict[str, object], card_title: str, quote: str
) -> None:
    html = report(alex, **fields).content.decode()
    assert "Please read this now" in html
    assert card_title in html
    assert quote in html
    assert "Lower back pain after running" in html  # the source document's title
    saved = PainReport.objects.get()
    assert saved.red_flag is True
    assert Alert.objects.get(cause=Alert.Cause.RED_FLAG).pain_report == saved


@pytest.mark.django_db
def test_a_mild_spasm_is_not_a_red_flag(alex: Client) -> None:
    html = report(alex, qualities=["spasm"]).content.decode()
    assert "Please read this now" not in html
    assert PainReport.objects.get().red_flag is False


@pytest.mark.django_db
def test_high_and_rising_pain_raise_one_alert_each_until_acknowledged(alex: Client) -> None:
    report(alex, score="7")  # baseline 4: high, and up 3
    html = report(alex, score="8").content.decode()
    causes = sorted(Alert.objects.values_list("cause", flat=True))
    assert causes == [Alert.Cause.HIGH_PAIN, Alert.Cause.PAIN_RISING]
    assert PainReport.objects.count() == 2
    assert "already has an open alert about this" in html


# Bad input changes nothing -------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("score", ["11", "-1", "3.5", "abc", ""])
def test_a_bad_pain_score_changes_nothing_and_says_why(alex: Client, score: str) -> None:
    response = alex.post(
        "/pain/new/", {"score": score, "moment": "morning", "urgent_signs": "none"}
    )
    assert response.status_code == 400
    message = (
        "Choose your pain from 0 to 10."
        if score == ""
        else "Choose a whole number from 0 (no pain) to 10 (worst pain imaginable)."
    )
    assert message in response.content.decode()
    assert not PainReport.objects.exists()


@pytest.mark.django_db
def test_an_empty_form_changes_nothing_and_says_why(alex: Client) -> None:
    response = alex.post("/pain/new/", {})
    html = response.content.decode()
    assert response.status_code == 400
    assert "Choose your pain from 0 to 10." in html and "Tell us when you feel it." in html
    assert "Tell us if you have any of these warning signs" in html
    assert not PainReport.objects.exists()


@pytest.mark.django_db
def test_an_unknown_feeling_or_a_long_note_is_refused(alex: Client) -> None:
    base = {"score": "2", "moment": "morning", "urgent_signs": "none"}
    assert alex.post("/pain/new/", {**base, "qualities": ["burning"]}).status_code == 400
    assert alex.post("/pain/new/", {**base, "note": "x" * 1001}).status_code == 400
    assert not PainReport.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("signs", "message"),
    [
        (["none", "saddle_numbness"], "You ticked “None of these” and a warning sign"),
        (["headache"], "“headache” is not one of the warning signs we ask about."),
        ([], "Tell us if you have any of these warning signs"),
    ],
    ids=["none-and-a-sign", "unknown-sign", "unanswered"],
)
def test_bad_urgent_sign_answers_change_nothing_and_say_why(
    alex: Client, people: SimpleNamespace, signs: list[str], message: str
) -> None:
    response = alex.post("/pain/new/", {"score": "2", "moment": "morning", "urgent_signs": signs})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not PainReport.objects.exists() and not Alert.objects.exists()
    people.patient.refresh_from_db()
    assert people.patient.programme_held_at is None


@pytest.mark.django_db
def test_a_pain_report_without_a_csrf_token_is_refused(people: SimpleNamespace) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(people.patient.user)
    data = {"score": "3", "moment": "morning", "urgent_signs": "none"}
    assert client.post("/pain/new/", data).status_code == 403
    assert not PainReport.objects.exists()
