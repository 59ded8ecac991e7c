"""The presence worker end to end: the real stand-in, the real worker process, agents tracking
Presence with realtime-py as the webphone does, and agent_states as the database keeps it."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from stack import lifecycle
from tests.presence.conftest import GRACE, SETTLE, Webphone, state_of, wait_state
from tests.support.waiting import wait_for

# How long past the grace a mark may take: the worker's tick, a roster read, the database.
MARGIN = 2.5


def _settle(worker, campaign, settle: float = SETTLE) -> None:
    """Wait until the worker joined the campaign's channel and the settle time is over."""
    worker.wait_joined(campaign)
    time.sleep(settle + 0.5)


def test_tracked_agent_keeps_state_closed_tab_goes_offline_and_comes_back(
        stack, db, loop, agents, worker):
    campaign, [(agent, token)] = agents(1)
    with worker.running():
        phone = Webphone(loop, stack, agent, token).open([campaign])
        _settle(worker, campaign)
        time.sleep(GRACE + 0.5)
        assert state_of(db, agent)["state"] == "available", "a tracked agent keeps its state"

        phone.close()
        left = datetime.now(UTC)
        row = wait_state(db, agent, "offline", timeout=GRACE + MARGIN)
        took = (datetime.now(UTC) - left).total_seconds()
        assert GRACE - 0.5 <= took <= GRACE + MARGIN, took
        assert row["reason"] == "disconnected"
        assert row["state_before_offline"] == "available"
        assert row["reason_before_offline"] is None
        assert abs(row["since"] - left) < timedelta(seconds=1.5), (row["since"], left)
        assert worker.logged("agent marked offline", agent_id=agent)

        Webphone(loop, stack, agent, token).open([campaign])
        row = wait_state(db, agent, "available", timeout=MARGIN + 1)
        assert row["reason"] is None and row["state_before_offline"] is None
        assert worker.logged("agent back online", agent_id=agent, state="available")


def test_a_reload_within_the_grace_does_not_flap(stack, db, loop, agents, worker):
    campaign, [(agent, token)] = agents(1)
    with worker.running():
        Webphone(loop, stack, agent, token).open([campaign]).close()
        phone = Webphone(loop, stack, agent, token).open([campaign])
        _settle(worker, campaign)
        since = state_of(db, agent)["since"]

        phone.close()
        time.sleep(GRACE / 3)
        Webphone(loop, stack, agent, token).open([campaign])  # the page loaded again
        time.sleep(GRACE + MARGIN)
        row = state_of(db, agent)
        assert (row["state"], row["since"]) == ("available", since)
        assert not worker.logged("agent marked offline", agent_id=agent)


def test_present_on_any_of_the_agents_campaigns_is_enough(stack, db, loop, agents, worker):
    campaign, [(agent, token)] = agents(1)
    other, _ = agents(0)
    db.execute("insert into public.campaign_members (campaign_id, user_id, member_role)"
                " values (%s, %s, 'agent')", (other, agent))
    with worker.running():
        first = Webphone(loop, stack, agent, token).open([campaign])
        Webphone(loop, stack, agent, token).open([other])  # a second tab, another campaign
        _settle(worker, campaign)
        worker.wait_joined(other)
        first.close()
        time.sleep(GRACE + MARGIN)
        assert state_of(db, agent)["state"] == "available"


def test_restart_reconciles_who_left_and_who_came_back(stack, db, loop, agents, worker):
    campaign, [(leaver, leaver_token), (returner, returner_token)] = agents(2)
    # The returner was marked offline while on a call, by an earlier run.
    db.execute("update public.agent_states set state = 'offline', reason = 'disconnected',"
               " state_before_offline = 'on_call' where agent_id = %s", (returner,))
    leaving = Webphone(loop, stack, leaver, leaver_token).open([campaign])
    Webphone(loop, stack, returner, returner_token).open([campaign])  # back while no worker ran
    with worker.running():
        worker.wait_joined(campaign)
        row = wait_state(db, returner, "wrap_up", timeout=MARGIN)
        assert row["state_before_offline"] is None, "back from a call: wrap_up"
        time.sleep(SETTLE + GRACE)
        assert state_of(db, leaver)["state"] == "available"

    leaving.close()  # while no worker runs
    time.sleep(1)
    started = datetime.now(UTC)
    with worker.running():
        row = wait_state(db, leaver, "offline", timeout=SETTLE + GRACE + 5)
        assert row["since"] >= started - timedelta(seconds=1), (
            "the time it was first seen absent, the worker knowing no better")
        assert row["state_before_offline"] == "available"


