"""Server-side SVG charts: the pain chart and the adherence calendar. No third-party script."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.template.loader import render_to_string
from django.utils.safestring import SafeString

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
    context = {
        "width": WIDTH,
        "height": HEIGHT,
        "center_x": WIDTH // 2,
        "center_y": HEIGHT // 2,
        "left": LEFT,
        "right_edge": WIDTH - RIGHT,
        "bottom_edge": HEIGHT - BOTTOM,
        "grid": [{"score": s, "y": round(_y(s), 1)} for s in (0, 2, 4, 6, 8, 10)],
        "points": points,
        "polyline": " ".join(f"{p.x},{p.y}" for p in points),
        "baseline": baseline,
        "baseline_y": round(_y(baseline), 1) if baseline is not None else None,
        "first_day": history.first_day,
        "last_day": history.last_day,
        "latest": history.pain_reports[-1] if history.pain_reports else None,
    }
    return SafeString(render_to_string("patients/charts/pain.svg", context))


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
            {
                "x": 30 + (position // 7) * (cell + gap),
                "y": (position % 7) * (cell + gap),
                "shade": shade,
                "label": f"{entry.day:%a %d %b}: {words}",
            }
        )
    weeks = (offset + len(history.days) + 6) // 7
    context = {
        "cells": cells,
        "cell": cell,
        "width": 30 + weeks * (cell + gap),
        "height": 7 * (cell + gap),
        "rows": [
            {"label": label, "y": row * (cell + gap) + cell - 4}
            for row, label in enumerate(WEEKDAY_LABELS)
        ],
        "done_days": sum(1 for entry in history.days if entry.share == 1),
        "due_days": sum(1 for entry in history.days if entry.expected),
    }
    return SafeString(render_to_string("patients/charts/adherence.svg", context))
