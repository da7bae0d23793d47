"""Reading and writing library documents for the commands, with one clear line per failure."""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import CommandError


def read_document_text(file: str) -> str:
    """The text of `file` ('-' is standard input)."""
    if file == "-":
        return sys.stdin.read()
    path = Path(file)
    if not path.is_file():
        raise CommandError(f"{file}: no such file")
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CommandError(f"{file}: cannot be read ({exc})") from None


def write_document_text(output: str, text: str) -> None:
    """Write beside the target, then move into place: a failed write never leaves half a
    document where the last good one was."""
    path = Path(output)
    if not path.parent.is_dir():
        raise CommandError(f"{output}: the folder {path.parent} does not exist")
    partial = path.with_name(f".{path.name}.partial")
    try:
        partial.write_text(text, encoding="utf-8")
        partial.replace(path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise CommandError(f"{output}: cannot be written ({exc.strerror})") from None


def clinic_library(identifier: str) -> tuple[int, str]:
    """The library of the clinic named on the command line (its id or its exact name)."""
    from exercises.tenancy import library_owners

    try:
        return library_owners().library_for_name(identifier)
    except LookupError as unknown:
        raise CommandError(str(unknown)) from None


CLINIC_HELP = (
    "a clinic's id or exact name: its own library (default: the library shipped with the portal)"
)
