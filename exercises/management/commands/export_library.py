import json

from django.core.management.base import BaseCommand, CommandParser

from exercises.management.library_files import CLINIC_HELP, clinic_library, write_document_text
from exercises.selectors import library_export


class Command(BaseCommand):
    help = (
        "Write the library shipped with the portal, or one clinic's own library (--clinic), as "
        "one exchange-format JSON document."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", "-o", help="write to this file instead of standard output")
        parser.add_argument("--clinic", help=CLINIC_HELP)

    def handle(self, *args: object, **options: object) -> None:
        clinic = options.get("clinic")
        library_id, owner = clinic_library(str(clinic)) if clinic else (None, "")
        document = library_export(library_id=library_id)
        text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
        output = options["output"]
        if not output:
            self.stdout.write(text, ending="")
            return
        assert isinstance(output, str)
        write_document_text(output, text)
        whose = f"{owner}'s own library" if owner else "The shipped library"
        self.stderr.write(f"{whose} written to {output}.")
