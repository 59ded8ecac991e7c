"""What the dialer does with each way a call goes: no agent free (the message, the ledger, the
lockout), answering machines, busy and unanswered numbers. `python -m workers.dialer` against
the AMI stand-in and the test stack's PostgreSQL."""

from __future__ import annotations

import time

from tests.dialer.conftest import SUPERVISOR, wait_until
from tests.support.ami_server import Outcome


def lead_calls(pbx) -> list[dict]:
    return [a for a in pbx.actions("Originate") if a["Context"] == "crm-dialer"]


def test_with_no_agent_free_the_call_hears_the_message_and_counts_in_the_ledger(
    floor, pbx, start_dialer, sign_in
):
    floor.set(abandon_lockout_hours=72)
    floor.connect("agent5@demo.test", "agent6@demo.test")
    first, second = floor.add_leads(2)
    # An older completed live answer, 3 days ago: in the 30 days, not in the 24 hours.
    floor.db.execute(
        """insert into public.dialer_attempts (campaign_id, phone_number, worker, status,
             live_answer, agent_id, placed_at, answered_at, human_at, connected_at, ended_at)
           values (%s, '+34600000000', 'tests', 'completed', true, %s, now() - interval '3 days',
             now() - interval '3 days', now() - interval '3 days', now() - interval '3 days',
             now() - interval '3 days')""", (floor.campaign_id, floor.agent("agent5@demo.test")))
    dialer = start_dialer()
    calls = wait_until(lambda: len(lead_calls(pbx)) == 2 and lead_calls(pbx), what="two calls")
    by_lead = {str(floor.attempt(c["ChannelId"])["lead_id"]): c["ChannelId"] for c in calls}

    pbx.answer_call(by_lead[first])
    wait_until(lambda: floor.attempt(by_lead[first])["status"] == "connected", what="connected")
    taken = str(floor.attempt(by_lead[first])["agent_id"])
    other = next(e for e, a in floor.agents.items()
                 if a != taken and e in ("agent5@demo.test", "agent6@demo.test"))
    floor.set_state(other, "paused", "break")  # the only other agent takes a break

    answered = time.monotonic()
    pbx.answer_call(by_lead[second])
    wait_until(lambda: pbx.redirects("crm-dialer-abandon"), timeout=4, what="the message")
    assert time.monotonic() - answered < 2.5  # the message starts within the 2 s
    (redirect,) = pbx.redirects("crm-dialer-abandon")
    assert (redirect["Exten"], redirect["Channel"]) == ("s", pbx.channel(by_lead[second]).name)
    assert pbx.channel(by_lead[second]).variables["CRM_ABANDON_MESSAGE"] == (
        f"crm/abandon-{floor.campaign_id}")
    wait_until(lambda: not pbx.channel(by_lead[second]).alive, what="the message played")
    abandoned = floor.attempt(by_lead[second])
    assert abandoned["status"] == "abandoned" and abandoned["live_answer"] is True
    assert 1000 <= abandoned["wait_ms"] <= 2000
    assert abandoned["disposition"] == "abandoned"
    hours = (abandoned["lockout_until"] - abandoned["ended_at"]).total_seconds() / 3600
    assert round(hours) == 72
    assert floor.lead(second)["status"] == "retry"
    assert len(pbx.redirects("crm-dialer-connect")) == 1  # the first call only
    assert dialer.metric("dialer_abandons_total", 'reason="no_agent"') == 1

    compliance = sign_in(SUPERVISOR).rpc(
        "dialer_compliance", {"p_campaign_id": floor.campaign_id}).execute().data
    assert (compliance["target"], compliance["cap"], compliance["lockout_hours"]) == (
        0.025, 0.03, 72)
    for window, live in (("today", 2), ("h24", 2), ("d30", 3)):
        w = compliance[window]
        assert (w["live_answers"], w["abandoned"], w["machine"]) == (live, 1, 0), window
        assert abs(w["rate"] - 1 / live) < 1e-6, window

    # The lockout holds: the abandoned lead is due again and agents are ready, but its number
    # rests 72 h; a fresh lead is called instead, and only that one.
    pbx.hangup_channel(by_lead[first])
    wait_until(lambda: floor.attempt(by_lead[first])["status"] == "completed", what="completed")
    floor.db.execute("update public.leads set next_call_at = now() - interval '1 minute'"
                     " where id = %s", (second,))
    floor.set_state("agent5@demo.test", "available")
    floor.set_state("agent6@demo.test", "available")
    (fresh,) = floor.add_leads(1)
    wait_until(lambda: len(lead_calls(pbx)) == 3, what="the fresh lead's call")
    time.sleep(1.0)  # four more ticks with a ready agent to spare
    dialled = [c["Channel"] for c in lead_calls(pbx)]
    assert dialled[2] == f"PJSIP/{floor.number(fresh)}@trunk"
    assert dialled.count(f"PJSIP/{floor.number(second)}@trunk") == 1
    assert floor.lead(second)["status"] == "retry"


