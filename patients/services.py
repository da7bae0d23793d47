"""Writes for clinics, people and prescriptions. Views, the admin, tasks and commands call these."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.auth.tokens import default_token_generator
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from exercises.dosage import DOSE_FIELDS, session_plan
from exercises.models import ProgramTemplate
from exercises.selectors import programs_with_items
from patients.errors import ActionRefused
from patients.models import (
    Alert,
    CheckOff,
    Clinic,
    ClinicWording,
    HoldReason,
    Invitation,
    Outgoing,
    Patient,
    PrescribedExercise,
    Prescription,
    PrescriptionVersion,
    Therapist,
    User,
    new_reminder_token,
)
from patients.offline import ID_TAKEN, PhoneRecord, earlier_record
from patients.page_stamps import page_stamps_bump
from patients.signals import patient_data_changed
from patients.triage import (
    alert_notify,
    check_off_needs_guidance,
    programme_resume,
    session_alert_raise,
)
from portal.prepared import Prepared

ROLE_GROUPS = {
    Therapist.Role.THERAPIST: "Therapists",
    Therapist.Role.CLINIC_ADMIN: "Clinic admins",
}
LARGE_PROGRAMME = 4  # adherence drops as programmes grow past this many exercises
# People -------------------------------------------------------------------------------------


def therapist_groups_sync(*, therapist: Therapist) -> None:
    """A therapist's user is in exactly the group of their role."""
    user = therapist.user
    user.groups.remove(*Group.objects.filter(name__in=ROLE_GROUPS.values()))
    user.groups.add(Group.objects.get(name=ROLE_GROUPS[Therapist.Role(therapist.role)]))
    if not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])


def _new_user(*, email: str, first_name: str, last_name: str, is_staff: bool) -> User:
    user = User(email=email, first_name=first_name, last_name=last_name, is_staff=is_staff)
    user.set_unusable_password()  # the person chooses it from the invitation link
    user.full_clean()
    user.save()
    return user


@transaction.atomic
def therapist_invite(
    *, clinic: Clinic, email: str, first_name: str, last_name: str, role: str
) -> Therapist:
    user = _new_user(email=email, first_name=first_name, last_name=last_name, is_staff=True)
    therapist = Therapist(user=user, clinic=clinic, role=role)
    therapist.full_clean()
    therapist.save()
    therapist_groups_sync(therapist=therapist)
    invitation_create(user=user)
    return therapist


@transaction.atomic
def patient_invite(
    *,
    clinic: Clinic,
    primary_therapist: Therapist,
    email: str,
    first_name: str,
    last_name: str,
    **settings_fields: Any,
) -> Patient:
    user = _new_user(email=email, first_name=first_name, last_name=last_name, is_staff=False)
    patient = Patient(
        user=user, clinic=clinic, primary_therapist=primary_therapist, **settings_fields
    )
    patient.full_clean()
    patient.save()
    invitation_create(user=user)
    return patient


def invitation_create(*, user: User) -> Invitation:
    """A row in the same transaction as the account; the next tick of the scheduler hands it to
    a worker (within a minute), so the admin's request never waits on Redis."""
    return Invitation.objects.create(user=user)


