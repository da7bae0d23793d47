"""Sending what the database says must be sent, once.

Every email the portal sends (reminders, follow-ups, therapist alerts, weekly digests,
invitations), and every push to a patient's device, is first a row (`Outgoing`). A periodic
tick hands pending rows to workers; a worker claims each row with a conditional UPDATE
(pending → sending) in the name of its Celery task, so a task delivered twice, two workers or
two beats never send the same row twice.

A claim is a lease: the worker renews it while it sends, and a claim not renewed for
`DELIVERY_CLAIM_LEASE_SECONDS` was left by a worker that died; the next tick puts those rows back
and hands them over at once. A task that Celery delivers again (its worker process was killed)
takes back its own rows without waiting for the lease. Only the email on the wire when a worker
died can go out twice.

A transient mail error (a dropped connection, a 4xx reply) puts the row back with exponential
backoff and jitter; a permanent refusal (a 5xx reply to the address or the message) fails the
row at once with the mail server's words; a row that cannot be built (a template error, an
address no mail system takes) is retried alone and fails after `MAX_ATTEMPTS`. Failed rows show
in the admin with their reason. A push (patients/push.py) goes through the same steps, over its
own kind of connection, and says in a `Refused` what its push service answered.
"""

from __future__ import annotations

import logging
import random
import smtplib
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, ClassVar, Protocol

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connection as database
from django.db import models
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone

from patients.models import Alert, Invitation, Outgoing, PushMessage, Reminder, WeeklyDigest

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
BACKOFF_BASE_SECONDS = 30
# Well under Redis's visibility timeout (an hour): a retry never sits in Redis long enough to be
# delivered a second time.
BACKOFF_CAP_SECONDS = 600
DISPATCH_LIMIT = 20_000


def claim_lease() -> timedelta:
    """A claim not renewed for this long was left by a worker that died."""
    return timedelta(seconds=settings.DELIVERY_CLAIM_LEASE_SECONDS)


def renew_every() -> timedelta:
    """How often a sending worker renews its claim: often enough that a lease never runs out
    on a worker that is alive, seldom enough that renewing costs little."""
    return min(timedelta(seconds=15), claim_lease() / 4)


def redispatch_after() -> timedelta:
    """A row handed to Redis and not started after this is handed over again (the message was
    lost, say with a Redis that restarted without its data)."""
    return timedelta(seconds=settings.DELIVERY_REDISPATCH_SECONDS)


class Skip(Exception):
    """The row needs no email after all (the exercises are done, reminders were turned off…)."""


class Outbound(Protocol):
    """What a row becomes once prepared: it sends itself over a connection of its channel, one
    connection per channel for the whole batch. `note` is kept on the row once it is sent."""

    channel: ClassVar[str]
    note: str

    def open(self) -> Any: ...

    def send(self, connection: Any) -> None: ...


@dataclass
class Email:
    to: str | list[str]  # a therapist alert may go to several clinic admins
    subject: str
    text: str
    html: str
    headers: dict[str, str] = field(default_factory=dict)

    channel: ClassVar[str] = "email"
    note: ClassVar[str] = ""

    def open(self) -> Any:
        connection = get_connection()
        connection.open()
        return connection

    def send(self, connection: Any) -> None:
        self.message(connection).send()

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


@dataclass
class SentOtherwise:
    """A row that needs nothing sent on its own channel, because what it stands for went
    another way: a reminder for a patient who turned email off and push on, whose pushes are
    rows of their own. It counts as sent (follow-ups go by it), and `note` says how."""

    note: str

    channel: ClassVar[str] = ""

    def open(self) -> None:
        return None

    def send(self, connection: Any) -> None:
        return None


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


def new_token() -> str:
    return uuid.uuid4().hex


