import functools
import secrets
import unicodedata
import zoneinfo
from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.crypto import salted_hmac

from exercises.dosage import Schedule, dosage_in_words
from exercises.models import Dosage, Exercise, Library, Media, ProgramTemplate
from patients.schedule import in_quiet_hours, is_due_on


def new_reminder_token() -> str:
    return secrets.token_urlsafe(32)


@functools.cache
def time_zone_choices() -> list[tuple[str, str]]:
    # A callable, so that migrations name this function instead of freezing the 599 zones of
    # one tzdata release (a new release would then ask for a migration). Read once a process.
    return sorted((name, name) for name in zoneinfo.available_timezones())


def validate_time_zone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationError(f"{value!r} is not a time zone name.") from None


def normalise_email(value: str) -> str:
    """The one spelling of an address, used at every entrance (login, lockout, reset,
    invitations, the admin): "  Pat@X.Test" and "pat@x.test" are one person and one lockout."""
    return unicodedata.normalize("NFKC", value).strip().casefold()


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra_fields: object) -> "User":
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=normalise_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(
        self, email: str, password: str | None = None, **extra_fields: object
    ) -> "User":
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email: str, password: str | None, **extra_fields: object) -> "User":
        extra_fields["is_staff"] = True
        extra_fields["is_superuser"] = True
        return self._create_user(email, password, **extra_fields)

    def get_by_natural_key(self, username: str | None) -> "User":
        # People type their address as they like: Alex@Example.com logs in as alex@example.com.
        return self.get(email=normalise_email(username or ""))


class User(AbstractUser):
    """Everyone who logs in: patients on the site, therapists and clinic admins in the admin."""

    username = None  # type: ignore[assignment]
    email = models.EmailField("email address", unique=True)
    # Part of every session's auth hash: a new value logs out every session made before it
    # (see patients/sessions.py). Empty for accounts that never used it, so their hash is
    # Django's own and no session ended when this field arrived.
    session_salt = models.CharField(max_length=32, blank=True, default="", editable=False)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()  # type: ignore[misc]

    class Meta:
        ordering = ["last_name", "first_name", "email"]
        constraints = [
            # Stored folded by save(); this holds even for a write that skips it.
            models.UniqueConstraint(Lower("email"), name="user_email_unique_whatever_the_case"),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    def clean_fields(self, exclude: object = None) -> None:
        self.email = normalise_email(self.email or "")
        super().clean_fields(exclude)  # type: ignore[arg-type]

    def clean(self) -> None:
        super().clean()
        self.email = normalise_email(self.email)
        clash = User.objects.filter(email__iexact=self.email).exclude(pk=self.pk)
        if self.email and clash.exists():
            raise ValidationError({"email": "Someone already uses this email address."})

    def save(self, *args: object, **kwargs: object) -> None:
        self.email = normalise_email(self.email)
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        key_salt = "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash"
        return salted_hmac(
            key_salt, self.password + self.session_salt, secret=secret, algorithm="sha256"
        ).hexdigest()


class Clinic(models.Model):
    name = models.CharField(max_length=200, unique=True)
    time_zone = models.CharField(
        max_length=64,
        default="Europe/London",
        choices=time_zone_choices,
        validators=[validate_time_zone],
        help_text="Where the clinic is: the therapists' weekly digest goes out in this zone.",
    )
    phone = models.CharField(
        max_length=40,
        blank=True,
        validators=[
            RegexValidator(
                r"^\+?[0-9][0-9 ()./-]{2,38}$",
                "Digits, spaces and + ( ) . / - only, for example 020 7946 0000.",
            )
        ],
        help_text="Patients see it on every safety screen: the number to call about a report.",
    )
    opening_hours = models.CharField(
        max_length=200,
        blank=True,
        help_text="When the phone is answered, as patients should read it, e.g. "
        "“Mon–Fri 8:00–18:00”.",
    )
    # The documents give no rest between holds or sets: the session player rests this long.
    rest_seconds = models.PositiveSmallIntegerField(
        "rest between holds and sets (seconds)",
        default=10,
        validators=[
            MinValueValidator(0, "The rest must be from 0 to 300 seconds."),
            MaxValueValidator(300, "The rest must be from 0 to 300 seconds."),
        ],
        help_text="The session player's rest between repetitions, sides and sets, "
        "for every exercise of the clinic's patients.",
    )
    library = models.OneToOneField(
        Library,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        help_text="The clinic's own exercises, programme templates and cards: seen only inside it.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Every clinic has a library of its own from its first save; the library carries the
        # clinic's name for the screens and commands that cannot ask the clinic.
        if self.library_id is None:
            self.library = Library.objects.create(name=self.name)
        elif not Library.objects.filter(pk=self.library_id, name=self.name).exists():
            Library.objects.filter(pk=self.library_id).update(name=self.name)
        super().save(*args, **kwargs)


def library_usable_by(clinic_id: int, library_id: int | None) -> bool:
    """A clinic's patients may be given the shipped library and their clinic's own, nothing
    else. One query at most (none for the shipped library)."""
    if library_id is None:
        return True
    return Clinic.objects.filter(pk=clinic_id, library_id=library_id).exists()


NOT_THIS_CLINICS = (
    "This {} is in another clinic's own library: choose one from the shipped library or "
    "from the patient's clinic."
)


class Therapist(models.Model):
    class Role(models.TextChoices):
        THERAPIST = "therapist", "Therapist"
        CLINIC_ADMIN = "clinic_admin", "Clinic admin"

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="therapist")
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="therapists")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.THERAPIST)

    class Meta:
        ordering = ["user__last_name", "user__first_name"]

    def __str__(self) -> str:
        return str(self.user)


