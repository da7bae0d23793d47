"""Every change to the library's rows replaces its version token (exercises.fragments), in the
same transaction: a save or delete of any row of this app, a change to a many-to-many between
them, and a migration (which may rewrite rows without saving them). The importer's bulk writes,
which send no signal, call library_changed() themselves."""

from __future__ import annotations

from typing import Any

from django.apps import AppConfig, apps
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save

from exercises.fragments import library_changed


def _changed(sender: Any, **kwargs: Any) -> None:
    library_changed()


def _migrated(sender: AppConfig, **kwargs: Any) -> None:
    if kwargs.get("plan"):  # something was applied (the test databases' flushes apply nothing)
        library_changed()


def connect(config: AppConfig) -> None:
    for model in config.get_models():
        if model._meta.model_name == "libraryversion":
            continue
        post_save.connect(_changed, sender=model, dispatch_uid=f"library-{model._meta.label}")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"library-del-{model._meta.label}")
        for field in model._meta.local_many_to_many:
            through = field.remote_field.through
            m2m_changed.connect(_changed, sender=through, dispatch_uid=f"library-m2m-{through}")
    post_migrate.connect(_migrated, sender=apps.get_app_config(config.label))
    # A removed picture's or video's file goes with its row.
    from exercises.media import media_file_delete
    from exercises.models import ExerciseMedia

    post_delete.connect(media_file_delete, sender=ExerciseMedia, dispatch_uid="exercise-media-file")
