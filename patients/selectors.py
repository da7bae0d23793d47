"""Reads that decide who may see what, and the figures the therapist's screens show.

Every query for patient data starts from one of the `*_visible_to(user)` functions: a therapist or
clinic admin sees their own clinic, a superuser everything, anyone else nothing.
"""

from __future__ import annotations

import functools
import operator
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    Count,
    DateField,
    F,
    FloatField,
    IntegerField,
    Model,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.expressions import Expression
from django.db.models.functions import Cast, Coalesce, Least, NullIf
from django.db.models.lookups import Exact, GreaterThan
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.text import smart_split, unescape_string_literal

from exercises.fragments import library_version_subquery
from exercises.models import Citation
from patients.models import (
    CheckOff,
    Clinic,
    PainReport,
    Patient,
    PrescribedExercise,
    Prescription,
    PrescriptionVersion,
    Therapist,
    time_zone_choices,
)
from patients.schedule import is_due_on, session_starts, wall_clock
from portal.prepared import Prepared

if TYPE_CHECKING:
    from patients.models import User

M = TypeVar("M", bound=Model)

ADHERENCE_DAYS = 7
HISTORY_DAYS = 84  # twelve weeks


def staff_clinic_id(user: User) -> int | None:
    """The clinic a staff member works at; None for a superuser (all clinics) and for anyone
    else too, so callers must check `is_superuser` first (see `scope_to_clinic`)."""
    therapist = getattr(user, "therapist", None)
    return therapist.clinic_id if therapist is not None else None


def scope_to_clinic(queryset: QuerySet[M], user: User, clinic_lookup: str) -> QuerySet[M]:
    """The rows of `queryset` the user may see; `clinic_lookup` leads from the row to its clinic
    ("clinic", "patient__clinic", "pk" for clinics themselves…)."""
    if not user.is_active:
        return queryset.none()
    if user.is_superuser:
        return queryset
    clinic_id = staff_clinic_id(user)
    if clinic_id is None:
        return queryset.none()
    return queryset.filter(**{clinic_lookup: clinic_id})


def clinics_visible_to(user: User) -> QuerySet[Clinic]:
    return scope_to_clinic(Clinic.objects.all(), user, "pk")


def therapists_visible_to(user: User) -> QuerySet[Therapist]:
    return scope_to_clinic(Therapist.objects.select_related("user", "clinic"), user, "clinic")


def patients_visible_to(user: User) -> QuerySet[Patient]:
    return scope_to_clinic(Patient.objects.select_related("user", "clinic"), user, "clinic")


# What the clinic searches a patient by (the patient list's search, and every list of a
# patient's records): names and email, each answered by a trigram index on PostgreSQL
# (patients/migrations/0012_user_name_and_email_search_indexes.py).
PATIENT_SEARCH_FIELDS = ["user__first_name", "user__last_name", "user__email"]


def patients_matching(search_term: str, patients: QuerySet[Patient]) -> QuerySet[Patient]:
    """The `patients` whose name or email holds every word of `search_term` ("quoted words" as
    one), as the admin's own search reads a term."""
    matching = Q()
    for word in smart_split(search_term):
        if word[:1] in {'"', "'"} and word[-1] == word[0]:
            word = unescape_string_literal(word)
        matching &= functools.reduce(
            operator.or_, (Q(**{f"{field}__icontains": word}) for field in PATIENT_SEARCH_FIELDS)
        )
    return patients.filter(matching)


RECORDS_BY_ID_AT_MOST = 50_000  # patients: a large clinic's, several times over


def patient_records_matching(
    queryset: QuerySet[M], search_term: str, patients: QuerySet[Patient]
) -> QuerySet[M]:
    """A patient's records (check-offs, pain reports…) of the `patients` whose name or email
    matches, found in two steps: the patients first, then their records by id. In one query
    PostgreSQL tried the match on each record rather than each patient, having guessed that
    the clinic's 210,000 check-offs were 1,232 (the clinic's share of all patients): the
    check-off list's search took 440 ms a query, twice a page; in two, 15 ms and 60 ms."""
    matching = patients_matching(search_term, patients).order_by()
    ids = list(matching.values_list("pk", flat=True)[: RECORDS_BY_ID_AT_MOST + 1])
    if len(ids) > RECORDS_BY_ID_AT_MOST:
        # More patients than a clinic has (a superuser's search across every clinic): the
        # match goes into the records' query rather than a list of ids that size.
        return queryset.filter(patient__in=matching.values("pk"))
    return with_ids(queryset, ids, "patient")