def claim(model: type[Outgoing], ids: Iterable[int], now: datetime, token: str) -> None:
    """Take, in one conditional UPDATE, the rows of `ids` that are pending and due, and the rows
    this same task claimed before (Celery delivered it again after its worker process died).
    Rows another task holds, or already sent, are left alone."""
    model.objects.filter(pk__in=list(ids)).filter(
        Q(delivery=Outgoing.Delivery.PENDING)
        & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        | Q(delivery=Outgoing.Delivery.SENDING, claimed_by=token)
    ).update(
        delivery=Outgoing.Delivery.SENDING,
        claimed_at=now,
        claimed_by=token,
        attempts=F("attempts") + 1,
    )


def _finish(model: type[Outgoing], pk: int, token: str, **fields: Any) -> None:
    model.objects.filter(pk=pk, delivery=Outgoing.Delivery.SENDING, claimed_by=token).update(
        **fields
    )


def _held(model: type[Outgoing], token: str) -> models.QuerySet[Any]:
    return model.objects.filter(delivery=Outgoing.Delivery.SENDING, claimed_by=token)


def release(model: type[Outgoing], token: str) -> int:
    """Put back what a claim still holds, for the next tick to hand over at once."""
    return _held(model, token).update(delivery=Outgoing.Delivery.PENDING, enqueued_at=None)


@dataclass
class Failure:
    """What went wrong with one row, and what to do about it."""

    detail: str
    permanent: bool = False  # the mail server said no for good: fail now
    connection_broken: bool = False  # open a new mail connection for the next row


class Refused(Exception):
    """What the other side answered (or that it did not) says what to do with the row."""

    def __init__(self, failure: Failure) -> None:
        super().__init__(failure.detail)
        self.failure = failure


