from django.core.management.base import BaseCommand, CommandError, CommandParser

from exercises.library_format import (
    SHIPPED_LIBRARY_PATH,
    LibraryDocumentError,
    parse_library_text,
)
from exercises.management.library_files import read_document_text
from exercises.services import library_import


class Command(BaseCommand):
    help = (
        "Load an exercise-library document (docs/library-format.md): all of it or "
        "nothing. Creates or updates by slug; importing the same file twice changes nothing. "
        "A version 1 document is upgraded first."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "file",
            nargs="?",
            help="the JSON document to load; '-' reads standard input (default with --shipped: "
            "the library shipped with the portal)",
        )
        parser.add_argument(
            "--shipped",
            action="store_true",
            help="load it as the portal's own library (marked shipped, read-only in the admin)",
        )

    def handle(self, *args: object, **options: object) -> None:
        file = options["file"]
        if file is None:
            if not options["shipped"]:
                raise CommandError("Name the file to import (or '-' for standard input).")
            file = str(SHIPPED_LIBRARY_PATH)
        assert isinstance(file, str)
        text = read_document_text(file)
        try:
            report = library_import(
                document=parse_library_text(text), shipped=bool(options["shipped"])
            )
        except LibraryDocumentError as exc:
            problems = "\n".join(f"  {problem}" for problem in exc.problems)
            raise CommandError(
                f"{file} was refused; nothing was written. Fix these and import again:\n{problems}"
            ) from None
        verdict = "Library imported" if report.changed else "Library already up to date"
        self.stdout.write(f"{verdict}: {report.summary()}.")
