from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import time
from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row
from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.admin.widgets import AdminDateWidget, AdminTimeWidget
from django.contrib.auth.forms import AuthenticationForm, BaseUserCreationForm
from django.contrib.auth.forms import PasswordResetForm as DjangoPasswordResetForm
from django.contrib.auth.forms import UserChangeForm as DjangoUserChangeForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from exercises.models import ProgramTemplate
from patients.models import (
    EVERY_DAY,
    WEEKDAYS,
    CheckOff,
    PainReport,
    Patient,
    Prescription,
    Therapist,
    User,
    days_from_mask,
    mask_from_days,
    normalise_email,
)
from patients.outcomes import MAX_ACTIVITIES, psfs_clean_entries
from patients.safety import NONE_OF_THESE, STANDARD_TEXTS, URGENT_SIGN_KEYS
from patients.services import patient_invite, therapist_invite
from portal.widgets import TimeZoneSelect

DAY_CHOICES = [(str(number), name) for number, name in enumerate(WEEKDAYS)]


MAX_EMAIL_LENGTH = 254


class FoldedEmailMixin:
    """The admin's user forms store the one spelling of an address and refuse a twin in any
    spelling (the model's unique check alone compares spellings as typed)."""

    def clean_email(self) -> str:
        email = normalise_email(self.cleaned_data["email"])  # type: ignore[attr-defined]
        twins = User.objects.filter(email=email).exclude(pk=self.instance.pk)  # type: ignore[attr-defined]
        if twins.exists():
            raise ValidationError("Someone already uses this email address.")
        return email


class UserCreationForm(FoldedEmailMixin, BaseUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "first_name", "last_name")


