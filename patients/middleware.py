"""Who may go on to the page they asked for: an idle session ends first; then anyone with
two-factor on gives a code after their password, and staff without it enrol before anything
else. Pages anyone may open (login, password reset, /healthz…) are left alone."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.views import LogoutView
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from patients.sessions import session_end_if_idle
from patients.two_factor import two_factor_enrolled


class SessionIdleTimeoutMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated and session_end_if_idle(request):
            # The login page (where LoginRequiredMiddleware now sends them) says why.
            messages.info(request, "You were logged out after a while without activity.")
        return self.get_response(request)


def two_factor_exempt(view: Callable[..., Any]) -> Callable[..., Any]:
    """The code step itself: reachable with a password alone."""
    view.two_factor_exempt = True  # type: ignore[attr-defined]
    return view


def two_factor_enrolment(view: Callable[..., Any]) -> Callable[..., Any]:
    """Pages staff without two-factor may open: where they turn it on."""
    view.two_factor_enrolment = True  # type: ignore[attr-defined]
    return view


def _redirect(url_name: str, request: HttpRequest) -> HttpResponseRedirect:
    url = reverse(url_name)
    if request.method == "GET":
        url += "?" + urlencode({"next": request.get_full_path()})
    return HttpResponseRedirect(url)


class TwoFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> HttpResponse | None:
        if not getattr(view_func, "login_required", True):
            return None
        if getattr(view_func, "two_factor_exempt", False):
            return None
        view_class = getattr(view_func, "view_class", None)
        if isinstance(view_class, type) and issubclass(view_class, LogoutView):
            return None
        user = request.user
        if not user.is_authenticated or user.is_verified():  # type: ignore[union-attr]
            return None
        if two_factor_enrolled(user):  # type: ignore[arg-type]
            return _redirect("two_factor_verify", request)
        if user.is_staff and not getattr(view_func, "two_factor_enrolment", False):
            return _redirect("two_factor", request)
        return None
