"""The exercise-library exchange format (version 2): checking a document before anything is written.

The format is specified in docs/library-format.md; its JSON Schema is
exercises/library/library-format.schema.json (version 1 files are upgraded first: see
exercises/library_upgrade.py). Every problem is reported with the path of the
offending field, e.g. `exercises[3].dosage.hold_seconds: must be a whole number of seconds from 1
to 600`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError as SchemaError

from exercises.dosage import DOSE_BOUNDS, dosage_problems
from exercises.wording import line_problems

LIBRARY_DIR = Path(__file__).resolve().parent / "library"
SCHEMA_PATH = LIBRARY_DIR / "library-format.schema.json"
SCHEMA_V1_PATH = LIBRARY_DIR / "library-format-v1.schema.json"
FORMAT_NAME = "exercise-library"
FORMAT_VERSION = 2
SHIPPED_LIBRARY_PATH = LIBRARY_DIR / "shipped.json"
SHIPPED_SOURCES_DIR = LIBRARY_DIR / "sources"
MAX_REPORTED_PROBLEMS = 25

JSON_TYPES = {
    "integer": "a whole number",
    "number": "a number",
    "string": "text",
    "array": "a list",
    "object": "an object",
    "boolean": "true or false",
    "null": "null",
}


class LibraryDocumentError(Exception):
    """The document is refused whole; `problems` are "path: message" lines."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


@cache
def library_schema(version: int = FORMAT_VERSION) -> dict[str, Any]:
    path = SCHEMA_PATH if version == FORMAT_VERSION else SCHEMA_V1_PATH
    return json.loads(path.read_text(encoding="utf-8"))


def format_path(parts: Iterable[str | int]) -> str:
    path = ""
    for part in parts:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else part
    return path or "(document)"


def _type_name(instance: object) -> str:
    if isinstance(instance, bool):
        return "true or false"
    if isinstance(instance, int):
        return "a whole number"
    if isinstance(instance, float):
        return "a decimal number"
    if isinstance(instance, str):
        return "text"
    if isinstance(instance, list):
        return "a list"
    if isinstance(instance, dict):
        return "an object"
    return "null"


def _problems_of(error: SchemaError) -> list[tuple[list[str | int], str]]:
    path: list[str | int] = list(error.absolute_path)
    field = path[-1] if path else None
    validator = error.validator
    value = error.validator_value
    if validator == "required":
        missing = error.message.split("'")[1]
        return [([*path, missing], "is required")]
    if validator == "additionalProperties":
        known = set(error.schema.get("properties", {}))
        extra = sorted(key for key in error.instance if key not in known)
        return [([*path, key], "unknown key: not part of the format") for key in extra]
    if validator == "type":
        expected = [value] if isinstance(value, str) else list(value)
        words = " or ".join(JSON_TYPES[name] for name in expected if name != "null")
        if "null" in expected:
            words += " (or null)"
        return [(path, f"must be {words}, not {_type_name(error.instance)}")]
    if validator in {"minimum", "maximum"}:
        if isinstance(field, str) and field in DOSE_BOUNDS:
            return [(path, DOSE_BOUNDS[field].message())]
        word = "at least" if validator == "minimum" else "at most"
        return [(path, f"must be {word} {value}")]
    if validator == "pattern":
        if field in {"slug", "exercise"}:
            return [(path, "must be lowercase letters, digits and hyphens, like glute-bridge")]
        if field == "id":
            return [(path, "must be a file name without extension: letters, digits, _ . -")]
        return [(path, "must not be empty")]
    if validator == "enum":
        return [(path, "must be one of: " + ", ".join(str(choice) for choice in value))]
    if validator == "const":
        return [(path, f"must be {json.dumps(value)}")]
    if validator == "minItems":
        if field == "citations":
            return [(path, "needs at least one citation (source and verbatim quote)")]
        return [(path, f"needs at least {value} entr{'y' if value == 1 else 'ies'}")]
    if validator == "maxLength":
        return [(path, f"must be at most {value} characters")]
    if validator == "minLength":
        return [(path, "must not be empty")]
    return [(path, error.message)]


