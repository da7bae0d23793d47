"""Server-side SVG charts: the pain chart and the adherence calendar, on the patient's history
and the therapist's patient page. No third-party script.

Each chart comes with what a screen reader reads (a summary, and the same figures as a table
under a fold) and tells its values apart by shape and words, not colour alone: the calendar's
days are outlined, part filled as far as they were done, or filled with a tick. The colours are
classes (static/portal/charts.css), so the charts follow the page into dark mode.

Written in Python in one pass, each value escaped by format_html: through a template, the 84
cells of the calendar and the chart's points took most of the history page's time."""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import date

from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from patients.selectors import DayAdherence, PatientHistory

# About a phone's width: the chart's words are drawn near their own size there. Its words are
# 13 units high, the calendar's 12: drawn no narrower than their viewBox (charts.css), no word
# is under 11 px on a phone, the therapist's page or paper.
WIDTH, HEIGHT = 360, 200
LEFT, RIGHT, TOP, BOTTOM = 30, 10, 12, 28
WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
WEEKDAY_LABELS = ["Mon", "", "Wed", "", "Fri", "", "Sun"]
CELL, GAP = 16, 3


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
    """NPRS 0–10 over twelve weeks, one point per report, with the patient's baseline; then each
    report as a table."""
    points = [
        Point(
            round(_x(report.local_date, history), 1),
            round(_y(report.score), 1),
            f"{_weekday_and_day(report.local_date)}: pain {report.score}/10",
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
    flags = sum(1 for report in history.pain_reports if report.red_flag or report.urgent_signs)
    if flags:
        description += f" {flags} marked with a triangle: a red flag or an urgent warning sign."
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
            '<line x1="{0}" x2="{1}" y1="{2}" y2="{2}" class="chart-grid" stroke="currentColor" '
            'stroke-opacity="0.2"/>'
            '<text x="{3}" y="{2}" dy="4" text-anchor="end" font-size="13" fill="currentColor">'
            "{4}</text>",
            (
                (LEFT, right_edge, round(_y(score), 1), LEFT - 8, score)
                for score in (0, 2, 4, 6, 8, 10)
            ),
        ),
        format_html(
            '<text x="{0}" y="{2}" dy="-6" font-size="13" fill="currentColor">{3}</text>'
            '<text x="{1}" y="{2}" dy="-6" font-size="13" fill="currentColor" text-anchor="end">'
            "{4}</text>",
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
                '<line x1="{0}" x2="{1}" y1="{2}" y2="{2}" stroke="currentColor" '
                'stroke-width="1.5" stroke-dasharray="6 4" class="baseline"/>'
                '<text x="{1}" y="{2}" dy="-4" text-anchor="end" font-size="13" '
                'fill="currentColor">baseline {3}</text>',
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
                '<polyline points="{}" fill="none" stroke="currentColor" stroke-width="2" '
                'class="chart-line"/>',
                polyline,
            )
        )
    parts.append(
        format_html_join(
            "",
            '<circle cx="{}" cy="{}" r="4" fill="currentColor" class="pain-point"><title>{}'
            "</title></circle>",
            ((point.x, point.y, point.label) for point in points),
        )
    )
    # A report with warning signs or a red flag carries a triangle over its point (the reports'
    # list below the chart says which, in words).
    flagged = [
        (point, report)
        for point, report in zip(points, history.pain_reports, strict=True)
        if report.red_flag or report.urgent_signs
    ]
    parts.append(
        format_html_join(
            "",
            '<path d="M{} {}l5 -9h-10z" fill="currentColor" class="pain-flag"><title>{}: {}'
            "</title></path>",
            (
                (
                    point.x,
                    round(max(point.y - 7, 10), 1),  # inside the chart at 10/10 too
                    point.label,
                    "urgent warning sign" if report.urgent_signs else "red flag",
                )
                for point, report in flagged
            ),
        )
    )
    if not points:
        parts.append(
            format_html(
                '<text x="{}" y="{}" text-anchor="middle" font-size="13" fill="currentColor">'
                "No pain reported yet</text>",
                WIDTH // 2,
                HEIGHT // 2,
            )
        )
    svg = "".join(parts) + "</svg>"
    return mark_safe(svg + _pain_table(history))  # noqa: S308 (each part escaped above)


def _pain_table(history: PatientHistory) -> str:
    if not history.pain_reports:
        return ""
    rows = format_html_join(
        "",
        "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
        (
            (_weekday_and_day(report.local_date), report.score, report.get_moment_display())
            for report in history.pain_reports
        ),
    )
    return format_html(
        '<details class="chart-table" data-provenance="interface">'
        "<summary>Each report, as a table</summary>"
        '<table class="table table-sm"><caption>Pain reports of the last twelve weeks, 0 for no '
        "pain to 10 for the worst imaginable</caption>"
        '<thead><tr><th scope="col">Day</th><th scope="col">Pain (0–10)</th>'
        '<th scope="col">When</th></tr></thead><tbody>{}</tbody></table></details>',
        rows,
    )


def _shade(entry: DayAdherence) -> str:
    share = entry.share
    if share is None:
        return "none"
    return "full" if share >= 1 else "most" if share >= 0.5 else "some" if share else "zero"


