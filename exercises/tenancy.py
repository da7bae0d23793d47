"""Whose part of the library is whose.

The shipped library (`library` empty) is everyone's and read-only; each clinic's own exercises,
programme templates and cards sit in a `Library` row that the clinic holds. This app knows a
library only as that row: who holds one, and which one a person uses, is answered by the object
that the EXERCISES_LIBRARY_OWNERS setting names (as AUTH_USER_MODEL names the user model), so
`exercises` never imports the app that holds the libraries.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any, Protocol

from django.conf import settings
from django.db.models import Q
from django.utils.module_loading import import_string


class LibraryOwners(Protocol):
    def library_id_for_user(self, user: Any) -> int | None:
        """The library the person works in (a therapist) or reads (a patient); None for none."""

    def library_for_name(self, identifier: str) -> tuple[int, str]:
        """(library id, the holder's name) for an id or an exact name, as typed on a command
        line; LookupError with a message for the operator when there is none."""


class NoOwners:
    """Nobody holds a library: everyone sees the shipped library only."""

    def library_id_for_user(self, user: Any) -> int | None:
        return None

    def library_for_name(self, identifier: str) -> tuple[int, str]:
        raise LookupError(f"No clinic {identifier!r}: this installation has no clinic libraries.")


@cache
def library_owners() -> LibraryOwners:
    path = getattr(settings, "EXERCISES_LIBRARY_OWNERS", "")
    return import_string(path)() if path else NoOwners()


@dataclass(frozen=True)
class LibraryScope:
    """What one person (or one library) may see: the shipped library and one library of its
    own, or everything (a superuser)."""

    library_id: int | None = None
    everything: bool = False

    def q(self, prefix: str = "") -> Q:
        if self.everything:
            return Q()
        shipped = Q(**{f"{prefix}library__isnull": True})
        if self.library_id is None:
            return shipped
        return shipped | Q(**{f"{prefix}library_id": self.library_id})

    def allows(self, library_id: int | None) -> bool:
        return self.everything or library_id is None or library_id == self.library_id


SHIPPED_ONLY = LibraryScope()


def library_scope_for_user(user: Any) -> LibraryScope:
    """Kept on the user object: a page asks several times, the database is asked once."""
    cached = getattr(user, "_library_scope", None)
    if cached is not None:
        return cached
    if not user.is_authenticated or not user.is_active:
        scope = SHIPPED_ONLY
    elif user.is_superuser:
        scope = LibraryScope(everything=True)
    else:
        scope = LibraryScope(library_id=library_owners().library_id_for_user(user))
    user._library_scope = scope
    return scope


def library_scope(library_id: int | None) -> LibraryScope:
    """What a row of this library may use: the shipped library, and its own."""
    return LibraryScope(library_id=library_id)
