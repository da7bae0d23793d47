"""Reading the README and docs/ in tests: their code blocks, their sections, their examples."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"

# A fenced block, also one indented in a list item.
FENCED = re.compile(r"^[ \t]*```(\w*)\n(.*?)^[ \t]*```$", re.MULTILINE | re.DOTALL)


def fenced_blocks(markdown: str) -> list[tuple[str, str]]:
    """Each fenced block of a Markdown text: its info string ("sh", "json", "") and its text."""
    return [(info, textwrap.dedent(body).rstrip("\n")) for info, body in FENCED.findall(markdown)]


def readme_section(title: str) -> str:
    """The README's `## title` section, up to the next one."""
    text = README.read_text(encoding="utf-8")
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else None]


def example_pattern(example: str) -> re.Pattern[str]:
    """An example line as a pattern: its "…" stands for text that differs from run to run."""
    return re.compile(".*".join(re.escape(part) for part in example.split("…")))
