"""The agent's side of the dialer (issue 16), in real Chromium against the test stack.

The test plays the dialer worker's part without the worker: it calls the
database's private dialer functions as the worker's own role (crm_dialer), and
places the nailed-up call with the PBX stand-in (tests/support/pbx_phone.py:
baresip behind the address Kamailio trusts as Asterisk). An agent of a
progressive campaign connects to the dialer; an INVITE with another session id
is refused; the PBX's INVITE with the agent's session is answered by the
webphone on its own (DTLS-SRTP up, the browser's audio reaching the PBX); a
lead answered by a person is claimed for the agent and pops on the screen; when
the lead hangs up the agent wraps up, and is ready again with the nailed-up
call still up; leaving the dialer hangs that call up.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

import psycopg
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.webphone import choose_campaign, sign_in, submit_wrap_up, wait_for
from tests.support.crm_data import agent_id, make_campaign, make_leads, phone_ending
from tests.support.pbx_phone import PbxCall, PbxPhone

AGENT = "agent5@demo.test"
WORKER = "e2e-dialer"

# The dialer desk's hooks (webphone/src/app/screens/agent/DialerPanel.tsx).
PANEL = "[data-test='dialer-panel']"
DIALER_STATUS = "[data-test='dialer-status']"


@pytest.fixture
def dialer(stack) -> Iterator[psycopg.Connection]:
    """The dialer worker's own connection (role crm_dialer), as workers/dialer uses it."""
    with psycopg.connect(stack.worker_database_url("dialer"), autocommit=True) as conn:
        yield conn


@pytest.fixture
def pbx(stack, tmp_path) -> Iterator[PbxPhone]:
    with PbxPhone(stack, tmp_path / "pbx") as phone:
        yield phone


@pytest.fixture
def floor(db, close_open_calls):
    """AGENT on a fresh progressive campaign with one pool lead, nothing left open from before."""
    agent = agent_id(db, AGENT)
    close_open_calls(agent)
    db.execute("update public.dialer_sessions set status = 'ended', ended_at = now(),"
               " end_reason = 'test_cleanup' where agent_id = %s and status <> 'ended'", (agent,))
    campaign = make_campaign(db, agents=[agent])
    db.execute("update public.campaigns set dial_mode = 'progressive', name = %s where id = %s",
               (f"Hogar Seguro {uuid.uuid4().hex[:4]}", campaign))
    [lead] = make_leads(db, campaign, 1, first_name="Marta", last_name="Iglesias Ruiz",
                        phone=phone_ending(), city="Zaragoza")
    yield {"agent": agent, "campaign": campaign, "lead": lead}
    db.execute("update public.dialer_sessions set status = 'ended', ended_at = now(),"
               " end_reason = 'test_cleanup' where agent_id = %s and status <> 'ended'", (agent,))
    close_open_calls(agent)
    # The desk opens on the first active campaign by name: later tests of this agent expect
    # the preview phone, not this campaign's dialer.
    db.execute("update public.campaigns set status = 'archived' where id = %s", (campaign,))


def _session(db: psycopg.Connection, agent: str) -> dict | None:
    row = db.execute(
        "select id::text, status, extension, call_id::text, attempt_id::text, lead_id::text"
        " from public.dialer_sessions where agent_id = %s and status <> 'ended'",
        (agent,)).fetchone()
    if row is None:
        return None
    return dict(zip(("id", "status", "extension", "call_id", "attempt_id", "lead_id"), row,
                    strict=True))


def _ring(pbx: PbxPhone, extension: str, session: str | None) -> PbxCall:
    call = pbx.dial(extension, session)
    pbx.wait_for(call, "final")
    return call


def _sign_in_to_dialer(page: Page, campaign: str) -> None:
    """The agent signs in and picks the progressive campaign: the dialer's panel, not the phone."""
    sign_in(page, AGENT)
    expect(page.locator("#agent-desk")).to_be_visible()
    choose_campaign(page, campaign)
    panel = page.locator(PANEL)
    expect(panel.locator("[data-test='sip-status']")).to_have_attribute("data-state", "registered")
    expect(page.locator(DIALER_STATUS)).to_have_attribute("data-phase", "off")


def _join(page: Page, db: psycopg.Connection, dialer: psycopg.Connection,
          agent: str) -> tuple[str, str]:
    """The agent connects to the dialer; the worker's part claims the request. Returns the
    session id and the extension to call."""
    page.get_by_role("button", name="Conectar al marcador").click()
    expect(page.locator(DIALER_STATUS)).to_have_attribute("data-phase", "waiting")
    requested = wait_for("the requested session", lambda: _session(db, agent))
    assert requested["status"] == "requested"
    return _claim_request(dialer, requested["id"])


