"""Records a patient made on their phone with no connection (a check-off, a pain report), sent
when the connection returned: what the portal accepts of them.

Each carries an id the phone made (`client_id`) and the time the patient did it (`done_at`). The
portal records each id once: the same record sent again (a retry, a second tab, the outbox sending
after a reply was lost) is answered as the first time and changes nothing. The record keeps when
it was done (`created_at`, and the patient's own date of it) and when it reached the portal
(`synced_at`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from patients.errors import ActionRefused
from patients.models import CheckOff, PainReport, Patient

# A phone's clock may run a little ahead of the portal's.
CLOCK_SKEW = timedelta(minutes=5)
# As long as a patient's idle session lasts (SESSION_IDLE_MINUTES_PATIENT's default): a record
# older than that belongs to a phone the portal would have logged out, and a pain report a week
# late is no longer news the clinic can act on as if it were today's.
OLDEST = timedelta(days=7)

MALFORMED_ID = "This record's id from the phone is not valid: nothing was recorded."
MALFORMED_TIME = "The time this was done is not a valid date and time: nothing was recorded."
IN_THE_FUTURE = (
    "The time this was done is in the future by the portal's clock: nothing was recorded. "
    "Check the date and time on your phone, then do it again."
)
TOO_OLD = (
    "This was done more than 7 days ago and can no longer be sent: nothing was recorded. "
    "Tell your therapist about it at your next appointment."
)
ID_TAKEN = "This record's id was already used for another record: nothing was recorded."


@dataclass(frozen=True)
class PhoneRecord:
    """What the phone says of a record it made: its id and when it was done (either may be
    absent: a record sent at once has no time of its own)."""

    client_id: uuid.UUID | None = None
    done_at: datetime | None = None

    @classmethod
    def parse(cls, raw_id: str | None, raw_done_at: str | None) -> PhoneRecord:
        """From a request's fields; an empty field is an absent one (the pain form's hidden
        id with no JavaScript)."""
        client_id = done_at = None
        if raw_id:
            try:
                client_id = uuid.UUID(raw_id.strip())
            except ValueError:
                raise ActionRefused(MALFORMED_ID) from None
        if raw_done_at:
            try:
                done_at = parse_datetime(raw_done_at.strip())
            except ValueError:
                done_at = None
            if done_at is None or timezone.is_naive(done_at):
                # A phone's own time with no offset could be any zone's: refused, not guessed.
                raise ActionRefused(MALFORMED_TIME)
        return cls(client_id, done_at)

    def when_done(self, now: datetime) -> datetime:
        """The time the patient did it, within the bounds the portal accepts."""
        if self.done_at is None:
            return now
        if self.done_at > now + CLOCK_SKEW:
            raise ActionRefused(IN_THE_FUTURE)
        if self.done_at < now - OLDEST:
            raise ActionRefused(TOO_OLD)
        return min(self.done_at, now)


Record = TypeVar("Record", CheckOff, PainReport)


def earlier_record(
    *, patient: Patient, client_id: uuid.UUID | None, kind: type[Record]
) -> Record | None:
    """The patient's record of this kind that already carries the id (the same record sent
    again), or None for a new id. An id another patient's record or another kind of record
    carries is refused: a phone makes a new id for every record."""
    if client_id is None:
        return None
    found = kind.objects.filter(client_id=client_id).first()
    if found is not None and found.patient_id != patient.pk:
        raise ActionRefused(ID_TAKEN)
    other_kind = PainReport if kind is CheckOff else CheckOff
    if found is None and other_kind.objects.filter(client_id=client_id).exists():
        raise ActionRefused(ID_TAKEN)
    return found
