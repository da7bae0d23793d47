"""axe-core in real Chromium: the accessibility rules (WCAG 2 A and AA, and axe's best
practices) run over a page as a person sees it, in light and in dark.

axe is injected with `page.evaluate`, which runs in the page without being a script the page
loads: the portal's Content-Security-Policy refuses any inline script, as it should. Import inside
tests (Playwright's page objects come from the fixtures in tests/conftest.py)."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

AXE = Path(__file__).parent / "fixtures" / "axe-core" / "axe.min.js"
BLOCKING = ("critical", "serious")
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1440, "height": 900}
SCHEMES = ("light", "dark")


@functools.cache
def axe_source() -> str:
    return AXE.read_text(encoding="utf-8")


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """The page's violations of axe's default rules, each with its impact and the elements."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source())
    # Moving illustrations (SMIL) and transitions are measured where they rest.
    page.wait_for_load_state("load")
    return page.evaluate(
        """async () => {
            // No preload: axe would parse each stylesheet's @import (the admin's forms.css has
            // one) through a <style> element of its own, which the page's policy refuses; only
            // the rules that read the CSS text (orientation lock) and media elements go unchecked.
            const results = await axe.run(document, {
                resultTypes: ["violations"],
                preload: false,
            });
            return results.violations.map((rule) => ({
                id: rule.id,
                impact: rule.impact,
                help: rule.help,
                nodes: rule.nodes.map((node) => ({
                    target: node.target.join(" "),
                    summary: node.failureSummary,
                })),
            }));
        }"""
    )


def blocking(violations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [rule for rule in violations if rule["impact"] in BLOCKING]


def described(where: str, violations: list[dict[str, Any]]) -> str:
    """The violations as a reader fixing them needs them: rule, impact, elements, why."""
    lines = []
    for rule in violations:
        lines.append(f"{where}: {rule['id']} ({rule['impact']}): {rule['help']}")
        for node in rule["nodes"][:8]:
            summary = " ".join((node["summary"] or "").split())
            lines.append(f"    {node['target']}  {summary[:300]}")
        if len(rule["nodes"]) > 8:
            lines.append(f"    … and {len(rule['nodes']) - 8} more")
    return "\n".join(lines)


class AxeAudit:
    """Collects each page state's blocking violations, so that one run lists them all."""

    def __init__(self, scheme: str) -> None:
        self.scheme = scheme
        self.checked: list[str] = []
        self.failures: list[str] = []

    def check(self, page: Any, state: str) -> None:
        where = f"[{self.scheme}] {state} ({page.url})"
        self.checked.append(state)
        found = blocking(axe_violations(page))
        if found:
            self.failures.append(described(where, found))

    def assert_clean(self) -> None:
        assert not self.failures, (
            f"{len(self.failures)} of {len(self.checked)} page states have critical or serious "
            "accessibility violations:\n" + "\n".join(self.failures)
        )
