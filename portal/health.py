"""Reachability checks shared by /healthz and `make run`."""

from __future__ import annotations

import hmac
import ipaddress
from dataclasses import dataclass

import redis
from django.conf import settings
from django.http import HttpRequest

from portal.config import database_is_reachable, first_line


@dataclass(frozen=True)
class Check:
    ok: bool
    detail: str

    def as_json(self, *, verbose: bool) -> dict[str, object]:
        # Hosts and error texts are for the operator's eyes (DEBUG, logs), not for the internet.
        return {"ok": self.ok, "detail": self.detail if verbose or self.ok else "unreachable"}


def may_check_worker(request: HttpRequest) -> bool:
    """The token from the environment, or a direct caller on this machine (not one relayed by a
    reverse proxy, which would make every caller look local)."""
    token = settings.HEALTHZ_TOKEN
    sent = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(sent.encode(), f"Bearer {token}".encode()):
        return True
    if settings.AXES_IPWARE_PROXY_COUNT or "X-Forwarded-For" in request.headers:
        return False
    try:
        return ipaddress.ip_address(request.META.get("REMOTE_ADDR", "")).is_loopback
    except ValueError:
        return False


def check_database() -> Check:
    ok, detail = database_is_reachable()
    return Check(ok, detail)


def check_broker(url: str | None = None, timeout: float = 1.0) -> Check:
    client = redis.Redis.from_url(
        url or settings.CELERY_BROKER_URL,
        socket_connect_timeout=timeout,
        socket_timeout=timeout,
    )
    try:
        client.ping()
    except redis.RedisError as exc:
        return Check(False, first_line(exc))
    finally:
        client.close()
    return Check(True, "ok")


def check_worker(timeout: float = 5.0, queue: str | None = None) -> Check:
    """Send a ping through Redis and wait for a worker's answer."""
    from celery.exceptions import CeleryError, TimeoutError

    from portal.celery import ping

    try:
        reply = ping.apply_async(expires=timeout, queue=queue).get(timeout=timeout)
    except TimeoutError:
        return Check(False, f"no worker answered within {timeout:g} s")
    except (CeleryError, redis.RedisError, OSError) as exc:
        return Check(False, first_line(exc))
    return Check(reply == "pong", "ok" if reply == "pong" else f"unexpected reply {reply!r}")
