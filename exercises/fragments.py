"""Library fragments written once and shared by every web worker: an exercise's "how to do it" at a
dose (its steps, cues and cautions with their provenance, and the disagreements it takes part in)
and anything else whose HTML follows from the library's rows alone.

A fragment's key holds the **library version**, a token kept in the database
(`LibraryVersion`) that every change to the library replaces in the same transaction as the change:
a save or delete of any of its rows (signals, exercises/signals.py), the importer's bulk writes
(`library_changed()`). A fragment written before a change is never read after it is committed, so
a patient never sees a sentence, a provenance label or a quote that the library no longer holds; a
change rolled back, or a backup restored, brings back its token with its rows. The token is random,
not a counter, for that reason: a counter would count again into fragments of other contents. The
key also holds the **rendering version**, a hash of the code and templates that write the HTML, so
a new release never serves an old release's markup.

The cache is Django's (Redis in every run of the portal), shared by every web process; in front of
it, each process keeps its own copy of the fragments it served last (the "fragments" cache), which a
key that names its contents lets it trust without asking Redis. If Redis cannot be reached, pages
are written from the database as before: slower, never wrong.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import time
import uuid
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache, caches
from django.db.models import Subquery
from django.utils.safestring import SafeString, mark_safe

logger = logging.getLogger(__name__)

# Fragments of a replaced version are never read again; they leave the cache after this long.
FRAGMENT_SECONDS = 24 * 60 * 60
# The code and templates that write fragments (portal/widgets.py writes the time-zone field): a
# release that changes any of them writes anew.
RENDERING_SOURCES = ("templates", "exercises", "patients", "portal")
CACHE_RETRY_SECONDS = 30


@functools.cache
def rendering_version() -> str:
    digest = hashlib.sha256(settings.LANGUAGE_CODE.encode())
    base = Path(settings.BASE_DIR)
    for folder in RENDERING_SOURCES:
        for path in sorted((base / folder).rglob("*")):
            if path.suffix in {".py", ".html", ".txt"} and "migrations" not in path.parts:
                digest.update(str(path.relative_to(base)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def library_changed() -> None:
    """The library's rows changed: fragments written before are not read once this commits."""
    from exercises.models import LibraryVersion

    token = uuid.uuid4().hex
    if not LibraryVersion.objects.filter(pk=1).update(token=token):
        LibraryVersion.objects.get_or_create(pk=1, defaults={"token": token})


def library_version() -> str:
    """The token fragments are keyed on, as this transaction sees it (one query)."""
    from exercises.models import LibraryVersion

    token = LibraryVersion.objects.filter(pk=1).values_list("token", flat=True).first()
    if token is None:  # a database emptied by hand (or by a test's flush): start again
        library_changed()
        token = LibraryVersion.objects.get(pk=1).token
    return token


def library_version_subquery() -> Subquery:
    """The token as a column of another query: a page that reads a row anyway (the patient)
    takes it along instead of asking for it alone. May be None (see library_version)."""
    from exercises.models import LibraryVersion

    return Subquery(LibraryVersion.objects.filter(pk=1).values("token")[:1])


def fragment_key(kind: str, parts: Hashable, version: str) -> str:
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:32]
    return f"fragment:{kind}:{rendering_version()}:{version}:{digest}"


_cache_down_until = 0.0


def _cache_call(method: Callable[..., Any], *args: Any) -> Any:
    """A cache call, or None when the cache does not answer; then the pages of the next
    CACHE_RETRY_SECONDS do not wait for it, each written from the database."""
    global _cache_down_until
    if time.monotonic() < _cache_down_until:
        return None
    try:
        return method(*args)
    except Exception:
        logger.warning("The fragment cache does not answer: pages are written without it")
        _cache_down_until = time.monotonic() + CACHE_RETRY_SECONDS
        return None


def fragments(
    kind: str,
    parts: Sequence[Hashable],
    write: Callable[[list[int]], list[str]],
    version: str,
    *,
    seconds: int = FRAGMENT_SECONDS,
) -> list[SafeString]:
    """The fragment for each of `parts` (everything its HTML depends on besides the library at
    `version`): read from the cache in one round trip; those missing are written by
    `write(positions)` in one go and kept. Without a cache, all are written."""
    keys = [fragment_key(kind, part, version) for part in parts]
    local = caches["fragments"]
    found: dict[str, Any] = local.get_many(keys)
    if len(found) < len(keys):
        shared = _cache_call(cache.get_many, [key for key in keys if key not in found]) or {}
        if shared:
            local.set_many(shared, seconds)  # for as long again as Redis keeps it, at most
            found.update(shared)
    missing = [position for position, key in enumerate(keys) if key not in found]
    if missing:
        written = {keys[p]: html for p, html in zip(missing, write(missing), strict=True)}
        _cache_call(cache.set_many, written, seconds)
        local.set_many(written, seconds)
        found.update(written)
    # Every fragment was written by the portal's own code, each value escaped.
    return [mark_safe(found[key]) for key in keys]  # noqa: S308


def dosage_key(dosage: Mapping[str, object] | None) -> tuple[tuple[str, object], ...]:
    return tuple(sorted((dosage or {}).items()))


def exercise_bodies(
    wanted: Iterable[tuple[Any, Mapping[str, object] | None]], version: str | None = None
) -> list[SafeString]:
    """How to do each exercise at its dose, in the order asked. The exercises' lines and
    disagreements are read only for those the cache does not hold, in a fixed number of queries
    (none when they were read already)."""
    from django.db.models import prefetch_related_objects

    from exercises.selectors import content_prefetches
    from exercises.templatetags.library import exercise_body_html

    wanted = list(wanted)

    def write(positions: list[int]) -> list[str]:
        exercises = list({id(wanted[p][0]): wanted[p][0] for p in positions}.values())
        prefetch_related_objects(exercises, *content_prefetches())
        memo: dict[Hashable, SafeString] = {}
        return [exercise_body_html(*wanted[p], memo=memo) for p in positions]

    parts = [(exercise.pk, dosage_key(dosage)) for exercise, dosage in wanted]
    return fragments("exercise-body", parts, write, version or library_version())
