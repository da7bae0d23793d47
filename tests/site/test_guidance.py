"""What a patient is shown after a pain report, for every combination that matters: the score
(baseline 4, so 6 is the baseline + 2), nerve symptoms, a severe spasm, pain while running, and an
urgent warning sign; with a clinic that hears of it for the first time, one that already has an
open alert of each kind, and one whose therapist's account is inactive.

The expectations below are written from the product's safety rules (README, "Safety"), not
from patients/safety.py, so that a change of rule there shows up here."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from itertools import product
from types import SimpleNamespace

import pytest
from bs4 import BeautifulSoup, Tag
from django.test import Client
from django.utils import timezone

from exercises.wording import squash
from patients.models import Alert, AlertNotice, ClinicWording, PainReport
from patients.safety import URGENT_SIGN_KEYS
from tests.factories import (
    ClinicFactory,
    PatientFactory,
    TherapistFactory,
    programme_create,
    safety_cards_create,
)

PHONE = "020 7946 0000"
HOURS = "Mon–Fri 8:00–18:00"
RED_FLAGS = (
    "International framework for red flags for potential serious spinal pathologies "
    "(Finucane et al., J Orthop Sports Phys Ther 2020)"
)
NG59 = "NICE guideline NG59: Low back pain and sciatica in over 16s"
NPRS = (
    "Numeric Pain Rating Scale (NPRS); a 2-point change is the minimal clinically important "
    "difference (Childs et al., Spine 2005)"
)
STANDARD = "Standard instruction, not from the source documents"

# A sentence of each thing a patient may be shown, to find it on the page.
CARD_QUOTES = {
    "stop-radiating-pain": "Generally, people with nerve compression are asked to avoid running.",
    "stop-severe-spasm": "One should seek proper medical advice in case of a severe spasm.",
    "stop-pain-while-running": "Stop running and give your body some time to heal.",
}
HIGH_PAIN_ADVICE = "Stop the exercise that hurts and do not push through the pain."
RISING_ADVICE = "Your pain is higher than when your care began."
PAUSED = "Your programme is paused until your therapist has reviewed your report of"
RUNNING_PAUSED = "Running is paused too."
URGENT = "Seek urgent medical care now."
EMERGENCY = "Call your local emergency number or go to the nearest emergency department now."
SENT = "We have sent Robin a message asking them to look at this."
ALREADY_OPEN = "Your clinic already has an open alert about this from"
COULD_NOT = (
    f"We could not send a message to your therapist: please phone the clinic on {PHONE} ({HOURS})."
)
NO_ALERT = (
    "Your therapist will see this report next time they look at your record; "
    "it did not raise an alert."
)
NEVER = ["has been told", "will be in touch", "Your therapist will see it with your exercises"]


@dataclass(frozen=True)
class Case:
    score: int
    nerve: bool
    spasm: bool
    running: bool
    urgent: bool

    @property
    def id(self) -> str:
        flags = [
            name
            for name, on in (
                ("nerve", self.nerve),
                ("spasm", self.spasm),
                ("running", self.running),
                ("urgent", self.urgent),
            )
            if on
        ]
        return "-".join([f"pain-{self.score}", *flags])

    def form(self) -> dict[str, object]:
        return {
            "score": str(self.score),
            "moment": "running" if self.running else "morning",
            "qualities": ["radiating"] if self.nerve else ["dull"],
            **({"severe_spasm": "on"} if self.spasm else {}),
            "urgent_signs": ["saddle_numbness"] if self.urgent else ["none"],
            "note": "",
        }


@dataclass
class Expected:
    urgent: bool = False
    cards: list[str] = field(default_factory=list)
    advice: list[str] = field(default_factory=list)
    causes: set[str] = field(default_factory=set)
    held: bool = False


def expected(case: Case, baseline: int = 4) -> Expected:
    """The product's safety rules, as a clinician would read them off the brief."""
    if case.urgent:
        # Urgent care and nothing else; one alert, the most severe; the programme paused.
        return Expected(urgent=True, causes={"urgent"}, held=True)
    result = Expected(held=case.nerve or case.spasm)
    if case.nerve:
        result.cards.append("stop-radiating-pain")
    if case.spasm:
        result.cards.append("stop-severe-spasm")
    if case.running and case.score > 0:
        result.cards.append("stop-pain-while-running")
    if result.cards:
        result.causes.add("red_flag")
    if case.score >= 7:
        result.advice.append(HIGH_PAIN_ADVICE)
        result.causes.add("high_pain")
    elif case.score >= baseline + 2:
        result.advice.append(RISING_ADVICE)
    if case.score >= baseline + 2:
        result.causes.add("pain_rising")
    return result


