"""The dialer worker places calls and connects live answers: `python -m workers.dialer` against
the AMI stand-in's real socket (tests/support/ami_server.py) and the test stack's PostgreSQL."""

from __future__ import annotations

import time

from tests.dialer.conftest import AGENTS, rows, wait_until


def test_a_progressive_campaign_with_three_ready_agents_places_three_calls(
    floor, pbx, start_dialer, sign_in
):
    emails = list(AGENTS)
    leads = floor.add_leads(5)
    dialer = start_dialer()
    # The agents join through the API; the worker rings each one's phone with the session
    # header, the phone answers (the stand-in), the session is connected.
    sessions = {email: sign_in(email).rpc("dialer_join", {"p_campaign_id": floor.campaign_id})
                .execute().data["id"] for email in emails}
    wait_until(lambda: all(floor.session(s)["status"] == "connected" for s in sessions.values()),
               what="the three sessions connected")
    rings = [a for a in pbx.actions("Originate") if a["Context"] == "crm-dialer-agent"]
    assert sorted(a["Channel"] for a in rings) == ["PJSIP/1005", "PJSIP/1006", "PJSIP/1007"]
    for action in rings:
        session_id = action["ChannelId"]
        assert session_id in sessions.values()
        extension = action["Channel"].removeprefix("PJSIP/")
        assert action["Variable"] == (f"CRM_DIALER_SESSION={session_id},"
                                      f"CRM_AGENT_EXTENSION={extension},"
                                      f"PJSIP_HEADER(add,X-CRM-Dialer-Session)={session_id}")
        assert pbx.channel(session_id).variables[
            "PJSIP_HEADER(add,X-CRM-Dialer-Session)"] == session_id
        assert floor.session(session_id)["channel"] == pbx.channel(session_id).name
    assert pbx.outcomes == {}  # nothing scripted: leads ring until answered

    for email in emails:
        floor.set_state(email, "available")
    calls = wait_until(lambda: len(lead_originates(pbx)) >= 3 and lead_originates(pbx),
                       what="three calls")
    time.sleep(1.0)  # four more ticks: progressive places one line per ready agent, no more
    calls = lead_originates(pbx)
    assert len(calls) == 3
    attempts = {a["attempt_id"]: a for a in floor.attempts()}
    assert len(attempts) == 3 and {a["status"] for a in attempts.values()} == {"dialing"}
    for action in calls:
        attempt = attempts[action["ChannelId"]]
        lead_id = str(attempt["lead_id"])
        assert action["Channel"] == f"PJSIP/{floor.number(lead_id)}@trunk"
        assert (action["Context"], action["Exten"], action["Priority"]) == ("crm-dialer", "s", "1")
        assert action["Async"] == "true" and action["Timeout"] == "20000"  # the campaign's 20 s
        assert action["CallerID"] == "+34910000000"
        assert action["Variable"] == ",".join([
            f"CRM_CALL_ID={attempt['call_id']}", f"CRM_LEAD_ID={lead_id}",
            f"CRM_CAMPAIGN_ID={floor.campaign_id}", f"CRM_ATTEMPT_ID={action['ChannelId']}",
            "CRM_AMD=1", f"CRM_ABANDON_MESSAGE=crm/abandon-{floor.campaign_id}"])
        assert floor.lead(lead_id)["status"] == "in_call"
    assert {str(a["lead_id"]) for a in attempts.values()} <= set(leads)
    state = wait_until(lambda: (s := floor.state()) and s["lines_in_progress"] == 3 and s,
                       what="the published state")
    assert (state["effective_mode"], state["ready_agents"]) == ("progressive", 3)
    assert dialer.metric("dialer_calls_placed_total") == 3
    assert dialer.metric("dialer_lines_in_progress") == 3

    # An agent leaves: the worker hangs up that agent's nailed-up channel.
    left = sign_in(emails[0]).rpc("dialer_leave", {}).execute().data
    wait_until(lambda: not pbx.channel(left["id"]).alive, what="the session's hangup")
    assert any(a["Channel"] in (pbx.channel(left["id"]).name, left["id"])
               for a in pbx.actions("Hangup"))
    assert floor.session(left["id"])["status"] == "ended"


def lead_originates(pbx) -> list[dict]:
    return [a for a in pbx.actions("Originate") if a["Context"] == "crm-dialer"]


def test_a_live_answer_reaches_a_ready_agent_within_two_seconds(
    floor, pbx, start_dialer, sign_in
):
    email = "agent6@demo.test"
    (session_id,) = floor.connect(email).values()
    (lead_id,) = floor.add_leads(1)
    dialer = start_dialer()
    (call,) = wait_until(lambda: lead_originates(pbx), what="the call")
    attempt_id = call["ChannelId"]
    answered = time.monotonic()
    pbx.answer_call(attempt_id, amd="HUMAN")
    wait_until(lambda: pbx.redirects(), timeout=3, what="the redirect")
    assert time.monotonic() - answered < 2.5  # answer + AMD 0.05 s + the 2 s budget, at most
    (redirect,) = pbx.redirects()
    assert (redirect["Context"], redirect["Exten"], redirect["Priority"]) == (
        "crm-dialer-connect", "1006", "1")
    assert redirect["Channel"] == pbx.channel(attempt_id).name
    attempt = floor.attempt(attempt_id)
    assert attempt["status"] == "connected" and attempt["amd_status"] == "HUMAN"
    assert attempt["live_answer"] is True and 0 <= attempt["wait_ms"] < 2000
    assert str(attempt["agent_id"]) == floor.agent(email)
    session = floor.session(session_id)
    assert (str(session["call_id"]), str(session["lead_id"]), str(session["attempt_id"])) == (
        str(attempt["call_id"]), lead_id, attempt_id)
    assert floor.state_of(email) == "on_call"
    lead = floor.lead(lead_id)
    assert str(lead["owner_id"]) == floor.agent(email)
    assert dialer.metric("dialer_connects_total") == 1
    assert dialer.metric("dialer_connect_latency_seconds_count") == 1

    # The agent hangs up the lead from the webphone: the worker hangs up the lead's channel, the
    # PBX's Hangup completes the attempt and the agent wraps up.
    sign_in(email).rpc("dialer_hangup", {"p_call_id": str(attempt["call_id"])}).execute()
    wait_until(lambda: floor.attempt(attempt_id)["status"] == "completed", what="completed")
    assert pbx.channel(attempt_id).hangup_cause == 16
    assert floor.state_of(email) == "wrap_up"
    session = floor.session(session_id)
    assert session["status"] == "connected" and session["call_id"] is None
    (ended,) = rows(floor.db, "select status from public.calls where id = %s",
                    attempt["call_id"])
    assert ended["status"] == "ended"