def smtp_refusal(error: Exception) -> tuple[int, str] | None:
    """The code and words of a mail server's refusal of this address or this message, if that
    is what the error is (not of the connection, the login or the sender: those are the
    portal's configuration or the server's health, and waiting may cure them)."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        code, words = next(iter(error.recipients.values()))
    elif isinstance(error, smtplib.SMTPDataError):
        code, words = error.smtp_code, error.smtp_error
    else:
        return None
    text = words.decode(errors="replace") if isinstance(words, bytes) else str(words)
    return code, " ".join(text.split())


def failure_of(error: Exception) -> Failure:
    if isinstance(error, Refused):
        return error.failure
    refusal = smtp_refusal(error)
    if refusal is not None:
        code, words = refusal
        what = "address" if isinstance(error, smtplib.SMTPRecipientsRefused) else "message"
        detail = f"The mail server refused the {what}: {code} {words}"
        return Failure(detail[:300], permanent=500 <= code < 600, connection_broken=True)
    detail = f"{type(error).__name__}: {error}"[:300]
    # A socket or SMTP error says nothing about the row: the connection is what failed (an
    # HTTP error of a push is an OSError too, as requests' exceptions are).
    broken = isinstance(error, smtplib.SMTPException | OSError)
    return Failure(detail, connection_broken=broken)


@dataclass
class SendReport:
    sent: list[int] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)
    retry: dict[int, float] = field(default_factory=dict)
    failed: list[int] = field(default_factory=list)
    not_claimed: list[int] = field(default_factory=list)


Preparer = Callable[[Any, datetime, Any], Outbound]
Preloader = Callable[[list[Any], datetime], Any]


class _Claim:
    """The rows a batch holds, renewed as the worker goes so that the tick never takes them
    from a live worker; a renewal that finds rows gone (the worker hung past its lease and
    another took them) drops them from the batch."""

    def __init__(self, model: type[Outgoing], token: str, now: Callable[[], datetime]) -> None:
        self.model, self.token, self.now = model, token, now
        self.renewed_at = now()
        self.open: set[int] = set()

    def still_holds(self, pk: int) -> bool:
        moment = self.now()
        if moment - self.renewed_at >= renew_every():
            renewed = _held(self.model, self.token).update(claimed_at=moment)
            self.renewed_at = moment
            if renewed < len(self.open):
                self.open &= set(_held(self.model, self.token).values_list("pk", flat=True))
        return pk in self.open


def send_rows(
    model: type[Outgoing],
    ids: Iterable[int],
    prepare: Preparer,
    *,
    preload: Preloader | None = None,
    now: Callable[[], datetime] = timezone.now,
    related: tuple[str, ...] = (),
    token: str = "",
) -> SendReport:
    """Claim a batch in the name of `token` (the Celery task's id), read what the emails need in
    a few queries, then send each over one connection of its channel (one mail connection for
    a batch of emails) and mark it at once. Whatever happens to one row happens to it alone;
    rows this call cannot finish go back to pending."""
    ids = list(ids)
    report = SendReport()
    token = token or new_token()
    claim(model, ids, now(), token)
    holding = _Claim(model, token, now)
    connections: dict[str, Any] = {}
    try:
        rows = list(_held(model, token).select_related(*related).order_by("pk"))
        holding.open = {row.pk for row in rows}
        report.not_claimed = [pk for pk in ids if pk not in holding.open]
        batch_context = preload(rows, now()) if preload else None
        for row in rows:
            if not holding.still_holds(row.pk):
                report.not_claimed.append(row.pk)
                continue
            holding.open.discard(row.pk)
            if row.attempts > MAX_ATTEMPTS:
                # Claimed again and again by tasks that never finished: a row that stops its
                # worker (say, by exhausting its memory) must not stop every worker in turn.
                detail = f"Given up after {MAX_ATTEMPTS} attempts; the last one did not finish"
                _finish(model, row.pk, token, delivery=Outgoing.Delivery.FAILED, last_error=detail)
                report.failed.append(row.pk)
                logger.error("%s %s failed for good: %s", model.__name__, row.pk, detail)
                continue
            channel = ""
            try:
                outbound = prepare(row, now(), batch_context)
                channel = outbound.channel
                if channel and channel not in connections:
                    connections[channel] = outbound.open()
                outbound.send(connections.get(channel))
            except Skip as reason:
                _finish(
                    model, row.pk, token, delivery=Outgoing.Delivery.SKIPPED, last_error=str(reason)
                )
                report.skipped.append(row.pk)
                continue
            except SoftTimeLimitExceeded:
                raise  # the task ran too long: stop here and hand back the rest
            except Exception as error:
                failure = failure_of(error)
                if failure.connection_broken:
                    _drop(connections.pop(channel, None))
                elif not isinstance(error, Refused):  # an answer is logged below, not a bug
                    logger.exception("%s %s could not be built or sent", model.__name__, row.pk)
                _fail_or_retry(model, row, token, failure, now(), report)
                continue
            _finish(
                model,
                row.pk,
                token,
                delivery=Outgoing.Delivery.SENT,
                sent_at=now(),
                last_error=outbound.note,
            )
            report.sent.append(row.pk)
    finally:
        for connection in connections.values():
            _drop(connection)
        try:
            release(model, token)
        except Exception:  # the database is gone too: the lease brings the rows back
            logger.warning("%s claim %s not released; its lease will", model.__name__, token)
    return report


def _fail_or_retry(
    model: type[Outgoing],
    row: Any,
    token: str,
    failure: Failure,
    moment: datetime,
    report: SendReport,
) -> None:
    if failure.permanent or row.attempts >= MAX_ATTEMPTS:
        _finish(model, row.pk, token, delivery=Outgoing.Delivery.FAILED, last_error=failure.detail)
        report.failed.append(row.pk)
        logger.error("%s %s failed for good: %s", model.__name__, row.pk, failure.detail)
        return
    delay = backoff_seconds(row.attempts)
    _finish(
        model,
        row.pk,
        token,
        delivery=Outgoing.Delivery.PENDING,
        next_attempt_at=moment + timedelta(seconds=delay),
        last_error=failure.detail,
    )
    report.retry[row.pk] = delay
    logger.warning(
        "%s %s will be retried in %.0f s: %s", model.__name__, row.pk, delay, failure.detail
    )


def _drop(connection: Any) -> None:
    if connection is not None:
        try:
            connection.close()
        except Exception:  # closing a broken connection may fail too; nothing to keep
            logger.debug("A connection closed with an error", exc_info=True)
    return None


# What the tick hands to workers ---------------------------------------------------------------

OUTGOING: dict[str, type[Outgoing]] = {
    "reminder": Reminder,
    "push": PushMessage,
    "alert": Alert,
    "digest": WeeklyDigest,
    "invitation": Invitation,
}
# A push is a reminder's other way out: the tick takes back and hands over both in the same
# statements, so that on PostgreSQL push reminders cost the tick no statement (13 with nothing
# due, 15 when reminders are recorded; tests/benchmarks/scheduler.py). SQLite, which cannot
# update two tables in one statement, takes back pushes in one more.
WITH_REMINDERS = ("reminder", "push")


def recover_stale_claims(now: datetime) -> int:
    """Rows a dead worker left in "sending" go back to pending, to be handed over at once."""
    recovered = 0
    together = WITH_REMINDERS if database.vendor == "postgresql" else ()
    if together:
        recovered += _recover_together([OUTGOING[kind] for kind in together], now)
    for kind, model in OUTGOING.items():
        if kind not in together:
            recovered += _stale(model, now).update(
                delivery=Outgoing.Delivery.PENDING, enqueued_at=None
            )
    return recovered


def _stale(model: type[Outgoing], now: datetime) -> models.QuerySet[Any]:
    return model.objects.filter(
        delivery=Outgoing.Delivery.SENDING, claimed_at__lt=now - claim_lease()
    )


def _recover_together(group: list[type[Outgoing]], now: datetime) -> int:
    """recover_stale_claims() for several tables in one statement (PostgreSQL's UPDATEs in a
    WITH): the same UPDATE on each."""
    updates, params = [], []
    for number, model in enumerate(group):
        updates.append(
            f"""recovered_{number} AS (
                UPDATE {model._meta.db_table} SET delivery = %s, enqueued_at = NULL
                WHERE delivery = %s AND claimed_at < %s RETURNING 1
            )"""  # noqa: S608 (the model's own table; the values are parameters)
        )
        params += [Outgoing.Delivery.PENDING, Outgoing.Delivery.SENDING, now - claim_lease()]
    counts = " + ".join(
        f"(SELECT count(*) FROM recovered_{n})"  # noqa: S608 (names made here)
        for n in range(len(group))
    )
    with database.cursor() as cursor:
        cursor.execute(f"WITH {', '.join(updates)} SELECT {counts}", params)
        return int(cursor.fetchone()[0])


def dispatchable_all(now: datetime) -> dict[str, list[int]]:
    """dispatchable() of every kind: the reminders and their pushes in one statement."""
    found = {kind: [] for kind in OUTGOING} | _dispatchable_together(WITH_REMINDERS, now)
    for kind in OUTGOING:
        if kind not in WITH_REMINDERS:
            found[kind] = dispatchable(kind, now)
    return found


def _dispatchable_together(kinds: tuple[str, ...], now: datetime) -> dict[str, list[int]]:
    parts, params = [], []
    for kind in kinds:
        inner, inner_params = _dispatchable_rows(kind, now).query.sql_with_params()
        parts.append(f"SELECT %s, due.* FROM ({inner}) AS due")  # noqa: S608 (the ORM's own query)
        params += [kind, *inner_params]
    found: dict[str, list[int]] = {kind: [] for kind in kinds}
    with database.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        for kind, pk in cursor.fetchall():
            found[kind].append(pk)
    return found


def dispatchable(kind: str, now: datetime) -> list[int]:
    """Pending rows that are due and not already waiting in Redis."""
    return list(_dispatchable_rows(kind, now))


def _dispatchable_rows(kind: str, now: datetime) -> models.QuerySet[Any]:
    model = OUTGOING[kind]
    rows: models.QuerySet[Any] = model.objects.filter(delivery=Outgoing.Delivery.PENDING).filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now),
        Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=now - redispatch_after()),
    )
    if model is Reminder:
        rows = rows.filter(due_at__lte=now)
    if model is Alert:
        rows = rows.filter(status=Alert.Status.OPEN)
    return rows.order_by("pk").values_list("pk", flat=True)[:DISPATCH_LIMIT]