CASES = [Case(*values) for values in product([0, 5, 6, 7, 10], *[[False, True]] * 4)]
CLINICS = ["first-alert", "alerts-already-open", "therapist-inactive"]


@pytest.fixture
def people(db: None) -> SimpleNamespace:
    clinic = ClinicFactory(name="Riverside Running Clinic", phone=PHONE, opening_hours=HOURS)
    therapist = TherapistFactory(
        clinic=clinic, user__first_name="Robin", user__email="robin@clinic.example"
    )
    patient = PatientFactory(primary_therapist=therapist, pain_baseline=4)
    item = programme_create(patient)
    safety_cards_create()
    return SimpleNamespace(clinic=clinic, therapist=therapist, patient=patient, item=item)


def main_of(html: str) -> Tag:
    main = BeautifulSoup(html, "html.parser").find("main")
    assert isinstance(main, Tag)
    return main


def assert_every_sentence_says_where_it_comes_from(main: Tag) -> None:
    """Each paragraph, list item and heading the portal writes is marked: the portal's standard
    wording with its label and the guidance it follows, the clinic's with its label, or a plain
    fact about the patient's record. The library's cards mark their own lines (its walker,
    tests/site/test_content_provenance.py, reads them)."""
    for element in main.find_all(["p", "li", "h1"]):
        if element.find_parent(["form", "nav", "details"]) or element.find(["p", "li"]):
            continue
        if element.find_parent(class_="education-card"):
            continue
        if not squash(element.get_text(" ")):
            continue
        marked = element if element.has_attr("data-provenance") else None
        marked = marked or element.find_parent(attrs={"data-provenance": True})
        if element.name == "h1" and marked is None:
            continue  # the page's own title ("Thank you", "Today…")
        assert marked is not None, f"a sentence says nowhere where it comes from: {element}"
        provenance = marked["data-provenance"]
        assert provenance in {"document", "standard", "clinic", "interface"}, marked
        if provenance == "standard":
            label = marked.select_one(".provenance-standard")
            assert label is not None and STANDARD in label.get_text(), marked
            assert "follows" in label.get_text(), marked  # the guidance, by name
        if provenance == "clinic":
            label = marked.select_one(".provenance-clinic")
            assert label is not None and "Your clinic's instructions" in label.get_text(), marked


def open_every_alert(patient, days_ago: int = 3) -> None:
    opened = timezone.now() - timedelta(days=days_ago)
    for cause in ("urgent", "red_flag", "high_pain", "pain_rising"):
        Alert.objects.create(patient=patient, cause=cause, created_at=opened)