def test_a_paused_campaign_places_nothing_until_resumed_and_paused_agents_never_count(
    floor, pbx, start_dialer, sign_in
):
    from tests.dialer.conftest import SUPERVISOR

    supervisor = sign_in(SUPERVISOR)
    supervisor.rpc("dialer_set_paused", {"p_campaign_id": floor.campaign_id,
                                         "p_paused": True}).execute()
    floor.connect("agent5@demo.test", "agent6@demo.test")
    floor.set_state("agent6@demo.test", "paused", "lunch")
    floor.add_leads(3)
    start_dialer()
    state = wait_until(lambda: (s := floor.state()) and s["effective_mode"] == "paused" and s,
                       what="the paused state")
    assert (state["ready_agents"], state["paused_agents"]) == (1, 1)
    time.sleep(1.0)
    assert lead_originates(pbx) == []
    supervisor.rpc("dialer_set_paused", {"p_campaign_id": floor.campaign_id,
                                         "p_paused": False}).execute()
    wait_until(lambda: lead_originates(pbx), what="a call after the resume")
    time.sleep(1.0)
    assert len(lead_originates(pbx)) == 1  # one ready agent; the one at lunch is not counted
    assert floor.state()["effective_mode"] == "progressive"


def test_a_session_whose_phone_does_not_answer_ends_with_the_reason(
    floor, pbx, start_dialer, sign_in
):
    from tests.support.ami_server import Outcome

    pbx.agent_outcome = Outcome(result="busy", ring_s=0.05)
    start_dialer()
    session = sign_in("agent7@demo.test").rpc(
        "dialer_join", {"p_campaign_id": floor.campaign_id}).execute().data
    ended = wait_until(lambda: (s := floor.session(session["id"]))["status"] == "ended" and s,
                       what="the session ended")
    assert ended["end_reason"] == "busy" and ended["connected_at"] is None
    # The agent may ask again; this time the phone answers.
    pbx.agent_outcome = Outcome(result="answer", ring_s=0.05, amd=None)
    again = sign_in("agent7@demo.test").rpc(
        "dialer_join", {"p_campaign_id": floor.campaign_id}).execute().data
    assert again["id"] != session["id"]
    wait_until(lambda: floor.session(again["id"])["status"] == "connected", what="connected")


def test_a_predictive_campaign_below_its_minimum_agents_dials_progressively_and_says_why(
    floor, pbx, start_dialer
):
    floor.set(dial_mode="predictive", predictive_min_agents=5)
    for status, live in (("no_answer", False), ("busy", False), ("completed", True)):
        floor.db.execute(
            """insert into public.dialer_attempts (campaign_id, phone_number, worker, status,
                 live_answer, agent_id, placed_at, answered_at, connected_at, ended_at)
               values (%s, '+34600000001', 'tests', %s, %s, %s, now() - interval '30 minutes',
                 case when %s then now() - interval '30 minutes' end,
                 case when %s then now() - interval '30 minutes' end,
                 now() - interval '29 minutes')""",
            (floor.campaign_id, status, live, floor.agent("agent5@demo.test") if live else None,
             live, live))
    floor.connect("agent5@demo.test", "agent6@demo.test")
    floor.add_leads(4)
    dialer = start_dialer()
    wait_until(lambda: len(lead_originates(pbx)) == 2, what="two calls")
    state = wait_until(lambda: (s := floor.state()) and s["lines_in_progress"] == 2 and s,
                       what="the state")
    assert (state["effective_mode"], state["fallback_reason"]) == ("progressive", "min_agents")
    assert float(state["dial_ratio"]) == 1.0
    time.sleep(1.0)
    assert len(lead_originates(pbx)) == 2
    (warmed,) = [r for r in dialer.log() if r.get("msg") == "pacer warmed"]
    assert warmed["items"] == 3  # the ledger's last two hours, fed to the new Pacer


def test_a_session_connected_by_an_earlier_run_is_hung_up_when_the_agent_leaves(
    floor, pbx, start_dialer, sign_in
):
    email = "agent5@demo.test"
    first = start_dialer()
    session = sign_in(email).rpc("dialer_join", {"p_campaign_id": floor.campaign_id}
                                 ).execute().data
    wait_until(lambda: floor.session(session["id"])["status"] == "connected", what="connected")
    assert first.stop() == 0  # the session stays: the agent waits in the conference
    assert pbx.channel(session["id"]).alive
    second = start_dialer()  # knows nothing of that session but its row
    wait_until(lambda: sum(r.get("msg") == "listening for dialer notifications"
                           for r in second.log()) == 2, what="the new dialer listening")
    sign_in(email).rpc("dialer_leave", {}).execute()
    wait_until(lambda: not pbx.channel(session["id"]).alive, what="the session hung up")
    assert floor.session(session["id"])["status"] == "ended"
