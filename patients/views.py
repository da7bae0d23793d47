"""The patient site: Today, check-offs, pain reports and their guidance, the urgent warning signs
check, history, the printable programme, settings.

Every view takes the patient from the logged-in user and reads only through the selectors that
are limited to that patient: another patient's ids are a 404.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from datetime import date
from functools import partial, wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from exercises.dosage import session_plan
from exercises.fragments import exercise_bodies
from exercises.illustrations import illustration_for
from patients import charts, safety
from patients.forms import (
    CheckOffRatingForm,
    PainReportForm,
    PatientSettingsForm,
    SafetyCheckForm,
)
from patients.kept import card_html, form_html, patient_page, row_values, today_html
from patients.media import media_for_items
from patients.models import CheckOff, Patient, Prescription, time_zone_choices
from patients.offline import PhoneRecord
from patients.push import (
    SubscriptionRefused,
    device_label,
    push_device_delete,
    push_device_get_for_patient,
    push_device_save,
    push_devices_of,
    push_is_set_up,
    subscription_from_json,
)
from patients.reminders import LinkRefused, patient_from_unsubscribe_token
from patients.selectors import (
    TodayCard,
    check_off_get_for_patient,
    pain_report_get_for_patient,
    patient_for_user,
    patient_history,
    prescribed_exercise_get_for_patient,
    prescriptions_with_doses,
    today_card,
    today_cards,
    today_progress,
)
from patients.services import (
    ActionRefused,
    SessionCounts,
    check_off_rate,
    check_off_record,
    check_off_undo,
    patient_settings_update,
)
from patients.triage import check_off_needs_guidance, pain_report_create, safety_check_record
from patients.two_factor import two_factor_status
from portal.offline import offline_copy

PatientView = Callable[..., HttpResponse]
REFUSED = 422  # htmx swaps this status (see base.html's htmx-config) so the card says why


class InvitationAcceptView(auth_views.PasswordResetConfirmView):
    """The link in an invitation: the person chooses a password and is logged in. The token is
    Django's password-reset token, so the link stops working once a password is set."""

    template_name = "registration/invitation_accept.html"
    post_reset_login = True
    post_reset_login_backend = "django.contrib.auth.backends.ModelBackend"
    success_url = reverse_lazy("home")
    reset_url_token = "choose-password"  # noqa: S105 (a URL segment, not a password)


