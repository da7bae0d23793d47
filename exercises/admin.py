from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.db.models import Count, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from exercises.dosage import DOSE_FIELDS
from exercises.media import CheckedMedia, media_check
from exercises.models import (
    Citation,
    Disagreement,
    DisagreementPosition,
    EducationCard,
    Exercise,
    ExerciseMedia,
    Library,
    Line,
    ProgramItem,
    ProgramTemplate,
    Provenance,
    Source,
)
from exercises.selectors import exercises_visible_to
from exercises.services import (
    exercise_media_add,
    exercise_media_remove,
    exercise_media_update,
)
from exercises.tenancy import library_scope_for_user
from portal.admin_helpers import (
    BoundedInlineMixin,
    LabelledRowsFormSet,
    ReadableAutocompleteMixin,
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


class LibraryItemForm(forms.ModelForm):
    """What a therapist adds goes into their clinic's library, set before validation so that the
    slug is checked within it (and against the shipped library's)."""

    library_id_for_new: int | None = None

    def _post_clean(self) -> None:
        if self.instance._state.adding and self.library_id_for_new is not None:
            self.instance.library_id = self.library_id_for_new
        super()._post_clean()


class LibraryScoped(ShippedReadOnlyMixin, admin.ModelAdmin):
    """The shipped library and the user's own clinic's rows (a superuser: every clinic's, and
    the library each belongs to). Another clinic's row is a 404 everywhere, as if it did not
    exist: list, change, history, delete, autocomplete."""

    form = LibraryItemForm
    list_select_related = ["library"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        scope = library_scope_for_user(request.user)
        return super().get_queryset(request).filter(scope.q())

    def _get_obj_does_not_exist_redirect(self, request: HttpRequest, opts: Any, object_id: str):
        raise Http404(f"No {opts.verbose_name} with this id.")

    def delete_view(
        self, request: HttpRequest, object_id: str, extra_context: Any = None
    ) -> HttpResponse:
        # Django asks for the permission before it looks the row up: look first, so that
        # another clinic's row is a 404 here too.
        if self.get_object(request, unquote(object_id)) is None:
            raise Http404(f"No {self.opts.verbose_name} with this id.")
        return super().delete_view(request, object_id, extra_context)

    def has_add_permission(self, request: HttpRequest) -> bool:
        scope = library_scope_for_user(request.user)
        # Staff of no clinic have no library to add to.
        return (scope.everything or scope.library_id is not None) and super().has_add_permission(
            request
        )

    def get_exclude(self, request: HttpRequest, obj: Any = None) -> Any:
        if request.user.is_superuser:
            return super().get_exclude(request, obj)
        return [*(super().get_exclude(request, obj) or []), "library"]

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser or not self.fieldsets:
            return fieldsets
        return [
            (name, {**options, "fields": [f for f in options["fields"] if f != "library"]})
            for name, options in fieldsets
        ]

    def get_list_display(self, request: HttpRequest) -> Any:
        shown = super().get_list_display(request)
        return [*shown, "library"] if request.user.is_superuser else shown

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.library_id_for_new = library_scope_for_user(request.user).library_id
        return form

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "library":
            # A superuser files a row in a clinic's library; the shipped library is written by
            # `import_library --shipped` only.
            kwargs["queryset"] = Library.objects.all()
            kwargs["required"] = True
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class CitationInline(BoundedInlineMixin, admin.StackedInline):
    model = Citation
    extra = 0
    min_num = 1
    fields = ["source", "quote", "position"]
    ordering = ["position", "id"]

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.validate_min = True
        return formset


class LineForm(forms.ModelForm):
    """A clinic writes its own wording, or quotes a document word for word; the portal's
    standard wording is shipped only."""

    provenance = forms.ChoiceField(
        choices=[
            (Provenance.CLINIC.value, "Our own wording"),
            (Provenance.DOCUMENT.value, "A quote (word for word)"),
        ],
        initial=Provenance.CLINIC.value,
    )

    class Meta:
        model = Line
        fields = ["position", "part", "text", "provenance", "source"]
        widgets = {"text": forms.Textarea(attrs={"rows": 2, "cols": 60})}
        help_texts = {
            "text": "No numbers: write {hold}, {reps}, {sets} or {frequency}, and each patient "
            "reads the dose prescribed to them.",
            "source": "Only for a quote: the document it is copied from, word for word.",
        }

    def _post_clean(self) -> None:
        # Who wrote the clinic's wording, and when, is known before validation: the line's own
        # checks (no number; author and date for the clinic's wording) then run on the whole row.
        if self.cleaned_data.get("provenance") == Provenance.CLINIC:
            self.instance.author = self.author_name
            self.instance.written_on = timezone.localdate()
        else:
            self.instance.author, self.instance.written_on = "", None
        super()._post_clean()

    author_name = ""


class LineRowsFormSet(LabelledRowsFormSet):
    def row_name(self, obj: Line) -> str:
        return f"sentence {obj.position}"


class LineInline(BoundedInlineMixin, admin.TabularInline):
    model = Line
    form = LineForm
    formset = LineRowsFormSet
    extra = 0
    classes = ["content-lines-inline"]

    class Media:
        css = {"all": ["portal/admin.css"]}

    fields = ["position", "part", "text", "provenance", "source", "author", "written_on"]
    readonly_fields = ["author", "written_on"]
    ordering = ["position", "id"]

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        formset = super().get_formset(request, obj, **kwargs)
        formset.form.author_name = request.user.get_full_name() or request.user.get_username()  # type: ignore[union-attr]
        return formset


class ExerciseLineInline(LineInline):
    fk_name = "exercise"
    min_num = 1
    verbose_name = "sentence (step, cue or caution)"
    verbose_name_plural = "How to do it: every sentence, with where it comes from"


class CardLineInline(LineInline):
    fk_name = "education_card"
    min_num = 1
    verbose_name = "sentence"
    verbose_name_plural = "Card text: every sentence, with where it comes from"

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        formset = super().get_formset(request, obj, **kwargs)
        formset.form.base_fields["part"].initial = Line.Part.BODY
        return formset


class ExerciseCitationInline(CitationInline):
    fk_name = "exercise"


class ProgramCitationInline(CitationInline):
    fk_name = "program"


class EducationCitationInline(CitationInline):
    fk_name = "education_card"


# A clinic's own pictures and videos ------------------------------------------------------------


def upload_help() -> str:
    def size(limit: int) -> str:
        return filesizeformat(limit).replace("\xa0", " ")

    return (
        f"A picture (JPEG, PNG or WebP, up to {size(settings.MEDIA_IMAGE_MAX_BYTES)}) or a short "
        f"video (MP4 or WebM, up to {size(settings.MEDIA_VIDEO_MAX_BYTES)}). Pictures are stored "
        "without their location, camera details and other metadata; videos are stored as they "
        "are, so record them with the phone's location turned off."
    )


class MediaForm(forms.ModelForm):
    """A new picture or video: the file, checked by its bytes when the form is (a refused file
    is a message on the field, and nothing is saved), and what it shows. A saved one: its
    caption and place only (to change the file, remove it and add the new one)."""

    upload = forms.FileField(label="Picture or video", required=False)
    checked: CheckedMedia | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # Inline rows share their fields: a saved row's stays, closed.
            self.fields["upload"].disabled = True
            self.fields["upload"].help_text = "To change the file, remove this one and add another."
        else:
            self.fields["upload"].help_text = upload_help()
            self.fields["upload"].widget.attrs["accept"] = (
                "image/jpeg,image/png,image/webp,video/mp4,video/webm"
            )

    def clean_upload(self) -> Any:
        upload = self.cleaned_data.get("upload")
        if upload:
            self.checked = media_check(upload)
        return upload

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if not self.instance.pk and self.checked is None and "upload" not in self.errors:
            self.add_error(
                "upload", "Choose a picture (JPEG, PNG, WebP) or a video (MP4, WebM) to upload."
            )
        return cleaned


def media_preview(media: Any, url_name: str) -> str:
    if not media.pk:
        return "—"
    url = reverse(url_name, args=[media.pk])
    if media.is_video:
        return format_html(
            '<a href="{}">Video ({}, {})</a>',
            url,
            media.content_type.removeprefix("video/").upper(),
            filesizeformat(media.size),
        )
    return format_html(
        '<a href="{}"><img src="{}" alt="{}" height="120"></a>', url, url, media.caption
    )


class MediaFormsetSaving:
    """Saves an inline of pictures and videos through the services (`add`, `update`, `remove`),
    and tells the admin's history what changed as formset.save() would have."""

    def save_media_formset(self, request: HttpRequest, formset: Any, parent: Any) -> None:
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for media_form in formset.initial_forms:
            media = media_form.instance
            if formset.can_delete and formset._should_delete_form(media_form):
                self.media_remove(media)
                formset.deleted_objects.append(media)
            elif media_form.has_changed():
                self.media_update(
                    media,
                    caption=media_form.cleaned_data["caption"],
                    position=media_form.cleaned_data["position"],
                )
                formset.changed_objects.append((media, media_form.changed_data))
        for media_form in formset.extra_forms:
            if not media_form.has_changed() or formset._should_delete_form(media_form):
                continue
            media = self.media_add(
                parent,
                media_form.checked,
                caption=media_form.cleaned_data["caption"],
                position=media_form.cleaned_data["position"],
                user=request.user,
            )
            formset.new_objects.append(media)


class ExerciseMediaInline(BoundedInlineMixin, admin.StackedInline):
    model = ExerciseMedia
    form = MediaForm
    extra = 0
    max_num = 10
    fields = ["preview", "upload", "caption", "position", "uploaded_by", "uploaded_at"]
    readonly_fields = ["preview", "uploaded_by", "uploaded_at"]
    verbose_name = "picture or video"
    verbose_name_plural = "Pictures and videos (your clinic's patients and staff see them)"

    @admin.display(description="shown")
    def preview(self, media: ExerciseMedia) -> str:
        return media_preview(media, "exercise_media")

    def _own(self, obj: Any) -> bool:
        # The shipped library is the portal's: no clinic adds pictures to it.
        return obj is None or not obj.is_shipped

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._own(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._own(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._own(obj) and super().has_delete_permission(request, obj)


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
class ExerciseAdmin(MediaFormsetSaving, LibraryScoped):
    ordering = ["name"]  # the annotated count groups rows, and a grouped query drops Meta.ordering
    list_display = ["name", "kind", "category", "dose", "is_shipped", "citation_count", "site_page"]
    list_filter = ["kind", "category", "is_shipped", "citations__source"]
    search_fields = ["name", "slug", "lines__text"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["is_shipped"]
    inlines = [ExerciseLineInline, ExerciseCitationInline, ExerciseMediaInline]
    fieldsets = [
        (None, {"fields": ["name", "slug", "kind", "category", "is_shipped", "library"]}),
        (
            "Default dose (leave empty where the documents give no number)",
            {
                "fields": [
                    ("sets", "reps", "hold_seconds", "per_side"),
                    ("times_per_day", "days_per_week", "days_per_week_max"),
                ]
            },
        ),
        ("Screens only: what the patient records", {"fields": ["trials"]}),
    ]

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Exercise], search_term: str
    ) -> tuple[QuerySet[Exercise], bool]:
        queryset, duplicates = super().get_search_results(request, queryset, search_term)
        # A programme or a prescription schedules exercises; screens are asked for on their own.
        if request.path.endswith("/autocomplete/") and request.GET.get("field_name") == "exercise":
            queryset = queryset.filter(kind=Exercise.Kind.EXERCISE)
        return queryset, True if search_term else duplicates

    def get_queryset(self, request: HttpRequest) -> QuerySet[Exercise]:
        return (
            super().get_queryset(request).annotate(citation_count=Count("citations", distinct=True))
        )

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model is ExerciseMedia:
            self.save_media_formset(request, formset, form.instance)
        else:
            super().save_formset(request, form, formset, change)

    def media_add(self, exercise: Exercise, checked: Any, **fields: Any) -> ExerciseMedia:
        return exercise_media_add(exercise=exercise, upload=checked, **fields)

    def media_update(self, media: ExerciseMedia, **fields: Any) -> None:
        exercise_media_update(media=media, **fields)

    def media_remove(self, media: ExerciseMedia) -> None:
        exercise_media_remove(media=media)

    @admin.display(description="dose")
    def dose(self, exercise: Exercise) -> str:
        return "—" if exercise.is_screen else exercise.dosage_in_words()

    @admin.display(description="citations", ordering="citation_count")
    def citation_count(self, exercise: Exercise) -> int:
        return exercise.citation_count  # type: ignore[attr-defined]

    @admin.display(description="page")
    def site_page(self, exercise: Exercise) -> str:
        url = reverse("exercises:detail", kwargs={"slug": exercise.slug})
        return format_html('<a href="{}">View</a>', url)


class ProgramItemInline(BoundedInlineMixin, ReadableAutocompleteMixin, admin.TabularInline):
    model = ProgramItem
    formset = LabelledRowsFormSet
    extra = 0
    min_num = 1
    autocomplete_fields = ["exercise"]
    fields = ["order", "exercise", *DOSE_FIELDS]
    ordering = ["order"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ProgramItem]:
        return super().get_queryset(request).select_related("exercise")  # each row's name

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "exercise":
            # What the autocomplete offers is also all the form accepts: a posted id of another
            # clinic's exercise is "not a valid choice".
            kwargs["queryset"] = exercises_visible_to(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(ProgramTemplate)
class ProgramTemplateAdmin(LibraryScoped):
    ordering = ["name"]  # as ExerciseAdmin: the autocomplete pages the rows in a stable order
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
class EducationCardAdmin(LibraryScoped):
    list_display = ["title", "is_shipped"]
    list_filter = ["is_shipped", "citations__source"]
    search_fields = ["title", "slug", "lines__text"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["is_shipped"]
    inlines = [CardLineInline, EducationCitationInline]


class PositionInline(BoundedInlineMixin, admin.TabularInline):
    model = DisagreementPosition
    formset = LabelledRowsFormSet
    extra = 0
    min_num = 2
    fields = ["order", "label", "quotes"]
    readonly_fields = ["quotes"]

    @admin.display(description="quotes")
    def quotes(self, position: DisagreementPosition) -> str:
        if not position.pk:
            return "Save, then add its quotes on the position's own page."
        url = reverse("admin:exercises_disagreementposition_change", args=[position.pk])
        return format_html('<a href="{}">{} quote(s)</a>', url, position.citations.count())


@admin.register(Disagreement)
class DisagreementAdmin(ShippedReadOnlyMixin, admin.ModelAdmin):
    list_display = ["topic", "position_count", "is_shipped"]
    list_filter = ["is_shipped"]
    search_fields = ["topic", "slug", "positions__label"]
    prepopulated_fields = {"slug": ["topic"]}
    readonly_fields = ["is_shipped"]
    filter_horizontal = ["exercises", "education_cards"]
    inlines = [PositionInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Disagreement]:
        return super().get_queryset(request).annotate(position_count=Count("positions"))

    @admin.display(description="positions", ordering="position_count")
    def position_count(self, disagreement: Disagreement) -> int:
        return disagreement.position_count  # type: ignore[attr-defined]


class PositionCitationInline(CitationInline):
    fk_name = "disagreement_position"


@admin.register(DisagreementPosition)
class DisagreementPositionAdmin(admin.ModelAdmin):
    list_display = ["label", "disagreement", "order"]
    list_select_related = ["disagreement"]
    search_fields = ["label", "disagreement__topic"]
    inlines = [PositionCitationInline]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return False  # reached from its disagreement

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.disagreement.is_shipped:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.disagreement.is_shipped:
            return False
        return super().has_delete_permission(request, obj)
