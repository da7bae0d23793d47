"""One drawing routine for every illustration: a person seen from the side (or the front), drawn
from the angles of their bones, so that every figure has the same proportions, strokes and
colours.

A pose is a root joint placed somewhere and the direction of each bone (degrees, as SVG measures
them: 0 points right, 90 down, -90 up). The person faces right and shows their left side: the
near (left) limbs are drawn in front of the body, the far (right) ones, lighter, behind it.

A movement is two poses of one person: the picture is drawn in the first, and each bone turns
about the joint it hangs from to the second and back (SMIL's animateTransform, one per joint on
the way from the root, summed). No script and no style attribute: the pages' Content-Security-
Policy allows neither, and the picture needs neither.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from html import escape

Point = tuple[float, float]

# Lengths in drawing units (a standing person is about 160 tall): the proportions of an adult.
LENGTHS = {
    "torso": 50.0,  # hip to shoulder
    "head": 17.0,  # shoulder to the centre of the head
    "upper_arm": 27.0,
    "forearm": 25.0,
    "thigh": 42.0,
    "shin": 40.0,
    "foot": 12.0,
}
HEAD_RADIUS = 10.0

# Each bone: the joint it starts from, the joint it ends at, its length.
BONES: dict[str, tuple[str, str, str]] = {
    "torso": ("hip", "shoulder", "torso"),
    "head": ("shoulder", "head", "head"),
    "upper_arm_n": ("shoulder", "elbow_n", "upper_arm"),
    "forearm_n": ("elbow_n", "hand_n", "forearm"),
    "upper_arm_f": ("shoulder", "elbow_f", "upper_arm"),
    "forearm_f": ("elbow_f", "hand_f", "forearm"),
    "thigh_n": ("hip", "knee_n", "thigh"),
    "shin_n": ("knee_n", "ankle_n", "shin"),
    "foot_n": ("ankle_n", "toe_n", "foot"),
    "thigh_f": ("hip", "knee_f", "thigh"),
    "shin_f": ("knee_f", "ankle_f", "shin"),
    "foot_f": ("ankle_f", "toe_f", "foot"),
}

# The palette: the body and head dark, the near limbs a clear blue, the far limbs pale.
BODY = "#23436b"
NEAR = "#3570b8"
FAR = "#a9c4e4"
BACKGROUND = "#f4f7fa"
FLOOR = "#8c96a0"
PROP_FILL = "#e3e8ee"
PROP_LINE = "#8c96a0"
LABEL = "#3d4650"

# Stroke widths: the trunk broad, the limbs tapering.
WIDTHS = {
    "torso": 15.0,
    "upper_arm": 8.0,
    "forearm": 7.0,
    "thigh": 10.5,
    "shin": 8.5,
    "foot": 6.5,
}
HALO = 2.5  # a rim of background around the near limbs, so an arm in front of the body shows

# Back to front: far arm, far leg, body and head, near leg, near arm.
DRAW_ORDER = [
    ("upper_arm_f", FAR),
    ("forearm_f", FAR),
    ("thigh_f", FAR),
    ("shin_f", FAR),
    ("foot_f", FAR),
    ("torso", BODY),
    ("head", BODY),
    ("thigh_n", NEAR),
    ("shin_n", NEAR),
    ("foot_n", NEAR),
    ("upper_arm_n", NEAR),
    ("forearm_n", NEAR),
]


def direction(degrees: float) -> Point:
    radians = math.radians(degrees)
    return math.cos(radians), math.sin(radians)


def angle_of(start: Point, end: Point) -> float:
    return math.degrees(math.atan2(end[1] - start[1], end[0] - start[0]))


def reach(start: Point, end: Point, first: float, second: float, bend: int) -> tuple[float, float]:
    """The directions of two bones of lengths `first` and `second` that join `start` to `end`
    (a leg from hip to ankle, an arm from shoulder to hand). `bend` 1 turns the first bone
    anticlockwise on the screen from the line start-end (a leg reaching down: the knee forward),
    -1 clockwise (an arm reaching forward: the elbow down)."""
    distance = min(math.dist(start, end), first + second - 1e-6)
    along = angle_of(start, end)
    cosine = (first**2 + distance**2 - second**2) / (2 * first * distance)
    opening = math.degrees(math.acos(max(-1.0, min(1.0, cosine))))
    middle_angle = along - bend * opening
    dx, dy = direction(middle_angle)
    middle = (start[0] + first * dx, start[1] + first * dy)
    return middle_angle, angle_of(middle, end)


@dataclass(frozen=True)
class Pose:
    """One position of the person: `root` joint at `at`, each bone's direction in `angles`.
    `eyes`: "open", "closed"; `view`: "side" (one eye, facing right) or "front"."""

    root: str
    at: Point
    angles: Mapping[str, float]
    eyes: str = "open"
    view: str = "side"

    def joints(self) -> dict[str, Point]:
        placed = {self.root: self.at}
        pending = dict(BONES)
        while pending:
            for name, (start, end, length_name) in list(pending.items()):
                dx, dy = direction(self.angles[name])
                length = LENGTHS[length_name]
                if start in placed:
                    x, y = placed[start]
                    placed[end] = (x + length * dx, y + length * dy)
                elif end in placed:
                    x, y = placed[end]
                    placed[start] = (x - length * dx, y - length * dy)
                else:
                    continue
                del pending[name]
        return placed

    def rooted_bones(self) -> dict[str, tuple[str, str, str | None]]:
        """Each bone's joint nearer the root, the other joint, and the bone it hangs from."""
        seen, hung_from, rooted = {self.root}, {self.root: None}, {}
        pending = dict(BONES)
        while pending:
            for name, (start, end, _) in list(pending.items()):
                if start in seen or end in seen:
                    near, far = (start, end) if start in seen else (end, start)
                    rooted[name] = (near, far, hung_from[near])
                    hung_from[far] = name
                    seen.add(far)
                    del pending[name]
        return rooted