def with_ids(queryset: QuerySet[M], ids: list[int], field: str = "pk") -> QuerySet[M]:
    """The rows of `queryset` whose `field` is one of `ids`."""
    if connection.vendor == "postgresql":
        return queryset.filter(OneOfIds(F(field), ids))
    return queryset.filter(**{f"{field}__in": ids})


class OneOfIds(Expression):
    """`column = ANY(%s::bigint[])` (PostgreSQL): the ids as one array parameter. As 5,000
    parameters they took 25-50 ms a query to send and parse, for a query that then ran in 10
    ms. Not `IN (SELECT unnest(…))`: PostgreSQL takes such a set for 200 distinct values
    whatever its length, and planned 10,000 patients' 210,000 check-offs as if they were
    1,048 (a sort of them all: 120 ms, where reading the newest first and stopping at a page
    takes a few)."""

    conditional = True
    output_field = BooleanField()

    def __init__(self, column: F, ids: list[int]) -> None:
        super().__init__()
        self.column, self.ids = column, ids

    def get_source_expressions(self) -> list[Any]:
        return [self.column]

    def set_source_expressions(self, expressions: list[Any]) -> None:
        (self.column,) = expressions

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, tuple[Any, ...]]:
        sql, params = compiler.compile(self.column)
        return f"{sql} = ANY(%s::bigint[])", (*params, self.ids)


def prescriptions_visible_to(user: User) -> QuerySet[Prescription]:
    return scope_to_clinic(
        Prescription.objects.select_related("patient__user", "therapist__user"),
        user,
        "patient__clinic",
    )


def prescriptions_with_doses(queryset: QuerySet[Prescription]) -> QuerySet[Prescription]:
    """Prescriptions with each exercise's name and dose only (the admin's patient page lists
    them), without the sentences and quotes a patient's page shows."""
    items = PrescribedExercise.objects.select_related("exercise").order_by("order", "id")
    return queryset.prefetch_related(Prefetch("exercises", queryset=items))


# Adherence, pain and the next reminder ------------------------------------------------------


@dataclass
class PatientOverview:
    """What the patient list shows for one patient."""

    expected: int = 0
    done: int = 0
    next_reminder: datetime | None = None
    reminders_enabled: bool = True

    @property
    def adherence(self) -> float | None:
        if not self.expected:
            return None
        return min(self.done, self.expected) / self.expected


@functools.lru_cache(maxsize=4)
def _zones_by_local_date(minute: datetime) -> dict[date, list[str]]:
    # Every zone's date now is the UTC date, the day before or the day after, and no zone
    # changes its offset within a minute: three groups, worked out once a minute.
    zones: dict[date, list[str]] = defaultdict(list)
    for name, _label in time_zone_choices():
        zones[minute.astimezone(zoneinfo.ZoneInfo(name)).date()].append(name)
    return dict(zones)


def by_patient_local_date(now: datetime, value_for, output_field):  # type: ignore[no-untyped-def]
    """A value that depends on the patient's own date today, as SQL: a CASE over their zone."""
    groups = _zones_by_local_date(now.replace(second=0, microsecond=0))
    usual = max(groups, key=lambda today: len(groups[today]))  # the ELSE: the shortest SQL
    return Case(
        *[
            When(time_zone__in=zones, then=Value(value_for(today)))
            for today, zones in groups.items()
            if today != usual
        ],
        default=Value(value_for(usual)),
        output_field=output_field,
    )


def _due_days_in_window(first: date, prefix: str = "", *, versions: bool = False):  # type: ignore[no-untyped-def]
    """How many of the seven days from `first` a schedule is due on (as
    `Prescription.is_due_on`: active, within its dates, on one of its days), as SQL. The
    schedule's columns are under `prefix` (a prescription's, or a kept version's own); a
    version counts only on the days it was in force."""
    days = [first + timedelta(days=offset) for offset in range(ADHERENCE_DAYS)]

    def due(day: date) -> Q:
        condition = (
            Q(**{f"{prefix}status": Prescription.Status.ACTIVE})
            & Q(**{f"{prefix}start_date__lte": day})
            & (Q(**{f"{prefix}end_date__isnull": True}) | Q(**{f"{prefix}end_date__gte": day}))
            & GreaterThan(F(f"{prefix}days_mask").bitand(1 << day.weekday()), 0)
        )
        if versions:
            condition &= (Q(in_force_from__isnull=True) | Q(in_force_from__lte=day)) & (
                Q(in_force_until__isnull=True) | Q(in_force_until__gte=day)
            )
        return condition

    return sum(
        (Case(When(due(day), then=Value(1)), default=Value(0)) for day in days),
        start=Value(0),
    )


