"""A real SMTP server for tests (the mail server is outside the portal), and a mail backend
that fails the way a mail server does."""

from __future__ import annotations

import asyncio
import email
import logging
import smtplib
import threading
import time
from email.message import Message
from typing import Any

from aiosmtpd.controller import Controller
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend

from portal.redis_server import free_port

# aiosmtpd narrates every connection at INFO from its own thread, even after the test that
# started it has ended (a killed worker's socket closes late): only its warnings matter here.
logging.getLogger("mail.log").setLevel(logging.WARNING)


class _Handler:
    def __init__(self, sink: SmtpSink) -> None:
        self.sink = sink

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        refusal = self.sink.refuse.get(address.lower())
        if refusal:
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        number = self.sink.started + 1
        self.sink.started = number
        message = email.message_from_bytes(envelope.content)
        if self.sink.hold_at == number:
            if self.sink.accept_held:  # kept before the sender hears so
                with self.sink.lock:
                    self.sink.messages.append(message)
            self.sink.holding.set()
            while not self.sink.release.is_set():
                await asyncio.sleep(0.02)
            if self.sink.accept_held:
                return "250 Message accepted for delivery"
            return "451 Requested action aborted: the test dropped this message"
        with self.sink.lock:
            self.sink.messages.append(message)
        return "250 Message accepted for delivery"


class SmtpSink:
    """Collects every message a client sends; `hold_at=n` keeps the n-th message waiting (not
    accepted) until `release` is set, to stop a worker in the middle of sending (then refused
    with a 451, or kept with `accept_held`, as a server that took the message while the sender
    died before hearing so would keep it); `refuse` maps
    an address to the reply its RCPT TO gets (say "550 5.1.1 <…>: Recipient address rejected:
    User unknown", as a mail server answers for a mailbox that does not exist)."""

    def __init__(
        self,
        hold_at: int | None = None,
        refuse: dict[str, str] | None = None,
        accept_held: bool = False,
    ) -> None:
        self.accept_held = accept_held
        self.refuse = {address.lower(): reply for address, reply in (refuse or {}).items()}
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
