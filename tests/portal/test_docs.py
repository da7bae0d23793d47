"""What a newcomer or an operator reads is true: `make help` lists every target, every link and
path in the README and docs/ is in a fresh clone, the README's examples of output are what the
portal prints, and what docs/operations.md says to run or open does what it says."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from datetime import datetime, timedelta
from importlib.util import find_spec
from itertools import takewhile
from pathlib import Path
from urllib.parse import unquote

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
from tests.markdown import FENCED, README, example_pattern, fenced_blocks, readme_section
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


# Every link and repository path in the README and docs/ resolves in a fresh clone -------------
#
# CI runs on a clean clone, so what counts is what git holds: the documents are read from a clone
# of the committed state, and what they point at must be in that clone. The rule:
# - a Markdown link `[text](target)` without a scheme (http:, mailto:…) is a file or folder,
#   relative to its document (or to the repository's root when it starts with "/", as on GitHub);
#   it must lie inside the repository and exist there, and its `#fragment` must be a heading of
#   the Markdown file it names (GitHub's slugs);
# - a backticked span that is a bare path (letters, digits, ".", "-", "_" and "/", no spaces) is
#   a repository path, written from the root, when it starts with "./" or "../", ends with "/",
#   ends with a file extension, or starts with a top-level name of the repository: it too must lie
#   inside and exist, unless git ignores it (a file the portal makes as it runs: `.run/…`,
#   `test-artifacts/`). Spans starting with "/" are the site's addresses (`/healthz`) or a
#   server's paths, and spans with "://" are URLs: neither is a repository path.

LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE = re.compile(r"^ {0,3}\[[^\]]+\]:\s*<?([^>\s]+)>?", re.MULTILINE)
SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def github_slug(heading: str) -> str:
    """The anchor GitHub gives a heading: its text (a link's text, no Markdown), lowercased,
    punctuation dropped, each space a hyphen."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading).strip().lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def heading_anchors(markdown: str) -> set[str]:
    anchors: set[str] = set()
    seen: dict[str, int] = {}
    for heading in re.findall(
        r"^#{1,6}[ \t]+(.+?)[ \t#]*$", FENCED.sub("", markdown), re.MULTILINE
    ):
        slug = github_slug(heading)
        anchors.add(f"{slug}-{seen[slug]}" if slug in seen else slug)
        seen[slug] = seen.get(slug, 0) + 1
    return anchors


def looks_like_a_repository_path(span: str, top_level: set[str]) -> bool:
    if "/" not in span or span.startswith("/") or not re.fullmatch(r"[\w.\-/]+", span):
        return False
    return (
        span.startswith(("./", "../"))
        or span.endswith("/")
        or re.search(r"\.\w+$", span.rsplit("/", 1)[-1]) is not None
        or span.split("/")[0] in top_level
    )


def broken_references(repository: Path, document: Path) -> list[str]:
    """What `document` (inside `repository`) points at that the repository does not hold."""
    root = repository.resolve()
    name = document.relative_to(repository).as_posix()
    prose = FENCED.sub("", document.read_text(encoding="utf-8"))
    spans = re.findall(r"`([^`\n]+)`", prose)
    without_code = re.sub(r"`[^`\n]+`", "", prose)
    problems = []

    def inside(path: Path) -> Path | None:
        resolved = path.resolve()
        return resolved if resolved.is_relative_to(root) else None

    for target in LINK.findall(without_code) + REFERENCE.findall(without_code):
        if SCHEME.match(target):
            continue
        path, _, fragment = unquote(target).partition("#")
        if not path:
            found: Path | None = document.resolve()
        else:
            found = inside(
                repository / path.lstrip("/") if path.startswith("/") else document.parent / path
            )
        if found is None:
            problems.append(f"{name}: ({target}) points outside the repository")
        elif not found.exists():
            problems.append(f"{name}: ({target}) is not in the repository")
        elif (
            fragment
            and found.suffix == ".md"
            and fragment not in heading_anchors(found.read_text(encoding="utf-8"))
        ):
            problems.append(f"{name}: ({target}) names no heading of {found.name}")

    top_level = {entry.name for entry in repository.iterdir()} - {".git"}
    paths = {
        span: inside(repository / span)
        for span in spans
        if looks_like_a_repository_path(span, top_level)
    }
    problems += [
        f"{name}: `{span}` points outside the repository"
        for span, found in paths.items()
        if found is None
    ]
    candidates = [
        span
        for span, found in paths.items()
        if found is not None and not (found.is_dir() if span.endswith("/") else found.exists())
    ]
    ignored = subprocess.run(
        ["git", "check-ignore", "--stdin"],
        cwd=repository,
        input="\n".join(candidates),
        capture_output=True,
        text=True,
        check=False,
    ).stdout.splitlines()
    problems += [
        f"{name}: `{span}` is not in the repository" for span in candidates if span not in ignored
    ]
    return problems


def git(*args: str, cwd: Path) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    return subprocess.run(
        ["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True, timeout=60
    ).stdout.strip()


@pytest.fixture
def clone(tmp_path: Path) -> Path:
    """A fresh clone of the repository, at the commit checked out here: only what is committed."""
    head = git("rev-parse", "HEAD", cwd=BASE_DIR)
    git("clone", "--quiet", "--no-checkout", str(BASE_DIR), str(tmp_path / "clone"), cwd=tmp_path)
    git("checkout", "--quiet", "--detach", head, cwd=tmp_path / "clone")
    return tmp_path / "clone"


def test_every_link_and_path_in_the_readme_and_docs_resolves_in_a_fresh_clone(clone: Path) -> None:
    documents = [clone / "README.md", *sorted((clone / "docs").glob("*.md"))]
    assert {"README.md", "product.md", "library-format.md", "operations.md"} <= {
        document.name for document in documents
    }
    problems = [problem for document in documents for problem in broken_references(clone, document)]
    assert problems == []


def test_the_readme_links_to_every_document_in_docs(clone: Path) -> None:
    readme = (clone / "README.md").read_text(encoding="utf-8")
    linked = {target.partition("#")[0] for target in LINK.findall(readme)}
    assert {f"docs/{doc.name}" for doc in (clone / "docs").glob("*.md")} <= linked


def test_the_link_rule_catches_what_a_clone_would_not_have(clone: Path) -> None:
    (clone / "docs" / "draft.md").write_text(
        """# Draft

The brief is in `../shared/PRODUCT.md` ([the brief](../shared/PRODUCT.md),
[outside](../../shared/PRODUCT.md), [also](/work/shared/PRODUCT.md)); see
`docs/no-such-file.md`, `exercises/no-such-folder/`, [operations](operations.md#no-such-heading)
and [draft](#draft-1).

Fine: `exercises/library/sources/`, `portal/settings.py`, `.ci/run`, `test-artifacts/`,
`true/false`, `/healthz?worker=1`, `redis://127.0.0.1:6379/0`, `templates/<app>/…`,
[monitoring](operations.md#monitoring), [the README](../README.md#the-two-commands),
[this](#draft), [PyPI](https://pypi.org/project/honcho/).

```sh
cat ../shared/PRODUCT.md   # code is not checked
```
""",
        encoding="utf-8",
    )
    assert broken_references(clone, clone / "docs" / "draft.md") == [
        "docs/draft.md: (../shared/PRODUCT.md) is not in the repository",
        "docs/draft.md: (../../shared/PRODUCT.md) points outside the repository",
        "docs/draft.md: (/work/shared/PRODUCT.md) is not in the repository",
        "docs/draft.md: (operations.md#no-such-heading) names no heading of operations.md",
        "docs/draft.md: (#draft-1) names no heading of draft.md",
        "docs/draft.md: `../shared/PRODUCT.md` points outside the repository",
        "docs/draft.md: `docs/no-such-file.md` is not in the repository",
        "docs/draft.md: `exercises/no-such-folder/` is not in the repository",
    ]


# The README's examples of output are the portal's own output ---------------------------------


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
    [example] = [
        body
        for info, body in fenced_blocks(readme_section("Configuration"))
        if not info and body.startswith("Configuration error: ")
    ]
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
    # A command quoted inside printed output (an error message saying what to run) is a code
    # span of its own.
    fenced = [
        part
        for line in fenced
        for part in (re.findall(r"`([^`\n]+)`", line) if "`" in line else [line])
    ]
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
