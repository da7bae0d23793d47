"""Push reminders: the devices a patient asked reminders on (`PushSubscription`) and the
reminders pushed to them (`PushMessage`), signed with the clinic's VAPID keys (README, "Push
reminders on a phone").

A push is recorded when the worker finds its reminder needed (patients/reminders.py), one row
per device, and sent by the same machinery as the emails (patients/delivery.py): claimed once,
retried with backoff when the push service is busy or down, failed at once when it refuses, and
the device removed when its push service says the subscription is gone (404, 410).

A notification shows on a lock screen, so a push says only that the day's exercises are ready
(PUSH_WORDS): no name, no exercise, no clinic, no symptom.

Everything about push lives here (reads, writes and sending): services.py and selectors.py
are past the size where a module still holds one idea.
"""

from __future__ import annotations

import functools
import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar
from urllib.parse import urlsplit

import requests
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from py_vapid import Vapid
from pywebpush import WebPushException, webpush

from patients.delivery import Failure, Refused, Skip
from patients.models import Patient, PushMessage, PushSubscription, Reminder
from portal.config import base64url_bytes

logger = logging.getLogger(__name__)

TITLE = "Exercise portal"
# The same words as the reminder emails' subjects (templates/patients/email/reminder-subject.txt).
PUSH_WORDS = {
    Reminder.Kind.REMINDER: "Your exercises for today are ready",
    Reminder.Kind.FOLLOW_UP: "Still time for your exercises today",
}
# A push service keeps a push for a phone that is off this long, then drops it: a reminder
# that arrives in the evening for the morning's session is noise.
PUSH_TTL_SECONDS = 4 * 60 * 60
# Seconds to connect and to read the answer: a slow push service gives up a worker long before
# its claim's lease runs out.
PUSH_TIMEOUT = (5, 10)
EXPIRED = "This device's subscription has expired; removed"
ENDPOINT_MAX = PushSubscription._meta.get_field("endpoint").max_length or 2000


def push_is_set_up() -> bool:
    """Whether this portal has VAPID keys: without them no push is offered or sent."""
    return bool(settings.VAPID_PRIVATE_KEY)


# What a browser hands over -------------------------------------------------------------------


class SubscriptionRefused(Exception):
    """What a browser sent is not a subscription the portal can push to; says why."""


@dataclass(frozen=True)
class SubscriptionInfo:
    endpoint: str
    p256dh: str
    auth: str