class HoldReason(models.TextChoices):
    """Why a patient's programme is paused until their therapist reviews it, most severe first."""

    URGENT_SIGN = "urgent_sign", "An urgent warning sign"
    NERVE_SYMPTOMS = "nerve_symptoms", "Nerve symptoms (radiating, tingling or numbness)"
    SEVERE_SPASM = "severe_spasm", "A severe spasm"

    @classmethod
    def severity(cls, reason: str) -> int:
        """Higher is more severe; an empty reason holds nothing."""
        order = [choice.value for choice in cls]
        return len(order) - order.index(reason) if reason in order else 0


class Patient(models.Model):
    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="patient")
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="patients")
    primary_therapist = models.ForeignKey(
        Therapist, on_delete=models.PROTECT, related_name="patients"
    )
    time_zone = models.CharField(
        max_length=64,
        default="Europe/London",
        choices=time_zone_choices,
        validators=[validate_time_zone],
        help_text="Where the patient lives: their day and their reminders follow this zone.",
    )
    reminders_enabled = models.BooleanField("email reminders", default=True)
    # Whether any of the patient's devices takes push reminders, kept by patients/push.py in the
    # transaction that adds or removes one: the scheduler reads it with the patient's other
    # columns, in the same statement, rather than looking for devices on every tick.
    push_reminders = models.BooleanField(
        "push reminders",
        default=False,
        db_default=False,
        editable=False,
        help_text="On while at least one of the patient's devices takes reminders.",
    )
    preferred_reminder_time = models.TimeField(
        null=True,
        blank=True,
        help_text="Local time for reminders; empty uses the time set on each prescription.",
    )
    quiet_hours_start = models.TimeField(
        null=True, blank=True, help_text="No reminder from this local time…"
    )
    quiet_hours_end = models.TimeField(null=True, blank=True, help_text="…until this one.")
    pain_baseline = models.PositiveSmallIntegerField(
        "pain baseline (NPRS 0–10)",
        null=True,
        blank=True,
        validators=[MaxValueValidator(10)],
        help_text="Pain on the 0–10 numeric rating scale at the start of care.",
    )
    phone = models.CharField(
        "phone number",
        max_length=30,
        blank=True,
        db_default="",
        validators=[
            RegexValidator(
                r"^\+?[0-9][0-9 ().-]{5,28}$",
                "Enter a phone number of digits, spaces, brackets or dashes, such as "
                "+44 20 7946 0000.",
            )
        ],
        help_text="For the therapist to call; the patient's own pages never show it.",
    )
    outcome_interval_days = models.PositiveSmallIntegerField(
        "functional scale every (days)",
        default=14,
        db_default=14,
        validators=[MinValueValidator(7), MaxValueValidator(91)],
        help_text="How often Today asks the patient for the Patient-Specific Functional Scale.",
    )
    created_at = models.DateTimeField(default=timezone.now)
    # Opaque, random: the one-click "stop reminders" link carries it (signed), never an id.
    reminder_token = models.CharField(
        max_length=43, unique=True, default=new_reminder_token, editable=False
    )
    safety_check_at = models.DateTimeField(
        "urgent warning signs first answered",
        null=True,
        blank=True,
        editable=False,
        help_text="Today asks the patient about the urgent warning signs until they have answered.",
    )
    # Replaced, in the same transaction, by every change to the rows Today and the history show
    # besides the patient's own: prescriptions, their exercises, check-offs, screen requests, pain
    # reports (patients/page_stamps.py). Those pages are kept between requests under it.
    page_stamp = models.PositiveBigIntegerField(default=0, db_default=0, editable=False)
    programme_held_at = models.DateTimeField(
        "programme paused since",
        null=True,
        blank=True,
        editable=False,
        help_text="Paused until the therapist reviews the report: no check-off, no reminder.",
    )
    programme_held_reason = models.CharField(
        "programme paused for",
        max_length=20,
        choices=HoldReason.choices,
        blank=True,
        editable=False,
    )
    programme_held_alert = models.ForeignKey(
        "Alert",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
        help_text="Acknowledging it resumes the programme.",
    )

    class Meta:
        ordering = ["user__last_name", "user__first_name"]

    def __str__(self) -> str:
        return str(self.user)

    @property
    def programme_held(self) -> bool:
        return self.programme_held_at is not None

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    def local_today(self, now: datetime | None = None) -> date:
        return (now or timezone.now()).astimezone(self.zone).date()

    def in_quiet_hours(self, local_time: time) -> bool:
        return in_quiet_hours(local_time, self.quiet_hours_start, self.quiet_hours_end)

    def clean(self) -> None:
        super().clean()
        if (
            self.clinic_id
            and self.primary_therapist_id
            and self.primary_therapist.clinic_id != self.clinic_id
        ):
            raise ValidationError(
                {"primary_therapist": "The therapist must work at the patient's clinic."}
            )
        if (self.quiet_hours_start is None) != (self.quiet_hours_end is None):
            raise ValidationError(
                {"quiet_hours_end": "Give both ends of the quiet hours, or neither."}
            )


