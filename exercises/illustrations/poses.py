"""The positions of each shipped exercise and screen, as the steps the patient reads describe
them, drawn by exercises/illustrations/drawing.py. Floor at y = 0; the person faces right."""

from __future__ import annotations

import math

from exercises.illustrations.drawing import (
    LENGTHS,
    Motion,
    Panel,
    Point,
    Pose,
    Prop,
    Scene,
    angle_of,
    direction,
    reach,
)

ANKLE = -4.0  # the ankle's height above the floor with the foot flat
LYING = -8.0  # the line of the trunk of someone lying on the floor
THIGH, SHIN = LENGTHS["thigh"], LENGTHS["shin"]
ARM, FOREARM = LENGTHS["upper_arm"], LENGTHS["forearm"]


def _along(start: Point, degrees: float, length: float) -> Point:
    dx, dy = direction(degrees)
    return start[0] + length * dx, start[1] + length * dy


def _leg(side: str, hip: Point, ankle: Point, foot: float, bend: int = 1) -> dict[str, float]:
    thigh, shin = reach(hip, ankle, THIGH, SHIN, bend)
    return {f"thigh_{side}": thigh, f"shin_{side}": shin, f"foot_{side}": foot}


def _arm(side: str, shoulder: Point, hand: Point, bend: int = -1) -> dict[str, float]:
    upper, fore = reach(shoulder, hand, ARM, FOREARM, bend)
    return {f"upper_arm_{side}": upper, f"forearm_{side}": fore}


def _both(**bones: float) -> dict[str, float]:
    """The same direction for the near and the far limb: {"thigh": 90} → thigh_n, thigh_f."""
    return {f"{name}_{side}": value for name, value in bones.items() for side in "nf"}


STANDING = {
    "torso": -90.0,
    "head": -90.0,
    **_both(upper_arm=86.0, forearm=72.0, thigh=90.0, shin=90.0, foot=0.0),
}
STANDING_HIP = ANKLE - THIGH - SHIN
STANDING_SHOULDER = STANDING_HIP - LENGTHS["torso"]
# Lying on the back, head to the left: arms along the body, hands on the floor by the hips.
ON_THE_BACK = {
    "torso": 180.0,
    "head": 186.0,
    **_both(upper_arm=7.0, forearm=0.0),
}


def glute_bridge() -> Scene:
    shoulder = (0.0, LYING)
    hip = _along(shoulder, 0, LENGTHS["torso"])
    knee = _along(hip, -47, THIGH)
    ankle = (knee[0] + math.sqrt(SHIN**2 - (knee[1] - ANKLE) ** 2), ANKLE)
    start = {**ON_THE_BACK, **_leg("n", hip, ankle, 0), **_leg("f", hip, (ankle[0] + 3, ANKLE), 0)}

    # Hips lifted until shoulders, hips and knees are in one line: find that line's slope.
    def knee_at(rise: float) -> Point:
        return _along(shoulder, -rise, LENGTHS["torso"] + THIGH)

    low, high = 0.0, 60.0
    for _ in range(40):
        middle = (low + high) / 2
        low, high = (middle, high) if math.dist(knee_at(middle), ankle) < SHIN else (low, middle)
    lifted_hip = _along(shoulder, -low, LENGTHS["torso"])
    end = {
        **start,
        "torso": angle_of(lifted_hip, shoulder),
        **_leg("n", lifted_hip, ankle, 0),
        **_leg("f", lifted_hip, (ankle[0] + 3, ANKLE), 0),
    }
    return Scene(
        panels=[
            Panel(Pose("shoulder", shoulder, start), "Start"),
            Panel(Pose("shoulder", shoulder, end), "Hips lifted"),
        ],
        motion=Motion("hold", 4.5),
    )


def front_plank() -> Scene:
    elbow = (44.0, ANKLE)
    shoulder = (elbow[0], elbow[1] - ARM)  # the elbow under the shoulder
    forearms = _both(upper_arm=90.0, forearm=0.0)
    resting_hip = (
        shoulder[0] - math.sqrt(LENGTHS["torso"] ** 2 - (shoulder[1] - LYING) ** 2),
        LYING,
    )
    start = {
        **forearms,
        "torso": angle_of(resting_hip, shoulder),
        "head": -22.0,
        **_both(thigh=180.0, shin=180.0, foot=176.0),
    }
    # On forearms and toes: one straight line from the head to the heels.
    ankle_height = ANKLE - 8
    rise = math.degrees(math.asin((ankle_height - shoulder[1]) / (LENGTHS["torso"] + THIGH + SHIN)))
    plank = {
        **forearms,
        "torso": -rise,
        "head": -rise - 4,
        **_both(thigh=180 - rise, shin=180 - rise, foot=72.0),
    }
    return Scene(
        panels=[
            Panel(Pose("shoulder", shoulder, start), "Start"),
            Panel(Pose("shoulder", shoulder, plank), "Hold"),
        ]
    )


