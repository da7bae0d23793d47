"""gunicorn's settings for the portal: `gunicorn portal.wsgi -c python:portal.gunicorn`.

Command-line options (bind, workers, the log files) still win over these."""

import subprocess
import sys
from typing import Any

# The access log masks the tokens in "stop reminders", invitation and password reset links.
logger_class = "portal.log_masking.MaskingGunicornLogger"


def on_starting(server: Any) -> None:
    # Django's WSGI handler runs no system checks, so the master runs them before any worker
    # starts: without collectstatic (DEBUG off) every page would answer 500, so gunicorn stops
    # with one line instead. In a process of its own, so that the master never imports Django
    # and a HUP still loads new code into new workers.
    checks = subprocess.run(
        [sys.executable, "-c", "from portal.checks import refuse_to_serve_on_errors as r; r()"],
        check=False,
    )
    if checks.returncode != 0:
        raise SystemExit(checks.returncode)
