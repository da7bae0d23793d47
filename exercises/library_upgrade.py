"""Reading an older exchange-format file: version 1 upgraded to version 2, never silently.

What a version 1 file does not say is not guessed (docs/library-format.md, "What changed"):
its wording becomes the clinic's own, a number that is the exercise's own dose becomes the dose's
placeholder and any other number stops the upgrade, and a programme item's dose becomes whole.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from exercises.dosage import DOSE_FIELDS, merge_dosage
from exercises.library_format import (
    FORMAT_VERSION,
    MAX_REPORTED_PROBLEMS,
    LibraryDocumentError,
    schema_problems,
)
from exercises.wording import stated_number

V1_AUTHOR = "version 1 file"
# "10 seconds", "10 s", "10-second" → {hold}; "15 times", "15 repetitions", "15 reps" → {reps};
# "3 sets" → {sets}: only when the number is the exercise's own dose.
DOSE_PHRASES = (
    ("hold_seconds", "hold", re.compile(r"\b(\d+)(?:\s*|-)(?:seconds?|secs?|s)\b")),
    ("reps", "reps", re.compile(r"\b(\d+)\s*(?:times|repetitions|reps)\b")),
    ("sets", "sets", re.compile(r"\b(\d+)\s*sets?\b")),
)


@dataclass
class Upgrade:
    document: dict[str, Any]
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return f"upgraded from version 1: {'; '.join(self.notes) or 'nothing to change'}"


def _placeholders(text: str, dosage: dict[str, Any]) -> tuple[str, int]:
    replaced = 0
    for dose_field, name, pattern in DOSE_PHRASES:

        def swap(match: re.Match[str], dose_field: str = dose_field, name: str = name) -> str:
            nonlocal replaced
            if dosage.get(dose_field) == int(match.group(1)):
                replaced += 1
                return "{" + name + "}"
            return match.group(0)

        text = pattern.sub(swap, text)
    return text, replaced


def _clinic_line(part: str, text: str, today: date) -> dict[str, Any]:
    return {
        "part": part,
        "provenance": "clinic",
        "text": text,
        "author": V1_AUTHOR,
        "written_on": today.isoformat(),
    }


def upgrade_v1(document: dict[str, Any], *, today: date, known_doses: dict[str, Any]) -> Upgrade:
    """Version 2 of a version 1 document; `known_doses` are the library's exercises' doses, for
    items of the file's programmes that name an exercise the file itself does not carry."""
    problems = schema_problems(document, version=1)
    if problems:
        raise LibraryDocumentError(problems[:MAX_REPORTED_PROBLEMS])
    old = copy.deepcopy(document)
    notes: list[str] = []
    problems = []
    placeholders = 0
    doses = dict(known_doses)
    exercises = []
    for index, entry in enumerate(old["exercises"]):
        dosage = {name: entry["dosage"].get(name) for name in DOSE_FIELDS}
        doses[entry["slug"]] = dosage
        lines = []
        for part, key in (("step", "instructions"), ("cue", "cues"), ("caution", "cautions")):
            for position, text in enumerate(entry.get(key) or []):
                text, count = _placeholders(text.strip(), dosage)
                placeholders += count
                number = stated_number(text)
                if number is not None:
                    problems.append(
                        f"exercises[{index}].{key}[{position}]: states {number!r}, which is not "
                        "this exercise's dose; reword it with {hold}, {reps}, {sets} or "
                        "{frequency} (or move the number into the dose) and upgrade again"
                    )
                lines.append(_clinic_line(part, text, today))
        exercises.append(
            {
                "slug": entry["slug"],
                "name": entry["name"],
                "category": entry["category"],
                "kind": "exercise",
                "lines": lines,
                "dosage": dosage,
                "trials": [],
                "citations": entry["citations"],
            }
        )
    programs = []
    whole_doses = 0
    for entry in old["programs"]:
        items = []
        for item in entry["items"]:
            base = doses.get(item["exercise"], {})
            given = item.get("dosage", {})
            whole = merge_dosage(base, given)
            if any(given.get(name) is None and whole[name] is not None for name in DOSE_FIELDS):
                whole_doses += 1
            items.append({"exercise": item["exercise"], "order": item["order"], "dosage": whole})
        programs.append({**entry, "items": items})
    education = [
        {
            "slug": entry["slug"],
            "title": entry["title"],
            "lines": [_clinic_line("body", entry["body"].strip(), today)],
            "citations": entry["citations"],
        }
        for entry in old["education"]
    ]
    if problems:
        raise LibraryDocumentError(problems[:MAX_REPORTED_PROBLEMS])
    line_count = sum(len(exercise["lines"]) for exercise in exercises) + len(education)
    notes.append(
        f"{line_count} line(s) of wording kept as the clinic's own (author {V1_AUTHOR!r}); "
        "a version 1 file does not say which document a sentence quotes"
    )
    if placeholders:
        notes.append(f"{placeholders} dose number(s) in the wording now follow the dose")
    if whole_doses:
        notes.append(
            f"{whole_doses} programme item dose(s) made whole from the exercise's own dose"
        )
    upgraded = {
        "format": old["format"],
        "version": FORMAT_VERSION,
        "sources": old["sources"],
        "exercises": exercises,
        "programs": programs,
        "education": education,
        "disagreements": [],
    }
    return Upgrade(document=upgraded, notes=notes)


def document_version(document: object) -> int | None:
    if isinstance(document, dict) and isinstance(document.get("version"), int):
        return int(document["version"])
    return None