def patients_with_adherence(
    queryset: QuerySet[Patient], now: datetime | None = None
) -> QuerySet[Patient]:
    """Each patient's adherence over their last seven full local days, computed by the database
    so that a list can filter and sort on it: `adherence_expected` (sessions of exercises due),
    `adherence_done` (check-offs in those days) and `adherence_share` (done, at most all that
    was due, over due; NULL when nothing was due), and `adherence_ratio` to sort on. Each day
    counts what was prescribed that day (the version in force), and only while it was active."""
    now = now or timezone.now()
    date_field = DateField()
    first = by_patient_local_date(
        now, lambda today: today - timedelta(days=ADHERENCE_DAYS), date_field
    )
    last = by_patient_local_date(now, lambda today: today - timedelta(days=1), date_field)
    done = (
        CheckOff.objects.filter(
            patient=OuterRef("pk"),
            local_date__gte=OuterRef("adherence_first"),
            local_date__lte=OuterRef("adherence_last"),
        )
        .order_by()
        .values("patient")
        .annotate(count=Count("pk"))
        .values("count")
    )
    groups = _zones_by_local_date(now.replace(second=0, microsecond=0))

    def due_days(prefix: str, *, versions: bool = False):  # type: ignore[no-untyped-def]
        return Case(
            *[
                When(
                    Exact(
                        OuterRef("adherence_first"), Value(today - timedelta(days=ADHERENCE_DAYS))
                    ),
                    then=_due_days_in_window(
                        today - timedelta(days=ADHERENCE_DAYS), prefix, versions=versions
                    ),
                )
                for today in sorted(groups)
            ],
            default=Value(0),
        )

    # What was prescribed each day: the version in force that day, or, for a prescription with
    # no kept version (none is made outside the portal's services), the prescription itself.
    unversioned = (
        PrescribedExercise.objects.filter(
            prescription__patient=OuterRef("pk"), prescription__versions__isnull=True
        )
        .order_by()
        .values("prescription__patient")
        .annotate(sessions=Sum(F("prescription__sessions_per_day") * due_days("prescription__")))
        .values("sessions")
    )
    versioned = (
        PrescriptionVersion.objects.filter(prescription__patient=OuterRef("pk"))
        .order_by()
        .values("prescription__patient")
        .annotate(
            sessions=Sum(F("exercise_count") * F("sessions_per_day") * due_days("", versions=True))
        )
        .values("sessions")
    )
    expected = Coalesce(Subquery(unversioned, output_field=IntegerField()), Value(0)) + Coalesce(
        Subquery(versioned, output_field=IntegerField()), Value(0)
    )
    return queryset.annotate(
        adherence_first=first,
        adherence_last=last,
        adherence_done=Coalesce(Subquery(done, output_field=IntegerField()), Value(0)),
        adherence_expected=expected,
        # NULL when nothing was due. Each reference to another annotation repeats its
        # subquery in the SQL: the fewer, the cheaper.
        adherence_share=Cast(Least("adherence_done", "adherence_expected"), FloatField())
        / NullIf(Cast("adherence_expected", FloatField()), Value(0.0)),
        # Done over due, uncapped: it sorts as the share does (more than was due sorts above
        # exactly all of it), and names each figure once, so a sort runs two subqueries a
        # patient rather than three.
        adherence_ratio=Cast("adherence_done", FloatField())
        / NullIf(Cast("adherence_expected", FloatField()), Value(0.0)),
    )


def next_reminder(
    prescriptions: list[Prescription], patient: Patient, now: datetime
) -> datetime | None:
    if not patient.reminders_enabled:
        return None
    today = patient.local_today(now)
    for offset in range(0, 15):
        day = today + timedelta(days=offset)
        candidates = [
            moment
            for prescription in prescriptions
            if prescription.is_due_on(day)
            for _session, starts_at in session_starts(
                day,
                patient.preferred_reminder_time or prescription.reminder_time,
                prescription.sessions_per_day,
            )
            if not patient.in_quiet_hours(starts_at.time())
            and (moment := wall_clock(starts_at, patient.zone)) > now
        ]
        if candidates:
            return min(candidates)
    return None