def subscription_from_json(body: bytes) -> SubscriptionInfo:
    """The subscription a page's script posts (PushSubscription.toJSON()), checked: an address
    at a push service the portal sends to, and keys a push can be encrypted with."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise SubscriptionRefused("The browser sent no subscription; please try again.") from None
    if not isinstance(data, dict):
        raise SubscriptionRefused("The browser sent no subscription; please try again.")
    endpoint, keys = data.get("endpoint"), data.get("keys")
    if not isinstance(endpoint, str) or not endpoint:
        raise SubscriptionRefused("The subscription has no push service address.")
    endpoint_check(endpoint)
    if not isinstance(keys, dict):
        raise SubscriptionRefused("The subscription has no keys.")
    p256dh, auth = keys.get("p256dh"), keys.get("auth")
    point = base64url_bytes(p256dh) if isinstance(p256dh, str) else None
    if point is None or len(point) != 65 or not _on_the_curve(point):
        raise SubscriptionRefused(
            "The subscription's p256dh key is not a P-256 public key (65 bytes, base64url)."
        )
    secret = base64url_bytes(auth) if isinstance(auth, str) else None
    if secret is None or len(secret) != 16:
        raise SubscriptionRefused("The subscription's auth secret is not 16 bytes of base64url.")
    return SubscriptionInfo(endpoint, p256dh.rstrip("="), auth.rstrip("="))


def endpoint_check(endpoint: str) -> None:
    """The workers post to this address: only HTTPS to a known push service (a setting), or
    plain HTTP to a host listed for it (a development machine's own)."""
    if len(endpoint) > ENDPOINT_MAX:
        raise SubscriptionRefused("The push service address is too long.")
    try:
        parts = urlsplit(endpoint)
        host = (parts.hostname or "").lower()
        parts.port  # noqa: B018 (read only so that a malformed port is refused)
    except ValueError:
        raise SubscriptionRefused("The push service address is not a web address.") from None
    if parts.username is not None or parts.password is not None or not host:
        raise SubscriptionRefused("The push service address is not a web address.")
    if parts.scheme == "http" and host in settings.PUSH_HTTP_HOSTS:
        return
    if parts.scheme != "https":
        raise SubscriptionRefused("The push service address must start with https://.")
    if not any(
        host == known or host.endswith(f".{known}") for known in settings.PUSH_SERVICE_HOSTS
    ):
        raise SubscriptionRefused(
            f"This browser's push service ({host}) is not one this portal sends to."
        )


def _on_the_curve(point: bytes) -> bool:
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    except ValueError:
        return False
    return True


# Read from the browser's User-Agent, in this order (Edge and Opera say Chrome too, Chrome says
# Safari): a name from a fixed list, never the patient's or the browser's free text.
BROWSERS = [
    ("EdgA/", "Edge"),
    ("Edg/", "Edge"),
    ("SamsungBrowser/", "Samsung Internet"),
    ("OPR/", "Opera"),
    ("FxiOS/", "Firefox"),
    ("Firefox/", "Firefox"),
    ("CriOS/", "Chrome"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
]
SYSTEMS = [
    ("Android", "Android"),
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("CrOS", "ChromeOS"),
    ("Windows", "Windows"),
    ("Macintosh", "Mac"),
    ("Linux", "Linux"),
]


def device_label(user_agent: str) -> str:
    """How the settings page names a device: "Chrome on Android", "Safari on iPhone"…"""
    browser = next((name for mark, name in BROWSERS if mark in user_agent), "")
    system = next((name for mark, name in SYSTEMS if mark in user_agent), "")
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or "A browser"


# Who may see what ----------------------------------------------------------------------------


def push_devices_of(patient: Patient) -> QuerySet[PushSubscription]:
    return PushSubscription.objects.filter(patient=patient).order_by("created_at", "pk")


def push_device_get_for_patient(*, patient: Patient, pk: int) -> PushSubscription:
    """The patient's own device; anyone else's is a 404."""
    device = PushSubscription.objects.filter(patient=patient, pk=pk).first()
    if device is None:
        raise Http404("No such device")
    return device


# Writes ----------------------------------------------------------------------------------------


def _push_reminders_keep(patient_ids: set[int]) -> None:
    """Patient.push_reminders follows whether the patient has a device left, in the transaction
    that changed their devices (the patients are locked by the caller). Saved only when it
    changes: the save moves the next reminder (next_reminders.PATIENT_FIELDS)."""
    for patient in Patient.objects.filter(pk__in=patient_ids).order_by("pk"):
        wanted = PushSubscription.objects.filter(patient_id=patient.pk).exists()
        if patient.push_reminders != wanted:
            patient.push_reminders = wanted
            patient.save(update_fields=["push_reminders"])


def _lock_patients(patient_ids: set[int]) -> None:
    # Always in the order of their ids, so that two changes never wait on each other.
    list(Patient.objects.select_for_update().filter(pk__in=patient_ids).order_by("pk"))


@transaction.atomic
def push_device_save(
    *,
    patient: Patient,
    subscription: SubscriptionInfo,
    device: str,
    now: datetime | None = None,
) -> PushSubscription:
    """The patient's browser takes reminders from now on. A subscription already known (the
    browser sent it again, or its keys changed) is updated in place.

    An address another patient registered moves to this patient: one phone can change hands
    (given on, or a family's shared tablet where the other person logged in and asked for
    reminders last), and a browser has one subscription per site, so the device reminds only
    whoever asked on it last."""
    now = now or timezone.now()
    owner = (
        PushSubscription.objects.filter(endpoint=subscription.endpoint)
        .values_list("patient_id", flat=True)
        .first()
    )
    affected = {patient.pk} | ({owner} if owner is not None else set())
    _lock_patients(affected)
    saved, created = PushSubscription.objects.select_for_update().update_or_create(
        endpoint=subscription.endpoint,
        defaults={
            "patient": patient,
            "p256dh": subscription.p256dh,
            "auth": subscription.auth,
            "device": device[:60],
        },
        create_defaults={
            "patient": patient,
            "p256dh": subscription.p256dh,
            "auth": subscription.auth,
            "device": device[:60],
            "created_at": now,
        },
    )
    if not created and owner != patient.pk:
        saved.created_at = now
        saved.save(update_fields=["created_at"])
    _push_reminders_keep(affected)
    return saved


@transaction.atomic
def push_device_delete(*, device: PushSubscription) -> None:
    """The patient turned reminders off on this device. Its pushes not sent yet are not sent
    (their device is gone: prepare_push skips them)."""
    _lock_patients({device.patient_id})
    PushSubscription.objects.filter(pk=device.pk).delete()
    _push_reminders_keep({device.patient_id})


@transaction.atomic
def push_device_expire(*, device_id: int) -> None:
    """The device's push service says the subscription is gone (the browser's data was
    cleared, the app uninstalled, notifications turned off): nothing will reach it again."""
    patient_id = (
        PushSubscription.objects.filter(pk=device_id).values_list("patient_id", flat=True).first()
    )
    if patient_id is None:
        return
    _lock_patients({patient_id})
    PushSubscription.objects.filter(pk=device_id).delete()
    _push_reminders_keep({patient_id})


def push_messages_record(
    *, reminder: Reminder, devices: list[tuple[int, str]], now: datetime
) -> None:
    """One push per device for a reminder the worker found needed; a second run (the task was
    delivered again) adds none: the unique constraint decides."""
    PushMessage.objects.bulk_create(
        [
            PushMessage(reminder=reminder, subscription_id=pk, device=label, created_at=now)
            for pk, label in devices
        ],
        ignore_conflicts=True,
    )


# Sending ---------------------------------------------------------------------------------------


class PushSession(requests.Session):
    """The batch's HTTP connections to the push services. A redirect is not followed: the
    address was checked when the device was added, where it leads to was not."""

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        kwargs["allow_redirects"] = False
        return super().request(method, url, *args, **kwargs)


@functools.cache
def _vapid(private_key: str) -> Vapid:
    return Vapid.from_raw(private_key.encode())


def push_payload(kind: str) -> dict[str, str]:
    """Everything a push carries: the notification's title and words, and the page a tap opens."""
    return {"title": TITLE, "body": PUSH_WORDS[kind], "url": reverse("today")}


@dataclass
class Push:
    device_id: int
    endpoint: str
    p256dh: str
    auth: str
    payload: dict[str, str]

    channel: ClassVar[str] = "push"
    note: ClassVar[str] = ""

    def open(self) -> PushSession:
        return PushSession()

    def send(self, connection: PushSession) -> None:
        try:
            webpush(
                subscription_info={
                    "endpoint": self.endpoint,
                    "keys": {"p256dh": self.p256dh, "auth": self.auth},
                },
                data=json.dumps(self.payload),
                vapid_private_key=_vapid(settings.VAPID_PRIVATE_KEY),
                vapid_claims={"sub": settings.VAPID_SUBJECT},
                ttl=PUSH_TTL_SECONDS,
                headers={"Urgency": "normal"},
                timeout=PUSH_TIMEOUT,  # type: ignore[arg-type]
                requests_session=connection,
            )
        except WebPushException as error:
            if error.response is None:
                raise
            raise Refused(self._failure(error.response)) from None
        except requests.RequestException as error:
            # Named by its host alone: the address's path is the device's own token.
            host = urlsplit(self.endpoint).hostname
            detail = f"The push service ({host}) did not answer: {type(error).__name__}"
            raise Refused(Failure(detail, connection_broken=True)) from None
        PushSubscription.objects.filter(pk=self.device_id).update(last_sent_at=timezone.now())

    def _failure(self, response: requests.Response) -> Failure:
        status = response.status_code
        if status in {404, 410}:
            push_device_expire(device_id=self.device_id)
            return Failure(EXPIRED, permanent=True)
        words = " ".join(f"{status} {response.reason or ''} {response.text or ''}".split())
        if status == 429 or status >= 500:
            return Failure(f"The push service is busy or down: {words}"[:300])
        return Failure(f"The push service refused the push: {words}"[:300], permanent=True)


def prepare_push(message: PushMessage, now: datetime, batch: Any = None) -> Push:
    """A push recorded for a needed reminder; a retry that comes too late is not sent."""
    if not push_is_set_up():
        raise Skip("push reminders are not set up (no VAPID keys)")
    device = message.subscription
    if device is None:
        raise Skip("the device was turned off or has expired")
    reminder = message.reminder
    patient = reminder.patient
    here = now.astimezone(patient.zone)
    if here.date() != reminder.local_date:
        raise Skip("the day is over")
    if patient.programme_held_at is not None:
        raise Skip("the programme is paused until the therapist reviews a report")
    if patient.in_quiet_hours(here.time()):
        raise Skip("quiet hours")
    return Push(device.pk, device.endpoint, device.p256dh, device.auth, push_payload(reminder.kind))
