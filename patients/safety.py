"""The portal's standard safety wording, as data.

The five documents say what to do about radiating pain, a severe spasm and pain while running
(the library's cards); they say nothing about the warning signs of a serious spinal problem or
about what to do when pain is high. What a patient reads about those is written here: plain,
short, with no number but the patient's own score, never contradicting the documents, each text
marked on the page as standard wording and naming the published guidance it follows.

A clinic may replace any text with its own (`patients.models.ClinicWording`); the page then shows
the clinic's words as the clinic's, with who wrote them and when.

Below the wording: what a report calls for (`PainAssessment`), and what each page of guidance
shows (`Guidance`), read in a fixed number of queries. The writes (alerts, the programme hold)
are in patients/services.py.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.formats import date_format

from exercises.selectors import education_with_citations
from patients.models import (
    Alert,
    AlertNotice,
    CheckOff,
    Clinic,
    ClinicWording,
    HoldReason,
    Outgoing,
    PainReport,
    Patient,
    SafetyCheck,
)

logger = logging.getLogger(__name__)

RED_FLAGS_FRAMEWORK = (
    "International framework for red flags for potential serious spinal pathologies "
    "(Finucane et al., J Orthop Sports Phys Ther 2020)"
)
NICE_NG59 = "NICE guideline NG59: Low back pain and sciatica in over 16s"
NPRS = (
    "Numeric Pain Rating Scale (NPRS); a 2-point change is the minimal clinically important "
    "difference (Childs et al., Spine 2005)"
)

STANDARD_LABEL = "Standard instruction, not from the source documents"
CLINIC_LABEL = "Your clinic's instructions"


class Provenance(StrEnum):
    """Where a sentence the portal writes comes from (the documents' own sentences are the
    library's lines). The page carries it as `data-provenance`."""

    STANDARD = "standard"  # the portal's standard wording, with the guidance it follows
    CLINIC = "clinic"  # the clinic's own wording, with author and date
    INTERFACE = "interface"  # plain facts: the patient's record, what the clinic was told


@dataclass(frozen=True)
class StandardText:
    key: str
    label: str  # what the clinic's admin calls it
    text: str
    basis: tuple[str, ...]
    # A text that names a date writes "{date}" where it goes.
    placeholders: tuple[str, ...] = ()


URGENT_SIGNS: tuple[StandardText, ...] = (
    StandardText(
        "saddle_numbness",
        "Warning sign: saddle numbness",
        "Numbness in the saddle area: between your legs or around your bottom",
        (RED_FLAGS_FRAMEWORK, NICE_NG59),
    ),
    StandardText(
        "bladder_bowel",
        "Warning sign: bladder or bowel",
        "New problems controlling your bladder or bowel, or new difficulty passing urine",
        (RED_FLAGS_FRAMEWORK, NICE_NG59),
    ),
    StandardText(
        "leg_weakness",
        "Warning sign: leg weakness",
        "Weakness in your legs that is getting worse",
        (RED_FLAGS_FRAMEWORK, NICE_NG59),
    ),
    StandardText(
        "fever_unwell",
        "Warning sign: fever or unwell",
        "Back pain with a fever, or feeling generally unwell",
        (RED_FLAGS_FRAMEWORK,),
    ),
    StandardText(
        "night_pain",
        "Warning sign: night pain",
        "Severe pain at night",
        (RED_FLAGS_FRAMEWORK,),
    ),
    StandardText(
        "fall_accident",
        "Warning sign: fall or accident",
        "A recent fall or accident",
        (RED_FLAGS_FRAMEWORK,),
    ),
)

ADVICE: tuple[StandardText, ...] = (
    StandardText(
        "urgent_intro",
        "Warning signs: why we ask",
        "Back pain is rarely a sign of something serious, but a few signs need urgent medical "
        "care. Please tell us if you have any of them.",
        (RED_FLAGS_FRAMEWORK, NICE_NG59),
    ),
    StandardText(
        "urgent_question",
        "Warning signs: the question",
        "Do you have any of these now?",
        (RED_FLAGS_FRAMEWORK, NICE_NG59),
    ),
    StandardText(
        "urgent_advice",
        "Urgent: what to do (heading)",
        "Seek urgent medical care now.",
        (RED_FLAGS_FRAMEWORK, NICE_NG59),
    ),
    StandardText(
        "urgent_reason",
        "Urgent: why",
        "The signs you told us about can come from a serious problem in the back that a doctor "
        "needs to check straight away. Do not wait for your next appointment, and do not do "
        "your exercises until you have been seen.",
        (RED_FLAGS_FRAMEWORK, NICE_NG59),
    ),
    StandardText(
        "emergency",
        "Urgent: where to go",
        "Call your local emergency number or go to the nearest emergency department now.",
        (RED_FLAGS_FRAMEWORK, NICE_NG59),
    ),
    StandardText(
        "watch_for_urgent_signs",
        "Warning signs: reminder",
        "If any of the urgent warning signs appear, seek urgent medical care now.",
        (RED_FLAGS_FRAMEWORK,),
    ),
    StandardText(
        "high_pain_advice",
        "High pain: advice",
        "Stop the exercise that hurts and do not push through the pain. Contact your clinic "
        "before you do it again. If the pain gets worse, or any of the urgent warning signs "
        "appear, seek urgent medical care.",
        (NPRS, NICE_NG59),
    ),
    StandardText(
        "pain_rising_advice",
        "Pain rising: advice",
        "Your pain is higher than when your care began. Stop any exercise that makes it worse "
        "and do not push through the pain. Contact your clinic if it does not settle. If the "
        "pain gets worse, or any of the urgent warning signs appear, seek urgent medical care.",
        (NPRS, NICE_NG59),
    ),
    StandardText(
        "check_off_pain_advice",
        "Exercise that hurt: advice",
        "Stop this exercise for now and do not push through the pain. Contact your clinic "
        "before you do it again. If the pain gets worse, or any of the urgent warning signs "
        "appear, seek urgent medical care.",
        (NPRS, NICE_NG59),
    ),
    StandardText(
        "programme_held",
        "Programme paused",
        "Your programme is paused until your therapist has reviewed your report of {date}. "
        "Running is paused too.",
        (NICE_NG59, RED_FLAGS_FRAMEWORK),
        placeholders=("date",),
    ),
)

STANDARD_TEXTS: dict[str, StandardText] = {text.key: text for text in (*URGENT_SIGNS, *ADVICE)}
KEY_CHOICES = [(text.key, text.label) for text in (*URGENT_SIGNS, *ADVICE)]
URGENT_SIGN_KEYS = tuple(sign.key for sign in URGENT_SIGNS)
NONE_OF_THESE = "none"


class Override(Protocol):
    """What a clinic's own wording offers (a `ClinicWording`)."""

    text: str
    updated_at: datetime

    @property
    def author(self) -> str: ...


@dataclass(frozen=True)
class Wording:
    """One text as a patient reads it, with where it comes from."""

    key: str
    text: str
    provenance: Provenance
    basis: tuple[str, ...] = ()
    author: str = ""
    written_on: date | None = None

    @property
    def basis_text(self) -> str:
        return "; ".join(self.basis)

    @property
    def label(self) -> str:
        return STANDARD_LABEL if self.provenance == Provenance.STANDARD else CLINIC_LABEL


@dataclass(frozen=True)
class WordingGroup:
    """Texts that follow one another with the same provenance (the same guidance, or the same
    author and date): on a phone the label is shown once, after them, not under each."""

    texts: tuple[Wording, ...]

    @property
    def first(self) -> Wording:
        return self.texts[0]


def grouped(texts: Iterable[Wording]) -> list[WordingGroup]:
    groups: list[list[Wording]] = []
    for text in texts:
        last = groups[-1][-1] if groups else None
        same = last is not None and (last.provenance, last.basis, last.author, last.written_on) == (
            text.provenance,
            text.basis,
            text.author,
            text.written_on,
        )
        if same:
            groups[-1].append(text)
        else:
            groups.append([text])
    return [WordingGroup(tuple(group)) for group in groups]


def wording(key: str, overrides: Mapping[str, Override], *, on: date | None = None) -> Wording:
    """The clinic's text for `key` if it wrote one, else the standard text; `on` fills a
    {date} placeholder (the clinic's text may use it too)."""
    standard = STANDARD_TEXTS[key]
    override = overrides.get(key)
    if override is not None:
        text = fill(override.text, on)
        return Wording(
            key,
            text,
            Provenance.CLINIC,
            author=override.author,
            written_on=timezone.localdate(override.updated_at),
        )
    return Wording(key, fill(standard.text, on), Provenance.STANDARD, basis=standard.basis)


def fill(text: str, on: date | None) -> str:
    return text if on is None else text.replace("{date}", date_format(on, "l j F"))


def placeholder_problem(key: str, text: str) -> str | None:
    """Why a clinic's text for `key` cannot be used, or None."""
    allowed = {f"{{{name}}}" for name in STANDARD_TEXTS[key].placeholders}
    stripped = text
    for placeholder in allowed:
        stripped = stripped.replace(placeholder, "")
    if "{" in stripped or "}" in stripped:
        if allowed:
            return f"The only placeholder this text may use is {', '.join(sorted(allowed))}."
        return "This text takes no placeholder: remove the curly brackets."
    return None


def clinic_wordings(clinic_id: int) -> dict[str, ClinicWording]:
    """The clinic's own texts by key: one query, for a whole page."""
    return {
        text.key: text
        for text in ClinicWording.objects.filter(clinic_id=clinic_id).select_related("written_by")
    }


@dataclass(frozen=True)
class UrgentQuestion:
    """The warning signs question, as the pain form and the first-login check ask it."""

    intro: Wording
    question: Wording
    signs: list[Wording]

    @property
    def standard_basis(self) -> str:
        """The guidance the standard texts among these follow, once each ("" if none is)."""
        names: list[str] = []
        for text in (self.question, self.intro, *self.signs):
            if text.provenance == Provenance.STANDARD:
                names.extend(name for name in text.basis if name not in names)
        return "; ".join(names)


def urgent_question(overrides: Mapping[str, Override]) -> UrgentQuestion:
    return UrgentQuestion(
        intro=wording("urgent_intro", overrides),
        question=wording("urgent_question", overrides),
        signs=[wording(key, overrides) for key in URGENT_SIGN_KEYS],
    )


# What a report calls for ------------------------------------------------------------------------

HIGH_PAIN = 7  # NPRS: advice and an alert from this score on
MEANINGFUL_RISE = 2  # NPRS points over the patient's own baseline: a clinically important change
NERVE_QUALITIES = frozenset(
    {PainReport.Quality.RADIATING, PainReport.Quality.TINGLING, PainReport.Quality.NUMBNESS}
)


@dataclass(frozen=True)
class PainAssessment:
    """What one pain report calls for: the documents' cards, standard advice, alerts and a
    pause of the programme. The one place these rules live."""

    urgent: bool
    nerve: bool
    severe_spasm: bool
    running: bool
    high_pain: bool
    pain_rising: bool

    @classmethod
    def of(cls, report: PainReport, baseline: int | None) -> PainAssessment:
        return cls(
            urgent=bool(report.urgent_signs),
            nerve=bool(NERVE_QUALITIES & set(report.qualities)),
            severe_spasm=report.severe_spasm,
            # Pain 0 "while running" is running without pain: nothing to stop.
            running=report.moment == PainReport.Moment.RUNNING and report.score > 0,
            high_pain=report.score >= HIGH_PAIN,
            pain_rising=baseline is not None and report.score >= baseline + MEANINGFUL_RISE,
        )

    @property
    def red_flag(self) -> bool:
        return self.urgent or self.nerve or self.severe_spasm or self.running

    @property
    def card_slugs(self) -> list[str]:
        # An urgent sign sends the patient to urgent care: nothing beside that to distract.
        if self.urgent:
            return []
        slugs = []
        if self.nerve:
            slugs.append("stop-radiating-pain")
        if self.severe_spasm:
            slugs.append("stop-severe-spasm")
        if self.running:
            slugs.append("stop-pain-while-running")
        return slugs

    @property
    def advice_keys(self) -> list[str]:
        if self.urgent:
            return []
        if self.high_pain:
            return ["high_pain_advice"]
        if self.pain_rising:
            return ["pain_rising_advice"]
        return []

    @property
    def alert_causes(self) -> list[str]:
        # The urgent alert carries the whole report; the therapist needs one message, the most
        # severe, rather than four.
        if self.urgent:
            return [Alert.Cause.URGENT]
        causes = []
        if self.nerve or self.severe_spasm or self.running:
            causes.append(Alert.Cause.RED_FLAG)
        if self.high_pain:
            causes.append(Alert.Cause.HIGH_PAIN)
        if self.pain_rising:
            causes.append(Alert.Cause.PAIN_RISING)
        return causes

    @property
    def hold_reason(self) -> str:
        if self.urgent:
            return HoldReason.URGENT_SIGN
        if self.nerve:
            return HoldReason.NERVE_SYMPTOMS
        if self.severe_spasm:
            return HoldReason.SEVERE_SPASM
        return ""

    @property
    def hold_cause(self) -> str:
        """The alert that a pause of the programme hangs on (acknowledging it resumes)."""
        return Alert.Cause.URGENT if self.urgent else Alert.Cause.RED_FLAG


# What a page of guidance shows ----------------------------------------------------------------

# What a patient with an urgent warning sign reads, in this order.
URGENT_KEYS = ("urgent_advice", "urgent_reason", "emergency")
NO_ALERT = (
    "Your therapist will see this report next time they look at your record; "
    "it did not raise an alert."
)
NOT_ANSWERED_EMAIL = (Outgoing.Delivery.FAILED, Outgoing.Delivery.SKIPPED)


@dataclass(frozen=True)
class ClinicContact:
    name: str
    phone: str
    hours: str

    @classmethod
    def of(cls, clinic: Clinic) -> ClinicContact:
        return cls(clinic.name, clinic.phone.strip(), clinic.opening_hours.strip())

    @property
    def tel(self) -> str:
        return re.sub(r"[^0-9+]", "", self.phone)

    def could_not_send(self) -> str:
        if not self.phone:
            return "We could not send a message to your therapist: please contact your clinic."
        hours = f" ({self.hours})" if self.hours else ""
        return (
            "We could not send a message to your therapist: please phone the clinic on "
            f"{self.phone}{hours}."
        )


@dataclass
class Guidance:
    """One screen of guidance after a report. Urgent: only the urgent texts, the clinic's
    phone and what the clinic was told; otherwise the documents' cards, standard advice and the
    rest."""

    contact: ClinicContact
    notices: list[str]
    urgent: list[Wording] = field(default_factory=list)
    held: Wording | None = None
    advice: list[Wording] = field(default_factory=list)
    cards: list[Any] = field(default_factory=list)
    watch: Wording | None = None
    signs_link: bool = False  # where the urgent warning signs are listed

    @property
    def is_urgent(self) -> bool:
        return bool(self.urgent)

    @property
    def urgent_groups(self) -> list[WordingGroup]:
        return grouped(self.urgent)

    @property
    def advice_groups(self) -> list[WordingGroup]:
        return grouped([*([self.held] if self.held else []), *self.advice])


def notice_texts(
    notices: Iterable[AlertNotice], contact: ClinicContact, zone: ZoneInfo
) -> list[str]:
    """What the patient is told the clinic knows, one sentence per alert (the same sentence
    once). Read again each time the page shows: an email that failed since is not claimed."""
    texts: list[str] = []
    for notice in notices:
        alert = notice.alert
        if alert.status == Alert.Status.ACKNOWLEDGED:
            text = "Your clinic has since marked this alert as seen."
        elif notice.outcome == AlertNotice.Outcome.ALREADY_OPEN:
            opened = date_format(alert.created_at.astimezone(zone).date(), "j F Y")
            text = (
                f"Your clinic already has an open alert about this from {opened}; "
                "this report has been added to it."
            )
            if alert.delivery in NOT_ANSWERED_EMAIL:
                text = f"{text} {contact.could_not_send()}"
        elif (
            notice.outcome == AlertNotice.Outcome.MESSAGE_QUEUED
            and notice.recipient
            and alert.delivery not in NOT_ANSWERED_EMAIL
        ):
            text = f"We have sent {notice.recipient} a message asking them to look at this."
        else:
            text = contact.could_not_send()
        if text not in texts:
            texts.append(text)
    return texts


def _held(patient: Patient, overrides: Mapping[str, Override]) -> Wording | None:
    if patient.programme_held_at is None:
        return None
    on = patient.programme_held_at.astimezone(patient.zone).date()
    return wording("programme_held", overrides, on=on)


def _cards(slugs: list[str]) -> list[Any]:
    if not slugs:
        return []
    # The safety cards are the shipped library's: the same for every clinic's patients, and no
    # clinic's own card stands in for one.
    shipped = education_with_citations().filter(library__isnull=True, slug__in=slugs)
    found = {card.slug: card for card in shipped}
    missing = [slug for slug in slugs if slug not in found]
    if missing:
        logger.warning("Safety cards missing from the library: %s", ", ".join(missing))
    return [found[slug] for slug in slugs if slug in found]


def _guidance(
    *,
    patient: Patient,
    notices: Iterable[AlertNotice],
    urgent: bool,
    advice_keys: Sequence[str] = (),
    card_slugs: Sequence[str] = (),
) -> Guidance:
    overrides = clinic_wordings(patient.clinic_id)
    contact = ClinicContact.of(patient.clinic)
    told = notice_texts(notices, contact, patient.zone) or [NO_ALERT]
    if urgent:
        return Guidance(
            contact=contact,
            notices=told,
            urgent=[wording(key, overrides) for key in URGENT_KEYS],
        )
    flagged = bool(advice_keys or card_slugs)
    return Guidance(
        contact=contact,
        notices=told,
        held=_held(patient, overrides),
        advice=[wording(key, overrides) for key in advice_keys],
        cards=_cards(list(card_slugs)),
        # The pain advice ends with the warning signs already; the documents' cards do not.
        watch=wording("watch_for_urgent_signs", overrides)
        if card_slugs and not advice_keys
        else None,
        signs_link=flagged,
    )


NOT_SENT_YET = (
    "Your report is saved on this phone: your clinic has not been told yet. It is sent by "
    "itself when your phone is back online. Do not wait for it: seek care now."
)


def offline_urgent_guidance(patient: Patient, overrides: Mapping[str, Override]) -> Guidance:
    """What the pain form shows at once when urgent signs are reported with no connection: the
    urgent words and the clinic's phone a report that reached the portal gets, and the truth
    about what the clinic knows (nothing yet)."""
    return Guidance(
        contact=ClinicContact.of(patient.clinic),
        notices=[NOT_SENT_YET],
        urgent=[wording(key, overrides) for key in URGENT_KEYS],
    )


def pain_report_guidance(report: PainReport) -> Guidance:
    patient = report.patient
    assessment = PainAssessment.of(report, patient.pain_baseline)
    return _guidance(
        patient=patient,
        notices=report.notices.select_related("alert"),
        urgent=assessment.urgent,
        advice_keys=assessment.advice_keys,
        card_slugs=assessment.card_slugs,
    )


def check_off_guidance(check_off: CheckOff) -> Guidance:
    high = check_off.pain_during is not None and check_off.pain_during >= HIGH_PAIN
    return _guidance(
        patient=check_off.patient,
        notices=check_off.notices.select_related("alert"),
        urgent=False,
        advice_keys=["check_off_pain_advice"] if high else [],
    )


def safety_check_guidance(check: SafetyCheck) -> Guidance:
    guidance = _guidance(
        patient=check.patient,
        notices=check.notices.select_related("alert"),
        urgent=bool(check.urgent_signs),
    )
    if not guidance.is_urgent:  # none of them now: what to do if one appears later
        guidance.watch = wording("watch_for_urgent_signs", clinic_wordings(check.patient.clinic_id))
    return guidance


@dataclass(frozen=True)
class TodaySafety:
    held: Wording | None
    contact: ClinicContact


def today_safety(patient: Patient) -> TodaySafety:
    overrides = clinic_wordings(patient.clinic_id) if patient.programme_held_at else {}
    return TodaySafety(held=_held(patient, overrides), contact=ClinicContact.of(patient.clinic))


def safety_check_get_for_patient(*, patient: Patient, pk: object) -> SafetyCheck:
    """One of the patient's own answers to the warning signs questions, or 404."""
    return get_object_or_404(SafetyCheck.objects.select_related("patient"), pk=pk, patient=patient)
