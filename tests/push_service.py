"""A browser vendor's push service, for tests (it is outside the portal): an HTTP server on
127.0.0.1 that takes pushes as Chrome's or Firefox's service does, checks their VAPID signature,
and decrypts them as the browser would, with the device's own private key and auth secret."""

from __future__ import annotations

import base64
import json
import os
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import http_ece
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import jwt

from portal.redis_server import free_port


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def raw_public_key(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )


@dataclass(frozen=True)
class VapidPair:
    public: str
    private: str
    subject: str = "mailto:operations@clinic.example"

    @classmethod
    def new(cls) -> VapidPair:
        key = ec.generate_private_key(ec.SECP256R1())
        secret = key.private_numbers().private_value.to_bytes(32, "big")
        return cls(b64url(raw_public_key(key)), b64url(secret))

    def environment(self) -> dict[str, str]:
        return {
            "VAPID_PUBLIC_KEY": self.public,
            "VAPID_PRIVATE_KEY": self.private,
            "VAPID_SUBJECT": self.subject,
        }


@dataclass
class Device:
    """A browser's side of a subscription: its key pair and auth secret (made here, as the
    browser makes them) and its address at this push service."""

    name: str
    endpoint: str
    key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    auth: bytes = field(default_factory=lambda: os.urandom(16))

    def subscription(self) -> dict[str, Any]:
        """What PushSubscription.toJSON() gives a page's script."""
        return {
            "endpoint": self.endpoint,
            "expirationTime": None,
            "keys": {"p256dh": b64url(raw_public_key(self.key)), "auth": b64url(self.auth)},
        }


@dataclass
class Received:
    device: str
    status: int
    payload: dict[str, Any]
    headers: dict[str, str]  # their names in lower case
    claims: dict[str, Any]


class _Handler(BaseHTTPRequestHandler):
    service: PushService

    def log_message(self, format: str, *args: Any) -> None:  # the test's output stays quiet
        return

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        headers = {name.lower(): value for name, value in self.headers.items()}
        status = self.service.take(self.path, headers, body)
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()


class PushService:
    """Collects every push the portal sends: `received` (each decrypted, with the status it was
    answered). `answers[device]` lists the statuses that device's next pushes get (201 once
    the list is used up): 404 or 410 as for a subscription that expired, 429 or 500 as for a
    busy or broken service. A push whose VAPID signature, audience, expiry or encryption is
    wrong is answered 403 and listed in `problems`."""

    def __init__(self, vapid: VapidPair) -> None:
        self.vapid = vapid
        self.port = free_port()
        self.origin = f"http://127.0.0.1:{self.port}"
        self.devices: dict[str, Device] = {}
        self.answers: dict[str, list[int]] = {}
        self.received: list[Received] = []
        self.problems: list[str] = []
        self.lock = threading.Lock()
        handler = type("Handler", (_Handler,), {"service": self})
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> PushService:
        self.thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def device(self, name: str) -> Device:
        device = Device(name, f"{self.origin}/push/{name}")
        self.devices[name] = device
        return device

    def delivered(self, device: str | None = None) -> list[dict[str, Any]]:
        """The payloads answered 201 (that the phone would show), in order."""
        return [
            push.payload
            for push in self.received
            if push.status == 201 and (device is None or push.device == device)
        ]

    def wait_for(self, count: int, timeout: float = 30.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.delivered()) >= count:
                return self.delivered()
            time.sleep(0.05)
        raise AssertionError(f"{len(self.delivered())} of {count} pushes arrived: {self.problems}")

    def take(self, path: str, headers: dict[str, str], body: bytes) -> int:
        name = path.rsplit("/", 1)[-1]
        device = self.devices.get(name)
        if device is None:
            return 404
        try:
            claims = self._check_signature(headers)
            payload = json.loads(
                http_ece.decrypt(
                    body, private_key=device.key, auth_secret=device.auth, version="aes128gcm"
                )
            )
        except (AssertionError, ValueError, KeyError, InvalidSignature) as problem:
            with self.lock:
                self.problems.append(f"{name}: {problem!r}")
            return 403
        with self.lock:
            queued = self.answers.get(name) or []
            status = queued.pop(0) if queued else 201
            self.received.append(Received(name, status, payload, headers, claims))
        return status

    def _check_signature(self, headers: dict[str, str]) -> dict[str, Any]:
        scheme, _, parameters = headers.get("authorization", "").partition(" ")
        assert scheme == "vapid", f"Authorization scheme {scheme!r}"
        parts = dict(part.split("=", 1) for part in parameters.split(","))
        assert parts["k"] == self.vapid.public, "signed with another key"
        claims = jwt.decode(parts["t"], parts["k"])
        assert claims["aud"] == self.origin, f"audience {claims['aud']!r}"
        assert claims["sub"] == self.vapid.subject, f"subject {claims['sub']!r}"
        assert time.time() < claims["exp"] <= time.time() + 24 * 3600, "expiry"
        assert headers.get("content-encoding") == "aes128gcm", "not aes128gcm"
        assert int(headers["ttl"]) > 0, "no time to live"
        return claims
