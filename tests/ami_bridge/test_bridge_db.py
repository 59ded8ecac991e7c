"""The bridge end to end: recorded calls through a real AMI socket into the test stack's
PostgreSQL, with the faults the bridge must survive. Rows are compared with the sidecars."""

from __future__ import annotations

import logging
import re
import time
from datetime import UTC, datetime

import httpx
import psycopg
import pytest

from stack import postgres
from stack.config import free_port
from tests.ami_bridge.bridge_helpers import (
    SCENARIOS,
    BridgeProcess,
    BridgeThread,
    Case,
    assert_rows,
    bridge_settings,
    calls_of,
    frame_time,
    interleave,
    load_case,
    reset_calls,
    rows_settled,
    wait_until,
    webphone_case,
)
from tests.support.ami_server import LiveChannel


def wait_rows(db, case: Case, timeout: float = 10.0) -> None:
    try:
        wait_until(lambda: rows_settled(db, case), timeout)
    except AssertionError:
        assert_rows(db, case)  # the detailed difference
        raise


def statuses(db, case: Case) -> list[str]:
    return [row["status"] for row in calls_of(db, case.linkedids)]


def cases(db, crm, names=SCENARIOS) -> list[Case]:
    reset_calls(db, crm, [load_case(name) for name in names])
    return [webphone_case(db, crm, name) for name in names]


# ------------------------------------------------------------------- each sequence
def test_each_sequence_leaves_exactly_its_row(scenario_name, stack, db, crm, server):
    """Statuses, times, durations, cause, recording, lead and agent; a webphone call (started
    with rpc/start_call, its id in CRM_CALL_ID) updates the CRM's row instead of adding one."""
    (case,) = cases(db, crm, [scenario_name])
    with BridgeThread(bridge_settings(stack, server)) as running:
        running.wait_logged_in()
        server.send_events(case.frames)
        wait_rows(db, case)
    assert running.exit_code == 0
    stored = calls_of(db, case.linkedids)
    for row, expected in zip(stored, case.rows, strict=True):
        if expected["crm_call_id"]:
            assert row["id"] == expected["crm_call_id"] and row["source"] == "webphone"


def test_an_ended_webphone_call_never_goes_back_and_the_pbx_has_the_last_word(
    stack, db, crm, server
):
    """The agent wraps up (end_call) before the PBX's events arrive: the row stays ended and
    wrapped up, while times, outcome, cause and recording become the PBX's."""
    (case,) = cases(db, crm, ["outbound_answered_recorded"])
    call_id = case.rows[0]["id"]
    agent_id = case.links[case.linkedids[0]]["agent_id"]
    with db.transaction():
        db.execute(
            "select set_config('request.jwt.claims', %s, true)",
            (f'{{"sub": "{agent_id}", "role": "authenticated"}}',),
        )
        db.execute("set local role authenticated")
        db.execute("select public.end_call(%s, 'no_answer', 'rang out')", (call_id,))
    with BridgeThread(bridge_settings(stack, server)) as running:
        running.wait_logged_in()
        server.send_events(case.frames)
        wait_rows(db, case)
    disposition, notes, wrapped = db.execute(
        "select disposition, notes, wrapped_up_at from public.calls where id = %s", (call_id,)
    ).fetchone()
    assert (disposition, notes) == ("no_answer", "rang out") and wrapped is not None


def test_replaying_twice_and_replaying_to_a_new_bridge_change_nothing(stack, db, crm, server):
    (case,) = cases(db, crm, ["outbound_blind_transfer"])
    settings = bridge_settings(stack, server)
    with BridgeThread(settings) as running:
        running.wait_logged_in()
        server.send_events(case.frames)
        wait_rows(db, case)
        first = calls_of(db, case.linkedids)
        written = running.bridge.store.stats["written"]
        server.send_events(case.frames)
        time.sleep(0.5)
        running.wait_idle()
        assert running.bridge.store.stats["written"] == written  # nothing new to write
    assert calls_of(db, case.linkedids) == first
    with BridgeThread(settings) as restarted:  # a fresh model: every version again
        restarted.wait_logged_in()
        server.send_events(case.frames)
        time.sleep(0.3)
        restarted.wait_idle()
    assert_rows(db, case)


