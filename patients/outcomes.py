"""The outcome measure: the Patient-Specific Functional Scale (PSFS).

Stratford P, Gill C, Westaway M, Binkley J. Assessing disability and change on individual
patients: a report of a patient specific measure. Physiotherapy Canada. 1995;47(4):258–263.

The patient names up to five activities they find hard and rates each 0 (unable to perform) to
10 (able to perform at the same level as before the problem). It is asked again every
`Patient.outcome_interval_days` of the patient's own days, with the same activities offered. The
same paper gives the change beyond measurement error: 2 points for the mean score, 3 points for a
single activity."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from patients.models import Patient, Prescription, PsfsRating, PsfsResponse

MAX_ACTIVITIES = 5
ACTIVITY_MAX_LENGTH = PsfsRating._meta.get_field("activity").max_length or 120
# Minimal detectable change (Stratford et al. 1995): smaller changes are within the error of
# the measure itself.
MEANINGFUL_MEAN = 2
MEANINGFUL_ACTIVITY = 3
CITATION = (
    "Stratford P, Gill C, Westaway M, Binkley J. Assessing disability and change on individual "
    "patients: a report of a patient specific measure. Physiotherapy Canada. "
    "1995;47(4):258–263."
)

TOO_MANY = f"Name at most {MAX_ACTIVITIES} activities."
EMPTY = "Name at least one activity you find hard, and score it."
SCORE_MISSING = "Score this activity, 0 to 10."
ACTIVITY_MISSING = "Name the activity this score is for."
SCORE_INVALID = "Enter a whole number from 0 to 10."
ACTIVITY_TOO_LONG = f"Keep the activity to {ACTIVITY_MAX_LENGTH} characters or fewer."
DUPLICATE = "You named this activity already: give each activity once."


def _same_activity(activity: str) -> str:
    return re.sub(r"\s+", " ", activity).strip().casefold()


def psfs_clean_entries(entries: Sequence[tuple[str, str | int | None]]) -> list[tuple[str, int]]:
    """The patient's rows as typed (activity, score), in order, to the activities and scores to
    record. Refused with a ValidationError whose keys are `activity_<n>`/`score_<n>` (n from 1,
    the row's place in `entries`) or the form as a whole; a row left empty is skipped."""
    errors: dict[str, list[str]] = {}
    cleaned: list[tuple[str, int]] = []
    seen: set[str] = set()
    for number, (raw_activity, raw_score) in enumerate(entries, start=1):
        activity = re.sub(r"\s+", " ", raw_activity or "").strip()
        score_text = "" if raw_score is None else str(raw_score).strip()
        if not activity and not score_text:
            continue
        if not activity:
            errors[f"activity_{number}"] = [ACTIVITY_MISSING]
        elif len(activity) > ACTIVITY_MAX_LENGTH:
            errors[f"activity_{number}"] = [ACTIVITY_TOO_LONG]
        elif _same_activity(activity) in seen:
            errors[f"activity_{number}"] = [DUPLICATE]
        seen.add(_same_activity(activity))
        score: int | None = None
        if not score_text:
            errors[f"score_{number}"] = [SCORE_MISSING]
        elif not re.fullmatch(r"\d{1,2}", score_text) or int(score_text) > 10:
            errors[f"score_{number}"] = [SCORE_INVALID]
        else:
            score = int(score_text)
        if activity and score is not None:
            cleaned.append((activity, score))
    named = sum(1 for raw_activity, raw_score in entries if (raw_activity or "").strip())
    if named > MAX_ACTIVITIES:
        errors.setdefault(NON_FIELD_ERRORS, []).append(TOO_MANY)
    if not errors and not cleaned:
        errors[NON_FIELD_ERRORS] = [EMPTY]
    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def psfs_record(
    *,
    patient: Patient,
    entries: Sequence[tuple[str, str | int | None]],
    now: datetime | None = None,
) -> PsfsResponse:
    """Records one PSFS for the patient, dated with their own day. The rules are
    psfs_clean_entries'; the model's own checks run too."""
    now = now or timezone.now()
    ratings = psfs_clean_entries(entries)
    response = PsfsResponse(patient=patient, created_at=now, local_date=patient.local_today(now))
    response.full_clean()
    response.save()
    rows = [
        PsfsRating(response=response, position=position, activity=activity, score=score)
        for position, (activity, score) in enumerate(ratings, start=1)
    ]
    for row in rows:
        row.full_clean()
    PsfsRating.objects.bulk_create(rows)
    return response


def psfs_latest_activities(patient: Patient) -> list[str]:
    """The activities of the patient's last PSFS, in their order: the scale asks the same ones
    again."""
    latest = PsfsResponse.objects.filter(patient=patient).order_by("-created_at").first()
    if latest is None:
        return []
    return list(latest.ratings.order_by("position").values_list("activity", flat=True))


def psfs_due_date(patient: Patient) -> date | None:
    """The patient's own day from which their next PSFS is due; None while they have no
    programme going on (none yet, or all finished: no reminders after discharge). The first is
    due at once."""
    programmes = Prescription.objects.filter(patient=patient)
    if not programmes.exclude(status=Prescription.Status.FINISHED).exists():
        return None
    last = (
        PsfsResponse.objects.filter(patient=patient)
        .order_by("-created_at")
        .values_list("local_date", flat=True)
        .first()
    )
    if last is None:
        return date.min
    return last + timedelta(days=patient.outcome_interval_days)


def psfs_is_due(patient: Patient, now: datetime | None = None) -> bool:
    due = psfs_due_date(patient)
    return due is not None and patient.local_today(now) >= due


# The therapist's panel -----------------------------------------------------------------------


@dataclass
class ActivitySeries:
    activity: str
    scores: list[tuple[date, int]] = field(default_factory=list)

    @property
    def change(self) -> int | None:
        if len(self.scores) < 2:
            return None
        return self.scores[-1][1] - self.scores[0][1]

    @property
    def meaningful(self) -> bool:
        return self.change is not None and abs(self.change) >= MEANINGFUL_ACTIVITY

    @property
    def change_words(self) -> str:
        return _change_words(self.change, MEANINGFUL_ACTIVITY)


@dataclass
class ResponseRow:
    local_date: date
    ratings: list[PsfsRating]
    mean: float


def _change_words(change: float | None, threshold: int) -> str:
    if change is None:
        return "One response so far: no change yet"
    direction = "up" if change > 0 else "down" if change < 0 else "unchanged,"
    size = f"{abs(change):.1f}".removesuffix(".0")
    if abs(change) >= threshold:
        return f"{direction} {size} since first (meaningful: ≥ {threshold})"
    return f"{direction} {size} since first (not meaningful: < {threshold})"


def _mean(ratings: Sequence[PsfsRating]) -> float:
    return round(sum(r.score for r in ratings) / len(ratings), 1) if ratings else 0.0


def outcomes_panel(patient: Patient) -> dict[str, object]:
    """What the patient page's PSFS panel shows: each response with its mean, each activity's
    scores over time, the change since the first response and whether it is meaningful, the
    chart. Two queries, however many responses."""
    responses = list(
        PsfsResponse.objects.filter(patient=patient)
        .order_by("created_at")
        .prefetch_related("ratings")
    )
    rows = [
        ResponseRow(
            local_date=response.local_date,
            ratings=list(response.ratings.all()),
            mean=_mean(response.ratings.all()),
        )
        for response in responses
    ]
    series: dict[str, ActivitySeries] = {}
    for row in rows:
        for rating in row.ratings:
            key = _same_activity(rating.activity)
            series.setdefault(key, ActivitySeries(rating.activity)).scores.append(
                (row.local_date, rating.score)
            )
    mean_change = round(rows[-1].mean - rows[0].mean, 1) if len(rows) > 1 else None
    return {
        "psfs_rows": rows,
        "psfs_activities": list(series.values()),
        "psfs_mean_change": mean_change,
        "psfs_mean_meaningful": mean_change is not None and abs(mean_change) >= MEANINGFUL_MEAN,
        "psfs_mean_words": "Mean " + _change_words(mean_change, MEANINGFUL_MEAN),
        "psfs_chart": psfs_chart(rows, list(series.values())),
        "psfs_interval": patient.outcome_interval_days,
        "psfs_meaningful_mean": MEANINGFUL_MEAN,
        "psfs_meaningful_activity": MEANINGFUL_ACTIVITY,
        "psfs_citation": CITATION,
    }


def psfs_export_rows(patient: Patient) -> list[list[object]]:
    """The patient's PSFS for their CSV export, one row per activity scored, in the export's
    columns (patients/admin/patients.py): kind, local date and time, eight columns of check-offs
    and pain reports left empty, then the activity, its score and that response's mean."""
    zone = patient.zone
    rows: list[list[object]] = []
    responses = (
        PsfsResponse.objects.filter(patient=patient)
        .order_by("created_at")
        .prefetch_related("ratings")
    )
    for response in responses:
        ratings = list(response.ratings.all())
        mean = _mean(ratings)
        for rating in ratings:
            rows.append(
                [
                    "functional scale (PSFS)",
                    response.local_date.isoformat(),
                    response.created_at.astimezone(zone).strftime("%H:%M"),
                    *[""] * 8,
                    rating.activity,
                    rating.score,
                    mean,
                ]
            )
    return rows


# Drawn at its own size (width and height in pixels): its words are 12 px on the page.
WIDTH, HEIGHT = 560, 240
LEFT, RIGHT, TOP, BOTTOM = 34, 150, 14, 30
DASHES = ["", "6 3", "2 3", "8 3 2 3", "1 5"]


def psfs_chart(rows: list[ResponseRow], activities: list[ActivitySeries]) -> SafeString:
    """The mean (thick) and each activity (thin, each with its own dash and its name at the
    right) over time, 0–10. The table beside it in the panel holds the same figures."""
    if not rows:
        return format_html('<p class="chart-empty">{}</p>', "No functional scale answered yet.")
    first, last = rows[0].local_date, rows[-1].local_date
    span = max(1, (last - first).days)

    def x(day: date) -> float:
        return round(LEFT + (WIDTH - LEFT - RIGHT) * (day - first).days / span, 1)

    def y(score: float) -> float:
        return round(TOP + (HEIGHT - TOP - BOTTOM) * (1 - score / 10), 1)

    mean_words = ", ".join(
        f"{date_format(row.local_date, 'SHORT_DATE_FORMAT')} {row.mean}" for row in rows
    )
    parts = [
        format_html(
            '<svg xmlns="http://www.w3.org/2000/svg" width="{0}" height="{1}" '
            'viewBox="0 0 {0} {1}" class="chart chart-psfs" role="img" '
            'aria-labelledby="psfs-title psfs-desc">'
            '<title id="psfs-title">Functional scale (PSFS) over time, 0 unable to 10 as '
            "before</title>"
            '<desc id="psfs-desc">Mean score: {2}.</desc>',
            WIDTH,
            HEIGHT,
            mean_words,
        ),
        format_html_join(
            "",
            '<line x1="{0}" x2="{1}" y1="{2}" y2="{2}" stroke="currentColor" '
            'stroke-opacity="0.2"/>'
            '<text x="{3}" y="{2}" dy="4" text-anchor="end" font-size="12" fill="currentColor">'
            "{4}</text>",
            ((LEFT, WIDTH - RIGHT, y(score), LEFT - 8, score) for score in (0, 2, 4, 6, 8, 10)),
        ),
        format_html(
            '<text x="{0}" y="{2}" dy="-6" font-size="12" fill="currentColor">{3}</text>'
            '<text x="{1}" y="{2}" dy="-6" font-size="12" fill="currentColor" '
            'text-anchor="end">{4}</text>',
            LEFT,
            WIDTH - RIGHT,
            HEIGHT,
            date_format(first, "SHORT_DATE_FORMAT"),  # as the table beside it
            date_format(last, "SHORT_DATE_FORMAT"),
        ),
    ]
    # Where the mean becomes a meaningful improvement on the first response.
    meaningful_at = rows[0].mean + MEANINGFUL_MEAN
    if len(rows) > 1 and meaningful_at <= 10:
        parts.append(
            format_html(
                '<rect x="{0}" y="{1}" width="{2}" height="{3}" fill="currentColor" '
                'fill-opacity="0.08" class="psfs-meaningful-band"/>'
                '<text x="{4}" y="{1}" dy="14" font-size="12" fill="currentColor">'
                "mean meaningfully better (first + {5})</text>",
                LEFT,
                y(10),
                WIDTH - RIGHT - LEFT,
                round(y(meaningful_at) - y(10), 1),
                LEFT + 4,
                MEANINGFUL_MEAN,
            )
        )
    label_ys: list[float] = []

    def label_y(wanted: float) -> float:
        # Names at the right edge, nudged apart so that none covers another.
        for taken in sorted(label_ys):
            if abs(wanted - taken) < 13:
                wanted = taken + 13
        label_ys.append(wanted)
        return wanted

    lines = [
        (series.activity, series.scores, DASHES[index % len(DASHES)], "1.5", "psfs-activity")
        for index, series in enumerate(activities)
    ]
    lines.append(("Mean", [(row.local_date, row.mean) for row in rows], "", "3.5", "psfs-mean"))
    for name, scores, dash, width, css in lines:
        points = " ".join(f"{x(day)},{y(score)}" for day, score in scores)
        last_score = scores[-1][1]
        short = name if len(name) <= 20 else name[:19] + "…"
        parts.append(
            format_html(
                '<polyline points="{0}" fill="none" stroke="currentColor" stroke-width="{1}" '
                'stroke-dasharray="{2}" class="{3}"/>'
                '<text x="{4}" y="{5}" dy="4" font-size="12" fill="currentColor"{6}>{7}</text>',
                points,
                width,
                dash,
                css,
                WIDTH - RIGHT + 6,
                label_y(y(last_score)),
                mark_safe(' font-weight="bold"') if css == "psfs-mean" else "",
                f"{short} {last_score:g}",
            )
        )
        parts.append(
            format_html_join(
                "",
                '<circle cx="{}" cy="{}" r="{}" fill="currentColor" class="{}-point"/>',
                (
                    (x(day), y(score), 4 if css == "psfs-mean" else 2.5, css)
                    for day, score in scores
                ),
            )
        )
    parts.append(mark_safe("</svg>"))
    return mark_safe("".join(parts))  # noqa: S308 (each part written by format_html)
