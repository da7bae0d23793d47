"""What a report of pain sets going: the alerts it raises or joins, what the clinic is told
(recorded, so the patient can be told truthfully), and the programme's pause until the therapist
has reviewed it. The wording and the reads are in patients/safety.py."""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from patients.errors import ActionRefused
from patients.models import (
    Alert,
    AlertNotice,
    CheckOff,
    HoldReason,
    Outgoing,
    PainReport,
    Patient,
    SafetyCheck,
    ScreenResult,
    Therapist,
    User,
)
from patients.next_reminders import patient_reminders_reschedule
from patients.offline import ID_TAKEN, PhoneRecord, earlier_record
from patients.reminders import NO_RECIPIENT, alert_recipients
from patients.safety import HIGH_PAIN, URGENT_SIGN_KEYS, PainAssessment
from patients.signals import patient_data_changed

ROLE_GROUPS = {
    Therapist.Role.THERAPIST: "Therapists",
    Therapist.Role.CLINIC_ADMIN: "Clinic admins",
}
LARGE_PROGRAMME = 4  # adherence drops as programmes grow past this many exercises
# Pain during an exercise above this is a painful session for the therapist to look at: the
# pain-monitoring model accepts up to 5 of 10 during exercise (Silbernagel et al., Am J Sports
# Med 2007). From HIGH_PAIN on it is a high-pain alert instead, which comes first.
PAINFUL_DURING = 5


def check_off_needs_guidance(check_off: CheckOff) -> bool:
    return check_off.pain_during is not None and check_off.pain_during >= HIGH_PAIN


def alert_raise(
    *,
    patient: Patient,
    cause: str,
    pain_report: PainReport | None = None,
    check_off: CheckOff | None = None,
    safety_check: SafetyCheck | None = None,
    screen_result: ScreenResult | None = None,
    now: datetime | None = None,
) -> Alert | None:
    """One open alert per cause and patient: a second cause of the same kind joins the first
    (the database's partial unique constraint decides, also between concurrent requests)."""
    try:
        with transaction.atomic():
            return Alert.objects.create(
                patient=patient,
                cause=cause,
                pain_report=pain_report,
                check_off=check_off,
                safety_check=safety_check,
                screen_result=screen_result,
                created_at=now or timezone.now(),
            )
    except IntegrityError:
        return None


def _recipient_names(patient: Patient, recipients: list[User]) -> str:
    """How the patient is told who the alert's email goes to."""
    if [user.pk for user in recipients] == [patient.primary_therapist.user_id]:
        return recipients[0].first_name or "your therapist"
    names = [user.first_name for user in recipients if user.first_name]
    return f"{' and '.join(names)} at your clinic" if names else "your clinic"


def alert_notify(
    *,
    patient: Patient,
    cause: str,
    now: datetime,
    pain_report: PainReport | None = None,
    check_off: CheckOff | None = None,
    safety_check: SafetyCheck | None = None,
    hold_reason: str = "",
) -> AlertNotice:
    """Raise the alert (or join the open one of that cause) and record what happened, which is
    what the patient is told: a message on its way to a named person, an alert already open,
    or nobody to email (the alert stands for the clinic to see, its email skipped)."""
    for _attempt in range(3):
        alert = alert_raise(
            patient=patient,
            cause=cause,
            pain_report=pain_report,
            check_off=check_off,
            safety_check=safety_check,
            now=now,
        )
        recipient = ""
        if alert is not None:
            recipients = alert_recipients(patient)
            if recipients:
                outcome = AlertNotice.Outcome.MESSAGE_QUEUED
                recipient = _recipient_names(patient, recipients)
            else:
                outcome = AlertNotice.Outcome.NO_RECIPIENT
                Alert.objects.filter(pk=alert.pk).update(
                    delivery=Outgoing.Delivery.SKIPPED, last_error=NO_RECIPIENT
                )
            break
        alert = Alert.objects.filter(patient=patient, cause=cause, status=Alert.Status.OPEN).first()
        if alert is not None:  # else acknowledged in between: raise a new one
            outcome = AlertNotice.Outcome.ALREADY_OPEN
            break
    else:  # pragma: no cover (three acknowledgements in a row, between two statements)
        raise RuntimeError(f"Could not raise or join a {cause} alert for patient {patient.pk}")
    if HoldReason.severity(hold_reason) > HoldReason.severity(alert.hold_reason):
        alert.hold_reason = hold_reason
        Alert.objects.filter(pk=alert.pk).update(hold_reason=hold_reason)
    return AlertNotice.objects.create(
        patient=patient,
        alert=alert,
        cause=cause,
        outcome=outcome,
        recipient=recipient,
        pain_report=pain_report,
        check_off=check_off,
        safety_check=safety_check,
        created_at=now,
    )