def next_reminders(patients: list[Patient], now: datetime) -> dict[int, datetime | None]:
    """The next reminder of each patient: one query, whatever the number of patients."""
    prescriptions_by_patient: dict[int, list[Prescription]] = defaultdict(list)
    for prescription in Prescription.objects.filter(
        patient_id__in=[patient.pk for patient in patients]
    ):
        prescriptions_by_patient[prescription.patient_id].append(prescription)
    return {
        patient.pk: next_reminder(prescriptions_by_patient[patient.pk], patient, now)
        for patient in patients
    }


def patient_overviews(
    patients: list[Patient], now: datetime | None = None, *, with_next_reminder: bool = True
) -> dict[int, PatientOverview]:
    """Adherence over the last seven days and the next reminder, for many patients at once:
    two queries, whatever the number of patients."""
    now = now or timezone.now()
    figures = {
        pk: (expected, done)
        for pk, expected, done in patients_with_adherence(
            Patient.objects.filter(pk__in=[patient.pk for patient in patients]), now
        )
        .order_by()
        .values_list("pk", "adherence_expected", "adherence_done")
    }
    reminders = next_reminders(patients, now) if with_next_reminder else {}
    overviews: dict[int, PatientOverview] = {}
    for patient in patients:
        expected, done = figures.get(patient.pk, (0, 0))
        overviews[patient.pk] = PatientOverview(
            expected=expected,
            done=done,
            next_reminder=reminders.get(patient.pk),
            reminders_enabled=patient.reminders_enabled,
        )
    return overviews


@dataclass
class DayAdherence:
    day: date
    expected: int
    done: int

    @property
    def share(self) -> float | None:
        return None if not self.expected else min(self.done, self.expected) / self.expected


@dataclass
class PatientHistory:
    first_day: date
    last_day: date
    days: list[DayAdherence] = field(default_factory=list)
    pain_reports: list[PainReport] = field(default_factory=list)

    @property
    def streak(self) -> int:
        """Due days in a row, back from the latest, on which everything was done (today counts
        once it is complete, and does not break the streak while it is still under way)."""
        count = 0
        for position, entry in enumerate(reversed(self.days)):
            if not entry.expected:
                continue
            if entry.done >= entry.expected:
                count += 1
            elif position == 0:
                continue
            else:
                break
        return count


SCHEDULE_COLUMNS = ("status", "start_date", "end_date", "days_mask", "sessions_per_day")
PLAN_COLUMNS = (*SCHEDULE_COLUMNS, "exercise_count", "in_force_from", "in_force_until")


def prescribed_plans(patient: Patient, first: date) -> list[PrescriptionVersion]:
    """What the patient was asked to do from `first` on: each kept version with the days it was
    in force, and each prescription with no kept version as it stands (unsaved versions, in
    force throughout). One query: both halves name their columns alike (plan_…), in one order."""
    schedule = {f"plan_{name}": F(name) for name in SCHEDULE_COLUMNS}
    names = [f"plan_{name}" for name in PLAN_COLUMNS]
    versions = (
        PrescriptionVersion.objects.filter(prescription__patient=patient)
        .filter(Q(in_force_until__isnull=True) | Q(in_force_until__gte=first))
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=first))
        .order_by()
        .annotate(
            **schedule,
            plan_exercise_count=F("exercise_count"),
            plan_in_force_from=F("in_force_from"),
            plan_in_force_until=F("in_force_until"),
        )
        .values_list(*names)
    )
    unversioned = (
        Prescription.objects.filter(patient=patient, versions__isnull=True)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=first))
        .order_by()
        .annotate(
            **schedule,
            plan_exercise_count=Count("exercises"),
            plan_in_force_from=Value(None, output_field=DateField()),
            plan_in_force_until=Value(None, output_field=DateField()),
        )
        .values_list(*names)
    )
    return [
        PrescriptionVersion(**dict(zip(PLAN_COLUMNS, row, strict=True)))
        for row in versions.union(unversioned, all=True)
    ]


