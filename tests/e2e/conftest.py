"""End-to-end fixtures: Debian's headless Chromium driven by Playwright against the session stack.

One browser for the session (Playwright gives it a new, temporary user-data
directory), one browser context per person in a test (an agent, a
supervisor: separate cookies and storage, as two windows of two people),
with a fake microphone that is granted without asking. The stack is the
session's `stack` (tests/conftest.py): real Kamailio, the baresip PSTN
stand-in, PostgREST and Auth.

Screenshots of the screens a test walks through go to tests/artifacts/e2e/
(git-ignored); when a test fails, every page it had open is saved there too,
with its browser console. Never `playwright install`: Debian's chromium is
installed by scripts/install.

Accessibility: when a test ends, axe-core (tests/e2e/axe.py, WCAG 2.1 A/AA) checks every
page it opened with `new_page`, as the page is then; a serious or critical violation fails
the test (its rules, elements and help links in the message, the full report in
failures/<test>-<n>.axe.json). `axe_check(page, name)` checks at a chosen moment (a dialog
open). CRM_E2E_AXE=0 turns the teardown check off while a screen is being built.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from playwright.sync_api import Browser, Page, Playwright, expect, sync_playwright

from stack.config import PROJECT_DIR
from tests.e2e import axe
from tests.e2e.webphone import CHROMIUM, CHROMIUM_ARGS, TIMEZONE, VIEWPORT, launch

ARTIFACTS = PROJECT_DIR / "tests" / "artifacts" / "e2e"
DOCS = PROJECT_DIR / "docs"
AXE_AT_TEARDOWN = os.environ.get("CRM_E2E_AXE", "1") != "0"

# Long enough for a SIP registration or a call setup on a busy 2-core machine;
# a state that is reached returns at once.
expect.set_options(timeout=15_000)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/install (Debian's chromium package)")
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright: Playwright, stack) -> Iterator[Browser]:
    """Headless Chromium with a fake microphone that is always allowed."""
    browser = launch(playwright, CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


def _test_name(request) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)


@pytest.fixture
def new_page(browser: Browser, stack, artifacts: Path, request) -> Iterator[Callable[..., Page]]:
    """new_page(browser=None, service_workers="allow") -> a page in a new context (a new
    person), at the webphone's URL. service_workers="block" for a test that intercepts
    requests with page.route (a request the service worker answers is not routed).

    At the end every page still open is checked with axe (a serious or critical violation
    fails the test); on failure every page is saved as a screenshot with its console log.
    """
    contexts = []
    consoles: list[list[str]] = []

    def _new_page(in_browser: Browser | None = None, service_workers: str = "allow") -> Page:
        context = (in_browser or browser).new_context(viewport=VIEWPORT, locale="es-ES",
                                                      timezone_id=TIMEZONE,
                                                      service_workers=service_workers)
        contexts.append(context)
        page = context.new_page()
        log: list[str] = []
        consoles.append(log)
        page.on("console", lambda m: log.append(f"[{m.type}] {m.text}"))
        page.on("pageerror", lambda e: log.append(f"[pageerror] {e}"))
        page.goto(stack.url + "/")
        return page

    yield _new_page

    failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
    name = _test_name(request)
    failures = artifacts / "failures"
    problems: list[str] = []
    for n, context in enumerate(contexts):
        for m, page in enumerate(context.pages if AXE_AT_TEARDOWN else []):
            if page.is_closed() or not page.url.startswith(stack.url):
                continue
            try:
                page.wait_for_load_state()
                violations = axe.run_axe(page)
            except Exception as e:  # a crashed or closing page: its log says so
                consoles[n].append(f"[axe failed] {e}")
                continue
            if bad := axe.blocking(violations):
                stem = f"{name}-{n}" + (f"-{m}" if m else "")
                report = axe.save(failures / f"{stem}.axe.json", page.url, violations)
                problems.append(axe.describe(bad, f"page {n} ({page.url})")
                                + f"\n  full report: {report}")
    if failed or problems:
        failures.mkdir(parents=True, exist_ok=True)
    for n, context in enumerate(contexts):
        if failed or problems:
            for page in context.pages:
                try:
                    page.screenshot(path=str(failures / f"{name}-{n}.png"))
                except Exception as e:  # a crashed page still gets its log written
                    consoles[n].append(f"[screenshot failed] {e}")
            (failures / f"{name}-{n}.console.txt").write_text("\n".join(consoles[n]))
        context.close()
    # A test that failed already reports that; its axe reports are saved beside it.
    if problems and not failed:
        pytest.fail("\n".join(problems), pytrace=False)


@pytest.fixture
def axe_check(artifacts: Path, request) -> Callable[[Page, str], list[axe.Violation]]:
    """axe_check(page, name): axe on the page now (a dialog open, a state reached); the
    report goes to tests/artifacts/e2e/axe/<test>-<name>.json; a serious or critical
    violation fails the test at once. Returns every violation (minor ones too)."""

    def _check(page: Page, name: str) -> list[axe.Violation]:
        violations = axe.run_axe(page)
        stem = f"{_test_name(request)}-{re.sub(r'[^A-Za-z0-9_.-]+', '_', name)}"
        axe.save(artifacts / "axe" / f"{stem}.json", page.url, violations)
        if bad := axe.blocking(violations):
            report = axe.save(artifacts / "failures" / f"{stem}.axe.json", page.url, violations)
            pytest.fail(axe.describe(bad, f"{name} ({page.url})") + f"\n  full report: {report}",
                        pytrace=False)
        return violations

    return _check


@pytest.fixture
def screenshot(artifacts: Path) -> Callable[..., Path]:
    """screenshot(page, name, docs=None) -> tests/artifacts/e2e/<name>.png.

    With `docs="<file>.png"` and CRM_UPDATE_SCREENSHOT=1 the shot also replaces
    docs/<file>.png (committed, shown by the README and docs/).
    """
    update_docs = os.environ.get("CRM_UPDATE_SCREENSHOT") == "1"

    def _shot(page: Page, name: str, docs: str | None = None) -> Path:
        path = artifacts / f"{name}.png"
        page.screenshot(path=str(path), animations="disabled")
        if docs and update_docs:
            DOCS.mkdir(exist_ok=True)
            shutil.copyfile(path, DOCS / docs)
        return path

    return _shot


@pytest.fixture
def close_open_calls(db: psycopg.Connection) -> Callable[[str], None]:
    """close_open_calls(agent_id): wrap up whatever an earlier failed test left open, so a
    sign-in does not start with a recovered wrap-up."""

    def _close(agent: str) -> None:
        db.execute(
            "update public.calls set status = 'ended', outcome = coalesce(outcome, 'cancelled'),"
            " ended_at = coalesce(ended_at, greatest(now(), started_at, answered_at)),"
            " disposition = 'call_failed', wrapped_up_at = greatest(now(), started_at, answered_at)"
            " where agent_id = %s and wrapped_up_at is null", (agent,))
        db.execute("update public.leads set status = 'retry', next_call_at = now()"
                   " where owner_id = %s and status = 'in_call'",
                   (agent,))

    return _close
