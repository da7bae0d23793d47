"""What a newcomer reads is true: `make help` lists every target, and the README's examples of
output are what the portal prints."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys

import pytest
from django.core.management import execute_from_command_line
from django.test import Client

from tests.factories import ClinicFactory
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


# The README's examples of output are the portal's own output ---------------------------------

README = BASE_DIR / "README.md"


def fenced_blocks(markdown: str) -> list[tuple[str, str]]:
    """Each fenced block of a Markdown text: its info string ("sh", "json", "") and its text."""
    return [
        (info, body.rstrip("\n"))
        for info, body in re.findall(r"^```(\w*)\n(.*?)^```$", markdown, re.MULTILINE | re.DOTALL)
    ]


def readme_section(title: str) -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else None]


def example_pattern(example: str) -> re.Pattern[str]:
    """An example line as a pattern: its "…" stands for text that differs from run to run."""
    return re.compile(".*".join(re.escape(part) for part in example.split("…")))


@pytest.mark.django_db
def test_readme_import_error_example_is_what_import_library_prints(
    library: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    blocks = fenced_blocks(readme_section("The exercise library"))
    at = next(
        i
        for i, (info, body) in enumerate(blocks)
        if info == "sh" and "import_library docs/examples/" in body
    )
    command, (_, printed) = shlex.split(blocks[at][1]), blocks[at + 1]
    assert command[:2] == [".venv/bin/python", "manage.py"]
    ClinicFactory(name=command[command.index("--clinic") + 1])
    monkeypatch.chdir(BASE_DIR)
    capsys.readouterr()

    with pytest.raises(SystemExit) as exit_status:
        execute_from_command_line(command[1:])

    assert exit_status.value.code == 1
    assert capsys.readouterr().err.rstrip("\n") == printed


@pytest.mark.django_db
def test_readme_health_check_example_is_what_healthz_answers(client: Client) -> None:
    [example] = [
        body for info, body in fenced_blocks(readme_section("Health check")) if info == "json"
    ]
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == json.loads(example)


def test_readme_configuration_errors_are_what_manage_py_prints() -> None:
    [example] = [body for info, body in fenced_blocks(readme_section("Configuration")) if not info]
    # How to bring about each example line, by the variable it names.
    bring_about = {
        "SECRET_KEY": lambda line: {"SECRET_KEY": None},
        # The example's own URL, with a password where it shows ***, and its host reached at
        # 127.0.0.1 (PGHOSTADDR) without asking DNS: whatever answers there, nobody is "portal".
        "DATABASE_URL": lambda line: {
            "DATABASE_URL": re.search(r"'(postgres://[^']+)'", line)[1].replace("***", "secret"),
            "PGHOSTADDR": "127.0.0.1",
            "DATABASE_CONNECT_TIMEOUT": "2",
        },
    }
    for line in example.splitlines():
        variable = line.removeprefix("Configuration error: ").split(":")[0]
        assert variable in bring_about, f"add how to bring about the README's line: {line}"
        env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
        env.update(DEBUG="false", SECRET_KEY="a-long-random-production-key-for-these-tests-01234")
        for name, value in bring_about[variable](line).items():
            if value is None:
                env.pop(name, None)
            else:
                env[name] = value
        result = subprocess.run(
            [sys.executable, "manage.py", "migrate", "--check"],
            cwd=BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == 2, result.stderr
        assert example_pattern(line).fullmatch(result.stderr.strip()), (line, result.stderr)
