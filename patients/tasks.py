"""Celery tasks of the patients app: thin, they take ids and call services."""

from __future__ import annotations

import logging

from celery import shared_task

from patients.models import Invitation
from patients.services import invitation_send

logger = logging.getLogger(__name__)

MAX_INVITATION_ATTEMPTS = 5


@shared_task(name="patients.send_invitation", ignore_result=True)
def send_invitation(invitation_id: int) -> None:
    try:
        invitation_send(invitation_id=invitation_id)
    except Exception:
        logger.exception("Invitation %s could not be sent; the sweep will try again", invitation_id)


@shared_task(name="patients.send_pending_invitations", ignore_result=True)
def send_pending_invitations() -> int:
    """Every minute: invitations whose first hand-off to a worker was lost (Redis down, a
    process killed after commit) or whose email failed."""
    pending = Invitation.objects.filter(
        status=Invitation.Status.PENDING, attempts__lt=MAX_INVITATION_ATTEMPTS
    ).values_list("pk", flat=True)[:200]
    sent = 0
    for invitation_id in pending:
        try:
            sent += invitation_send(invitation_id=invitation_id)
        except Exception:
            logger.exception("Invitation %s could not be sent", invitation_id)
    return sent
