"""Two-factor login with django-otp: an authenticator app (TOTP) that counts once a code from it
is confirmed, and ten backup codes, each good once, shown once. Required for everyone who can
open the admin (patients/middleware.py sends them to enrol); patients may turn it on and off.

A wrong code changes nothing but the device's throttle: the next try on that device waits
1 s, 2 s, 4 s… (OTP_TOTP_THROTTLE_FACTOR, OTP_STATIC_THROTTLE_FACTOR).
"""

from __future__ import annotations

import logging
import math
from base64 import b32encode
from dataclasses import dataclass

import segno
from django.db import transaction
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from patients.models import User
from patients.sessions import user_sessions_end_all

logger = logging.getLogger(__name__)

APP_DEVICE_NAME = "Authenticator app"
BACKUP_DEVICE_NAME = "Backup codes"
BACKUP_CODE_COUNT = 10


class CodeRefused(Exception):
    """A code was wrong, or came too soon after wrong ones; the message says which."""


@dataclass(frozen=True)
class TwoFactorStatus:
    enrolled: bool
    backup_codes_left: int


def two_factor_enrolled(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def two_factor_status(user: User) -> TwoFactorStatus:
    return TwoFactorStatus(
        enrolled=two_factor_enrolled(user),
        backup_codes_left=StaticToken.objects.filter(
            device__user=user, device__confirmed=True
        ).count(),
    )


def totp_enrolment_device(*, user: User) -> TOTPDevice:
    """The not yet confirmed device whose secret the enrolment page shows: the same one until a
    code confirms it, so a reload or a wrong code loses nothing."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)
    return device


def totp_secret_text(device: TOTPDevice) -> str:
    """The secret as authenticator apps take it typed in: base32, in groups of four."""
    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def totp_qr_svg(device: TOTPDevice) -> SafeString:
    """The enrolment QR code as inline SVG: drawn here, no third party sees the secret, and no
    style attribute (the page's Content-Security-Policy allows none)."""
    svg = segno.make(device.config_url, error="m").svg_inline(
        border=4,
        omitsize=True,  # a viewBox only: the page's CSS sizes it to the screen
        dark="#000",
        light="#fff",
        svgclass="two-factor-qr",
        title="QR code for your authenticator app",
    )
    return mark_safe(svg)  # noqa: S308 (segno's own markup; the only text in it is our title)


def _refusal(device: Device) -> str | None:
    allowed, details = device.verify_is_allowed()
    if allowed:
        return None
    locked_until = (details or {}).get("locked_until")
    if locked_until is None:
        return "This code cannot be checked now. Try again in a minute."
    seconds = max(1, math.ceil((locked_until - timezone.now()).total_seconds()))
    unit = "second" if seconds == 1 else "seconds"
    return f"Too many wrong codes. Wait {seconds} {unit}, then try again."


def _check(device: Device | None, code: str, *, wrong: str) -> None:
    """Raise CodeRefused unless the code is right for this device. Runs outside any
    transaction that a refusal would roll back, so the throttle's count is kept."""
    if device is None:
        raise CodeRefused(wrong)
    refusal = _refusal(device)
    if refusal:
        raise CodeRefused(refusal)
    with transaction.atomic():
        locked = type(device).objects.select_for_update().get(pk=device.pk)
        verified = locked.verify_token(code)
    if not verified:
        raise CodeRefused(wrong)


def _clean(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


def totp_enrolment_confirm(*, user: User, code: str) -> tuple[TOTPDevice, list[str]]:
    """The app counts from now on; returns it and the new backup codes (to be shown once)."""
    if two_factor_enrolled(user):
        raise CodeRefused("Two-factor is already on for this account.")
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    _check(
        device,
        _clean(code),
        wrong="That code is not right. Type the 6 digits your app shows now for this portal.",
    )
    assert device is not None
    with transaction.atomic():
        TOTPDevice.objects.filter(pk=device.pk).update(confirmed=True)
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        codes = backup_codes_regenerate(user=user)
    logger.info("Two-factor turned on for user %s", user.pk)
    device.refresh_from_db()
    return device, codes


def two_factor_verify(*, user: User, code: str) -> Device:
    """The device that accepts this code: six digits are the app's, anything else a backup
    code (which is used up)."""
    code = _clean(code)
    device: Device | None
    if code.isdigit() and len(code) == 6:
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    else:
        device = StaticDevice.objects.filter(user=user, confirmed=True).first()
    _check(
        device,
        code,
        wrong="That code is not right. Type the 6 digits your app shows now, "
        "or one of your backup codes.",
    )
    assert device is not None
    return device


@transaction.atomic
def backup_codes_regenerate(*, user: User) -> list[str]:
    """Ten new backup codes; the old ones stop working."""
    device, _ = StaticDevice.objects.get_or_create(
        user=user, name=BACKUP_DEVICE_NAME, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def _devices_delete(user: User) -> None:
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()


def two_factor_turn_off(*, user: User, code: str) -> None:
    """A patient turns it off with a code of theirs; staff cannot (a clinic admin resets)."""
    if user.is_staff:
        raise CodeRefused("Staff accounts need two-factor; a clinic admin can reset yours.")
    two_factor_verify(user=user, code=code)
    with transaction.atomic():
        _devices_delete(user)
    logger.info("Two-factor turned off by user %s", user.pk)


@transaction.atomic
def two_factor_reset(*, user: User, by: User | None) -> None:
    """A lost phone: the devices go and every session of the user ends; at the next login they
    enrol again (staff must)."""
    _devices_delete(user)
    user_sessions_end_all(user=user)
    logger.info(
        "Two-factor of user %s reset by %s", user.pk, f"user {by.pk}" if by else "the operator"
    )
