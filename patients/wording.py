"""How the admin says a date, a time and a pain report's symptoms: one way on every page.

Dates and times follow the clinic's locale (PORTAL_LANGUAGE_CODE, Django's localisation; the
portal's own formats in portal/formats/ put en-gb's day first and en-us's month first, numbers
only), never a format written by hand in a view or a template."""

from __future__ import annotations

from datetime import date, datetime, tzinfo

from django.utils import timezone
from django.utils.formats import date_format

from patients.models import PainReport


def short_date(day: date | None) -> str:
    """06/12/2026 in en-gb, 12/06/2026 in en-us; templates say |date:"SHORT_DATE_FORMAT"."""
    return "" if day is None else date_format(day, "SHORT_DATE_FORMAT")


def short_datetime(moment: datetime | None, zone: tzinfo | None = None) -> str:
    """A moment in the given zone (the patient's), or the clinic's (TIME_ZONE)."""
    if moment is None:
        return ""
    local = moment.astimezone(zone) if zone is not None else timezone.localtime(moment)
    return date_format(local, "SHORT_DATETIME_FORMAT")


def symptom_list(report: PainReport, *, urgent_signs: bool = False) -> list[str]:
    """What the patient ticked, as they read it ("Radiating into the thigh or knee", "Spasm"),
    not the stored keys; with the urgent warning signs too, as the clinic's safety wording names
    them, where asked."""
    from patients.safety import STANDARD_TEXTS

    labels = dict(PainReport.Quality.choices)
    words = [labels.get(quality, quality) for quality in report.qualities]
    if report.severe_spasm and PainReport.Quality.SPASM not in report.qualities:
        words.append("Severe spasm")
    if urgent_signs:
        words += [
            STANDARD_TEXTS[key].label if key in STANDARD_TEXTS else key
            for key in report.urgent_signs
        ]
    return words


def symptoms_in_words(report: PainReport) -> str:
    """The symptoms in one line ("Radiating into the thigh or knee; Spasm"); empty when none."""
    return "; ".join(symptom_list(report))
