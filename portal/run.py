"""`make run`: the whole portal on one machine, under one supervisor.

Migrates, loads what the apps ship, makes the demo clinic, then runs the web server, a Celery
worker and Celery beat (and, unless REDIS_URL names one, a Redis of the run's own) until Ctrl-C,
which stops every process.
"""

from __future__ import annotations

import argparse
import io
import os
import shlex
import socket
import sys
from pathlib import Path

from portal.checks import refuse_to_serve_on_errors
from portal.config import exit_on_bad_configuration, fail

BASE_DIR = Path(__file__).resolve().parent.parent
RUN_DIR = BASE_DIR / ".run"


def port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def prepare(*, demo: bool) -> list[str]:
    """Everything before the processes start; returns the lines to show the user."""
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", interactive=False, verbosity=0)
    # The library built from the documents, through the same importer clinics use.
    library_report = io.StringIO()
    call_command("import_library", shipped=True, stdout=library_report)
    lines: list[str] = [library_report.getvalue().strip()]
    if demo:
        from patients.services import demo_clinic_ensure

        clinic, logins = demo_clinic_ensure()
        lines.append(f"Demo clinic: {clinic.name}")
        lines.extend(
            f"  {login.role:<10} {login.email:<24} password: {login.password}" for login in logins
        )
    return lines


def processes(host: str, port: int) -> dict[str, list[str]]:
    python = sys.executable
    return {
        "web": [python, "manage.py", "runserver", f"{host}:{port}"],
        "worker": [
            python,
            "-m",
            "celery",
            "-A",
            "portal.celery",
            "worker",
            "--loglevel=INFO",
            "--concurrency=2",
            "--hostname=worker@%h",
        ],
        "beat": [
            python,
            "-m",
            "celery",
            "-A",
            "portal.celery",
            "beat",
            "--loglevel=INFO",
            f"--schedule={RUN_DIR / 'celerybeat-schedule'}",
        ],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make run", description=__doc__)
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", default=os.environ.get("PORT", "8000"))
    parser.add_argument("--no-demo", action="store_true", help="do not create the demo clinic")
    args = parser.parse_args(argv)

    if not str(args.port).isdigit() or not 0 < int(args.port) < 65536:
        fail(f"PORT: expected a port number between 1 and 65535, got {args.port!r}")
    port = int(args.port)
    if not port_is_free(args.host, port):
        fail(f"PORT: {args.host}:{port} is already in use; try `make run PORT={port + 1}`")

    # A local run is a development run unless the operator says otherwise.
    os.environ.setdefault("DEBUG", "true")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    os.environ.setdefault("SITE_URL", f"http://{args.host}:{port}")
    RUN_DIR.mkdir(exist_ok=True)

    from portal.redis_server import resolve_redis

    try:
        redis_url, embedded = resolve_redis(dict(os.environ))
    except RuntimeError as exc:
        fail(f"REDIS_URL: not set, and {exc}")
        raise  # unreachable: fail() exits
    os.environ["REDIS_URL"] = redis_url
    try:
        with exit_on_bad_configuration():
            lines = prepare(demo=not args.no_demo)
        # What would fail every page (DEBUG off without collectstatic) stops the run here, in
        # one line, rather than in a traceback from the web process once everything started.
        refuse_to_serve_on_errors()

        from honcho.manager import Manager

        site = os.environ["SITE_URL"]
        redis_note = "embedded, started for this run" if embedded else "from REDIS_URL"
        print(
            "\n".join(
                [
                    "",
                    "The clinic exercise portal is starting.",
                    f"  Site:  {site}/",
                    f"  Admin: {site}/admin/",
                    f"  Redis: {redis_url} ({redis_note})",
                    *lines,
                    "Press Ctrl-C to stop everything.",
                    "",
                ]
            ),
            flush=True,
        )
        manager = Manager()
        for name, command in processes(args.host, port).items():
            manager.add_process(name, shlex.join(command), cwd=str(BASE_DIR))
        manager.loop()
        return int(manager.returncode or 0)
    finally:
        if embedded is not None:
            embedded.stop()


if __name__ == "__main__":
    sys.exit(main())
