import json

from django.core.management.base import BaseCommand, CommandParser

from exercises.management.library_files import write_document_text
from exercises.selectors import library_export


class Command(BaseCommand):
    help = "Write the whole exercise library as one exchange-format JSON document."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", "-o", help="write to this file instead of standard output")

    def handle(self, *args: object, **options: object) -> None:
        text = json.dumps(library_export(), indent=2, ensure_ascii=False) + "\n"
        output = options["output"]
        if not output:
            self.stdout.write(text, ending="")
            return
        assert isinstance(output, str)
        write_document_text(output, text)
        self.stderr.write(f"Library written to {output}.")
