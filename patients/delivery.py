"""Sending what the database says must be sent, once.

Every email the portal sends (reminders, follow-ups, therapist alerts, weekly digests,
invitations) is first a row (`Outgoing`). A periodic tick hands pending rows to workers; a worker
claims each row with a conditional UPDATE (pending → sending), so a task delivered twice, two
workers or two beats never send the same row twice. A row a crashed worker left in "sending" goes
back to pending after a lease longer than any task may run. Transient mail errors put the row
back with exponential backoff and jitter; after the last attempt it is marked failed and shows in
the admin.
"""

from __future__ import annotations

import logging
import random
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import models
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone

from patients.models import Alert, Invitation, Outgoing, Reminder, WeeklyDigest

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
BACKOFF_BASE_SECONDS = 30
# Well under Redis's visibility timeout (an hour): a retry never sits in Redis long enough to be
# delivered a second time.
BACKOFF_CAP_SECONDS = 600
# Longer than the Celery hard time limit (5 min): a row still "sending" after this was left by
# a worker that died.
CLAIM_LEASE = timedelta(minutes=10)
# A row handed to Redis and not sent after this is handed over again (the message was lost).
REDISPATCH_AFTER = timedelta(minutes=15)
DISPATCH_LIMIT = 20_000


class Skip(Exception):
    """The row needs no email after all (the exercises are done, reminders were turned off…)."""


@dataclass
class Email:
    to: str | list[str]  # a therapist alert may go to several clinic admins
    subject: str
    text: str
    html: str
    headers: dict[str, str] = field(default_factory=dict)

    def message(self, connection: Any) -> EmailMultiAlternatives:
        message = EmailMultiAlternatives(
            subject=self.subject,
            body=self.text,
            to=[self.to] if isinstance(self.to, str) else list(self.to),
            headers=self.headers,
            connection=connection,
        )
        message.attach_alternative(self.html, "text/html")
        return message


def render_email(
    template: str, context: dict[str, Any], *, to: str | list[str], **headers: str
) -> Email:
    """An email from templates/<template>-subject.txt, -body.txt and -body.html."""
    subject = " ".join(render_to_string(f"{template}-subject.txt", context).split())
    return Email(
        to=to,
        subject=subject,
        text=render_to_string(f"{template}-body.txt", context),
        html=render_to_string(f"{template}-body.html", context),
        headers=headers,
    )


def backoff_seconds(attempt: int) -> float:
    """Exponential backoff with jitter: 30 s, 60 s, 120 s… capped at ten minutes."""
    ceiling = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** max(0, attempt - 1))
    return random.uniform(ceiling / 2, ceiling)  # noqa: S311 (spreading retries, not secrets)


def claim(model: type[Outgoing], ids: Iterable[int], now: datetime) -> str:
    """Take the rows of `ids` that are still pending, in one conditional UPDATE; returns the
    claim's token. Rows another worker took, or already sent, are left alone."""
    token = uuid.uuid4().hex
    model.objects.filter(pk__in=list(ids), delivery=Outgoing.Delivery.PENDING).filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    ).update(
        delivery=Outgoing.Delivery.SENDING,
        claimed_at=now,
        claimed_by=token,
        attempts=F("attempts") + 1,
    )
    return token


def _finish(model: type[Outgoing], pk: int, token: str, **fields: Any) -> None:
    model.objects.filter(pk=pk, delivery=Outgoing.Delivery.SENDING, claimed_by=token).update(
        **fields
    )


@dataclass
class SendReport:
    sent: list[int] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)
    retry: dict[int, float] = field(default_factory=dict)
    failed: list[int] = field(default_factory=list)
    not_claimed: list[int] = field(default_factory=list)


Preparer = Callable[[Any, datetime, Any], Email]
Preloader = Callable[[list[Any], datetime], Any]


