"""Kamailio routes an INVITE to the PSTN only for a call the CRM started (issue 12, item 4).

Hand-made INVITEs over WebSocket, authenticated with the real ephemeral credentials of
rpc/sip_credentials, through the real Kamailio and the real database: the call must be a
`calling` call of rpc/start_call, of the agent's own extension, to the dialled number.
The numbers end in 0486, the PSTN stand-in's busy line: an INVITE Kamailio routes gets
486 Busy Here, one it refuses gets 403 with the database's reason.
"""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path

import psycopg
import pytest

from stack.config import SIP_DOMAIN, SIP_PROXY_ROLE
from tests.support.crm_data import agent_id, make_campaign, make_leads, phone_ending
from tests.support.sip_ws import SipResponse, invite

BUSY = 486  # the PSTN stand-in's answer on its busy line: the INVITE was routed


@pytest.fixture
def shift(db):
    """agent1 (extension 1001) and agent2 (1002) on a fresh campaign, one busy-line lead each."""
    agent1, agent2 = agent_id(db, "agent1@demo.test"), agent_id(db, "agent2@demo.test")
    campaign = make_campaign(db, agents=[agent1, agent2])
    lead1 = make_leads(db, campaign, 1, owner_id=agent1, phone=phone_ending("0486"))[0]
    lead2 = make_leads(db, campaign, 1, owner_id=agent2, phone=phone_ending("0486"))[0]
    return {"lead1": lead1, "lead2": lead2}


@pytest.fixture
def dial(stack, sign_in):
    """dial(email, number, call_id=None) -> the responses to that agent's INVITE."""
    def _dial(email: str, e164: str, call_id: str | None = None, *,
              headers: list[str] | None = None) -> list[SipResponse]:
        creds = sign_in(email).rpc("sip_credentials").execute().data
        extra = [f"X-CRM-Call-Id: {call_id}", "X-CRM-Record: no"] if call_id else []
        return invite(stack.sip_ws_url, SIP_DOMAIN, creds["extension"], creds["username"],
                      creds["password"], e164.removeprefix("+"), headers=extra + (headers or []))
    return _dial


def _start_call(sign_in, email: str, lead: str) -> dict:
    call = sign_in(email).rpc("start_call", {"p_lead_id": lead}).execute().data
    assert call["status"] == "calling"
    return call


def _final(responses: list[SipResponse]) -> SipResponse:
    assert responses[-1].status >= 200, responses
    return responses[-1]


def test_the_agents_own_calling_call_is_routed(stack, sign_in, shift, dial):
    call = _start_call(sign_in, "agent1@demo.test", shift["lead1"])
    final = _final(dial("agent1@demo.test", call["phone_number"], call["id"]))
    assert final.status == BUSY, final
    # It reached route[PSTN], with the header the PBX matches the call by.
    log = (Path(stack.log_dir) / "kamailio.log").read_text(errors="replace")
    assert re.search(rf"crm-invite to={call['phone_number'][1:]} call={call['id']} ", log)


def test_no_crm_call_is_refused(sign_in, shift, dial):
    number = _start_call(sign_in, "agent1@demo.test", shift["lead1"])["phone_number"]
    final = _final(dial("agent1@demo.test", number))
    assert (final.status, final.reason) == (403, "Forbidden: no CRM call")


def test_another_agents_call_is_refused(sign_in, shift, dial):
    theirs = _start_call(sign_in, "agent2@demo.test", shift["lead2"])
    final = _final(dial("agent1@demo.test", theirs["phone_number"], theirs["id"]))
    assert (final.status, final.reason) == (403, "Forbidden: no CRM call of yours")


def test_a_call_no_longer_calling_is_refused(sign_in, shift, dial):
    agent = sign_in("agent1@demo.test")
    call = _start_call(sign_in, "agent1@demo.test", shift["lead1"])
    agent.table("calls").update({"status": "ringing"}).eq("id", call["id"]).execute()
    final = _final(dial("agent1@demo.test", call["phone_number"], call["id"]))
    assert (final.status, final.reason) == (403, "Forbidden: call not in calling state")


