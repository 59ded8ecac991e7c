"""The agent's day in one call, in real Chromium against the test stack.

An agent signs in, takes the next lead, calls it through Kamailio (baresip
answers with a tone), the call confirms and the timer runs, hangs up, records
a sale and the wrap-up; the database holds the call with its times and the
sale pending; the supervisor, in another browser context, sees the agent on
the live floor and validates the sale, and the agent's open lead shows it
validated without a reload.
"""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import expect

from tests.e2e.webphone import (
    call_status,
    place_call,
    sign_in,
    sign_in_agent,
    submit_wrap_up,
    take_next_lead,
    wait_for,
)
from tests.support.crm_data import agent_id, make_campaign, make_leads, phone_ending

AGENT = "agent1@demo.test"
SUPERVISOR = "supervisor1@demo.test"


def test_agent_calls_sells_and_the_supervisor_validates(
    stack, db, new_page, screenshot, close_open_calls,
):
    agent = agent_id(db, AGENT)
    close_open_calls(agent)
    campaign = make_campaign(db, agents=[agent])
    db.execute("update public.campaigns set name = 'Vida Tranquila' where id = %s",
               (campaign,))
    [lead] = make_leads(
        db, campaign, 1, first_name="Lucía", last_name="Fernández Ortega", phone=phone_ending(),
        city="Madrid", region="Madrid", email="lucia.fernandez@example.com", consent_recording=True,
    )

    # --- The agent: sign in, next lead, call -------------------------------------------
    page = new_page()
    expect(page.locator("#sign-in")).to_be_visible()
    screenshot(page, "01-sign-in")
    sign_in_agent(page, AGENT)
    assert take_next_lead(page, campaign) == lead
    expect(page.locator("[data-test='lead-name']")).to_have_text("Lucía Fernández Ortega")
    screenshot(page, "02-agent-lead")

    place_call(page)
    expect(page.locator("[data-test='consent-notice']")).to_be_visible()
    expect(call_status(page)).to_have_attribute("data-status", "confirmed")
    call_id = wait_for("the call row", lambda: db.execute(
        "select id from public.calls where lead_id = %s", (lead,)).fetchone())[0]
    page.locator("[data-test='consent-yes']").click()
    # The timer counts the conversation: two seconds of it is enough.
    expect(page.locator("#call-timer")).to_have_text(re.compile(r"^00:0[2-9]$"))
    expect(page.locator("#agent-state")).to_have_attribute("data-state", "on_call")
    screenshot(page, "03-agent-in-call", docs="agent-desk.png")
    row = db.execute("select status, answered_at, recording_consent from public.calls"
                     " where id = %s", (call_id,)).fetchone()
    assert row[0] == "confirmed" and row[1] is not None and row[2] is True

    page.locator("#hangup-button").click()
    expect(page.locator("#wrap-up-form")).to_be_visible()
    outcome_badge = page.locator("[data-test='wrap-up-outcome']")
    expect(outcome_badge).to_have_attribute("data-outcome", "answered")
    expect(page.locator("#agent-state")).to_have_attribute("data-state", "wrap_up")
    # rpc/hangup_call ends the call now, before the wrap-up.
    ended = wait_for("the hang-up in the call row", lambda: db.execute(
        "select ended_at, outcome, talk_seconds, hangup_by from public.calls"
        " where id = %s and status = 'ended'", (call_id,)).fetchone())
    assert (ended[1], ended[3]) == ("answered", "agent") and ended[2] > 0

    # --- The sale, then the wrap-up ------------------------------------------------------
    policy = f"POL-E2E-{uuid.uuid4().hex[:8].upper()}"
    page.locator("[data-test='sale-toggle']").click()
    product = page.locator("#sale-product")
    product.select_option(index=1)
    expect(page.locator("#sale-premium")).not_to_have_value("")
    page.locator("#sale-policy").fill(policy)
    screenshot(page, "04-agent-wrap-up-and-sale", docs="agent-wrap-up.png")
    page.locator("#sale-submit").click()
    page.locator("[data-test='lead-tab-sales']").click()
    sale_row = page.locator("[data-test='sale-row']")
    expect(sale_row).to_have_count(1)
    expect(sale_row).to_have_attribute("data-status", "pending")
    sale_id = sale_row.get_attribute("data-sale-id")

    # The wrap-up form is required: no disposition, no save.
    page.locator("#wrap-up-submit").click()
    expect(page.locator("#wrap-up-error")).to_be_visible()
    submit_wrap_up(page, "sale", notes="Contrata Vida Tranquila; quiere la póliza por correo.")
    expect(page.locator("[data-test='lead-status']")).to_have_attribute("data-status", "won")

    call = db.execute(
        "select status, outcome, started_at, answered_at, ended_at, wrapped_up_at, talk_seconds,"
        " ring_seconds, duration_seconds, hangup_by, disposition, notes, agent_id::text,"
        " campaign_id::text from public.calls where id = %s", (call_id,)).fetchone()
    (status, outcome, started_at, answered_at, ended_at, wrapped_up_at, talk, ring, duration,
     hangup_by, disposition, notes, call_agent, call_campaign) = call
    assert (status, outcome, hangup_by, disposition) == ("ended", "answered", "agent", "sale")
    assert started_at <= answered_at < ended_at <= wrapped_up_at
    assert ended_at == ended[0], "end_call kept the hang-up's time"
    assert talk > 0 and talk == ended[2], "talk time stops at the hang-up, not at the wrap-up"
    assert abs(duration - (talk + ring)) <= 1  # each rounded to whole seconds
    assert notes.startswith("Contrata Vida Tranquila")
    assert (call_agent, call_campaign) == (agent, campaign)
    sale = db.execute(
        "select status::text, lead_id::text, call_id::text, agent_id::text, policy_number"
        " from public.sales where id = %s", (sale_id,)).fetchone()
    assert sale == ("pending", lead, str(call_id), agent, policy)
    screenshot(page, "05-agent-after-wrap-up")

    # --- The supervisor, in another context: the floor, then the validation queue ---------
    boss = new_page()
    sign_in(boss, SUPERVISOR)
    floor_row = boss.locator(f"[data-test='floor-row'][data-agent-id='{agent}']")
    expect(floor_row).to_have_attribute("data-state", "available")
    screenshot(boss, "06-supervisor-floor")

    boss.locator("[data-test='nav-validation']").click()
    queue_row = boss.locator(f"[data-test='validation-row'][data-sale-id='{sale_id}']")
    expect(queue_row).to_be_visible()
    screenshot(boss, "07-supervisor-validation-queue", docs="validation-queue.png")
    queue_row.locator("[data-test='sale-approve']").click()
    expect(queue_row).to_have_count(0)
    expect(boss.locator(f"[data-test='decided-row'][data-sale-id='{sale_id}']")).to_be_visible()
    assert db.execute("select status::text from public.sales where id = %s",
                      (sale_id,)).fetchone()[0] == "validated"

    # --- The agent's open lead follows by itself (it polls the lead in hand) -------------
    expect(page.locator(f"[data-test='sale-row'][data-sale-id='{sale_id}']")).to_have_attribute(
        "data-status", "validated", timeout=25_000)
    screenshot(page, "08-agent-sale-validated")
