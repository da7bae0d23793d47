"""The site as an app on a phone (390×844) in real Chromium: it passes Chromium's installability
checks; with the network cut, Today, the programme, the exercise pages with their pictures and
the session player open from the phone's copy; a check-off and a pain report made then are saved
on the phone and reach the portal once, with the time they were made, when the network returns;
urgent warning signs are answered at once; logging out clears the phone, and asks before losing
anything not sent.

Installability is checked in a persistent profile: Chromium says "in-incognito" of Playwright's
throwaway contexts. The network is cut between Chromium and the portal (tests/network.py), as
well as in Playwright (`context.set_offline`, so that the page knows): Playwright's cut alone
stops the service worker's own requests, but not the first requests of a document the worker has
just served (a kept page's outbox sending as it opens reached the portal)."""

from __future__ import annotations

import io
import os
import re
from datetime import datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from PIL import Image

from patients.models import Alert, CheckOff, PainReport, PrescribedExerciseMedia
from tests.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.network import SwitchableLink

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

SAVED = "Saved on this phone, will send"
REPORT_PAGE = re.compile(r"/pain/[0-9]+/$")
KEPT_PAGES = """async () => {
  const cache = await caches.open("portal-pages");
  return (await cache.keys()).map((request) => new URL(request.url).pathname);
}"""


@pytest.fixture
def phone(live_site, monkeypatch, tmp_path: Path):
    """A phone's browser: Chromium with a profile of its own (not incognito), 390×844, reaching
    the portal over a link the test cuts (`phone.offline()`, `phone.online()`). The test fails
    if the Content-Security-Policy refused anything."""
    if not os.path.exists(CHROMIUM):
        message = "browser tests need Chromium: apt-get install chromium, or set CHROMIUM_PATH"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from django.db import connections
    from playwright.sync_api import sync_playwright

    link = SwitchableLink(int(live_site.url.rsplit(":", 1)[1]))
    refused: list[str] = []
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"),
            executable_path=CHROMIUM,
            args=CHROMIUM_ARGS,
            viewport={"width": 390, "height": 844},
            is_mobile=True,
            has_touch=True,
        )
        context.on(
            "console",
            lambda message: (
                refused.append(message.text) if "Content Security Policy" in message.text else None
            ),
        )
        page = context.pages[0] if context.pages else context.new_page()
        page.set_default_timeout(15_000)

        def offline() -> None:
            link.cut()  # nothing reaches the portal
            context.set_offline(True)  # and the page knows: navigator.onLine is false

        def online() -> None:
            link.restore()
            context.set_offline(False)  # the "online" event: the phone sends what it kept

        yield SimpleNamespace(
            context=context, page=page, url=link.url, offline=offline, online=online
        )
        context.close()
        # As tests/conftest.py's `browser` does: the test's ORM connection is visible here only.
        connections.close_all()
    link.close()
    assert not refused, "The Content-Security-Policy refused:\n" + "\n".join(refused)


def log_in(phone: SimpleNamespace, user) -> None:
    page = phone.page
    page.goto(f"{phone.url}/")
    # The login page installs the worker; Today, opened once it runs, is its from the start.
    page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
    page.fill("#id_username", user.email)
    page.fill("#id_password", "a-strong-passphrase")
    page.click("button[type=submit]")
    page.wait_for_url("**/today/")
    # The worker runs and has kept what Today links to.
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    page.wait_for_selector("html[data-offline-kept]", state="attached")


def a_picture(item) -> PrescribedExerciseMedia:
    """The therapist's picture for the patient's bridge (as an upload would store it)."""
    out = io.BytesIO()
    Image.new("RGB", (320, 200), (70, 130, 180)).save(out, format="PNG")
    name = default_storage.save("patients/bridge.png", ContentFile(out.getvalue()))
    return PrescribedExerciseMedia.objects.create(
        prescribed_exercise=item,
        file=name,
        kind="image",
        content_type="image/png",
        size=len(out.getvalue()),
        width=320,
        height=200,
        caption="Your bridge on the mat",
    )


def between(moment: datetime, before: datetime, after: datetime) -> bool:
    # The browser's clock and the portal's are the same machine's; the phone's time keeps
    # milliseconds only.
    return before - timedelta(milliseconds=1) <= moment <= after


