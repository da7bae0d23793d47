"""No log line holds a secret from a link: the "stop reminders" token, an invitation's or a
password reset's token. Whoever can read the web server's logs must not be able to use them.

The same masking serves Django's own log records (runserver's request lines, "Not Found: …") and
gunicorn's access log (`-c python:portal.gunicorn`).
"""

from __future__ import annotations

import logging
import re
from typing import Any

from gunicorn.glogging import Logger as GunicornLogger

MASK = "…"
# The secret part of each path that carries one (see patients/urls.py and django.contrib.auth).
TOKEN_PATHS = re.compile(
    r"(?P<prefix>/(?:reminders/off|accounts/invitation|accounts/reset))/[^\s\"'?#]+"
)


def mask_tokens(text: str) -> str:
    return TOKEN_PATHS.sub(lambda match: f"{match['prefix']}/{MASK}/", text)


class TokenMaskingFilter(logging.Filter):
    """On the portal's log handler: every record's text with the token paths masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_tokens(message)
        if masked != message:
            record.msg, record.args = masked, ()
        return True


class MaskingGunicornLogger(GunicornLogger):
    """gunicorn's logger with the request line, path, query and referrer masked."""

    MASKED_ATOMS = ("r", "U", "q", "f", "{raw_uri}e", "{path_info}e", "{referer}i")

    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        atoms = super().atoms(resp, req, environ, request_time)
        for name in self.MASKED_ATOMS:
            if isinstance(atoms.get(name), str):
                atoms[name] = mask_tokens(atoms[name])
        return atoms
