from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from exercises.dosage import DOSE_FIELDS
from exercises.models import (
    Citation,
    EducationCard,
    Exercise,
    ProgramItem,
    ProgramTemplate,
    Source,
)


class ShippedReadOnlyMixin:
    """The library built from the documents is the portal's: a clinic views it, and adds its own
    exercises, programmes and cards beside it, but does not rewrite it (the next import of the
    shipped library would undo the change)."""

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        if obj is not None and getattr(obj, "is_shipped", False):
            return False
        return super().has_change_permission(request, obj)  # type: ignore[misc]

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        if obj is not None and getattr(obj, "is_shipped", False):
            return False
        return super().has_delete_permission(request, obj)  # type: ignore[misc]


class CitationInline(admin.StackedInline):
    model = Citation
    extra = 0
    min_num = 1
    fields = ["source", "quote", "position"]
    ordering = ["position", "id"]

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.validate_min = True
        return formset


class ExerciseCitationInline(CitationInline):
    fk_name = "exercise"


class ProgramCitationInline(CitationInline):
    fk_name = "program"


class EducationCitationInline(CitationInline):
    fk_name = "education_card"


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ["id", "title", "author", "citation_count"]
    search_fields = ["id", "title", "author"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Source]:
        return super().get_queryset(request).annotate(citation_count=Count("citations"))

    @admin.display(description="citations", ordering="citation_count")
    def citation_count(self, source: Source) -> int:
        return source.citation_count  # type: ignore[attr-defined]


@admin.register(Exercise)
class ExerciseAdmin(ShippedReadOnlyMixin, admin.ModelAdmin):
    list_display = ["name", "category", "dose", "is_shipped", "citation_count", "site_page"]
    list_filter = ["category", "is_shipped", "citations__source"]
    search_fields = ["name", "slug", "instructions", "cues"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["is_shipped"]
    inlines = [ExerciseCitationInline]
    fieldsets = [
        (None, {"fields": ["name", "slug", "category", "is_shipped"]}),
        ("How to do it", {"fields": ["instructions", "cues", "cautions"]}),
        (
            "Default dose (leave empty where the documents give no number)",
            {
                "fields": [
                    ("sets", "reps", "hold_seconds", "per_side"),
                    ("times_per_day", "days_per_week"),
                ]
            },
        ),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Exercise]:
        return (
            super().get_queryset(request).annotate(citation_count=Count("citations", distinct=True))
        )

    @admin.display(description="dose")
    def dose(self, exercise: Exercise) -> str:
        return exercise.dosage_in_words()

    @admin.display(description="citations", ordering="citation_count")
    def citation_count(self, exercise: Exercise) -> int:
        return exercise.citation_count  # type: ignore[attr-defined]

    @admin.display(description="page")
    def site_page(self, exercise: Exercise) -> str:
        url = reverse("exercises:detail", kwargs={"slug": exercise.slug})
        return format_html('<a href="{}">View</a>', url)


class ProgramItemInline(admin.TabularInline):
    model = ProgramItem
    extra = 0
    min_num = 1
    autocomplete_fields = ["exercise"]
    fields = ["order", "exercise", *DOSE_FIELDS]
    ordering = ["order"]


@admin.register(ProgramTemplate)
class ProgramTemplateAdmin(ShippedReadOnlyMixin, admin.ModelAdmin):
    list_display = ["name", "exercise_count", "is_shipped"]
    list_filter = ["is_shipped", "citations__source"]
    search_fields = ["name", "slug", "goal"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["is_shipped"]
    inlines = [ProgramItemInline, ProgramCitationInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ProgramTemplate]:
        return super().get_queryset(request).annotate(exercise_count=Count("items", distinct=True))

    @admin.display(description="exercises", ordering="exercise_count")
    def exercise_count(self, program: ProgramTemplate) -> int:
        return program.exercise_count  # type: ignore[attr-defined]


@admin.register(EducationCard)
class EducationCardAdmin(ShippedReadOnlyMixin, admin.ModelAdmin):
    list_display = ["title", "is_shipped"]
    list_filter = ["is_shipped", "citations__source"]
    search_fields = ["title", "slug", "body"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["is_shipped"]
    inlines = [EducationCitationInline]
