"""How a sentence of the library reaches a patient: with its dose filled in and its provenance.

The lines, provenance labels, disagreements and quotes are written here in Python, in one pass,
rather than through one template include per sentence: Today with 20 exercises included
`_lines.html` and `_provenance.html` ~300 times a page, which took most of its time. The markup is
the one those templates wrote (tests/site/test_content_provenance.py reads it); every value goes
through `_e`, which escapes it as the templates' autoescaping did.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import Any

from django import template
from django.utils.dateformat import format as date_format
from django.utils.safestring import SafeString, mark_safe

from exercises.fragments import dosage_key, exercise_bodies, library_version
from exercises.models import Citation, Disagreement, Line
from exercises.wording import render_line

register = template.Library()


def _e(value: object) -> str:
    """Escaped as `{{ value }}` would be (a safe string is left as it is)."""
    if hasattr(value, "__html__"):
        return str(value.__html__())
    return html.escape(str(value), quote=True)


@register.filter
def with_dose(line: Line, dosage: Mapping[str, object] | None) -> str:
    """The line's text with the dose the patient is prescribed (or the library's own dose)."""
    return render_line(line.text, dosage or {})


@register.simple_tag
def provenance_label(line: Line) -> SafeString:
    """The label beside a sentence: where it comes from."""
    if line.provenance == "document":
        title = line.source.title if line.source else ""
        return mark_safe(  # noqa: S308 (every value escaped)
            '<small class="provenance provenance-document">From the documents: '
            f"<cite>{_e(title)}</cite></small>"
        )
    if line.provenance == "standard":
        basis = f"; follows {_e(line.basis)}" if line.basis else ""
        return mark_safe(  # noqa: S308 (every value escaped)
            '<small class="provenance provenance-standard">Standard instruction, not from the '
            f"source documents{basis}</small>"
        )
    written_on = date_format(line.written_on, "j F Y") if line.written_on else ""
    return mark_safe(  # noqa: S308 (every value escaped)
        '<small class="provenance provenance-clinic">Your clinic&#x27;s instructions · '
        f"{_e(line.author)}, {_e(written_on)}</small>"
    )


@register.simple_tag
def content_lines(
    lines: Iterable[Line], dosage: Mapping[str, object] | None, tag: str = "ul"
) -> SafeString:
    """`lines` with `dosage` filled in, each with its provenance; `tag` is ol or ul."""
    tag = "ol" if tag == "ol" else "ul"
    items = "".join(
        f'<li data-provenance="{_e(line.provenance)}"'
        + (f' data-source="{_e(line.source_id)}"' if line.source_id else "")
        + f'><span class="line-text">{_e(with_dose(line, dosage))}</span> '
        + f"{provenance_label(line)}</li>"
        for line in lines
    )
    return mark_safe(f'<{tag} class="content-lines mb-1">{items}</{tag}>')  # noqa: S308


@register.simple_tag
def citations_list(citations: Iterable[Citation]) -> SafeString:
    """Quotes, each with its document."""
    items = "".join(
        '<li class="mb-3"><blockquote class="blockquote fs-6 border-start border-3 ps-3 mb-1">'
        f'<p class="mb-0">“{_e(citation.quote)}”</p></blockquote>'
        '<div class="small text-body-secondary ps-3 citation-source">'
        f"— <cite>{_e(citation.source.title)}</cite>"
        + (f", {_e(citation.source.author)}" if citation.source.author else "")
        + f' <span class="visually-hidden">(document {_e(citation.source.id)})</span></div></li>'
        for citation in citations
    )
    return mark_safe(f'<ul class="list-unstyled mb-0">{items}</ul>')  # noqa: S308


def _memo(context: Any, key: tuple[object, ...], build: Callable[[], Any]) -> Any:
    """A fragment written once a page: the same disagreement (or the same exercise at the same
    dose) shown on several cards of one page is rendered once. Kept on the page's context, so
    nothing outlives the request."""
    memo = getattr(context, "_library_fragments", None)
    if memo is None:
        memo = context._library_fragments = {}
    if key not in memo:
        memo[key] = build()
    return memo[key]


def _disagreement(disagreement: Disagreement) -> SafeString:
    slug = _e(disagreement.slug)
    positions = "".join(
        f'<div class="disagreement-position mt-2"><h4 class="h6 mb-1">{_e(position.label)}</h4>'
        f"{citations_list(position.citations.all())}</div>"
        for position in disagreement.positions.all()
    )
    return mark_safe(  # noqa: S308 (every value escaped)
        '<section class="disagreement border border-2 rounded p-3 mb-3 bg-body" '
        f'id="disagreement-{slug}" aria-labelledby="disagreement-{slug}-topic">'
        f'<h3 class="h6 mb-1" id="disagreement-{slug}-topic">The documents disagree: '
        f"{_e(disagreement.topic)}</h3>"
        '<p class="small mb-2" data-provenance="standard">Each position is shown with its own '
        "words; neither is settled. Your therapist will tell you which applies to you. "
        '<small class="provenance provenance-standard">Standard instruction, not from the source '
        "documents</small></p>"
        "<details><summary>Read each position in the documents&#x27; own words</summary>"
        f"{positions}</details></section>"
    )


@register.simple_tag(takes_context=True)
def disagreements_one(context: Any, disagreement: Disagreement) -> SafeString:
    """A question on which the documents disagree: every position, with its own quotes."""
    return _memo(context, ("disagreement", disagreement.pk), lambda: _disagreement(disagreement))


def exercise_body_html(
    exercise: Any,
    dosage: Mapping[str, object] | None,
    *,
    memo: dict[Hashable, SafeString],
) -> SafeString:
    """How to do an exercise: steps, cues and cautions, each sentence with its provenance and
    `dosage` filled in; then every disagreement it takes part in (each written once in `memo`).
    Read through exercises.fragments.exercise_bodies, which keeps what this writes."""
    cues, cautions = exercise.cues(), exercise.cautions()
    parts = [
        '<h3 class="h6 mt-2">How to do it</h3>',
        content_lines(exercise.steps(), dosage, "ol"),
    ]
    if cues:
        parts += ['<h3 class="h6 mt-2">Keep in mind</h3>', content_lines(cues, dosage)]
    if cautions:
        parts.append(
            '<div class="alert alert-warning py-2 mb-2"><h3 class="h6">Take care</h3>'
            f"{content_lines(cautions, dosage)}</div>"
        )
    for disagreement in exercise.disagreements.all():
        key = ("disagreement", disagreement.pk)
        if key not in memo:
            memo[key] = _disagreement(disagreement)
        parts.append(memo[key])
    return mark_safe("".join(parts))  # noqa: S308 (each part built above)


@register.simple_tag(takes_context=True)
def exercise_body(
    context: Any, exercise: Any, dosage: Mapping[str, object] | None = None
) -> SafeString:
    """How to do an exercise at a dose (exercise_body_html), kept between requests. A page that
    shows many reads them at once with exercises.fragments.exercise_bodies instead."""
    version = _memo(context, ("library-version",), library_version)
    key = ("exercise", exercise.pk, dosage_key(dosage))
    return _memo(context, key, lambda: exercise_bodies([(exercise, dosage)], version)[0])