def test_machines_are_dispositioned_voicemail_and_busy_and_unanswered_numbers_retried(
    floor, pbx, start_dialer
):
    sessions = floor.connect("agent5@demo.test", "agent6@demo.test", "agent7@demo.test")
    machine, busy, silent = floor.add_leads(3)
    pbx.script(floor.number(machine), Outcome(result="answer", amd="MACHINE", ring_s=0.1))
    pbx.script(floor.number(busy), Outcome(result="busy", ring_s=0.1))
    pbx.script(floor.number(silent), Outcome(result="no_answer", ring_s=0.2))
    dialer = start_dialer()
    wait_until(lambda: len(floor.attempts()) == 3
               and all(a["ended_at"] for a in floor.attempts()), what="three ended attempts")
    by_lead = {str(a["lead_id"]): a for a in floor.attempts()}
    assert (by_lead[machine]["status"], by_lead[machine]["amd_status"],
            by_lead[machine]["live_answer"], by_lead[machine]["disposition"]) == (
        "machine", "MACHINE", False, "voicemail")
    assert (by_lead[busy]["status"], by_lead[busy]["disposition"]) == ("busy", "busy")
    assert (by_lead[silent]["status"], by_lead[silent]["disposition"]) == (
        "no_answer", "no_answer")
    # The machine was hung up by the dialer, never sent to an agent.
    machine_channel = pbx.channel(by_lead[machine]["attempt_id"])
    wait_until(lambda: not machine_channel.alive, what="the machine hung up")
    assert machine_channel.name in [a["Channel"] for a in pbx.actions("Hangup")]
    assert pbx.redirects() == []
    assert all(floor.state_of(email) == "available" for email in sessions)
    assert all(floor.session(s)["call_id"] is None for s in sessions.values())
    for lead_id in (machine, busy, silent):
        assert floor.lead(lead_id)["status"] == "retry"
    assert dialer.metric("dialer_calls_total", 'result="machine"') == 1
    assert dialer.metric("dialer_calls_total", 'result="busy"') == 1
    assert dialer.metric("dialer_calls_total", 'result="no_answer"') == 1


def test_with_amd_off_every_answer_is_a_person_and_goes_to_an_agent(floor, pbx, start_dialer):
    floor.set(amd_enabled=False)
    floor.connect("agent7@demo.test")
    (lead_id,) = floor.add_leads(1)
    start_dialer()
    (call,) = wait_until(lambda: lead_calls(pbx), what="the call")
    assert "CRM_AMD=0" in call["Variable"].split(",")
    pbx.answer_call(call["ChannelId"], amd=None)  # the dialplan skips AMD(): AmdStatus empty
    wait_until(lambda: pbx.redirects("crm-dialer-connect"), timeout=3, what="the connect")
    attempt = floor.attempt(call["ChannelId"])
    assert (attempt["status"], attempt["amd_status"], attempt["live_answer"]) == (
        "connected", None, True)
    assert str(attempt["lead_id"]) == lead_id


def test_two_answers_at_once_for_one_free_agent_one_connects_one_hears_the_message(
    floor, pbx, start_dialer
):
    floor.connect("agent5@demo.test", "agent6@demo.test")
    floor.add_leads(2)
    start_dialer()
    calls = wait_until(lambda: len(lead_calls(pbx)) == 2 and lead_calls(pbx), what="two calls")
    floor.set_state("agent6@demo.test", "paused", "break")
    for call in calls:
        pbx.answer_call(call["ChannelId"])
    wait_until(lambda: {floor.attempt(c["ChannelId"])["status"] for c in calls}
               == {"connected", "abandoned"}, timeout=5, what="one connected, one abandoned")
    assert len(pbx.redirects("crm-dialer-connect")) == 1
    assert len(pbx.redirects("crm-dialer-abandon")) == 1
    assert floor.state_of("agent5@demo.test") == "on_call"
    assert floor.state_of("agent6@demo.test") == "paused"
