"""Reading the library, in the exchange format's shape (export) and for the site's pages."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from exercises.dosage import DOSE_FIELDS
from exercises.models import (
    Citation,
    EducationCard,
    Exercise,
    ProgramItem,
    ProgramTemplate,
    Source,
)

FORMAT_NAME = "exercise-library"
FORMAT_VERSION = 1


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


def exercise_document(exercise: Exercise) -> dict[str, Any]:
    return {
        "slug": exercise.slug,
        "name": exercise.name,
        "category": exercise.category,
        "instructions": exercise.instruction_list(),
        "cues": exercise.cue_list(),
        "cautions": exercise.caution_list(),
        "dosage": {field: getattr(exercise, field) for field in DOSE_FIELDS},
        "citations": citations_document(exercise.citations),
    }


def program_document(program: ProgramTemplate) -> dict[str, Any]:
    return {
        "slug": program.slug,
        "name": program.name,
        "goal": program.goal,
        "items": [
            {"exercise": item.exercise.slug, "order": item.order, "dosage": item.override()}
            for item in program.items.all()
        ],
        "citations": citations_document(program.citations),
    }


def education_document(card: EducationCard) -> dict[str, Any]:
    return {
        "slug": card.slug,
        "title": card.title,
        "body": card.body,
        "citations": citations_document(card.citations),
    }


def exercises_with_citations() -> QuerySet[Exercise]:
    return Exercise.objects.prefetch_related(_ordered_citations())


def programs_with_items() -> QuerySet[ProgramTemplate]:
    items = ProgramItem.objects.select_related("exercise").order_by("order")
    return ProgramTemplate.objects.prefetch_related(
        Prefetch("items", queryset=items), _ordered_citations()
    )


def education_with_citations() -> QuerySet[EducationCard]:
    return EducationCard.objects.prefetch_related(_ordered_citations())


def library_export() -> dict[str, Any]:
    """The whole library as one exchange-format document, in a stable order."""
    return {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "sources": [source_document(s) for s in Source.objects.order_by("id")],
        "exercises": [exercise_document(e) for e in exercises_with_citations().order_by("slug")],
        "programs": [program_document(p) for p in programs_with_items().order_by("slug")],
        "education": [education_document(c) for c in education_with_citations().order_by("slug")],
    }


def exercise_get(*, slug: str) -> Exercise:
    """One exercise with its citations and their sources, or 404."""
    return get_object_or_404(exercises_with_citations(), slug=slug)