class UserChangeForm(FoldedEmailMixin, DjangoUserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


class LoginForm(AuthenticationForm):
    """The site's and the admin's login: the address is folded before it is checked, so the
    lockout (which reads the same folded value) counts one person once."""

    def clean_username(self) -> str:
        folded = normalise_email(self.cleaned_data.get("username") or "")
        # No address is longer (RFC 5321); Django sets the field's limit too late for it to be
        # checked, and folding can lengthen what was typed.
        if len(folded) > MAX_EMAIL_LENGTH:
            raise ValidationError(
                self.error_messages["invalid_login"],
                code="invalid_login",
                params={"username": self.username_field.verbose_name},
            )
        return folded


class AdminLoginForm(LoginForm, AdminAuthenticationForm):
    pass


class PasswordResetForm(DjangoPasswordResetForm):
    def clean_email(self) -> str:
        return normalise_email(self.cleaned_data["email"])


def lockout_username(request: HttpRequest, credentials: dict[str, Any] | None) -> str:
    """django-axes' key for an attempt (AXES_USERNAME_CALLABLE): the folded address, however it
    was typed, so that "PAT@x.test" and " pat@x.test" share pat@x.test's failures and lock."""
    typed = (credentials or {}).get("username") or request.POST.get("username", "")
    # The lockout's table holds 255 characters; the form refuses anything longer anyway.
    return normalise_email(str(typed))[:MAX_EMAIL_LENGTH]


class DaysField(forms.TypedMultipleChoiceField):
    """The days of the week as checkboxes, stored as a bit mask (Monday = bit 0)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("choices", DAY_CHOICES)
        kwargs.setdefault("coerce", int)
        kwargs.setdefault("widget", forms.CheckboxSelectMultiple)
        kwargs.setdefault("error_messages", {"required": "Choose at least one day."})
        super().__init__(**kwargs)


def _email_is_free(email: str) -> str:
    email = normalise_email(email)
    if User.objects.filter(email=email).exists():
        raise ValidationError("Someone already uses this email address.")
    return email


class InviteFieldsMixin(forms.Form):
    email = forms.EmailField(help_text="The invitation to choose a password goes here.")
    first_name = forms.CharField(max_length=150)
    last_name = forms.CharField(max_length=150)

    def clean_email(self) -> str:
        return _email_is_free(self.cleaned_data["email"])


class TherapistInviteForm(InviteFieldsMixin, forms.ModelForm):
    class Meta:
        model = Therapist
        fields = ["clinic", "role"]

    def save(self, commit: bool = True) -> Therapist:
        return therapist_invite(
            clinic=self.cleaned_data["clinic"],
            email=self.cleaned_data["email"],
            first_name=self.cleaned_data["first_name"],
            last_name=self.cleaned_data["last_name"],
            role=self.cleaned_data["role"],
        )

    def save_m2m(self) -> None:
        pass


PATIENT_SETTINGS_FIELDS = [
    "time_zone",
    "pain_baseline",
    "reminders_enabled",
    "preferred_reminder_time",
    "quiet_hours_start",
    "quiet_hours_end",
]


class PatientInviteForm(InviteFieldsMixin, forms.ModelForm):
    class Meta:
        model = Patient
        fields = ["clinic", "primary_therapist", *PATIENT_SETTINGS_FIELDS]

    def save(self, commit: bool = True) -> Patient:
        return patient_invite(
            clinic=self.cleaned_data["clinic"],
            primary_therapist=self.cleaned_data["primary_therapist"],
            email=self.cleaned_data["email"],
            first_name=self.cleaned_data["first_name"],
            last_name=self.cleaned_data["last_name"],
            **{name: self.cleaned_data[name] for name in PATIENT_SETTINGS_FIELDS},
        )

    def save_m2m(self) -> None:
        pass


class PrescriptionAdminForm(forms.ModelForm):
    days = DaysField(label="Days")

    class Meta:
        model = Prescription
        fields = [
            "patient",
            "therapist",
            "title",
            "template",
            "status",
            "start_date",
            "end_date",
            "sessions_per_day",
            "reminder_time",
            "notes",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        mask = self.instance.days_mask if self.instance.pk else EVERY_DAY
        self.fields["days"].initial = [str(day) for day in days_from_mask(mask)]

    def _post_clean(self) -> None:
        if "days" in self.cleaned_data:
            self.instance.days_mask = mask_from_days(self.cleaned_data["days"])
        super()._post_clean()


class AssignProgrammeForm(forms.Form):
    """Assign a programme template to one patient or several."""

    template = forms.ModelChoiceField(queryset=ProgramTemplate.objects.none(), label="Programme")
    title = forms.CharField(
        max_length=200, required=False, help_text="Empty: the programme's name."
    )
    # The admin's own date and time boxes, as on the prescription's page: the clinic's format
    # (06/12/2026 in en-gb), not the browser's (a native date box writes the browser's locale).
    start_date = forms.DateField(widget=AdminDateWidget())
    end_date = forms.DateField(
        required=False, widget=AdminDateWidget(), help_text="Empty: until you finish it."
    )
    days = DaysField(initial=[str(day) for day in range(7)])
    sessions_per_day = forms.IntegerField(min_value=1, max_value=6, initial=1)
    reminder_time = forms.TimeField(
        initial=time(18, 0),
        widget=AdminTimeWidget(format="%H:%M"),
        help_text="The patient's local time.",
    )
    notes = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, label="Notes for the patient"
    )

    def __init__(self, *args: Any, templates: Any, **kwargs: Any) -> None:
        """`templates`: the ones the therapist may see (the shipped library and their clinic's
        own); a posted id of any other is "not a valid choice"."""
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = templates.order_by("name")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", "The end date must be on or after the start date.")
        return cleaned

    @property
    def days_mask(self) -> int:
        return mask_from_days(self.cleaned_data["days"])


# The patient site ---------------------------------------------------------------------------

NPRS_CHOICES = [(str(score), str(score)) for score in range(11)]
NPRS_MESSAGE = "Choose a whole number from 0 (no pain) to 10 (worst pain imaginable)."
NPRS_REQUIRED = "Choose your pain from 0 to 10."


URGENT_SIGNS_REQUIRED = "Tell us if you have any of these warning signs, or tick “None of these”."


class UrgentSignsField(forms.MultipleChoiceField):
    """The urgent warning signs (patients/safety.py) as checkboxes, with "None of these": an
    answer is required, and "None of these" beside a sign is refused rather than guessed at.
    Cleans to the signs ticked; empty for "None of these"."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault(
            "choices",
            [(key, STANDARD_TEXTS[key].text) for key in URGENT_SIGN_KEYS]
            + [(NONE_OF_THESE, "None of these")],
        )
        kwargs.setdefault("widget", forms.CheckboxSelectMultiple)
        kwargs.setdefault(
            "error_messages",
            {
                "required": URGENT_SIGNS_REQUIRED,
                "invalid_choice": "“%(value)s” is not one of the warning signs we ask about.",
            },
        )
        super().__init__(**kwargs)

    def clean(self, value: Any) -> list[str]:
        signs = super().clean(value)
        if NONE_OF_THESE in signs and len(signs) > 1:
            raise ValidationError(
                "You ticked “None of these” and a warning sign: untick one of them.",
                code="none_and_a_sign",
            )
        return [sign for sign in signs if sign != NONE_OF_THESE]


class SafetyCheckForm(forms.Form):
    urgent_signs = UrgentSignsField(label="Do you have any of these now?")


