from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models

from exercises.dosage import DOSE_BOUNDS, DOSE_FIELDS, dosage_in_words

slug_validator = RegexValidator(
    r"^[a-z0-9]+(?:-[a-z0-9]+)*$", "Use lowercase letters, digits and hyphens only."
)


def lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


class Source(models.Model):
    """One of the documents the library is built from."""

    id = models.CharField(
        primary_key=True,
        max_length=100,
        validators=[RegexValidator(r"^[A-Za-z0-9_.-]+$", "Letters, digits, _ . - only.")],
        help_text="The document's file name without its extension.",
    )
    title = models.CharField(max_length=300)
    author = models.CharField(max_length=200, blank=True)
    file = models.CharField(max_length=200, help_text="The document's file name.")

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.title


class Dosage(models.Model):
    """The dose fields, empty where the documents give no number."""

    sets = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=DOSE_BOUNDS["sets"].validators()
    )
    reps = models.PositiveSmallIntegerField(
        "repetitions", null=True, blank=True, validators=DOSE_BOUNDS["reps"].validators()
    )
    hold_seconds = models.PositiveSmallIntegerField(
        "hold (seconds)",
        null=True,
        blank=True,
        validators=DOSE_BOUNDS["hold_seconds"].validators(),
    )
    per_side = models.BooleanField(
        "each side", null=True, blank=True, help_text="Done on the left and on the right."
    )
    times_per_day = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=DOSE_BOUNDS["times_per_day"].validators()
    )
    days_per_week = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=DOSE_BOUNDS["days_per_week"].validators()
    )

    class Meta:
        abstract = True

    def dosage(self) -> dict[str, object]:
        return {field: getattr(self, field) for field in DOSE_FIELDS}

    def dosage_in_words(self) -> str:
        return dosage_in_words(self.dosage())

    def dosage_in_words_short(self) -> str:
        """For a card on a phone: "Hold 30 s · each side · 3 times"."""
        return dosage_in_words(self.dosage(), separator=" · ")


class Exercise(Dosage):
    class Category(models.TextChoices):
        GLUTES = "glutes", "Glutes"
        CORE = "core", "Core"
        HIP_MOBILITY = "hip-mobility", "Hip mobility"
        STRENGTH = "strength", "Strength"
        BALANCE = "balance", "Balance"
        COORDINATION = "coordination", "Coordination"
        RUNNING_FORM = "running-form", "Running form"

    slug = models.SlugField(max_length=100, unique=True, validators=[slug_validator])
    name = models.CharField(max_length=200)
    category = models.CharField(max_length=20, choices=Category.choices)
    instructions = models.TextField(help_text="One step per line, in order.")
    cues = models.TextField(blank=True, help_text="One cue per line.")
    cautions = models.TextField(blank=True, help_text="One caution per line.")
    is_shipped = models.BooleanField(
        "shipped with the portal",
        default=False,
        editable=False,
        help_text="Part of the library built from the documents; a clinic's own are not.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def instruction_list(self) -> list[str]:
        return lines(self.instructions)

    def cue_list(self) -> list[str]:
        return lines(self.cues)

    def caution_list(self) -> list[str]:
        return lines(self.cautions)


class ProgramTemplate(models.Model):
    slug = models.SlugField(max_length=100, unique=True, validators=[slug_validator])
    name = models.CharField(max_length=200)
    goal = models.TextField(blank=True)
    is_shipped = models.BooleanField("shipped with the portal", default=False, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "programme template"

    def __str__(self) -> str:
        return self.name


class ProgramItem(Dosage):
    """An exercise in a programme; each dose field set here overrides the exercise's own."""

    program = models.ForeignKey(ProgramTemplate, on_delete=models.CASCADE, related_name="items")
    exercise = models.ForeignKey(Exercise, on_delete=models.PROTECT, related_name="program_items")
    order = models.PositiveSmallIntegerField(default=1)

    class Meta:
        ordering = ["program", "order"]
        verbose_name = "programme item"
        constraints = [
            models.UniqueConstraint(fields=["program", "order"], name="program_item_order_unique")
        ]

    def __str__(self) -> str:
        return f"{self.order}. {self.exercise}"

    def override(self) -> dict[str, object]:
        return {field: value for field, value in self.dosage().items() if value is not None}


class EducationCard(models.Model):
    slug = models.SlugField(max_length=100, unique=True, validators=[slug_validator])
    title = models.CharField(max_length=200)
    body = models.TextField()
    is_shipped = models.BooleanField("shipped with the portal", default=False, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class Citation(models.Model):
    """A verbatim quote of a source, backing an exercise, a programme or an education card."""

    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="citations")
    quote = models.TextField(help_text="Copied from the document word for word.")
    position = models.PositiveSmallIntegerField(default=1)
    exercise = models.ForeignKey(
        Exercise, null=True, blank=True, on_delete=models.CASCADE, related_name="citations"
    )
    program = models.ForeignKey(
        ProgramTemplate, null=True, blank=True, on_delete=models.CASCADE, related_name="citations"
    )
    education_card = models.ForeignKey(
        EducationCard, null=True, blank=True, on_delete=models.CASCADE, related_name="citations"
    )

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(
                        exercise__isnull=False, program__isnull=True, education_card__isnull=True
                    )
                    | models.Q(
                        exercise__isnull=True, program__isnull=False, education_card__isnull=True
                    )
                    | models.Q(
                        exercise__isnull=True, program__isnull=True, education_card__isnull=False
                    )
                ),
                name="citation_backs_exactly_one_thing",
            )
        ]

    def __str__(self) -> str:
        return f"{self.source_id}: {self.quote[:60]}"

    def clean(self) -> None:
        super().clean()
        if not self.quote.strip():
            raise ValidationError({"quote": "A citation needs the quote."})
