"""A patient's pages kept between requests (exercises.fragments): Today's content and each
exercise card on it, and the history's content.

A page is kept under the patient's row (with their page stamp, which every change to their
prescriptions, exercises, check-offs, screen requests and pain reports replaces:
patients/page_stamps.py), their day and the library's version, so that a page with nothing
changed costs one read of the patient's row. A page of a patient whose programme is paused (rare,
and written with the clinic's contact and wording) is written each time.

A card is kept under everything it is written from: the prescribed exercise's row (dose, note)
and what says whether its own pictures and videos changed, the exercise's row, the sessions a
day, today's check-offs of it (with their ratings) and the library's version (how to do it, its
provenance and disagreements, a clinic exercise's pictures and videos). A check-off, an edited dose
or a changed library each make a new key, so nothing is invalidated by hand and no card outlives
what it shows. A card with an error message is written each time.

Only the CSRF token differs from one patient's request to the next: cards are written with a
placeholder that each response replaces with its own token.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from django.db import models
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.safestring import SafeString, mark_safe

from exercises.fragments import exercise_bodies, fragments, library_version, rendering_version
from patients.forms import CheckOffRatingForm
from patients.media import media_for_items
from patients.models import Patient
from patients.outcomes import psfs_is_due
from patients.safety import today_safety
from patients.screens import open_screen_requests
from patients.selectors import TodayCard, today_cards

TEMPLATE = "patients/_today_card.html"
TODAY_TEMPLATE = "patients/_today_content.html"
# Defence in depth: were a change ever made without replacing the page stamp, a page would
# follow it after this long.
PAGE_SECONDS = 10 * 60


@functools.cache
def csrf_placeholder() -> str:
    # Secret, so no text a therapist writes into a card can be taken for it.
    return "csrf-" + salted_hmac("patients.kept", "csrf placeholder").hexdigest()[:32]


def row_values(instance: models.Model) -> tuple[Any, ...]:
    """The row's values as read (a field left out of the query is left out here too)."""
    loaded = instance.__dict__
    return tuple(
        loaded[field.attname] for field in instance._meta.concrete_fields if field.attname in loaded
    )


def card_parts(card: TodayCard) -> tuple[Any, ...]:
    """Everything a card is written from, besides the library."""
    return (
        row_values(card.item),
        card.item.exercise.name,  # the rest of the exercise is the library's, under its version
        card.sessions,
        tuple(row_values(check_off) for check_off in card.check_offs),
        # Its own pictures and videos are in its row (media_version); the exercise's are the
        # library's, under its version.
    )


def _write(cards: Sequence[TodayCard], version: str, csrf_token: str, error: str = "") -> list[str]:
    bodies = exercise_bodies([(card.item.exercise, card.item.dosage()) for card in cards], version)
    media = media_for_items([card.item for card in cards])
    rating_form = CheckOffRatingForm()
    return [
        render_to_string(
            TEMPLATE,
            {
                "card": card,
                "body": body,
                "media": media[card.item.pk],
                "error": error,
                "rating_form": rating_form,
                "csrf_token": csrf_token,
            },
        )
        for card, body in zip(cards, bodies, strict=True)
    ]


def cards_html(
    cards: Sequence[TodayCard], *, csrf_token: str, version: str | None = None
) -> list[SafeString]:
    """Each card's HTML with this request's CSRF token, read from the cache where it is kept.
    `version`: the library's, if the caller has read it already."""
    if not cards:
        return []
    version = version or library_version()
    placeholder = csrf_placeholder()
    kept = fragments(
        "today-card",
        [card_parts(card) for card in cards],
        lambda positions: _write([cards[p] for p in positions], version, placeholder),
        version,
    )
    return [mark_safe(html.replace(placeholder, csrf_token)) for html in kept]  # noqa: S308


def card_html(
    card: TodayCard, *, csrf_token: str, error: str = "", version: str | None = None
) -> SafeString:
    """One card (after a check-off, an undo or a rating), with `error` if there is one."""
    if error:
        html = _write([card], version or library_version(), csrf_token, error)[0]
        return mark_safe(html)  # noqa: S308 (written by the template, which escapes)
    return cards_html([card], csrf_token=csrf_token, version=version)[0]


def patient_page(
    kind: str, patient: Patient, now: datetime, write: Callable[[str], str], *more: Any
) -> SafeString:
    """A page's content for the patient, kept under their row (with their page stamp), their day,
    the library's version and `more`. `write(version)` writes it from the database when it is not
    kept; a CSRF token in it is the placeholder (csrf_placeholder), which the caller fills in."""
    version = getattr(patient, "library_version", None) or library_version()
    if patient.programme_held:
        # Rare, and written with the clinic's contact and its own wording, which the key does
        # not hold: written each time.
        return mark_safe(write(version))  # noqa: S308 (written by templates, which escape)
    parts = (row_values(patient), patient.local_today(now), *more)
    return fragments(kind, [parts], lambda _: [write(version)], version, seconds=PAGE_SECONDS)[0]


def today_html(patient: Patient, *, csrf_token: str, now: datetime | None = None) -> SafeString:
    """Today's content for the patient, with this request's CSRF token."""
    now = now or timezone.now()
    placeholder = csrf_placeholder()

    def write(version: str) -> str:
        day, cards = today_cards(patient, now)
        screen_requests = open_screen_requests(patient)
        safety = None
        if patient.programme_held:
            # Paused until the therapist has reviewed the report: nothing to tick off, no test;
            # how to reach the clinic instead.
            cards, screen_requests, safety = [], [], today_safety(patient)
        # Each programme's note for the patient ("Stop if pain goes down your leg"), once, in
        # the order of its cards: the programmes due today.
        notes = list(dict.fromkeys(c.prescription.notes for c in cards if c.prescription.notes))
        context = {
            "day": day,
            # Whatever changes Today's content or the pages it links to changes this: the phone
            # then keeps those pages anew (static/portal/offline.js).
            "offline_stamp": ".".join(
                str(part)
                for part in (
                    patient.page_stamp,
                    patient.programme_held_at and patient.programme_held_at.timestamp(),
                    day.isoformat(),
                    version,
                    rendering_version(),
                )
            ),
            "cards": cards,
            "notes": notes,
            "card_html": cards_html(cards, csrf_token=placeholder, version=version),
            "done": sum(card.done for card in cards),
            "safety": safety,
            "screen_requests": screen_requests,
            # The functional scale, when due (a PSFS answered replaces the page stamp).
            "psfs_due": safety is None and psfs_is_due(patient, now),
        }
        return render_to_string(TODAY_TEMPLATE, context)

    html = patient_page("today", patient, now, write)
    return mark_safe(html.replace(placeholder, csrf_token))  # noqa: S308 (written by templates)


def form_html(form: Any, *parts: Any) -> SafeString:
    """An unbound form as crispy-forms writes it (its helper's layout, no <form> tag and so no
    CSRF token), kept under the form's class and `parts`, everything its fields show (the
    instance's row, the choices): crispy's templates take most of a form page's time."""
    from crispy_forms.utils import render_crispy_form

    assert not form.is_bound, "a form with the patient's input is written each time"
    kind = f"form:{type(form).__module__}.{type(form).__qualname__}"
    return fragments(kind, [parts], lambda _: [render_crispy_form(form)], "forms")[0]