@pytest.mark.django_db
@pytest.mark.parametrize("clinic_state", CLINICS)
@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_the_guidance_after_a_report(
    client: Client, people: SimpleNamespace, case: Case, clinic_state: str
) -> None:
    patient = people.patient
    if clinic_state == "alerts-already-open":
        open_every_alert(patient)
    if clinic_state == "therapist-inactive":
        people.therapist.user.is_active = False
        people.therapist.user.save()
    alerts_before = set(Alert.objects.values_list("pk", flat=True))
    client.force_login(patient.user)
    want = expected(case)

    response = client.post("/pain/new/", case.form(), follow=True)
    assert response.status_code == 200
    html = response.content.decode()
    main = main_of(html)
    text = squash(main.get_text(" "))
    report = PainReport.objects.get()

    # What the patient is shown.
    assert PHONE in text and HOURS in text
    if want.urgent:
        assert main.select_one(".urgent-care h1").get_text().startswith(URGENT)
        assert EMERGENCY in text
        assert not main.select(".education-card, .guidance, .guidance-advice")
        for words in [*CARD_QUOTES.values(), HIGH_PAIN_ADVICE, RISING_ADVICE, "exercise that"]:
            assert words not in text
    else:
        assert not main.select(".urgent-care")
        for slug, quote in CARD_QUOTES.items():
            # The card itself; its quote may also be shown as one side of a disagreement
            # beside another card.
            card = main.select_one(f"#card-{slug}")
            assert (card is not None) == (slug in want.cards), (slug, text)
            if card is not None:
                assert quote in card.get_text(" "), slug
        assert (HIGH_PAIN_ADVICE in text) == (HIGH_PAIN_ADVICE in want.advice)
        assert (RISING_ADVICE in text) == (RISING_ADVICE in want.advice)
        assert (PAUSED in text) == want.held
        assert (RUNNING_PAUSED in text) == want.held
    for claim in NEVER:
        assert claim not in text
    assert_every_sentence_says_where_it_comes_from(main)

    # What the clinic was told, and what the patient is told about it.
    notices = AlertNotice.objects.filter(pain_report=report).select_related("alert")
    assert {notice.cause for notice in notices} == want.causes
    new_alerts = Alert.objects.exclude(pk__in=alerts_before)
    if not want.causes:
        assert NO_ALERT in text
        assert not new_alerts.exists()
        assert not any(words in text for words in (SENT, ALREADY_OPEN, COULD_NOT))
    elif clinic_state == "first-alert":
        assert {alert.cause for alert in new_alerts} == want.causes
        assert all(alert.delivery == "pending" for alert in new_alerts)
        assert SENT in text
        assert not any(words in text for words in (ALREADY_OPEN, COULD_NOT, NO_ALERT))
    elif clinic_state == "alerts-already-open":
        assert not new_alerts.exists()  # the report joined them
        assert {notice.outcome for notice in notices} == {"already_open"}
        opened = (timezone.now() - timedelta(days=3)).astimezone(patient.zone)
        assert f"{ALREADY_OPEN} {opened:%-d %B %Y}; this report has been added to it." in text
        assert not any(words in text for words in (SENT, COULD_NOT, NO_ALERT))
    else:
        assert {alert.cause for alert in new_alerts} == want.causes
        assert {alert.delivery for alert in new_alerts} == {"skipped"}
        assert COULD_NOT in text
        assert not any(words in text for words in (SENT, ALREADY_OPEN, NO_ALERT))

    # The programme: paused (with the clinic's phone on Today) or not.
    patient.refresh_from_db()
    assert patient.programme_held == want.held
    today = squash(main_of(client.get("/today/").content.decode()).get_text(" "))
    assert (PAUSED in today) == want.held
    if want.held:
        assert PHONE in today and HOURS in today
        hold_alert = Alert.objects.get(pk=patient.programme_held_alert_id)
        assert hold_alert.cause == ("urgent" if want.urgent else "red_flag")


# The wording itself ----------------------------------------------------------------------------

NUMBER = re.compile(
    r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|twice|daily|weekly)\b", re.I
)


def test_the_standard_wording_states_no_number_and_names_the_guidance_it_follows() -> None:
    from patients.safety import STANDARD_TEXTS

    assert len(STANDARD_TEXTS) == 16
    for key, standard in STANDARD_TEXTS.items():
        assert not NUMBER.search(standard.text), (key, standard.text)
        assert standard.basis and set(standard.basis) <= {RED_FLAGS, NG59, NPRS}, key
    for key in ("saddle_numbness", "bladder_bowel", "leg_weakness", "urgent_advice"):
        assert RED_FLAGS in STANDARD_TEXTS[key].basis
    for key in ("high_pain_advice", "pain_rising_advice", "check_off_pain_advice"):
        assert NPRS in STANDARD_TEXTS[key].basis
    assert STANDARD_TEXTS["emergency"].text == EMERGENCY


