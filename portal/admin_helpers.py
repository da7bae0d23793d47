"""What every admin form of the portal shares: autocompletes safe for any posted value, and
inline tables with a bound on their rows and a name for each of their inputs.

Django's AutocompleteSelect looks the posted ids up again to redisplay a refused form; an id that
is no number ("abc", "²") or out of the column's range makes that lookup raise, and the therapist
gets a server error instead of "Select a valid choice". Here such values are left out of the
redisplay; the form field itself still refuses them with its message.
"""

from __future__ import annotations

from typing import Any

from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import ValidationError
from django.db import connection, models
from django.forms.models import BaseInlineFormSet
from django.forms.utils import pretty_name
from django.utils.text import capfirst


def readable_ids(field: models.Field, values: Any) -> list[str]:
    readable = []
    for value in values:
        try:
            python = field.to_python(value)
        except (ValidationError, TypeError, ValueError):
            continue
        if isinstance(field, models.IntegerField) and python is not None:
            low, high = connection.ops.integer_field_range(field.get_internal_type())
            if (low is not None and python < low) or (high is not None and python > high):
                continue
        readable.append(str(value))
    return readable


class ReadableAutocompleteSelect(AutocompleteSelect):
    def optgroups(self, name: str, value: Any, attr: Any = None) -> Any:
        target = self.field.remote_field.get_related_field()
        return super().optgroups(name, readable_ids(target, value), attr)


class ReadableAutocompleteMixin:
    """For ModelAdmins and inlines: every autocomplete field uses the safe widget."""

    def formfield_for_foreignkey(self, db_field: Any, request: Any, **kwargs: Any) -> Any:
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):  # type: ignore[attr-defined]
            kwargs["widget"] = ReadableAutocompleteSelect(
                db_field,
                self.admin_site,
                using=kwargs.get("using"),  # type: ignore[attr-defined]
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]


class BoundedInlineMixin:
    """An inline table takes at most `max_num` rows, however many the form claims to send
    (Django otherwise builds up to max_num + 1000 forms for a crafted TOTAL_FORMS)."""

    max_num = 40

    def get_formset(self, request: Any, obj: Any = None, **kwargs: Any) -> Any:
        kwargs.setdefault("absolute_max", self.max_num)
        kwargs.setdefault("validate_max", True)
        return super().get_formset(request, obj, **kwargs)  # type: ignore[misc]


class LabelledRowsFormSet(BaseInlineFormSet):
    """A table of rows (a tabular inline) whose every input says which column and which row it
    is ("Hold (seconds): Glute bridge"): the column's heading is not the input's label, so a
    screen reader would otherwise read a row of unnamed boxes. `row_name` names a saved row."""

    def row_name(self, obj: models.Model) -> str:
        return str(obj)

    def add_fields(self, form: Any, index: int | None) -> None:
        super().add_fields(form, index)  # the row's "Delete?" box is added here too
        if form.instance.pk:
            row = self.row_name(form.instance)
        else:
            row = f"new row {index + 1}" if index is not None else "new row"
        for name, field in form.fields.items():
            if field.widget.is_hidden:
                continue
            column = capfirst(field.label) if field.label else pretty_name(name)
            # The widget that renders the input: the admin wraps a related field's (with its
            # add and change links), and the wrapper's own attrs are shared between forms.
            widget = getattr(field.widget, "widget", field.widget)
            widget.attrs = {**widget.attrs, "aria-label": f"{column}: {row}"}
