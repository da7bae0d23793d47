"""The exercise-library exchange format (version 1): checking a document before anything is written.

The format is specified in ../shared/specs/library-format.md; its JSON Schema is
exercises/library/library-format.schema.json. Every problem is reported with the path of the
offending field, e.g. `exercises[3].dosage.hold_seconds: must be a whole number of seconds from 1
to 600`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError as SchemaError

from exercises.dosage import DOSE_BOUNDS

LIBRARY_DIR = Path(__file__).resolve().parent / "library"
SCHEMA_PATH = LIBRARY_DIR / "library-format.schema.json"
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
def library_schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


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


def schema_problems(document: object) -> list[str]:
    validator = Draft202012Validator(library_schema())
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
    document: dict[str, Any], *, known_sources: set[str], known_exercises: set[str]
) -> list[str]:
    """What a schema cannot say: unique slugs and ids, and references that lead somewhere."""
    problems = _duplicates(document["sources"], "id", "sources")
    for kind in ("exercises", "programs", "education"):
        problems += _duplicates(document[kind], "slug", kind)

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
            if item["exercise"] not in exercises:
                problems.append(
                    f"programs[{index}].items[{position}].exercise: no exercise "
                    f"{item['exercise']!r} in this document or in the library"
                )
    return problems


def parse_library_text(text: str) -> object:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise LibraryDocumentError(
            [f"(document): not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"]
        ) from None
