""" "Needs attention", the admin's first page: the open alerts of the clinic's patients, most
severe first, each with its one-click actions (acknowledge with a note, pause the programme);
and the same counts in the header of every admin page.

The portal uses Django's own admin site; its index and its context are extended here, once, when
the admin is imported (patients/admin/__init__.py)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.views.decorators.http import require_POST

from patients.attention import (
    PAGE_SIZE,
    alerts_needing_attention,
    attention_counts,
    open_alerts_visible_to,
    reason_in_words,
    severity_of,
    waited,
)
from patients.models import Alert
from patients.services import alert_acknowledge, programme_pause
from patients.signals import patient_data_read

site = admin.site


class AcknowledgeForm(forms.Form):
    note = forms.CharField(
        label="Note",
        required=False,
        max_length=2000,
        widget=forms.TextInput(attrs={"placeholder": "What you did or decided", "size": 24}),
    )


def _rows(request: HttpRequest) -> tuple[list[dict[str, Any]], int]:
    alerts = list(alerts_needing_attention(request.user)[: PAGE_SIZE + 1])  # type: ignore[arg-type]
    more = len(alerts) > PAGE_SIZE
    alerts = alerts[:PAGE_SIZE]
    if alerts:
        patient_data_read.send(
            sender=Alert, request=request, records=alerts, what="Needs attention", export=False
        )
    now = timezone.now()
    rows = [
        {
            "alert": alert,
            "severity": severity_of(alert.cause),
            "reason": reason_in_words(alert),
            "waited": waited(alert.created_at, now),
            "phone": alert.patient.phone,
            "form": AcknowledgeForm(auto_id=f"ack-{alert.pk}-%s"),
        }
        for alert in alerts
    ]
    return rows, more


_index = site.index


def needs_attention_index(request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
    """The admin's first page: "Needs attention", above the admin's own sections."""
    rows, more = _rows(request)
    context = {"attention_rows": rows, "attention_more": more, **(extra_context or {})}
    return _index(request, context)


_each_context = site.each_context


def each_context_with_attention(request: HttpRequest) -> dict[str, Any]:
    context = _each_context(request)
    user = request.user
    if user.is_active and user.is_staff:
        # Lazy: read (one query) only where the header shows it.
        context["attention_counts"] = SimpleLazyObject(lambda: attention_counts(user))  # type: ignore[arg-type]
    return context


def _open_alert(request: HttpRequest, alert_id: int) -> Alert:
    """An open alert of a patient the user may see; another clinic's is a 404."""
    return get_object_or_404(
        open_alerts_visible_to(request.user).select_related("patient__user"),  # type: ignore[arg-type]
        pk=alert_id,
    )


@require_POST
def acknowledge_view(request: HttpRequest, alert_id: int) -> HttpResponse:
    if not request.user.has_perm("patients.change_alert"):
        raise Http404("No alert with this id.")
    alert = _open_alert(request, alert_id)
    form = AcknowledgeForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The note is too long: keep it under 2,000 characters.")
    elif alert_acknowledge(alert=alert, user=request.user, note=form.cleaned_data["note"]):  # type: ignore[arg-type]
        messages.success(request, f"Acknowledged: {alert.get_cause_display()} for {alert.patient}.")
    return HttpResponseRedirect(reverse("admin:index"))


@require_POST
def pause_view(request: HttpRequest, alert_id: int) -> HttpResponse:
    if not request.user.has_perm("patients.change_prescription"):
        raise Http404("No alert with this id.")
    alert = _open_alert(request, alert_id)
    paused = programme_pause(patient=alert.patient, user=request.user)  # type: ignore[arg-type]
    if paused:
        messages.success(
            request,
            f"Programme paused for {alert.patient}: no reminders until you resume it "
            "(Prescriptions, action “Resume”).",
        )
    else:
        messages.warning(request, f"{alert.patient} has no active programme to pause.")
    return HttpResponseRedirect(reverse("admin:index"))


_get_urls = site.get_urls


def get_urls_with_attention() -> list:
    return [
        path(
            "needs-attention/<int:alert_id>/acknowledge/",
            site.admin_view(acknowledge_view),
            name="needs_attention_acknowledge",
        ),
        path(
            "needs-attention/<int:alert_id>/pause/",
            site.admin_view(pause_view),
            name="needs_attention_pause",
        ),
        *_get_urls(),
    ]


site.index = needs_attention_index  # type: ignore[method-assign]
site.each_context = each_context_with_attention  # type: ignore[method-assign]
site.get_urls = get_urls_with_attention  # type: ignore[method-assign]
site.index_template = "admin/needs_attention.html"
