"""A lead who refuses recording mid-call is no longer recorded from that moment: the agent writes
`calls.recording_consent = false` through the API, the database wakes the bridge
(pg_notify('recording_stop')), and the bridge sends StopMixMonitor for the leg that is recording.
Against the test stack's PostgreSQL (and PostgREST) and the AMI stand-in's real socket."""

from __future__ import annotations

import time

import psycopg
import pytest

from tests.ami_bridge.bridge_helpers import (
    BridgeThread,
    Case,
    bridge_settings,
    load_case,
    reset_calls,
    rows_settled,
    wait_until,
    webphone_case,
)
from tests.support.ami_server import AmiServer

AGENT = "agent1@demo.test"  # agent1001, who places outbound_answered_recorded
SEQUENCE = "outbound_answered_recorded"
RECORDING_LEG = "PJSIP/trunk-00000013"  # the lead's leg, where crm-record-answered ran MixMonitor
QUIET_S = 1.5  # how long "nothing is sent" is watched for


def _forget_consent(db, crm) -> None:
    db.execute(
        "update public.leads set consent_recording = null where campaign_id = %s",
        (crm.campaign_id,),
    )


@pytest.fixture
def case(db, crm) -> Case:
    """The recorded call as the CRM's own (rpc/start_call), its lead not asked about recording
    yet; the lead's answer is forgotten again afterwards (other tests reuse the lead)."""
    reset_calls(db, crm, [load_case(SEQUENCE)])
    _forget_consent(db, crm)
    yield webphone_case(db, crm, SEQUENCE)
    _forget_consent(db, crm)


def split_at_hangup(case: Case) -> tuple[list[bytes], list[bytes]]:
    """The frames of the live, answered, recording call, and the rest (from the lead's BYE)."""
    recorded = next(
        i for i, f in enumerate(case.frames) if b"Variable: MIXMONITOR_FILENAME" in f
    )
    hangup = next(i for i, f in enumerate(case.frames) if f.startswith(b"Event: HangupRequest"))
    assert recorded < hangup
    return case.frames[:hangup], case.frames[hangup:]


def call_state(db, call_id: str) -> tuple:
    return db.execute(
        """select status, pbx_linkedid, recording_file is not null, recording_consent,
             recording_status
           from public.calls where id = %s""",
        (call_id,),
    ).fetchone()


def stops(server: AmiServer) -> list[dict]:
    return server.actions("StopMixMonitor")


def stop_count(running: BridgeThread, result: str) -> float:
    value = running.bridge.metrics.registry.get_sample_value(
        "ami_bridge_recording_stops_total", {"result": result}
    )
    return value or 0.0


def refuse(sign_in, call_id: str, consent: bool = False) -> None:
    """What the webphone does when the lead answers the recording notice."""
    updated = sign_in(AGENT).table("calls").update({"recording_consent": consent}).eq(
        "id", call_id
    ).execute().data
    assert [row["recording_consent"] for row in updated] == [consent]


def live_recording_call(db, server: AmiServer, running: BridgeThread, case: Case) -> str:
    """Replay the call up to the lead talking while MixMonitor records; its call id."""
    live, _ = split_at_hangup(case)
    call_id = case.rows[0]["id"]
    running.wait_logged_in()
    server.send_events(live)
    wait_until(lambda: call_state(db, call_id)[:3] == ("confirmed", case.linkedids[0], True))
    return call_id


def test_a_refusal_mid_call_stops_the_recording_at_once(stack, db, server, sign_in, case):
    with BridgeThread(bridge_settings(stack, server)) as running:
        call_id = live_recording_call(db, server, running, case)
        assert stops(server) == []

        refuse(sign_in, call_id)
        started = time.monotonic()
        wait_until(lambda: stops(server), timeout=5)
        assert time.monotonic() - started < 5
        time.sleep(QUIET_S)  # and nothing more: one stop, for the one leg that records
        (action,) = stops(server)
        assert action["Channel"] == RECORDING_LEG
        assert "MixMonitorID" not in action
        wait_until(lambda: stop_count(running, "ok") == 1)
        assert stop_count(running, "failed") == stop_count(running, "not_found") == 0
        assert call_state(db, call_id)[3:] == (False, "not_recorded")

        # The call goes on to its end as recorded; the row still follows the PBX.
        _, rest = split_at_hangup(case)
        server.send_events(rest)
        wait_until(lambda: rows_settled(db, case))
        assert len(stops(server)) == 1


def test_a_refusal_written_after_the_call_ended_sends_nothing(stack, db, server, case):
    with BridgeThread(bridge_settings(stack, server)) as running:
        running.wait_logged_in()
        server.send_events(case.frames)
        wait_until(lambda: rows_settled(db, case))
        call_id = case.rows[0]["id"]
        assert call_state(db, call_id)[0] == "ended"
        with psycopg.connect(stack.database_url, autocommit=True) as listener:
            listener.execute("listen recording_stop")
            # The agent can no longer change an ended call (PT409): a supervisor's or the
            # service's correction, as the database sees it.
            db.execute(
                "update public.calls set recording_consent = false where id = %s", (call_id,)
            )
            assert call_state(db, call_id)[3:] == (False, "not_recorded")
            heard = list(listener.notifies(timeout=QUIET_S))
        assert heard == []
        assert stops(server) == []
        assert stop_count(running, "ok") == stop_count(running, "failed") == 0


def test_asterisk_refusing_the_stop_does_not_stop_the_listener(
    stack, db, server, sign_in, case
):
    server.stop_mixmonitor_error = "Could not stop monitoring channel"
    with BridgeThread(bridge_settings(stack, server)) as running:
        call_id = live_recording_call(db, server, running, case)
        refuse(sign_in, call_id)
        wait_until(lambda: stop_count(running, "failed") == 1, timeout=5)
        # The lead changes their mind twice; the second refusal is acted on again.
        server.stop_mixmonitor_error = None
        refuse(sign_in, call_id, consent=True)
        refuse(sign_in, call_id)
        wait_until(lambda: stop_count(running, "ok") == 1, timeout=5)
        assert [a["Channel"] for a in stops(server)] == [RECORDING_LEG, RECORDING_LEG]
        assert running.alive


def test_a_refusal_missed_while_the_database_was_away_is_caught_on_reconnect(
    stack, db, server, case
):
    """The listener's connection is killed; the refusal it could not hear (written here with
    triggers off, so no notification exists at all) is found by its sweep on reconnecting."""
    with BridgeThread(bridge_settings(stack, server)) as running:
        call_id = live_recording_call(db, server, running, case)
        with db.transaction():
            db.execute("set local session_replication_role = replica")
            db.execute(
                "update public.calls set recording_consent = false where id = %s", (call_id,)
            )
        time.sleep(0.3)
        assert stops(server) == []
        killed = db.execute(
            """select pg_terminate_backend(pid) from pg_stat_activity
               where application_name = 'ami_bridge.recording_stop'"""
        ).fetchall()
        assert killed == [(True,)]
        wait_until(lambda: stops(server), timeout=5)
        assert [a["Channel"] for a in stops(server)] == [RECORDING_LEG]
        wait_until(lambda: stop_count(running, "ok") == 1)