def session_alert_raise(*, check_off: CheckOff, now: datetime) -> Alert | None:
    """A session stopped before the end of the dose, or painful (not high pain, which has its
    own alert): the therapist sees it in "Needs attention". The patient is not told anything
    more than the session's own page says, so no notice is recorded."""
    painful = (
        check_off.pain_during is not None and PAINFUL_DURING < check_off.pain_during < HIGH_PAIN
    )
    if not (check_off.is_partial or painful):
        return None
    return alert_raise(
        patient=check_off.patient,
        cause=Alert.Cause.PARTIAL_SESSION,
        check_off=check_off,
        now=now,
    )


def screen_worse_alert_raise(*, result: ScreenResult) -> Alert | None:
    """Fewer trials passed than at the patient's previous result of the same screen."""
    previous = (
        ScreenResult.objects.filter(
            patient_id=result.patient_id,
            screen_id=result.screen_id,
            recorded_at__lt=result.recorded_at,
        )
        .order_by("-recorded_at", "-pk")
        .first()
    )
    if previous is None or result.passed_count >= previous.passed_count:
        return None
    return alert_raise(
        patient=result.patient,
        cause=Alert.Cause.SCREEN_WORSE,
        screen_result=result,
        now=result.recorded_at,
    )


# The programme's pause --------------------------------------------------------------------


def programme_hold(*, patient: Patient, reason: str, alert: Alert, now: datetime) -> None:
    """Pause the patient's programme until the therapist has reviewed `alert`: no check-off,
    no reminder, no follow-up. A more severe reason takes over an existing pause."""
    locked = Patient.objects.select_for_update().get(pk=patient.pk)
    if locked.programme_held_at is not None and HoldReason.severity(reason) <= HoldReason.severity(
        locked.programme_held_reason
    ):
        held_at, reason, alert_id = (
            locked.programme_held_at,
            locked.programme_held_reason,
            locked.programme_held_alert_id,
        )
    else:
        held_at, alert_id = locked.programme_held_at or now, alert.pk
    Patient.objects.filter(pk=patient.pk).update(
        programme_held_at=held_at, programme_held_reason=reason, programme_held_alert_id=alert_id
    )
    patient.programme_held_at = held_at
    patient.programme_held_reason = reason
    patient.programme_held_alert_id = alert_id
    patient_reminders_reschedule(patient.pk)  # a conditional UPDATE: no post_save to do it


def programme_resume(*, patient: Patient) -> bool:
    """The therapist has reviewed the report: the programme and its reminders go on."""
    resumed = Patient.objects.filter(pk=patient.pk, programme_held_at__isnull=False).update(
        programme_held_at=None, programme_held_reason="", programme_held_alert=None
    )
    if resumed:
        changes = {
            "programme_held_at": [patient.programme_held_at, None],
            "programme_held_reason": [patient.programme_held_reason, ""],
            "programme_held_alert": [patient.programme_held_alert_id, None],
        }
        patient_data_changed.send(sender=Patient, instance=patient, changes=changes)
        patient_reminders_reschedule(patient.pk)
    patient.programme_held_at = None
    patient.programme_held_reason = ""
    patient.programme_held_alert = None
    return bool(resumed)


