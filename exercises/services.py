"""Writing the library: the importer behind `import_library` and `make run`."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.db import models, transaction
from django.utils import timezone

from exercises.dosage import DOSE_FIELDS
from exercises.fragments import library_changed
from exercises.library_format import (
    FORMAT_VERSION,
    MAX_REPORTED_PROBLEMS,
    LibraryDocumentError,
    reference_problems,
    schema_problems,
)
from exercises.library_upgrade import Upgrade, document_version, upgrade_v1
from exercises.media import CheckedMedia, media_store
from exercises.models import (
    Citation,
    Disagreement,
    DisagreementPosition,
    EducationCard,
    Exercise,
    ExerciseMedia,
    Line,
    ProgramItem,
    ProgramTemplate,
    Source,
)
from exercises.selectors import (
    disagreement_document,
    disagreements_with_positions,
    education_document,
    education_with_citations,
    exercise_document,
    exercises_with_citations,
    program_document,
    programs_with_items,
    source_document,
)
from exercises.tenancy import library_scope


@dataclass
class ImportReport:
    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    unchanged: Counter[str] = field(default_factory=Counter)
    upgrade: Upgrade | None = None

    @property
    def changed(self) -> bool:
        return bool(sum(self.created.values()) + sum(self.updated.values()))

    def summary(self) -> str:
        kinds = ("sources", "exercises", "programs", "education", "disagreements")
        counts = "; ".join(
            f"{kind}: {self.created[kind]} new, {self.updated[kind]} updated, "
            f"{self.unchanged[kind]} unchanged"
            for kind in kinds
        )
        return f"{counts} ({self.upgrade.summary()})" if self.upgrade else counts


def _citations(entry: dict[str, Any]) -> list[dict[str, str]]:
    return [{"source": c["source"], "quote": c["quote"]} for c in entry["citations"]]


def _normalised_lines(entry: dict[str, Any]) -> list[dict[str, Any]]:
    lines = []
    for line in entry["lines"]:
        normalised = {"part": line["part"], "provenance": line["provenance"]}
        normalised["text"] = line["text"].strip()
        for key in ("source", "basis", "author", "written_on"):
            value = line.get(key)
            if isinstance(value, str) and value.strip():
                normalised[key] = value.strip()
        lines.append(normalised)
    return lines


def _normalised_exercise(entry: dict[str, Any]) -> dict[str, Any]:
    return {
        "slug": entry["slug"],
        "name": entry["name"].strip(),
        "category": entry["category"],
        "kind": entry["kind"],
        "lines": _normalised_lines(entry),
        "dosage": {name: entry["dosage"].get(name) for name in DOSE_FIELDS},
        "trials": [
            {key: value for key, value in trial.items() if value is not None}
            for trial in entry.get("trials") or []
        ],
        "citations": _citations(entry),
    }


def _normalised_program(entry: dict[str, Any]) -> dict[str, Any]:
    items = sorted(entry["items"], key=lambda item: item["order"])
    return {
        "slug": entry["slug"],
        "name": entry["name"].strip(),
        "goal": entry.get("goal", "").strip(),
        "items": [
            {
                "exercise": item["exercise"],
                "order": item["order"],
                "dosage": {k: v for k, v in item.get("dosage", {}).items() if v is not None},
            }
            for item in items
        ],
        "citations": _citations(entry),
    }


def _normalised_education(entry: dict[str, Any]) -> dict[str, Any]:
    return {
        "slug": entry["slug"],
        "title": entry["title"].strip(),
        "lines": _normalised_lines(entry),
        "citations": _citations(entry),
    }


def _normalised_disagreement(entry: dict[str, Any]) -> dict[str, Any]:
    return {
        "slug": entry["slug"],
        "topic": entry["topic"].strip(),
        "positions": [
            {"label": position["label"].strip(), "citations": _citations(position)}
            for position in entry["positions"]
        ],
        "exercises": sorted(set(entry.get("exercises") or [])),
        "education": sorted(set(entry.get("education") or [])),
    }


def _normalised_source(entry: dict[str, Any]) -> dict[str, Any]:
    source = Source(
        id=entry["id"],
        title=entry["title"].strip(),
        author=entry.get("author", "").strip(),
        file=entry["file"].strip(),
    )
    return source_document(source)


def _full_clean(instance: models.Model, path: str, exclude: list[str] | None = None) -> None:
    try:
        instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        raise LibraryDocumentError(
            [f"{path}.{name}: {' '.join(messages)}" for name, messages in exc.message_dict.items()]
        ) from None


def _replace_citations(owner: models.Model, path: str, citations: list[dict[str, str]]) -> None:
    owner_field = {
        Exercise: "exercise",
        ProgramTemplate: "program",
        EducationCard: "education_card",
        DisagreementPosition: "disagreement_position",
    }[type(owner)]
    Citation.objects.filter(**{owner_field: owner}).delete()
    rows = []
    for position, citation in enumerate(citations, start=1):
        row = Citation(
            source_id=citation["source"],
            quote=citation["quote"],
            position=position,
            **{owner_field: owner},
        )
        _full_clean(row, f"{path}.citations[{position - 1}]", exclude=["source", owner_field])
        rows.append(row)
    Citation.objects.bulk_create(rows)


def _shipped_conflict(kind: str, index: int, slug: str) -> str:
    return (
        f"{kind}[{index}].slug: {slug!r} is shipped with the portal and this document changes "
        f"it; give the clinic's version its own slug"
    )


def _fill_exercise(exercise: Exercise, wanted: dict[str, Any]) -> None:
    exercise.name = wanted["name"]
    exercise.category = wanted["category"]
    exercise.kind = wanted["kind"]
    exercise.trials = wanted["trials"]
    for name, value in wanted["dosage"].items():
        setattr(exercise, name, value)


def _fill_card(card: EducationCard, wanted: dict[str, Any]) -> None:
    card.title = wanted["title"]


def _replace_lines(owner: Exercise | EducationCard, wanted: dict[str, Any], path: str) -> None:
    owner_field = "exercise" if isinstance(owner, Exercise) else "education_card"
    Line.objects.filter(**{owner_field: owner}).delete()
    rows = []
    for position, line in enumerate(wanted["lines"], start=1):
        row = Line(
            part=line["part"],
            position=position,
            text=line["text"],
            provenance=line["provenance"],
            source_id=line.get("source"),
            basis=line.get("basis", ""),
            author=line.get("author", ""),
            written_on=line.get("written_on"),
            **{owner_field: owner},
        )
        _full_clean(row, f"{path}.lines[{position - 1}]", exclude=[owner_field])
        rows.append(row)
    Line.objects.bulk_create(rows)


def _upsert_disagreements(
    wanted_entries: list[dict[str, Any]],
    existing: dict[str, Disagreement],
    *,
    report: ImportReport,
    shipped: bool,
    exercises: dict[str, Exercise],
    cards: dict[str, EducationCard],
) -> None:
    for index, wanted in enumerate(wanted_entries):
        current = existing.get(wanted["slug"])
        if current is not None and disagreement_document(current) == wanted:
            report.unchanged["disagreements"] += 1
            continue
        path = f"disagreements[{index}]"
        disagreement = current or Disagreement(slug=wanted["slug"])
        disagreement.topic = wanted["topic"]
        disagreement.is_shipped = shipped
        _full_clean(disagreement, path)
        disagreement.save()
        disagreement.positions.all().delete()
        for order, position in enumerate(wanted["positions"], start=1):
            row = DisagreementPosition(
                disagreement=disagreement, order=order, label=position["label"]
            )
            _full_clean(row, f"{path}.positions[{order - 1}]", exclude=["disagreement"])
            row.save()
            _replace_citations(row, f"{path}.positions[{order - 1}]", position["citations"])
        disagreement.exercises.set([exercises[slug] for slug in wanted["exercises"]])
        disagreement.education_cards.set([cards[slug] for slug in wanted["education"]])
        (report.updated if current else report.created)["disagreements"] += 1


def _fill_program(program: ProgramTemplate, wanted: dict[str, Any]) -> None:
    program.name, program.goal = wanted["name"], wanted["goal"]


def _replace_items(
    program: ProgramTemplate, wanted: dict[str, Any], path: str, *, exercises: dict[str, Exercise]
) -> None:
    ProgramItem.objects.filter(program=program).delete()
    items = []
    for position, item in enumerate(wanted["items"]):
        row = ProgramItem(
            program=program, exercise=exercises[item["exercise"]], order=item["order"]
        )
        # The item's dose is whole (format version 2): what it leaves out is not given.
        for name in DOSE_FIELDS:
            setattr(row, name, item["dosage"].get(name))
        _full_clean(row, f"{path}.items[{position}]", exclude=["program", "exercise"])
        items.append(row)
    ProgramItem.objects.bulk_create(items)


def _upsert(
    kind: str,
    wanted_entries: list[dict[str, Any]],
    existing: dict[str, Any],
    describe: Callable[[Any], dict[str, Any]],
    model: type[models.Model],
    fill: Callable[[Any, dict[str, Any]], None],
    *,
    report: ImportReport,
    library_id: int | None,
    after_save: Callable[[Any, dict[str, Any], str], None] | None = None,
) -> None:
    """Create or update each entry by slug in the target library; an entry already as the
    document says is left untouched (so a second import writes nothing). `existing` holds what
    the target library may use: its own rows and, for a clinic, the shipped rows, which the
    checks before have found unchanged."""
    for index, wanted in enumerate(wanted_entries):
        current = existing.get(wanted["slug"])
        if current is not None and describe(current) == wanted:
            report.unchanged[kind] += 1
            continue
        entry = current or model(slug=wanted["slug"], library_id=library_id)
        fill(entry, wanted)
        path = f"{kind}[{index}]"
        _full_clean(entry, path)
        entry.save()
        if "lines" in wanted:
            _replace_lines(entry, wanted, path)
        if after_save is not None:
            after_save(entry, wanted, path)
        _replace_citations(entry, path, wanted["citations"])
        existing[entry.slug] = entry
        (report.updated if current else report.created)[kind] += 1


def _clinic_disagreement(index: int, slug: str) -> str:
    return (
        f"disagreements[{index}].slug: {slug!r}: disagreements belong to the library shipped "
        "with the portal; a clinic's library cannot record one"
    )


@transaction.atomic
def library_import(
    *, document: object, shipped: bool = False, library_id: int | None = None
) -> ImportReport:
    """Load an exchange-format document: all of it, or nothing, into one library: the shipped
    library (`shipped`) or one clinic's own (`library_id`), never both, never neither.

    Creates or updates by slug within that library (sources, shared by all, by id); what is
    already as the document says is left untouched, so a second import of the same document
    changes nothing. A clinic's document may use the shipped rows (a programme of shipped
    exercises) but not change them, and never sees another clinic's. A version 1 document is
    upgraded first (exercises.library_upgrade), and the report says how.
    """
    if shipped == (library_id is not None):
        raise ValueError("Import into the shipped library or into one clinic's: not both.")
    usable = library_scope(library_id).q()
    sources = {s.id: s for s in Source.objects.all()}
    exercises = {e.slug: e for e in exercises_with_citations().filter(usable)}
    programs = {p.slug: p for p in programs_with_items().filter(usable)}
    cards = {c.slug: c for c in education_with_citations().filter(usable)}
    disagreements = {d.slug: d for d in disagreements_with_positions()}

    upgrade = None
    if document_version(document) == 1:
        assert isinstance(document, dict)
        upgrade = library_upgrade(document=document, known=exercises.values())
        document = upgrade.document
    problems = schema_problems(document)
    if problems:
        raise LibraryDocumentError(problems[:MAX_REPORTED_PROBLEMS])
    assert isinstance(document, dict)

    problems = reference_problems(
        document,
        known_sources=set(sources),
        known_exercises=set(exercises),
        known_screens={slug for slug, e in exercises.items() if e.is_screen},
        known_cards=set(cards),
    )
    wanted_exercises = [_normalised_exercise(e) for e in document["exercises"]]
    wanted_programs = [_normalised_program(p) for p in document["programs"]]
    wanted_cards = [_normalised_education(c) for c in document["education"]]
    wanted_disagreements = [
        _normalised_disagreement(d) for d in document.get("disagreements") or []
    ]
    if not shipped:
        for kind, wanted, existing, describe in (
            ("exercises", wanted_exercises, exercises, exercise_document),
            ("programs", wanted_programs, programs, program_document),
            ("education", wanted_cards, cards, education_document),
            ("disagreements", wanted_disagreements, disagreements, disagreement_document),
        ):
            for index, entry in enumerate(wanted):
                current = existing.get(entry["slug"])
                unchanged = current is not None and describe(current) == entry
                if kind == "disagreements" and not (unchanged and current.is_shipped):
                    # A disagreement is shown beside every clinic's copy of what it names.
                    problems.append(_clinic_disagreement(index, entry["slug"]))
                elif current is not None and current.is_shipped and not unchanged:
                    problems.append(_shipped_conflict(kind, index, entry["slug"]))
    if problems:
        raise LibraryDocumentError(problems[:MAX_REPORTED_PROBLEMS])

    report = ImportReport(upgrade=upgrade)

    for index, entry in enumerate(document["sources"]):
        wanted = _normalised_source(entry)
        current = sources.get(wanted["id"])
        if current is not None and source_document(current) == wanted:
            report.unchanged["sources"] += 1
            continue
        source = current or Source(id=wanted["id"])
        source.title, source.author, source.file = (
            wanted["title"],
            wanted.get("author", ""),
            wanted["file"],
        )
        _full_clean(source, f"sources[{index}]")
        source.save()
        (report.updated if current else report.created)["sources"] += 1

    upsert = partial(_upsert, report=report, library_id=library_id)
    upsert("exercises", wanted_exercises, exercises, exercise_document, Exercise, _fill_exercise)
    upsert("education", wanted_cards, cards, education_document, EducationCard, _fill_card)
    upsert(
        "programs",
        wanted_programs,
        programs,
        program_document,
        ProgramTemplate,
        _fill_program,
        after_save=partial(_replace_items, exercises=exercises),
    )
    _upsert_disagreements(
        wanted_disagreements,
        disagreements,
        report=report,
        shipped=shipped,
        exercises=exercises,
        cards=cards,
    )
    # Lines and citations are replaced in bulk, which sends no signal.
    library_changed()
    return report


def library_upgrade(*, document: dict[str, Any], known: Any) -> Upgrade:
    """A version 1 document as version 2 (see docs/library-format.md); the library's own
    exercises give the doses of programme items whose exercise the file does not carry."""
    known_doses = {exercise.slug: exercise.dosage() for exercise in known}
    upgrade = upgrade_v1(document, today=timezone.localdate(), known_doses=known_doses)
    assert upgrade.document["version"] == FORMAT_VERSION
    return upgrade


# A clinic's own pictures and videos ------------------------------------------------------------


@transaction.atomic
def exercise_media_add(
    *,
    exercise: Exercise,
    upload: File | CheckedMedia,
    caption: str,
    position: int = 1,
    user: Any = None,
) -> ExerciseMedia:
    """A picture or video on one of a clinic's own exercises (ValidationError for a shipped
    exercise, an upload the portal does not accept, or no caption: nothing stored). Saving it
    replaces the library's version, so every kept page that shows the exercise shows it."""
    media = ExerciseMedia(
        exercise=exercise,
        caption=caption,
        position=position,
        uploaded_by=user if user is not None and user.is_authenticated else None,
    )
    media_store(media, upload)
    return media


@transaction.atomic
def exercise_media_update(*, media: ExerciseMedia, caption: str, position: int) -> ExerciseMedia:
    media.caption, media.position = caption, position
    media.full_clean()
    media.save()
    return media


@transaction.atomic
def exercise_media_remove(*, media: ExerciseMedia) -> None:
    """The row now; its file once the removal is committed (exercises.media.media_file_delete)."""
    media.delete()
