"""`{% illustration exercise %}`: the picture of a shipped exercise or screen
(exercises/illustrations/), or nothing for a clinic's own exercise."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString, mark_safe

from exercises.illustrations import figure_html, illustration_for

register = template.Library()


@register.simple_tag
def illustration(exercise: Any, compact: bool = False) -> SafeString:
    """`compact`: without the caption under it (Today's cards)."""
    found = illustration_for(exercise)
    return figure_html(found.slug, bool(compact)) if found else mark_safe("")


@register.filter
def has_illustration(exercise: Any) -> bool:
    """Whether the exercise has a picture: its page loads the illustrations' stylesheet only
    then."""
    return illustration_for(exercise) is not None
