"""A patient on a phone (390×844) in real Chromium turns push reminders on in settings, gets a
reminder as a notification, and turns them off again.

Chromium here cannot reach a real push service (no network), so at subscribe only, the test
stands in for the browser's push service: an init script makes PushManager return a
subscription whose address is the test's own push service and whose keys the test made. All
else is real: the page's script posts it, the portal stores it, a Celery worker pushes through
Redis, the push service checks the signature and decrypts the push, and the decrypted push is
handed to the page's real service worker (CDP), which shows the notification."""

from __future__ import annotations

import json
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from patients.models import PushSubscription
from patients.push import SubscriptionInfo, push_device_save
from patients.tasks import tick_and_dispatch
from tests.patients.test_push_reminders import READY
from tests.patients.test_push_settings import ANDROID_CHROME
from tests.patients.test_reminders_workers import patients_due_now
from tests.processes import WorkerProcess
from tests.push_service import Device, PushService, VapidPair

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

# PushManager as a browser with this device's subscription would answer (only the push
# service is stood in for; the subscription lives in localStorage, as the browser keeps it).
PUSH_MANAGER = """
(() => {
  const device = %s;
  const STORED = "test-push-subscription";
  const bytes = (text) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0)).buffer;
  const subscription = (key) => ({
    endpoint: device.endpoint,
    expirationTime: null,
    options: { userVisibleOnly: true, applicationServerKey: bytes(key) },
    toJSON: () => ({ endpoint: device.endpoint, expirationTime: null, keys: device.keys }),
    unsubscribe: () => { localStorage.removeItem(STORED); return Promise.resolve(true); },
  });
  PushManager.prototype.subscribe = function (options) {
    const key = btoa(String.fromCharCode(...new Uint8Array(options.applicationServerKey)));
    localStorage.setItem(STORED, key);
    return Promise.resolve(subscription(key));
  };
  PushManager.prototype.getSubscription = function () {
    const key = localStorage.getItem(STORED);
    return Promise.resolve(key ? subscription(key) : null);
  };
})();
"""

NOTIFICATIONS = """
() => navigator.serviceWorker.ready
  .then((registration) => registration.getNotifications())
  .then((shown) => shown.map((n) => ({ title: n.title, body: n.body, url: n.data.url })))
"""


def wait_for(condition, what: str, timeout: float = 15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"no {what} within {timeout:g} s")