def patient_history(patient: Patient, now: datetime | None = None) -> PatientHistory:
    """Twelve weeks of adherence, one entry a day, and the pain reports of the same weeks."""
    now = now or timezone.now()
    last = patient.local_today(now)
    first = last - timedelta(days=HISTORY_DAYS - 1)
    plans = prescribed_plans(patient, first)
    done: dict[date, int] = defaultdict(int)
    for row in (
        CheckOff.objects.filter(patient=patient, local_date__gte=first)
        .values("local_date")
        .annotate(done=Count("id"))
    ):
        done[row["local_date"]] = row["done"]
    history = PatientHistory(first_day=first, last_day=last)
    for offset in range(HISTORY_DAYS):
        day = first + timedelta(days=offset)
        expected = sum(plan.expected_on(day) for plan in plans)
        history.days.append(DayAdherence(day, expected, done[day]))
    history.pain_reports = list(
        PainReport.objects.filter(patient=patient, local_date__gte=first).order_by("created_at")
    )
    return history


# The patient's own pages ---------------------------------------------------------------------


def patient_for_user(user: User, *, clinic: bool = True) -> Patient | None:
    """The patient record of a logged-in person, or None (a therapist, an administrator).

    With it, in the same query: the clinic (most patient pages show its phone and hours; not
    read with `clinic=False`) and the library's version (`library_version`: the pages' kept
    fragments are keyed on it)."""
    if not user.is_authenticated:
        return None
    if clinic:
        patients = Patient.objects.annotate(library_version=library_version_subquery())
        patient = patients.select_related("clinic").filter(user=user).first()
    else:  # Today and the check-off: the SQL written once (portal/prepared.py)
        patient = next(iter(_patient_of_user(user.pk)), None)
    if patient is not None:
        patient.user = user  # the request's own: not read again
    return patient


_patient_of_user = Prepared(
    lambda user_id: Patient.objects.annotate(library_version=library_version_subquery()).filter(
        user_id=user_id
    ),
    int,
)


# What a card on Today is written from (patients/kept.py keys it on these): the prescribed
# exercise's own row, its exercise's name and what says whether its programme is due today; and
# the programme's note for the patient, which Today shows above its cards. The exercise's library
# says whether it may have pictures of its own (a clinic's exercise: exercises.media).
TODAY_CARD_FIELDS = (
    *(field.name for field in PrescribedExercise._meta.concrete_fields),
    "exercise__name",
    "exercise__slug",  # and whether it is shipped: its illustration
    "exercise__is_shipped",
    "exercise__library",
    *(
        f"prescription__{name}"
        for name in ("status", "start_date", "end_date", "days_mask", "sessions_per_day", "notes")
    ),
)


@dataclass
class TodayCard:
    """One exercise on the patient's Today page."""

    item: PrescribedExercise
    prescription: Prescription
    check_offs: list[CheckOff]

    @property
    def sessions(self) -> int:
        return self.prescription.sessions_per_day

    @property
    def done(self) -> bool:
        return len(self.check_offs) >= self.sessions

    @property
    def next_session(self) -> int:
        done = {check_off.session for check_off in self.check_offs}
        return next((s for s in range(1, self.sessions + 1) if s not in done), self.sessions)

    @property
    def latest_check_off(self) -> CheckOff | None:
        return max(self.check_offs, key=lambda c: c.session, default=None)


def today_cards(patient: Patient, now: datetime | None = None) -> tuple[date, list[TodayCard]]:
    """The exercises due on the patient's own date, with today's check-offs: two queries,
    however many exercises. How to do each is not read here: the card's HTML is kept between
    requests (patients/kept.py), and only a card not kept reads it."""
    today = patient.local_today(now or timezone.now())
    # Dates and days are checked by is_due_on below: a filter on each costs more to build than
    # the few rows of a patient's active programmes it would leave out.
    items = (
        PrescribedExercise.objects.filter(
            prescription__patient=patient, prescription__status=Prescription.Status.ACTIVE
        )
        .select_related("prescription", "exercise")
        .only(*TODAY_CARD_FIELDS)
        .order_by("-prescription__start_date", "-prescription_id", "order", "id")
    )
    check_offs: dict[int, list[CheckOff]] = defaultdict(list)
    for check_off in CheckOff.objects.filter(patient=patient, local_date=today).order_by("pk"):
        check_offs[check_off.prescribed_exercise_id].append(check_off)
    cards = [
        TodayCard(item=item, prescription=item.prescription, check_offs=check_offs[item.pk])
        for item in items
        if item.prescription.is_due_on(today)
    ]
    return today, cards