def test_malformed_presence_is_ignored(stack, db, loop, agents, worker):
    campaign, [(agent, token), (other, other_token), (third, third_token)] = agents(3)
    with worker.running() as proc:
        # No agent_id in the meta: the agent counts as absent.
        Webphone(loop, stack, agent, token).open([campaign], meta={"online_at": "now"})
        # Tracking under another agent's key does not keep them online.
        Webphone(loop, stack, other, other_token).open(
            [campaign], meta={"agent_id": other}, key=third)
        # A key that is no uuid.
        Webphone(loop, stack, third, third_token).open(
            [campaign], meta={"agent_id": third}, key="not-a-uuid")
        _settle(worker, campaign)
        for who in (agent, other, third):
            wait_state(db, who, "offline", timeout=GRACE + MARGIN)
        whys = {e["why"] for e in worker.logged("malformed presence ignored",
                                                campaign_id=campaign)}
        assert whys == {"meta has no agent_id", "meta.agent_id is not the key",
                        "key is not a uuid"}, whys
        assert proc.poll() is None, "the worker goes on"

        # A proper track brings the agent back.
        Webphone(loop, stack, agent, token).open([campaign])
        wait_state(db, agent, "available", timeout=MARGIN + 1)


def test_silent_socket_and_realtime_restart(stack, db, loop, agents, worker):
    """A lost network: the socket stays open but silent (no heartbeat) until the stand-in's idle
    timeout closes it (60 s; 20 s here, by restarting Realtime with a shorter one, which is the
    Realtime restart the worker must survive). Heartbeats (worker and agents) every 15 s."""
    campaign, [(agent, token), (steady, steady_token)] = agents(2)
    settle = 8.0  # the agents' clients reconnect with their own backoff
    with worker.running(PRESENCE_SETTLE=str(settle)) as proc:
        Webphone(loop, stack, steady, steady_token).open([campaign])
        _settle(worker, campaign, settle)
        joined = len(worker.logged("presence channel joined", campaign_id=campaign))
        lifecycle.stop_realtime(stack)
        try:
            lifecycle.start_realtime(stack, REALTIME_IDLE_TIMEOUT="20")
            worker.wait_joined(campaign, after=joined, timeout=20)
            # The steady agent's client reconnected and tracked again within the settle time.
            lost = Webphone(loop, stack, agent, token).open([campaign])
            time.sleep(settle + GRACE + 1)
            assert state_of(db, steady)["state"] == "available", "a Realtime restart loses nobody"
            assert state_of(db, agent)["state"] == "available"

            assert lost.client is not None and lost.client._heartbeat_task is not None
            loop.run(_silence(lost))
            silent = datetime.now(UTC)
            wait_state(db, agent, "offline", timeout=20 + GRACE + MARGIN + 1)
            took = (datetime.now(UTC) - silent).total_seconds()
            # Realtime counts the silence from the last heartbeat, up to 15 s before.
            assert 20 - 15 + GRACE - 1 <= took <= 20 + GRACE + MARGIN, took
            assert state_of(db, steady)["state"] == "available"
        finally:
            lifecycle.stop_realtime(stack)
            lifecycle.start_realtime(stack)
        assert proc.poll() is None
        assert worker.logged("connected to realtime")


async def _silence(phone: Webphone) -> None:
    """The network goes: nothing more is sent (no heartbeat), nothing is closed, and the client
    will not come back when the server gives up on the socket."""
    assert phone.client is not None and phone.client._heartbeat_task is not None
    phone.client.auto_reconnect = False
    phone.client._heartbeat_task.cancel()


def test_a_lost_database_connection_is_opened_again(stack, db, loop, agents, worker):
    campaign, [(agent, token)] = agents(1)
    with worker.running() as proc:
        phone = Webphone(loop, stack, agent, token).open([campaign])
        _settle(worker, campaign)
        cut = db.execute("select count(pg_terminate_backend(pid)) from pg_catalog.pg_stat_activity"
                         " where usename = 'crm_presence'").fetchone()[0]
        assert cut == 1, "the worker holds one connection"
        phone.close()
        wait_state(db, agent, "offline", timeout=GRACE + MARGIN + 2)
        assert worker.logged("database call failed, retrying")
        assert proc.poll() is None
    assert proc.returncode == 0, "SIGTERM: a clean stop"
    assert worker.logged("presence worker stopped", exit_status=0)


def test_channels_follow_the_active_campaigns(stack, db, loop, agents, worker):
    campaign, [(agent, token)] = agents(1)
    with worker.running():
        phone = Webphone(loop, stack, agent, token).open([campaign])
        _settle(worker, campaign)
        db.execute("update public.campaigns set status = 'paused' where id = %s", (campaign,))
        wait_for(lambda: worker.logged("leaving presence channel", campaign_id=campaign),
                 timeout=5, what="the worker to leave the paused campaign's channel")
        phone.close()
        time.sleep(GRACE + MARGIN)
        assert state_of(db, agent)["state"] == "available", (
            "an agent of no active campaign tracks nowhere: not judged")

        db.execute("update public.campaigns set status = 'active' where id = %s", (campaign,))
        worker.wait_joined(campaign, after=1, timeout=5)
        wait_state(db, agent, "offline", timeout=SETTLE + GRACE + MARGIN)