class SiteLogoutView(auth_views.LogoutView):
    """Logging out also clears what this browser keeps of the site (`Clear-Site-Data`): the pages
    kept for use with no connection, the records waiting on the phone to be sent, the service
    worker itself. The logout form's script (offline.js) first tries to send what waits, and
    asks the patient before anything not sent is lost."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().post(request, *args, **kwargs)
        response["Clear-Site-Data"] = '"cache", "storage"'
        return response


def patient_required(view: PatientView | None = None, *, clinic: bool = True) -> Any:
    """The view gets the logged-in patient; a therapist is sent to the admin instead.
    `clinic=False`: a page that seldom shows the clinic reads it only when it does."""

    def decorator(view: PatientView) -> PatientView:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            patient = patient_for_user(request.user, clinic=clinic)  # type: ignore[arg-type]
            if patient is None:
                if request.user.is_staff:
                    return redirect("admin:index")
                return render(request, "patients/not_a_patient.html", status=403)
            return view(request, patient, *args, **kwargs)

        return wrapper

    return decorator(view) if view is not None else decorator


def _card_response(
    request: HttpRequest,
    patient: Patient,
    item: Any,
    *,
    error: str = "",
    status: int = 200,
    check_offs: list[CheckOff] | None = None,
) -> HttpResponse:
    card = today_card(patient, item, check_offs=check_offs)
    html = card_html(
        card, csrf_token=get_token(request), error=error, version=patient.library_version
    )
    if status == 200:  # the day's count changed with the card: htmx puts it in place
        done, total = today_progress(patient)
        html += render_to_string(
            "patients/_progress.html", {"done": done, "total": total, "oob": True}
        )
    return HttpResponse(html, status=status)


def _refused(request: HttpRequest, patient: Patient, item: Any, message: str) -> HttpResponse:
    if request.htmx:  # type: ignore[attr-defined]
        return _card_response(request, patient, item, error=message, status=REFUSED)
    messages.error(request, message)
    return redirect("today")


@offline_copy
@require_GET
@patient_required(clinic=False)
def today(request: HttpRequest, patient: Patient) -> HttpResponse:
    # The warning signs are asked once before anything else; after that, from Today's link.
    if patient.safety_check_at is None:
        return redirect("safety_check")
    content = today_html(patient, csrf_token=get_token(request))
    return render(request, "patients/today.html", {"content": content})


def _player_exercise(card: TodayCard, rest_seconds: int) -> dict[str, object]:
    """One exercise as the session player's script reads it; the server checks the counts it
    sends back against the same dose (services._counted)."""
    item = card.item
    plan = session_plan(item.dosage())
    return {
        "id": item.pk,
        "name": item.exercise.name,
        "dose": item.dosage_in_words_short(),
        "url": reverse("check_off", args=[item.pk]),
        "session": card.next_session,
        "sessions": card.sessions,
        "rest": rest_seconds,
        "plan": None
        if plan is None
        else {
            "sets": plan.sets,
            "reps": plan.reps,
            "sides": plan.sides,
            "hold": plan.hold_seconds,
            "reps_given": plan.reps_given,
        },
    }


@offline_copy
@require_GET
@patient_required
def session_player(
    request: HttpRequest, patient: Patient, item_id: int | None = None
) -> HttpResponse:
    """The session player: one exercise (`item_id`) or the whole day's programme in order
    (a guided session), each followed through its dose with rests between. It runs in the
    browser alone, offline too, and records each exercise with the counts done."""
    if patient.safety_check_at is None:
        return redirect("safety_check")
    if item_id is not None:
        prescribed_exercise_get_for_patient(patient=patient, pk=item_id)  # 404 if not theirs
    __, cards = today_cards(patient)
    to_do = [
        card for card in cards if not card.done and (item_id is None or card.item.pk == item_id)
    ]
    script = [_player_exercise(card, patient.clinic.rest_seconds) for card in to_do]
    context = {
        "script": script,
        "exercises": [
            {**exercise, "exercise": card.item.exercise}
            for exercise, card in zip(script, to_do, strict=True)
        ],
        "guided": item_id is None,
        "held": patient.programme_held_at is not None,
    }
    # The pictures' stylesheet only where a picture shows.
    context["illustrated"] = not context["held"] and any(
        illustration_for(card.item.exercise) for card in to_do
    )
    return render(request, "patients/player.html", context)


@require_POST
@patient_required(clinic=False)
def check_off(request: HttpRequest, patient: Patient, item_id: int) -> HttpResponse:
    item = prescribed_exercise_get_for_patient(patient=patient, pk=item_id)
    raw_session = request.POST.get("session", "")
    # The button names its session, so a double tap or a retried request repeats the same
    # check-off instead of ticking the next session.
    # ASCII digits only: str.isdigit() also takes "²" or "①", which int() then refuses.
    session = int(raw_session) if re.fullmatch(r"[0-9]{1,4}", raw_session) else None
    try:
        if raw_session and session is None:
            raise ActionRefused("That session is not part of today's programme.")
        recorded = check_off_record(
            patient=patient,
            prescribed_exercise=item,
            session=session,
            counts=_session_counts(request),
            phone=_phone_record(request),
        )
    except ActionRefused as refused:
        return _refused(request, patient, item, str(refused))
    # A check-off made offline before midnight and sent in the morning is yesterday's: the card
    # shows today's, read afresh.
    of_today = recorded.check_off.local_date == patient.local_today()
    if request.htmx:  # type: ignore[attr-defined]
        return _card_response(
            request, patient, item, check_offs=recorded.today if of_today else None
        )
    messages.success(request, f"{item.exercise.name}: done. Well done!")
    return redirect(f"{reverse_lazy('today')}#card-{item.pk}")


def _phone_record(request: HttpRequest) -> PhoneRecord:
    """The id and the time a record made on the phone carries (outbox.js), if it does."""
    return PhoneRecord.parse(request.POST.get("client_id"), request.POST.get("done_at"))


def _session_counts(request: HttpRequest) -> SessionCounts | None:
    """What the session player counted, when it sent its counts (a plain "Done" sends none)."""
    raw_reps, raw_sets = request.POST.get("reps_done"), request.POST.get("sets_done")
    if raw_reps is None and raw_sets is None:
        return None
    if not all(re.fullmatch(r"[0-9]{1,4}", raw or "") for raw in (raw_reps, raw_sets)):
        raise ActionRefused("The session's counts were not whole numbers: nothing was recorded.")
    return SessionCounts(reps_done=int(raw_reps or 0), sets_done=int(raw_sets or 0))


@require_POST
@patient_required(clinic=False)
def check_off_undo_view(request: HttpRequest, patient: Patient, check_off_id: int) -> HttpResponse:
    record = check_off_get_for_patient(patient=patient, pk=check_off_id)
    item = record.prescribed_exercise
    try:
        check_off_undo(patient=patient, check_off=record)
    except ActionRefused as refused:
        return _refused(request, patient, item, str(refused))
    if request.htmx:  # type: ignore[attr-defined]
        return _card_response(request, patient, item)
    messages.info(request, f"{item.exercise.name}: check-off undone.")
    return redirect("today")


@require_POST
@patient_required(clinic=False)
def check_off_rate_view(request: HttpRequest, patient: Patient, check_off_id: int) -> HttpResponse:
    record = check_off_get_for_patient(patient=patient, pk=check_off_id)
    item = record.prescribed_exercise
    form = CheckOffRatingForm(request.POST)
    if not form.is_valid():
        message = " ".join(error for errors in form.errors.values() for error in errors)
        return _refused(request, patient, item, message)
    try:
        check_off_rate(
            patient=patient,
            check_off=record,
            difficulty=form.cleaned_data["difficulty"],
            pain_during=form.cleaned_data["pain_during"],
        )
    except ActionRefused as refused:
        return _refused(request, patient, item, str(refused))
    if check_off_needs_guidance(record):
        # Advice and what the clinic was told need a page, not a line in the card.
        url = reverse("check_off_guidance", kwargs={"check_off_id": record.pk})
        if request.htmx:  # type: ignore[attr-defined]
            return HttpResponseClientRedirect(url)
        return redirect(url)
    if request.htmx:  # type: ignore[attr-defined]
        return _card_response(request, patient, item)
    messages.success(request, "Thanks: your therapist will see how it went.")
    return redirect("today")


@offline_copy
@require_http_methods(["GET", "POST"])
@patient_required
def pain_report_new(request: HttpRequest, patient: Patient) -> HttpResponse:
    form = PainReportForm(request.POST if request.method == "POST" else None)
    refused = ""
    if request.method == "POST" and form.is_valid():
        try:
            report = pain_report_create(
                patient=patient,
                score=form.cleaned_data["score"],
                moment=form.cleaned_data["moment"],
                qualities=form.cleaned_data["qualities"],
                severe_spasm=form.cleaned_data["severe_spasm"],
                urgent_signs=form.cleaned_data["urgent_signs"],
                note=form.cleaned_data["note"],
                phone=_phone_record(request),
            )
        except ActionRefused as why:
            refused = str(why)
        else:
            url = reverse("pain_report", kwargs={"report_id": report.pk})
            if request.htmx:  # type: ignore[attr-defined]
                # The phone's script (pain.js, outbox.js) goes there itself.
                return HttpResponseClientRedirect(url)
            return redirect(url)
    status = (REFUSED if refused else 400) if request.method == "POST" else 200
    overrides = safety.clinic_wordings(patient.clinic_id)
    context = {
        "form": form,
        "refused": refused,
        "question": safety.urgent_question(overrides),
        # What to do at once when urgent signs are reported with no connection (pain.js shows
        # it): the same words and phone as after a report that reached the portal.
        "offline_urgent": safety.offline_urgent_guidance(patient, overrides),
    }
    if not form.is_bound:  # the same empty fields for everyone: kept
        context["form_html"] = form_html(form)
    return render(request, "patients/pain_form.html", context, status=status)


@require_GET
@patient_required
def pain_report_detail(request: HttpRequest, patient: Patient, report_id: int) -> HttpResponse:
    report = pain_report_get_for_patient(patient=patient, pk=report_id)
    guidance = safety.pain_report_guidance(report)
    return render(request, "patients/pain_report.html", {"report": report, "guidance": guidance})


@require_GET
@patient_required
def check_off_guidance(request: HttpRequest, patient: Patient, check_off_id: int) -> HttpResponse:
    """After an exercise rated 7 or more for pain: what to do, and what the clinic was told."""
    record = check_off_get_for_patient(patient=patient, pk=check_off_id)
    guidance = safety.check_off_guidance(record)
    return render(request, "patients/pain_report.html", {"check_off": record, "guidance": guidance})


@require_http_methods(["GET", "POST"])
@patient_required
def safety_check(request: HttpRequest, patient: Patient) -> HttpResponse:
    """The urgent warning signs: asked at the first login (Today sends the patient here until
    they have answered), and open to answer again at any time."""
    form = SafetyCheckForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        check = safety_check_record(patient=patient, urgent_signs=form.cleaned_data["urgent_signs"])
        return redirect("safety_check_result", check_id=check.pk)
    status = 400 if request.method == "POST" else 200
    context = {
        "form": form,
        "question": safety.urgent_question(safety.clinic_wordings(patient.clinic_id)),
        "first_time": patient.safety_check_at is None,
    }
    return render(request, "patients/safety_check.html", context, status=status)


@require_GET
@patient_required
def safety_check_result(request: HttpRequest, patient: Patient, check_id: int) -> HttpResponse:
    check = safety.safety_check_get_for_patient(patient=patient, pk=check_id)
    return render(
        request,
        "patients/safety_check.html",
        {"check": check, "guidance": safety.safety_check_guidance(check)},
    )


@require_GET
@patient_required
def history(request: HttpRequest, patient: Patient) -> HttpResponse:
    content = patient_page("history", patient, timezone.now(), lambda _: _history_html(patient))
    return render(request, "patients/history.html", {"content": content})


def _history_html(patient: Patient) -> str:
    record = patient_history(patient)

    @functools.cache  # each day's words written once: a day has many check-offs
    def day_words(day: date) -> str:
        return date_format(day, "D j M")

    # What the lists show of each row, not three models apiece read by the template.
    check_offs = [
        {
            "day": day_words(day),
            "exercise": exercise,
            "difficulty": CheckOff.Difficulty(difficulty).label.lower() if difficulty else "",
        }
        for day, exercise, difficulty in patient.check_offs.filter(
            local_date__gte=record.first_day
        ).values_list("local_date", "prescribed_exercise__exercise__name", "difficulty")[:60]
    ]
    pain_reports = [
        {
            "url": reverse("pain_report", args=[report.pk]),
            "day": day_words(report.local_date),
            "score": report.score,
            "moment": report.get_moment_display().lower(),
        }
        for report in list(reversed(record.pain_reports))[:30]
    ]
    return render_to_string(
        "patients/_history_content.html",
        {
            "history": record,
            "pain_chart": charts.pain_chart(record, patient.pain_baseline),
            "adherence_calendar": charts.adherence_calendar(record),
            "check_offs": check_offs,
            "pain_reports": pain_reports,
        },
    )


@offline_copy
@require_GET
@patient_required
def handout(request: HttpRequest, patient: Patient) -> HttpResponse:
    name = (patient.user.first_name, patient.user.last_name, patient.user.email)
    content = patient_page(
        "programme", patient, timezone.now(), partial(_handout_html, patient), name
    )
    return render(request, "patients/handout.html", {"content": content})


def _handout_html(patient: Patient, version: str | None) -> str:
    prescriptions = list(
        prescriptions_with_doses(
            Prescription.objects.filter(patient=patient, status=Prescription.Status.ACTIVE)
        ).select_related("therapist__user")
    )
    # How to do each exercise is read from the kept fragments, all at once (the library's rows
    # only for those not kept).
    items = [item for prescription in prescriptions for item in prescription.exercises.all()]
    bodies = exercise_bodies(((item.exercise, item.dosage()) for item in items), version)
    media = media_for_items(items)
    for item, body in zip(items, bodies, strict=True):
        item.body = body  # type: ignore[attr-defined]
        item.shown_media = media[item.pk]  # type: ignore[attr-defined]
    context = {
        "patient": patient,
        "prescriptions": prescriptions,
        "safety": safety.today_safety(patient),
    }
    return render_to_string("patients/_handout_content.html", context)


@require_http_methods(["GET", "POST"])
@patient_required
def settings_view(request: HttpRequest, patient: Patient) -> HttpResponse:
    form = PatientSettingsForm(request.POST if request.method == "POST" else None, instance=patient)
    if request.method == "POST" and form.is_valid():
        patient_settings_update(
            patient=patient, **{name: form.cleaned_data[name] for name in form.fields}
        )
        messages.success(request, "Your settings are saved.")
        return redirect("settings")
    status = 400 if request.method == "POST" else 200
    context = {
        "form": form,
        "two_factor": two_factor_status(request.user),  # type: ignore[arg-type]
        "patient_zone": patient.time_zone,
        "push": {
            "set_up": push_is_set_up(),
            "public_key": settings.VAPID_PUBLIC_KEY,
            "email_on": patient.reminders_enabled,
            "devices": list(push_devices_of(patient)) if push_is_set_up() else [],
        },
    }
    if not form.is_bound:  # the patient's saved settings, kept under their row and the zones
        zones = time_zone_choices()  # the installed tzdata's, read once a process
        context["form_html"] = form_html(form, row_values(patient), len(zones), zones[-1])
    return render(request, "patients/settings.html", context, status=status)


@require_POST
@patient_required(clinic=False)
def push_device_add(request: HttpRequest, patient: Patient) -> HttpResponse:
    """The settings page's script posts this browser's push subscription (JSON): from now on
    reminders come to it too. A refusal says why, in words the page shows."""
    if not push_is_set_up():
        return JsonResponse({"error": "Push reminders are not set up for this clinic."}, status=409)
    try:
        subscription = subscription_from_json(request.body)
    except SubscriptionRefused as refused:
        return JsonResponse({"error": str(refused)}, status=400)
    device = push_device_save(
        patient=patient,
        subscription=subscription,
        device=device_label(request.headers.get("User-Agent", "")),
    )
    messages.success(request, f"Reminders will come to this device ({device.device}).")
    return JsonResponse({"device": device.pk, "label": device.device}, status=201)


@require_POST
@patient_required(clinic=False)
def push_device_remove(request: HttpRequest, patient: Patient, device_id: int) -> HttpResponse:
    device = push_device_get_for_patient(patient=patient, pk=device_id)
    push_device_delete(device=device)
    messages.success(request, f"Reminders no longer come to {device.device}.")
    return redirect("settings")


@csrf_exempt  # the mail client posts without a session; the signed token is the proof
@login_not_required
@require_http_methods(["GET", "POST"])
def reminders_off(request: HttpRequest, token: str) -> HttpResponse:
    """The signed link in every reminder: one click (and the mail client's RFC 8058 one-click
    POST) turns reminders off, without logging in. A GET only asks, so that a link scanner
    opening the email changes nothing."""
    try:
        patient = patient_from_unsubscribe_token(token)
    except LinkRefused as refused:
        status = 404 if refused.reason == "invalid" else 410
        context = {refused.reason: True, "link_days": settings.UNSUBSCRIBE_LINK_DAYS}
        return render(request, "patients/reminders_off.html", context, status=status)
    if request.method == "POST":
        patient_settings_update(patient=patient, reminders_enabled=False)
        return render(request, "patients/reminders_off.html", {"done": True})
    return render(request, "patients/reminders_off.html", {"token": token})