# Sent with every check-off and undo: the SQL written once (portal/prepared.py); Django writing it
# anew took 1.7 ms of a check-off's 7.8 in process.
_items_done_of_day = Prepared(
    lambda patient_id, day: (
        PrescribedExercise.objects.filter(
            prescription__patient_id=patient_id, prescription__status=Prescription.Status.ACTIVE
        )
        .annotate(
            programme_start=F("prescription__start_date"),
            programme_end=F("prescription__end_date"),
            programme_days=F("prescription__days_mask"),
            programme_sessions=F("prescription__sessions_per_day"),
            done_today=Count("check_offs", filter=Q(check_offs__local_date=day)),
        )
        .only("pk")
        .order_by()
    ),
    int,
    date,
)


def today_progress(patient: Patient, now: datetime | None = None) -> tuple[int, int]:
    """(done, due) exercises of the patient's day, as Today counts them, in one query: sent out
    of band with the card a check-off or an undo answers with."""
    today = patient.local_today(now or timezone.now())
    due = [
        item
        for item in _items_done_of_day(patient.pk, today)
        if is_due_on(today, item.programme_days, item.programme_start, item.programme_end)
    ]
    done = sum(item.done_today >= item.programme_sessions for item in due)
    return done, len(due)


def today_card(
    patient: Patient,
    item: PrescribedExercise,
    now: datetime | None = None,
    *,
    check_offs: list[CheckOff] | None = None,
) -> TodayCard:
    """One card; `check_offs`: today's of this exercise, if the caller has just read them."""
    if check_offs is None:
        today = patient.local_today(now or timezone.now())
        check_offs = list(
            CheckOff.objects.filter(prescribed_exercise=item, local_date=today).order_by("pk")
        )
    return TodayCard(item=item, prescription=item.prescription, check_offs=check_offs)


def prescribed_exercise_get_for_patient(*, patient: Patient, pk: object) -> PrescribedExercise:
    """One of the patient's own prescribed exercises, or 404; read as Today's cards read them
    (TODAY_CARD_FIELDS), so the card a check-off answers with is the one Today keeps."""
    return get_object_or_404(
        PrescribedExercise.objects.select_related("exercise", "prescription").only(
            *TODAY_CARD_FIELDS, "prescription__patient"
        ),
        pk=pk,
        prescription__patient=patient,
    )


def prescribed_exercise_page_for_patient(*, patient: Patient, pk: object) -> PrescribedExercise:
    """One of the patient's own prescribed exercises with the quotes its page shows, or 404 (how
    to do it is a kept fragment: exercises.fragments.exercise_bodies)."""
    return get_object_or_404(
        PrescribedExercise.objects.select_related(
            "exercise", "prescription__therapist__user"
        ).prefetch_related(
            Prefetch("exercise__citations", queryset=Citation.objects.select_related("source"))
        ),
        pk=pk,
        prescription__patient=patient,
    )


def check_off_get_for_patient(*, patient: Patient, pk: object) -> CheckOff:
    check_off = get_object_or_404(
        CheckOff.objects.select_related(
            "prescribed_exercise__exercise", "prescribed_exercise__prescription"
        ),
        pk=pk,
        patient=patient,
    )
    check_off.patient = patient  # the caller's, with what it read along (the clinic): not again
    return check_off


def pain_report_get_for_patient(*, patient: Patient, pk: object) -> PainReport:
    report = get_object_or_404(PainReport.objects.all(), pk=pk, patient=patient)
    report.patient = patient  # the caller's, with what it read along (the clinic): not again
    return report


@dataclass
class WeeklySummaryRow:
    patient: Patient
    adherence: float | None
    last_pain: int | None
    pain_trend: str  # "up", "down", "steady" or "" with fewer than two reports
    open_alerts: int


