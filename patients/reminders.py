"""Reminders, follow-ups, therapist alerts and weekly digests: which rows to record, and what
each email says (never any health data: see templates/patients/email/)."""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import connection, transaction
from django.db.models import Count, DateField, Exists, F, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from patients.attention import severity_of
from patients.delivery import (
    Email,
    Outbound,
    SentOtherwise,
    Skip,
    dispatchable_all,
    recover_stale_claims,
    render_email,
)
from patients.models import (
    Alert,
    CheckOff,
    Invitation,
    PainReport,
    Patient,
    Prescription,
    PushSubscription,
    Reminder,
    Therapist,
    User,
    WeeklyDigest,
)
from patients.next_reminders import (
    DueSession,
    array_literal,
    due_and_next,
    due_and_next_arrays,
    store_next,
    store_next_arrays,
)
from patients.push import prepare_push, push_is_set_up, push_messages_record
from patients.schedule import in_quiet_hours, zone
from patients.selectors import by_patient_local_date

logger = logging.getLogger(__name__)

FOLLOW_UP_AFTER = timedelta(hours=3)
FOLLOW_UP_HOURS = (time(8, 0), time(21, 0))  # a nudge by day, never at night
ALREADY_REMINDED = timedelta(minutes=30)  # two prescriptions due together: one email
INACTIVE_DAYS = 3
DIGEST_HOURS = (time(7, 0), time(12, 0))  # Monday morning, in the clinic's zone
UNSUBSCRIBE_SALT = "patients.reminders-off"


# The tick -------------------------------------------------------------------------------------


@dataclass
class TickReport:
    recovered: int = 0
    reminders_recorded: int = 0
    follow_ups_recorded: int = 0
    to_dispatch: dict[str, list[int]] = field(default_factory=dict)

    def summary(self) -> str:
        waiting = ", ".join(
            f"{len(ids)} {kind}(s)" for kind, ids in self.to_dispatch.items() if ids
        )
        return (
            f"{self.reminders_recorded} reminder(s) and {self.follow_ups_recorded} follow-up(s) "
            f"recorded; {self.recovered} stale claim(s) recovered; to send: {waiting or 'nothing'}"
        )


def due_reminders(now: datetime) -> list[DueSession]:
    """Reminder rows for every session that came due in the last two hours: per patient, in
    their zone, on the prescription's days and dates, not paused, reminders on, outside quiet
    hours. Only prescriptions whose stored next reminder is due are read (next_reminders.py);
    rows that exist already are left to the database's unique constraint."""
    return due_and_next(now, lock=False)[0]


def record_reminders(
    rows: list[DueSession], now: datetime, kind: str = Reminder.Kind.REMINDER
) -> int:
    """Insert the rows in one statement and return how many were new: the unique constraint
    drops any that another tick or a second beat recorded meanwhile."""
    if not rows:
        return 0
    table = Reminder._meta.db_table
    instant = connection.ops.adapt_datetimefield_value
    constants = [kind, instant(now), Reminder.Delivery.PENDING]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            columns = [array_literal(column) for column in zip(*rows, strict=True)]
            return record_reminder_arrays(columns, now, kind)
        cursor.executemany(
            f"""
            INSERT INTO {table}
                (prescription_id, patient_id, local_date, session, due_at, kind, created_at,
                 delivery, attempts, claimed_by, last_error)
            VALUES (%s, %s, %s, %s, %s, %s, %s, %s, 0, '', '')
            ON CONFLICT DO NOTHING
            """,  # noqa: S608 (the table name is the model's own; the values are parameters)
            [
                (prescription, patient, day, session, instant(due_at), *constants)
                for prescription, patient, day, session, due_at in rows
            ],
        )
        return max(cursor.rowcount, 0)