class Outgoing(models.Model):
    """Something to send by email, recorded before it is sent (the database is the record of
    what must go out); a worker claims it with a conditional update, so it goes out once."""

    class Delivery(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        SENDING = "sending", "Being sent"
        SENT = "sent", "Sent"
        SKIPPED = "skipped", "Not needed"
        FAILED = "failed", "Failed"

    delivery = models.CharField(
        "email", max_length=10, choices=Delivery.choices, default=Delivery.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    # Which batch claimed it: a worker reads back exactly the rows its own UPDATE took.
    claimed_by = models.CharField(max_length=32, blank=True, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        abstract = True


WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
EVERY_DAY = 0b1111111


def days_from_mask(mask: int) -> list[int]:
    """Weekday numbers (Monday = 0) set in a mask."""
    return [day for day in range(7) if mask & (1 << day)]


def mask_from_days(days: list[int] | list[str]) -> int:
    return sum(1 << int(day) for day in set(days))


def days_in_words(mask: int) -> str:
    if mask == EVERY_DAY:
        return "Every day"
    if mask == 0b0011111:
        return "Weekdays"
    return ", ".join(WEEKDAYS[day][:3] for day in days_from_mask(mask)) or "No day"


def days_in_full_words(mask: int) -> str:
    """The days of a dose read out: "every day", "on Monday, Wednesday and Friday"."""
    if mask == EVERY_DAY:
        return "every day"
    names = [WEEKDAYS[day] for day in days_from_mask(mask)]
    if mask == 0b0011111:
        return "on weekdays (Monday to Friday)"
    if len(names) < 2:
        return f"on {names[0]}s" if names else "on no day"
    return "on " + ", ".join(names[:-1]) + " and " + names[-1]


class Prescription(models.Model):
    """A home exercise programme for one patient: what to do, on which days, how often."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        PAUSED = "paused", "Paused"
        FINISHED = "finished", "Finished"

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="prescriptions")
    therapist = models.ForeignKey(Therapist, on_delete=models.PROTECT, related_name="prescriptions")
    title = models.CharField(max_length=200)
    template = models.ForeignKey(
        ProgramTemplate,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="prescriptions",
        help_text="The programme it was made from; empty when made from scratch.",
    )
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True, help_text="Empty: until you finish it.")
    days_mask = models.PositiveSmallIntegerField(
        "days",
        default=EVERY_DAY,
        validators=[MinValueValidator(1, "Choose at least one day."), MaxValueValidator(EVERY_DAY)],
    )
    sessions_per_day = models.PositiveSmallIntegerField(
        default=1,
        validators=[
            MinValueValidator(1, "At least one session a day."),
            MaxValueValidator(6, "At most 6 sessions a day."),
        ],
    )
    reminder_time = models.TimeField(
        default=time(18, 0), help_text="Local time of the first session's reminder."
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    notes = models.TextField("notes for the patient", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-start_date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True)
                | models.Q(end_date__gte=models.F("start_date")),
                name="prescription_ends_after_it_starts",
            ),
            models.CheckConstraint(
                condition=models.Q(days_mask__gte=1, days_mask__lte=EVERY_DAY),
                name="prescription_has_a_day",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.patient})"

    def clean(self) -> None:
        super().clean()
        errors: dict[str, str] = {}
        if self.end_date and self.start_date and self.end_date < self.start_date:
            errors["end_date"] = "The end date must be on or after the start date."
        if (
            self.patient_id
            and self.therapist_id
            and self.therapist.clinic_id != self.patient.clinic_id
        ):
            errors["therapist"] = "The therapist must work at the patient's clinic."
        if (
            self.patient_id
            and self.template_id
            and not library_usable_by(self.patient.clinic_id, self.template.library_id)
        ):
            errors["template"] = NOT_THIS_CLINICS.format("programme template")
        if errors:
            raise ValidationError(errors)

    def days(self) -> list[int]:
        return days_from_mask(self.days_mask)

    def days_in_words(self) -> str:
        return days_in_words(self.days_mask)

    def is_due_on(self, day: date) -> bool:
        """A session is due that (local) day: active, within its dates, on one of its days."""
        return self.status == self.Status.ACTIVE and is_due_on(
            day, self.days_mask, self.start_date, self.end_date
        )

    def due_days(self, first: date, last: date) -> list[date]:
        span = (last - first).days + 1
        return [d for d in (first + timedelta(n) for n in range(span)) if self.is_due_on(d)]


class NextReminder(models.Model):
    """When a prescription's next reminder is due, kept by patients/next_reminders.py on every
    change that can move it and after each tick, so that a tick reads only what is due. A narrow
    table of its own: a tick that records 100,000 reminders moves 100,000 of these rows on, and
    a row with two indexes costs a fraction of a prescription's with five."""

    prescription = models.OneToOneField(
        Prescription, primary_key=True, on_delete=models.CASCADE, related_name="next_reminder"
    )
    due_at = models.DateTimeField(null=True, blank=True, help_text="Empty: no reminder to come.")
    local_date = models.DateField(null=True, blank=True, help_text="The patient's date of it.")
    session = models.PositiveSmallIntegerField(null=True, blank=True)
    ticked_at = models.DateTimeField(
        null=True, blank=True, help_text="When a tick last recorded the prescription's sessions."
    )

    class Meta:
        indexes = [
            models.Index(
                fields=["due_at"],
                name="next_reminder_due",
                condition=models.Q(due_at__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return f"Next reminder of {self.prescription_id}: {self.due_at}"


class PrescribedExercise(Dosage):
    """One exercise of a prescription, with this patient's dose: a copy, so that editing the
    library or the template later never changes a patient's plan."""

    prescription = models.ForeignKey(
        Prescription, on_delete=models.CASCADE, related_name="exercises"
    )
    exercise = models.ForeignKey(Exercise, on_delete=models.PROTECT, related_name="+")
    order = models.PositiveSmallIntegerField(default=1)
    therapist_note = models.CharField(max_length=500, blank=True)
    # Raised with every change to its own pictures and videos (patients/page_stamps.py): a kept
    # card is keyed on the item's row, so this keys it on them too, and 0 says there are none
    # to read.
    media_version = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["prescription", "order", "id"]
        verbose_name = "prescribed exercise"

    def __str__(self) -> str:
        return f"{self.exercise} — {self.dosage_in_words()}"

    def dosage_in_words(self, separator: str = ", ") -> str:
        """The dose in full words, its frequency taken from the programme where the dose does
        not give one: the programme's sessions a day and days are when it is due."""
        prescription = self.prescription
        schedule = Schedule(
            sessions_per_day=prescription.sessions_per_day,
            days=days_in_full_words(prescription.days_mask),
        )
        return dosage_in_words(self.dosage(), separator, schedule)

    def clean(self) -> None:
        super().clean()
        if self.exercise_id and self.exercise.is_screen:
            raise ValidationError(
                {"exercise": "A screen is asked for on its own (Screen requests), not scheduled."}
            )
        # In the admin's add form the prescription is not saved yet, but it is set.
        prescription = self._meta.get_field("prescription").get_cached_value(self, None)
        if prescription is None and self.prescription_id:
            prescription = self.prescription
        if (
            self.exercise_id
            and prescription is not None
            and prescription.patient_id
            and not library_usable_by(prescription.patient.clinic_id, self.exercise.library_id)
        ):
            raise ValidationError({"exercise": NOT_THIS_CLINICS.format("exercise")})


class PrescriptionVersion(models.Model):
    """What the prescription said after each change, so the therapist can see what the patient
    was asked to do on any past day."""

    prescription = models.ForeignKey(
        Prescription, on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    snapshot = models.JSONField()
    # What the snapshot says about the schedule, as columns, so adherence for any past day is
    # counted by the database from what was prescribed that day. A version is in force from the
    # patient's local day it was made (the first version also for the days before it) to the day
    # before the next version was made: the version at the end of a day is that day's.
    in_force_from = models.DateField(null=True, blank=True, editable=False)
    in_force_until = models.DateField(null=True, blank=True, editable=False)
    status = models.CharField(max_length=10, choices=Prescription.Status.choices, blank=True)
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    days_mask = models.PositiveSmallIntegerField(default=EVERY_DAY)
    sessions_per_day = models.PositiveSmallIntegerField(default=1)
    exercise_count = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["prescription", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["prescription", "number"], name="prescription_version_number_unique"
            )
        ]

    def __str__(self) -> str:
        return f"Version {self.number} of {self.prescription_id}"

    def in_force_on(self, day: date) -> bool:
        return (self.in_force_from is None or self.in_force_from <= day) and (
            self.in_force_until is None or day <= self.in_force_until
        )

    def expected_on(self, day: date) -> int:
        """Sessions of exercises this version asked for on that (local) day."""
        if not self.in_force_on(day) or self.status != Prescription.Status.ACTIVE:
            return 0
        if self.start_date is None or not is_due_on(
            day, self.days_mask, self.start_date, self.end_date
        ):
            return 0
        return self.exercise_count * self.sessions_per_day


class CheckOff(models.Model):
    """The patient did this exercise in this session of this local day."""

    class Difficulty(models.TextChoices):
        TOO_EASY = "too_easy", "Too easy"
        RIGHT = "right", "About right"
        TOO_HARD = "too_hard", "Too hard"

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="check_offs")
    prescribed_exercise = models.ForeignKey(
        PrescribedExercise, on_delete=models.CASCADE, related_name="check_offs"
    )
    local_date = models.DateField(help_text="The patient's own date when they did it.")
    session = models.PositiveSmallIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    difficulty = models.CharField(max_length=10, choices=Difficulty.choices, blank=True)
    pain_during = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(10)]
    )
    # Filled by the session player: how much of the dose was done (every side's repetition
    # counted). Empty for a plain "Done", which says the whole dose was done.
    reps_done = models.PositiveSmallIntegerField("repetitions done", null=True, blank=True)
    reps_planned = models.PositiveSmallIntegerField(
        "repetitions in the dose", null=True, blank=True
    )
    sets_done = models.PositiveSmallIntegerField(null=True, blank=True)
    # A check-off made on the phone with no connection carries an id the phone made, so that
    # sending it again (a retry, a second tab, a replayed request) records it once; created_at
    # is then when the patient did it, and synced_at when it reached the portal.
    client_id = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    synced_at = models.DateTimeField(
        "reached the portal",
        null=True,
        blank=True,
        editable=False,
        help_text="Made on the phone without a connection and sent later; empty: sent at once.",
    )

    class Meta:
        ordering = ["-local_date", "-created_at"]
        constraints = [
            # A double tap, a second tab or a retried request never makes a second check-off.
            models.UniqueConstraint(
                fields=["prescribed_exercise", "local_date", "session"],
                name="one_check_off_per_exercise_session",
            )
        ]
        indexes = [
            models.Index(fields=["patient", "local_date"]),
            # The admin's check-off list, newest first: read in order and stop at a page, rather
            # than join and sort every check-off of the clinic (240 ms → 2 ms at 210,000).
            models.Index(
                fields=["-local_date", "-created_at", "-id"], name="checkoff_newest_first"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.prescribed_exercise.exercise} on {self.local_date}"

    @property
    def is_partial(self) -> bool:
        """The patient stopped the session player before the end of the dose."""
        return (
            self.reps_done is not None
            and self.reps_planned is not None
            and self.reps_done < self.reps_planned
        )


class PainReport(models.Model):
    class Moment(models.TextChoices):
        MORNING = "morning", "In the morning"
        BEFORE_EXERCISE = "before_exercise", "Before my exercises"
        AFTER_EXERCISE = "after_exercise", "After my exercises"
        RUNNING = "running", "During or after running"

    class Quality(models.TextChoices):
        DULL = "dull", "Dull ache"
        SHARP = "sharp", "Sharp"
        RADIATING = "radiating", "Radiating into the thigh or knee"
        TINGLING = "tingling", "Tingling (pins and needles) in the thigh or leg"
        NUMBNESS = "numbness", "Numbness in the thigh or leg"
        SPASM = "spasm", "Spasm"

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="pain_reports")
    created_at = models.DateTimeField(default=timezone.now)
    local_date = models.DateField()
    score = models.PositiveSmallIntegerField("pain (NPRS 0–10)", validators=[MaxValueValidator(10)])
    moment = models.CharField("when", max_length=20, choices=Moment.choices)
    qualities = models.JSONField("what it feels like", default=list, blank=True)
    severe_spasm = models.BooleanField(default=False)
    urgent_signs = models.JSONField(
        "urgent warning signs",
        default=list,
        blank=True,
        help_text="The warning signs the patient ticked (see patients/safety.py); empty: none.",
    )
    note = models.TextField(blank=True)
    red_flag = models.BooleanField(
        default=False,
        help_text="Radiating, tingling or numb pain, a severe spasm, pain running, or an urgent "
        "warning sign.",
    )
    # As for a check-off: the phone's id for a report made offline, sent once however often it
    # is sent; created_at is when the patient reported, synced_at when it arrived.
    client_id = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    synced_at = models.DateTimeField(
        "reached the portal",
        null=True,
        blank=True,
        editable=False,
        help_text="Made on the phone without a connection and sent later; empty: sent at once.",
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["patient", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.score}/10 on {self.local_date}"


class SafetyCheck(models.Model):
    """The patient's answer to the urgent warning signs questions, asked at their first login
    (and whenever they open the questions again), outside any pain report."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="safety_checks")
    answered_at = models.DateTimeField(default=timezone.now)
    urgent_signs = models.JSONField(
        "urgent warning signs", default=list, blank=True, help_text="Empty: none of these."
    )

    class Meta:
        ordering = ["-answered_at"]

    def __str__(self) -> str:
        return f"Warning signs answered {self.answered_at:%Y-%m-%d %H:%M}"


class Alert(Outgoing):
    """Something a therapist should look at; one open alert per cause and patient. Its email
    to the therapist is sent like a reminder (see Outgoing)."""

    class Cause(models.TextChoices):
        URGENT = "urgent", "Urgent warning sign"  # the most severe: first
        RED_FLAG = "red_flag", "Red-flag pain report"
        HIGH_PAIN = "high_pain", "Pain 7 or more"
        PAIN_RISING = "pain_rising", "Pain up 2+ on baseline"
        INACTIVE = "inactive", "No activity for 3 days"
        PARTIAL_SESSION = "partial_session", "Partial or painful session"
        SCREEN_WORSE = "screen_worse", "Screen result worse"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ACKNOWLEDGED = "acknowledged", "Acknowledged"

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="alerts")
    cause = models.CharField(max_length=20, choices=Cause.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    pain_report = models.ForeignKey(
        PainReport, null=True, blank=True, on_delete=models.SET_NULL, related_name="alerts"
    )
    check_off = models.ForeignKey(
        CheckOff, null=True, blank=True, on_delete=models.SET_NULL, related_name="alerts"
    )
    safety_check = models.ForeignKey(
        SafetyCheck, null=True, blank=True, on_delete=models.SET_NULL, related_name="alerts"
    )
    screen_result = models.ForeignKey(
        "ScreenResult", null=True, blank=True, on_delete=models.SET_NULL, related_name="alerts"
    )
    hold_reason = models.CharField(
        "pauses the programme for",
        max_length=20,
        choices=HoldReason.choices,
        blank=True,
        help_text="Set when a report that pauses the programme raised or joined this alert.",
    )
    created_at = models.DateTimeField(default=timezone.now)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(
        "acknowledgement note",
        blank=True,
        help_text="What the therapist did or decided (a call, advice given), kept with the alert.",
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "cause"],
                condition=models.Q(status="open"),
                name="one_open_alert_per_cause",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_cause_display()}: {self.patient}"


class AlertNotice(models.Model):
    """What happened, for one cause, when a patient's report raised or joined an alert: the
    patient is told exactly this (and the page checks the alert's email again when it shows it)."""

    class Outcome(models.TextChoices):
        MESSAGE_QUEUED = "message_queued", "New alert: its email is on its way"
        ALREADY_OPEN = "already_open", "Added to an alert already open"
        NO_RECIPIENT = "no_recipient", "New alert: nobody active to email"

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="alert_notices")
    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="notices")
    cause = models.CharField(max_length=20, choices=Alert.Cause.choices)
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    recipient = models.CharField(
        max_length=300, blank=True, help_text="First names of the people the email goes to."
    )
    pain_report = models.ForeignKey(
        PainReport, null=True, blank=True, on_delete=models.CASCADE, related_name="notices"
    )
    check_off = models.ForeignKey(
        CheckOff, null=True, blank=True, on_delete=models.CASCADE, related_name="notices"
    )
    safety_check = models.ForeignKey(
        SafetyCheck, null=True, blank=True, on_delete=models.CASCADE, related_name="notices"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(
                        pain_report__isnull=False, check_off__isnull=True, safety_check__isnull=True
                    )
                    | models.Q(
                        pain_report__isnull=True, check_off__isnull=False, safety_check__isnull=True
                    )
                    | models.Q(
                        pain_report__isnull=True, check_off__isnull=True, safety_check__isnull=False
                    )
                ),
                name="alert_notice_about_exactly_one_report",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_cause_display()}: {self.get_outcome_display()}"


def safety_text_choices() -> list[tuple[str, str]]:
    # A callable, so the texts' list lives in patients/safety.py alone (which reads these models)
    # and is not frozen into a migration.
    from patients.safety import KEY_CHOICES

    return KEY_CHOICES


class ClinicWording(models.Model):
    """A clinic's own text in place of one of the portal's standard safety texts
    (patients/safety.py), shown to the clinic's patients as the clinic's, with author and date."""

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="wordings")
    key = models.CharField("replaces", max_length=40, choices=safety_text_choices)
    text = models.TextField(help_text="What your patients read instead of the standard text.")
    written_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["clinic", "key"]
        verbose_name = "clinic wording"
        constraints = [
            models.UniqueConstraint(fields=["clinic", "key"], name="one_wording_per_clinic_and_key")
        ]

    def __str__(self) -> str:
        return f"{self.get_key_display()} ({self.clinic})"

    @property
    def author(self) -> str:
        return str(self.written_by) if self.written_by else "your clinic"

    def clean(self) -> None:
        from patients.safety import placeholder_problem

        super().clean()
        self.text = self.text.strip()
        if not self.text:
            raise ValidationError({"text": "Write the text your patients should read."})
        problem = placeholder_problem(self.key, self.text)
        if problem:
            raise ValidationError({"text": problem})


class Invitation(Outgoing):
    """An invitation email to set a password: a row first, sent once by a worker."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="invitations")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Invitation to {self.user.email} ({self.get_delivery_display()})"


class Reminder(Outgoing):
    """A session that is due: one row per prescription, local date and session (and at most
    one follow-up a day per patient), whatever the number of beats or ticks that see it."""

    class Kind(models.TextChoices):
        REMINDER = "reminder", "Reminder"
        FOLLOW_UP = "follow_up", "Follow-up"

    prescription = models.ForeignKey(
        Prescription, on_delete=models.CASCADE, related_name="reminders"
    )
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="reminders")
    local_date = models.DateField()
    session = models.PositiveSmallIntegerField(default=1)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.REMINDER)
    due_at = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-due_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["prescription", "local_date", "session", "kind"],
                name="one_reminder_per_session",
            ),
            models.UniqueConstraint(
                fields=["patient", "local_date"],
                condition=models.Q(kind="follow_up"),
                name="one_follow_up_a_day",
            ),
        ]
        indexes = [
            models.Index(
                fields=["delivery", "due_at"],
                name="reminder_waiting",
                condition=models.Q(delivery__in=["pending", "sending"]),
            ),
            models.Index(fields=["patient", "local_date"], name="reminder_patient_day"),
            models.Index(fields=["due_at"], name="reminder_due_at"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.local_date} (session {self.session})"


class PushSubscription(models.Model):
    """A device (one browser on a phone or a computer) a patient asked reminders on: its push
    service's address and the keys a push to it is encrypted with, as the browser gave them."""

    patient = models.ForeignKey(
        Patient, on_delete=models.CASCADE, related_name="push_subscriptions"
    )
    endpoint = models.CharField(max_length=2000, unique=True)
    p256dh = models.CharField("public key", max_length=100)
    auth = models.CharField("authentication secret", max_length=40)
    device = models.CharField(max_length=60, blank=True, help_text="Such as Chrome on Android.")
    created_at = models.DateTimeField(default=timezone.now)
    last_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.device or "A device"


class PushMessage(Outgoing):
    """A reminder (or follow-up) to one device: recorded when the worker finds the reminder
    needed, then sent once, as an email is. It outlives its device (the push service said the
    subscription expired), so that the admin still shows where it went and why it failed."""

    delivery = models.CharField(
        "push",
        max_length=10,
        choices=Outgoing.Delivery.choices,
        default=Outgoing.Delivery.PENDING,
    )
    reminder = models.ForeignKey(Reminder, on_delete=models.CASCADE, related_name="push_messages")
    subscription = models.ForeignKey(
        PushSubscription,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="messages",
    )
    device = models.CharField(max_length=60, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["reminder", "subscription"], name="one_push_per_reminder_and_device"
            )
        ]
        indexes = [
            models.Index(
                fields=["delivery", "next_attempt_at"],
                name="push_waiting",
                condition=models.Q(delivery__in=["pending", "sending"]),
            ),
        ]

    def __str__(self) -> str:
        return f"Push to {self.device or 'a device'} ({self.get_delivery_display()})"