def side_plank() -> Scene:
    # Seen from the front, lying on the left side: the left forearm on the floor, the elbow
    # under the shoulder, the body one straight line to the feet; the top hand on the hip.
    elbow = (96.0, ANKLE)
    shoulder = (elbow[0], elbow[1] - ARM)
    # The body's line, from the shoulder down to the feet (down and to the left).
    slope = 180 - math.degrees(
        math.asin(((ANKLE - 2) - shoulder[1]) / (LENGTHS["torso"] + THIGH + SHIN))
    )
    hip = _along(shoulder, slope, LENGTHS["torso"])
    angles = {
        "torso": slope - 180,
        "head": slope - 180 - 6,
        "upper_arm_n": 90.0,
        "forearm_n": 0.0,
        **_arm("f", shoulder, (hip[0] + 6, hip[1] - 6), bend=-1),
        "thigh_n": slope,
        "shin_n": slope,
        "foot_n": slope - 30,
        # The top leg lies on the bottom one: a little above it at the feet.
        "thigh_f": slope + 3,
        "shin_f": slope + 3,
        "foot_f": slope - 25,
    }
    pose = Pose("shoulder", shoulder, angles, view="front")
    return Scene(panels=[Panel(pose, "Left side"), Panel(pose, "Right side", mirrored=True)])


def _half_kneeling(shift: float) -> Pose:
    # Kneeling on the left knee, the right foot flat in front; `shift`: how far the hips have
    # moved forward of the kneeling knee (degrees of the thigh from upright).
    knee = (0.0, ANKLE - 1)
    hip = _along(knee, -90 + shift, THIGH)
    front_ankle = (44.0, ANKLE)
    shoulder = _along(hip, -90, LENGTHS["torso"])
    front = _leg("f", hip, front_ankle, 0)
    front_knee = _along(hip, front["thigh_f"], THIGH)
    angles = {
        "torso": -90.0,
        "head": -90.0,
        "thigh_n": 90 + shift,
        "shin_n": 180.0,
        "foot_n": 178.0,
        **front,
        **_arm("n", shoulder, (front_knee[0] - 10, front_knee[1] - 6)),
        **_arm("f", shoulder, (front_knee[0] - 6, front_knee[1] - 7)),
    }
    return Pose("knee_n", knee, angles)


def hip_flexor_stretch() -> Scene:
    return Scene(panels=[Panel(_half_kneeling(0), "Start"), Panel(_half_kneeling(24), "Stretch")])


def hip_extensor_stretch() -> Scene:
    shoulder = (0.0, LYING)
    hip = _along(shoulder, 0, LENGTHS["torso"])
    long_legs = _both(thigh=0.0, shin=0.0, foot=-72.0)
    start = {**ON_THE_BACK, **long_legs}
    knee = _along(hip, -110, THIGH)
    hands = _along(knee, 22, 9)  # on the shin, below the knee
    stretch = {
        **ON_THE_BACK,
        **long_legs,
        "thigh_n": -110.0,
        "shin_n": 22.0,
        "foot_n": -40.0,
        **_arm("n", shoulder, hands, bend=-1),
        **_arm("f", shoulder, (hands[0] + 3, hands[1] + 2), bend=-1),
    }
    return Scene(
        panels=[
            Panel(Pose("shoulder", shoulder, start), "Start"),
            Panel(Pose("shoulder", shoulder, stretch), "Stretch"),
        ]
    )


CHAIR_IN_FRONT = Prop("chair", x=26.0, height=84.0, facing=-1)


def _holding_chair(**legs: float) -> Pose:
    shoulder = (0.0, STANDING_SHOULDER)
    top = (CHAIR_IN_FRONT.x - 2, -CHAIR_IN_FRONT.height - 4)
    angles = {
        **STANDING,
        **_arm("n", shoulder, top),
        **_arm("f", shoulder, (top[0] + 2, top[1] + 1)),
        **legs,
    }
    return Pose("ankle_f", (0.0, ANKLE), angles)


def hip_extension_mobility() -> Scene:
    back = {"thigh_n": 113.0, "shin_n": 116.0, "foot_n": 40.0}
    return Scene(
        panels=[Panel(_holding_chair(), "Start"), Panel(_holding_chair(**back), "Leg back")],
        props=[CHAIR_IN_FRONT],
        motion=Motion("hold", 4.0),
    )