def _claim_request(dialer: psycopg.Connection, session: str) -> tuple[str, str]:
    """The worker's part: it claims the requested session (now ringing) to call its extension."""
    claimed = dialer.execute("select id::text, status, extension"
                             " from private.dialer_session_requests(%s)", (WORKER,)).fetchall()
    mine = [row for row in claimed if row[0] == session]
    assert [row[1] for row in mine] == ["ringing"], claimed
    return session, mine[0][2]


def _answer_line(page: Page, db: psycopg.Connection, dialer: psycopg.Connection, pbx: PbxPhone,
                 agent: str, session: str, extension: str) -> PbxCall:
    """The PBX calls the agent for `session`; the webphone answers by itself."""
    nailed = pbx.dial(extension, session)
    pbx.wait_for(nailed, "CALL_ESTABLISHED")
    assert nailed.final == 200
    # The media is a browser's: DTLS-SRTP negotiated, the agent's microphone heard.
    pbx.wait_for(nailed, "CALL_MENC")
    pbx.wait_for(nailed, "CALL_RTPESTAB")
    assert dialer.execute("select private.dialer_session_connected(%s, %s, %s)",
                          (session, WORKER, f"PJSIP/{extension}-{session[:8]}")).fetchone()[0]
    status = page.locator(DIALER_STATUS)
    expect(status).to_have_attribute("data-phase", "connected")
    expect(status).to_have_text("Conectado al marcador")
    expect(page.locator("[data-test='dialer-agent']")).to_have_attribute("data-state", "available")
    # Ready for the dialer: available in agent_states (what dialer_claim_agent reads).
    wait_for("the agent available", lambda: db.execute(
        "select 1 from public.agent_states where agent_id = %s and state = 'available'",
        (agent,)).fetchone())
    return nailed


def _live_answer(dialer: psycopg.Connection, campaign: str, session: str,
                 agent: str) -> tuple[str, str, str]:
    """The worker's part: a lead placed, answered by a person, the agent claimed.
    Returns the attempt, the call and the lead."""
    [(attempt, call_id, lead)] = dialer.execute(
        "select attempt_id::text, call_id::text, lead_id::text"
        " from private.dialer_take_leads(%s, %s, 1)", (campaign, WORKER)).fetchall()
    assert dialer.execute(
        "select private.dialer_attempt_answered(%s, %s, 'HUMAN', 'HUMAN-500-500', now())",
        (attempt, WORKER)).fetchone()[0] == "waiting"
    [(claimed_session, claimed_agent)] = dialer.execute(
        "select session_id::text, agent_id::text from private.dialer_claim_agent(%s, %s)",
        (attempt, WORKER)).fetchall()
    assert (claimed_session, claimed_agent) == (session, agent)
    return attempt, call_id, lead


def _popped(page: Page, lead: str) -> None:
    """The screen pop: the lead on the card and in the dialer's call, the agent on a call."""
    expect(page.locator("[data-test='dialer-lead-name']")).to_have_text("Marta Iglesias Ruiz")
    expect(page.locator("#lead-card")).to_have_attribute("data-lead-id", lead)
    expect(page.locator("#lead-card [data-test='lead-name']")).to_have_text("Marta Iglesias Ruiz")
    expect(page.locator("#agent-state")).to_have_attribute("data-state", "on_call")
    expect(page.get_by_role("button", name="Colgar")).to_be_visible()


