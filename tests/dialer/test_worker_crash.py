"""A dialer killed at any moment leaves no agent claimed and no lead locked once a dialer runs
again; SIGTERM settles what is in flight and exits 0; bad input on the AMI socket is survived."""

from __future__ import annotations

import time

from tests.dialer.conftest import rows, wait_until

EMAILS = ("agent5@demo.test", "agent6@demo.test", "agent7@demo.test")


def lead_calls(pbx) -> list[dict]:
    return [a for a in pbx.actions("Originate") if a["Context"] == "crm-dialer"]


def open_attempts(floor) -> list[dict]:
    return [a for a in floor.attempts() if a["status"] in ("dialing", "analysing", "waiting")]


def claimed_without_a_call(floor) -> list[dict]:
    """Agents on_call with no connected dialer attempt: what a crash must never leave."""
    return rows(floor.db, """select st.agent_id from public.agent_states as st
                             where st.agent_id = any(%s::uuid[]) and st.state = 'on_call'
                               and not exists (select 1 from public.dialer_attempts as a
                                 where a.agent_id = st.agent_id and a.status = 'connected')""",
                list(floor.agents.values()))


def test_a_dialer_killed_mid_call_leaves_no_agent_claimed_and_no_lead_locked(
    floor, pbx, start_dialer
):
    floor.connect(*EMAILS)
    floor.add_leads(3)
    # A live answer waits up to a minute here, so one is still waiting when the dialer dies.
    dialer = start_dialer(CONNECT_WITHIN_S="60")
    calls = wait_until(lambda: len(lead_calls(pbx)) == 3 and lead_calls(pbx), what="3 calls")
    talking, waiting, ringing = (c["ChannelId"] for c in calls)
    pbx.answer_call(talking)
    wait_until(lambda: floor.attempt(talking)["status"] == "connected", what="connected")
    agent = str(floor.attempt(talking)["agent_id"])
    for email in EMAILS:
        if floor.agents[email] != agent:
            floor.set_state(email, "paused", "break")
    pbx.answer_call(waiting)
    wait_until(lambda: floor.attempt(waiting)["status"] == "waiting", what="waiting")
    assert floor.attempt(ringing)["status"] == "dialing"

    dialer.kill()  # SIGKILL: nothing settled by the dialer itself
    assert {a["status"] for a in open_attempts(floor)} == {"waiting", "dialing"}

    restarted = start_dialer()  # the same WORKER_NAME: it releases at once
    wait_until(lambda: not open_attempts(floor), what="the release")
    assert floor.attempt(waiting)["status"] == "abandoned"  # a person waited: the ledger says so
    lost = floor.attempt(ringing)
    assert (lost["status"], lost["call_status"], lost["disposition"]) == (
        "failed", "ended", "call_failed")
    for attempt_id in (waiting, ringing):
        lead = floor.lead(str(floor.attempt(attempt_id)["lead_id"]))
        assert lead["status"] == "retry" and lead["attempts"] == 1  # counted once
    assert not claimed_without_a_call(floor)
    # The connected call goes on in the PBX; its end reaches the dialer running now.
    assert floor.attempt(talking)["status"] == "connected"
    pbx.hangup_channel(talking)
    wait_until(lambda: floor.attempt(talking)["status"] == "completed", what="completed")
    agent_email = next(e for e, a in floor.agents.items() if a == agent)
    assert floor.state_of(agent_email) == "wrap_up"
    assert not claimed_without_a_call(floor)

    assert restarted.stop() == 0  # SIGTERM: a clean stop
    assert any(r.get("msg") == "released this dialer's lines" for r in restarted.log())


def test_sigterm_hangs_up_lines_still_ringing_and_releases_them(floor, pbx, start_dialer):
    floor.connect(EMAILS[0])
    floor.add_leads(1)
    dialer = start_dialer()
    (call,) = wait_until(lambda: lead_calls(pbx), what="the call")
    started = time.monotonic()
    assert dialer.stop() == 0
    assert time.monotonic() - started < 10
    assert not pbx.channel(call["ChannelId"]).alive  # never left ringing with no dialer
    assert floor.attempt(call["ChannelId"])["status"] in ("failed", "no_answer")
    assert not open_attempts(floor)