class PainReportForm(forms.Form):
    score = forms.TypedChoiceField(
        label="How much does your back hurt right now?",
        help_text="0 is no pain, 10 the worst pain you can imagine.",
        choices=NPRS_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": NPRS_REQUIRED, "invalid_choice": NPRS_MESSAGE},
    )
    moment = forms.ChoiceField(
        label="When?",
        choices=PainReport.Moment.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Tell us when you feel it."},
    )
    qualities = forms.MultipleChoiceField(
        label="What does it feel like?",
        choices=PainReport.Quality.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    severe_spasm = forms.BooleanField(
        label="The spasm is severe: it stops me bending or turning",
        required=False,
    )
    # Rendered by the template with each sign's provenance (patients/_guidance_urgent_question).
    urgent_signs = UrgentSignsField(label="Do you have any of these now?")
    note = forms.CharField(
        label="Anything else your therapist should know?",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        # The score is written by the page itself (patients/_pain_score.html): eleven large
        # choices, each a radio input, with its message beside them.
        self.helper.layout = Layout(
            "moment",
            "qualities",
            "severe_spasm",
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("severe_spasm") and PainReport.Quality.SPASM not in cleaned.get(
            "qualities", []
        ):
            cleaned["qualities"] = [*cleaned.get("qualities", []), PainReport.Quality.SPASM]
        return cleaned


class CheckOffRatingForm(forms.Form):
    difficulty = forms.ChoiceField(
        label="How hard was it?",
        choices=CheckOff.Difficulty.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    pain_during = forms.TypedChoiceField(
        label="Pain during it (0–10)",
        choices=[("", "—"), *NPRS_CHOICES],
        coerce=int,
        empty_value=None,
        required=False,
        error_messages={"invalid_choice": NPRS_MESSAGE},
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if not cleaned.get("difficulty") and cleaned.get("pain_during") is None and not self.errors:
            raise ValidationError("Choose how hard it was, or your pain during it.")
        return cleaned


class PatientSettingsForm(forms.ModelForm):
    class Meta:
        model = Patient
        fields = [
            "reminders_enabled",
            "preferred_reminder_time",
            "quiet_hours_start",
            "quiet_hours_end",
            "time_zone",
        ]
        labels = {
            "reminders_enabled": "Email me when my exercises are due",
            "preferred_reminder_time": "Remind me at",
            "quiet_hours_start": "No reminders from",
            "quiet_hours_end": "until",
            "time_zone": "My time zone",
        }
        help_texts = {
            "preferred_reminder_time": "Leave empty for the time your therapist set.",
            "quiet_hours_start": "For example 22:00 to 07:00: nothing arrives in between.",
            "quiet_hours_end": "",
            "time_zone": "Your day and your reminders follow it.",
        }
        widgets = {
            "time_zone": TimeZoneSelect,
            **{
                name: forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
                for name in ("preferred_reminder_time", "quiet_hours_start", "quiet_hours_end")
            },
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.include_media = False  # the page loads the time-zone script at its end
        self.helper.layout = Layout(
            "reminders_enabled",
            "preferred_reminder_time",
            Row(
                Column("quiet_hours_start", css_class="col-6"),
                Column("quiet_hours_end", css_class="col-6"),
            ),
            "time_zone",
        )


class PsfsForm(forms.Form):
    """The Patient-Specific Functional Scale: up to five activities, each scored 0–10. The rules
    are patients.outcomes' (psfs_clean_entries), shared with any other way in; here the rows are
    only collected, as typed, so that a refused form shows them again."""

    def __init__(self, *args: Any, activities: Sequence[str] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A form posted with more rows than five shows them all again, with the refusal.
        posted = [
            int(match.group(1))
            for key in (self.data or {})
            if (match := re.fullmatch(r"(?:activity|score)_(\d{1,2})", key))
        ]
        # Beyond twice five, a posted row is not the patient's typing: left out.
        self.rows = min(max([MAX_ACTIVITIES, *posted]), 2 * MAX_ACTIVITIES)
        layout = []
        for number in range(1, self.rows + 1):
            self.fields[f"activity_{number}"] = forms.CharField(
                label=f"Activity {number}",
                required=False,
                strip=False,
                initial=activities[number - 1] if number <= len(activities) else "",
                widget=forms.TextInput(attrs={"autocomplete": "off"}),
            )
            self.fields[f"score_{number}"] = forms.CharField(
                label="Score (0–10)",
                required=False,
                widget=forms.TextInput(
                    attrs={"inputmode": "numeric", "pattern": "[0-9]*", "size": 3}
                ),
            )
            layout.append(
                Row(
                    Column(f"activity_{number}", css_class="col-7"),
                    Column(f"score_{number}", css_class="col-5"),
                    css_class="psfs-row",
                )
            )
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(*layout)

    def entries(self) -> list[tuple[str, str]]:
        return [
            (self.data.get(f"activity_{n}", ""), self.data.get(f"score_{n}", ""))
            for n in range(1, self.rows + 1)
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        try:
            cleaned["ratings"] = psfs_clean_entries(self.entries())
        except ValidationError as refused:
            self.add_error(None, refused)
        return cleaned