def test_another_number_is_refused(sign_in, shift, dial):
    call = _start_call(sign_in, "agent1@demo.test", shift["lead1"])
    other = phone_ending("0486")
    assert other != call["phone_number"]
    final = _final(dial("agent1@demo.test", other, call["id"]))
    assert (final.status, final.reason) == (403, "Forbidden: number does not match the call")


@pytest.mark.parametrize(("value", "reason"), [
    ("not-a-uuid", "malformed CRM call id"),                      # judged by the database
    ("x' or '1'='1", "malformed CRM call id"),                    # never reaches SQL text
    ("00000000-0000-4000-8000-000000000000", "no CRM call of yours"),
])
def test_a_bad_call_id_is_refused_with_its_reason(sign_in, shift, dial, value, reason):
    number = _start_call(sign_in, "agent1@demo.test", shift["lead1"])["phone_number"]
    final = _final(dial("agent1@demo.test", number, headers=[f"X-CRM-Call-Id: {value}"]))
    assert (final.status, final.reason) == (403, f"Forbidden: {reason}")


def test_two_call_ids_are_refused(sign_in, shift, dial):
    mine = _start_call(sign_in, "agent1@demo.test", shift["lead1"])
    final = _final(dial("agent1@demo.test", mine["phone_number"], mine["id"],
                        headers=["X-CRM-Call-Id: 00000000-0000-4000-8000-000000000000"]))
    assert (final.status, final.reason) == (403, "Forbidden: more than one CRM call id")


def test_no_answer_from_the_database_refuses_the_call_quickly(stack, sign_in, shift, dial):
    """Fail closed: while the call index is locked, the query times out (the role's 2 s
    statement timeout) and the INVITE gets a 503 within seconds; afterwards calls go out again."""
    call = _start_call(sign_in, "agent1@demo.test", shift["lead1"])
    locked, release = threading.Event(), threading.Event()

    def hold_lock() -> None:
        with psycopg.connect(stack.database_url) as conn:
            conn.execute("lock table private.call_index in access exclusive mode")
            locked.set()
            release.wait(30)

    holder = threading.Thread(target=hold_lock, daemon=True)
    holder.start()
    try:
        assert locked.wait(10)
        started = time.monotonic()
        final = _final(dial("agent1@demo.test", call["phone_number"], call["id"]))
        elapsed = time.monotonic() - started
    finally:
        release.set()
        holder.join(10)
    assert (final.status, final.reason) == (503, "CRM check unavailable")
    assert elapsed < 6, elapsed
    again = _final(dial("agent1@demo.test", call["phone_number"], call["id"]))
    assert again.status == BUSY, again


def test_kamailios_role_reads_no_table(stack):
    with psycopg.connect(stack.db_url(SIP_PROXY_ROLE)) as conn:
        allowed = conn.execute("select private.sip_authorize_invite('1001', null, '34600000001')"
                               ).fetchone()[0]
        assert allowed == "no CRM call"
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("select 1 from public.calls limit 1")


def test_a_lost_database_connection_is_remade_for_the_next_call(stack, sign_in, shift, dial, db):
    """As after a PostgreSQL restart: Kamailio's connections are gone; the next INVITE
    reconnects (one retry) instead of being refused."""
    killed = db.execute("select count(*) filter (where pg_terminate_backend(pid))"
                        " from pg_stat_activity where usename = %s",
                        (SIP_PROXY_ROLE,)).fetchone()[0]
    assert killed >= 1  # each Kamailio worker that asked keeps its connection
    call = _start_call(sign_in, "agent1@demo.test", shift["lead1"])
    final = _final(dial("agent1@demo.test", call["phone_number"], call["id"]))
    assert final.status == BUSY, final
