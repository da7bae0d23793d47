import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

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
        path = Path(output)
        if not path.parent.is_dir():
            raise CommandError(f"{output}: the folder {path.parent} does not exist")
        # Written beside the target, then moved into place: a failed export never leaves half a
        # backup where the last good one was.
        partial = path.with_name(f".{path.name}.partial")
        try:
            partial.write_text(text, encoding="utf-8")
            partial.replace(path)
        except OSError as exc:
            partial.unlink(missing_ok=True)
            raise CommandError(f"{output}: cannot be written ({exc.strerror})") from None
        self.stderr.write(f"Library written to {output}.")
