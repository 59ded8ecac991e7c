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
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from playwright.sync_api import Browser, Page, Playwright, expect, sync_playwright

from stack.config import PROJECT_DIR
from tests.e2e.webphone import CHROMIUM, CHROMIUM_ARGS, VIEWPORT, launch

ARTIFACTS = PROJECT_DIR / "tests" / "artifacts" / "e2e"

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


@pytest.fixture
def new_page(browser: Browser, stack, artifacts: Path, request) -> Iterator[Callable[..., Page]]:
    """new_page(browser=None) -> a page in a new context (a new person), at the webphone's URL.

    On failure, every page opened is saved as a screenshot with its console log.
    """
    contexts = []
    consoles: list[list[str]] = []

    def _new_page(in_browser: Browser | None = None) -> Page:
        context = (in_browser or browser).new_context(viewport=VIEWPORT, locale="es-ES")
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
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
    if failed:
        (artifacts / "failures").mkdir(parents=True, exist_ok=True)
    for n, context in enumerate(contexts):
        if failed:
            for page in context.pages:
                try:
                    page.screenshot(path=str(artifacts / "failures" / f"{name}-{n}.png"))
                except Exception as e:  # a crashed page still gets its log written
                    consoles[n].append(f"[screenshot failed] {e}")
            (artifacts / "failures" / f"{name}-{n}.console.txt").write_text("\n".join(consoles[n]))
        context.close()


@pytest.fixture
def screenshot(artifacts: Path) -> Callable[[Page, str], Path]:
    """screenshot(page, name) -> tests/artifacts/e2e/<name>.png."""

    def _shot(page: Page, name: str) -> Path:
        path = artifacts / f"{name}.png"
        page.screenshot(path=str(path), animations="disabled")
        return path

    return _shot


@pytest.fixture
def update_docs_screenshot() -> bool:
    """CRM_UPDATE_SCREENSHOT=1 regenerates docs/agent-desk.png (committed, for the README)."""
    return os.environ.get("CRM_UPDATE_SCREENSHOT") == "1"


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
