"""Template filters for what a kept snapshot stores as text: a version's dates are ISO strings."""

from __future__ import annotations

from datetime import date

from django import template

register = template.Library()


@register.filter
def iso_date(value: str | None) -> date | None:
    """ "2026-12-06" as a date, for |date:"SHORT_DATE_FORMAT" to write in the clinic's format."""
    try:
        return date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None
