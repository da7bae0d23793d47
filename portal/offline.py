"""The site as an app on a patient's phone: the web app manifest, the service worker's script
(`/sw.js`, templates/portal/service-worker.js) and which answers it may keep for use with no
connection.

The service worker keeps only what the portal marks as the patient's own (`KEEP_HEADER`): Today,
the programme and its exercise pages, the session player, the pain form and the pictures and
videos on them. Nothing a member of staff opens is ever marked, and nothing under /admin/ passes
through the worker at all.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.templatetags.static import static
from django.urls import reverse

KEEP_HEADER = "X-Portal-Offline"
THEME_COLOUR = "#0b5ed7"
BACKGROUND_COLOUR = "#f8f9fa"
ICON_FOLDER = "portal/icons"
# What a push reminder does on the phone (patients/push.py), loaded by the worker.
PUSH_SCRIPT = "portal/sw-push.js"
# What the patient's pages use, fetched when the worker is installed so that a page kept later
# finds its styles and scripts with no connection (tests/site/test_offline_app.py checks that
# every file a kept page loads is here).
PRECACHED = (
    "vendor/bootstrap/bootstrap.min.css",
    "vendor/htmx/htmx.min.js",
    "portal/theme.js",
    "portal/theme.css",
    "portal/site.css",
    "portal/illustrations.css",
    "portal/charts.css",
    "portal/outbox.js",
    "portal/offline.js",
    "portal/today.js",
    "portal/pain.js",
    "portal/session-player.js",
    "portal/print.js",
    f"{ICON_FOLDER}/icon.svg",
    f"{ICON_FOLDER}/icon-192.png",
    f"{ICON_FOLDER}/favicon-32.png",
    f"{ICON_FOLDER}/apple-touch-icon.png",
)


def offline_copy(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The patient's own page (or picture): their phone may keep it to show with no connection.
    Only a patient's successful read is marked; the service worker keeps nothing else."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        user = request.user
        if (
            request.method == "GET"
            and response.status_code == 200
            and user.is_authenticated
            and not user.is_staff
        ):
            response[KEEP_HEADER] = "keep"
        return response

    return wrapper


def manifest() -> dict[str, object]:
    icons = [
        {"src": static(f"{ICON_FOLDER}/icon-192.png"), "sizes": "192x192", "type": "image/png"},
        {"src": static(f"{ICON_FOLDER}/icon-512.png"), "sizes": "512x512", "type": "image/png"},
        {
            "src": static(f"{ICON_FOLDER}/icon-maskable-512.png"),
            "sizes": "512x512",
            "type": "image/png",
            "purpose": "maskable",
        },
    ]
    return {
        "id": reverse("today"),
        "name": "Exercise portal",
        "short_name": "Exercises",
        "description": "Your home exercise programme from your clinic: today's exercises, "
        "your pain reports and the session player.",
        "lang": settings.LANGUAGE_CODE,
        "start_url": reverse("today"),
        "scope": "/",
        "display": "standalone",
        "orientation": "portrait",
        "theme_color": THEME_COLOUR,
        "background_color": BACKGROUND_COLOUR,
        "icons": icons,
    }


def precached_urls() -> list[str]:
    return [static(path) for path in PRECACHED] + [reverse("offline")]


def worker_config() -> dict[str, object]:
    """What templates/portal/service-worker.js is written with. The version names the worker's
    cache of static files: every release that changes a file changes its hashed URL, and so the
    version, and the new worker drops the old files (and the pages that named them)."""
    precache = precached_urls()
    push = static(PUSH_SCRIPT)
    version = hashlib.sha256(json.dumps([precache, push]).encode()).hexdigest()[:12]
    return {
        "version": version,
        "precache": precache,
        "staticUrl": static(""),
        "offlineUrl": reverse("offline"),
        "keepHeader": KEEP_HEADER,
        # A kept page is never shown once the patient's session would have ended for want of
        # use: a copy kept at the last request is as old as that by then.
        "keptForSeconds": settings.SESSION_IDLE_MINUTES_PATIENT * 60,
        "media": [
            reverse("exercise_media", args=[0]).rsplit("0/", 1)[0],
            reverse("programme_media", args=[0]).rsplit("0/", 1)[0],
        ],
        "admin": reverse("admin:index"),
    }
