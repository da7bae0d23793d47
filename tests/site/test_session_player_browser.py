"""The session player on a phone, in Chromium: it follows the dose hold by hold with rests,
pauses and resumes, records what was done (partly, when stopped early), and keeps a finish made
offline until the connection returns. The page's clock is Playwright's: no test sleeps through
a hold."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from patients.models import CheckOff

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def logged_in_phone(browser_page_factory, live_site, runner: SimpleNamespace):
    page = browser_page_factory(width=390, height=844)
    page.clock.install()
    page.goto(f"{live_site.url}/")
    page.fill("#id_username", runner.patient_a.user.email)
    page.fill("#id_password", "a-strong-passphrase")
    page.click("button[type=submit]")
    page.wait_for_selector("#progress")
    return page


def frozen(page):
    """The page's clock stops: from now on time moves only by `page.clock.run_for`. (Playwright
    for Python takes seconds here: the page's milliseconds as seconds put it in the year 58899,
    which the portal refuses as the time a check-off kept on the phone was done.)"""
    page.clock.pause_at(page.evaluate("Date.now()") / 1000 + 1)
    return page


def state(page) -> str:
    return page.get_attribute("[data-player]", "data-state")


def number(page) -> str:
    return page.inner_text("[data-player-number]")


def test_the_player_counts_a_bridge_dose_of_three_holds_with_rests_pausing_on_the_way(
    live_site, browser_page_factory, runner: SimpleNamespace, screenshot_dir: Path
) -> None:
    bridge = runner.bridge_a
    bridge.reps, bridge.hold_seconds = 3, 10
    bridge.save()
    clinic = runner.patient_a.clinic
    clinic.rest_seconds = 5
    clinic.save()
    page = logged_in_phone(browser_page_factory, live_site, runner)

    page.click(f"#card-{bridge.pk} [data-player-link]")
    page.wait_for_selector("[data-player][data-state=ready]")
    assert "Hold 10 s · 3 times · once a day · every day" in page.inner_text("[data-player-dose]")
    frozen(page).click("[data-player-start]")
    assert page.get_attribute("[data-player]", "data-step") == "hold"
    assert number(page) == "10"
    assert "repetition 1 of 3" in page.inner_text("[data-player-step]")
    page.screenshot(path=str(screenshot_dir / "patient-session-player-hold.png"))

    page.clock.run_for(4_000)
    assert number(page) == "6"
    page.click("[data-player-pause]")
    assert state(page) == "paused"
    page.clock.run_for(60_000)  # a minute's pause moves nothing on
    assert number(page) == "6" and page.inner_text("[data-player-step]") == "Paused"
    page.click("[data-player-pause]")  # now "Resume"
    assert state(page) == "running"
    page.clock.run_for(6_000)
    assert page.get_attribute("[data-player]", "data-step") == "rest"
    assert number(page) == "5" and "1 of 3 done" in page.inner_text("[data-player-count]")
    page.screenshot(path=str(screenshot_dir / "patient-session-player-rest.png"))
    page.clock.run_for(5_000)
    assert "repetition 2 of 3" in page.inner_text("[data-player-step]")
    assert not CheckOff.objects.exists()  # nothing is sent before the end

    page.clock.run_for(10_000 + 5_000 + 10_000)
    page.wait_for_selector("[data-player][data-state=saved]")
    assert "Saved: Glute bridge" in page.inner_text("[data-player-step]")
    check_off = CheckOff.objects.get()
    assert (check_off.reps_done, check_off.reps_planned, check_off.sets_done) == (3, 3, 1)
    assert not check_off.is_partial and check_off.prescribed_exercise_id == bridge.pk
    page.screenshot(path=str(screenshot_dir / "patient-session-player-saved.png"))

    page.click("[data-player-next]")  # "Back to Today"
    page.wait_for_selector(f"#card-{bridge.pk} .badge")
    assert "1 of 2 exercises done" in page.inner_text("#progress")


def test_stopping_early_records_a_partial_session_the_patient_and_therapist_see(
    live_site, browser_page_factory, runner: SimpleNamespace
) -> None:
    plank = runner.plank_a  # 15 s each side: two holds in the dose
    page = logged_in_phone(browser_page_factory, live_site, runner)
    page.goto(f"{live_site.url}/today/exercises/{plank.pk}/play/")
    frozen(page).click("[data-player-start]")
    assert "first side" in page.inner_text("[data-player-step]")
    page.clock.run_for(15_000)
    assert page.inner_text("[data-player-step]") == "Change sides"
    page.click("[data-player-stop]")
    page.wait_for_selector("[data-player][data-state=saved]")
    assert "partly done: 1 of 2" in page.inner_text("[data-player-step]")
    check_off = CheckOff.objects.get()
    assert (check_off.reps_done, check_off.reps_planned, check_off.sets_done) == (1, 2, 0)
    assert check_off.is_partial

    page.goto(f"{live_site.url}/today/")
    assert "Partly done: 1 of 2 repetitions" in page.inner_text(f"#card-{plank.pk}")


def test_a_guided_session_plays_the_days_exercises_in_order(
    live_site, browser_page_factory, runner: SimpleNamespace
) -> None:
    bridge, plank = runner.bridge_a, runner.plank_a
    bridge.reps, bridge.hold_seconds = 1, 3
    bridge.save()
    page = logged_in_phone(browser_page_factory, live_site, runner)
    page.click("text=Start a guided session")
    page.wait_for_selector("[data-player][data-state=ready]")
    assert page.inner_text("[data-player-position]") == "Exercise 1 of 2"
    assert page.inner_text("[data-player-name]") == "Glute bridge (hip bridge)"
    frozen(page).click("[data-player-start]")
    page.clock.run_for(3_000)
    page.wait_for_selector("[data-player][data-state=saved]")
    assert page.inner_text("[data-player-next]") == "Next: Side plank"
    page.click("[data-player-next]")
    assert page.inner_text("[data-player-position]") == "Exercise 2 of 2"
    assert page.locator(f"[data-player-figure='{plank.pk}']").is_visible()
    assert not page.locator(f"[data-player-figure='{bridge.pk}']").is_visible()
    page.click("[data-player-start]")
    page.clock.run_for(15_000 + 10_000 + 15_000)
    page.wait_for_selector("[data-player][data-state=saved]")
    done = {c.prescribed_exercise_id: c.reps_done for c in CheckOff.objects.all()}
    assert done == {bridge.pk: 1, plank.pk: 2}


def test_a_finish_made_offline_is_kept_on_the_phone_and_sent_when_the_connection_returns(
    live_site, browser_page_factory, runner: SimpleNamespace, screenshot_dir: Path
) -> None:
    bridge = runner.bridge_a
    bridge.reps, bridge.hold_seconds = 2, 5
    bridge.save()
    page = logged_in_phone(browser_page_factory, live_site, runner)
    page.goto(f"{live_site.url}/today/exercises/{bridge.pk}/play/")
    frozen(page).click("[data-player-start]")
    page.context.set_offline(True)  # the signal goes in the middle of the session
    page.clock.run_for(5_000 + 10_000 + 5_000)
    page.wait_for_selector("[data-player][data-state=kept]")
    assert "Saved on this phone, will send" in page.inner_text("[data-player-step]")
    page.screenshot(path=str(screenshot_dir / "patient-session-player-offline.png"))
    assert not CheckOff.objects.exists()
    assert len(page.evaluate("window.PortalOutbox.pending()")) == 1

    page.context.set_offline(False)  # the browser's "online" event sends what was kept
    page.wait_for_selector("[data-player][data-state=saved]")
    check_off = CheckOff.objects.get()
    assert (check_off.reps_done, check_off.reps_planned) == (2, 2)
    assert page.evaluate("window.PortalOutbox.pending()") == []


def test_a_check_off_that_fails_on_today_says_so_keeps_the_tap_and_sends_it_later(
    live_site, browser_page_factory, runner: SimpleNamespace, screenshot_dir: Path
) -> None:
    bridge, plank = runner.bridge_a, runner.plank_a
    page = logged_in_phone(browser_page_factory, live_site, runner)
    assert page.inner_text("#progress") == "0 of 2 exercises done."

    # A server error: the card says so, and "Try again" sends the same check-off.
    page.route("**/check-off/", lambda route: route.fulfill(status=500, body="broken"))
    page.click(f"#card-{bridge.pk} .btn-check-off")
    trouble = page.locator(f"#card-{bridge.pk} .check-off-trouble")
    trouble.wait_for()
    assert "server error" in trouble.inner_text()
    assert not CheckOff.objects.exists()
    page.unroute("**/check-off/")
    trouble.get_by_role("button", name="Try again").click()
    page.wait_for_selector(f"#card-{bridge.pk} .badge")
    # The day's count moved with the card (out of band), without a reload.
    assert page.inner_text("#progress") == "1 of 2 exercises done."

    # No connection: kept on the phone, said so, and sent when the connection returns.
    page.context.set_offline(True)
    page.click(f"#card-{plank.pk} .btn-check-off")
    trouble = page.locator(f"#card-{plank.pk} .check-off-trouble")
    trouble.wait_for()
    assert "saved on this phone" in trouble.inner_text()
    assert "Saved on this phone, will send" in page.inner_text(f"#card-{plank.pk} .kept-badge")
    page.screenshot(path=str(screenshot_dir / "patient-today-offline-check-off.png"))
    assert CheckOff.objects.count() == 1
    page.context.set_offline(False)
    page.locator(f"#card-{plank.pk} .badge", has_text="Done").wait_for()
    assert page.inner_text("#progress") == "2 of 2 exercises done."
    assert CheckOff.objects.filter(prescribed_exercise=plank).count() == 1


CUE_RECORDER = """
window.__cues = {vibrations: [], tones: 0, wakeLocks: 0, released: 0};
navigator.vibrate = function (pattern) { window.__cues.vibrations.push(pattern); return true; };
const Real = window.AudioContext;
window.AudioContext = function () {
  const context = new Real();
  const create = context.createOscillator.bind(context);
  context.createOscillator = function () {
    const tone = create();
    const start = tone.start.bind(tone);
    tone.start = function () { window.__cues.tones += 1; return start(); };
    return tone;
  };
  return context;
};
Object.defineProperty(navigator, "wakeLock", {value: {request: function () {
  window.__cues.wakeLocks += 1;
  const sentinel = new EventTarget();
  sentinel.release = function () { window.__cues.released += 1; return Promise.resolve(); };
  return Promise.resolve(sentinel);
}}});
"""


def test_each_change_sounds_and_vibrates_and_the_screen_stays_on_while_it_runs(
    live_site, browser_page_factory, runner: SimpleNamespace
) -> None:
    bridge = runner.bridge_a
    bridge.reps, bridge.hold_seconds = 2, 5
    bridge.save()
    page = logged_in_phone(browser_page_factory, live_site, runner)
    page.add_init_script(CUE_RECORDER)
    page.goto(f"{live_site.url}/today/exercises/{bridge.pk}/play/")
    frozen(page).click("[data-player-start]")
    cues = page.evaluate("window.__cues")
    assert cues["wakeLocks"] == 1 and cues["tones"] == 1 and len(cues["vibrations"]) == 1
    page.clock.run_for(5_000)  # the hold ends: the rest starts
    assert page.evaluate("window.__cues.tones") == 2
    page.click("[data-player-pause]")
    assert page.evaluate("window.__cues.released") == 1  # paused: the screen may sleep
    page.click("[data-player-pause]")
    assert page.evaluate("window.__cues.wakeLocks") == 2
    page.clock.run_for(10_000 + 5_000)  # the rest, the second hold, the end
    page.wait_for_selector("[data-player][data-state=saved]")
    cues = page.evaluate("window.__cues")
    # Start, rest, second hold and the end: a tone and a vibration each.
    assert cues["tones"] == 4 and len(cues["vibrations"]) == 4
    assert cues["released"] == 2