# The clinic's own wording ----------------------------------------------------------------------


@pytest.mark.django_db
def test_the_clinics_own_wording_replaces_the_standard_text_with_author_and_date(
    client: Client, people: SimpleNamespace
) -> None:
    author = TherapistFactory(
        clinic=people.clinic, user__first_name="Jo", user__last_name="Okafor"
    ).user
    ClinicWording.objects.create(
        clinic=people.clinic, key="emergency", text="Call 999 or go to A&E.", written_by=author
    )
    other_clinic = ClinicFactory()
    ClinicWording.objects.create(
        clinic=other_clinic, key="urgent_reason", text="Another clinic's words.", written_by=author
    )
    client.force_login(people.patient.user)
    data = {"score": "3", "moment": "morning", "urgent_signs": ["night_pain"]}
    main = main_of(client.post("/pain/new/", data, follow=True).content.decode())
    emergency = main.select_one('[data-wording="emergency"]').find_parent(
        attrs={"data-provenance": True}
    )
    assert emergency["data-provenance"] == "clinic"
    label = emergency.select_one(".provenance-clinic").get_text()
    assert "Your clinic's instructions · Jo Okafor," in label
    assert timezone.localdate().strftime("%-d %B %Y") in label
    text = squash(main.get_text(" "))
    assert "Call 999 or go to A&E." in text and EMERGENCY not in text
    assert "Another clinic's words." not in text  # a clinic's wording stays in that clinic
    assert_every_sentence_says_where_it_comes_from(main)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("key", "text", "problem"),
    [
        ("emergency", "   ", "Write the text your patients should read."),
        ("emergency", "Call {number}", "This text takes no placeholder"),
        ("programme_held", "Paused since {when}.", "The only placeholder this text may use"),
    ],
)
def test_a_bad_clinic_wording_is_refused(
    people: SimpleNamespace, key: str, text: str, problem: str
) -> None:
    from django.core.exceptions import ValidationError

    wording = ClinicWording(clinic=people.clinic, key=key, text=text)
    with pytest.raises(ValidationError, match=re.escape(problem)):
        wording.full_clean()


@pytest.mark.django_db
def test_a_clinic_wording_of_the_pause_may_name_the_date(
    client: Client, people: SimpleNamespace
) -> None:
    ClinicWording.objects.create(
        clinic=people.clinic,
        key="programme_held",
        text="Paused since {date}: Robin will call you.",
        written_by=people.therapist.user,
    )
    client.force_login(people.patient.user)
    data = {"score": "3", "moment": "morning", "qualities": ["tingling"], "urgent_signs": "none"}
    client.post("/pain/new/", data)
    today = squash(main_of(client.get("/today/").content.decode()).get_text(" "))
    day = people.patient.local_today()
    assert f"Paused since {day:%A} {day.day} {day:%B}: Robin will call you." in today
    assert PAUSED not in today


# The first-login check, and a check-off that hurt -----------------------------------------------


@pytest.mark.django_db
def test_the_first_login_asks_the_warning_signs_once(
    client: Client, people: SimpleNamespace
) -> None:
    patient = people.patient
    patient.safety_check_at = None
    patient.save()
    client.force_login(patient.user)
    assert client.get("/today/").headers["Location"] == "/safety-check/"
    page = main_of(client.get("/safety-check/").content.decode())
    assert "Before your first exercises" in page.get_text()
    signs = [label.get_text() for label in page.select(".urgent-signs label")]
    assert signs == [
        "Numbness in the saddle area: between your legs or around your bottom",
        "New problems controlling your bladder or bowel, or new difficulty passing urine",
        "Weakness in your legs that is getting worse",
        "Back pain with a fever, or feeling generally unwell",
        "Severe pain at night",
        "A recent fall or accident",
        "None of these",
    ]
    label = page.select_one(".urgent-signs .provenance-standard").get_text()
    assert STANDARD in label and RED_FLAGS in label and NG59 in label

    done = client.post("/safety-check/", {"urgent_signs": "none"}, follow=True)
    assert "You told us you have none of these warning signs now." in done.content.decode()
    patient.refresh_from_db()
    assert patient.safety_check_at is not None and not patient.programme_held
    assert patient.safety_checks.get().urgent_signs == []
    assert client.get("/today/").status_code == 200  # asked once
    assert not Alert.objects.exists()


