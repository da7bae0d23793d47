"""Celery tasks of the patients app: thin, they take ids and call the delivery code.

Beat (UTC, every minute) runs `patients.tick`; workers run `patients.send_outgoing`. Nothing is
scheduled as a far-future ETA: the database says what is due, and the tick hands it over.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from celery import shared_task
from django.utils import timezone

from patients.delivery import OUTGOING, send_rows
from patients.models import Outgoing, PushMessage
from patients.push import push_is_set_up
from patients.reminders import (
    PREPARERS,
    TickReport,
    digests_schedule,
    inactivity_check,
    reminders_tick,
)
from patients.retention import sent_emails_prune

logger = logging.getLogger(__name__)

BATCH = 100  # rows per task: one mail connection, one Celery message


def batches(ids: list[int], size: int = BATCH) -> list[list[int]]:
    return [ids[start : start + size] for start in range(0, len(ids), size)]


@dataclass
class DispatchReport:
    handed_over: dict[str, int] = field(default_factory=dict)
    broker_down: bool = False

    def summary(self) -> str:
        handed = ", ".join(f"{n} {kind}(s)" for kind, n in self.handed_over.items() if n)
        text = f"handed to the workers: {handed or 'nothing'}"
        if self.broker_down:
            text += "; Redis did not answer: the rest waits in the database for the next tick"
        return text


def dispatch(report: TickReport) -> DispatchReport:
    """Hand what the tick found to the workers, a batch per message. If Redis is down, stop:
    the rows stay pending and the next tick tries again."""
    result = DispatchReport()
    now = timezone.now()
    for kind, ids in report.to_dispatch.items():
        handed: list[int] = []
        try:
            for batch in batches(ids):
                send_outgoing.apply_async(args=[kind, batch], retry=False)
                handed.extend(batch)
        except Exception:
            result.broker_down = True
            logger.warning("Redis did not take the %s batch; the next tick retries", kind)
        if handed:
            OUTGOING[kind].objects.filter(pk__in=handed).update(enqueued_at=now)
        result.handed_over[kind] = len(handed)
        if result.broker_down:
            break
    return result


def tick_and_dispatch() -> tuple[TickReport, DispatchReport]:
    report = reminders_tick()
    return report, dispatch(report)


@shared_task(name="patients.tick", ignore_result=True)
def tick() -> str:
    report, handed = tick_and_dispatch()
    return f"{report.summary()}; {handed.summary()}"


@shared_task(bind=True, name="patients.send_outgoing", ignore_result=True)
def send_outgoing(self, kind: str, ids: list[int]) -> None:
    if kind not in PREPARERS:
        logger.error("Unknown kind of email %r; ignored", kind)
        return
    prepare, preload, related = PREPARERS[kind]
    # The claim is made in the task's name: if Celery delivers this message again (the worker
    # process running it was killed), the new run takes back the rows the dead one held.
    token = (self.request.id or "").replace("-", "")[:32]
    report = send_rows(OUTGOING[kind], ids, prepare, preload=preload, related=related, token=token)
    if kind == "reminder" and report.sent and push_is_set_up():
        pushes_hand_over(report.sent)
    if report.retry:
        # The rows are pending again with their next attempt time; this message brings them
        # back then (and if it is lost, the tick does).
        delay = max(report.retry.values())
        try:
            send_outgoing.apply_async(args=[kind, list(report.retry)], countdown=delay, retry=False)
            OUTGOING[kind].objects.filter(pk__in=report.retry).update(enqueued_at=timezone.now())
        except Exception:
            logger.warning(
                "Retry of %s %s not queued; the tick will pick them up", kind, list(report.retry)
            )


def pushes_hand_over(reminder_ids: list[int]) -> None:
    """The pushes these reminders recorded go to the workers now, beside their emails, not at
    the next tick; if Redis does not take them, the tick does."""
    pushes = list(
        PushMessage.objects.filter(
            reminder_id__in=reminder_ids,
            delivery=Outgoing.Delivery.PENDING,
            enqueued_at__isnull=True,
        ).values_list("pk", flat=True)
    )
    if not pushes:
        return
    try:
        send_outgoing.apply_async(args=["push", pushes], retry=False)
    except Exception:
        logger.warning("Pushes %s not queued; the tick will pick them up", pushes)
        return
    PushMessage.objects.filter(pk__in=pushes).update(enqueued_at=timezone.now())


@shared_task(name="patients.check_inactivity", ignore_result=True)
def check_inactivity() -> int:
    return inactivity_check()


@shared_task(name="patients.schedule_digests", ignore_result=True)
def schedule_digests() -> int:
    return digests_schedule()


@shared_task(name="patients.prune_sent_emails", ignore_result=True)
def prune_sent_emails() -> str:
    return sent_emails_prune().summary()