@dataclass(frozen=True)
class Prop:
    """Something the person uses, in drawing units: a box, a chair's back, a floor mark."""

    kind: str  # "box" or "chair"
    x: float
    width: float = 0.0
    height: float = 0.0
    facing: int = -1  # a chair's back faces the person: -1 when it stands to their right

    def svg(self) -> str:
        common = f'stroke="{PROP_LINE}" stroke-width="2" stroke-linejoin="round"'
        if self.kind == "box":
            return (
                f'<rect x="{_n(self.x)}" y="{_n(-self.height)}" width="{_n(self.width)}" '
                f'height="{_n(self.height)}" rx="2" fill="{PROP_FILL}" {common}/>'
            )
        # A chair seen from the side, its back towards the person.
        back, seat = self.x, self.x - self.facing * 34
        top, seat_y = -self.height, -self.height * 0.5
        return (
            f'<path d="M{_n(back)} {_n(top)}V0M{_n(back)} {_n(seat_y)}H{_n(seat)}V0" '
            f'fill="none" stroke="{PROP_LINE}" stroke-width="4" stroke-linecap="round" '
            'stroke-linejoin="round"/>'
            f'<path d="M{_n(back)} {_n(seat_y)}H{_n(seat)}" stroke="{PROP_LINE}" '
            'stroke-width="6" stroke-linecap="round"/>'
        )

    def extent(self) -> tuple[float, float, float, float]:
        if self.kind == "box":
            return self.x, -self.height, self.x + self.width, 0.0
        seat = self.x - self.facing * 34
        return min(self.x, seat), -self.height, max(self.x, seat), 0.0


