import json

from django.core.management.base import BaseCommand, CommandError, CommandParser

from exercises.library_format import FORMAT_VERSION, LibraryDocumentError, parse_library_text
from exercises.library_upgrade import document_version
from exercises.management.library_files import (
    clinic_library,
    read_document_text,
    write_document_text,
)
from exercises.selectors import exercises_with_citations
from exercises.services import library_upgrade
from exercises.tenancy import library_scope


class Command(BaseCommand):
    help = (
        "Upgrade an exercise-library document of an older version (docs/library-format.md) and "
        "write it out for review; nothing is imported."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the older document; '-' reads standard input")
        parser.add_argument("--output", "-o", help="write to this file instead of standard output")
        parser.add_argument(
            "--clinic",
            help="a clinic's id or exact name: the doses of exercises the file does not carry "
            "come from its library and the shipped one (default: the shipped library alone)",
        )

    def handle(self, *args: object, **options: object) -> None:
        file = str(options["file"])
        clinic = options.get("clinic")
        library_id = clinic_library(str(clinic))[0] if clinic else None
        known = exercises_with_citations().filter(library_scope(library_id).q())
        text = read_document_text(file)
        try:
            document = parse_library_text(text)
            version = document_version(document)
            if version == FORMAT_VERSION:
                raise CommandError(f"{file} is already version {FORMAT_VERSION}: nothing to do")
            if version != 1 or not isinstance(document, dict):
                raise CommandError(
                    f"{file}: version must be 1 (the only older version) to be upgraded"
                )
            upgrade = library_upgrade(document=document, known=known)
        except LibraryDocumentError as exc:
            problems = "\n".join(f"  {problem}" for problem in exc.problems)
            raise CommandError(f"{file} cannot be upgraded. Fix these first:\n{problems}") from None
        out = json.dumps(upgrade.document, indent=2, ensure_ascii=False) + "\n"
        output = options["output"]
        if output:
            write_document_text(str(output), out)
        else:
            self.stdout.write(out, ending="")
        self.stderr.write(f"{file}: {upgrade.summary()}.")