CHAIR_BESIDE = Prop("chair", x=12.0, height=84.0, facing=1)


def _beside_chair(**legs: float) -> Pose:
    shoulder = (0.0, STANDING_SHOULDER)
    angles = {
        **STANDING,
        **_arm("f", shoulder, (CHAIR_BESIDE.x, -CHAIR_BESIDE.height - 4)),
        **legs,
    }
    return Pose("ankle_f", (0.0, ANKLE), angles)


def hip_flexion_strength() -> Scene:
    knee_up = {"thigh_n": -2.0, "shin_n": 92.0, "foot_n": 25.0}
    return Scene(
        panels=[Panel(_beside_chair(), "Start"), Panel(_beside_chair(**knee_up), "Knee up")],
        props=[CHAIR_BESIDE],
        motion=Motion("hold", 3.5),
    )


BOX = Prop("box", x=-56.0, width=38.0, height=44.0)


def single_leg_box_squat() -> Scene:
    ankle = (0.0, ANKLE)
    start = {
        **STANDING,
        "thigh_f": 70.0,
        "shin_f": 96.0,
        "foot_f": 14.0,
    }
    # Sitting back until the buttocks touch the box: the shin leans forward, the trunk leans
    # over the knee, the arms reach forward for balance, the free leg stays off the floor.
    knee = _along(ankle, -65, SHIN)
    hip = _along(knee, 180 + 12, THIGH)
    seated = {
        "torso": -52.0,
        "head": -62.0,
        **_both(upper_arm=8.0, forearm=-2.0),
        "thigh_n": angle_of(hip, knee),
        "shin_n": 115.0,
        "foot_n": 0.0,
        "thigh_f": 8.0,
        "shin_f": 40.0,
        "foot_f": -20.0,
    }
    return Scene(
        panels=[
            Panel(Pose("ankle_n", ankle, start), "Start"),
            Panel(Pose("ankle_n", ankle, seated), "On the box"),
        ],
        props=[BOX],
        motion=Motion("hold", 4.5),
    )


def _running(lead: str, trail: str) -> dict[str, float]:
    # The leading foot lands under a bent knee; the trailing leg folds behind; the arms swing
    # against the legs, bent at the elbow.
    return {
        "torso": -82.0,
        "head": -86.0,
        f"thigh_{lead}": 66.0,
        f"shin_{lead}": 104.0,
        f"foot_{lead}": -4.0,
        f"thigh_{trail}": 114.0,
        f"shin_{trail}": 196.0,
        f"foot_{trail}": 104.0,
        f"upper_arm_{lead}": 122.0,
        f"forearm_{lead}": 40.0,
        f"upper_arm_{trail}": 62.0,
        f"forearm_{trail}": -28.0,
    }


def _hip_height(angles: dict[str, float], side: str, foot_low: float) -> float:
    """How high the hip is when the lowest point of `side`'s foot is at `foot_low`."""
    ankle_y = (
        THIGH * direction(angles[f"thigh_{side}"])[1] + SHIN * direction(angles[f"shin_{side}"])[1]
    )
    toe_y = ankle_y + LENGTHS["foot"] * direction(angles[f"foot_{side}"])[1]
    return foot_low - max(ankle_y, toe_y)


def bent_knee_strides() -> Scene:
    left, right = _running("n", "f"), _running("f", "n")
    hip = (0.0, _hip_height(left, "n", ANKLE))
    return Scene(
        panels=[
            Panel(Pose("hip", hip, left), "Left foot lands"),
            Panel(Pose("hip", hip, right), "Right foot lands"),
        ],
        motion=Motion("cycle", 1.4),
    )


def _one_leg(stand: str, lift: str, eyes: str) -> Pose:
    angles = {
        **STANDING,
        **_both(upper_arm=80.0, forearm=62.0),
        f"thigh_{lift}": -2.0,
        f"shin_{lift}": 92.0,
        f"foot_{lift}": 22.0,
    }
    return Pose(f"ankle_{stand}", (0.0, ANKLE), angles, eyes=eyes)


def single_leg_stance(eyes: str) -> Scene:
    return Scene(
        panels=[
            Panel(_one_leg("n", "f", eyes), "Left leg"),
            Panel(_one_leg("f", "n", eyes), "Right leg"),
        ]
    )


