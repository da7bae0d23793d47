"""The site as an app on a phone, as the server serves it: the manifest and its icons, the service
worker's script, what the worker may keep (only a patient's own pages), the page for no
connection, and the favicon on every page. (Chromium's side is in
test_offline_browser.py.)"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.contrib.staticfiles import finders
from django.templatetags.static import static
from django.test import Client
from PIL import Image, ImageChops

from portal import icons
from portal.offline import KEEP_HEADER, precached_urls
from tests.two_factor import verified_login


def static_file(url: str) -> Path:
    """The file behind a static URL, hashed or not."""
    name = url.removeprefix(static(""))
    name = re.sub(r"\.[0-9a-f]{12}(\.[a-z0-9]+)$", r"\1", name)
    found = finders.find(name)
    assert found, url
    return Path(found)


@pytest.fixture
def alex(client: Client, runner: SimpleNamespace) -> Client:
    client.force_login(runner.patient_a.user)
    return client


# The manifest and the icons -----------------------------------------------------------------


@pytest.mark.django_db
def test_the_manifest_makes_the_site_an_installable_app(client: Client) -> None:
    response = client.get("/manifest.webmanifest")  # browsers fetch it without cookies
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert manifest["name"] == "Exercise portal" and manifest["short_name"] == "Exercises"
    assert manifest["start_url"] == "/today/" and manifest["scope"] == "/"
    assert manifest["display"] == "standalone"
    assert manifest["theme_color"] == "#0b5ed7" and manifest["background_color"]
    by_purpose = {(icon["sizes"], icon.get("purpose", "any")): icon for icon in manifest["icons"]}
    assert set(by_purpose) == {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")}
    for (sizes, purpose), icon in by_purpose.items():
        image = Image.open(static_file(icon["src"]))
        assert icon["type"] == "image/png" and image.format == "PNG"
        assert f"{image.width}x{image.height}" == sizes
        if purpose == "maskable":
            # Full bleed: a launcher's mask (circle, squircle…) never shows a transparent corner.
            assert image.mode == "RGB"


def test_the_icon_files_are_the_drawing_in_portal_icons() -> None:
    for name, drawn in icons.drawn().items():
        path = icons.FOLDER / name
        if name.endswith(".svg"):
            assert path.read_bytes() == drawn, f"{name}: run `make icons`"
            continue
        kept, fresh = (
            Image.open(path).convert("RGBA"),
            Image.open(io.BytesIO(drawn)).convert("RGBA"),
        )
        assert kept.size == fresh.size, name
        worst = max(high for _low, high in ImageChops.difference(kept, fresh).getextrema())
        assert worst <= 8, f"{name} differs from the drawing by {worst}: run `make icons`"
    apple = Image.open(icons.FOLDER / "apple-touch-icon.png")
    assert apple.size == (180, 180) and apple.mode == "RGB"  # iOS shows transparency as black


@pytest.mark.django_db
def test_every_page_names_the_favicon_and_the_patient_site_the_manifest(alex: Client) -> None:
    pages = {
        "today": (alex.get("/today/"), True),
        "login": (Client().get("/accounts/login/"), True),
        "admin login": (Client().get("/admin/login/"), False),
    }
    for what, (response, site) in pages.items():
        html = response.content.decode()
        assert f'<link rel="icon" href="{static("portal/icons/icon.svg")}"' in html, what
        assert f'href="{static("portal/icons/favicon-32.png")}"' in html, what
        assert (
            f'<link rel="apple-touch-icon" href="{static("portal/icons/apple-touch-icon.png")}"'
            in html
        ), what
        assert ('<link rel="manifest" href="/manifest.webmanifest">' in html) is site, what
        assert ('<meta name="theme-color" content="#0b5ed7">' in html) is site, what


# The service worker's script ------------------------------------------------------------------


def worker_config(script: str) -> dict[str, object]:
    found = re.search(r"^var CONFIG = (\{.*?^\});$", script, re.S | re.M)
    assert found, script[:400]
    return json.loads(found.group(1))


@pytest.mark.django_db
def test_the_service_worker_is_served_at_the_root_with_the_releases_hashed_files(
    client: Client,
) -> None:
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/javascript; charset=utf-8"
    # Checked anew on every visit, so that a release reaches the phone at once; it names no one.
    assert response["Cache-Control"] == "no-cache"
    script = response.content.decode()
    config = worker_config(script)
    hashed = static("portal/offline.js")
    assert re.search(r"portal/offline\.[0-9a-f]{12}\.js$", hashed)  # production storage
    assert hashed in config["precache"] and "/offline/" in config["precache"]
    for url in config["precache"]:
        if url.startswith(static("")):
            static_file(url)
    assert config["staticUrl"] == "/static/"
    assert config["media"] == ["/media/exercise/", "/media/programme/"]
    assert config["keptForSeconds"] == 7 * 24 * 60 * 60
    # The push handlers (static/portal/sw-push.js), by their hashed name.
    assert f'importScripts("{static("portal/sw-push.js")}")' in script
    again = client.get("/sw.js", HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304 and not again.content  # the same release: nothing to fetch
    assert again["Cache-Control"] == "no-cache"


@pytest.mark.django_db
def test_the_worker_fetches_at_installation_every_static_file_a_kept_page_uses(
    alex: Client, runner: SimpleNamespace
) -> None:
    precached = set(precached_urls())
    pages = [
        "/today/",
        "/programme/",
        f"/programme/exercises/{runner.bridge_a.pk}/",
        "/today/session/",
        f"/today/exercises/{runner.plank_a.pk}/play/",
        "/pain/new/",
        "/offline/",
    ]
    for url in pages:
        response = alex.get(url)
        assert response.status_code == 200, url
        used = set(re.findall(r'(?:src|href)="(/static/[^"]+)"', response.content.decode()))
        assert used and used <= precached, f"{url}: not fetched at installation: {used - precached}"


# What the worker may keep ---------------------------------------------------------------------


@pytest.mark.django_db
def test_only_the_patients_own_pages_are_marked_to_keep(
    alex: Client, runner: SimpleNamespace
) -> None:
    kept = [
        "/today/",
        "/programme/",
        f"/programme/exercises/{runner.bridge_a.pk}/",
        "/today/session/",
        f"/today/exercises/{runner.plank_a.pk}/play/",
        "/pain/new/",
    ]
    for url in kept:
        assert alex.get(url)[KEEP_HEADER] == "keep", url
    not_kept = ["/history/", "/settings/", "/safety-check/", "/offline/", "/sw.js"]
    for url in not_kept:
        assert KEEP_HEADER not in alex.get(url), url
    # A form sent, another patient's page, a page answered with a redirect: never.
    posted = alex.post("/pain/new/", {"score": "99"})
    assert posted.status_code == 400 and KEEP_HEADER not in posted
    assert KEEP_HEADER not in alex.get(f"/programme/exercises/{runner.bridge_b.pk}/")


@pytest.mark.django_db
def test_nothing_staff_open_is_marked_to_keep(client: Client, runner: SimpleNamespace) -> None:
    from patients.models import PrescribedExerciseMedia

    media = PrescribedExerciseMedia.objects.create(
        prescribed_exercise=runner.bridge_a,
        file="patients/bridge.png",
        kind="image",
        content_type="image/png",
        size=0,
        caption="Knees over the feet",
    )
    media.file.storage.save("patients/bridge.png", io.BytesIO(b""))
    patient = Client()
    patient.force_login(runner.patient_a.user)
    assert patient.get(f"/media/programme/{media.pk}/")[KEEP_HEADER] == "keep"
    verified_login(client, runner.owner.user)
    urls = [
        f"/media/programme/{media.pk}/",
        "/admin/",
        f"/admin/patients/patient/{runner.patient_a.pk}/change/",
        "/exercises/",
        "/today/",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code in {200, 302}, url
        assert KEEP_HEADER not in response, url


@pytest.mark.django_db
def test_the_page_for_no_connection_names_no_one(client: Client) -> None:
    response = client.get("/offline/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "No connection" in html and 'href="/today/"' in html
