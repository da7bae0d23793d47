"""A person's own account: two-factor (turn on, give a code after the password, backup codes,
turn off) and logging out everywhere else. For staff and patients alike; the pages extend the
site's base template so they work on a phone."""

from __future__ import annotations

from urllib.parse import urlencode

import django_otp
from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from patients.middleware import two_factor_enrolment, two_factor_exempt
from patients.sessions import user_sessions_end_elsewhere
from patients.two_factor import (
    CodeRefused,
    backup_codes_regenerate,
    totp_enrolment_confirm,
    totp_enrolment_device,
    totp_qr_svg,
    totp_secret_text,
    two_factor_enrolled,
    two_factor_status,
    two_factor_turn_off,
    two_factor_verify,
)

# The new backup codes wait here between the POST that makes them and the page that shows
# them, which removes them: shown once, and a reload does not make new ones.
NEW_BACKUP_CODES_KEY = "two_factor_new_backup_codes"


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=32,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "autocapitalize": "none",
                "spellcheck": "false",
                "class": "form-control form-control-lg",
            }
        ),
    )


def _next_url(request: HttpRequest, default: str) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


def _home(request: HttpRequest) -> str:
    return "/admin/" if request.user.is_staff else "/"


def _verified(request: HttpRequest, device: django_otp.models.Device) -> None:
    """This session counts as verified by the device, under a new session key."""
    django_otp.login(request, device)
    request.session.cycle_key()


@never_cache
@two_factor_enrolment
@require_http_methods(["GET", "POST"])
def two_factor(request: HttpRequest) -> HttpResponse:
    """The account's two-factor page: the enrolment form while it is off, the backup codes,
    turning it off (patients) and logging out elsewhere while it is on."""
    user = request.user
    status = two_factor_status(user)  # type: ignore[arg-type]
    next_url = _next_url(request, "")
    if status.enrolled:
        return render(
            request,
            "account/two_factor.html",
            {"status": status, "off_form": CodeForm(), "next": next_url},
        )
    form = CodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            device, codes = totp_enrolment_confirm(user=user, code=form.cleaned_data["code"])  # type: ignore[arg-type]
        except CodeRefused as refusal:
            form.add_error("code", str(refusal))
        else:
            _verified(request, device)
            request.session[NEW_BACKUP_CODES_KEY] = codes
            messages.success(request, "Two-factor is on.")
            url = reverse("two_factor_backup_codes")
            return redirect(f"{url}?{urlencode({'next': next_url})}" if next_url else url)
    device = totp_enrolment_device(user=user)  # type: ignore[arg-type]
    return render(
        request,
        "account/two_factor_enrol.html",
        {
            "form": form,
            "qr_svg": totp_qr_svg(device),
            "secret": totp_secret_text(device),
            "next": next_url,
            "required": user.is_staff,
        },
        status=400 if form.is_bound else 200,
    )


@never_cache
@two_factor_exempt
@require_http_methods(["GET", "POST"])
def two_factor_verify_view(request: HttpRequest) -> HttpResponse:
    """After the password, for anyone with two-factor on: a code from the app or a backup
    code, then the page they were going to."""
    next_url = _next_url(request, _home(request))
    if request.user.is_verified() or not two_factor_enrolled(request.user):  # type: ignore[union-attr, arg-type]
        return redirect(next_url)
    form = CodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            device = two_factor_verify(user=request.user, code=form.cleaned_data["code"])  # type: ignore[arg-type]
        except CodeRefused as refusal:
            form.add_error("code", str(refusal))
        else:
            _verified(request, device)
            return redirect(next_url)
    return render(
        request,
        "account/two_factor_verify.html",
        {"form": form, "next": next_url},
        status=400 if form.is_bound else 200,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def two_factor_backup_codes(request: HttpRequest) -> HttpResponse:
    """GET shows the codes just made, once; POST makes ten new ones (the old stop working)."""
    if request.method == "POST":
        if not two_factor_enrolled(request.user):  # type: ignore[arg-type]
            return redirect("two_factor")  # backup codes come with the app, not alone
        request.session[NEW_BACKUP_CODES_KEY] = backup_codes_regenerate(user=request.user)  # type: ignore[arg-type]
        return redirect("two_factor_backup_codes")
    codes = request.session.pop(NEW_BACKUP_CODES_KEY, None)
    if not codes:
        return redirect("two_factor")
    return render(
        request,
        "account/two_factor_backup_codes.html",
        {"codes": codes, "next": _next_url(request, "")},
    )


@require_POST
def two_factor_off(request: HttpRequest) -> HttpResponse:
    if not two_factor_enrolled(request.user):  # type: ignore[arg-type]
        return redirect("two_factor")  # already off
    form = CodeForm(request.POST)
    if form.is_valid():
        try:
            two_factor_turn_off(user=request.user, code=form.cleaned_data["code"])  # type: ignore[arg-type]
        except CodeRefused as refusal:
            form.add_error("code", str(refusal))
        else:
            messages.success(request, "Two-factor is off. Your password alone logs you in.")
            return redirect("two_factor")
    status = two_factor_status(request.user)  # type: ignore[arg-type]
    return render(
        request,
        "account/two_factor.html",
        {"status": status, "off_form": form, "next": ""},
        status=400,
    )


@require_POST
def sessions_end_others(request: HttpRequest) -> HttpResponse:
    user_sessions_end_elsewhere(request=request)
    messages.success(request, "You are logged out everywhere else; this device stays logged in.")
    return redirect(_next_url(request, "two_factor"))