def record_reminder_arrays(
    columns: list[str], now: datetime, kind: str = Reminder.Kind.REMINDER
) -> int:
    """record_reminders() on PostgreSQL, from five array literals (prescription, patient, local
    date, session, due at): one INSERT … SELECT FROM unnest() costs a fraction of building
    100,000 model instances for bulk_create."""
    table = Reminder._meta.db_table
    constants = [kind, connection.ops.adapt_datetimefield_value(now), Reminder.Delivery.PENDING]
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH inserted AS (
                INSERT INTO {table}
                    (prescription_id, patient_id, local_date, session, due_at, kind,
                     created_at, delivery, attempts, claimed_by, last_error)
                SELECT prescription, patient, day, session, due_at, %s, %s, %s, 0, '', ''
                FROM unnest(%s::bigint[], %s::bigint[], %s::date[], %s::smallint[],
                            %s::timestamptz[]) AS due(prescription, patient, day, session,
                                                      due_at)
                ON CONFLICT DO NOTHING
                RETURNING 1
            )
            SELECT count(*) FROM inserted
            """,  # noqa: S608 (the table name is the model's own; the values are parameters)
            [*constants, *columns],
        )
        return cursor.fetchone()[0]


def due_follow_ups(now: datetime) -> list[DueSession]:
    """At most one follow-up a day, three hours after the day's last reminder went out, when
    nothing has been logged that day, by day (08:00–21:00), never in quiet hours."""
    logged_check_off = CheckOff.objects.filter(
        patient_id=OuterRef("patient_id"), local_date=OuterRef("local_date")
    )
    logged_pain = PainReport.objects.filter(
        patient_id=OuterRef("patient_id"), local_date=OuterRef("local_date")
    )
    followed_up = Reminder.objects.filter(
        patient_id=OuterRef("patient_id"),
        local_date=OuterRef("local_date"),
        kind=Reminder.Kind.FOLLOW_UP,
    )
    candidates = (
        Reminder.objects.filter(
            Q(patient__reminders_enabled=True) | Q(patient__push_reminders=True),
            kind=Reminder.Kind.REMINDER,
            # After the day's last session only: earlier ones have the next session's reminder.
            session=F("prescription__sessions_per_day"),
            delivery=Reminder.Delivery.SENT,
            sent_at__lte=now - FOLLOW_UP_AFTER,
            sent_at__gt=now - timedelta(hours=12),
            patient__programme_held_at__isnull=True,
            prescription__status=Prescription.Status.ACTIVE,
        )
        .exclude(Exists(logged_check_off))
        .exclude(Exists(logged_pain))
        .exclude(Exists(followed_up))
        .values_list(
            "prescription_id",
            "patient_id",
            "local_date",
            "patient__time_zone",
            "patient__quiet_hours_start",
            "patient__quiet_hours_end",
        )
    )
    rows: dict[tuple[int, date], DueSession] = {}
    for prescription_id, patient_id, day, zone_name, quiet_start, quiet_end in candidates:
        here = now.astimezone(zone(zone_name))
        if here.date() != day or not FOLLOW_UP_HOURS[0] <= here.time() < FOLLOW_UP_HOURS[1]:
            continue
        if in_quiet_hours(here.time(), quiet_start, quiet_end):
            continue
        rows.setdefault((patient_id, day), (prescription_id, patient_id, day, 1, now))
    return list(rows.values())


def reminders_tick(now: datetime | None = None) -> TickReport:
    """One tick of the scheduler (every minute from beat, or `send_due_reminders`): record what
    is due, and list what must be handed to the workers. Safe to run twice, or from two beats."""
    now = now or timezone.now()
    report = TickReport()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Not waiting for the disk at commit (0.7 s of a tick recording 100,000): all it
            # writes is worked out again by the next tick if a crash loses it, and the worker
            # that claims a row commits durably, flushing this tick's rows first.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        report.recovered = recover_stale_claims(now)
        # Counted as inserted, not as computed: a second beat's rows are not this tick's.
        if connection.vendor == "postgresql":
            due_arrays, next_arrays = due_and_next_arrays(now)
            if due_arrays:
                report.reminders_recorded = record_reminder_arrays(due_arrays, now)
            if next_arrays:
                store_next_arrays(next_arrays)
        else:
            due, next_due = due_and_next(now)
            report.reminders_recorded = record_reminders(due, now)
            store_next(next_due)
        report.follow_ups_recorded = record_reminders(
            due_follow_ups(now), now, Reminder.Kind.FOLLOW_UP
        )
    report.to_dispatch = dispatchable_all(now)
    return report


def inactivity_check(now: datetime | None = None) -> int:
    """An alert for each patient with an active programme (started three days ago or more) who
    has logged nothing for three days, counted in the patient's own days: in Kiritimati the
    third day ends 25 hours before it does in Pago Pago. One open alert per cause: the database
    decides."""
    now = now or timezone.now()
    since = by_patient_local_date(
        now, lambda today: today - timedelta(days=INACTIVE_DAYS), DateField()
    )
    started_long_enough = Prescription.objects.filter(
        patient=OuterRef("pk"),
        status=Prescription.Status.ACTIVE,
        start_date__lte=OuterRef("inactive_since"),
    )
    recent_check_off = CheckOff.objects.filter(
        patient=OuterRef("pk"), local_date__gt=OuterRef("inactive_since")
    )
    recent_pain = PainReport.objects.filter(
        patient=OuterRef("pk"), local_date__gt=OuterRef("inactive_since")
    )
    inactive = (
        # A patient told to pause their programme is not inactive: they are doing as asked.
        Patient.objects.annotate(inactive_since=since)
        .filter(Exists(started_long_enough), programme_held_at__isnull=True)
        .exclude(Exists(recent_check_off))
        .exclude(Exists(recent_pain))
        .values_list("pk", flat=True)
    )
    alerts = [Alert(patient_id=pk, cause=Alert.Cause.INACTIVE, created_at=now) for pk in inactive]
    Alert.objects.bulk_create(alerts, ignore_conflicts=True)
    return len(alerts)


def digests_schedule(now: datetime | None = None) -> int:
    """Monday morning in each clinic's zone: one digest row per therapist for the week."""
    now = now or timezone.now()
    rows = []
    for therapist_id, zone_name in Therapist.objects.filter(user__is_active=True).values_list(
        "pk", "clinic__time_zone"
    ):
        here = now.astimezone(zone(zone_name))
        if here.weekday() == 0 and DIGEST_HOURS[0] <= here.time() < DIGEST_HOURS[1]:
            rows.append(
                WeeklyDigest(therapist_id=therapist_id, week_start=here.date(), created_at=now)
            )
    WeeklyDigest.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