def _cell(x: float, y: float, share: float | None, size: int = CELL) -> str:
    """A day's square: a dashed outline when nothing was due, filled from the bottom as far as
    the day was done, and with a tick when everything was."""
    parts = []
    if share:
        filled = round(size * share, 1)
        parts.append(
            f'<rect x="{x}" y="{round(y + size - filled, 1)}" width="{size}" height="{filled}" '
            'rx="2" class="done" fill="currentColor"/>'
        )
    dashed = ' stroke-dasharray="3 2"' if share is None else ""
    parts.append(
        f'<rect x="{x + 0.5}" y="{y + 0.5}" width="{size - 1}" height="{size - 1}" rx="3" '
        f'class="outline" fill="none" stroke="currentColor"{dashed}/>'
    )
    if share is not None and share >= 1:
        scale = size / CELL
        parts.append(
            f'<path d="M{x + 4 * scale} {y + 8.5 * scale}l{3 * scale} {3 * scale} '
            f'{5.5 * scale} {-6.5 * scale}" class="tick" fill="none" stroke-width="2" '
            'stroke-linecap="round" stroke-linejoin="round"/>'
        )
    return "".join(parts)


def adherence_calendar(history: PatientHistory) -> SafeString:
    """One square a day for twelve weeks (columns are weeks, rows Monday to Sunday), filled as
    far as the day's exercises were done; its legend in words; then the same days as a table."""
    offset = history.first_day.weekday()
    cells = []
    for index, entry in enumerate(history.days):
        position = index + offset
        words = "nothing due" if entry.share is None else f"{entry.done} of {entry.expected} done"
        x, y = 30 + (position // 7) * (CELL + GAP), (position % 7) * (CELL + GAP)
        cells.append(
            f'<g class="day {_shade(entry)}">'
            f"<title>{html.escape(f'{_weekday_and_day(entry.day)}: {words}')}</title>"
            f"{_cell(x, y, entry.share)}</g>"
        )
    weeks = (offset + len(history.days) + 6) // 7
    done_days = sum(1 for entry in history.days if entry.share == 1)
    due_days = sum(1 for entry in history.days if entry.expected)
    svg = format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" class="chart '
        'chart-adherence" role="img" aria-labelledby="adherence-title adherence-desc">'
        '<title id="adherence-title">Exercises done, day by day, over the last twelve weeks'
        "</title>"
        '<desc id="adherence-desc">Everything done on {} of {} day{} with exercises due.</desc>'
        "{}{}</svg>",
        30 + weeks * (CELL + GAP),
        7 * (CELL + GAP),
        done_days,
        due_days,
        "" if due_days == 1 else "s",
        format_html_join(
            "",
            '<text x="0" y="{}" font-size="12" fill="currentColor">{}</text>',
            ((row * (CELL + GAP) + CELL - 4, label) for row, label in enumerate(WEEKDAY_LABELS)),
        ),
        # 84 cells, each value a number, a shade of ours or a label escaped above.
        mark_safe("".join(cells)),  # noqa: S308
    )
    return mark_safe(svg + _adherence_legend() + _adherence_table(history, offset))  # noqa: S308


def _adherence_legend() -> str:
    keys = [
        (None, "dashed: nothing due"),
        (0.0, "empty: none done"),
        (0.5, "part filled: some done"),
        (1.0, "filled, with a tick: everything done"),
    ]
    items = "".join(
        '<li><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16" width="16" height="16" '
        f'class="chart-swatch" aria-hidden="true" focusable="false">{_cell(0, 0, share)}</svg> '
        f"{text}</li>"
        for share, text in keys
    )
    return (
        '<ul class="chart-legend" aria-label="How to read the squares" '
        f'data-provenance="interface">{items}</ul>'
    )


def _adherence_table(history: PatientHistory, offset: int) -> str:
    """Week by week, a row each, Monday to Sunday: "2 of 2", "0 of 2", or "none due"."""
    slots: list[DayAdherence | None] = [None] * offset + list(history.days)
    slots += [None] * (-len(slots) % 7)
    rows = []
    for start in range(0, len(slots), 7):
        week = slots[start : start + 7]
        first = next(entry for entry in week if entry is not None)
        monday = _day(first.day) if start else f"{_day(first.day)} ({WEEKDAYS[offset]})"
        cells = "".join(
            "<td></td>"
            if entry is None
            else "<td>none due</td>"
            if entry.share is None
            else f"<td>{entry.done} of {entry.expected}</td>"
            for entry in week
        )
        rows.append(f'<tr><th scope="row">{html.escape(monday)}</th>{cells}</tr>')
    head = "".join(f'<th scope="col">{day}</th>' for day in WEEKDAYS)
    return (
        '<details class="chart-table" data-provenance="interface">'
        "<summary>Day by day, as a table</summary>"
        '<table class="table table-sm"><caption>Exercises done each day of the last twelve '
        "weeks, out of those due</caption>"
        f'<thead><tr><th scope="col">Week from</th>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></details>"
    )


def _day(day: date) -> str:
    """The clinic's short date (its locale's, as everywhere in the admin)."""
    return date_format(day, "SHORT_DATE_FORMAT")


def _weekday_and_day(day: date) -> str:
    return f"{date_format(day, 'D')} {_day(day)}"
