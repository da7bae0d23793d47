from __future__ import annotations

from typing import Any

from auditlog.middleware import AuditlogMiddleware
from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str | None:
    """The client's address as the portal's own proxies saw it. django-auditlog believes the
    first X-Forwarded-For entry, which any client can write; only the PROXY_COUNT entries the
    portal's own proxies added are trusted (the same count django-axes uses)."""
    proxies = settings.PROXY_COUNT
    if proxies:
        forwarded = [part.strip() for part in request.headers.get("X-Forwarded-For", "").split(",")]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR")


class AuditMiddleware(AuditlogMiddleware):
    """django-auditlog's middleware (the person behind each write), with the person's name kept
    as text and the client's address taken as the portal's proxies give it."""

    @staticmethod
    def _get_remote_addr(request: HttpRequest) -> str | None:
        return client_address(request)

    def get_extra_data(self, request: HttpRequest) -> dict[str, Any]:
        extra = super().get_extra_data(request)
        actor = extra.get("actor")
        # Written on every entry the request makes (django-auditlog sets each key that names a
        # field); lazy, so that a request that writes nothing asks nothing of the user.
        extra["actor_name"] = (lambda: str(actor)) if actor is not None else ""
        return extra
