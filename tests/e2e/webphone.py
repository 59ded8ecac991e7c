"""What a person does in the webphone, as Playwright steps over its data-test hooks
(webphone/README.md, "Hooks for end-to-end tests"). Every step waits for the state
it leads to with Playwright's expect, never with a fixed sleep."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from playwright.sync_api import Browser, Locator, Page, Playwright, expect

from stack.config import DEMO_PASSWORD

CHROMIUM = "/usr/bin/chromium"
# The flags of ../shared/REFERENCE.md ("Telephony on these machines").
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    "--allow-loopback-in-peer-connection",
    "--disable-background-networking",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]
# Without --use-fake-ui-for-media-stream, headless Chromium refuses the
# microphone unless the context grants it: how "microphone denied" is made.
CHROMIUM_ARGS_NO_MIC_PROMPT = [a for a in CHROMIUM_ARGS if a != "--use-fake-ui-for-media-stream"]
VIEWPORT = {"width": 1440, "height": 900}
# The people of the tests sit in Madrid, as the seeded campaigns' time zone: "today" on a
# screen (the reports' default range) is the campaign's day, also between 23:00 and 00:00 UTC.
TIMEZONE = "Europe/Madrid"


def launch(playwright: Playwright, args: list[str] = CHROMIUM_ARGS) -> Browser:
    """Debian's Chromium, headless; Playwright gives it a new temporary user-data directory."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=args, headless=True)


T = TypeVar("T")


def sign_in(page: Page, email: str, password: str = DEMO_PASSWORD) -> None:
    page.locator("#sign-in-email").fill(email)
    page.locator("#sign-in-password").fill(password)
    page.locator("#sign-in-submit").click()


def sign_in_agent(page: Page, email: str) -> None:
    """Signs in an agent and waits for the desk and the phone's registration."""
    sign_in(page, email)
    expect(page.locator("#agent-desk")).to_be_visible()
    wait_registered(page)


def wait_registered(page: Page, timeout: float = 15_000) -> None:
    sip = page.locator("#sip-status")
    expect(sip).to_have_attribute("data-state", "registered", timeout=timeout)


def choose_campaign(page: Page, campaign_id: str) -> None:
    select = page.locator("#campaign-select")
    expect(select.locator(f"option[value='{campaign_id}']")).to_have_count(1)
    select.select_option(campaign_id)


def take_next_lead(page: Page, campaign_id: str) -> str:
    """Next lead in the campaign; returns the lead id on the card."""
    choose_campaign(page, campaign_id)
    page.locator("#next-lead-button").click()
    card = page.locator("#lead-card")
    expect(card).to_be_visible()
    lead_id = card.get_attribute("data-lead-id")
    assert lead_id
    return lead_id


def open_own_lead(page: Page, lead_id: str, phone: str) -> None:
    """Finds one of the agent's own leads by its number in the search box and opens it."""
    page.locator("#lead-search").fill(phone.lstrip("+")[-9:])
    row = page.locator(f"[data-test='lead-row'][data-lead-id='{lead_id}']")
    row.click()
    expect(page.locator("#lead-card")).to_have_attribute("data-lead-id", lead_id)


def call_status(page: Page) -> Locator:
    return page.locator("#call-status")


def place_call(page: Page) -> None:
    expect(page.locator("#call-button")).to_be_enabled()
    page.locator("#call-button").click()


def submit_wrap_up(page: Page, disposition: str | None = None, notes: str = "") -> None:
    """Saves the wrap-up (the suggested disposition unless one is given); waits until it is gone."""
    form = page.locator("#wrap-up-form")
    expect(form).to_be_visible()
    if disposition:
        page.locator("#wrap-up-disposition").select_option(disposition)
    if notes:
        page.locator("#wrap-up-notes").fill(notes)
    page.locator("#wrap-up-submit").click()
    expect(form).to_have_count(0)
    expect(page.locator("#agent-state")).to_have_attribute("data-state", "available")


def wait_for(what: str, probe: Callable[[], T | None], timeout: float = 10.0) -> T:
    """Polls `probe` (a database read) until it returns something truthy."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.1)
