"""Startup checks: what would otherwise fail on every request, said once and in one line before
the portal serves anything — by `manage.py check --deploy`, `make run` and gunicorn
(portal/gunicorn.py), since Django's WSGI handler runs no checks by itself; the database's also by
a plain `manage.py check`, runserver and every command.

Each message names the variable first, like a configuration error, and carries no hint, so an
operator reads the cause and the cure on one line. Each check has a tag of its own so it can be
run alone: `manage.py check --tag static_manifest`, `manage.py check --tag database`.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register

from portal.config import exit_on_bad_configuration, redact_url

STATIC_MANIFEST = "static_manifest"


@register(STATIC_MANIFEST, deploy=True)
def static_files_are_collected(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    # With DEBUG off every page names its CSS and scripts by their hashed names, which only
    # collectstatic's manifest knows: without it every page answers 500. (Not tagged
    # "staticfiles": collectstatic runs those checks, and would refuse to write the manifest.)
    # A deployment check: what starts the web runs it (gunicorn, `make run`, `check --deploy`),
    # while a worker, beat or `migrate`, which serve no page, start without static files.
    from django.contrib.staticfiles.storage import ManifestFilesMixin
    from django.core.files.storage import storages

    storage = storages["staticfiles"]
    if not isinstance(storage, ManifestFilesMixin) or storage.exists(storage.manifest_name):
        return []
    return [
        Error(
            f"STATIC_ROOT: {settings.STATIC_ROOT} holds no collected static files (no "
            f"{storage.manifest_name}): run `manage.py collectstatic --noinput` before starting "
            f"the portal with DEBUG off, or every page fails",
            id="portal.E001",
        )
    ]


@register(Tags.database)
def database_is_reachable(
    app_configs: Any = None, databases: Sequence[str] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    # Django's own database checks run only for a command that names its databases; this one
    # also runs for those that do not (a plain `manage.py check`, runserver), so a wrong
    # DATABASE_URL is found before a page or a task trips over it. It waits as long as any
    # connection would (DATABASE_CONNECT_TIMEOUT).
    from django.db import connections

    from portal.config import database_is_reachable as reachable

    if databases is not None:
        if "default" in databases:
            # A command that names its database (migrate, `check --database default`) fails as
            # Django's own database checks make it fail: manage.py turns the connection error
            # into its one "Configuration error: DATABASE_URL: …" line.
            connections["default"].ensure_connection()
        return []
    ok, reason = reachable()
    if ok:
        return []
    return [
        Error(
            f"DATABASE_URL: cannot reach the database {redact_url(settings.DATABASE_URL)!r}: "
            f"{reason}",
            id="portal.E002",
        )
    ]


def refuse_to_serve_on_errors() -> None:
    """Stop, one line per error, before the web serves a request that could only fail.

    Every check but the database's runs: a web started while the database is away answers
    /healthz with 503 and recovers by itself when it comes back."""
    import django
    from django.core.checks import run_checks

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    with exit_on_bad_configuration():
        django.setup()
        errors = [
            message
            for message in run_checks(databases=[], include_deployment_checks=True)
            if message.is_serious() and not message.is_silenced()
        ]
    for message in errors:
        print(f"Configuration error: {message.msg} ({message.id})", file=sys.stderr)
    if errors:
        raise SystemExit(2)