@pytest.mark.django_db
def test_a_warning_sign_at_the_first_login_means_urgent_care_an_alert_and_a_pause(
    client: Client, people: SimpleNamespace
) -> None:
    patient = people.patient
    patient.safety_check_at = None
    patient.save()
    client.force_login(patient.user)
    answer = {"urgent_signs": ["fall_accident", "leg_weakness"]}
    main = main_of(client.post("/safety-check/", answer, follow=True).content.decode())
    text = squash(main.get_text(" "))
    assert main.select_one(".urgent-care h1").get_text().startswith(URGENT)
    assert EMERGENCY in text and PHONE in text and HOURS in text and SENT in text
    assert not main.select(".education-card") and "exercise that" not in text
    assert_every_sentence_says_where_it_comes_from(main)
    check = patient.safety_checks.get()
    assert check.urgent_signs == ["leg_weakness", "fall_accident"]  # in the question's order
    alert = Alert.objects.get()
    assert (alert.cause, alert.safety_check, alert.hold_reason) == ("urgent", check, "urgent_sign")
    patient.refresh_from_db()
    assert patient.programme_held and patient.programme_held_alert == alert
    today = client.get("/today/")
    assert today.status_code == 200 and PAUSED in today.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ({"urgent_signs": ["none", "night_pain"]}, "You ticked “None of these” and a warning sign"),
        ({"urgent_signs": ["back_ache"]}, "“back_ache” is not one of the warning signs"),
        ({}, "Tell us if you have any of these warning signs"),
    ],
    ids=["none-and-a-sign", "unknown-sign", "unanswered"],
)
def test_a_bad_answer_to_the_warning_signs_changes_nothing(
    client: Client, people: SimpleNamespace, answer: dict[str, object], message: str
) -> None:
    patient = people.patient
    patient.safety_check_at = None
    patient.save()
    client.force_login(patient.user)
    response = client.post("/safety-check/", answer)
    assert response.status_code == 400
    assert message in response.content.decode()
    patient.refresh_from_db()
    assert patient.safety_check_at is None and not patient.safety_checks.exists()
    assert not Alert.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("pain", [6, 7, 10])
def test_an_exercise_rated_seven_or_more_for_pain_gives_advice_and_an_alert(
    client: Client, people: SimpleNamespace, pain: int
) -> None:
    client.force_login(people.patient.user)
    client.post(f"/today/exercises/{people.item.pk}/check-off/")
    check_off = people.patient.check_offs.get()
    response = client.post(
        f"/today/check-offs/{check_off.pk}/rate/", {"pain_during": str(pain)}, follow=True
    )
    main = main_of(response.content.decode())
    text = squash(main.get_text(" "))
    if pain >= 7:
        assert f"You rated your pain during Glute bridge (hip bridge) {pain}/10" in text
        assert "Stop this exercise for now and do not push through the pain." in text
        assert PHONE in text and SENT in text
        assert_every_sentence_says_where_it_comes_from(main)
        assert Alert.objects.get().check_off == check_off
        # Asked again (a retried request): one alert, one notice.
        client.post(f"/today/check-offs/{check_off.pk}/rate/", {"pain_during": str(pain)})
        assert AlertNotice.objects.count() == 1
    else:
        assert "Thanks: your therapist will see how it went." in text
        # Above 5 during an exercise is more than the pain-monitoring model accepts: a routine
        # "painful session" alert for the therapist's list, not the high-pain alert.
        assert list(Alert.objects.values_list("cause", flat=True)) == [Alert.Cause.PARTIAL_SESSION]


