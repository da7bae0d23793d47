"""Reading the library, in the exchange format's shape (export) and for the site's pages."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from exercises.dosage import DOSE_FIELDS
from exercises.library_format import FORMAT_NAME, FORMAT_VERSION
from exercises.models import (
    Citation,
    Disagreement,
    DisagreementPosition,
    EducationCard,
    Exercise,
    Line,
    ProgramItem,
    ProgramTemplate,
    Source,
)


def _ordered_citations() -> Prefetch:
    return Prefetch(
        "citations", queryset=Citation.objects.select_related("source").order_by("position", "id")
    )


def source_document(source: Source) -> dict[str, Any]:
    document: dict[str, Any] = {"id": source.id, "title": source.title}
    if source.author:
        document["author"] = source.author
    document["file"] = source.file
    return document


def citations_document(citations: Any) -> list[dict[str, str]]:
    return [{"source": c.source_id, "quote": c.quote} for c in citations.all()]


def line_document(line: Line) -> dict[str, Any]:
    document: dict[str, Any] = {
        "part": line.part,
        "provenance": line.provenance,
        "text": line.text,
    }
    if line.source_id:
        document["source"] = line.source_id
    if line.basis:
        document["basis"] = line.basis
    if line.author:
        document["author"] = line.author
    if line.written_on:
        document["written_on"] = line.written_on.isoformat()
    return document


def exercise_document(exercise: Exercise) -> dict[str, Any]:
    return {
        "slug": exercise.slug,
        "name": exercise.name,
        "category": exercise.category,
        "kind": exercise.kind,
        "lines": [line_document(line) for line in exercise.lines.all()],
        "dosage": {field: getattr(exercise, field) for field in DOSE_FIELDS},
        "trials": exercise.trials,
        "citations": citations_document(exercise.citations),
    }


def program_document(program: ProgramTemplate) -> dict[str, Any]:
    return {
        "slug": program.slug,
        "name": program.name,
        "goal": program.goal,
        "items": [
            {"exercise": item.exercise.slug, "order": item.order, "dosage": item.given()}
            for item in program.items.all()
        ],
        "citations": citations_document(program.citations),
    }


def education_document(card: EducationCard) -> dict[str, Any]:
    return {
        "slug": card.slug,
        "title": card.title,
        "lines": [line_document(line) for line in card.lines.all()],
        "citations": citations_document(card.citations),
    }


def disagreement_document(disagreement: Disagreement) -> dict[str, Any]:
    return {
        "slug": disagreement.slug,
        "topic": disagreement.topic,
        "positions": [
            {"label": position.label, "citations": citations_document(position.citations)}
            for position in disagreement.positions.all()
        ],
        "exercises": sorted(exercise.slug for exercise in disagreement.exercises.all()),
        "education": sorted(card.slug for card in disagreement.education_cards.all()),
    }


def _positions() -> Prefetch:
    positions = DisagreementPosition.objects.order_by("order").prefetch_related(
        _ordered_citations()
    )
    return Prefetch("positions", queryset=positions)


def content_prefetches(prefix: str = "") -> list[Prefetch]:
    """What a page shows of an exercise or a card beyond its own row: its lines (with their
    sources) and the disagreements it takes part in, every position with its quotes. `prefix`
    reaches them from another model ("exercise__")."""
    return [
        Prefetch(f"{prefix}lines", queryset=Line.objects.select_related("source")),
        Prefetch(
            f"{prefix}disagreements",
            queryset=Disagreement.objects.order_by("topic").prefetch_related(_positions()),
        ),
    ]


def exercises_with_citations() -> QuerySet[Exercise]:
    return Exercise.objects.prefetch_related(_ordered_citations(), *content_prefetches())


def programs_with_items() -> QuerySet[ProgramTemplate]:
    items = ProgramItem.objects.select_related("exercise").order_by("order")
    return ProgramTemplate.objects.prefetch_related(
        Prefetch("items", queryset=items), _ordered_citations()
    )


def education_with_citations() -> QuerySet[EducationCard]:
    """Cards with everything a page shows of them: their lines, citations and the
    disagreements they take part in (with every position's quotes)."""
    return EducationCard.objects.prefetch_related(_ordered_citations(), *content_prefetches())


def disagreements_with_positions() -> QuerySet[Disagreement]:
    return Disagreement.objects.prefetch_related(_positions(), "exercises", "education_cards")


def library_export() -> dict[str, Any]:
    """The whole library as one exchange-format document, in a stable order."""
    return {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "sources": [source_document(s) for s in Source.objects.order_by("id")],
        "exercises": [exercise_document(e) for e in exercises_with_citations().order_by("slug")],
        "programs": [program_document(p) for p in programs_with_items().order_by("slug")],
        "education": [education_document(c) for c in education_with_citations().order_by("slug")],
        "disagreements": [
            disagreement_document(d) for d in disagreements_with_positions().order_by("slug")
        ],
    }


def exercise_get(*, slug: str) -> Exercise:
    """One exercise with its citations and their sources, or 404."""
    return get_object_or_404(exercises_with_citations(), slug=slug)
