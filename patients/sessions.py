"""How long a session lives: it ends after a while without requests (sooner for staff), after
SESSION_COOKIE_AGE in any case, and at once when its owner logs out everywhere else.

The clock is kept in the session itself and written at most once a minute, so an active user's
requests do not each write the session row.
"""

from __future__ import annotations

import secrets
import time
from typing import Any

from django.conf import settings
from django.contrib.auth import logout, update_session_auth_hash
from django.http import HttpRequest

from patients.models import User

LAST_SEEN_KEY = "portal_last_seen"
STARTED_KEY = "portal_session_started"
# How stale the stored "last seen" may be before a request writes it again.
REFRESH_SECONDS = 60
# The session row and cookie outlive the idle limit by this much, so that the check here ends
# an idle session (and the login page says why) rather than the row silently expiring.
GRACE_SECONDS = 60 * 60


def idle_limit_seconds(user: Any) -> int:
    """Anyone who can open the admin gets the staff limit, a superuser included."""
    minutes = (
        settings.SESSION_IDLE_MINUTES_STAFF
        if user.is_staff
        else settings.SESSION_IDLE_MINUTES_PATIENT
    )
    return int(minutes) * 60


def session_has_expired(request: HttpRequest, *, now: int) -> bool:
    session = request.session
    last_seen, started = session.get(LAST_SEEN_KEY), session.get(STARTED_KEY)
    idle = last_seen is not None and now - last_seen > idle_limit_seconds(request.user)
    too_old = started is not None and now - started > settings.SESSION_COOKIE_AGE
    return idle or too_old


def session_touch(request: HttpRequest, *, now: int) -> None:
    """Note this request's time if the stored one is a minute old; the session's own expiry
    (in the database and the cookie) moves with it."""
    session = request.session
    last_seen = session.get(LAST_SEEN_KEY)
    if last_seen is not None and now - last_seen < REFRESH_SECONDS:
        return
    session[LAST_SEEN_KEY] = now
    session.setdefault(STARTED_KEY, now)
    session.set_expiry(idle_limit_seconds(request.user) + GRACE_SECONDS)


def session_end_if_idle(request: HttpRequest) -> bool:
    """Log the request's user out if their session has been idle too long; True if it had."""
    now = int(time.time())
    if session_has_expired(request, now=now):
        logout(request)
        return True
    session_touch(request, now=now)
    return False


def session_start(request: HttpRequest, user: User) -> None:
    """At login: the idle clock and the session's age start now."""
    now = int(time.time())
    request.session[LAST_SEEN_KEY] = now
    request.session[STARTED_KEY] = now
    request.session.set_expiry(idle_limit_seconds(user) + GRACE_SECONDS)


def user_sessions_end_all(*, user: User) -> None:
    """Every session of this user ends at its next request: the session auth hash includes
    the salt (see `User._get_session_auth_hash`)."""
    user.session_salt = secrets.token_hex(16)
    user.save(update_fields=["session_salt"])


def user_sessions_end_elsewhere(*, request: HttpRequest) -> None:
    """Every other session of the request's user ends; this one goes on, under a new key."""
    user = request.user
    user_sessions_end_all(user=user)  # type: ignore[arg-type]
    update_session_auth_hash(request, user)  # type: ignore[arg-type]