@pytest.mark.django_db
def test_a_clinic_without_a_phone_number_says_so_instead_of_inventing_one(
    client: Client, people: SimpleNamespace
) -> None:
    people.clinic.phone = ""
    people.clinic.save()
    people.therapist.user.is_active = False
    people.therapist.user.save()
    client.force_login(people.patient.user)
    html = client.post(
        "/pain/new/", {"score": "9", "moment": "morning", "urgent_signs": "none"}, follow=True
    ).content.decode()
    text = squash(main_of(html).get_text(" "))
    assert "has not added its phone number to the portal" in text
    assert "We could not send a message to your therapist: please contact your clinic." in text


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "quote"),
    [
        ({"qualities": ["numbness"]}, CARD_QUOTES["stop-radiating-pain"]),
        ({"qualities": ["spasm"], "severe_spasm": "on"}, CARD_QUOTES["stop-severe-spasm"]),
        ({"moment": "running"}, CARD_QUOTES["stop-pain-while-running"]),
    ],
    ids=["nerve", "spasm", "running"],
)
def test_the_shipped_library_cards_are_shown_in_full_beside_the_pause(
    client: Client, library: None, fields: dict[str, object], quote: str
) -> None:
    """The same guidance with the library the portal ships, not the tests' own cards."""
    from exercises.models import EducationCard

    therapist = TherapistFactory(clinic=ClinicFactory(phone=PHONE, opening_hours=HOURS))
    patient = PatientFactory(primary_therapist=therapist, pain_baseline=4)
    client.force_login(patient.user)
    data = {"score": "4", "moment": "morning", "urgent_signs": "none", **fields}
    main = main_of(client.post("/pain/new/", data, follow=True).content.decode())
    text = squash(main.get_text(" "))
    assert quote in text
    slug = next(slug for slug, card_quote in CARD_QUOTES.items() if card_quote == quote)
    for line in EducationCard.objects.get(slug=slug).lines.all():
        assert squash(line.text) in text  # the card in full
    assert (PAUSED in text) == ("running" not in fields.get("moment", ""))
    assert PHONE in text
    assert_every_sentence_says_where_it_comes_from(main)


@pytest.mark.django_db
@pytest.mark.parametrize("sign", URGENT_SIGN_KEYS)
def test_each_warning_sign_alone_sends_the_patient_to_urgent_care(
    client: Client, people: SimpleNamespace, sign: str
) -> None:
    client.force_login(people.patient.user)
    data = {"score": "2", "moment": "morning", "qualities": ["dull"], "urgent_signs": [sign]}
    main = main_of(client.post("/pain/new/", data, follow=True).content.decode())
    text = squash(main.get_text(" "))
    assert URGENT in text and EMERGENCY in text and PHONE in text
    assert not main.select(".education-card")  # no exercise advice on the same screen
    assert list(Alert.objects.values_list("cause", flat=True)) == ["urgent"]
    people.patient.refresh_from_db()
    assert people.patient.programme_held


@pytest.mark.django_db
@pytest.mark.parametrize("quality", ["radiating", "tingling", "numbness"])
def test_each_nerve_symptom_alone_shows_the_documents_advice_and_pauses_running(
    client: Client, people: SimpleNamespace, quality: str
) -> None:
    client.force_login(people.patient.user)
    data = {"score": "2", "moment": "morning", "qualities": [quality], "urgent_signs": ["none"]}
    main = main_of(client.post("/pain/new/", data, follow=True).content.decode())
    card = main.select_one("#card-stop-radiating-pain")
    assert card is not None and CARD_QUOTES["stop-radiating-pain"] in card.get_text(" ")
    assert PAUSED in squash(main.get_text(" ")) and RUNNING_PAUSED in main.get_text(" ")
    assert list(Alert.objects.values_list("cause", flat=True)) == ["red_flag"]