def _alerts_for(
    *, patient: Patient, assessment: PainAssessment, report: PainReport, now: datetime
) -> None:
    # The alerts are rows in the same transaction as the report; the worker emails them.
    for cause in assessment.alert_causes:
        holds = cause == assessment.hold_cause and bool(assessment.hold_reason)
        notice = alert_notify(
            patient=patient,
            cause=cause,
            now=now,
            pain_report=report,
            hold_reason=assessment.hold_reason if holds else "",
        )
        if holds:
            programme_hold(
                patient=patient, reason=assessment.hold_reason, alert=notice.alert, now=now
            )


def _urgent_signs(signs: list[str]) -> list[str]:
    unknown = set(signs) - set(URGENT_SIGN_KEYS)
    if unknown:
        raise ActionRefused("That is not one of the warning signs we ask about.")
    return [key for key in URGENT_SIGN_KEYS if key in signs]


@transaction.atomic
def pain_report_create(
    *,
    patient: Patient,
    score: int,
    moment: str,
    qualities: list[str],
    severe_spasm: bool = False,
    urgent_signs: list[str] | None = None,
    note: str = "",
    phone: PhoneRecord | None = None,
    now: datetime | None = None,
) -> PainReport:
    """Record the report and raise its alerts. `phone`: a report made on the phone with no
    connection and sent later (patients/offline.py): recorded once, however often it is sent;
    it keeps the time the patient reported, and its alerts (and the pause of the programme) are
    raised when it arrives, as for a report sent at once."""
    now = now or timezone.now()
    phone = phone or PhoneRecord()
    earlier = earlier_record(patient=patient, client_id=phone.client_id, kind=PainReport)
    if earlier is not None:  # sent again: nothing new, answered as the first time
        return earlier
    done_at = phone.when_done(now)
    report = PainReport(
        patient=patient,
        created_at=done_at,
        local_date=patient.local_today(done_at),
        score=score,
        moment=moment,
        qualities=sorted(set(qualities)),
        severe_spasm=severe_spasm,
        urgent_signs=_urgent_signs(urgent_signs or []),
        note=note.strip(),
        client_id=phone.client_id,
        synced_at=now if phone.done_at is not None else None,
    )
    assessment = PainAssessment.of(report, patient.pain_baseline)
    report.red_flag = assessment.red_flag
    report.full_clean(validate_unique=False)  # the id's one use: the database decides, below
    try:
        with transaction.atomic():
            report.save()
    except IntegrityError:  # the same report, sent twice at once
        earlier = earlier_record(patient=patient, client_id=phone.client_id, kind=PainReport)
        if earlier is None:
            raise ActionRefused(ID_TAKEN) from None
        return earlier
    _alerts_for(patient=patient, assessment=assessment, report=report, now=now)
    return report


@transaction.atomic
def safety_check_record(
    *, patient: Patient, urgent_signs: list[str], now: datetime | None = None
) -> SafetyCheck:
    """The patient's answer to the warning signs questions. Any sign: an urgent alert, and the
    programme paused until the therapist has reviewed it."""
    now = now or timezone.now()
    check = SafetyCheck.objects.create(
        patient=patient, answered_at=now, urgent_signs=_urgent_signs(urgent_signs)
    )
    if patient.safety_check_at is None:
        Patient.objects.filter(pk=patient.pk, safety_check_at__isnull=True).update(
            safety_check_at=now
        )
        patient.safety_check_at = now
    if check.urgent_signs:
        notice = alert_notify(
            patient=patient,
            cause=Alert.Cause.URGENT,
            now=now,
            safety_check=check,
            hold_reason=HoldReason.URGENT_SIGN,
        )
        programme_hold(patient=patient, reason=HoldReason.URGENT_SIGN, alert=notice.alert, now=now)
    return check
