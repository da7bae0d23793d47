"""What a newcomer or an operator reads is true: `make help` lists every target, the README's
examples of output are what the portal prints, and what docs/operations.md says to run or open
does what it says."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import textwrap
from datetime import datetime, timedelta
from importlib.util import find_spec
from itertools import takewhile

import pytest
from django.core.management import (
    CommandError,
    call_command,
    execute_from_command_line,
    get_commands,
    load_command_class,
)
from django.db import connection
from django.test import Client
from django.utils import timezone

from patients.models import Alert, Invitation, Outgoing, Reminder, WeeklyDigest
from tests.factories import ClinicFactory, PrescriptionFactory, UserFactory
from tests.processes import BASE_DIR
from tests.two_factor import verified_login


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


# A fenced block, also one indented in a list item.
FENCED = re.compile(r"^[ \t]*```(\w*)\n(.*?)^[ \t]*```$", re.MULTILINE | re.DOTALL)


def fenced_blocks(markdown: str) -> list[tuple[str, str]]:
    """Each fenced block of a Markdown text: its info string ("sh", "json", "") and its text."""
    return [(info, textwrap.dedent(body).rstrip("\n")) for info, body in FENCED.findall(markdown)]


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


# docs/operations.md: what it tells an operator to run or open does what it says ---------------

OPERATIONS = BASE_DIR / "docs" / "operations.md"
DOCUMENTS = [README, *sorted((BASE_DIR / "docs").glob("*.md"))]


def code_lines(markdown: str) -> list[str]:
    """Every line of code in a Markdown text: fenced blocks' lines and inline code spans."""
    fenced = [line for _, body in fenced_blocks(markdown) for line in body.splitlines()]
    prose = FENCED.sub("", markdown)
    return fenced + re.findall(r"`([^`\n]+)`", prose)


def test_every_command_the_docs_show_exists_with_the_options_shown() -> None:
    commands = get_commands()
    targets = set(re.findall(r"^([\w-]+):", (BASE_DIR / "Makefile").read_text(), re.MULTILINE))
    shown = 0
    for document in DOCUMENTS:
        for line in code_lines(document.read_text(encoding="utf-8")):
            for target in re.findall(r"\bmake ([a-z][\w-]*)", line):
                assert target in targets, f"{document.name}: `make {target}` is no Makefile target"
            for module in re.findall(r"python -m ([\w.]+)", line):
                assert find_spec(module), f"{document.name}: no module {module} ({line})"
            if match := re.search(r"\bmanage\.py (\w.*)", line):
                words = shlex.split(match[1], comments=True)
                words = list(takewhile(lambda word: word not in {"&&", "|", ";", ">"}, words))
                name, options = words[0], words[1:]
                assert name in commands, f"{document.name}: no command `manage.py {name}`"
                parser = load_command_class(commands[name], name).create_parser("manage.py", name)
                try:
                    parser.parse_args(options)
                except CommandError as refused:
                    pytest.fail(f"{document.name}: `manage.py {match[1]}`: {refused}")
                shown += 1
    assert shown > 10


def make_emails(*, delivery: str, now: datetime) -> dict[str, object]:
    """One email of each kind, in the given delivery state."""
    prescription = PrescriptionFactory()
    patient = prescription.patient
    return {
        "reminder": Reminder.objects.create(
            prescription=prescription,
            patient=patient,
            local_date=now.date(),
            due_at=now - timedelta(hours=2),
            delivery=delivery,
            claimed_at=now,
        ),
        "alert": Alert.objects.create(
            patient=patient, cause=Alert.Cause.HIGH_PAIN, delivery=delivery, claimed_at=now
        ),
        "invitation": Invitation.objects.create(
            user=patient.user, delivery=delivery, claimed_at=now
        ),
        "weekly digest": WeeklyDigest.objects.create(
            therapist=prescription.therapist,
            week_start=now.date(),
            delivery=delivery,
            claimed_at=now,
        ),
    }


@pytest.mark.django_db
def test_operations_admin_addresses_list_the_failed_emails(client: Client) -> None:
    now = timezone.now()
    failed = make_emails(delivery=Outgoing.Delivery.FAILED, now=now)
    make_emails(delivery=Outgoing.Delivery.SENT, now=now)
    verified_login(client, UserFactory(is_staff=True, is_superuser=True))

    addresses = re.findall(r"`(/admin/[^`]+)`", OPERATIONS.read_text(encoding="utf-8"))
    assert len(addresses) == 3
    for address in addresses:
        response = client.get(address)
        assert response.status_code == 200, address
        listed = list(response.context["cl"].result_list)
        kind = response.context["cl"].model._meta.verbose_name
        assert listed == [failed[kind]], address


@pytest.mark.django_db
def test_operations_command_sends_failed_invitations_and_digests_again(
    capsys: pytest.CaptureFixture[str],
) -> None:
    failed = make_emails(delivery=Outgoing.Delivery.FAILED, now=timezone.now())
    [line] = [line for line in code_lines(OPERATIONS.read_text()) if "manage.py shell" in line]
    words = shlex.split(line)
    capsys.readouterr()

    call_command("shell", command=words[words.index("-c") + 1])

    assert capsys.readouterr().out.splitlines()[-1] == "2"  # after Django's shell's own notes
    for kind in ("invitation", "weekly digest"):
        failed[kind].refresh_from_db()
        assert failed[kind].delivery == Outgoing.Delivery.PENDING
    failed["reminder"].refresh_from_db()
    assert failed["reminder"].delivery == Outgoing.Delivery.FAILED


@pytest.mark.django_db
def test_operations_queries_find_failed_and_waiting_emails() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the queries in docs/operations.md are PostgreSQL's, for production")
    queries = [body for info, body in fenced_blocks(OPERATIONS.read_text()) if info == "sql"]
    assert len(queries) == 3

    def counts() -> list[dict[str, int]]:
        with connection.cursor() as cursor:
            results = []
            for query in queries:
                cursor.execute(query)
                results.append(dict(cursor.fetchall()))
        return results

    assert all(set(found.values()) == {0} for found in counts())
    now = timezone.now()
    make_emails(delivery=Outgoing.Delivery.SENT, now=now)
    make_emails(delivery=Outgoing.Delivery.FAILED, now=now)
    waiting = make_emails(delivery=Outgoing.Delivery.PENDING, now=now)
    Alert.objects.filter(pk=waiting["alert"].pk).update(created_at=now - timedelta(hours=2))
    failed_today, waiting_too_long, never_handed_over = counts()

    assert failed_today == {"reminders": 1, "alerts": 1, "weekly digests": 1, "invitations": 1}
    # The invitation and digest were made a moment ago: not yet late.
    assert waiting_too_long == {"reminders": 1, "alerts": 1, "weekly digests": 0, "invitations": 0}
    assert never_handed_over == {"reminders": 1, "alerts": 1, "invitations": 0}