@dataclass(frozen=True)
class Motion:
    """How the picture moves: "hold" pauses at the start and at the end (the end is where the
    patient holds or turns back); "cycle" swings between the two without a pause (running)."""

    rhythm: str = "hold"
    seconds: float = 4.0

    def timing(self) -> tuple[list[float], list[int]]:
        """The key times and, for each, 0 (the first pose) or 1 (the second)."""
        if self.rhythm == "cycle":
            return [0, 0.5, 1], [0, 1, 0]
        return [0, 0.12, 0.45, 0.75, 1], [0, 0, 1, 1, 0]


@dataclass(frozen=True)
class Panel:
    pose: Pose
    label: str
    mirrored: bool = False


@dataclass(frozen=True)
class Scene:
    panels: Sequence[Panel]
    props: Sequence[Prop] = field(default_factory=tuple)
    motion: Motion | None = None  # None: a hold, drawn still


def _n(value: float) -> str:
    """A coordinate as short as it can be written."""
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _bone_svg(name: str, colour: str, joints: Mapping[str, Point], pose: Pose) -> list[str]:
    start, end, length_name = BONES[name]
    (x1, y1), (x2, y2) = joints[start], joints[end]
    if name == "head":
        return _head_svg(joints[end], pose)
    width = WIDTHS[length_name]
    line = f'x1="{_n(x1)}" y1="{_n(y1)}" x2="{_n(x2)}" y2="{_n(y2)}"'
    parts = []
    if colour == NEAR:
        parts.append(
            f'<line {line} stroke="{BACKGROUND}" stroke-width="{_n(width + 2 * HALO)}" '
            'stroke-linecap="round"/>'
        )
    parts.append(
        f'<line {line} stroke="{colour}" stroke-width="{_n(width)}" stroke-linecap="round"/>'
    )
    return parts


def _head_svg(centre: Point, pose: Pose) -> list[str]:
    cx, cy = centre
    head = f'<circle cx="{_n(cx)}" cy="{_n(cy)}" r="{_n(HEAD_RADIUS)}" fill="{BODY}"/>'
    up = pose.angles["head"]
    eyes = []
    if pose.view == "front":
        ux, uy = direction(up)
        for side in (-1, 1):
            sx, sy = direction(up + side * 90)
            eyes.append((cx + 2 * ux + 3.6 * sx, cy + 2 * uy + 3.6 * sy, up + 90))
    else:
        fx, fy = direction(up + 90)
        ux, uy = direction(up)
        eyes.append((cx + 5 * fx + 1.5 * ux, cy + 5 * fy + 1.5 * uy, up + 90))
    parts = [head]
    for ex, ey, across in eyes:
        if pose.eyes == "closed":
            # A closed eye: a short lid line, across the face.
            ax, ay = direction(across)
            parts.append(
                f'<line x1="{_n(ex - 2.6 * ax)}" y1="{_n(ey - 2.6 * ay)}" '
                f'x2="{_n(ex + 2.6 * ax)}" y2="{_n(ey + 2.6 * ay)}" stroke="#fff" '
                'stroke-width="1.6" stroke-linecap="round"/>'
            )
        else:
            parts.append(f'<circle cx="{_n(ex)}" cy="{_n(ey)}" r="2" fill="#fff"/>')
    return parts


def _animations(
    name: str, first: Pose, second: Pose, motion: Motion, rooted: Mapping[str, tuple]
) -> str:
    """The turns that take bone `name` from `first` to `second`: the root's move, then the turn
    of each bone from the root down to this one, about the joint it hangs from."""
    times, which = motion.timing()
    key_times = ";".join(_n(t) for t in times)
    splines = ";".join("0.45 0 0.55 1" for _ in times[1:])
    common = (
        f'dur="{_n(motion.seconds)}s" repeatCount="indefinite" keyTimes="{key_times}" '
        f'calcMode="spline" keySplines="{splines}" additive="sum"'
    )
    start_joints = first.joints()
    chain = []
    bone: str | None = name
    while bone is not None:
        chain.append(bone)
        bone = rooted[bone][2]
    parts = []
    dx, dy = second.at[0] - first.at[0], second.at[1] - first.at[1]
    if dx or dy:
        values = ";".join(f"{_n(dx * w)} {_n(dy * w)}" for w in which)
        parts.append(
            f'<animateTransform attributeName="transform" type="translate" values="{values}" '
            f"{common}/>"
        )
    for bone in reversed(chain):
        parent = rooted[bone][2]
        turn = _turn(first, second, bone) - (_turn(first, second, parent) if parent else 0)
        if abs(turn) < 0.05:
            continue
        px, py = start_joints[rooted[bone][0]]
        values = ";".join(f"{_n(turn * w)} {_n(px)} {_n(py)}" for w in which)
        parts.append(
            f'<animateTransform attributeName="transform" type="rotate" values="{values}" '
            f"{common}/>"
        )
    return "".join(parts)


