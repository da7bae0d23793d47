"""Headers every page of the portal carries."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control


class PrivatePagesMiddleware:
    """Every page the portal renders is about someone (a patient's Today, a pain report, the
    admin's lists): `Cache-Control: no-store`, so that neither a shared phone's browser nor a
    proxy keeps a copy. Static files are served before this (whitenoise) and stay cacheable;
    so does the service worker's script (`revalidate_only`: it names no one, and a browser must
    check it anew on every visit). Also the Permissions-Policy, which Django does not set."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if getattr(response, "revalidate_only", False):
            patch_cache_control(response, no_cache=True)
        else:
            patch_cache_control(response, no_store=True, no_cache=True, private=True, max_age=0)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response