def _sort_key(parts: Sequence[str | int]) -> tuple[tuple[int, int, str], ...]:
    return tuple((0, part, "") if isinstance(part, int) else (1, 0, part) for part in parts)


def schema_problems(document: object, version: int = FORMAT_VERSION) -> list[str]:
    validator = Draft202012Validator(library_schema(version))
    found: dict[str, tuple[list[str | int], str]] = {}
    for error in validator.iter_errors(document):
        for path, message in _problems_of(error):
            found.setdefault(format_path(path), (path, message))
    ordered = sorted(found.values(), key=lambda item: _sort_key(item[0]))
    return [f"{format_path(path)}: {message}" for path, message in ordered]


def _duplicates(entries: list[dict[str, Any]], key: str, where: str) -> list[str]:
    problems = []
    first_seen: dict[object, int] = {}
    for index, entry in enumerate(entries):
        value = entry[key]
        if value in first_seen:
            problems.append(
                f"{where}[{index}].{key}: duplicate {key} {value!r} "
                f"(already {where}[{first_seen[value]}])"
            )
        else:
            first_seen[value] = index
    return problems


def reference_problems(
    document: dict[str, Any],
    *,
    known_sources: set[str],
    known_exercises: set[str],
    known_screens: frozenset[str] | set[str] = frozenset(),
    known_cards: frozenset[str] | set[str] = frozenset(),
) -> list[str]:
    """What a schema cannot say: unique slugs and ids, references that lead somewhere, quotes
    found in their documents, lines that state no number, screens kept out of programmes."""
    problems = _duplicates(document["sources"], "id", "sources")
    for kind in ("exercises", "programs", "education"):
        problems += _duplicates(document[kind], "slug", kind)
    document_screens = {e["slug"] for e in document["exercises"] if e["kind"] == "screen"}
    known_screens = set(known_screens) - {e["slug"] for e in document["exercises"]}

    sources = known_sources | {source["id"] for source in document["sources"]}
    exercises = known_exercises | {exercise["slug"] for exercise in document["exercises"]}
    for kind in ("exercises", "programs", "education"):
        for index, entry in enumerate(document[kind]):
            for position, citation in enumerate(entry["citations"]):
                if citation["source"] not in sources:
                    problems.append(
                        f"{kind}[{index}].citations[{position}].source: no source "
                        f"{citation['source']!r} in this document or in the library"
                    )
    for index, program in enumerate(document["programs"]):
        problems += _duplicates(program["items"], "order", f"programs[{index}].items")
        for position, item in enumerate(program["items"]):
            path = f"programs[{index}].items[{position}]"
            if item["exercise"] not in exercises:
                problems.append(
                    f"{path}.exercise: no exercise "
                    f"{item['exercise']!r} in this document or in the library"
                )
            elif item["exercise"] in known_screens or item["exercise"] in document_screens:
                problems.append(
                    f"{path}.exercise: {item['exercise']!r} is a screen (an assessment with a "
                    "result): ask the patient for it, do not schedule it in a programme"
                )
            problems += _dose_problems(item.get("dosage", {}), f"{path}.dosage")
    problems += _content_problems(document, sources)
    problems += _disagreement_problems(
        document,
        sources=sources,
        exercises=exercises,
        cards=known_cards | {card["slug"] for card in document["education"]},
    )
    return problems


def _dose_problems(dosage: dict[str, Any], path: str) -> list[str]:
    return [f"{path}.{name}: {message}" for name, message in dosage_problems(dosage).items()]


