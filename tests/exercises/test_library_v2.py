"""Format version 2: every sentence says where it comes from, no wording states a number, screens
are not exercises, disagreements are kept; version 1 files are upgraded, never silently."""

from __future__ import annotations

import copy
import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from exercises.models import Exercise, Line, ProgramItem
from tests.exercises.conftest import library_snapshot

V1_SHIPPED = json.loads((Path(__file__).parent / "data" / "library-v1.json").read_text())
BRIDGE_QUOTE = "These are performed by lying flat on the ground with your knees folded."
SOURCE_004 = "004_66a13a9510dc2bf2"


def import_file(tmp_path: Path, document: object, *, shipped: bool = False) -> str:
    path = tmp_path / "library.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    out = io.StringIO()
    # A clinic's document goes into that clinic's own library.
    whose = {"shipped": True} if shipped else {"clinic": clinic_library_name()}
    call_command("import_library", str(path), **whose, stdout=out)
    return out.getvalue()


def clinic_library_name() -> str:
    from patients.models import Clinic

    return Clinic.objects.get_or_create(name="Riverside Running Clinic")[0].name


def clinic_document(**exercise: Any) -> dict[str, Any]:
    """A clinic's version 2 document with one exercise (and no sources of its own)."""
    entry = {
        "slug": "clinic-bridge",
        "name": "Clinic bridge",
        "category": "glutes",
        "kind": "exercise",
        "lines": [
            {"part": "step", "provenance": "document", "source": SOURCE_004, "text": BRIDGE_QUOTE},
            {"part": "step", "provenance": "standard", "text": "Hold for {hold}, then relax."},
        ],
        "dosage": {"hold_seconds": 10, "reps": 12},
        "trials": [],
        "citations": [{"source": SOURCE_004, "quote": "Hold for 10 seconds and relax."}],
    }
    entry.update(exercise)
    return {
        "format": "exercise-library",
        "version": 2,
        "sources": [],
        "exercises": [entry],
        "programs": [],
        "education": [],
    }


def refused(tmp_path: Path, document: dict[str, Any]) -> str:
    before = library_snapshot()
    with pytest.raises(CommandError) as error:
        import_file(tmp_path, document)
    assert library_snapshot() == before
    return str(error.value)


@pytest.mark.django_db
def test_a_clinic_document_with_quoted_and_written_lines_imports_with_their_provenance(
    library: None, tmp_path: Path
) -> None:
    import_file(tmp_path, clinic_document())
    lines = list(Line.objects.filter(exercise__slug="clinic-bridge"))
    assert [(line.provenance, line.source_id) for line in lines] == [
        ("document", SOURCE_004),
        ("standard", None),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            {"part": "step", "provenance": "document", "source": SOURCE_004, "text": "Lie down."},
            "exercises[0].lines[0].text: Not found word for word in 004_66a13a9510dc2bf2",
        ),
        (
            {
                "part": "step",
                "provenance": "document",
                "source": SOURCE_004,
                "text": "Hold for 10 seconds and relax.",
            },
            "exercises[0].lines[0].text: This quote states a number ('1')",
        ),
        (
            {"part": "step", "provenance": "standard", "text": "Repeat 15 times."},
            "exercises[0].lines[0].text: A written line may not state a number ('1')",
        ),
        (
            {"part": "cue", "provenance": "standard", "text": "Do it two or three days a week."},
            "exercises[0].lines[0].text: A written line may not state a number ('two')",
        ),
        (
            {"part": "step", "provenance": "standard", "text": "Hold for {minutes}."},
            "exercises[0].lines[0].text: Unknown placeholder {minutes}",
        ),
        (
            {"part": "step", "provenance": "clinic", "text": "Breathe out as you lift."},
            "exercises[0].lines[0].author: The clinic's own wording needs its author",
        ),
        (
            {"part": "step", "provenance": "document", "text": BRIDGE_QUOTE},
            "exercises[0].lines[0].source: A line from the documents names the document",
        ),
        (
            {"part": "body", "provenance": "standard", "text": "Lie down."},
            "exercises[0].lines: an exercise has steps, cues and cautions, not card text",
        ),
    ],
    ids=[
        "quote not in its document",
        "quote with a number",
        "written line with a digit",
        "written line with a number word",
        "unknown placeholder",
        "clinic line without author",
        "document line without source",
        "card text in an exercise",
    ],
)
def test_a_line_that_cannot_be_shown_to_a_patient_is_refused_and_nothing_is_written(
    library: None, tmp_path: Path, line: dict[str, Any], message: str
) -> None:
    document = clinic_document(
        lines=[line, {"part": "step", "provenance": "standard", "text": "Relax."}]
    )
    assert message in refused(tmp_path, document)


