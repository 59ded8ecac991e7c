"""Click-to-call from the PBX side: an agent queues a request through the API
(rpc/request_originate), the bridge originates it over AMI and writes the result back; the
call's own events then update the call row the request created."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.ami_bridge.bridge_helpers import (
    BridgeThread,
    assert_rows,
    bridge_settings,
    load_case,
    reset_calls,
    wait_until,
)

AGENT = "agent1@demo.test"
NUMBER = "+34600111222"  # the number outbound_answered_recorded dials


@pytest.fixture
def lead(db, crm) -> str:
    db.execute("delete from public.originate_requests where campaign_id = %s", (crm.campaign_id,))
    reset_calls(db, crm, [load_case("outbound_answered_recorded")])
    return crm.leads[NUMBER]


def request(sign_in, lead: str) -> dict:
    return sign_in(AGENT).rpc("request_originate", {"p_lead_id": lead}).execute().data


def stored(db, request_id: str) -> dict:
    row = db.execute(
        """select status, result_reason, result_text, pbx_channel, pbx_uniqueid, sent_at,
             finished_at, call_id::text from public.originate_requests where id = %s""",
        (request_id,),
    ).fetchone()
    keys = ("status", "result_reason", "result_text", "pbx_channel", "pbx_uniqueid", "sent_at",
            "finished_at", "call_id")
    return dict(zip(keys, row, strict=True))


def test_an_originate_rings_the_agent_then_the_lead_and_the_call_row_follows(
    stack, db, crm, server, sign_in, lead
):
    queued = request(sign_in, lead)
    assert (queued["status"], queued["phone"], queued["agent_extension"]) == (
        "queued", NUMBER, "1001"
    )
    call_id = queued["call_id"]
    with BridgeThread(bridge_settings(stack, server)) as running:
        running.wait_logged_in()
        wait_until(lambda: stored(db, queued["id"])["status"] == "answered")
        (action,) = server.actions("Originate")
        assert action["Channel"] == "PJSIP/1001"
        assert (action["Context"], action["Exten"], action["Priority"]) == (
            "crm-originate", NUMBER, "1"
        )
        assert action["Async"] == "true" and action["Timeout"] == "30000"
        assert action["Variable"] == f"CRM_CALL_ID={call_id},CRM_ORIGINATE_ID={queued['id']}"
        result = stored(db, queued["id"])
        assert (result["result_reason"], result["result_text"], result["pbx_channel"]) == (
            4, "answered", "PJSIP/1001"
        )
        assert result["pbx_uniqueid"] and result["sent_at"] <= result["finished_at"]
        # The agent reads the outcome through the API (RLS: their own request).
        seen = sign_in(AGENT).table("originate_requests").select("status").eq(
            "id", queued["id"]
        ).execute().data
        assert seen == [{"status": "answered"}]
        # Then the PBX's events of that call, carrying CRM_CALL_ID, update the same row.
        case = load_case("outbound_answered_recorded")
        old_id = case.rows[0]["crm_call_id"]
        frames = [f.replace(old_id.encode(), call_id.encode()) for f in case.frames]
        case = replace(
            case, frames=frames,
            rows=[{**case.rows[0], "id": call_id, "crm_call_id": call_id, "source": "pbx"}],
            links={case.rows[0]["pbx_linkedid"]: {"lead_id": lead, "campaign_id": crm.campaign_id,
                                                  "agent_id": crm.agents["agent1001"]}},
        )
        server.send_events(case.frames)
        wait_until(lambda: _settled(db, case))
    assert_rows(db, case)


def _settled(db, case) -> bool:
    try:
        assert_rows(db, case)
    except AssertionError:
        return False
    return True


def test_a_failed_originate_is_written_back_and_its_call_closed(
    stack, db, server, sign_in, lead
):
    server.originate_response = {"Response": "Failure", "Reason": "5"}
    queued = request(sign_in, lead)
    with BridgeThread(bridge_settings(stack, server)) as running:
        running.wait_logged_in()
        wait_until(lambda: stored(db, queued["id"])["status"] == "failed")
    result = stored(db, queued["id"])
    assert (result["result_reason"], result["result_text"]) == (5, "busy")
    status, outcome, hangup_by = db.execute(
        "select status, outcome, hangup_by from public.calls where id = %s", (queued["call_id"],)
    ).fetchone()
    assert (status, outcome, hangup_by) == ("ended", "failed", "system")


def test_requests_are_durable_rows_and_stale_ones_expire(stack, db, server, sign_in, lead, crm):
    """Queued while no bridge runs: sent when one logs in. One queued too long ago expires:
    the agent is not rung minutes after clicking."""
    queued = request(sign_in, lead)
    stale_lead = crm.leads["+34611222333"]
    stale = sign_in("agent2@demo.test").rpc(
        "request_originate", {"p_lead_id": stale_lead}
    ).execute().data
    db.execute(
        "update public.originate_requests set created_at = now() - interval '10 minutes'"
        " where id = %s",
        (stale["id"],),
    )
    with BridgeThread(bridge_settings(stack, server)) as running:
        running.wait_logged_in()
        wait_until(lambda: stored(db, queued["id"])["status"] == "answered")
        wait_until(lambda: stored(db, stale["id"])["status"] == "expired")
    assert [a["Channel"] for a in server.actions("Originate")] == ["PJSIP/1001"]
    assert stored(db, stale["id"])["result_text"].startswith("expired")
    status, outcome = db.execute(
        "select status, outcome from public.calls where id = %s", (stale["call_id"],)
    ).fetchone()
    assert (status, outcome) == ("ended", "failed")


def test_a_notification_wakes_the_bridge_at_once(stack, db, server, sign_in, lead):
    settings = bridge_settings(stack, server, originate_poll_s=60.0)
    with BridgeThread(settings) as running:
        running.wait_logged_in()
        wait_until(lambda: running.bridge.reconciliations >= 1)
        queued = request(sign_in, lead)
        wait_until(lambda: stored(db, queued["id"])["status"] == "answered", timeout=5)