def _lunge_stance(eyes: str) -> Pose:
    hip = (0.0, ANKLE - 78.0)
    angles = {
        **STANDING,
        **_both(upper_arm=84.0, forearm=68.0),
        **_leg("n", hip, (30.0, ANKLE), 0),
        **_leg("f", hip, (-34.0, ANKLE), 0),
    }
    return Pose("hip", hip, angles, eyes=eyes)


def lunge_stance_balance() -> Scene:
    return Scene(
        panels=[
            Panel(_lunge_stance("open"), "Eyes open"),
            Panel(_lunge_stance("closed"), "Eyes closed"),
        ]
    )


def _skip(up: str, down: str) -> dict[str, float]:
    # One knee swings up, the other leg pushes off from the toes; the opposite arm swings forward.
    return {
        "torso": -86.0,
        "head": -88.0,
        f"thigh_{up}": 4.0,
        f"shin_{up}": 100.0,
        f"foot_{up}": 40.0,
        f"thigh_{down}": 104.0,
        f"shin_{down}": 112.0,
        f"foot_{down}": 62.0,
        f"upper_arm_{up}": 140.0,
        f"forearm_{up}": 96.0,
        f"upper_arm_{down}": 48.0,
        f"forearm_{down}": -38.0,
    }


def skipping() -> Scene:
    left, right = _skip("n", "f"), _skip("f", "n")
    hip = (0.0, _hip_height(left, "f", -1.0))
    return Scene(
        panels=[
            Panel(Pose("hip", hip, left), "Left knee up"),
            Panel(Pose("hip", hip, right), "Right knee up"),
        ],
        motion=Motion("cycle", 1.6),
    )


# What the picture shows, in the portal's standard wording: the picture only (the steps and the
# dose say how, how long and how often), so no number and nothing the steps do not say.
SCENES = {
    "glute-bridge": (
        glute_bridge,
        "A person lying on their back, knees bent, feet flat on the floor and hands on the "
        "floor at their sides, lifts the hips until the body is straight from the shoulders to "
        "the knees, holds, then lowers the hips back down.",
    ),
    "front-plank": (
        front_plank,
        "Two pictures: a person lying face down, propped on the forearms; then the same person "
        "lifted onto the forearms and toes, holding the body in one straight line from the head "
        "to the heels.",
    ),
    "side-plank": (
        side_plank,
        "Two pictures, one for each side: a person lying on their side, propped on the forearm "
        "with the elbow under the shoulder and the legs straight, holds the hips up so that the "
        "body is in one straight line; first on the left forearm, then on the right.",
    ),
    "hip-flexor-stretch": (
        hip_flexor_stretch,
        "Two pictures: a person kneeling on one knee with the other foot flat on the floor in "
        "front, trunk upright; then the same person with the weight shifted forward, stretching "
        "the front of the hip of the kneeling leg.",
    ),
    "hip-extensor-stretch": (
        hip_extensor_stretch,
        "Two pictures: a person lying on their back with both legs long; then the same person "
        "holding one knee towards the chest with both hands, the other leg long on the floor.",
    ),
    "hip-extension-mobility": (
        hip_extension_mobility,
        "A person standing tall and holding the back of a chair moves one leg straight back "
        "from the hip, keeping the trunk upright, then brings it back.",
    ),
    "hip-flexion-strength": (
        hip_flexion_strength,
        "A person standing tall on one leg, a hand on the back of a chair beside them, lifts "
        "the other knee up towards hip height, then lowers it.",
    ),
    "single-leg-box-squat": (
        single_leg_box_squat,
        "A person standing on one leg in front of a box sits back slowly until they touch the "
        "box, then stands back up on the same leg; the other foot stays off the floor.",
    ),
    "bent-knee-strides": (
        bent_knee_strides,
        "A person running, landing on each foot with the knee bent, the arms swinging.",
    ),
    "single-leg-stance-eyes-open": (
        lambda: single_leg_stance("open"),
        "Two pictures, one for each leg: a person standing on one leg with the other knee up "
        "at hip height, eyes open; first on the left leg, then on the right.",
    ),
    "single-leg-stance-eyes-closed": (
        lambda: single_leg_stance("closed"),
        "Two pictures, one for each leg: a person standing on one leg with the other knee up "
        "at hip height, eyes closed; first on the left leg, then on the right.",
    ),
    "lunge-stance-balance": (
        lunge_stance_balance,
        "Two pictures: a person standing tall with one foot in front of the other on one line, "
        "far enough apart for a lunge, holding the position with the eyes open; then the same "
        "with the eyes closed.",
    ),
    "skipping": (
        skipping,
        "A person skipping forward: one knee swings up with the opposite arm forward, then the "
        "other knee and the other arm.",
    ),
}
