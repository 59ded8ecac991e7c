"""What goes wrong on a shift, in real Chromium: each failure is shown to the agent and the
database holds exactly what happened.

Wrong password; microphone denied (no call row); Kamailio stopped mid-shift and
started again (the phone re-registers by itself and calls again); a busy
number and one that never answers (the PSTN stand-in's test lines ending in
0486 and 0408: the call row says busy / no_answer); a lead on the
do-not-call list (refused, the error shown, no call); another agent's lead
opened by URL (RLS hides it: "not found").
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from stack import kamailio
from tests.e2e.webphone import (
    CHROMIUM_ARGS_NO_MIC_PROMPT,
    VIEWPORT,
    call_status,
    launch,
    open_own_lead,
    place_call,
    sign_in,
    sign_in_agent,
    submit_wrap_up,
    take_next_lead,
    wait_for,
    wait_registered,
)
from tests.support.crm_data import agent_id, make_campaign, make_leads, phone_ending


def calls_of(db, lead: str) -> list[tuple]:
    return db.execute(
        "select status, outcome, answered_at, ended_at, talk_seconds, ring_seconds, hangup_by"
        " from public.calls where lead_id = %s order by started_at", (lead,)).fetchall()


def test_wrong_password_is_refused_with_a_message(new_page, screenshot):
    page = new_page()
    sign_in(page, "agent8@demo.test", "not-the-password")
    error = page.locator("#sign-in-error")
    expect(error).to_be_visible()
    expect(error).not_to_be_empty()
    expect(page.locator("#sign-in-submit")).to_be_enabled()
    expect(page.locator("#agent-desk")).to_have_count(0)
    screenshot(page, "10-sign-in-wrong-password")


@pytest.fixture
def mic_denied_browser(playwright):
    browser = launch(playwright, CHROMIUM_ARGS_NO_MIC_PROMPT)
    yield browser
    browser.close()


def test_microphone_denied_shows_a_banner_and_records_no_call(
    db, new_page, mic_denied_browser, screenshot, close_open_calls,
):
    email = "agent2@demo.test"
    agent = agent_id(db, email)
    close_open_calls(agent)
    campaign = make_campaign(db, agents=[agent])
    [lead] = make_leads(db, campaign, 1)

    page = new_page(mic_denied_browser)
    sign_in_agent(page, email)
    assert take_next_lead(page, campaign) == lead
    place_call(page)
    banner = page.locator("[data-test='banner-mic']")
    expect(banner).to_be_visible()
    expect(call_status(page)).to_have_attribute("data-status", "idle")
    expect(page.locator("#agent-state")).to_have_attribute("data-state", "available")
    expect(page.locator("#call-button")).to_be_enabled()
    screenshot(page, "11-microphone-denied")
    assert calls_of(db, lead) == []
    assert db.execute("select attempts from public.leads where id = %s", (lead,)).fetchone()[0] == 0


def test_the_phone_re_registers_after_kamailio_restarts(stack, db, new_page, screenshot,
                                                        close_open_calls):
    email = "agent3@demo.test"
    agent = agent_id(db, email)
    close_open_calls(agent)
    campaign = make_campaign(db, agents=[agent])
    [lead] = make_leads(db, campaign, 1, phone=phone_ending("0486"))

    page = new_page()
    sign_in_agent(page, email)
    assert take_next_lead(page, campaign) == lead
    expect(page.locator("#call-button")).to_be_enabled()
    try:
        kamailio.stop(stack)
        expect(page.locator("#sip-status")).to_have_attribute("data-state", "reconnecting")
        expect(page.locator("[data-test='banner-sip']")).to_be_visible()
        # No call while the phone is not registered.
        expect(page.locator("#call-button")).to_be_disabled()
        screenshot(page, "12-sip-lost")
    finally:
        kamailio.start(stack)
    # JsSIP retries the WebSocket with a backoff of at most 10 s, then registers again.
    wait_registered(page, timeout=30_000)
    expect(page.locator("[data-test='banner-sip']")).to_have_count(0)

    # And it calls through the restarted proxy.
    place_call(page)
    expect(call_status(page)).to_have_attribute("data-outcome", "busy")
    submit_wrap_up(page)
    assert [row[:2] for row in calls_of(db, lead)] == [("ended", "busy")]


def _call_until_it_fails(page: Page, outcome: str) -> None:
    place_call(page)
    expect(call_status(page)).to_have_attribute("data-status", "failed")
    expect(call_status(page)).to_have_attribute("data-outcome", outcome)
    expect(page.locator("[data-test='wrap-up-outcome']")).to_have_attribute("data-outcome", outcome)
    # The form suggests the disposition that matches the outcome.
    expect(page.locator("#wrap-up-disposition")).to_have_value(outcome)


def test_busy_and_no_answer_are_recorded_as_such(db, new_page, screenshot, close_open_calls):
    email = "agent4@demo.test"
    agent = agent_id(db, email)
    close_open_calls(agent)
    campaign = make_campaign(db, agents=[agent])
    busy_phone, silent_phone = phone_ending("0486"), phone_ending("0408")
    [busy] = make_leads(db, campaign, 1, phone=busy_phone, owner_id=agent)
    [silent] = make_leads(db, campaign, 1, phone=silent_phone, owner_id=agent)

    page = new_page()
    sign_in_agent(page, email)

    open_own_lead(page, busy, busy_phone)
    _call_until_it_fails(page, "busy")
    screenshot(page, "13-call-busy")
    [(status, outcome, answered_at, ended_at, talk, _ring, hangup_by)] = wait_for(
        "the busy call's end", lambda: [r for r in calls_of(db, busy) if r[0] == "ended"])
    assert (status, outcome, answered_at, talk, hangup_by) == ("ended", "busy", None, 0, "system")
    assert ended_at is not None
    submit_wrap_up(page)
    assert db.execute("select disposition from public.calls where lead_id = %s",
                      (busy,)).fetchone()[0] == "busy"

    open_own_lead(page, silent, silent_phone)
    _call_until_it_fails(page, "no_answer")
    screenshot(page, "14-call-no-answer")
    [(status, outcome, answered_at, ended_at, talk, ring, _by)] = wait_for(
        "the unanswered call's end", lambda: [r for r in calls_of(db, silent) if r[0] == "ended"])
    assert (status, outcome, answered_at, talk) == ("ended", "no_answer", None, 0)
    assert ended_at is not None and ring >= 0
    submit_wrap_up(page)


def test_a_do_not_call_lead_is_refused_with_the_error_shown(db, new_page, screenshot,
                                                             close_open_calls):
    email = "agent5@demo.test"
    agent = agent_id(db, email)
    close_open_calls(agent)
    campaign = make_campaign(db, agents=[agent])
    phone = phone_ending()
    [lead] = make_leads(db, campaign, 1, phone=phone, owner_id=agent)
    db.execute("insert into public.do_not_call (phone, campaign_id, source, reason)"
               " values (%s, null, 'lead_request', 'E2E: asked on another call')", (phone,))

    page = new_page()
    sign_in_agent(page, email)
    open_own_lead(page, lead, phone)
    place_call(page)
    toast = page.locator("[data-test='toast']").filter(has_text="do-not-call")
    expect(toast).to_be_visible()
    expect(toast).to_contain_text(phone)
    screenshot(page, "15-do-not-call-refused")
    expect(call_status(page)).to_have_attribute("data-status", "idle")
    expect(page.locator("#agent-state")).to_have_attribute("data-state", "available")
    assert calls_of(db, lead) == []


def test_an_agent_cannot_open_another_agents_lead_by_url(stack, db, new_page, screenshot,
                                                          close_open_calls):
    email = "agent6@demo.test"
    me, colleague = agent_id(db, email), agent_id(db, "agent7@demo.test")
    close_open_calls(me)
    campaign = make_campaign(db, agents=[me, colleague])
    [theirs] = make_leads(db, campaign, 1, owner_id=colleague)

    page = new_page()
    sign_in_agent(page, email)
    page.goto(f"{stack.url}/agent/lead/{theirs}")
    expect(page.locator("#lead-not-found")).to_be_visible()
    expect(page.locator("#lead-card")).to_have_count(0)
    screenshot(page, "16-lead-not-found")


def test_a_reload_mid_call_comes_back_as_a_wrap_up(db, new_page, screenshot, close_open_calls):
    email = "agent7@demo.test"
    agent = agent_id(db, email)
    close_open_calls(agent)
    campaign = make_campaign(db, agents=[agent])
    [lead] = make_leads(db, campaign, 1)

    page = new_page()
    # The desk asks before leaving a page with a call on it; the agent insists.
    page.on("dialog", lambda dialog: dialog.accept())
    sign_in_agent(page, email)
    assert take_next_lead(page, campaign) == lead
    place_call(page)
    expect(call_status(page)).to_have_attribute("data-status", "confirmed")
    wait_for("the confirmed call", lambda: db.execute(
        "select 1 from public.calls where lead_id = %s and status = 'confirmed'",
        (lead,)).fetchone())
    # Two seconds of conversation, so the recovered talk time cannot be 00:00.
    expect(page.locator("#call-timer")).to_have_text(re.compile(r"^00:0[2-9]$"))
    page.reload()

    expect(page.locator("#wrap-up-form")).to_be_visible()
    expect(page.locator("[data-test='wrap-up-recovered']")).to_be_visible()
    # The call's real talk time (answered_at to the reload), not 00:00.
    talk = re.compile(r"(0[2-9]|[1-5][0-9])$")
    expect(page.locator("[data-test='wrap-up-outcome']")).to_have_text(talk)
    expect(page.locator("#call-timer")).to_have_text(talk)
    # The phone panel never covers the wrap-up: on a desk screen and on a tablet, each field
    # receives the click (Playwright's hit-target check), none hides under another panel.
    for size in (VIEWPORT, {"width": 820, "height": 1180}):
        page.set_viewport_size(size)
        for hook in ("#wrap-up-disposition", "#wrap-up-notes", "#wrap-up-submit"):
            page.locator(hook).click(trial=True)
        screenshot(page, f"17-recovered-wrap-up-{size['width']}")
    page.set_viewport_size(VIEWPORT)
    expect(page.locator("#lead-card")).to_have_attribute("data-lead-id", lead)
    expect(page.locator("#agent-state")).to_have_attribute("data-state", "wrap_up")
    screenshot(page, "17-recovered-wrap-up")
    # The call ended when the desk came back, not when the wrap-up is saved.
    ended_at, outcome, hangup_by = wait_for("the recovered call's end", lambda: db.execute(
        "select ended_at, outcome, hangup_by from public.calls"
        " where lead_id = %s and status = 'ended'", (lead,)).fetchone())
    assert (outcome, hangup_by) == ("answered", "system")
    submit_wrap_up(page, "not_interested")
    assert db.execute("select ended_at, disposition from public.calls where lead_id = %s",
                      (lead,)).fetchone() == (ended_at, "not_interested")
