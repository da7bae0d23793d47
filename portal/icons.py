"""The portal's icon: a figure in a glute bridge, white on the portal's blue. Drawn here once, as
the SVG in static/portal/icons/ (the favicon) and as the PNGs a phone installs the app with (the
manifest's 192 and 512 px, a maskable one with the figure inside the safe circle, and the
apple-touch-icon, square and opaque as iOS asks). `make icons` writes them again;
tests/site/test_offline_app.py checks the files are this drawing.

    .venv/bin/python -m portal.icons
"""

from __future__ import annotations

import io
import itertools
import math
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw

FOLDER = Path(__file__).resolve().parent.parent / "static" / "portal" / "icons"
GRID = 512  # the drawing's units
BLUE = "#0b5ed7"
WHITE = "#ffffff"
CORNER = 112  # the rounded square's radius
STROKE = 40
# Lying on the back, shoulders on the floor, hips lifted in line with the knees, feet flat.
HEAD = ((126, 290), 34)
BODY = ((176, 316), (292, 226), (372, 164), (392, 326))  # shoulder, hip, knee, foot
ARM = ((176, 316), (268, 332))
FLOOR = ((92, 362), (420, 362))


@dataclass(frozen=True)
class Icon:
    name: str
    size: int
    full_bleed: bool  # the background fills the square (maskable, apple-touch)
    scale: float  # of the figure about the centre: a maskable icon keeps it in the safe circle


ICONS = (
    Icon("icon-192.png", 192, full_bleed=False, scale=1.0),
    Icon("icon-512.png", 512, full_bleed=False, scale=1.0),
    # The safe zone of a maskable icon is the circle of 80% of its width.
    Icon("icon-maskable-512.png", 512, full_bleed=True, scale=0.8),
    Icon("apple-touch-icon.png", 180, full_bleed=True, scale=0.86),
    Icon("favicon-32.png", 32, full_bleed=False, scale=1.0),
)


def _about_centre(point: tuple[float, float], scale: float) -> tuple[float, float]:
    centre = GRID / 2
    return centre + (point[0] - centre) * scale, centre + (point[1] - centre) * scale


def svg() -> str:
    def points(line: tuple[tuple[int, int], ...]) -> str:
        return " ".join(f"{x},{y}" for x, y in line)

    (head_x, head_y), radius = HEAD
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {GRID} {GRID}">'
        "<title>Exercise portal</title>"
        f'<rect width="{GRID}" height="{GRID}" rx="{CORNER}" fill="{BLUE}"/>'
        f'<g fill="none" stroke="{WHITE}" stroke-width="{STROKE}" stroke-linecap="round" '
        'stroke-linejoin="round">'
        f'<polyline points="{points(FLOOR)}" stroke-width="{STROKE // 2}"/>'
        f'<polyline points="{points(ARM)}"/>'
        f'<polyline points="{points(BODY)}"/>'
        "</g>"
        f'<circle cx="{head_x}" cy="{head_y}" r="{radius}" fill="{WHITE}"/>'
        "</svg>\n"
    )


def png(icon: Icon) -> bytes:
    # Drawn at four times the size and reduced: Pillow draws no smooth edges of its own.
    big = icon.size * 4
    unit = big / GRID
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    if icon.full_bleed:
        draw.rectangle((0, 0, big, big), fill=BLUE)
    else:
        draw.rounded_rectangle((0, 0, big - 1, big - 1), radius=CORNER * unit, fill=BLUE)

    def at(point: tuple[float, float]) -> tuple[float, float]:
        x, y = _about_centre(point, icon.scale)
        return x * unit, y * unit

    def stroke(line: tuple[tuple[int, int], ...], width: float) -> None:
        # Each segment a band, each point a disc: the SVG's round caps and joins.
        half = width * unit * icon.scale / 2
        drawn = [at(point) for point in line]
        for (x1, y1), (x2, y2) in itertools.pairwise(drawn):
            length = math.hypot(x2 - x1, y2 - y1)
            nx, ny = -(y2 - y1) / length * half, (x2 - x1) / length * half
            band = [(x1 + nx, y1 + ny), (x2 + nx, y2 + ny), (x2 - nx, y2 - ny), (x1 - nx, y1 - ny)]
            draw.polygon(band, fill=WHITE)
        for x, y in drawn:
            draw.ellipse((x - half, y - half, x + half, y + half), fill=WHITE)

    stroke(FLOOR, STROKE / 2)
    stroke(ARM, STROKE)
    stroke(BODY, STROKE)
    (head_x, head_y), radius = HEAD
    x, y = at((head_x, head_y))
    r = radius * unit * icon.scale
    draw.ellipse((x - r, y - r, x + r, y + r), fill=WHITE)
    small = image.resize((icon.size, icon.size), Image.Resampling.LANCZOS)
    if icon.full_bleed:
        small = small.convert("RGB")  # opaque: nothing for a launcher to show through
    out = io.BytesIO()
    small.save(out, format="PNG", optimize=True)
    return out.getvalue()


def drawn() -> dict[str, bytes]:
    """Every icon file, by name."""
    files = {"icon.svg": svg().encode()}
    files.update({icon.name: png(icon) for icon in ICONS})
    return files


def main() -> None:
    FOLDER.mkdir(parents=True, exist_ok=True)
    for name, content in drawn().items():
        (FOLDER / name).write_bytes(content)
        print(f"{FOLDER / name}: {len(content):,} bytes")


if __name__ == "__main__":
    main()