@pytest.mark.parametrize("mode", ["interleaved", "duplicated_and_reordered"])
def test_concurrent_duplicated_and_reordered_calls_give_the_same_rows(
    mode, stack, db, crm, server
):
    every = cases(db, crm)
    frames = interleave(every)
    with BridgeThread(bridge_settings(stack, server)) as running:
        running.wait_logged_in()
        if mode == "interleaved":
            server.send_events(frames)
        else:
            server.send_events(frames, duplicate=True, reorder=True, seed=7)
        for case in every:
            wait_rows(db, case)


# ------------------------------------------------------------------------- faults
def _frames_until(case: Case, event: str) -> int:
    return next(i for i, f in enumerate(case.frames) if f.startswith(f"Event: {event}\r".encode()))


def _live_channels(case: Case, upto: int) -> list[LiveChannel]:
    """The channels created and not hung up in the first `upto` frames, as Asterisk lists them."""
    live: dict[str, LiveChannel] = {}
    for frame in case.frames[:upto]:
        fields = dict(
            line.split(": ", 1) for line in frame.decode().split("\r\n") if ": " in line
        )
        if fields.get("Event") == "Newchannel":
            live[fields["Uniqueid"]] = LiveChannel(
                channel=fields["Channel"], uniqueid=fields["Uniqueid"],
                linkedid=fields["Linkedid"], caller_id_num=fields.get("CallerIDNum", ""),
                exten=fields.get("Exten", ""), context=fields.get("Context", ""),
            )
        elif fields.get("Event") == "Hangup":
            live.pop(fields["Uniqueid"], None)
    return list(live.values())


def test_ami_connection_dropped_mid_call_and_restored(stack, db, crm, server):
    """The connection dies in the middle of a frame while the call is up; the bridge logs in
    again, lists the channels (still there: nothing closed), and the call ends as recorded."""
    (case,) = cases(db, crm, ["outbound_answered_recorded"])
    cut = _frames_until(case, "HangupRequest")
    with BridgeThread(bridge_settings(stack, server)) as running:
        running.wait_logged_in()
        # The login's own reconcile first: cut under it, it would fail and count once only.
        running.wait_reconciled(1)
        server.channels = _live_channels(case, cut)
        assert len(server.channels) == 2
        server.send_events(case.frames, drop_after=cut, cut_mid_frame=True)
        running.wait_logged_in(logins=2)
        running.wait_reconciled(2)
        wait_until(lambda: statuses(db, case) == ["confirmed"])
        server.send_events(case.frames[cut:])  # the cut frame whole, then the rest
        wait_rows(db, case)
        sample = running.bridge.metrics.registry.get_sample_value
        assert sample("ami_bridge_reconnects_total") == 1
        assert sample("ami_bridge_malformed_total", {"reason": "truncated"}) == 1
        assert sample("ami_bridge_reconciled_calls_total", {"known_by": "model"}) is None


def test_ami_dropped_and_the_call_ended_meanwhile_is_reconciled(stack, db, crm, server):
    """The end of the call is lost with the connection: after logging in again Asterisk no
    longer lists its channels, so the call is closed at the reconnection time; one row."""
    (case,) = cases(db, crm, ["outbound_answered_recorded"])
    cut = _frames_until(case, "HangupRequest")
    with BridgeThread(bridge_settings(stack, server)) as running:
        running.wait_logged_in()
        server.send_events(case.frames, drop_after=cut)
        before = datetime.now(UTC)
        running.wait_logged_in(logins=2)
        wait_until(lambda: statuses(db, case) == ["ended"])
        sample = running.bridge.metrics.registry.get_sample_value
        assert sample("ami_bridge_reconciled_calls_total", {"known_by": "model"}) == 1
    (row,) = calls_of(db, case.linkedids)
    expected = case.rows[0]
    assert row["id"] == expected["id"]
    assert (row["outcome"], row["hangup_by"], row["recording_file"]) == (
        "answered", None, expected["recording_file"]
    )
    assert row["answered_at"].isoformat() == expected["answered_at"]
    assert row["ended_at"] >= before  # the reconciliation's time: an upper bound


