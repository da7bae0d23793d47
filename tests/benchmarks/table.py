"""The one table `make bench` prints: each figure beside its reference, measured in the same run,
and the ratio between them; written as JSON to test-artifacts/bench.json too.

A section of the benchmark (pages, admin lists, the scheduler, sending) is a module with
`run(environment) -> list[Figure]`; `python -m tests.benchmarks` runs them in turn.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

ARTIFACTS = Path(__file__).resolve().parent.parent.parent / "test-artifacts"


@dataclass
class Figure:
    section: str  # "pages", "admin", "scheduler", "sending", "retention"
    figure: str  # what was measured, in words: "/today/, 20 exercises"
    project: float  # the portal's number
    unit: str  # "req/s", "ms", "s", "queries", "emails/s", "MB/year"
    reference: float | None = None  # the reference's number, same unit, same run
    reference_name: str = ""  # "a minimal logged-in view"
    goal: str = ""  # "≥ 0.50×", "< 50 ms"
    met: bool | None = None  # whether the goal holds (None: no goal, a figure to read)

    @property
    def ratio(self) -> float | None:
        if self.reference in (None, 0):
            return None
        return self.project / self.reference


def number(value: float | None, unit: str = "") -> str:
    if value is None:
        return "—"
    if abs(value) >= 100:
        text = f"{value:,.0f}"
    elif abs(value) >= 10:
        text = f"{value:.1f}"
    else:
        text = f"{value:.2f}"
    return f"{text} {unit}".strip()


def render(figures: list[Figure]) -> str:
    header = ("section", "figure", "project", "reference", "ratio", "goal", "")
    rows = [
        (
            figure.section,
            figure.figure,
            number(figure.project, figure.unit),
            (
                f"{number(figure.reference, figure.unit)} ({figure.reference_name})"
                if figure.reference is not None
                else ""
            ),
            f"{figure.ratio:.2f}×" if figure.ratio is not None else "",
            figure.goal,
            {True: "ok", False: "MISSED", None: ""}[figure.met],
        )
        for figure in figures
    ]
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True))
        for row in rows
    ]
    rule = "  ".join("-" * width for width in widths)
    head = "  ".join(cell.ljust(width) for cell, width in zip(header, widths, strict=True))
    return "\n".join([head, rule, *lines])


def write_json(figures: list[Figure], path: Path | None = None) -> Path:
    path = path or ARTIFACTS / "bench.json"
    path.parent.mkdir(exist_ok=True)
    path.write_text(
        json.dumps(
            [{**asdict(figure), "ratio": figure.ratio} for figure in figures],
            indent=2,
            ensure_ascii=False,
        )
    )
    return path
