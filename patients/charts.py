"""Server-side SVG charts: the pain chart and the adherence calendar. No third-party script.

Written in Python in one pass, each value escaped by format_html: through a template, the 84
cells of the calendar and the chart's points took most of the history page's time."""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import date

from django.utils.dateformat import format as date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from patients.selectors import PatientHistory

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 36, 12, 12, 28
WEEKDAY_LABELS = ["Mon", "", "Wed", "", "Fri", "", "Sun"]


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    label: str


def _x(day: date, history: PatientHistory) -> float:
    span = max(1, (history.last_day - history.first_day).days)
    return LEFT + (WIDTH - LEFT - RIGHT) * (day - history.first_day).days / span


def _y(score: float) -> float:
    return TOP + (HEIGHT - TOP - BOTTOM) * (1 - score / 10)


def pain_chart(history: PatientHistory, baseline: int | None) -> SafeString:
    """NPRS 0–10 over twelve weeks, one point per report, with the patient's baseline."""
    points = [
        Point(
            round(_x(report.local_date, history), 1),
            round(_y(report.score), 1),
            f"{report.local_date:%a %d %b}: pain {report.score}/10",
        )
        for report in history.pain_reports
    ]
    latest = history.pain_reports[-1] if history.pain_reports else None
    right_edge, first, last = WIDTH - RIGHT, _day(history.first_day), _day(history.last_day)
    if latest:
        plural = "" if len(points) == 1 else "s"
        description = (
            f"{len(points)} report{plural} from {first} to {last}; latest {latest.score}/10 on "
            f"{_day(latest.local_date)}."
        )
    else:
        description = "No pain reports in the last twelve weeks."
    if baseline is not None:
        description += f" Baseline {baseline}/10."
    parts = [
        format_html(
            '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" class="chart chart-pain" '
            'role="img" aria-labelledby="pain-title pain-desc">'
            '<title id="pain-title">Pain over the last twelve weeks</title>'
            '<desc id="pain-desc">{}</desc>',
            WIDTH,
            HEIGHT,
            description,
        ),
        format_html_join(
            "",
            '<line x1="{0}" x2="{1}" y1="{2}" y2="{2}" stroke="#dee2e6" stroke-width="1"/>'
            '<text x="{3}" y="{2}" dy="4" text-anchor="end" font-size="11" fill="#495057">{4}'
            "</text>",
            (
                (LEFT, right_edge, round(_y(score), 1), LEFT - 8, score)
                for score in (0, 2, 4, 6, 8, 10)
            ),
        ),
        format_html(
            '<text x="{0}" y="{2}" dy="-6" font-size="11" fill="#495057">{3}</text>'
            '<text x="{1}" y="{2}" dy="-6" font-size="11" fill="#495057" text-anchor="end">{4}'
            "</text>",
            LEFT,
            right_edge,
            HEIGHT,
            first,
            last,
        ),
    ]
    if baseline is not None:
        parts.append(
            format_html(
                '<line x1="{0}" x2="{1}" y1="{2}" y2="{2}" stroke="#6c757d" stroke-width="1.5" '
                'stroke-dasharray="6 4" class="baseline"/>'
                '<text x="{1}" y="{2}" dy="-4" text-anchor="end" font-size="11" fill="#495057">'
                "baseline {3}</text>",
                LEFT,
                right_edge,
                round(_y(baseline), 1),
                baseline,
            )
        )
    if len(points) > 1:
        polyline = " ".join(f"{point.x},{point.y}" for point in points)
        parts.append(
            format_html(
                '<polyline points="{}" fill="none" stroke="#0b5ed7" stroke-width="2"/>', polyline
            )
        )
    parts.append(
        format_html_join(
            "",
            '<circle cx="{}" cy="{}" r="4" fill="#0b5ed7" class="pain-point"><title>{}</title>'
            "</circle>",
            ((point.x, point.y, point.label) for point in points),
        )
    )
    if not points:
        parts.append(
            format_html(
                '<text x="{}" y="{}" text-anchor="middle" font-size="13" fill="#6c757d">'
                "No pain reported yet</text>",
                WIDTH // 2,
                HEIGHT // 2,
            )
        )
    return mark_safe("".join(parts) + "</svg>")  # noqa: S308 (each part escaped above)


def adherence_calendar(history: PatientHistory) -> SafeString:
    """One cell a day for twelve weeks (columns are weeks, rows Monday to Sunday), shaded by
    the share of the day's exercises done."""
    cell, gap = 16, 3
    offset = history.first_day.weekday()
    cells = []
    for index, entry in enumerate(history.days):
        position = index + offset
        share = entry.share
        if share is None:
            shade, words = "none", "nothing due"
        else:
            shade = (
                "full" if share >= 1 else "most" if share >= 0.5 else "some" if share else "zero"
            )
            words = f"{entry.done} of {entry.expected} done"
        cells.append(
            f'<rect x="{30 + (position // 7) * (cell + gap)}" y="{(position % 7) * (cell + gap)}" '
            f'width="{cell}" height="{cell}" rx="3" class="day {shade}">'
            f"<title>{html.escape(f'{entry.day:%a %d %b}: {words}')}</title></rect>"
        )
    weeks = (offset + len(history.days) + 6) // 7
    done_days = sum(1 for entry in history.days if entry.share == 1)
    due_days = sum(1 for entry in history.days if entry.expected)
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" class="chart '
        'chart-adherence" role="img" aria-labelledby="adherence-title adherence-desc">'
        '<title id="adherence-title">Exercises done, day by day, over the last twelve weeks'
        "</title>"
        '<desc id="adherence-desc">Everything done on {} of {} day{} with exercises due.</desc>'
        "{}{}</svg>",
        30 + weeks * (cell + gap),
        7 * (cell + gap),
        done_days,
        due_days,
        "" if due_days == 1 else "s",
        format_html_join(
            "",
            '<text x="0" y="{}" font-size="10" fill="#495057">{}</text>',
            ((row * (cell + gap) + cell - 4, label) for row, label in enumerate(WEEKDAY_LABELS)),
        ),
        # 84 cells, each value a number, a shade of ours or a label escaped above.
        mark_safe("".join(cells)),  # noqa: S308
    )


def _day(day: date) -> str:
    return date_format(day, "j M")