def test_the_agent_is_connected_pops_the_lead_and_wraps_up(
    db, dialer, pbx, floor, new_page, screenshot,
):
    agent, campaign, lead = floor["agent"], floor["campaign"], floor["lead"]
    page: Page = new_page()
    _sign_in_to_dialer(page, campaign)
    session, extension = _join(page, db, dialer, agent)

    # Another session's INVITE, or one without the header, is refused (busy), never answered.
    for wrong in (str(uuid.uuid4()), None):
        assert _ring(pbx, extension, wrong).final == 486
    nailed = _answer_line(page, db, dialer, pbx, agent, session, extension)
    screenshot(page, "dialer-01-connected")

    # --- A lead answers (a person): the dialer claims the agent, the lead pops -------------
    attempt, call_id, taken = _live_answer(dialer, campaign, session, agent)
    assert taken == lead
    _popped(page, lead)
    screenshot(page, "dialer-02-screen-pop")

    # --- The lead hangs up: the agent wraps up ---------------------------------------------
    dialer.execute("select private.dialer_attempt_ended(%s, %s, 'hangup', now())",
                   (attempt, WORKER))
    expect(page.locator("#wrap-up-form")).to_be_visible()
    expect(page.locator("#agent-state")).to_have_attribute("data-state", "wrap_up")
    screenshot(page, "dialer-03-wrap-up")
    submit_wrap_up(page, "not_interested", notes="Ya tiene seguro de hogar con otra compañía.")

    call = db.execute("select status, disposition, wrapped_up_at is not null, agent_id::text,"
                      " lead_id::text, notes from public.calls where id = %s",
                      (call_id,)).fetchone()
    assert call[:5] == ("ended", "not_interested", True, agent, lead)
    assert call[5].startswith("Ya tiene seguro")
    assert db.execute("select status from public.dialer_attempts where id = %s",
                      (attempt,)).fetchone()[0] == "completed"
    # Ready again, on the same nailed-up call: the session connected, with no call in hand.
    wait_for("the agent available again", lambda: db.execute(
        "select 1 from public.agent_states where agent_id = %s and state = 'available'",
        (agent,)).fetchone())
    now = _session(db, agent)
    assert now is not None
    assert (now["id"], now["status"], now["call_id"]) == (session, "connected", None)
    assert "CALL_CLOSED" not in nailed.event_types()
    status = page.locator(DIALER_STATUS)
    expect(status).to_have_attribute("data-phase", "connected")
    expect(page.locator("[data-test='dialer-agent']")).to_have_attribute("data-state", "available")
    screenshot(page, "dialer-04-ready-again")

    # --- Leaving the dialer ends the session and hangs up the nailed-up call ---------------
    page.get_by_role("button", name="Salir del marcador").click()
    expect(status).to_have_attribute("data-phase", "off")
    pbx.wait_for(nailed, "CALL_CLOSED")
    ended = wait_for("the ended session", lambda: db.execute(
        "select end_reason from public.dialer_sessions where id = %s and status = 'ended'",
        (session,)).fetchone())
    assert ended[0] == "agent_left"


def test_the_agent_hangs_up_sells_and_a_lost_line_comes_back(db, dialer, pbx, floor, new_page):
    agent, campaign, lead = floor["agent"], floor["campaign"], floor["lead"]
    page: Page = new_page()
    _sign_in_to_dialer(page, campaign)
    session, extension = _join(page, db, dialer, agent)
    nailed = _answer_line(page, db, dialer, pbx, agent, session, extension)
    attempt, call_id, _ = _live_answer(dialer, campaign, session, agent)
    _popped(page, lead)

    # --- "Colgar": rpc/dialer_hangup asks the worker to hang the lead up --------------------
    dialer.execute("listen dialer")
    page.get_by_role("button", name="Colgar").click()
    asked = [json.loads(n.payload) for n in dialer.notifies(timeout=10, stop_after=1)]
    assert asked == [{"kind": "hangup", "attempt_id": attempt, "call_id": call_id}]
    # The PBX's Hangup of the lead's channel comes back to the worker as the end of the leg.
    dialer.execute("select private.dialer_attempt_ended(%s, %s, 'hangup', now())",
                   (attempt, WORKER))
    expect(page.locator("#wrap-up-form")).to_be_visible()

    # --- A sale and the wrap-up, as in preview ---------------------------------------------
    policy = f"POL-DIALER-{uuid.uuid4().hex[:8].upper()}"
    page.locator("[data-test='sale-toggle']").click()
    page.locator("#sale-product").select_option(index=1)
    expect(page.locator("#sale-premium")).not_to_have_value("")
    page.locator("#sale-policy").fill(policy)
    page.locator("#sale-submit").click()
    page.locator("[data-test='lead-tab-sales']").click()
    expect(page.locator("[data-test='sale-row']")).to_have_count(1)
    submit_wrap_up(page, "sale")
    sale = db.execute("select status::text, call_id::text, agent_id::text from public.sales"
                      " where policy_number = %s", (policy,)).fetchone()
    assert sale == ("pending", call_id, agent)
    assert db.execute("select disposition from public.calls where id = %s",
                      (call_id,)).fetchone()[0] == "sale"
    assert "CALL_CLOSED" not in nailed.event_types()

    # --- The PBX loses the line: the webphone asks for a new session, which is answered ------
    pbx.hang_up()
    pbx.wait_for(nailed, "CALL_CLOSED")
    dialer.execute("select private.dialer_session_ended(%s, %s, 'hangup')", (session, WORKER))
    again = wait_for("a new session", lambda: next(
        (s for s in [_session(db, agent)] if s and s["id"] != session), None))
    assert again["status"] == "requested"
    assert db.execute("select status from public.dialer_sessions where id = %s",
                      (session,)).fetchone()[0] == "ended"
    second, second_extension = _claim_request(dialer, again["id"])
    assert second_extension == extension
    _answer_line(page, db, dialer, pbx, agent, second, extension)