# What each email says ---------------------------------------------------------------------------


def unsubscribe_link(patient: Patient) -> str:
    token = signing.dumps(patient.reminder_token, salt=UNSUBSCRIBE_SALT, compress=False)
    return settings.SITE_URL + reverse("reminders_off", kwargs={"token": token})


class LinkRefused(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # "invalid", "expired" or "used"


def patient_from_unsubscribe_token(token: str) -> Patient:
    """The patient a "stop reminders" link was sent to, while it may still be used: it is
    signed, at most UNSUBSCRIBE_LINK_DAYS old, and reminders have not been turned off or on
    since it was sent (that retires the patient's reminder token)."""
    try:
        reminder_token = signing.loads(
            token, salt=UNSUBSCRIBE_SALT, max_age=timedelta(days=settings.UNSUBSCRIBE_LINK_DAYS)
        )
    except signing.SignatureExpired:
        raise LinkRefused("expired") from None
    except signing.BadSignature:
        raise LinkRefused("invalid") from None
    patient = Patient.objects.filter(reminder_token=str(reminder_token)).first()
    if patient is None:
        raise LinkRefused("used")
    return patient


@dataclass
class ReminderBatch:
    """What a batch of reminders needs to decide, read in four queries for the whole batch (a
    fifth when a patient in it has push reminders on)."""

    exercises: dict[int, int]  # prescription → how many exercises it has
    done: dict[tuple[int, date, int], int]  # (prescription, day, session) → check-offs
    logged: set[tuple[int, date]]  # (patient, day) with a check-off or a pain report
    reminded: set[int]  # patients who got a reminder in the last half hour
    devices: dict[int, list[tuple[int, str]]] = field(default_factory=dict)  # patient → devices


def preload_reminders(reminders: list[Reminder], now: datetime) -> ReminderBatch:
    prescriptions = {r.prescription_id for r in reminders}
    patients = {r.patient_id for r in reminders}
    days = {r.local_date for r in reminders}
    exercises = dict(
        Prescription.objects.filter(pk__in=prescriptions)
        .annotate(count=Count("exercises"))
        .values_list("pk", "count")
    )
    done: dict[tuple[int, date, int], int] = defaultdict(int)
    logged: set[tuple[int, date]] = set()
    for prescription_id, patient_id, day, session in CheckOff.objects.filter(
        patient_id__in=patients, local_date__in=days
    ).values_list("prescribed_exercise__prescription_id", "patient_id", "local_date", "session"):
        done[(prescription_id, day, session)] += 1
        logged.add((patient_id, day))
    logged.update(
        PainReport.objects.filter(patient_id__in=patients, local_date__in=days).values_list(
            "patient_id", "local_date"
        )
    )
    reminded = set(
        Reminder.objects.filter(
            patient_id__in=patients,
            kind=Reminder.Kind.REMINDER,
            delivery=Reminder.Delivery.SENT,
            sent_at__gt=now - ALREADY_REMINDED,
        ).values_list("patient_id", flat=True)
    )
    devices: dict[int, list[tuple[int, str]]] = defaultdict(list)
    pushing = {r.patient_id for r in reminders if r.patient.push_reminders}
    if pushing and push_is_set_up():
        for pk, patient_id, label in (
            PushSubscription.objects.filter(patient_id__in=pushing)
            .order_by("pk")
            .values_list("pk", "patient_id", "device")
        ):
            devices[patient_id].append((pk, label))
    return ReminderBatch(exercises, done, logged, reminded, devices)


def prepare_reminder(
    reminder: Reminder, now: datetime, batch: ReminderBatch | None = None
) -> Outbound:
    """The reminder's email, once its pushes (one per device of a patient with push reminders
    on) are recorded; for a patient with email reminders off, only the pushes."""
    batch = batch or preload_reminders([reminder], now)
    patient = reminder.patient
    prescription = reminder.prescription
    here = now.astimezone(patient.zone)
    devices = batch.devices.get(patient.pk, [])
    if not patient.reminders_enabled and not devices:
        if patient.push_reminders and not push_is_set_up():
            raise Skip("email reminders turned off; push reminders are not set up (no VAPID keys)")
        raise Skip("reminders turned off")
    if patient.programme_held_at is not None:
        raise Skip("the programme is paused until the therapist reviews a report")
    if not prescription.is_due_on(reminder.local_date):
        raise Skip("the prescription is paused, finished or changed")
    if here.date() != reminder.local_date:
        raise Skip("the day is over")
    if patient.in_quiet_hours(here.time()):
        raise Skip("quiet hours")
    if reminder.kind == Reminder.Kind.FOLLOW_UP:
        if (patient.pk, reminder.local_date) in batch.logged:
            raise Skip("something was logged today")
    else:
        exercises = batch.exercises.get(prescription.pk, 0)
        done = batch.done[(prescription.pk, reminder.local_date, reminder.session)]
        if exercises and done >= exercises:
            raise Skip("the session's exercises are done")
        if patient.pk in batch.reminded:
            raise Skip("reminded a moment ago for another prescription")
        batch.reminded.add(patient.pk)
    if devices:
        push_messages_record(reminder=reminder, devices=devices, now=now)
    if not patient.reminders_enabled:
        count = f"{len(devices)} device{'s' if len(devices) != 1 else ''}"
        return SentOtherwise(f"No email (email reminders are off); by push to {count}")
    unsubscribe = unsubscribe_link(patient)
    context = {
        "first_name": patient.user.first_name or "there",
        "site_link": settings.SITE_URL + reverse("today"),
        "unsubscribe_link": unsubscribe,
        "follow_up": reminder.kind == Reminder.Kind.FOLLOW_UP,
    }
    return render_email(
        "patients/email/reminder",
        context,
        to=patient.user.email,
        **{
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )


NO_RECIPIENT = (
    "no active recipient: the primary therapist's account is inactive and the clinic has no "
    "active clinic admin"
)


def alert_recipients(patient: Patient) -> list[User]:
    """Who is emailed an alert about the patient: their primary therapist, or if that account
    is inactive (the therapist left, say), the clinic's active clinic admins, so that an alert
    never waits on nobody."""
    therapist_user = patient.primary_therapist.user
    if therapist_user.is_active:
        return [therapist_user]
    return list(
        User.objects.filter(
            is_active=True,
            therapist__clinic_id=patient.clinic_id,
            therapist__role=Therapist.Role.CLINIC_ADMIN,
        ).order_by("first_name", "email")
    )


def prepare_alert(alert: Alert, now: datetime, batch: Any = None) -> Email:
    if alert.status != Alert.Status.OPEN:
        raise Skip("acknowledged before the email went out")
    recipients = alert_recipients(alert.patient)
    if not recipients:
        raise Skip(NO_RECIPIENT)
    link = settings.SITE_URL + reverse("admin:patients_alert_change", args=[alert.pk])
    first_name = recipients[0].first_name if len(recipients) == 1 else ""
    return render_email(
        "patients/email/alert",
        # How soon, and nothing else: an email travels, so it names no patient and no symptom.
        {
            "first_name": first_name or "there",
            "link": link,
            "urgent": alert.cause == Alert.Cause.URGENT,
            "severity": severity_of(alert.cause).word,  # patients/attention.py: the one table
        },
        to=[user.email for user in recipients],
    )


def prepare_digest(digest: WeeklyDigest, now: datetime, batch: Any = None) -> Email:
    """The email says only that the week's summary is ready: the patients, their adherence and
    their pain stay behind the login, on the admin's weekly summary page."""
    therapist = digest.therapist
    if not Patient.objects.filter(primary_therapist=therapist, user__is_active=True).exists():
        raise Skip("no patient")
    context = {
        "first_name": therapist.user.first_name or "there",
        "week_start": digest.week_start,
        "link": settings.SITE_URL + reverse("admin:patients_patient_weekly_summary"),
    }
    return render_email("patients/email/digest", context, to=therapist.user.email)


def prepare_invitation(invitation: Invitation, now: datetime, batch: Any = None) -> Email:
    from patients.services import invitation_link

    user = invitation.user
    if user.has_usable_password():
        raise Skip("the password is chosen already")
    context = {
        "first_name": user.first_name or "there",
        "link": invitation_link(user),
        "valid_days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
    }
    return render_email("patients/email/invitation", context, to=user.email)


PREPARERS: dict[str, tuple[Any, Any, tuple[str, ...]]] = {
    "reminder": (prepare_reminder, preload_reminders, ("patient__user", "prescription")),
    "alert": (prepare_alert, None, ("patient__primary_therapist__user",)),
    "digest": (prepare_digest, None, ("therapist__user",)),
    "invitation": (prepare_invitation, None, ("user",)),
    "push": (prepare_push, None, ("reminder__patient", "subscription")),
}
