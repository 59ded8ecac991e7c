"""Steps on the supervisor's screens shared by their e2e tests: open a screen from the
navigation, and check a page with axe-core (no serious or critical violations)."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from stack.config import PROJECT_DIR
from tests.e2e.webphone import sign_in

AXE = PROJECT_DIR / "node_modules" / "axe-core" / "axe.min.js"


def open_screen(page: Page, screen: str, hook: str) -> None:
    """Click nav-<screen> and wait for the screen's root hook."""
    page.locator(f"[data-test='nav-{screen}']").click()
    expect(page.locator(f"[data-test='{hook}']")).to_be_visible()


def sign_in_supervisor(page: Page, email: str = "supervisor1@demo.test") -> None:
    sign_in(page, email)
    expect(page.locator("[data-test='floor-screen']")).to_be_visible()


def axe_violations(page: Page) -> list[str]:
    """axe-core's serious and critical violations on the page as it stands."""
    if not page.evaluate("() => Boolean(window.axe)"):
        page.add_script_tag(path=str(AXE))
    found = page.evaluate("""async () => {
        const result = await window.axe.run(document, { resultTypes: ['violations'] });
        return result.violations.filter((v) => ['serious', 'critical'].includes(v.impact))
          .map((v) => `${v.id} (${v.impact}): `
            + v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', '));
    }""")
    return list(found)
