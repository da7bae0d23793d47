"""Reading the library, in the exchange format's shape (export) and for the site's pages."""

from __future__ import annotations

from typing import Any

from django.db.models import F, Prefetch, Q, QuerySet
from django.http import Http404

from exercises.dosage import DOSE_FIELDS
from exercises.library_format import FORMAT_NAME, FORMAT_VERSION
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
from exercises.tenancy import library_scope_for_user


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


def library_export(*, library_id: int | None = None) -> dict[str, Any]:
    """One library as one exchange-format document, in a stable order: the shipped library
    (with its disagreements), or one clinic's own rows alone. Never the two mixed."""
    own = Q(library__isnull=True) if library_id is None else Q(library_id=library_id)
    return {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "sources": [source_document(s) for s in Source.objects.order_by("id")],
        "exercises": [
            exercise_document(e) for e in exercises_with_citations().filter(own).order_by("slug")
        ],
        "programs": [
            program_document(p) for p in programs_with_items().filter(own).order_by("slug")
        ],
        "education": [
            education_document(c) for c in education_with_citations().filter(own).order_by("slug")
        ],
        "disagreements": [
            disagreement_document(d) for d in disagreements_with_positions().order_by("slug")
        ]
        if library_id is None
        else [],
    }


# What a person may see: the shipped library and their own clinic's (a superuser: all) --------


def exercises_visible_to(user: Any) -> QuerySet[Exercise]:
    return Exercise.objects.filter(library_scope_for_user(user).q())


def programs_visible_to(user: Any) -> QuerySet[ProgramTemplate]:
    return ProgramTemplate.objects.filter(library_scope_for_user(user).q())


def education_visible_to(user: Any) -> QuerySet[EducationCard]:
    return EducationCard.objects.filter(library_scope_for_user(user).q())


def _by_slug(queryset: QuerySet[Any], user: Any, slug: str) -> Any:
    """A slug names one row in what the user may see; a superuser, who sees every clinic's,
    gets the shipped one first. Anything else is a 404, as if it did not exist."""
    found = (
        queryset.filter(library_scope_for_user(user).q(), slug=slug)
        .order_by(F("library").asc(nulls_first=True), "pk")
        .first()
    )
    if found is None:
        raise Http404(f"No {queryset.model._meta.verbose_name} here.")
    return found


def exercise_get(*, user: Any, slug: str) -> Exercise:
    """One exercise the user may see, with its citations and their sources, or 404."""
    return _by_slug(exercises_with_citations(), user, slug)


def education_get(*, user: Any, slug: str) -> EducationCard:
    return _by_slug(education_with_citations(), user, slug)


def exercise_media_get_for_user(*, user: Any, pk: object) -> ExerciseMedia:
    """A picture or video of a clinic's own exercise, for that clinic's staff and patients (a
    superuser: any); anyone else gets a 404, as if it did not exist."""
    scope = library_scope_for_user(user)
    found = (
        ExerciseMedia.objects.filter(scope.q("exercise__"), exercise__library__isnull=False)
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise Http404("No picture or video here.")
    return found


def exercise_media_by_exercise(exercises: Any) -> dict[int, list[ExerciseMedia]]:
    """The pictures and videos of each of `exercises` (rows, or ids), in their order: one query,
    none when all of them are shipped (which have none)."""
    ids = [getattr(exercise, "pk", exercise) for exercise in exercises]
    own = [getattr(e, "pk", e) for e in exercises if getattr(e, "library_id", True) is not None]
    found: dict[int, list[ExerciseMedia]] = {pk: [] for pk in ids}
    if own:
        for media in ExerciseMedia.objects.filter(exercise_id__in=own).order_by("position", "id"):
            found[media.exercise_id].append(media)
    return found
