"""The portal's URLs plus the two reference views the pages are measured against. They live
here, never in the portal: only `make bench`'s gunicorn (tests/benchmarks/settings.py) serves
them."""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.urls import include, path


@login_not_required
def bare(request: HttpRequest) -> HttpResponse:
    """Django and the portal's middleware, nothing else: no session, no user."""
    return HttpResponse("ok", content_type="text/plain")


def logged_in(request: HttpRequest) -> HttpResponse:
    """The least a patient's page does: the same middleware, the session and the user (and
    the two-factor check), then a short text."""
    return HttpResponse(f"Hello {request.user.get_short_name()}", content_type="text/plain")


urlpatterns = [
    path("bench/bare/", bare),
    path("bench/logged-in/", logged_in),
    path("", include("portal.urls")),
]
