"""What a newcomer reads is true: `make help` lists every target."""

from __future__ import annotations

import os
import re
import subprocess

from tests.processes import BASE_DIR


def phony_targets(makefile: str) -> list[str]:
    """Every target the Makefile declares .PHONY (continued lines included)."""
    joined = makefile.replace("\\\n", " ")
    targets: list[str] = []
    for line in joined.splitlines():
        if line.startswith(".PHONY:"):
            targets += line.removeprefix(".PHONY:").split()
    return targets


def test_make_help_lists_every_phony_target() -> None:
    targets = phony_targets((BASE_DIR / "Makefile").read_text())
    assert {"run", "test", "help"} <= set(targets)
    # Not the flags of a `make test` this may run under.
    env = {k: v for k, v in os.environ.items() if k not in {"MAKEFLAGS", "MFLAGS", "MAKELEVEL"}}
    result = subprocess.run(
        ["make", "--no-print-directory", "help"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    listed = {
        match.group(1) for match in re.finditer(r"^make ([\w-]+)", result.stdout, re.MULTILINE)
    }
    assert [target for target in targets if target not in listed] == [], result.stdout
