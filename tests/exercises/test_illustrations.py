"""Every exercise and screen shipped with the portal has a picture: its positions drawn in SVG,
moving for an exercise with a movement, still for a hold, with a text alternative that says what
it shows; and the picture is on every page where the patient or the therapist reads the exercise."""

from __future__ import annotations

import math
import re
from types import SimpleNamespace
from xml.etree import ElementTree

import pytest
from bs4 import BeautifulSoup
from django.template import Context, Template

from exercises.illustrations import figure_html, illustration_for, illustrations
from exercises.models import Exercise

SVG = "{http://www.w3.org/2000/svg}"
# What the steps describe as a movement (animated) and as a position held (still).
MOVING = {
    "glute-bridge",
    "hip-extension-mobility",
    "hip-flexion-strength",
    "single-leg-box-squat",
    "bent-knee-strides",
    "skipping",
}
# Where the side matters, the picture shows each one.
EACH_SIDE = {"side-plank", "single-leg-stance-eyes-open", "single-leg-stance-eyes-closed"}


def pictures(html: str) -> list[ElementTree.Element]:
    """Each <svg> of an illustration, parsed as XML (a malformed one raises)."""
    found = re.findall(r"<svg\b.*?</svg>", html, re.S)
    return [ElementTree.fromstring(svg) for svg in found]  # noqa: S314 (the portal's own SVG)


def shipped() -> list[Exercise]:
    return list(Exercise.objects.filter(is_shipped=True).order_by("slug"))


@pytest.mark.django_db
def test_every_shipped_exercise_and_screen_has_a_picture_with_a_text_alternative(
    library: None,
) -> None:
    rows = shipped()
    assert {row.kind for row in rows} == {"exercise", "screen"}
    assert len(rows) == len(illustrations()), "a picture for a slug the library does not ship"
    for exercise in rows:
        illustration = illustration_for(exercise)
        assert illustration is not None, f"{exercise.slug} has no illustration"
        description = illustration.description
        assert len(description.split()) >= 8, (exercise.slug, description)
        html = figure_html(exercise.slug)
        svgs = pictures(html)
        assert svgs, exercise.slug
        for svg in svgs:
            assert svg.get("role") == "img"
            assert svg.get("aria-label") == description
            assert svg.findtext(f"{SVG}title") == description
            assert svg.find(f".//{SVG}line") is not None  # a person is drawn
        figure = BeautifulSoup(html, "html.parser").figure
        assert figure["data-provenance"] == "standard"
        assert "Standard picture, not from the source documents" in figure.figcaption.get_text()


@pytest.mark.django_db
def test_a_picture_states_no_number_the_dose_is_the_prescriptions(library: None) -> None:
    for exercise in shipped():
        illustration = illustration_for(exercise)
        for text in [illustration.description, *illustration.labels]:
            assert not re.search(r"\d", text), (exercise.slug, text)


def largest_move(first, second) -> float:
    start, end = first.joints(), second.joints()
    return max(math.dist(start[joint], end[joint]) for joint in start)


@pytest.mark.django_db
def test_a_movement_moves_between_two_distinct_positions_and_a_hold_is_still(
    library: None,
) -> None:
    for exercise in shipped():
        illustration = illustration_for(exercise)
        panels = illustration.scene.panels
        assert len(panels) == 2, exercise.slug  # start and end, or one for each side
        html = figure_html(exercise.slug)
        moving = [svg for svg in pictures(html) if "illustration-moving" in svg.get("class")]
        still = [svg for svg in pictures(html) if "illustration-still" in svg.get("class")]
        assert len(still) == 1 and still[0].find(f".//{SVG}animateTransform") is None
        # Every position drawn still, each with its label, for reduced motion and print.
        labels = [text.text for text in still[0].iter(f"{SVG}text")]
        assert labels == illustration.labels
        if exercise.slug in MOVING:
            assert illustration.moves
            assert largest_move(panels[0].pose, panels[1].pose) > 15, exercise.slug
            assert len(moving) == 1
            turns = moving[0].findall(f".//{SVG}animateTransform")
            assert turns and all(turn.get("repeatCount") == "indefinite" for turn in turns)
            assert 'class="illustration illustration-moves' in html
        else:
            assert not illustration.moves and not moving, exercise.slug
            assert 'class="illustration illustration-hold' in html
        if exercise.slug in EACH_SIDE:
            assert [label.split()[0] for label in labels] == ["Left", "Right"], labels


@pytest.mark.django_db
def test_a_clinics_own_exercise_gets_no_picture_even_with_a_shipped_slug(
    library: None, clinic_people: SimpleNamespace
) -> None:
    library_of_clinic = clinic_people.clinic_a.library
    own = Exercise.objects.create(
        library=library_of_clinic, slug="glute-bridge", name="Our bridge", kind="exercise"
    )
    tag = Template("{% load illustrations %}[{% illustration exercise %}]")
    assert tag.render(Context({"exercise": own})) == "[]"
    bridge = Exercise.objects.get(slug="glute-bridge", is_shipped=True)
    assert 'data-illustration="glute-bridge"' in tag.render(Context({"exercise": bridge}))
