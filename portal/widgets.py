"""Form widgets the portal's forms share."""

from __future__ import annotations

import functools
from typing import Any

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

# The regions of the IANA names, in the order a person scans them, with the words they use.
ZONE_REGIONS = {
    "Europe": "Europe",
    "America": "Americas",
    "Africa": "Africa",
    "Asia": "Asia",
    "Australia": "Australia",
    "Pacific": "Pacific Ocean",
    "Atlantic": "Atlantic Ocean",
    "Indian": "Indian Ocean",
    "Antarctica": "Antarctica",
    "Arctic": "Arctic",
}
OTHER_ZONES = "Other names (UTC, Etc/…, older names)"


def zone_label(name: str) -> str:
    """ "America/Argentina/Buenos_Aires" → "Buenos Aires, Argentina"; "UTC" stays "UTC". The
    combobox (zone-picker.js) adds the offset now: "Buenos Aires, Argentina (GMT−3)"."""
    region, _, rest = name.partition("/")
    if region not in ZONE_REGIONS or not rest:
        return name
    *areas, city = rest.split("/")
    return ", ".join(part.replace("_", " ") for part in [city, *reversed(areas)])


@functools.lru_cache(maxsize=8)
def zone_options_html(choices: tuple[tuple[str, str], ...]) -> str:
    """The options of a time-zone select, grouped by region, written once per process for each
    set of choices (the installed zones): a page then only marks the chosen one."""
    groups: dict[str, list[tuple[str, str]]] = {label: [] for label in ZONE_REGIONS.values()}
    groups[OTHER_ZONES] = []
    blank = ""
    for value, label in choices:
        if not value:
            blank = format_html('<option value="">{}</option>', label)
            continue
        region = value.partition("/")[0]
        group = ZONE_REGIONS.get(region, OTHER_ZONES) if "/" in value else OTHER_ZONES
        groups[group].append((zone_label(value), value))
    parts = [blank]
    for group, options in groups.items():
        if not options:
            continue
        html = format_html_join(
            "",
            '<option value="{}">{}</option>',
            ((value, label) for label, value in sorted(options)),
        )
        parts.append(format_html('<optgroup label="{}">{}</optgroup>', group, html))
    return "".join(parts)


class TimeZoneSelect(forms.Select):
    """The time zone: a list grouped by region, each zone by its city ("Europe: London"), the
    options written once per process; static/portal/zone-picker.js makes it a combobox (type a
    city, choose from a short list of matches with their offsets now). With
    `suggest_browser_zone` (a new patient or clinic in the admin) the script fills in the
    browser's own zone; otherwise it offers it first, beside the saved one. Without JavaScript,
    the list is all there is, and it works."""

    class Media:
        css = {"all": ("portal/zone-picker.css",)}
        js = ("portal/zone-picker.js",)

    def __init__(self, attrs: dict[str, Any] | None = None, choices: Any = ()) -> None:
        super().__init__(attrs, choices)
        self.suggest_browser_zone = False

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        options = zone_options_html(tuple((str(v), str(label)) for v, label in self.choices))
        if value:
            chosen = format_html('<option value="{}">', value)
            options = options.replace(chosen, chosen[:-1] + " selected>", 1)
        final_attrs = self.build_attrs(self.attrs, attrs)
        final_attrs["name"] = name
        final_attrs["data-zone-picker"] = "fill" if self.suggest_browser_zone else "offer"
        return format_html(
            "<select{}>{}</select>",
            flatatt(final_attrs),
            mark_safe(options),  # noqa: S308 (written by format_html above)
        )