def send_rows(
    model: type[Outgoing],
    ids: Iterable[int],
    prepare: Preparer,
    *,
    preload: Preloader | None = None,
    now: Callable[[], datetime] = timezone.now,
    related: tuple[str, ...] = (),
) -> SendReport:
    """Claim a batch, read what the emails need in a few queries, then send each over one mail
    connection and mark it sent at once (a worker that dies loses at most the email on the
    wire, which goes back to pending when its claim's lease runs out)."""
    ids = list(ids)
    report = SendReport()
    token = claim(model, ids, now())
    rows = list(
        model.objects.filter(claimed_by=token, delivery=Outgoing.Delivery.SENDING)
        .select_related(*related)
        .order_by("pk")
    )
    claimed = {row.pk for row in rows}
    report.not_claimed = [pk for pk in ids if pk not in claimed]
    batch_context = preload(rows, now()) if preload else None
    connection = None
    try:
        for row in rows:
            moment = now()
            try:
                email = prepare(row, moment, batch_context)
            except Skip as reason:
                _finish(
                    model, row.pk, token, delivery=Outgoing.Delivery.SKIPPED, last_error=str(reason)
                )
                report.skipped.append(row.pk)
                continue
            try:
                if connection is None:
                    connection = get_connection()
                    connection.open()
                email.message(connection).send()
            except Exception as error:  # SMTP and socket errors are transient until proven not
                connection = _drop(connection)
                detail = f"{type(error).__name__}: {error}"[:300]
                if row.attempts >= MAX_ATTEMPTS:
                    _finish(
                        model, row.pk, token, delivery=Outgoing.Delivery.FAILED, last_error=detail
                    )
                    report.failed.append(row.pk)
                    logger.error("%s %s failed for good: %s", model.__name__, row.pk, detail)
                else:
                    delay = backoff_seconds(row.attempts)
                    _finish(
                        model,
                        row.pk,
                        token,
                        delivery=Outgoing.Delivery.PENDING,
                        next_attempt_at=now() + timedelta(seconds=delay),
                        last_error=detail,
                    )
                    report.retry[row.pk] = delay
                    logger.warning(
                        "%s %s will be retried in %.0f s: %s", model.__name__, row.pk, delay, detail
                    )
                continue
            _finish(
                model, row.pk, token, delivery=Outgoing.Delivery.SENT, sent_at=now(), last_error=""
            )
            report.sent.append(row.pk)
    finally:
        _drop(connection)
    return report


def _drop(connection: Any) -> None:
    if connection is not None:
        try:
            connection.close()
        except Exception:  # closing a broken connection may fail too; nothing to keep
            logger.debug("Mail connection closed with an error", exc_info=True)
    return None


# What the tick hands to workers ---------------------------------------------------------------

OUTGOING: dict[str, type[Outgoing]] = {
    "reminder": Reminder,
    "alert": Alert,
    "digest": WeeklyDigest,
    "invitation": Invitation,
}


def recover_stale_claims(now: datetime) -> int:
    """Rows a dead worker left in "sending" go back to pending."""
    recovered = 0
    for model in OUTGOING.values():
        recovered += model.objects.filter(
            delivery=Outgoing.Delivery.SENDING, claimed_at__lt=now - CLAIM_LEASE
        ).update(delivery=Outgoing.Delivery.PENDING)
    return recovered


def dispatchable(kind: str, now: datetime) -> list[int]:
    """Pending rows that are due and not already waiting in Redis."""
    model = OUTGOING[kind]
    rows: models.QuerySet[Any] = model.objects.filter(delivery=Outgoing.Delivery.PENDING).filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now),
        Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=now - REDISPATCH_AFTER),
    )
    if model is Reminder:
        rows = rows.filter(due_at__lte=now)
    if model is Alert:
        rows = rows.filter(status=Alert.Status.OPEN)
    return list(rows.order_by("pk").values_list("pk", flat=True)[:DISPATCH_LIMIT])
