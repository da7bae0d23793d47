"""Screens: the balance and coordination tests the documents describe, with their pass marks.

A therapist asks a patient to do one; the patient records each trial (held for N seconds, or
could not; yes or no); the therapist reads the results over time. A screen is never scheduled
as a daily exercise (see ProgramItem.clean and the library format's rules).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from exercises.models import Exercise
from patients.models import Patient, ScreenRequest, ScreenResult, Therapist
from patients.signals import patient_data_changed
from patients.triage import screen_worse_alert_raise

MAX_SECONDS = 600


class ScreenRefused(Exception):
    """A request or a result the portal cannot take; the message says why."""


@transaction.atomic
def screen_request_create(
    *, patient: Patient, screen: Exercise, requested_by: Therapist | None
) -> ScreenRequest:
    """Ask the patient to do a screen; asking again while one is open returns the open one."""
    request = ScreenRequest(patient=patient, screen=screen, requested_by=requested_by)
    request.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            request.save()
    except IntegrityError:
        return ScreenRequest.objects.get(
            patient=patient, screen=screen, status=ScreenRequest.Status.OPEN
        )
    return request


def trial_result(trial: dict[str, Any], value: dict[str, Any]) -> dict[str, Any]:
    """One recorded trial, with whether it reached the document's mark (None: no mark)."""
    result: dict[str, Any] = {"label": trial["label"], "measure": trial["measure"]}
    if trial["measure"] == "seconds":
        could_not = bool(value.get("could_not"))
        seconds = None if could_not else value.get("seconds")
        target = trial.get("target_seconds")
        result.update(seconds=seconds, could_not=could_not, target_seconds=target)
        result["passed"] = (
            False if could_not else (None if target is None else bool(seconds >= target))
        )
    else:
        answer = value.get("answer")
        result.update(question=trial.get("question", ""), answer=answer)
        result["passed"] = answer == "yes"
    return result


@transaction.atomic
def screen_result_record(
    *,
    patient: Patient,
    request: ScreenRequest,
    values: list[dict[str, Any]],
    now: datetime | None = None,
) -> ScreenResult:
    """Keep the patient's result and close the request. Once only: a second submission of the
    same request (a double tap, a retried form) is refused."""
    now = now or timezone.now()
    locked = ScreenRequest.objects.select_for_update().get(pk=request.pk, patient=patient)
    if locked.status != ScreenRequest.Status.OPEN:
        raise ScreenRefused("This screen's result is already recorded. Thank you.")
    trials = locked.screen.trials
    if len(values) != len(trials):
        raise ScreenRefused("Record every part of the screen.")
    result = ScreenResult.objects.create(
        patient=patient,
        screen=locked.screen,
        request=locked,
        recorded_at=now,
        local_date=patient.local_today(now),
        trials=[trial_result(t, v) for t, v in zip(trials, values, strict=True)],
    )
    locked.status = ScreenRequest.Status.DONE
    locked.save(update_fields=["status"])
    screen_worse_alert_raise(result=result)
    return result


def open_screen_requests(patient: Patient) -> list[ScreenRequest]:
    return list(
        ScreenRequest.objects.filter(patient=patient, status=ScreenRequest.Status.OPEN)
        .select_related("screen")
        .order_by("requested_at")
    )


def screen_request_get_for_patient(*, patient: Patient, pk: object) -> ScreenRequest:
    return get_object_or_404(
        ScreenRequest.objects.select_related("screen").prefetch_related(
            "screen__lines__source", "screen__citations__source"
        ),
        pk=pk,
        patient=patient,
    )


def screen_results_of(patient: Patient) -> QuerySet[ScreenResult]:
    return ScreenResult.objects.filter(patient=patient).select_related("screen")


class ScreenResultForm(forms.Form):
    """One field (or two) per trial of the screen, built from its definition in the library."""

    def __init__(self, *args: Any, screen: Exercise, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.trials = screen.trials
        for index, trial in enumerate(self.trials):
            if trial["measure"] == "seconds":
                self.fields[f"seconds_{index}"] = forms.IntegerField(
                    label=f"{trial['label']}: seconds held",
                    min_value=0,
                    max_value=MAX_SECONDS,
                    required=False,
                    widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
                    error_messages={
                        "invalid": "Give the seconds as a whole number.",
                        "min_value": "The seconds cannot be below 0.",
                        "max_value": f"At most {MAX_SECONDS} seconds.",
                    },
                )
                self.fields[f"could_not_{index}"] = forms.BooleanField(
                    label=f"{trial['label']}: I could not do it", required=False
                )
            else:
                self.fields[f"answer_{index}"] = forms.ChoiceField(
                    label=f"{trial['label']}: {trial.get('question', '')}",
                    choices=[("yes", "Yes"), ("no", "No")],
                    widget=forms.RadioSelect,
                    error_messages={"required": "Answer yes or no."},
                )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        for index, trial in enumerate(self.trials):
            if trial["measure"] != "seconds":
                continue
            seconds = cleaned.get(f"seconds_{index}")
            could_not = cleaned.get(f"could_not_{index}")
            if f"seconds_{index}" in self.errors:
                continue
            if seconds is None and not could_not:
                self.add_error(
                    f"seconds_{index}",
                    "Give the seconds you held it, or tick that you could not do it.",
                )
            elif seconds is not None and could_not:
                self.add_error(
                    f"could_not_{index}",
                    "Either give the seconds or tick that you could not do it, not both.",
                )
        return cleaned

    def values(self) -> list[dict[str, Any]]:
        values = []
        for index, trial in enumerate(self.trials):
            if trial["measure"] == "seconds":
                values.append(
                    {
                        "seconds": self.cleaned_data.get(f"seconds_{index}"),
                        "could_not": bool(self.cleaned_data.get(f"could_not_{index}")),
                    }
                )
            else:
                values.append({"answer": self.cleaned_data.get(f"answer_{index}")})
        return values


def screen_requests_cancel(*, screen_requests: QuerySet[ScreenRequest]) -> int:
    """Cancel the open ones among `screen_requests`; each one cancelled is announced (the audit
    trail keeps it), so one conditional UPDATE each."""
    cancelled = 0
    for screen_request in screen_requests.filter(status=ScreenRequest.Status.OPEN):
        if ScreenRequest.objects.filter(
            pk=screen_request.pk, status=ScreenRequest.Status.OPEN
        ).update(status=ScreenRequest.Status.CANCELLED):
            cancelled += 1
            screen_request.status = ScreenRequest.Status.CANCELLED
            patient_data_changed.send(
                sender=ScreenRequest,
                instance=screen_request,
                changes={"status": [ScreenRequest.Status.OPEN, ScreenRequest.Status.CANCELLED]},
            )
    return cancelled
