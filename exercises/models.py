from __future__ import annotations

import operator
from functools import reduce
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models

from exercises.dosage import DOSE_BOUNDS, DOSE_FIELDS, dosage_in_words, dosage_problems

slug_validator = RegexValidator(
    r"^[a-z0-9]+(?:-[a-z0-9]+)*$", "Use lowercase letters, digits and hyphens only."
)


def exactly_one_of(*fields: str) -> models.Q:
    """A row that belongs to exactly one of these owners: one foreign key set, the others empty."""
    return reduce(
        operator.or_,
        (models.Q(**{f"{other}__isnull": other != owner for other in fields}) for owner in fields),
    )


class Library(models.Model):
    """A clinic's own part of the library: the exercises, programme templates and cards it adds,
    seen and used only inside it. Who holds it is not this app's business (see
    exercises.tenancy); `name` is the holder's, for the superuser's screens and the commands."""

    name = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name_plural = "libraries"

    def __str__(self) -> str:
        return self.name or f"Library {self.pk}"


def library_field() -> models.ForeignKey:
    return models.ForeignKey(
        Library,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The clinic whose own it is; empty: the library shipped with the portal.",
    )


def library_constraints(model: str) -> list[models.BaseConstraint]:
    """A slug names one row in a library (the shipped library is one too), and a row is shipped
    exactly when it belongs to no clinic's library."""
    return [
        models.UniqueConstraint(fields=["library", "slug"], name=f"{model}_slug_unique_in_library"),
        models.UniqueConstraint(
            fields=["slug"],
            condition=models.Q(library__isnull=True),
            name=f"{model}_slug_unique_in_shipped",
        ),
        models.CheckConstraint(
            condition=models.Q(is_shipped=True, library__isnull=True)
            | models.Q(is_shipped=False, library__isnull=False),
            name=f"{model}_shipped_has_no_library",
        ),
    ]