def test_bridge_killed_mid_stream_and_restarted_gets_the_replay(stack, db, crm, server, tmp_path):
    """SIGKILL while two calls are under way; the new process gets the events again (as the
    stand-in replays them): every row exactly right, none twice."""
    outbound, inbound = cases(db, crm, ["outbound_answered_recorded", "inbound_answered"])
    every = [outbound, inbound.shifted(_time_of(outbound.frames[0]) - _time_of(inbound.frames[0]))]
    frames = interleave(every)
    settings = bridge_settings(stack, server, originate_enabled=False)
    first = BridgeProcess(settings, tmp_path / "first.log")
    try:
        assert server.wait_logged_in(1, timeout=15)
        server.send_events(frames[: len(frames) // 2])
        wait_until(lambda: len(calls_of(db, [c.linkedids[0] for c in every])) == 2)
    finally:
        first.kill()
    assert first.process.returncode == -9
    server.wait_for(lambda: not server.logged_in_sessions)
    second = BridgeProcess(settings, tmp_path / "second.log")
    try:
        assert server.wait_logged_in(1, timeout=15)
        wait_until(lambda: server.actions("CoreShowChannels")[1:], 10)
        server.send_events(frames)
        for case in every:
            wait_rows(db, case)
    finally:
        assert second.terminate() == 0


def test_bridge_killed_and_restarted_learns_live_calls_from_core_show_channels(
    stack, db, crm, server, tmp_path
):
    """SIGKILL; one call goes on (Asterisk lists its channels to the new process, whose model
    only knows 'alive since about'), another ends unseen. The first keeps the start and answer
    the old process wrote and ends exactly as recorded; the second is closed; no duplicates."""
    going_on, ending = cases(db, crm, ["outbound_answered_recorded", "outbound_no_answer"])
    cut = _frames_until(going_on, "HangupRequest")
    # The call as if happening now: the kill comes 2 s after the frame before the cut.
    going_on = going_on.shifted(time.time() - 2.0 - _time_of(going_on.frames[cut - 1]))
    ending_cut = _frames_until(ending, "DialState")
    ending = ending.shifted(time.time() - 2.0 - _time_of(ending.frames[ending_cut]))
    settings = bridge_settings(stack, server, originate_enabled=False)
    listed = len(server.actions("CoreShowChannels"))
    first = BridgeProcess(settings, tmp_path / "first.log")
    try:
        assert server.wait_logged_in(1, timeout=15)
        # The login's reconcile must have its (empty) channel list before the calls begin, or
        # it would close them as calls Asterisk no longer has.
        assert server.wait_for(lambda: len(server.actions("CoreShowChannels")) > listed, 15)
        server.send_events(going_on.frames[:cut] + ending.frames[: ending_cut + 1])
        wait_until(lambda: [r["status"] for r in calls_of(db, [going_on.linkedids[0]])]
                   == ["confirmed"] and calls_of(db, [going_on.linkedids[0]])[0]["recording_file"])
        wait_until(lambda: [r["status"] for r in calls_of(db, ending.linkedids)] == ["ringing"])
    finally:
        first.kill()
    live = _live_channels(going_on, cut)
    started = min(_time_of(f) for f in going_on.frames[:cut] if f.startswith(b"Event: Newchannel"))
    for channel in live:
        seconds = int(time.time() - started)
        channel.duration = f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
    server.channels = live
    second = BridgeProcess(settings, tmp_path / "second.log")
    try:
        assert server.wait_logged_in(1, timeout=15)
        wait_until(lambda: [r["status"] for r in calls_of(db, ending.linkedids)] == ["ended"])
        server.send_events(going_on.frames[cut:])
        wait_rows(db, going_on)
    finally:
        assert second.terminate() == 0
    (closed,) = calls_of(db, ending.linkedids)
    assert (closed["id"], closed["outcome"], closed["hangup_by"]) == (
        ending.rows[0]["id"], "failed", "system"
    )
    assert any(entry["msg"] == "closed calls that ended while the bridge was away"
               for entry in second.logs())


def _time_of(frame: bytes) -> float:
    return frame_time(frame)


def test_postgres_restarted_while_the_bridge_runs(stack, db, crm, server):
    """The database goes away with rows to write: they stay buffered, the writes are retried
    with backoff and land once PostgreSQL is back; nothing lost, nothing twice."""
    every = cases(db, crm, ["outbound_busy", "outbound_caller_cancels", "inbound_answered"])
    settings = bridge_settings(stack, server, originate_enabled=False)
    with BridgeThread(settings) as running:
        running.wait_logged_in()
        running.wait_reconciled()
        postgres.stop(stack)
        try:
            server.send_events(interleave(every))
            wait_until(lambda: running.bridge.store.stats["failures"] >= 2, 10)
            assert running.bridge.store.backlog == 3
        finally:
            postgres.start(stack)
            _heal_stack(stack)
        with psycopg.connect(stack.database_url, autocommit=True) as fresh:
            for case in every:
                wait_rows(fresh, case, timeout=20)
        sample = running.bridge.metrics.registry.get_sample_value
        assert sample("ami_bridge_write_batches_total", {"result": "error"}) >= 2


def _heal_stack(stack) -> None:
    """The session's other services after a PostgreSQL restart, for the tests that follow:
    PostgREST reconnects by itself (awaited); the stand-ins check pooled connections."""
    def rest_ok() -> bool:
        try:
            response = httpx.get(
                f"{stack.url}/rest/v1/",
                headers={"apikey": stack.anon_key, "Authorization": f"Bearer {stack.anon_key}"},
                timeout=2,
            )
        except httpx.HTTPError:
            return False
        return response.status_code == 200

    wait_until(rest_ok, timeout=30, step=0.2)


# ------------------------------------------------------------------------- bad input
def test_bad_input_is_logged_skipped_and_the_bridge_keeps_going(stack, db, crm, server, caplog):
    (case,) = cases(db, crm, ["outbound_busy"])
    newchannel = case.frames[0]
    unknown = b"Event: FancyNewEvent\r\nPrivilege: call,all\r\nWhatever: 1\r\n\r\n"
    garbage = [
        newchannel[: newchannel.index(b"Uniqueid")] + unknown,  # truncated: runs into the next
        unknown,  # well-formed but not modelled: noted once, skipped
        newchannel.replace(b"ChannelState: 4", b"ChannelState: 4000"),  # absurd state
        b"Event: Cdr\r\nUniqueID: 1.2\r\nChannel: PJSIP/x-1\r\nStartTime: 2024-11-24 10:00:00\r\n"
        b"EndTime: 2024-11-24 10:00:10\r\nDuration: -5\r\nBillableSeconds: 3\r\n"
        b"Disposition: ANSWERED\r\n\r\n",  # a negative duration
        newchannel.replace(b"Timestamp: 17", b"Timestamp: 97"),  # the year 5000
        b"Event: Newchannel\r\nChannel: PJSIP/x-1\r\nCallerIDName: " + b"A" * (10 << 20)
        + b"\r\n\r\n",  # a 10 MB field
        b"Event: Newchannel\r\nChannel: PJSIP/\xff\xfe-1\r\nUniqueid: \xc3\x28.1\r\n"
        b"Linkedid: 1.1\r\n\r\n",  # not UTF-8, in the identifiers
        b"\x00\x01\x02 no colon here\r\n\r\n",  # binary noise
    ]
    with (
        caplog.at_level(logging.INFO, logger="workers.ami_bridge"),
        BridgeThread(bridge_settings(stack, server)) as running,
    ):
        running.wait_logged_in()
        for chunk in garbage:
            server.send_raw(chunk)
        server.send_events(case.frames)
        wait_rows(db, case)
        assert running.alive and running.bridge.logged_in
        malformed = {
            sample.labels["reason"]: sample.value
            for metric in running.bridge.metrics.malformed.collect()
            for sample in metric.samples
            if sample.name.endswith("_total")
        }
    assert {"merged_frames", "out_of_range", "oversized", "bad_field", "no_fields"} <= set(
        malformed
    ), malformed
    skipped = [r for r in caplog.records if r.getMessage() == "skipped malformed AMI input"]
    assert len(skipped) == sum(malformed.values())
    noted = [r.event for r in caplog.records if r.getMessage().startswith("AMI event not modelled")]
    assert "FancyNewEvent" in noted
    assert running.exit_code == 0


# ---------------------------------------------------------------- process behaviour
def test_sigterm_flushes_what_it_holds_and_exits_0_with_metrics_served(
    stack, db, crm, server, tmp_path
):
    (case,) = cases(db, crm, ["inbound_answered"])
    port = free_port()
    settings = bridge_settings(
        stack, server, flush_delay_ms=120_000, batch_size=10_000, metrics_port=port,
        originate_enabled=False,
    )
    process = BridgeProcess(settings, tmp_path / "bridge.log")
    try:
        assert server.wait_logged_in(1, timeout=15)
        server.send_events(case.frames)

        def scrape() -> str:
            return httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=2).text

        def events_seen() -> float:
            match = re.search(r"^ami_bridge_events_total (\S+)$", scrape(), re.M)
            return float(match.group(1)) if match else 0.0

        wait_until(lambda: events_seen() >= len(case.frames), 10)
        text = scrape()
        assert calls_of(db, case.linkedids) == []  # held for its batch (two minutes)
    finally:
        assert process.terminate() == 0
    assert_rows(db, case)
    for name in ("ami_bridge_events_total", "ami_bridge_malformed_total",
                 "ami_bridge_calls_written_total", "ami_bridge_write_batches_total",
                 "ami_bridge_lag_seconds_bucket", "ami_bridge_reconnects_total",
                 "ami_bridge_open_calls", "ami_bridge_connected 1.0"):
        assert name in text, name
    messages = [entry["msg"] for entry in process.logs()]
    assert "AMI bridge stopping: flushing" in messages and "AMI bridge stopped" in messages


def test_a_refused_login_is_said_and_retried_with_backoff(stack, server, caplog):
    server.refuse_logins = True
    with (
        caplog.at_level(logging.ERROR, logger="workers.ami_bridge"),
        BridgeThread(bridge_settings(stack, server, originate_enabled=False)),
    ):
        wait_until(lambda: server.logins_failed >= 3)
        server.refuse_logins = False
        assert server.wait_logged_in(1, timeout=10)
    assert any(r.getMessage() == "AMI refused the login" for r in caplog.records)


def test_a_webphone_call_is_matched_even_if_a_row_was_written_before_its_crm_id(
    stack, db, crm, server
):
    """Newchannel comes before the CRM_CALL_ID VarSet: a row written in between (under the
    Linkedid's id) is merged into the CRM's row once the id is known."""
    (case,) = cases(db, crm, ["outbound_busy"])
    varset = next(i for i, f in enumerate(case.frames) if b"Variable: CRM_CALL_ID" in f)
    with BridgeThread(bridge_settings(stack, server, flush_delay_ms=0)) as running:
        running.wait_logged_in()
        server.send_events(case.frames[:varset])
        wait_until(lambda: [r["source"] for r in calls_of(db, case.linkedids)] == ["pbx"])
        server.send_events(case.frames[varset:])
        wait_rows(db, case)