def _turn(first: Pose, second: Pose, bone: str) -> float:
    """How far the bone turns, the short way round."""
    return (second.angles[bone] - first.angles[bone] + 180) % 360 - 180


def figure_svg(pose: Pose, *, moving_to: Pose | None = None, motion: Motion | None = None) -> str:
    """The person in `pose`; moving to `moving_to` and back if given."""
    joints = pose.joints()
    rooted = pose.rooted_bones()
    parts = []
    order = DRAW_ORDER
    if pose.view == "front":
        # Seen from the front, both arms are as near as the body: the top one is drawn over it.
        far_arm = [("upper_arm_f", NEAR), ("forearm_f", NEAR)]
        order = [part for part in DRAW_ORDER if not part[0].endswith("arm_f")] + far_arm
    for name, colour in order:
        shapes = "".join(_bone_svg(name, colour, joints, pose))
        if moving_to is not None and motion is not None:
            parts.append(f"<g>{shapes}{_animations(name, pose, moving_to, motion, rooted)}</g>")
        else:
            parts.append(shapes)
    return "".join(parts)


def extent(poses: Iterable[Pose], props: Iterable[Prop]) -> tuple[float, float, float, float]:
    """The box around every pose's joints (with the strokes and the head) and the props."""
    left = top = math.inf
    right = bottom = -math.inf
    for pose in poses:
        for name, (x, y) in pose.joints().items():
            margin = HEAD_RADIUS + 1 if name == "head" else 8
            left, right = min(left, x - margin), max(right, x + margin)
            top, bottom = min(top, y - margin), max(bottom, y + margin)
    for prop in props:
        x0, y0, x1, _ = prop.extent()  # a prop stands on the floor
        left, top, right = min(left, x0 - 3), min(top, y0 - 3), max(right, x1 + 3)
    return left, top, right, max(bottom, 4.0)


def panel_svg(
    scene: Scene, box: tuple[float, float, float, float], body: str, at: float, mirrored: bool
) -> str:
    """One framed picture: background, floor, props and the person, placed `at` across."""
    left, top, right, bottom = box
    width, height = right - left, bottom - top
    # The other side: the same picture, mirrored about the middle of its frame.
    flip = f' transform="translate({_n(2 * left + width)} 0) scale(-1 1)"' if mirrored else ""
    props = "".join(prop.svg() for prop in scene.props)
    return (
        f'<g transform="translate({_n(at - left)} {_n(-top)})">'
        f'<rect x="{_n(left)}" y="{_n(top)}" width="{_n(width)}" height="{_n(height)}" rx="8" '
        f'fill="{BACKGROUND}"/>'
        f"<g{flip}>"
        f'<line x1="{_n(left + 4)}" y1="0" x2="{_n(right - 4)}" y2="0" stroke="{FLOOR}" '
        'stroke-width="2" stroke-linecap="round"/>'
        f"{props}{body}</g></g>"
    )


def label_svg(text: str, x: float, y: float) -> str:
    return (
        f'<text x="{_n(x)}" y="{_n(y)}" text-anchor="middle" font-size="15" '
        f'font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif" fill="{LABEL}">'
        f"{escape(text)}</text>"
    )
