"""How a sentence of the library reaches a patient: with its dose filled in and its provenance."""

from __future__ import annotations

from collections.abc import Mapping

from django import template

from exercises.models import Line
from exercises.wording import render_line

register = template.Library()


@register.filter
def with_dose(line: Line, dosage: Mapping[str, object] | None) -> str:
    """The line's text with the dose the patient is prescribed (or the library's own dose)."""
    return render_line(line.text, dosage or {})
