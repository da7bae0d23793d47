"""An illustration for each exercise and screen shipped with the portal: SVG drawn here, in one
style, shipped with the code (no media files, nothing to license).

An exercise with a movement shows the person moving between its start and end positions; under
`prefers-reduced-motion: reduce`, and in print, the positions are shown still, side by side and
labelled (static/portal/illustrations.css switches between the two). A hold is drawn still. Each
picture has a text alternative in the portal's standard wording that says what the picture shows,
and nothing more: the steps and the patient's dose say how, how long and how often.

Only shipped rows have one, looked up by slug: a clinic's own exercise (which may have the slug of
a shipped one in its own library) shows its own media instead, never a picture of something else.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from html import escape
from typing import Any

from django.utils.safestring import SafeString, mark_safe

from exercises.illustrations.drawing import (
    Scene,
    extent,
    figure_svg,
    label_svg,
    panel_svg,
)
from exercises.illustrations.poses import SCENES

GAP = 14.0  # between two still positions
LABEL_HEIGHT = 24.0
MIN_WIDTH = 150.0


@dataclass(frozen=True)
class Illustration:
    slug: str
    description: str
    scene: Scene

    @property
    def moves(self) -> bool:
        return self.scene.motion is not None

    @property
    def labels(self) -> list[str]:
        return [panel.label for panel in self.scene.panels]

    def _box(self) -> tuple[float, float, float, float]:
        left, top, right, bottom = extent((p.pose for p in self.scene.panels), self.scene.props)
        left, right = left - 6, right + 6
        if right - left < MIN_WIDTH:  # room for the label under a standing person
            left, right = (
                left - (MIN_WIDTH - right + left) / 2,
                right + (MIN_WIDTH - right + left) / 2,
            )
        return left, top - 6, right, bottom + 4

    def _svg(self, css_class: str, width: float, height: float, body: str) -> str:
        label = escape(self.description)
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" class="{css_class}" '
            f'viewBox="0 0 {width:.0f} {height:.0f}" role="img" aria-label="{label}">'
            f"<title>{label}</title>{body}</svg>"
        )

    def animated_svg(self) -> str:
        """The person moving from the first position to the second and back."""
        first, second = self.scene.panels[0].pose, self.scene.panels[1].pose
        box = self._box()
        body = figure_svg(first, moving_to=second, motion=self.scene.motion)
        left, top, right, bottom = box
        return self._svg(
            "illustration-moving",
            right - left,
            bottom - top,
            panel_svg(self.scene, box, body, 0, mirrored=False),
        )

    def still_svg(self) -> str:
        """Every position side by side, each labelled."""
        box = self._box()
        left, top, right, bottom = box
        width, height = right - left, bottom - top
        parts = []
        for index, panel in enumerate(self.scene.panels):
            at = index * (width + GAP)
            parts.append(panel_svg(self.scene, box, figure_svg(panel.pose), at, panel.mirrored))
            parts.append(label_svg(panel.label, at + width / 2, height + LABEL_HEIGHT - 7))
        count = len(self.scene.panels)
        return self._svg(
            "illustration-still",
            count * width + (count - 1) * GAP,
            height + LABEL_HEIGHT,
            "".join(parts),
        )


@functools.cache
def illustrations() -> dict[str, Illustration]:
    """Every illustration, by the slug of the shipped exercise or screen it shows."""
    return {
        slug: Illustration(slug=slug, description=description, scene=build())
        for slug, (build, description) in SCENES.items()
    }


def illustration_for(exercise: Any) -> Illustration | None:
    """The shipped exercise's illustration; None for a clinic's own exercise."""
    if not exercise.is_shipped:
        return None
    return illustrations().get(exercise.slug)


@functools.cache
def figure_html(slug: str, compact: bool = False) -> SafeString:
    """The <figure> for a page: the moving picture and its still positions (CSS shows one of
    the two), or the still positions of a hold. `compact`: no caption (Today's cards, where
    the picture sits above the steps)."""
    illustration = illustrations()[slug]
    pictures = illustration.still_svg()
    kind = "hold"
    if illustration.moves:
        pictures = illustration.animated_svg() + pictures
        kind = "moves"
    caption = ""
    if not compact:
        caption = (
            f'<figcaption class="small text-body-secondary">{escape(illustration.description)} '
            '<small class="provenance provenance-standard">Standard picture, not from the '
            "source documents</small></figcaption>"
        )
    size = "compact" if compact else "full"
    return mark_safe(  # noqa: S308 (drawn by this package; the text escaped)
        f'<figure class="illustration illustration-{kind} illustration-{size}" '
        f'data-provenance="standard" data-illustration="{escape(slug)}">'
        f'<div class="illustration-pictures">{pictures}</div>{caption}</figure>'
    )
