"""Reading the portal's configuration from the environment, loudly.

A clinic's operator who mistypes a variable must be told which one, in one line, not handed a
traceback. Settings raise `ConfigError`; every entry point (manage.py, wsgi, asgi, the Celery
app, `make run`) wraps its start in `exit_on_bad_configuration()`.
"""

from __future__ import annotations

import base64
import os
import re
import sys
import zoneinfo
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


class ConfigError(Exception):
    """A configuration value is missing or malformed; the message names the variable."""

    def __init__(self, variable: str, problem: str) -> None:
        self.variable = variable
        super().__init__(f"{variable}: {problem}")


def env_str(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip()


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ConfigError(name, f"expected true or false (1/0, yes/no, on/off), got {raw!r}")


def env_int(name: str, default: int, *, minimum: int = 0, maximum: int | None = None) -> int:
    raw = env_str(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(name, f"expected a whole number, got {raw!r}") from None
    if value < minimum or (maximum is not None and value > maximum):
        upper = f" and {maximum}" if maximum is not None else ""
        raise ConfigError(name, f"expected a number between {minimum}{upper}, got {value}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = env_str(name)
    if raw is None:
        return default
    return [part.strip() for part in raw.split(",") if part.strip()]


def env_time_zone(name: str, default: str) -> str:
    value = env_str(name, default) or default
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            name, f"{value!r} is not a time zone name (use one like Europe/London)"
        ) from None
    return value


def env_redis_url(name: str, default: str) -> str:
    value = env_str(name, default) or default
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError as exc:
        raise ConfigError(name, f"malformed Redis URL {redact_url(value)!r}: {exc}") from None
    if parts.scheme not in {"redis", "rediss", "unix"}:
        raise ConfigError(
            name,
            f"expected redis://host:port/db, rediss://… or unix://…, got {redact_url(value)!r}",
        )
    if parts.scheme == "unix":
        if not parts.path:
            raise ConfigError(name, "a unix:// Redis URL needs a socket path")
        return value
    if not parts.hostname:
        raise ConfigError(name, f"no host in Redis URL {redact_url(value)!r}")
    database = parts.path.lstrip("/")
    if database and not database.isdigit():
        raise ConfigError(
            name, f"the database in {redact_url(value)!r} must be a number, got {database!r}"
        )
    del port  # parsed above only so that a non-numeric port is refused
    return value


BASE64URL = re.compile(r"^[A-Za-z0-9_-]+={0,2}$")


def base64url_bytes(value: str) -> bytes | None:
    """The bytes of an unpadded (or padded) base64url text, or None if it is not one."""
    if not BASE64URL.match(value):
        return None
    text = value.rstrip("=")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except ValueError:
        return None


def env_vapid_keys(public_name: str, private_name: str) -> tuple[str, str]:
    """The VAPID key pair push reminders are signed with: base64url raw keys, as
    `manage.py vapid_keys` prints them (the public key is the 65-byte uncompressed P-256 point
    browsers take as applicationServerKey, the private key its 32-byte secret). Neither set:
    ("", ""), push reminders are off. A pair that does not match would be signed with one key
    and subscribed with the other, and every push refused: refused here instead."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    public, private = env_str(public_name) or "", env_str(private_name) or ""
    if not public and not private:
        return "", ""
    if not private:
        raise ConfigError(private_name, f"must be set with {public_name} (or neither: no push)")
    if not public:
        raise ConfigError(public_name, f"must be set with {private_name} (or neither: no push)")
    secret = base64url_bytes(private)
    if secret is None or len(secret) != 32:
        raise ConfigError(
            private_name, "expected a base64url raw P-256 private key (32 bytes, 43 characters)"
        )
    try:
        key = ec.derive_private_key(int.from_bytes(secret, "big"), ec.SECP256R1())
    except ValueError:
        raise ConfigError(private_name, "is not a P-256 private key") from None
    point = base64url_bytes(public)
    if point is None or len(point) != 65 or point[0] != 4:
        raise ConfigError(
            public_name,
            "expected a base64url uncompressed P-256 public key (65 bytes, 87 characters)",
        )
    derived = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    if derived != point:
        raise ConfigError(public_name, f"is not the public key of {private_name}")
    return public.rstrip("="), private.rstrip("=")


def env_vapid_subject(name: str, *, required: bool) -> str:
    """Where the push services write about the portal's pushes: mailto:someone@clinic.example
    or https://clinic.example."""
    value = env_str(name) or ""
    if not value:
        if required:
            raise ConfigError(
                name,
                "must be set with the VAPID keys: mailto:you@clinic.example or "
                "https://clinic.example",
            )
        return ""
    if not vapid_subject_is_valid(value):
        raise ConfigError(
            name, f"expected mailto:you@clinic.example or https://clinic.example, got {value!r}"
        )
    return value


def vapid_subject_is_valid(value: str) -> bool:
    parts = urlsplit(value)
    local, _, domain = parts.path.rpartition("@")
    mailbox = parts.scheme == "mailto" and bool(local) and "." in domain
    site = parts.scheme == "https" and bool(parts.hostname) and parts.path in {"", "/"}
    return mailbox or site


def redact_url(url: str) -> str:
    """The URL with its password replaced, safe to print in a message or a log."""
    try:
        parts = urlsplit(url)
        if parts.password is None:
            return url
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
        return urlunsplit(parts._replace(netloc=netloc))
    except ValueError:
        return "<unparseable URL>"


def database_is_reachable(alias: str = "default") -> tuple[bool, str]:
    from django.db import connections
    from django.db.utils import Error as DatabaseError

    try:
        connection = connections[alias]
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as exc:
        return False, first_line(exc)
    return True, "ok"


def first_line(exc: BaseException) -> str:
    text = str(exc).strip() or exc.__class__.__name__
    return text.splitlines()[0].strip()


def fail(message: str) -> None:
    print(f"Configuration error: {message}", file=sys.stderr)
    raise SystemExit(2)


@contextmanager
def exit_on_bad_configuration() -> Iterator[None]:
    """Turn a bad setting, or a database that does not answer, into one clear line."""
    from django.db.utils import OperationalError

    try:
        yield
    except ConfigError as exc:
        fail(str(exc))
    except OperationalError:
        reachable, reason = database_is_reachable()
        if reachable:
            raise
        from django.conf import settings

        fail(
            f"DATABASE_URL: cannot reach the database "
            f"{redact_url(settings.DATABASE_URL)!r}: {reason}"
        )


def env_language_code(name: str, default: str) -> str:
    """A language tag Django has formats for ("en-gb", "en-us", "fr"): the clinic's dates and
    numbers follow it. A tag Django does not know would silently fall back to its default."""
    from django.conf.locale import LANG_INFO

    value = (env_str(name, default) or default).strip().lower().replace("_", "-")
    if not re.fullmatch(r"[a-z]{2,3}(-[a-z0-9]{2,8})?", value) or (
        value not in LANG_INFO and value.split("-")[0] not in LANG_INFO
    ):
        raise ConfigError(
            name, f"{value!r} is not a language Django knows (use one like en-gb or en-us)"
        )
    return value