def test_a_patient_turns_push_on_gets_a_notification_and_turns_it_off(
    live_site,
    browser_page_factory,  # after live_site: the browser closes before the server stops
    clinic_people: SimpleNamespace,
    library: None,
    screenshot_dir: Path,
    settings,
) -> None:
    pair = VapidPair.new()
    settings.VAPID_PUBLIC_KEY, settings.VAPID_PRIVATE_KEY = pair.public, pair.private
    settings.VAPID_SUBJECT = pair.subject
    settings.PUSH_HTTP_HOSTS = ["127.0.0.1"]
    with PushService(pair) as service:
        device = service.device("phone")
        [patient] = patients_due_now(clinic_people.owner, 1)
        patient.reminders_enabled = False  # push instead of email
        patient.save()

        page = browser_page_factory(
            width=390, height=844, user_agent=ANDROID_CHROME, service_workers="allow"
        )
        page.context.grant_permissions(["notifications"], origin=live_site.url)
        page.context.add_init_script(PUSH_MANAGER % json.dumps(device.subscription()))
        page.goto(f"{live_site.url}/accounts/login/")
        page.fill("#id_username", patient.user.email)
        page.fill("#id_password", "a-strong-passphrase")
        page.click("button[type=submit]")
        page.wait_for_url("**/today/")

        page.goto(f"{live_site.url}/settings/")
        subscribe = page.get_by_role("button", name="Send me reminders on this device")
        subscribe.wait_for()
        assert page.get_by_text("No phone or computer gets push reminders yet").is_visible()
        page.locator("#push-reminders").scroll_into_view_if_needed()
        page.screenshot(path=str(screenshot_dir / "push-settings-off.png"), full_page=True)

        subscribe.click()
        page.get_by_text("Reminders will come to this device (Chrome on Android).").wait_for()
        row = page.locator("#push-devices li")
        assert row.count() == 1 and "Chrome on Android" in row.inner_text()
        assert page.locator("[data-push-this-device]").is_visible()
        assert not subscribe.is_visible()  # this device is on already
        assert page.get_by_text(
            "Email reminders are off: reminders come only to these"
        ).is_visible()
        stored = PushSubscription.objects.get(patient=patient)
        assert stored.endpoint == device.endpoint
        assert stored.p256dh == device.subscription()["keys"]["p256dh"]
        # The page subscribed with the clinic's public key.
        key = page.evaluate("localStorage.getItem('test-push-subscription')")
        assert key.rstrip("=").replace("+", "-").replace("/", "_") == pair.public
        page.screenshot(path=str(screenshot_dir / "push-settings-on.png"), full_page=True)

        # The reminder, through Redis and a real worker, to the push service.
        with WorkerProcess(**pair.environment()) as worker:
            _report, handed = tick_and_dispatch()
            assert handed.handed_over["reminder"] == 1
            [payload] = service.wait_for(1)
            assert payload == READY, worker.log()

        # What the push service would hand the phone, to the page's real service worker.
        # The push goes to this site's registration once its worker is active (a push handed
        # to a worker still installing is dropped, as a real phone would not send it one).
        cdp = page.context.new_cdp_session(page)
        scopes: dict[str, str] = {}
        active: set[str] = set()
        cdp.on(
            "ServiceWorker.workerRegistrationUpdated",
            lambda event: scopes.update(
                (r["registrationId"], r["scopeURL"])
                for r in event["registrations"]
                if not r["isDeleted"]
            ),
        )
        cdp.on(
            "ServiceWorker.workerVersionUpdated",
            lambda event: active.update(
                v["registrationId"] for v in event["versions"] if v["status"] == "activated"
            ),
        )
        cdp.send("ServiceWorker.enable")

        def this_sites_active_worker() -> list[str]:
            page.wait_for_timeout(50)  # lets Playwright deliver the CDP events
            return [
                r for r, scope in scopes.items() if scope == f"{live_site.url}/" and r in active
            ]

        [registration] = wait_for(this_sites_active_worker, "active service worker")
        cdp.send(
            "ServiceWorker.deliverPushMessage",
            {"origin": live_site.url, "registrationId": registration, "data": json.dumps(payload)},
        )
        shown = wait_for(lambda: page.evaluate(NOTIFICATIONS), "notification")
        assert shown == [{**READY, "url": f"{live_site.url}/today/"}]

        # A second device on the list, as a patient with a laptop too would have.
        laptop = Device("laptop", f"{service.origin}/push/laptop").subscription()
        push_device_save(
            patient=patient,
            subscription=SubscriptionInfo(laptop["endpoint"], **laptop["keys"]),
            device="Firefox on Windows",
        )
        page.reload()
        page.locator("#push-devices li").nth(1).wait_for()
        page.locator("#push-reminders").scroll_into_view_if_needed()
        page.screenshot(path=str(screenshot_dir / "push-settings-devices.png"), full_page=True)

        phone_row = page.locator("#push-devices li", has_text="Chrome on Android")
        phone_row.get_by_role("button", name="Turn off").click()
        page.get_by_text("Reminders no longer come to Chrome on Android.").wait_for()
        assert page.locator("#push-devices li").count() == 1
        assert page.evaluate("localStorage.getItem('test-push-subscription')") is None
        # This device is off: it may be turned on again.
        page.get_by_role("button", name="Send me reminders on this device").wait_for()
        page.screenshot(path=str(screenshot_dir / "push-settings-turned-off.png"), full_page=True)
    assert list(PushSubscription.objects.values_list("device", flat=True)) == ["Firefox on Windows"]
    assert service.problems == []