def weekly_summary(*, therapist: Therapist, now: datetime | None = None) -> list[WeeklySummaryRow]:
    """A therapist's active patients with adherence over the last 7 days, the last pain score
    of the last 14 days with its trend, and open alerts: five queries, whatever the number."""
    from patients.models import Alert

    now = now or timezone.now()
    patients = list(
        Patient.objects.filter(primary_therapist=therapist, user__is_active=True).select_related(
            "user"
        )
    )
    overviews = patient_overviews(patients, now, with_next_reminder=False)
    pain: dict[int, list[int]] = defaultdict(list)
    for patient_id, score in (
        PainReport.objects.filter(patient__in=patients, created_at__gte=now - timedelta(days=14))
        .order_by("-created_at")
        .values_list("patient_id", "score")
    ):
        if len(pain[patient_id]) < 2:
            pain[patient_id].append(score)
    open_alerts = dict(
        Alert.objects.filter(patient__in=patients, status=Alert.Status.OPEN)
        .values_list("patient_id")
        .annotate(count=Count("id"))
        .values_list("patient_id", "count")
    )
    rows = []
    for patient in patients:
        scores = pain[patient.pk]
        trend = ""
        if len(scores) == 2:
            trend = "up" if scores[0] > scores[1] else "down" if scores[0] < scores[1] else "steady"
        rows.append(
            WeeklySummaryRow(
                patient=patient,
                adherence=overviews[patient.pk].adherence,
                last_pain=scores[0] if scores else None,
                pain_trend=trend,
                open_alerts=open_alerts.get(patient.pk, 0),
            )
        )
    return rows


# The patient's story, on the admin's page of them ------------------------------------------------


@dataclass
class SessionDone:
    """One session of one programme on one of the patient's days, with what was done of it."""

    day: date
    session: int
    programme: str
    expected: int
    check_offs: list[CheckOff] = field(default_factory=list)

    @property
    def done(self) -> int:
        return len(self.check_offs)

    @property
    def stopped_early(self) -> list[CheckOff]:
        return [check_off for check_off in self.check_offs if check_off.is_partial]

    @property
    def painful(self) -> list[CheckOff]:
        return [c for c in self.check_offs if c.pain_during is not None and c.pain_during >= 7]


@dataclass
class PatientStory:
    partial_sessions: list[SessionDone]
    screen_results: list[Any]  # ScreenResult, newest last, with its screen
    versions: list[Any]  # PrescriptionVersion, by programme then newest first


# Enough for every session of twelve weeks that a therapist reads on one page: the page's reads
# stay one query each, whatever the patient's history.
STORY_ROWS = 200


def patient_story(patient: Patient, first: date) -> PatientStory:
    """What the patient page shows besides the charts, from `first` (the charts' first day) on:
    the sessions begun and not finished (some of the programme's exercises not checked off, or
    one stopped before the end of its dose, or one that hurt), the screens' results and each
    programme's versions.
    Three queries, whatever the number of rows."""
    from patients.models import PrescriptionVersion, ScreenResult

    check_offs = (
        CheckOff.objects.filter(patient=patient, local_date__gte=first)
        .select_related("prescribed_exercise__exercise", "prescribed_exercise__prescription")
        .annotate(
            programme_size=Count("prescribed_exercise__prescription__exercises", distinct=True)
        )
        .order_by("local_date", "session", "prescribed_exercise__order", "id")
    )
    sessions: dict[tuple[int, date, int], SessionDone] = {}
    for check_off in check_offs:
        prescription = check_off.prescribed_exercise.prescription
        key = (prescription.pk, check_off.local_date, check_off.session)
        if key not in sessions:
            sessions[key] = SessionDone(
                day=check_off.local_date,
                session=check_off.session,
                programme=prescription.title,
                expected=check_off.programme_size,  # type: ignore[attr-defined]
            )
        sessions[key].check_offs.append(check_off)
    today = patient.local_today()  # today's sessions may be under way: not partial yet
    partial = [
        session
        for session in sessions.values()
        if (session.done < session.expected and session.day < today)
        or session.stopped_early
        or session.painful
    ]
    partial.sort(key=lambda session: (session.day, session.session), reverse=True)
    screen_results = list(
        ScreenResult.objects.filter(patient=patient)
        .select_related("screen")
        .order_by("-recorded_at")[:STORY_ROWS]
    )
    screen_results.reverse()
    versions = list(
        PrescriptionVersion.objects.filter(prescription__patient=patient)
        .select_related("prescription", "created_by")
        .order_by("-prescription__start_date", "prescription_id", "-number")[:STORY_ROWS]
    )
    return PatientStory(
        partial_sessions=partial[:STORY_ROWS], screen_results=screen_results, versions=versions
    )