def _line_problems(lines: list[dict[str, Any]], path: str, sources: set[str]) -> list[str]:
    problems = []
    for position, line in enumerate(lines):
        line_path = f"{path}.lines[{position}]"
        source = line.get("source")
        if source is not None and source not in sources:
            problems.append(
                f"{line_path}.source: no source {source!r} in this document or in the library"
            )
            continue
        written_on = line.get("written_on")
        found = line_problems(
            text=line["text"],
            provenance=line["provenance"],
            source_id=source,
            part=line["part"],
            author=line.get("author", ""),
            written_on=_date_or_none(written_on),
        )
        if written_on is not None and _date_or_none(written_on) is None:
            found["written_on"] = "must be a real date, YYYY-MM-DD"
        if line["provenance"] != "clinic" and (line.get("author") or written_on):
            found.setdefault("author", "only the clinic's own wording has an author and a date")
        if line["provenance"] != "standard" and line.get("basis"):
            found.setdefault(
                "basis", "only the portal's standard wording names the guidance it follows"
            )
        problems += [f"{line_path}.{name}: {message}" for name, message in found.items()]
    return problems


def _date_or_none(value: object) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _content_problems(document: dict[str, Any], sources: set[str]) -> list[str]:
    problems = []
    for index, exercise in enumerate(document["exercises"]):
        path = f"exercises[{index}]"
        problems += _line_problems(exercise["lines"], path, sources)
        parts = {line["part"] for line in exercise["lines"]}
        if "body" in parts:
            problems.append(
                f"{path}.lines: an exercise has steps, cues and cautions, not card text"
            )
        if "step" not in parts:
            problems.append(f"{path}.lines: needs at least one step")
        problems += _dose_problems(exercise["dosage"], f"{path}.dosage")
        trials = exercise.get("trials") or []
        if exercise["kind"] == "screen":
            if not trials:
                problems.append(f"{path}.trials: a screen needs at least one trial to record")
            if any(value not in (None, False) for value in exercise["dosage"].values()):
                problems.append(
                    f"{path}.dosage: a screen has no dose; its pass marks are in its trials"
                )
        elif trials:
            problems.append(f"{path}.trials: only a screen has trials")
        for position, trial in enumerate(trials):
            trial_path = f"{path}.trials[{position}]"
            if trial["measure"] == "yes_no" and not trial.get("question", "").strip():
                problems.append(f"{trial_path}.question: a yes/no trial needs its question")
            if trial["measure"] == "seconds" and trial.get("question"):
                problems.append(f"{trial_path}.question: only a yes/no trial has a question")
    for index, card in enumerate(document["education"]):
        path = f"education[{index}]"
        problems += _line_problems(card["lines"], path, sources)
        if any(line["part"] != "body" for line in card["lines"]):
            problems.append(f'{path}.lines: a card\'s lines are its text (part "body")')
    return problems


def _disagreement_problems(
    document: dict[str, Any], *, sources: set[str], exercises: set[str], cards: set[str]
) -> list[str]:
    entries = document.get("disagreements") or []
    problems = _duplicates(entries, "slug", "disagreements")
    for index, entry in enumerate(entries):
        path = f"disagreements[{index}]"
        for number, position in enumerate(entry["positions"]):
            for count, citation in enumerate(position["citations"]):
                if citation["source"] not in sources:
                    problems.append(
                        f"{path}.positions[{number}].citations[{count}].source: no source "
                        f"{citation['source']!r} in this document or in the library"
                    )
        for kind, known in (("exercises", exercises), ("education", cards)):
            for position, slug in enumerate(entry.get(kind) or []):
                if slug not in known:
                    problems.append(
                        f"{path}.{kind}[{position}]: no {kind.rstrip('s')} {slug!r} in this "
                        "document or in the library"
                    )
        if not (entry.get("exercises") or entry.get("education")):
            problems.append(
                f"{path}: name the exercises or cards where the question comes up, so that "
                "both positions are shown there"
            )
    return problems


def parse_library_text(text: str) -> object:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise LibraryDocumentError(
            [f"(document): not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"]
        ) from None