def test_malformed_ami_input_is_survived(floor, pbx, start_dialer):
    floor.connect(EMAILS[1])
    floor.add_leads(1)
    dialer = start_dialer()
    (call,) = wait_until(lambda: lead_calls(pbx), what="the call")
    attempt_id = call["ChannelId"]
    pbx.send_raw(b"\x00\xff\xfe not AMI at all\r\n\r\n")
    pbx.send_raw(b"Event: Hangup\r\nUniqueid: " + b"x" * (70 * 1024) + b"\r\n\r\n")
    pbx.send_raw(b"Event: UserEvent\r\nUserEvent: CrmDialerAmd\r\nAttemptId: 1; drop table\r\n"
                 b"AmdStatus: HUMAN\r\n\r\n")
    pbx.send_raw(b"Event: UserEvent\r\nUserEvent: CrmDialerAmd\r\nAttemptId: "
                 + attempt_id.encode() + b"\r\nAmdStatus: PERSON?\r\n\r\n")
    pbx.send_raw(b"Event: Hangup\r\nEvent: Hangup\r\nUniqueid: " + attempt_id.encode()
                 + b"\r\n\r\n")  # two frames run together: not trusted
    pbx.send_raw(b"Event: Hangup\r\nUniqueid: 1700000000.1\r\nCause: banana\r\n\r\n")
    pbx.send_raw(b"Response: Success\r\nActionID: nobody-asked\r\n\r\n")
    time.sleep(0.5)
    assert dialer.proc.poll() is None
    assert floor.attempt(attempt_id)["status"] == "dialing"  # none of that moved the line
    pbx.answer_call(attempt_id)
    wait_until(lambda: floor.attempt(attempt_id)["status"] == "connected", what="connected")
    for reason in ("no_fields", "oversized", "bad_amd_event", "merged_frames"):
        assert dialer.metric("dialer_ami_malformed_total", f'reason="{reason}"') >= 1, reason


def test_a_line_that_ended_while_ami_was_away_is_ended_after_the_next_login(
    floor, pbx, start_dialer
):
    floor.connect(*EMAILS[:2])
    floor.add_leads(2)
    dialer = start_dialer()
    calls = wait_until(lambda: len(lead_calls(pbx)) == 2 and lead_calls(pbx), what="2 calls")
    gone, alive = (c["ChannelId"] for c in calls)
    logins = pbx.logins_ok
    pbx.drop_connections()
    pbx.hangup_channel(gone)  # its Hangup reaches nobody: the dialer is logged out
    wait_until(lambda: pbx.logins_ok > logins, timeout=15, what="the dialer's new login")
    wait_until(lambda: floor.attempt(gone)["status"] == "failed", what="the lost line ended")
    assert floor.attempt(alive)["status"] == "dialing"  # still ringing in the PBX: kept
    assert len(pbx.actions("CoreShowChannels")) >= 1
    pbx.answer_call(alive)
    wait_until(lambda: floor.attempt(alive)["status"] == "connected", what="connected")
    assert dialer.metric("dialer_ami_reconnects_total") == 1


def test_a_dialer_under_another_name_releases_what_a_dead_one_left(floor, pbx, start_dialer):
    floor.connect(EMAILS[2])
    (lead_id,) = floor.add_leads(1)
    dead = start_dialer()
    (call,) = wait_until(lambda: lead_calls(pbx), what="the call")
    dead.kill()
    floor.set_state(EMAILS[2], "paused", "break")  # nothing new to place meanwhile
    # A new host:pid: nothing is its own; the dead one's line goes once it is 2 s old.
    other = start_dialer(WORKER_NAME="tests-another-dialer", STALE_WORKER_S="2")
    wait_until(lambda: floor.attempt(call["ChannelId"])["status"] == "failed", timeout=15,
               what="the dead dialer's line released")
    swept = [r for r in other.log() if r.get("msg") == "released what a silent dialer left"]
    started = [r for r in other.log() if r.get("msg") == "released what an earlier run left"]
    assert swept or started[-1]["rows"] >= 1
    assert floor.lead(lead_id)["status"] == "retry"
    assert not open_attempts(floor)
