"""The illustrations in real Chromium: a contact sheet of every one (test-artifacts/), a picture
that moves on a patient's phone, and stands still, each position side by side, for a patient who
asks for reduced motion and on paper."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.utils.html import escape

from exercises.illustrations import figure_html
from exercises.models import Exercise
from tests.processes import ARTIFACTS
from tests.two_factor import PASSWORD

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

STYLESHEET = Path(settings.BASE_DIR) / "static" / "portal" / "illustrations.css"
SHEET_STYLE = """
body { font-family: system-ui, sans-serif; margin: 16px; color: #212529; }
h1 { font-size: 20px; }
.sheet { display: grid; grid-template-columns: repeat(3, 400px); gap: 16px; }
.entry { border: 1px solid #dee2e6; border-radius: 8px; padding: 10px; }
.entry h2 { font-size: 15px; margin: 0 0 6px; }
.small { font-size: 12px; } .provenance { color: #6c757d; }
"""


def contact_sheet(exercises: list[Exercise]) -> str:
    entries = "".join(
        f'<section class="entry" id="entry-{exercise.slug}"><h2>{escape(exercise.name)} '
        f"<small>({exercise.kind})</small></h2>{figure_html(exercise.slug)}</section>"
        for exercise in exercises
    )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Illustrations</title>'
        f"</head><body><h1>Every illustration the portal ships</h1>"
        f'<div class="sheet">{entries}</div></body></html>'
    )


def test_a_contact_sheet_shows_every_shipped_exercise_and_screen_with_its_positions(
    library: None, browser_page_factory
) -> None:
    exercises = list(Exercise.objects.filter(is_shipped=True).order_by("kind", "name"))
    folder = ARTIFACTS / "illustrations"
    folder.mkdir(parents=True, exist_ok=True)
    # Reduced motion: each position of a movement is drawn, still and labelled.
    page = browser_page_factory(width=1300, height=900, reduced_motion="reduce")
    page.set_content(contact_sheet(exercises))
    page.add_style_tag(path=str(STYLESHEET))
    page.add_style_tag(content=SHEET_STYLE)
    for exercise in exercises:
        entry = page.locator(f"#entry-{exercise.slug}")
        picture = entry.locator("svg[role=img]:visible")
        assert picture.count() == 1, exercise.slug
        box = picture.bounding_box()
        assert box["width"] > 200 and 80 < box["height"] < 260, (exercise.slug, box)
        assert picture.get_attribute("aria-label")
        entry.screenshot(path=str(folder / f"{exercise.slug}.png"))
    page.screenshot(path=str(ARTIFACTS / "illustrations-contact-sheet.png"), full_page=True)


def log_in(page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/")
    page.fill("#id_username", email)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/today/**")


def bone_boxes(page, selector: str) -> list[list[float]]:
    return page.eval_on_selector_all(
        f"{selector} g > g",
        "groups => groups.map(g => { const r = g.getBoundingClientRect();"
        " return [r.x, r.y, r.width, r.height].map(v => Math.round(v)); })",
    )


def test_a_picture_moves_on_a_phone_and_stands_still_for_reduced_motion_and_print(
    live_site,
    browser_page_factory,  # after live_site: the browser closes before the server stops
    runner: SimpleNamespace,
    screenshot_dir: Path,
) -> None:
    patient = runner.patient_a
    patient.safety_check_at = patient.created_at  # the first-login check is answered
    patient.save()
    bridge, plank = f"#card-{runner.bridge_a.pk}", f"#card-{runner.plank_a.pk}"

    page = browser_page_factory(width=390, height=844)
    log_in(page, live_site.url, patient.user.email)
    moving = f"{bridge} svg.illustration-moving"
    page.locator(moving).wait_for()
    assert not page.locator(f"{bridge} svg.illustration-still").is_visible()
    before = bone_boxes(page, moving)
    page.wait_for_timeout(1200)
    assert bone_boxes(page, moving) != before, "the glute bridge does not move"
    # A hold (the side plank) is drawn still: each side.
    assert page.locator(f"{plank} svg.illustration-still").is_visible()
    assert page.locator(f"{plank} svg.illustration-moving").count() == 0
    height = page.locator(f"{bridge} figure.illustration").bounding_box()["height"]
    assert height < 160, f"the picture takes {height}px of the phone's card"
    page.screenshot(path=str(screenshot_dir / "today-illustrations.png"), full_page=True)

    # On paper: the positions, still and side by side.
    page.goto(f"{live_site.url}/programme/")
    page.emulate_media(media="print")
    figure = 'figure[data-illustration="glute-bridge"]'
    assert page.locator(f"{figure} svg.illustration-still").is_visible()
    assert not page.locator(f"{figure} svg.illustration-moving").is_visible()
    page.screenshot(path=str(screenshot_dir / "programme-print-illustrations.png"), full_page=True)

    calm = browser_page_factory(width=390, height=844, reduced_motion="reduce")
    log_in(calm, live_site.url, patient.user.email)
    still = calm.locator(f"{bridge} svg.illustration-still")
    still.wait_for()
    assert not calm.locator(f"{bridge} svg.illustration-moving").is_visible()
    labels = still.locator("text").all_text_contents()
    assert labels == ["Start", "Hips lifted"]
    first = still.screenshot()
    calm.wait_for_timeout(1200)
    assert still.screenshot() == first, "the picture moves for a patient who asked it not to"
    calm.screenshot(path=str(screenshot_dir / "today-illustrations-reduced-motion.png"))