class InLibrary(models.Model):
    """A row of the library: shipped (no `library`) or a clinic's own."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.is_shipped = self.library_id is None  # type: ignore[attr-defined]
        super().save(*args, **kwargs)

    def clean(self) -> None:
        super().clean()
        slug, library_id = self.slug, self.library_id  # type: ignore[attr-defined]
        if not slug:
            return
        others = type(self)._default_manager.filter(slug=slug).exclude(pk=self.pk)
        noun = type(self)._meta.verbose_name
        article = "an" if noun[0] in "aeiou" else "a"
        if library_id is None:
            # A new shipped row may not take a slug a clinic already uses: its pages and
            # programmes name it by slug.
            if others.exists():
                raise ValidationError(
                    {"slug": f"“{slug}” is used by a clinic's own library: rename that one first."}
                )
        elif others.filter(library__isnull=True).exists():
            raise ValidationError(
                {
                    "slug": f"“{slug}” is the slug of {article} {noun} shipped with the portal: "
                    "give your clinic's its own slug."
                }
            )
        elif others.filter(library_id=library_id).exists():
            raise ValidationError(
                {"slug": f"Your clinic already has {article} {noun} with this slug."}
            )


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
    days_per_week_max = models.PositiveSmallIntegerField(
        "up to (days a week)",
        null=True,
        blank=True,
        validators=DOSE_BOUNDS["days_per_week_max"].validators(),
        help_text="Only for a range, like the documents' 2–3 times a week.",
    )

    class Meta:
        abstract = True

    def clean(self) -> None:
        super().clean()
        problems = dosage_problems(self.dosage())
        if problems:
            raise ValidationError(problems)

    def dosage(self) -> dict[str, object]:
        return {field: getattr(self, field) for field in DOSE_FIELDS}

    def dosage_in_words(self, separator: str = ", ") -> str:
        return dosage_in_words(self.dosage(), separator)

    def dosage_in_words_short(self) -> str:
        """For a card on a phone: "Hold 30 s · each side · 3 times · once a day · every day"."""
        return self.dosage_in_words(separator=" · ")


class Exercise(Dosage, InLibrary):
    class Kind(models.TextChoices):
        EXERCISE = "exercise", "Exercise"
        # A test with a result (held for N s / could not), asked for by the therapist now and
        # then: never scheduled as a daily exercise.
        SCREEN = "screen", "Screen (an assessment with a result)"

    class Category(models.TextChoices):
        GLUTES = "glutes", "Glutes"
        CORE = "core", "Core"
        HIP_MOBILITY = "hip-mobility", "Hip mobility"
        STRENGTH = "strength", "Strength"
        BALANCE = "balance", "Balance"
        COORDINATION = "coordination", "Coordination"
        RUNNING_FORM = "running-form", "Running form"

    slug = models.SlugField(max_length=100, validators=[slug_validator])
    library = library_field()
    name = models.CharField(max_length=200)
    category = models.CharField(max_length=20, choices=Category.choices)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.EXERCISE)
    trials = models.JSONField(
        default=list,
        blank=True,
        help_text="Screens only: what the patient records, one entry a trial "
        '(e.g. {"label": "Left leg, eyes open", "measure": "seconds", "target_seconds": 30}).',
    )
    is_shipped = models.BooleanField(
        "shipped with the portal",
        default=False,
        editable=False,
        help_text="Part of the library built from the documents; a clinic's own are not.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = library_constraints("exercise")

    def __str__(self) -> str:
        return self.name

    @property
    def is_screen(self) -> bool:
        return self.kind == self.Kind.SCREEN

    def lines_of(self, part: str) -> list[Line]:
        return [line for line in self.lines.all() if line.part == part]

    def steps(self) -> list[Line]:
        return self.lines_of(Line.Part.STEP)

    def cues(self) -> list[Line]:
        return self.lines_of(Line.Part.CUE)

    def cautions(self) -> list[Line]:
        return self.lines_of(Line.Part.CAUTION)


class ProgramTemplate(InLibrary):
    slug = models.SlugField(max_length=100, validators=[slug_validator])
    library = library_field()
    name = models.CharField(max_length=200)
    goal = models.TextField(blank=True)
    is_shipped = models.BooleanField("shipped with the portal", default=False, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "programme template"
        constraints = library_constraints("programtemplate")

    def __str__(self) -> str:
        return self.name


class ProgramItem(Dosage):
    """An exercise in a programme, with the programme's whole dose for it: a field left empty is
    not given by the programme's documents, and is not taken from the exercise (whose dose may
    come from another document)."""

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

    def clean(self) -> None:
        super().clean()
        if self.exercise_id and self.exercise.is_screen:
            raise ValidationError(
                {"exercise": "A screen is asked for on its own, not scheduled in a programme."}
            )
        if self.exercise_id and self.exercise.library_id not in (None, self.program.library_id):
            raise ValidationError(
                {
                    "exercise": "This exercise is in another clinic's own library: a programme "
                    "uses the shipped library and its own clinic's exercises only."
                }
            )

    def given(self) -> dict[str, object]:
        """The dose fields the programme gives; the rest are not given (never inherited)."""
        return {field: value for field, value in self.dosage().items() if value is not None}


class EducationCard(InLibrary):
    slug = models.SlugField(max_length=100, validators=[slug_validator])
    library = library_field()
    title = models.CharField(max_length=200)
    is_shipped = models.BooleanField("shipped with the portal", default=False, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]
        constraints = library_constraints("educationcard")

    def __str__(self) -> str:
        return self.title

    def body(self) -> list[Line]:
        return list(self.lines.all())


class Disagreement(models.Model):
    """A question on which the documents disagree. Wherever one of its positions appears (an
    exercise or a card it names), every position is shown beside it, each with its own quotes:
    the portal never settles it by picking one quote."""

    slug = models.SlugField(max_length=100, unique=True, validators=[slug_validator])
    topic = models.CharField(max_length=200, help_text="The question, asked neutrally.")
    exercises = models.ManyToManyField(Exercise, blank=True, related_name="disagreements")
    education_cards = models.ManyToManyField(
        EducationCard, blank=True, related_name="disagreements"
    )
    is_shipped = models.BooleanField("shipped with the portal", default=False, editable=False)

    class Meta:
        ordering = ["topic"]

    def __str__(self) -> str:
        return self.topic


class DisagreementPosition(models.Model):
    disagreement = models.ForeignKey(
        Disagreement, on_delete=models.CASCADE, related_name="positions"
    )
    order = models.PositiveSmallIntegerField(default=1)
    label = models.CharField(max_length=200, help_text="The position in a few neutral words.")

    class Meta:
        ordering = ["disagreement", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["disagreement", "order"], name="disagreement_position_order_unique"
            )
        ]

    def __str__(self) -> str:
        return self.label


class Provenance(models.TextChoices):
    """Where a sentence a patient reads comes from; the page says so beside it."""

    DOCUMENT = "document", "From the documents"
    STANDARD = "standard", "Standard instruction, not from the source documents"
    CLINIC = "clinic", "Your clinic's instructions"


class Line(models.Model):
    """One sentence of an exercise (a step, a cue, a caution) or of an education card.

    A line from the documents is a verbatim quote of its source. A written line (the portal's
    standard wording, or the clinic's own) states no number: it names the dose with
    placeholders ({hold}, {reps}, {sets}, {frequency}) that are filled from the dose prescribed,
    so a change of dose changes every line that mentions it (see exercises.wording)."""

    class Part(models.TextChoices):
        STEP = "step", "Step"
        CUE = "cue", "Cue"
        CAUTION = "caution", "Caution"
        BODY = "body", "Card text"

    exercise = models.ForeignKey(
        Exercise, null=True, blank=True, on_delete=models.CASCADE, related_name="lines"
    )
    education_card = models.ForeignKey(
        EducationCard, null=True, blank=True, on_delete=models.CASCADE, related_name="lines"
    )
    part = models.CharField(max_length=10, choices=Part.choices, default=Part.STEP)
    position = models.PositiveSmallIntegerField(default=1)
    text = models.TextField()
    provenance = models.CharField(max_length=10, choices=Provenance.choices)
    source = models.ForeignKey(
        "Source",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="lines",
        help_text="From the documents only: the document the text is quoted from.",
    )
    basis = models.CharField(
        max_length=300,
        blank=True,
        help_text="Standard wording only: the published guidance it follows, by name.",
    )
    author = models.CharField(
        max_length=200, blank=True, help_text="The clinic's own wording: who wrote it."
    )
    written_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=exactly_one_of("exercise", "education_card"),
                name="line_belongs_to_exactly_one_thing",
            ),
            models.CheckConstraint(
                condition=models.Q(provenance="document", source__isnull=False)
                | (~models.Q(provenance="document") & models.Q(source__isnull=True)),
                name="line_from_the_documents_names_its_source",
            ),
        ]

    def __str__(self) -> str:
        return self.text[:80]

    def clean(self) -> None:
        from exercises.wording import line_problems

        super().clean()
        problems = line_problems(
            text=self.text,
            provenance=self.provenance,
            source_id=self.source_id,
            part=self.part,
            author=self.author,
            written_on=self.written_on,
        )
        if problems:
            raise ValidationError(problems)


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
    disagreement_position = models.ForeignKey(
        DisagreementPosition,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="citations",
    )

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=exactly_one_of(
                    "exercise", "program", "education_card", "disagreement_position"
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


class LibraryVersion(models.Model):
    """One row: a token that every change to the library replaces, in the same transaction as the
    change (exercises.fragments). Pages key the HTML they keep between requests on it, so what a
    patient reads always follows the rows as committed, a rolled back change included and a
    restored backup too (its token is the one its rows were written under)."""

    token = models.CharField(max_length=32)

    def __str__(self) -> str:
        return self.token


def media_upload_to(instance: Media, filename: str) -> str:
    # `filename` is the random name exercises.media gives every upload.
    return f"{instance.FOLDER}/{filename}"


class Media(models.Model):
    """A picture or a short video a clinic uploads (checked by exercises.media: found by its
    bytes, within the size limits, a picture written again without its metadata). The file is
    kept through Django's storage under a random name, and served only by the portal's own views
    to the people allowed to see what it belongs to, never as a public file."""

    class Kind(models.TextChoices):
        IMAGE = "image", "Picture"
        VIDEO = "video", "Video"

    FOLDER = "media"  # in the storage: each kind of media in a folder of its own

    file = models.FileField(max_length=255, upload_to=media_upload_to, editable=False)
    kind = models.CharField(max_length=10, choices=Kind.choices, editable=False)
    content_type = models.CharField(
        max_length=50, editable=False, help_text="As found from the file's bytes."
    )
    size = models.PositiveBigIntegerField("size (bytes)", editable=False)
    width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    caption = models.CharField(
        "what it shows",
        max_length=300,
        help_text="One sentence patients read with it, and in its place on a screen reader or "
        "when it cannot be shown, e.g. “Knees over the feet, hips level at the top”.",
    )
    position = models.PositiveSmallIntegerField(default=1)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.caption

    @property
    def is_video(self) -> bool:
        return self.kind == self.Kind.VIDEO

    def clean(self) -> None:
        super().clean()
        if not self.caption.strip():
            raise ValidationError(
                {"caption": "Say in a sentence what it shows: patients read it with it."}
            )


class ExerciseMedia(Media):
    """A picture or video of one of a clinic's own exercises, shown wherever the exercise is, to
    the clinic's staff and patients only. The shipped library has none: its exercises are the
    portal's, the same in every clinic."""

    FOLDER = "library"

    exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="media")

    class Meta(Media.Meta):
        verbose_name = "picture or video"
        verbose_name_plural = "pictures and videos"

    def clean(self) -> None:
        super().clean()
        if self.exercise_id and self.exercise.library_id is None:
            raise ValidationError(
                "Pictures and videos go on your clinic's own exercises: the shipped library is "
                "the portal's, the same in every clinic."
            )