class WeeklyDigest(Outgoing):
    """Monday morning's summary for a therapist: one per therapist and week."""

    therapist = models.ForeignKey(Therapist, on_delete=models.CASCADE, related_name="digests")
    week_start = models.DateField(help_text="The Monday, in the clinic's zone.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-week_start"]
        constraints = [
            models.UniqueConstraint(fields=["therapist", "week_start"], name="one_digest_a_week")
        ]

    def __str__(self) -> str:
        return f"Digest for {self.therapist} (week of {self.week_start})"


class ScreenRequest(models.Model):
    """The therapist asks the patient to do a screen (a balance or coordination test): it shows
    on the patient's Today page until they record a result."""

    class Status(models.TextChoices):
        OPEN = "open", "Waiting for the patient"
        DONE = "done", "Result recorded"
        CANCELLED = "cancelled", "Cancelled"

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="screen_requests")
    screen = models.ForeignKey(
        Exercise,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind": "screen"},
    )
    requested_by = models.ForeignKey(
        Therapist, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)

    class Meta:
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "screen"],
                condition=models.Q(status="open"),
                name="one_open_request_per_screen",
            )
        ]

    def __str__(self) -> str:
        return f"{self.screen} for {self.patient}"

    def clean(self) -> None:
        super().clean()
        if self.screen_id and not self.screen.is_screen:
            raise ValidationError(
                {"screen": "Only a screen can be asked for; this is an exercise."}
            )
        if (
            self.screen_id
            and self.patient_id
            and not library_usable_by(self.patient.clinic_id, self.screen.library_id)
        ):
            raise ValidationError({"screen": NOT_THIS_CLINICS.format("screen")})