@pytest.mark.django_db
def test_a_screen_is_refused_in_a_programme_and_needs_trials_and_no_dose(
    library: None, tmp_path: Path
) -> None:
    document = clinic_document()
    document["programs"] = [
        {
            "slug": "balance-days",
            "name": "Balance days",
            "items": [{"exercise": "single-leg-stance-eyes-open", "order": 1, "dosage": {}}],
            "citations": [{"source": SOURCE_004, "quote": "Hold for 10 seconds and relax."}],
        }
    ]
    assert "programs[0].items[0].exercise: 'single-leg-stance-eyes-open' is a screen" in refused(
        tmp_path, document
    )
    screen = clinic_document(kind="screen", trials=[])
    message = refused(tmp_path, screen)
    assert "exercises[0].trials: a screen needs at least one trial" in message
    assert "exercises[0].dosage: a screen has no dose" in message
    trial = {"label": "Eyes open", "measure": "seconds", "target_seconds": 30}
    assert "exercises[0].trials: only a screen has trials" in refused(
        tmp_path, clinic_document(trials=[trial])
    )


@pytest.mark.django_db
def test_a_dose_range_needs_its_lower_end_and_must_not_run_backwards(
    library: None, tmp_path: Path
) -> None:
    message = refused(
        tmp_path, clinic_document(dosage={"days_per_week": 3, "days_per_week_max": 2})
    )
    assert "exercises[0].dosage.days_per_week_max: The most days a week must not be fewer" in (
        message
    )
    message = refused(tmp_path, clinic_document(dosage={"days_per_week_max": 3}))
    assert "exercises[0].dosage.days_per_week_max: Give the fewest days a week too" in message


@pytest.mark.django_db
def test_a_disagreement_must_name_where_it_comes_up_and_cite_known_sources(
    library: None, tmp_path: Path
) -> None:
    document = clinic_document()
    position = {"label": "One view", "citations": [{"source": "nope", "quote": "x" * 30}]}
    document["disagreements"] = [
        {"slug": "pace", "topic": "How fast?", "positions": [position, position]},
        {
            "slug": "pace-two",
            "topic": "How fast?",
            "positions": [position, position],
            "education": ["no-such-card"],
        },
    ]
    message = refused(tmp_path, document)
    assert "disagreements[0]: name the exercises or cards where the question comes up" in message
    assert "disagreements[0].positions[0].citations[0].source: no source 'nope'" in message
    assert "disagreements[1].education[0]: no education 'no-such-card'" in message


# Version 1 files -------------------------------------------------------------------------


def v1_document() -> dict[str, Any]:
    """A clinic's version 1 file: wording with the dose's numbers in it, a programme item that
    sets only one field and inherited the rest."""
    return {
        "format": "exercise-library",
        "version": 1,
        "sources": [],
        "exercises": [
            {
                "slug": "wall-sit",
                "name": "Wall sit",
                "category": "strength",
                "instructions": [
                    "Slide down a wall until your knees are bent.",
                    "Hold for 20 seconds, 5 times.",
                ],
                "cues": ["Keep breathing."],
                "dosage": {"hold_seconds": 20, "reps": 5, "days_per_week": 3},
                "citations": [{"source": SOURCE_004, "quote": "Hold for 10 seconds and relax."}],
            }
        ],
        "programs": [
            {
                "slug": "wall-days",
                "name": "Wall days",
                "items": [{"exercise": "wall-sit", "order": 1, "dosage": {"reps": 8}}],
                "citations": [{"source": SOURCE_004, "quote": "Hold for 10 seconds and relax."}],
            }
        ],
        "education": [
            {
                "slug": "clinic-card",
                "title": "Our advice",
                "body": "Warm up before you run.",
                "citations": [{"source": SOURCE_004, "quote": "Hold for 10 seconds and relax."}],
            }
        ],
    }


