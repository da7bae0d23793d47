"""export_library and import_library implement docs/library-format.md."""

from __future__ import annotations

import copy
import io
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from jsonschema import Draft202012Validator

from exercises.dosage import DOSE_BOUNDS
from exercises.library_format import SHIPPED_LIBRARY_PATH, library_schema
from exercises.models import (
    Citation,
    Disagreement,
    EducationCard,
    Exercise,
    ProgramTemplate,
    Source,
)
from tests.exercises.conftest import library_snapshot

SHIPPED = json.loads(SHIPPED_LIBRARY_PATH.read_text(encoding="utf-8"))


def export() -> dict[str, Any]:
    out = io.StringIO()
    call_command("export_library", stdout=out)
    return json.loads(out.getvalue())


def import_file(tmp_path: Path, document: object, *, shipped: bool = False) -> str:
    path = tmp_path / "library.json"
    text = document if isinstance(document, str) else json.dumps(document)
    path.write_text(text, encoding="utf-8")
    out = io.StringIO()
    # A clinic's document goes into that clinic's own library.
    whose = {"shipped": True} if shipped else {"clinic": clinic_library_name()}
    call_command("import_library", str(path), **whose, stdout=out)
    return out.getvalue()


def clinic_library_name() -> str:
    from patients.models import Clinic

    return Clinic.objects.get_or_create(name="Riverside Running Clinic")[0].name


def empty_library() -> None:
    for model in (Disagreement, Citation, ProgramTemplate, EducationCard, Exercise, Source):
        model.objects.all().delete()


def test_schema_bounds_are_the_portal_dose_bounds() -> None:
    dosage = library_schema()["$defs"]["dosage"]["properties"]
    for field, bound in DOSE_BOUNDS.items():
        assert (dosage[field]["minimum"], dosage[field]["maximum"]) == (
            bound.minimum,
            bound.maximum,
        )


def test_the_shipped_file_is_valid_for_the_schema() -> None:
    Draft202012Validator(library_schema()).validate(SHIPPED)


@pytest.mark.django_db
def test_export_then_import_into_an_empty_database_then_export_gives_the_same_document(
    library: None, tmp_path: Path
) -> None:
    first = export()
    Draft202012Validator(library_schema()).validate(first)
    empty_library()
    assert not Exercise.objects.exists()
    import_file(tmp_path, first, shipped=True)
    second = export()
    Draft202012Validator(library_schema()).validate(second)
    assert second == first
    assert len(first["exercises"]) == len(SHIPPED["exercises"])


@pytest.mark.django_db
def test_importing_the_same_document_twice_changes_nothing(tmp_path: Path) -> None:
    first_report = import_file(tmp_path, SHIPPED, shipped=True)
    assert first_report.startswith("Library imported")
    before = library_snapshot()
    second_report = import_file(tmp_path, SHIPPED, shipped=True)
    assert second_report.startswith("Library already up to date")
    assert "0 new, 0 updated" in second_report
    assert library_snapshot() == before


@pytest.mark.django_db
def test_an_import_updates_by_slug(library: None, tmp_path: Path) -> None:
    clinic_library = export()
    for kind in ("exercises", "programs", "education", "disagreements"):
        clinic_library[kind] = []
    clinic_library["exercises"] = [
        {
            "slug": "wall-sit",
            "name": "Wall sit",
            "category": "strength",
            "kind": "exercise",
            "lines": [
                {
                    "part": "step",
                    "provenance": "clinic",
                    "text": "Slide down a wall until your knees are bent; hold for {hold}.",
                    "author": "Robin Hale",
                    "written_on": "2026-11-23",
                }
            ],
            "dosage": {"hold_seconds": 20},
            "citations": [{"source": "003_487f5233d54e28e4", "quote": "Load to explode."}],
        }
    ]
    import_file(tmp_path, clinic_library)
    clinic_library["exercises"][0]["dosage"]["hold_seconds"] = 25
    report = import_file(tmp_path, clinic_library)
    assert "exercises: 0 new, 1 updated" in report
    wall_sit = Exercise.objects.get(slug="wall-sit")
    assert wall_sit.hold_seconds == 25
    assert wall_sit.is_shipped is False
    assert Exercise.objects.filter(is_shipped=True).count() == len(SHIPPED["exercises"])


@pytest.mark.django_db
def test_a_clinic_import_cannot_rewrite_the_library(library: None, tmp_path: Path) -> None:
    document = export()
    document["exercises"][0]["dosage"]["reps"] = 99
    before = library_snapshot()
    with pytest.raises(CommandError) as refused:
        import_file(tmp_path, document)
    slug = document["exercises"][0]["slug"]
    assert f"exercises[0].slug: '{slug}' is shipped with the portal" in str(refused.value)
    assert library_snapshot() == before


def _set(path: str, value: object) -> Callable[[dict[str, Any]], None]:
    def change(document: dict[str, Any]) -> None:
        *parents, last = path.replace("[", ".").replace("]", "").split(".")
        target: Any = document
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        if value is KeyError:
            del target[int(last) if last.isdigit() else last]
        else:
            target[int(last) if last.isdigit() else last] = value

    return change


def _rename_second_exercise_to_first(document: dict[str, Any]) -> None:
    document["exercises"][1]["slug"] = document["exercises"][0]["slug"]