class ScreenResult(models.Model):
    """What the patient recorded for a screen: one entry per trial of the screen, e.g.
    {"label": "Left leg, eyes open", "seconds": 30, "could_not": false, "passed": true}."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="screen_results")
    screen = models.ForeignKey(Exercise, on_delete=models.PROTECT, related_name="+")
    request = models.ForeignKey(
        ScreenRequest, null=True, blank=True, on_delete=models.SET_NULL, related_name="results"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    local_date = models.DateField()
    trials = models.JSONField(default=list)

    class Meta:
        ordering = ["-recorded_at"]
        indexes = [models.Index(fields=["patient", "screen", "-recorded_at"])]

    def __str__(self) -> str:
        return f"{self.screen} on {self.local_date}"

    @property
    def passed_count(self) -> int:
        return sum(1 for trial in self.trials if trial.get("passed"))


class PrescribedExerciseMedia(Media):
    """A picture or video a therapist attaches to one exercise of one patient's programme (their
    own way of doing it, their equipment at home): seen by that patient and their clinic's staff
    only, before the exercise's own."""

    FOLDER = "patients"

    prescribed_exercise = models.ForeignKey(
        PrescribedExercise,
        on_delete=models.CASCADE,
        related_name="media",
        verbose_name="exercise in the patient's programme",
    )

    class Meta(Media.Meta):
        verbose_name = "picture or video for one patient"
        verbose_name_plural = "pictures and videos for one patient"


class PsfsResponse(models.Model):
    """One Patient-Specific Functional Scale (Stratford et al., Physiotherapy Canada 1995): up
    to five activities the patient finds hard, each rated 0 (unable) to 10 (as before)."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="psfs_responses")
    created_at = models.DateTimeField(default=timezone.now)
    local_date = models.DateField(help_text="The patient's own date when they answered.")

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["patient", "-created_at"])]
        verbose_name = "functional scale (PSFS)"
        verbose_name_plural = "functional scales (PSFS)"

    def __str__(self) -> str:
        return f"PSFS on {self.local_date}"


class PsfsRating(models.Model):
    response = models.ForeignKey(PsfsResponse, on_delete=models.CASCADE, related_name="ratings")
    position = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    activity = models.CharField(max_length=120)
    score = models.PositiveSmallIntegerField(
        "ability (0–10)", validators=[MinValueValidator(0), MaxValueValidator(10)]
    )

    class Meta:
        ordering = ["response", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["response", "position"], name="psfs_rating_position_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(position__gte=1, position__lte=5), name="psfs_at_most_five"
            ),
            models.CheckConstraint(
                condition=models.Q(score__gte=0, score__lte=10), name="psfs_score_0_to_10"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.activity}: {self.score}/10"
