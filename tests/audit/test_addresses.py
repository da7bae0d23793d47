"""The address in the trail is the one the portal's own proxies saw, never a header a client
wrote itself (django-auditlog alone would believe the first X-Forwarded-For entry)."""

from __future__ import annotations

from django.test import RequestFactory

from audit.middleware import client_address


def request_from(remote: str, forwarded: str | None = None):
    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {}
    return RequestFactory().get("/admin/", REMOTE_ADDR=remote, **headers)


def test_without_a_proxy_a_forwarded_for_header_is_ignored(settings) -> None:
    settings.PROXY_COUNT = 0
    assert client_address(request_from("203.0.113.7", "198.51.100.1")) == "203.0.113.7"


def test_behind_one_proxy_the_address_it_added_is_taken_not_the_clients_own(settings) -> None:
    settings.PROXY_COUNT = 1
    spoofed = request_from("10.0.0.2", "198.51.100.1, 203.0.113.7")
    assert client_address(spoofed) == "203.0.113.7"
    assert client_address(request_from("10.0.0.2", "203.0.113.7")) == "203.0.113.7"
    assert client_address(request_from("10.0.0.2")) == "10.0.0.2"
