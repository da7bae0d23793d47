""" "Needs attention": the open alerts of the patients a staff member may see, most severe first
and, within a severity, the one that has waited longest first. The severity of each cause, its
word and its icon live here and nowhere else (the admin's page and header, the alert emails)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When

from patients.models import Alert, PainReport, User
from patients.safety import NERVE_QUALITIES, STANDARD_TEXTS
from patients.selectors import scope_to_clinic


@dataclass(frozen=True)
class Severity:
    word: str  # the word a clinic triages by, in the header, on the page and in the email
    icon: str  # beside the word, never instead of it: severity is not told by colour alone
    css: str


URGENT = Severity("Urgent", "⚠", "urgent")
SOON = Severity("Soon", "▲", "soon")
ROUTINE = Severity("Routine", "●", "routine")

# The causes in the order a therapist deals with them, each with its severity.
CAUSE_ORDER: tuple[tuple[str, Severity], ...] = (
    (Alert.Cause.URGENT, URGENT),
    (Alert.Cause.RED_FLAG, SOON),
    (Alert.Cause.HIGH_PAIN, SOON),
    (Alert.Cause.PAIN_RISING, SOON),
    (Alert.Cause.PARTIAL_SESSION, ROUTINE),
    (Alert.Cause.INACTIVE, ROUTINE),
    (Alert.Cause.SCREEN_WORSE, ROUTINE),
)
SEVERITY = dict(CAUSE_ORDER)
PAGE_SIZE = 200  # more than a clinic's morning; the rest are counted, and in the alerts list


def severity_of(cause: str) -> Severity:
    return SEVERITY.get(cause, ROUTINE)


def _rank() -> Case:
    return Case(
        *(When(cause=cause, then=Value(rank)) for rank, (cause, _) in enumerate(CAUSE_ORDER)),
        default=Value(len(CAUSE_ORDER)),
        output_field=IntegerField(),
    )


def open_alerts_visible_to(user: User) -> QuerySet[Alert]:
    return scope_to_clinic(Alert.objects.filter(status=Alert.Status.OPEN), user, "patient__clinic")


def alerts_needing_attention(user: User) -> QuerySet[Alert]:
    """Most severe first, then oldest first: one query with everything a row says."""
    return (
        open_alerts_visible_to(user)
        .annotate(severity_rank=_rank())
        .select_related(
            "patient__user",
            "patient__programme_held_alert",
            "pain_report",
            "check_off__prescribed_exercise__exercise",
            "safety_check",
            "screen_result__screen",
        )
        .order_by("severity_rank", "created_at", "pk")
    )


@dataclass(frozen=True)
class AttentionCounts:
    urgent: int
    total: int


def attention_counts(user: User) -> AttentionCounts:
    """The header's counts, in one query."""
    counts = open_alerts_visible_to(user).aggregate(
        urgent=Count("pk", filter=Q(cause__in=[c for c, s in CAUSE_ORDER if s is URGENT])),
        total=Count("pk"),
    )
    return AttentionCounts(urgent=counts["urgent"], total=counts["total"])


# What a row says ---------------------------------------------------------------------------


def _signs(keys: list[str]) -> str:
    return "; ".join(STANDARD_TEXTS[key].text for key in keys if key in STANDARD_TEXTS)


def _report_words(report: PainReport) -> str:
    qualities = dict(PainReport.Quality.choices)
    parts = [f"pain {report.score}/10, {report.get_moment_display().lower()}"]
    parts += [qualities.get(q, q).lower() for q in report.qualities]
    if report.severe_spasm:
        parts.append("severe spasm")
    return "; ".join(parts)


def _exercise(alert: Alert) -> str:
    return str(alert.check_off.prescribed_exercise.exercise) if alert.check_off else "an exercise"


def reason_in_words(alert: Alert) -> str:
    """The alert's cause as a sentence a clinician reads."""
    cause, report, baseline = alert.cause, alert.pain_report, alert.patient.pain_baseline
    if cause == Alert.Cause.URGENT:
        signs = (
            report.urgent_signs
            if report
            else (alert.safety_check.urgent_signs if alert.safety_check else [])
        )
        return f"Reported urgent warning signs: {_signs(signs) or 'see the report'}."
    if cause == Alert.Cause.RED_FLAG and report is not None:
        nerve = bool(NERVE_QUALITIES & set(report.qualities))
        kind = (
            "Nerve symptoms"
            if nerve
            else ("A severe spasm" if report.severe_spasm else "Pain while running")
        )
        return f"{kind} reported: {_report_words(report)}."
    if cause in (Alert.Cause.HIGH_PAIN, Alert.Cause.PAIN_RISING):
        if report is not None:
            score = report.score
            where = ""
        elif alert.check_off is not None and alert.check_off.pain_during is not None:
            score = alert.check_off.pain_during
            where = f" during {_exercise(alert)}"
        else:
            return f"{alert.get_cause_display()}."
        if cause == Alert.Cause.HIGH_PAIN:
            return f"High pain: {score}/10{where}."
        if baseline is not None and score > baseline:
            return f"Pain {score}/10{where}, up {score - baseline} on baseline {baseline}."
        return f"Pain {score}/10{where}."
    if cause == Alert.Cause.PARTIAL_SESSION and alert.check_off is not None:
        check_off = alert.check_off
        parts = []
        if check_off.is_partial:
            parts.append(
                f"Stopped {_exercise(alert)} after {check_off.reps_done} of "
                f"{check_off.reps_planned} repetitions"
            )
        if check_off.pain_during is not None:
            parts.append(
                f"{'pain' if parts else 'Pain'} {check_off.pain_during}/10 during "
                f"{'it' if parts else _exercise(alert)}"
            )
        return (", ".join(parts) or f"Partial session of {_exercise(alert)}") + "."
    if cause == Alert.Cause.INACTIVE:
        return "No exercise checked off for 3 days."
    if cause == Alert.Cause.SCREEN_WORSE and alert.screen_result is not None:
        result = alert.screen_result
        trials = len(result.trials)
        return (
            f"{result.screen}: passed {result.passed_count} of {trials} "
            f"trial{'s' if trials != 1 else ''}, fewer than last time."
        )
    return f"{alert.get_cause_display()}."


def waited(since: datetime, now: datetime) -> str:
    """How long it has waited, as a clinician says it: "40 min", "2 h", "3 days"."""
    minutes = max(0, int((now - since).total_seconds() // 60))
    if minutes < 60:
        return f"{minutes} min"
    hours = minutes // 60
    if hours < 48:
        return f"{hours} h"
    return f"{hours // 24} days"
