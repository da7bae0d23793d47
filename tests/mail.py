"""A real SMTP server for tests (the mail server is outside the portal), and a mail backend
that fails the way a mail server does."""

from __future__ import annotations

import asyncio
import email
import smtplib
import threading
import time
from email.message import Message
from typing import Any

from aiosmtpd.controller import Controller
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend

from portal.redis_server import free_port


class _Handler:
    def __init__(self, sink: SmtpSink) -> None:
        self.sink = sink

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        number = self.sink.started + 1
        self.sink.started = number
        if self.sink.hold_at == number:
            self.sink.holding.set()
            while not self.sink.release.is_set():
                await asyncio.sleep(0.02)
            return "451 Requested action aborted: the test dropped this message"
        message = email.message_from_bytes(envelope.content)
        with self.sink.lock:
            self.sink.messages.append(message)
        return "250 Message accepted for delivery"


class SmtpSink:
    """Collects every message a client sends; `hold_at=n` keeps the n-th message waiting (not
    accepted) until `release` is set, to stop a worker in the middle of sending."""

    def __init__(self, hold_at: int | None = None) -> None:
        self.port = free_port()
        self.messages: list[Message] = []
        self.lock = threading.Lock()
        self.started = 0
        self.hold_at = hold_at
        self.holding = threading.Event()
        self.release = threading.Event()
        self.controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port)

    @property
    def email_url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def __enter__(self) -> SmtpSink:
        self.controller.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.release.set()
        self.controller.stop()

    def recipients(self) -> list[str]:
        with self.lock:
            return sorted(message["To"] for message in self.messages)

    def wait_for(self, count: int, timeout: float = 60.0) -> list[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.messages) >= count:
                break
            time.sleep(0.05)
        return self.recipients()


class FlakyBackend(LocmemBackend):
    """Fails the first `FlakyBackend.failures` sends as a mail server that went away would."""

    failures = 0

    def send_messages(self, messages: Any) -> int:
        if FlakyBackend.failures > 0:
            FlakyBackend.failures -= 1
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(messages)
