from django.core.management.base import BaseCommand, CommandError, CommandParser

from exercises.library_format import (
    SHIPPED_LIBRARY_PATH,
    LibraryDocumentError,
    parse_library_text,
)
from exercises.management.library_files import CLINIC_HELP, clinic_library, read_document_text
from exercises.services import library_import


class Command(BaseCommand):
    help = (
        "Load an exercise-library document (docs/library-format.md): all of it or "
        "nothing. Creates or updates by slug; importing the same file twice changes nothing. "
        "A version 1 document is upgraded first. Into one clinic's own library (--clinic) or "
        "into the library shipped with the portal (--shipped), never both."
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
        parser.add_argument("--clinic", help=CLINIC_HELP.replace("default: ", "or --shipped for "))

    def handle(self, *args: object, **options: object) -> None:
        clinic, shipped = options.get("clinic"), bool(options["shipped"])
        if clinic and shipped:
            raise CommandError("Give --clinic or --shipped, not both: a library is never mixed.")
        if not clinic and not shipped and options["file"] is not None:
            raise CommandError(
                "Say whose library this is: --clinic CLINIC (its id or exact name) for a "
                "clinic's own, or --shipped for the library shipped with the portal."
            )
        library_id, owner = clinic_library(str(clinic)) if clinic else (None, "")
        file = options["file"]
        if file is None:
            if not options["shipped"]:
                raise CommandError("Name the file to import (or '-' for standard input).")
            file = str(SHIPPED_LIBRARY_PATH)
        assert isinstance(file, str)
        text = read_document_text(file)
        try:
            report = library_import(
                document=parse_library_text(text), shipped=shipped, library_id=library_id
            )
        except LibraryDocumentError as exc:
            problems = "\n".join(f"  {problem}" for problem in exc.problems)
            raise CommandError(
                f"{file} was refused; nothing was written. Fix these and import again:\n{problems}"
            ) from None
        verdict = "Library imported" if report.changed else "Library already up to date"
        whose = f" ({owner}'s own library)" if owner else ""
        self.stdout.write(f"{verdict}{whose}: {report.summary()}.")