def test_the_site_installs_as_an_app(phone: SimpleNamespace, runner: SimpleNamespace) -> None:
    log_in(phone, runner.patient_a.user)
    page = phone.page
    cdp = phone.context.new_cdp_session(page)
    assert cdp.send("Page.getInstallabilityErrors") == {"installabilityErrors": []}
    manifest = cdp.send("Page.getAppManifest")
    assert manifest["url"].endswith("/manifest.webmanifest") and not manifest["errors"]
    assert page.evaluate("navigator.serviceWorker.controller.scriptURL").endswith("/sw.js")
    icon = page.evaluate("document.querySelector('link[rel=icon]').href")
    assert page.evaluate(f"fetch('{icon}').then((r) => r.status)") == 200


def test_today_works_with_no_connection_and_what_was_done_then_reaches_the_portal_once(
    phone: SimpleNamespace, runner: SimpleNamespace, screenshot_dir: Path, settings, tmp_path
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    picture = a_picture(runner.bridge_a)
    bridge, plank, page, url = runner.bridge_a, runner.plank_a, phone.page, phone.url
    log_in(phone, runner.patient_a.user)
    kept = set(page.evaluate(KEPT_PAGES))
    own_pages = {
        "/today/",
        "/programme/",
        "/pain/new/",
        "/today/session/",
        f"/programme/exercises/{bridge.pk}/",
        f"/programme/exercises/{plank.pk}/",
        f"/today/exercises/{bridge.pk}/play/",
        f"/today/exercises/{plank.pk}/play/",
        f"/media/programme/{picture.pk}/",
    }
    assert own_pages <= kept, own_pages - kept
    assert kept - own_pages <= {"/offline/"}, kept  # nothing else: no history, no admin

    phone.offline()
    page.goto(f"{url}/today/")
    notice = page.locator("[data-offline-notice]")
    assert notice.is_visible()
    assert "You are offline: this is the copy from" in notice.inner_text()
    assert "today" in notice.inner_text()
    assert page.evaluate("document.querySelector('img.exercise-media-file').naturalWidth") == 320
    part = page.evaluate(
        f"""fetch('/media/programme/{picture.pk}/', {{headers: {{Range: 'bytes=0-9'}}}})
          .then(async (r) => [r.status, r.headers.get('Content-Range'), (await r.blob()).size])"""
    )
    assert part == [206, f"bytes 0-9/{picture.size}", 10]  # how a video asks for its file
    page.screenshot(path=str(screenshot_dir / "offline-today.png"), full_page=True)

    before_tap = timezone.now()
    card = page.locator(f"#card-{bridge.pk}")
    card.locator("button.btn-check-off").click()
    card.locator(".kept-badge", has_text=SAVED).wait_for()
    after_tap = timezone.now()
    assert "goes to the portal by itself when you are back online" in card.inner_text()
    card.screenshot(path=str(screenshot_dir / "offline-saved-on-this-phone-card.png"))
    page.screenshot(path=str(screenshot_dir / "offline-saved-on-this-phone.png"), full_page=True)
    # Opened again from the copy, the card still says so.
    page.reload()
    card.locator(".kept-badge", has_text=SAVED).wait_for()

    for path, shows in [
        ("/programme/", "Glute bridge"),
        (f"/programme/exercises/{bridge.pk}/", "Glute bridge"),
        ("/today/session/", "Today's exercises, one after another"),
        (f"/today/exercises/{plank.pk}/play/", "Side plank"),
    ]:
        page.goto(f"{url}{path}")
        assert shows in page.inner_text("main"), path
        assert notice.is_visible(), path
    page.goto(f"{url}/history/")  # not kept: the worker's page for no connection
    assert "this phone has not kept a copy of it" in page.inner_text("main")

    page.goto(f"{url}/pain/new/")
    page.check("input[name=score][value='5']")
    page.check("input[name=moment][value='after_exercise']")
    page.check("#urgent-none")
    before_report = timezone.now()
    page.click("text=Send to my therapist")
    kept_report = page.locator("[data-pain-kept]")
    kept_report.wait_for()
    after_report = timezone.now()
    assert SAVED in kept_report.inner_text() and "pain 5/10" in kept_report.inner_text()
    assert page.locator("[data-pain-urgent]").is_hidden()
    assert not CheckOff.objects.exists() and not PainReport.objects.exists()

    phone.online()
    page.wait_for_url(REPORT_PAGE)
    assert "Thank you" in page.inner_text("main")
    check_off = CheckOff.objects.get()
    report = PainReport.objects.get()
    assert check_off.prescribed_exercise_id == bridge.pk and check_off.client_id
    assert between(check_off.created_at, before_tap, after_tap)
    assert check_off.synced_at > check_off.created_at
    assert check_off.local_date == runner.patient_a.local_today()
    assert report.client_id and report.score == 5
    assert between(report.created_at, before_report, after_report)
    assert report.synced_at > report.created_at

    page.goto(f"{url}/today/")
    page.locator(f"#card-{bridge.pk} .badge", has_text="Done").wait_for()
    assert notice.is_hidden()
    assert page.evaluate("localStorage.getItem('portal.outbox')") is None
    assert CheckOff.objects.count() == 1 and PainReport.objects.count() == 1


def test_urgent_signs_reported_with_no_connection_are_answered_at_once(
    phone: SimpleNamespace, runner: SimpleNamespace, screenshot_dir: Path
) -> None:
    page, clinic = phone.page, runner.clinic_a
    log_in(phone, runner.patient_a.user)
    phone.offline()
    page.goto(f"{phone.url}/pain/new/")
    page.check("input[name=score][value='6']")
    page.check("input[name=moment][value='morning']")
    page.check("#urgent-saddle_numbness")
    page.click("text=Send to my therapist")
    urgent = page.locator("[data-pain-urgent]")
    urgent.wait_for()
    said = urgent.inner_text()
    assert "Seek urgent medical care now." in said
    assert "Call your local emergency number or go to the nearest emergency department now." in said
    assert clinic.phone in said
    assert "your clinic has not been told yet" in said
    assert SAVED in page.inner_text("main")
    page.screenshot(path=str(screenshot_dir / "offline-urgent.png"), full_page=True)
    assert not Alert.objects.exists()

    phone.online()
    page.wait_for_url(REPORT_PAGE)
    assert "Seek urgent medical care now." in page.inner_text("main")
    alert = Alert.objects.get(patient=runner.patient_a)
    assert alert.cause == Alert.Cause.URGENT
    report = PainReport.objects.get()
    assert report.urgent_signs == ["saddle_numbness"] and alert.pain_report_id == report.pk


def test_logging_out_clears_the_phone_and_asks_before_losing_what_was_not_sent(
    phone: SimpleNamespace, runner: SimpleNamespace, screenshot_dir: Path
) -> None:
    page, url, bridge, plank = phone.page, phone.url, runner.bridge_a, runner.plank_a
    log_in(phone, runner.patient_a.user)
    phone.offline()
    page.goto(f"{url}/today/")
    page.locator(f"#card-{bridge.pk} button.btn-check-off").click()
    page.locator(f"#card-{bridge.pk} .kept-badge").wait_for()

    page.click("text=Log out")
    warning = page.locator("[data-logout-warning]")
    warning.wait_for()
    assert "Checked off: Glute bridge" in warning.inner_text()
    assert "if you log out now, these are lost" in warning.inner_text()
    page.screenshot(path=str(screenshot_dir / "offline-logout-warning.png"))
    page.click("text=Stay logged in: send them when I am back online")
    assert warning.is_hidden()

    phone.online()
    page.locator(f"#card-{bridge.pk} .badge", has_text="Done").wait_for()
    assert CheckOff.objects.count() == 1
    page.click("text=Log out")  # nothing waits: no question
    page.wait_for_url("**/accounts/login/")
    assert page.evaluate("caches.has('portal-pages')") is False
    assert page.evaluate("localStorage.length") == 0

    # A check-off the patient chooses to lose, logging out with no connection.
    log_in(phone, runner.patient_a.user)
    phone.offline()
    page.goto(f"{url}/today/")
    page.locator(f"#card-{plank.pk} button.btn-check-off").click()
    page.locator(f"#card-{plank.pk} .kept-badge").wait_for()
    page.click("text=Log out")
    page.click("text=Log out and lose them")
    said = page.locator("[data-outbox-status]")
    said.wait_for()
    assert "what this phone kept of the site is cleared" in said.inner_text()
    assert page.evaluate("caches.has('portal-pages')") is False
    assert page.evaluate("localStorage.getItem('portal.outbox')") is None
    phone.online()
    page.goto(f"{url}/today/")
    assert CheckOff.objects.count() == 1  # the plank was never sent


def test_the_phones_copies_go_as_soon_as_the_portal_stops_serving_them_to_this_phone(
    phone: SimpleNamespace, runner: SimpleNamespace
) -> None:
    from django.contrib.sessions.models import Session

    page = phone.page
    log_in(phone, runner.patient_a.user)
    assert "/today/" in page.evaluate(KEPT_PAGES)
    Session.objects.all().delete()  # the login ended (unused for 7 days, or ended elsewhere)
    page.goto(f"{phone.url}/today/")
    page.wait_for_url("**/accounts/login/**")
    assert page.evaluate("caches.has('portal-pages')") is False
    phone.offline()
    page.goto(f"{phone.url}/today/")
    main = page.inner_text("main")
    assert "this phone has not kept a copy of it" in main and "Glute bridge" not in main