MALFORMED: list[tuple[str, Callable[[dict[str, Any]], None], str]] = [
    (
        "wrong type",
        _set("exercises[0].dosage.reps", "15"),
        "exercises[0].dosage.reps: must be a whole number (or null), not text",
    ),
    (
        "unknown top-level key",
        _set("comments", "made by hand"),
        "comments: unknown key: not part of the format",
    ),
    (
        "unknown key in an item",
        _set("exercises[1].colour", "blue"),
        "exercises[1].colour: unknown key: not part of the format",
    ),
    (
        "negative dose",
        _set("exercises[2].dosage.hold_seconds", -5),
        "exercises[2].dosage.hold_seconds: must be a whole number of seconds from 1 to 600",
    ),
    (
        "absurd dose",
        _set("programs[0].items[0].dosage.reps", 500),
        "programs[0].items[0].dosage.reps: must be a whole number of repetitions from 1 to 100",
    ),
    ("missing slug", _set("exercises[3].slug", KeyError), "exercises[3].slug: is required"),
    (
        "dangling exercise reference",
        _set("programs[1].items[0].exercise", "no-such-exercise"),
        "programs[1].items[0].exercise: no exercise 'no-such-exercise' in this document",
    ),
    (
        "duplicate slugs",
        _rename_second_exercise_to_first,
        "exercises[1].slug: duplicate slug 'glute-bridge' (already exercises[0])",
    ),
    (
        "slug with capitals and spaces",
        _set("education[0].slug", "Bent Knee"),
        "education[0].slug: must be lowercase letters, digits and hyphens",
    ),
    (
        "unknown category",
        _set("exercises[0].category", "cardio"),
        "exercises[0].category: must be one of: glutes, core, hip-mobility",
    ),
    (
        "citation of an unknown source",
        _set("education[2].citations[0].source", "999_unknown"),
        "education[2].citations[0].source: no source '999_unknown'",
    ),
    (
        "no citation",
        _set("exercises[4].citations", []),
        "exercises[4].citations: needs at least one citation",
    ),
    ("unknown version", _set("version", 3), "version: must be 2"),
    (
        "per side not a yes/no",
        _set("exercises[0].dosage.per_side", "yes"),
        "exercises[0].dosage.per_side: must be true or false (or null), not text",
    ),
    (
        "two items in the same place",
        _set("programs[3].items[1].order", 1),
        "programs[3].items[1].order: duplicate order 1 (already programs[3].items[0])",
    ),
    (
        "a fractional dose",
        _set("exercises[0].dosage.hold_seconds", 7.5),
        "exercises[0].dosage.hold_seconds: must be a whole number (or null), not a decimal",
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("label", "damage", "message"), MALFORMED, ids=[m[0] for m in MALFORMED])
def test_a_malformed_document_is_refused_with_the_offending_path_and_nothing_is_written(
    library: None,
    tmp_path: Path,
    label: str,
    damage: Callable[[dict[str, Any]], None],
    message: str,
) -> None:
    document = copy.deepcopy(SHIPPED)
    # Distinct slugs, so that an accepted document would have written new rows.
    for kind in ("exercises", "programs", "education"):
        for entry in document[kind]:
            entry["slug"] = f"clinic-{entry['slug']}"
    for program in document["programs"]:
        for item in program["items"]:
            item["exercise"] = f"clinic-{item['exercise']}"
    for disagreement in document["disagreements"]:
        disagreement["slug"] = f"clinic-{disagreement['slug']}"
        for kind in ("exercises", "education"):
            disagreement[kind] = [f"clinic-{slug}" for slug in disagreement.get(kind, [])]
    document["exercises"][0]["slug"] = "glute-bridge-clinic"
    for program in document["programs"]:
        for item in program["items"]:
            if item["exercise"] == "clinic-glute-bridge":
                item["exercise"] = "glute-bridge-clinic"
    for disagreement in document["disagreements"]:
        disagreement["exercises"] = [
            "glute-bridge-clinic" if slug == "clinic-glute-bridge" else slug
            for slug in disagreement["exercises"]
        ]
    document["exercises"][1]["slug"] = "exercise-two"
    if label == "duplicate slugs":
        document["exercises"][0]["slug"] = "glute-bridge"
    damage(document)
    before = library_snapshot()
    with pytest.raises(CommandError) as refused:
        import_file(tmp_path, document)
    assert message in str(refused.value), str(refused.value)
    assert "nothing was written" in str(refused.value)
    assert library_snapshot() == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"format": "exercise-library",', "(document): not valid JSON (line 1, column 31"),
        ("[]", "(document): must be an object, not a list"),
    ],
)
def test_a_file_that_is_not_a_library_is_refused(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(CommandError, match=re.escape(message)):
        import_file(tmp_path, text)
    assert not Source.objects.exists()


@pytest.mark.django_db
def test_import_of_a_missing_file_says_so() -> None:
    with pytest.raises(CommandError, match=re.escape("no-such-file.json: no such file")):
        call_command("import_library", "no-such-file.json", shipped=True)


@pytest.mark.django_db
def test_export_writes_a_file_and_refuses_a_missing_folder(library: None, tmp_path: Path) -> None:
    target = tmp_path / "backup.json"
    call_command("export_library", output=str(target), stderr=io.StringIO())
    assert json.loads(target.read_text(encoding="utf-8")) == export()
    with pytest.raises(CommandError, match="does not exist"):
        call_command("export_library", output=str(tmp_path / "nowhere" / "backup.json"))