def invitation_link(user: User) -> str:
    path = reverse(
        "invitation_accept",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return f"{settings.SITE_URL}{path}"


# Prescriptions ------------------------------------------------------------------------------


def prescription_snapshot(prescription: Prescription) -> dict[str, Any]:
    return {
        "title": prescription.title,
        "status": prescription.status,
        "start_date": prescription.start_date.isoformat(),
        "end_date": prescription.end_date.isoformat() if prescription.end_date else None,
        "days": prescription.days(),
        "sessions_per_day": prescription.sessions_per_day,
        "reminder_time": prescription.reminder_time.strftime("%H:%M"),
        "notes": prescription.notes,
        "therapist": str(prescription.therapist),
        "exercises": [
            {
                "exercise": item.exercise.slug,
                "name": item.exercise.name,
                "order": item.order,
                "dosage": item.dosage(),
                "dose": item.dosage_in_words(),
                "therapist_note": item.therapist_note,
            }
            for item in prescription.exercises.select_related("exercise").order_by("order", "id")
        ],
    }


def prescription_record_version(
    *, prescription: Prescription, user: User | None
) -> PrescriptionVersion | None:
    """Keep what the prescription says now, if it differs from the last kept version."""
    snapshot = prescription_snapshot(prescription)
    last = prescription.versions.order_by("-number").first()
    if last is not None and last.snapshot == snapshot:
        return None
    now = timezone.now()
    today = prescription.patient.local_today(now)
    if last is not None:
        # The version at the end of a day is that day's: the previous one stops yesterday
        # (and, made earlier today, is no day's at all).
        PrescriptionVersion.objects.filter(pk=last.pk).update(
            in_force_until=today - timedelta(days=1)
        )
    return PrescriptionVersion.objects.create(
        prescription=prescription,
        number=(last.number + 1) if last else 1,
        created_at=now,
        created_by=user if user is not None and user.is_authenticated else None,
        snapshot=snapshot,
        in_force_from=today if last is not None else None,
        status=prescription.status,
        start_date=prescription.start_date,
        end_date=prescription.end_date,
        days_mask=prescription.days_mask,
        sessions_per_day=prescription.sessions_per_day,
        exercise_count=len(snapshot["exercises"]),
    )


def prescription_version_on(*, prescription: Prescription, day: date) -> PrescriptionVersion | None:
    """The version in force at the end of that (patient-local) day."""
    end_of_day = datetime.combine(day + timedelta(days=1), time()).replace(
        tzinfo=prescription.patient.zone
    )
    return prescription.versions.filter(created_at__lt=end_of_day).order_by("-number").first()


@dataclass(frozen=True)
class PlannedExercise:
    exercise_id: int
    name: str
    order: int
    dosage: dict[str, object]

    @property
    def dose(self) -> str:
        from exercises.dosage import dosage_in_words

        return dosage_in_words(self.dosage)

    def schedule_disagrees(self, days_a_week: int) -> str:
        """Why a schedule of this many days a week is not the dose's own frequency ("2–3 days a
        week" on a programme set for every day), or "" when it is, or the dose gives none."""
        from exercises.dosage import days_a_week as in_words

        fewest = self.dosage.get("days_per_week")
        if not isinstance(fewest, int):
            return ""
        most = self.dosage.get("days_per_week_max")
        most = most if isinstance(most, int) else fewest
        if fewest <= days_a_week <= most:
            return ""
        return (
            f"{self.name}: its dose is {in_words(fewest, most)}, and the days you chose make "
            f"{in_words(days_a_week)}."
        )


def programme_plan(template: ProgramTemplate) -> list[PlannedExercise]:
    """The template's exercises with the dose the template gives each."""
    template = programs_with_items().get(pk=template.pk)
    return [
        PlannedExercise(
            exercise_id=item.exercise_id,
            name=item.exercise.name,
            order=item.order,
            # The programme's own dose, whole: never a field borrowed from the exercise, whose
            # default may come from another document.
            dosage=item.dosage(),
        )
        for item in template.items.all()
    ]


@transaction.atomic
def prescription_create_from_template(
    *,
    patient: Patient,
    therapist: Therapist,
    template: ProgramTemplate,
    start_date: date,
    days_mask: int,
    sessions_per_day: int = 1,
    reminder_time: time = time(18, 0),
    end_date: date | None = None,
    title: str = "",
    notes: str = "",
    created_by: User | None = None,
) -> Prescription:
    """A prescription for the patient, with the template's exercises copied into its own rows
    (editing the template later never changes the patient's plan)."""
    prescription = Prescription(
        patient=patient,
        therapist=therapist,
        template=template,
        title=title or template.name,
        start_date=start_date,
        end_date=end_date,
        days_mask=days_mask,
        sessions_per_day=sessions_per_day,
        reminder_time=reminder_time,
        notes=notes,
    )
    prescription.full_clean()
    prescription.save()
    rows = []
    for planned in programme_plan(template):
        row = PrescribedExercise(
            prescription=prescription, exercise_id=planned.exercise_id, order=planned.order
        )
        for name in DOSE_FIELDS:
            setattr(row, name, planned.dosage.get(name))
        row.full_clean(exclude=["prescription", "exercise"])
        rows.append(row)
    PrescribedExercise.objects.bulk_create(rows)
    page_stamps_bump(patient_ids=[patient.pk])  # bulk_create sends no signal
    prescription_record_version(prescription=prescription, user=created_by)
    return prescription


@transaction.atomic
def prescription_set_status(
    *, prescription: Prescription, status: str, user: User | None
) -> Prescription:
    prescription.status = status
    prescription.full_clean()
    prescription.save(update_fields=["status", "updated_at"])
    prescription_record_version(prescription=prescription, user=user)
    return prescription


# Alerts -------------------------------------------------------------------------------------


@transaction.atomic
def alert_acknowledge(*, alert: Alert, user: User, note: str = "") -> bool:
    """Close an open alert, keeping the therapist's note (what they did or decided); the next
    cause of the same kind may then raise a new one. An email not yet sent about it is no longer
    needed. If it paused the patient's programme, and no other open alert does, the programme
    resumes."""
    now = timezone.now()
    note = note.strip()
    closed = Alert.objects.filter(pk=alert.pk, status=Alert.Status.OPEN).update(
        status=Alert.Status.ACKNOWLEDGED, acknowledged_at=now, acknowledged_by=user, note=note
    )
    if closed:
        changes = {
            "status": [Alert.Status.OPEN, Alert.Status.ACKNOWLEDGED],
            "acknowledged_at": [alert.acknowledged_at, now],
            "acknowledged_by": [alert.acknowledged_by_id, user.pk],
        }
        if note:
            changes["note"] = [alert.note, note]
        alert.status, alert.acknowledged_at, alert.acknowledged_by, alert.note = (
            Alert.Status.ACKNOWLEDGED,
            now,
            user,
            note,
        )
        patient_data_changed.send(sender=Alert, instance=alert, changes=changes)
    Alert.objects.filter(pk=alert.pk, delivery=Outgoing.Delivery.PENDING).update(
        delivery=Outgoing.Delivery.SKIPPED, last_error="acknowledged before the email went out"
    )
    if closed:
        _programme_hold_review(patient_id=alert.patient_id)
    return bool(closed)


def _programme_hold_review(*, patient_id: int) -> None:
    patient = Patient.objects.select_for_update().get(pk=patient_id)
    if patient.programme_held_at is None:
        return
    holding = list(
        Alert.objects.filter(patient_id=patient_id, status=Alert.Status.OPEN).exclude(
            hold_reason=""
        )
    )
    if not holding:
        programme_resume(patient=patient)
        return
    if patient.programme_held_alert_id in {alert.pk for alert in holding}:
        return
    # Another open alert still pauses it (an urgent sign reported after nerve symptoms, say):
    # the programme stays paused, and acknowledging that one resumes it.
    strongest = max(holding, key=lambda a: (HoldReason.severity(a.hold_reason), a.created_at))
    patient.programme_held_alert = strongest
    patient.programme_held_reason = strongest.hold_reason
    patient.save(update_fields=["programme_held_alert", "programme_held_reason"])


def outgoing_retry_now(*, queryset: QuerySet[Any]) -> int:
    """Failed or skipped emails go back to the queue: the next tick hands them over."""
    return queryset.filter(
        delivery__in=[Outgoing.Delivery.FAILED, Outgoing.Delivery.SKIPPED]
    ).update(
        delivery=Outgoing.Delivery.PENDING,
        attempts=0,
        next_attempt_at=None,
        enqueued_at=None,
        last_error="",
    )


# The demo clinic ------------------------------------------------------------------------------

DEMO_CLINIC_NAME = "Riverside Running Clinic (demo)"


@dataclass(frozen=True)
class DemoLogin:
    role: str
    email: str
    password: str


DEMO_THERAPIST = DemoLogin("therapist", "therapist@demo.clinic", "demo-therapist")
DEMO_PATIENTS = (
    DemoLogin("patient", "alex@demo.clinic", "demo-patient"),
    DemoLogin("patient", "sam@demo.clinic", "demo-patient"),
)
DEMO_NAMES = {
    "therapist@demo.clinic": ("Robin", "Hale"),
    "alex@demo.clinic": ("Alex", "Moreno"),
    "sam@demo.clinic": ("Sam", "Okafor"),
}


def _demo_user(login: DemoLogin, *, is_staff: bool) -> User:
    first_name, last_name = DEMO_NAMES[login.email]
    user, created = User.objects.get_or_create(
        email=login.email,
        defaults={"first_name": first_name, "last_name": last_name, "is_staff": is_staff},
    )
    if created:
        user.set_password(login.password)
        user.save(update_fields=["password"])
    return user


@transaction.atomic
def demo_clinic_ensure() -> tuple[Clinic, list[DemoLogin]]:
    """The demo clinic with one therapist and two patients; running it again changes nothing."""
    clinic, _ = Clinic.objects.get_or_create(
        name=DEMO_CLINIC_NAME,
        # A number from Ofcom's range for drama: it looks real on the safety screens and rings
        # nobody.
        defaults={
            "time_zone": "Europe/London",
            "phone": "020 7946 0999",
            "opening_hours": "Mon–Fri 8:00–18:00",
        },
    )
    therapist_user = _demo_user(DEMO_THERAPIST, is_staff=True)
    therapist, _ = Therapist.objects.get_or_create(
        user=therapist_user, defaults={"clinic": clinic, "role": Therapist.Role.THERAPIST}
    )
    therapist_groups_sync(therapist=therapist)
    for login in DEMO_PATIENTS:
        patient_user = _demo_user(login, is_staff=False)
        patient, created = Patient.objects.get_or_create(
            user=patient_user,
            defaults={"clinic": clinic, "primary_therapist": therapist, "pain_baseline": 4},
        )
        # Alex starts with the glute bridge programme, so the demo has something to show.
        template = ProgramTemplate.objects.filter(slug="glute-bridge-program").first()
        if created and login is DEMO_PATIENTS[0] and template is not None:
            prescription_create_from_template(
                patient=patient,
                therapist=therapist,
                template=template,
                start_date=patient.local_today(),
                days_mask=0b1111111,
            )
    return clinic, [DEMO_THERAPIST, *DEMO_PATIENTS]


# The patient's own actions ----------------------------------------------------------------


PROGRAMME_PAUSED = (
    "Your programme is paused until your therapist has reviewed your report, so exercises "
    "cannot be checked off for now."
)


@dataclass(frozen=True)
class SessionCounts:
    """How much of the dose the session player counted: every side's repetition, and the sets
    finished whole."""

    reps_done: int
    sets_done: int


@dataclass
class CheckOffRecorded:
    check_off: CheckOff
    created: bool  # False: the session was checked off already (a double tap, a retry)
    today: list[CheckOff]  # the exercise's check-offs of the patient's day, this one among them


# Every check-off reads these first (a double tap is answered from them): the SQL written once.
_check_offs_of_day = Prepared(
    lambda item_id, day: CheckOff.objects.filter(
        prescribed_exercise_id=item_id, local_date=day
    ).order_by("pk"),
    int,
    date,
)


def check_off_record(
    *,
    patient: Patient,
    prescribed_exercise: PrescribedExercise,
    session: int | None = None,
    counts: SessionCounts | None = None,
    phone: PhoneRecord | None = None,
    now: datetime | None = None,
) -> CheckOffRecorded:
    """Check an exercise off for the day's next undone session (or `session`), with what the
    session player counted (`counts`: a session stopped early is recorded as partial).

    Safe to repeat: a double tap, a second tab or a retried request finds the check-off the
    first one made (one row per exercise, day and session, enforced by the database), and is
    answered as the first was, even if the programme was paused in between: it records nothing.

    `phone`: a check-off made on the phone with no connection and sent later (patients/offline.py):
    its id is recorded once, and it counts for the patient's day it was done, if the programme
    was due that day and not paused then.
    """
    now = now or timezone.now()
    phone = phone or PhoneRecord()
    prescription = prescribed_exercise.prescription
    if prescription.patient_id != patient.pk:
        raise ActionRefused("This exercise is not in your programme.")
    earlier = earlier_record(patient=patient, client_id=phone.client_id, kind=CheckOff)
    if earlier is not None and earlier.prescribed_exercise_id != prescribed_exercise.pk:
        raise ActionRefused(ID_TAKEN)
    # Sent again, it is answered as the first time, however late (before the bounds below).
    done_at = earlier.created_at if earlier is not None else phone.when_done(now)
    day = patient.local_today(done_at) if earlier is None else earlier.local_date
    done = {
        check_off.session: check_off
        for check_off in _check_offs_of_day(prescribed_exercise.pk, day)
    }

    def recorded(check_off: CheckOff, created: bool) -> CheckOffRecorded:
        rows = {**done, check_off.session: check_off}
        return CheckOffRecorded(check_off, created, sorted(rows.values(), key=lambda c: c.pk))

    if isinstance(earlier, CheckOff):
        return recorded(earlier, False)
    if session is not None and session in done:  # the same tap again
        return recorded(done[session], False)
    if Patient.objects.filter(pk=patient.pk, programme_held_at__lte=done_at).exists():
        raise ActionRefused(PROGRAMME_PAUSED)
    if not prescription.is_due_on(day):
        raise ActionRefused(
            "This exercise is not due today."
            if day == patient.local_today(now)
            else f"This exercise was not due on {date_format(day, 'l j F')}: nothing was recorded."
        )
    if session is None:
        remaining = [s for s in range(1, prescription.sessions_per_day + 1) if s not in done]
        if not remaining:
            return recorded(done[max(done)], False)
        session = remaining[0]
    elif not 1 <= session <= prescription.sessions_per_day:
        raise ActionRefused("That session is not part of today's programme.")
    counted = _counted(prescribed_exercise, counts) if counts is not None else {}
    try:
        with transaction.atomic():
            check_off = CheckOff.objects.create(
                patient=patient,
                prescribed_exercise=prescribed_exercise,
                local_date=day,
                session=session,
                created_at=done_at,
                client_id=phone.client_id,
                synced_at=now if phone.done_at is not None else None,
                **counted,
            )
    except IntegrityError:  # another request made it a moment ago
        # The same record sent twice at once (its id), or the same session tapped twice.
        same_record = CheckOff.objects.filter(patient=patient, client_id=phone.client_id)
        same_session = CheckOff.objects.filter(
            prescribed_exercise=prescribed_exercise, local_date=day, session=session
        )
        existing = (phone.client_id and same_record.first()) or same_session.first()
        if existing is None:
            raise ActionRefused(ID_TAKEN) from None
        return recorded(existing, False)
    session_alert_raise(check_off=check_off, now=now)
    return recorded(check_off, True)


def _counted(prescribed_exercise: PrescribedExercise, counts: SessionCounts) -> dict[str, int]:
    """The player's counts, checked against the dose as the server knows it: the page's own
    idea of the dose is never trusted."""
    plan = session_plan(prescribed_exercise.dosage())
    if plan is None:
        raise ActionRefused("This exercise has no hold or count to follow: tap Done instead.")
    if not 1 <= counts.reps_done <= plan.repetitions:
        raise ActionRefused(
            f"The session counted {counts.reps_done} of {plan.repetitions} repetitions: "
            "nothing was recorded. Start the exercise again."
        )
    if not 0 <= counts.sets_done <= plan.sets:
        raise ActionRefused(f"The dose has {plan.sets} sets: nothing was recorded.")
    return {
        "reps_done": counts.reps_done,
        "reps_planned": plan.repetitions,
        "sets_done": counts.sets_done,
    }


def _own_check_off_of_today(*, patient: Patient, check_off: CheckOff, now: datetime) -> None:
    if check_off.patient_id != patient.pk:
        raise ActionRefused("This check-off is not yours.")
    if check_off.local_date != patient.local_today(now):
        raise ActionRefused("Only today's check-offs can be changed.")


def check_off_undo(*, patient: Patient, check_off: CheckOff, now: datetime | None = None) -> None:
    _own_check_off_of_today(patient=patient, check_off=check_off, now=now or timezone.now())
    check_off.delete()


@transaction.atomic
def check_off_rate(
    *,
    patient: Patient,
    check_off: CheckOff,
    difficulty: str,
    pain_during: int | None,
    now: datetime | None = None,
) -> CheckOff:
    """Record how the exercise went. Pain of 7 or more during it raises a high-pain alert
    about this check-off (the patient is then shown what to do: see check_off_needs_guidance)."""
    now = now or timezone.now()
    _own_check_off_of_today(patient=patient, check_off=check_off, now=now)
    check_off.difficulty = difficulty
    check_off.pain_during = pain_during
    check_off.full_clean()
    check_off.save(update_fields=["difficulty", "pain_during"])
    already_told = check_off.notices.filter(cause=Alert.Cause.HIGH_PAIN).exists()
    if check_off_needs_guidance(check_off) and not already_told:
        alert_notify(patient=patient, cause=Alert.Cause.HIGH_PAIN, now=now, check_off=check_off)
    session_alert_raise(check_off=check_off, now=now)
    return check_off


# The clinic's own wording -------------------------------------------------------------------


def clinic_wording_save(*, wording: ClinicWording, user: User) -> ClinicWording:
    """Save a clinic's text; whoever saved it last is its author on the patient's page."""
    wording.written_by = user
    wording.full_clean()
    wording.save()
    return wording


def patient_settings_update(*, patient: Patient, **fields: Any) -> Patient:
    stored = Patient.objects.filter(pk=patient.pk).values("reminders_enabled").first()
    for name, value in fields.items():
        setattr(patient, name, value)
    patient.full_clean()
    update_fields = list(fields)
    if stored is not None and stored["reminders_enabled"] != patient.reminders_enabled:
        reminder_links_retire(patient)
        update_fields.append("reminder_token")
    patient.save(update_fields=update_fields)
    return patient


def reminder_links_retire(patient: Patient) -> None:
    """Reminders were turned off or on: every "stop reminders" link sent before stops working
    (a link works once, for the state it was sent in). Saved by the caller."""
    patient.reminder_token = new_reminder_token()


@transaction.atomic
def programme_pause(*, patient: Patient, user: User) -> int:
    """The therapist pauses the patient's programme (every active prescription) until they
    resume it: unlike the pause a report sets, acknowledging an alert does not end it."""
    active = Prescription.objects.select_for_update().filter(
        patient=patient, status=Prescription.Status.ACTIVE
    )
    paused = 0
    for prescription in active:
        prescription_set_status(
            prescription=prescription, status=Prescription.Status.PAUSED, user=user
        )
        paused += 1
    return paused
