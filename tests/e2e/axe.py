"""Accessibility checks with axe-core (node_modules/axe-core, the npm package) in a Playwright page.

run_axe(page) injects axe.min.js into the page (again after a navigation) and runs it on the
whole document with the WCAG 2.1 A and AA rules; it returns the violations, each with its rule
id, impact, help text and URL, and the CSS selectors of the elements at fault. blocking() keeps
the serious and critical ones: those fail an e2e test (tests/e2e/conftest.py, `new_page`'s
teardown and `axe_check`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from playwright.sync_api import Page

from stack.config import PROJECT_DIR

AXE = PROJECT_DIR / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = ("serious", "critical")

_RUN = """async (tags) => {
  const result = await window.axe.run(document, {
    runOnly: { type: 'tag', values: tags },
    resultTypes: ['violations'],
  });
  return result.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    helpUrl: v.helpUrl,
    targets: v.nodes.map((n) => n.target.map(String).join(' ')),
    summaries: v.nodes.map((n) => n.failureSummary || ''),
  }));
}"""

Violation = dict[str, Any]


def run_axe(page: Page, tags: list[str] = TAGS) -> list[Violation]:
    """The page's WCAG 2.1 A/AA violations, as axe-core reports them (every impact)."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(content=AXE.read_text())
    return page.evaluate(_RUN, tags)


def blocking(violations: list[Violation]) -> list[Violation]:
    """The serious and critical violations: those an e2e test fails on."""
    return [v for v in violations if v["impact"] in BLOCKING]


def describe(violations: list[Violation], where: str = "") -> str:
    """One line per rule, then its elements: what a failing test prints."""
    lines = [f"axe: {len(violations)} serious/critical accessibility violation(s)"
             + (f" on {where}" if where else "")]
    for v in violations:
        lines.append(f"  [{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        lines.extend(f"      {target}" for target in v["targets"][:10])
        if len(v["targets"]) > 10:
            lines.append(f"      ... and {len(v['targets']) - 10} more")
    return "\n".join(lines)


def save(path: Path, url: str, violations: list[Violation]) -> Path:
    """The full report (every impact) as JSON beside the other failure artifacts."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"url": url, "violations": violations}, indent=2,
                               ensure_ascii=False) + "\n")
    return path