@pytest.mark.django_db
def test_a_version_1_file_is_upgraded_on_import_and_the_report_says_how(
    library: None, tmp_path: Path
) -> None:
    report = import_file(tmp_path, v1_document())
    assert "upgraded from version 1" in report
    assert "kept as the clinic's own" in report
    assert "2 dose number(s) in the wording now follow the dose" in report
    assert "1 programme item dose(s) made whole" in report
    wall_sit = Exercise.objects.get(slug="wall-sit")
    steps = [(line.provenance, line.author, line.text) for line in wall_sit.steps()]
    assert steps[1] == ("clinic", "version 1 file", "Hold for {hold}, {reps}.")
    item = ProgramItem.objects.get(program__slug="wall-days")
    # Version 1 meant: the exercise's dose with the item's own field laid over it.
    assert (item.hold_seconds, item.reps, item.days_per_week) == (20, 8, 3)
    card_line = Line.objects.get(education_card__slug="clinic-card")
    assert (card_line.provenance, card_line.text) == ("clinic", "Warm up before you run.")
    second = import_file(tmp_path, v1_document())
    assert "Library already up to date" in second


@pytest.mark.django_db
def test_a_version_1_number_that_is_not_the_dose_stops_the_upgrade_with_its_path(
    library: None, tmp_path: Path
) -> None:
    document = v1_document()
    document["exercises"][0]["cues"] = ["Do it 2 or 3 times a week."]
    message = refused(tmp_path, document)
    assert "exercises[0].cues[0]: states '2', which is not this exercise's dose" in message


@pytest.mark.django_db
def test_the_old_shipped_library_cannot_be_upgraded_silently(library: None, tmp_path: Path) -> None:
    # Version 1 of the shipped library told the box squat "Do 10, then change legs" and the
    # hip flexion cue "2–3 times a week": numbers an upgrade cannot tie to the dose.
    message = refused(tmp_path, copy.deepcopy(V1_SHIPPED))
    assert "cannot" in message or "refused" in message
    assert "which is not this exercise's dose" in message


@pytest.mark.django_db
def test_upgrade_library_writes_the_upgraded_document_for_review(
    library: None, tmp_path: Path
) -> None:
    source = tmp_path / "old.json"
    source.write_text(json.dumps(v1_document()), encoding="utf-8")
    target = tmp_path / "new.json"
    errors = io.StringIO()
    call_command("upgrade_library", str(source), output=str(target), stderr=errors)
    upgraded = json.loads(target.read_text(encoding="utf-8"))
    assert upgraded["version"] == 2
    assert upgraded["exercises"][0]["kind"] == "exercise"
    assert upgraded["programs"][0]["items"][0]["dosage"]["hold_seconds"] == 20
    assert "upgraded from version 1" in errors.getvalue()
    assert not Exercise.objects.filter(slug="wall-sit").exists()  # nothing imported
    with pytest.raises(CommandError, match="already version 2"):
        call_command("upgrade_library", str(target), stdout=io.StringIO(), stderr=io.StringIO())


@pytest.mark.django_db
def test_upgrade_library_refuses_bad_input_with_one_line_and_writes_nothing(
    library: None, tmp_path: Path
) -> None:
    with pytest.raises(CommandError, match=r"missing\.json: no such file"):
        call_command("upgrade_library", str(tmp_path / "missing.json"))
    source = tmp_path / "old.json"
    source.write_text(json.dumps({**v1_document(), "version": 7}), encoding="utf-8")
    with pytest.raises(CommandError, match="version must be 1"):
        call_command("upgrade_library", str(source), stdout=io.StringIO())
    source.write_text(json.dumps(v1_document()), encoding="utf-8")
    with pytest.raises(CommandError, match="does not exist"):
        call_command("upgrade_library", str(source), output=str(tmp_path / "nowhere" / "new.json"))
    source.write_bytes(b"\xff\xfe not text")
    with pytest.raises(CommandError, match="cannot be read"):
        call_command("upgrade_library", str(source))
