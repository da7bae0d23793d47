"""The patient's controls on a phone (390×844) in real Chromium: each one is a target of at least
44×44 px, every refused field says why beside it, and Today and the pain form work with the
keyboard alone."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from patients.models import CheckOff, PainReport
from tests.accessibility import PHONE
from tests.site.test_accessibility_browser import log_in

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

TARGET = 44  # px: WCAG 2.5.5, and the size of a fingertip

# Each visible control's tap target: a radio or checkbox with its label (a tap on either
# chooses it), anything else its own box. Links inside running text are left out (WCAG's
# "inline" exception): the controls are what a patient taps to act.
TARGETS = """() => {
    const seen = (element) => {
        const box = element.getBoundingClientRect();
        const style = getComputedStyle(element);
        return box.width > 0 && box.height > 0 && style.visibility !== "hidden";
    };
    const union = (boxes) => {
        const left = Math.min(...boxes.map((b) => b.left));
        const right = Math.max(...boxes.map((b) => b.right));
        const top = Math.min(...boxes.map((b) => b.top));
        const bottom = Math.max(...boxes.map((b) => b.bottom));
        return { width: right - left, height: bottom - top };
    };
    const name = (element) =>
        (element.labels && element.labels[0] ? element.labels[0].innerText : "") ||
        element.getAttribute("aria-label") || element.innerText || element.name || element.id;
    const controls = document.querySelectorAll(
        "main input:not([type=hidden]), main select, main textarea, main button, main .btn, " +
        "main summary, nav .nav-link, nav button"
    );
    return Array.from(controls).flatMap((element) => {
        const parts = [element, ...(element.labels || [])].filter(seen);
        if (!parts.length || (element.tagName === "A" && !element.classList.contains("btn")
                && !element.classList.contains("nav-link"))) return [];
        const box = union(parts.map((part) => part.getBoundingClientRect()));
        return [{ name: name(element).trim().slice(0, 60), width: box.width, height: box.height }];
    });
}"""


def small_targets(page) -> list[str]:
    return [
        f"{target['name']!r}: {target['width']:.0f}×{target['height']:.0f}"
        for target in page.evaluate(TARGETS)
        if target["width"] < TARGET or target["height"] < TARGET
    ]


def test_every_control_a_patient_taps_is_at_least_44_px(
    live_site, browser_page_factory, runner: SimpleNamespace
) -> None:
    page = browser_page_factory(**PHONE)
    url = live_site.url
    log_in(page, url, runner.patient_a.user.email)
    too_small = {}

    page.goto(f"{url}/pain/new/")
    too_small["pain form"] = small_targets(page)
    scores = page.locator("input[name=score]")
    assert scores.count() == 11  # still radio inputs, one per score
    for score in range(11):
        box = page.locator(f"label[for=id_score_{score}]").bounding_box()
        assert box["width"] >= TARGET and box["height"] >= TARGET, (score, box)

    page.goto(f"{url}/today/")
    too_small["Today"] = small_targets(page)
    page.locator(f"#card-{runner.bridge_a.pk} button.btn-check-off").click()
    page.locator(f"#card-{runner.bridge_a.pk} .rating-form").wait_for()
    too_small["Today, a rating form"] = small_targets(page)

    for path in ("/settings/", "/history/", "/programme/", "/today/session/"):
        page.goto(f"{url}{path}")
        too_small[path] = small_targets(page)

    assert {page: found for page, found in too_small.items() if found} == {}


def test_an_empty_pain_form_says_beside_each_field_what_it_needs(
    live_site, browser_page_factory, runner: SimpleNamespace
) -> None:
    page = browser_page_factory(**PHONE)
    log_in(page, live_site.url, runner.patient_a.user.email)
    page.goto(f"{live_site.url}/pain/new/")
    with page.expect_navigation():
        page.click("text=Send to my therapist")

    score = page.locator("fieldset:has(input[name=score])")
    assert score.get_by_text("Choose your pain from 0 to 10").is_visible()
    moment = page.locator("fieldset:has(input[name=moment])")
    assert moment.get_by_text("Tell us when you feel it.").is_visible()
    urgent = page.locator("fieldset.urgent-signs")
    assert urgent.get_by_text("Tell us if you have any of these warning signs").is_visible()
    # A screen reader hears each message with its question.
    for field in ("score", "moment"):
        described = page.locator(f"fieldset:has(input[name={field}])").get_attribute(
            "aria-describedby"
        )
        message = " ".join(
            page.locator(f"#{ident}").inner_text() for ident in (described or "").split()
        )
        assert ("Choose your pain" if field == "score" else "Tell us when") in message
    assert page.locator("input[name=score][aria-invalid=true]").count() == 11
    assert not PainReport.objects.exists()


def tab_to(page, selector: str, limit: int = 80) -> None:
    """Presses Tab until the focus is on `selector`, as a keyboard user would."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(selector) => document.activeElement.matches(selector)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_today_and_the_pain_form_work_with_the_keyboard_alone(
    live_site, browser_page_factory, runner: SimpleNamespace
) -> None:
    bridge, plank = runner.bridge_a.pk, runner.plank_a.pk
    page = browser_page_factory(**PHONE)
    log_in(page, live_site.url, runner.patient_a.user.email)
    page.wait_for_selector("text=0 of 2 exercises done")

    # Each card's controls say which exercise they act on, not just "Done".
    name = runner.bridge_a.exercise.name
    for control in (f"Done: {name}", f"Start the session player: {name}"):
        assert (
            page.get_by_role("button", name=control)
            .or_(page.get_by_role("link", name=control))
            .count()
            == 1
        ), control
    tab_to(page, f"#card-{bridge} button.btn-check-off")
    page.keyboard.press("Enter")
    page.wait_for_selector("text=1 of 2 exercises done")
    # The focus stays on the exercise just checked off, not lost at the page's top (once htmx
    # has settled the new card in place).
    page.wait_for_function("(id) => document.activeElement.id === id", arg=f"card-{bridge}")

    assert page.get_by_role("button", name=f"Undo: {name}").count() == 1
    tab_to(page, f"#card-{bridge} input[name=difficulty]")
    page.keyboard.press("Space")
    assert page.locator(f"#card-{bridge} input[name=difficulty]:checked").count() == 1
    tab_to(page, f"#card-{bridge} select[name=pain_during]")
    page.keyboard.press("ArrowDown")  # from "—" to 0
    page.keyboard.press("ArrowDown")  # 1
    tab_to(page, f"#card-{bridge} .rating-form button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_selector(f"#card-{bridge} .rating-form", state="detached")

    tab_to(page, f"#card-{plank} button.btn-check-off")
    page.keyboard.press("Space")
    page.wait_for_selector("text=2 of 2 exercises done")
    rated = CheckOff.objects.get(prescribed_exercise_id=bridge)
    assert rated.difficulty and rated.pain_during == 1
    assert CheckOff.objects.filter(prescribed_exercise_id=plank).exists()

    tab_to(page, "a[href='/pain/new/']")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    tab_to(page, "input[name=score]")
    for _ in range(3):
        page.keyboard.press("ArrowRight")  # arrows move along the scores, choosing each
    assert page.locator("input[name=score]:checked").get_attribute("value") == "3"
    tab_to(page, "input[name=moment]")
    page.keyboard.press("Space")
    tab_to(page, "#urgent-none")
    page.keyboard.press("Space")
    tab_to(page, "main button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    report = PainReport.objects.get()
    assert report.score == 3 and report.moment == "morning" and report.urgent_signs == []
