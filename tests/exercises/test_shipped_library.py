"""The library built from the documents says exactly what the documents say."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from exercises.dosage import NUMBER_FIELDS
from exercises.library_format import SHIPPED_LIBRARY_PATH, SHIPPED_SOURCES_DIR
from tests.processes import BASE_DIR

SHARED_SEEDS = BASE_DIR.parent / "shared" / "seeds"
SHIPPED = json.loads(SHIPPED_LIBRARY_PATH.read_text(encoding="utf-8"))


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def document_text(source_id: str) -> str:
    seeds = SHARED_SEEDS if SHARED_SEEDS.is_dir() else SHIPPED_SOURCES_DIR
    return squash((seeds / f"{source_id}.txt").read_text(encoding="utf-8"))


def all_cited_entries() -> list[tuple[str, dict[str, object]]]:
    return [
        (kind, entry) for kind in ("exercises", "programs", "education") for entry in SHIPPED[kind]
    ]


def test_the_portal_ships_the_documents_as_they_are() -> None:
    shipped = sorted(path.name for path in SHIPPED_SOURCES_DIR.glob("*.txt"))
    assert shipped == sorted(source["file"] for source in SHIPPED["sources"])
    if SHARED_SEEDS.is_dir():
        for name in shipped:
            assert (SHIPPED_SOURCES_DIR / name).read_bytes() == (SHARED_SEEDS / name).read_bytes()


@pytest.mark.parametrize(
    ("kind", "entry"), all_cited_entries(), ids=lambda v: getattr(v, "get", lambda _k: v)("slug")
)
def test_every_quote_occurs_word_for_word_in_its_document(kind: str, entry: dict) -> None:
    assert entry["citations"], f"{kind} {entry['slug']} has no citation"
    for citation in entry["citations"]:
        quote = squash(citation["quote"])
        assert len(quote) >= 20, f"{entry['slug']}: a quote this short proves nothing: {quote!r}"
        assert quote in document_text(citation["source"]), (
            f"{kind} {entry['slug']}: not found in {citation['source']}: {quote!r}"
        )


NUMBER_WORDS = {1: ["once", "one"], 2: ["twice", "two"], 7: ["daily", "every day"]}


def number_is_stated(number: int, quotes: list[str]) -> bool:
    spoken = [rf"(?<![\d.]){number}(?![\d])"] + [rf"\b{w}\b" for w in NUMBER_WORDS.get(number, [])]
    return any(re.search(pattern, quote, re.IGNORECASE) for pattern in spoken for quote in quotes)


@pytest.mark.parametrize("exercise", SHIPPED["exercises"], ids=lambda e: e["slug"])
def test_every_dose_number_of_an_exercise_is_stated_in_its_own_quotes(exercise: dict) -> None:
    quotes = [citation["quote"] for citation in exercise["citations"]]
    for field in NUMBER_FIELDS:
        value = exercise["dosage"][field]
        if value is not None:
            assert number_is_stated(value, quotes), (
                f"{exercise['slug']}.{field} = {value} is stated by none of its quotes"
            )


@pytest.mark.parametrize("program", SHIPPED["programs"], ids=lambda p: p["slug"])
def test_every_dose_a_programme_sets_is_stated_in_the_programme_quotes(program: dict) -> None:
    quotes = [citation["quote"] for citation in program["citations"]]
    for item in program["items"]:
        for field, value in item["dosage"].items():
            if field in NUMBER_FIELDS and value is not None:
                assert number_is_stated(value, quotes), (
                    f"{program['slug']} {item['exercise']}.{field}"
                )


def test_the_dose_check_catches_an_invented_number() -> None:
    assert number_is_stated(10, ["Hold for 10 seconds and relax."])
    assert not number_is_stated(20, ["Hold for 10 seconds and relax."])
    assert not number_is_stated(1, ["Hold for 10 seconds and relax."])
    assert number_is_stated(15, ["Side planks can be 15+ seconds on each side."])


def test_everything_the_product_brief_asks_for_is_in_the_library() -> None:
    slugs = {entry["slug"] for _kind, entry in all_cited_entries()}
    required = {
        # exercises
        "glute-bridge", "front-plank", "side-plank", "hip-flexor-stretch", "hip-extensor-stretch",
        "hip-extension-mobility", "hip-flexion-strength", "single-leg-box-squat",
        "single-leg-stance-eyes-open", "single-leg-stance-eyes-closed", "lunge-stance-balance",
        "skipping",
        # the four programme templates
        "glute-bridge-program", "plank-core-program", "hip-mobility-program",
        "spinal-health-protocol",
        # dosing rules and education cards
        "core-minutes-per-mile", "strength-sessions-per-week", "bent-knee-landing",
        "let-trunk-and-pelvis-rotate", "forefoot-landing", "pelvis-bowl-of-water",
        "shoulders-and-head", "running-surfaces", "hydration", "stop-radiating-pain",
        "stop-severe-spasm", "stop-pain-while-running", "see-a-professional",
    }  # fmt: skip
    assert required <= slugs, required - slugs


@pytest.mark.parametrize(
    ("one_side", "other_side"),
    [
        ("let-trunk-and-pelvis-rotate", "limit-arm-swing-and-rotation"),
        ("forefoot-landing", "heel-strike-under-the-hips"),
    ],
)
def test_where_documents_disagree_both_positions_are_kept_and_cited(
    one_side: str, other_side: str
) -> None:
    cards = {card["slug"]: card for card in SHIPPED["education"]}
    first, second = cards[one_side], cards[other_side]
    assert {c["source"] for c in first["citations"]}.isdisjoint(
        {c["source"] for c in second["citations"]}
    )
    assert (
        second["title"] in first["body"]
        or f'"{second["title"]}"' in first["body"]
        or (second["title"].split(" ")[0] in first["body"])
    )


def test_the_spinal_health_protocol_has_the_documents_doses() -> None:
    protocol = next(p for p in SHIPPED["programs"] if p["slug"] == "spinal-health-protocol")
    doses = {item["exercise"]: item["dosage"] for item in protocol["items"]}
    assert doses["front-plank"] == {"hold_seconds": 30}
    assert doses["side-plank"] == {"hold_seconds": 15, "per_side": True}
    assert doses["single-leg-box-squat"] == {"reps": 10, "per_side": True}
    assert "glute-bridge" in doses


@pytest.mark.django_db
def test_library_loads_with_a_citation_on_everything(library: None) -> None:
    from exercises.models import EducationCard, Exercise, ProgramTemplate

    for model in (Exercise, ProgramTemplate, EducationCard):
        assert model.objects.exists()
        assert not model.objects.filter(citations__isnull=True).exists()
        assert not model.objects.filter(is_shipped=False).exists()
    assert Path(SHIPPED_LIBRARY_PATH).is_file()
