"""realtime-py's async client (the workers' client, vsn 1.0.0) against the stand-in, through
the gateway: broadcast, presence, private channels under RLS, token refresh and expiry,
database and REST broadcast, postgres_changes, and reconnecting after the stand-in restarts.
Exact frames are checked with a raw socket where the client hides them."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import httpx
import pytest
from realtime import RealtimeSubscribeStates

from stack import lifecycle
from stack.config import StackConfig
from tests.support.realtime_socket import (
    connect,
    gateway_ws,
    open_socket,
    run,
    subscribe,
    unique,
    until,
)

AGENT1, AGENT2 = "agent1@demo.test", "agent2@demo.test"


def test_broadcast_self_and_ack(stack: StackConfig) -> None:
    async def scenario() -> None:
        topic = unique("room")
        a, b = await connect(stack), await connect(stack)
        got: dict[str, list[dict]] = {"a": [], "b": []}
        ca = a.channel(topic, {"config": {"broadcast": {"self": True, "ack": True}}})
        ca.on_broadcast("move", lambda m: got["a"].append(m))
        cb = b.channel(topic)
        cb.on_broadcast("move", lambda m: got["b"].append(m))
        assert await subscribe(ca) == [(RealtimeSubscribeStates.SUBSCRIBED, None)]
        assert await subscribe(cb) == [(RealtimeSubscribeStates.SUBSCRIBED, None)]
        await ca.send_broadcast("move", {"x": 1})
        await until(lambda: got["a"] and got["b"], what="both to hear a's broadcast")
        assert got["b"][0]["payload"] == {"x": 1} and got["b"][0]["event"] == "move"
        await cb.send_broadcast("move", {"x": 2})
        await until(lambda: len(got["a"]) == 2, what="a to hear b")
        await asyncio.sleep(0.3)
        assert [m["payload"] for m in got["b"]] == [{"x": 1}]  # b has no self
        await a.close()
        await b.close()

    run(scenario())


def test_ack_is_a_reply_only_when_asked(stack: StackConfig) -> None:
    async def scenario() -> None:
        topic = f"realtime:{unique('ack')}"
        s = await open_socket(gateway_ws(stack), stack.anon_key)
        await s.send(topic, "phx_join", {"config": {"broadcast": {"ack": True}}})
        await s.recv()
        ref = await s.send(topic, "broadcast", {"type": "broadcast", "event": "e", "payload": {}})
        assert await s.recv() == {"topic": topic, "event": "phx_reply", "ref": ref,
                                  "payload": {"status": "ok", "response": {}}}
        t2 = f"realtime:{unique('noack')}"
        await s.send(t2, "phx_join", {"config": {"broadcast": {"ack": False}}})
        await s.recv()
        await s.send(t2, "broadcast", {"type": "broadcast", "event": "e", "payload": {}})
        with pytest.raises(asyncio.TimeoutError):
            await s.recv(0.5)
        await s.close()

    run(scenario())


def test_presence_state_diff_and_leave_on_close(stack: StackConfig) -> None:
    async def scenario() -> None:
        topic = unique("lobby")
        a, b = await connect(stack), await connect(stack)
        joins: list[str] = []
        leaves: list[str] = []
        ca = a.channel(topic, {"config": {"presence": {"key": "agent-a"}}})
        ca.on_presence_join(lambda key, _cur, _new: joins.append(key))
        ca.on_presence_leave(lambda key, _cur, _left: leaves.append(key))
        await subscribe(ca)
        await ca.track({"status": "available"})
        await until(lambda: "agent-a" in ca.presence_state(), what="a's own presence")
        cb = b.channel(topic, {"config": {"presence": {"key": "agent-b"}}})
        cb.on_presence_sync(lambda: None)
        await subscribe(cb)
        # The newcomer gets the state on join: a's meta, with its phx_ref as presence_ref.
        state = await until(lambda: cb.presence_state().get("agent-a"), what="b to see a")
        assert state[0]["status"] == "available" and state[0]["presence_ref"]
        await cb.track({"status": "paused"})
        await until(lambda: "agent-b" in joins, what="a to see b join")
        await cb.track({"status": "available"})  # an update: a leave and a join of b's meta
        await until(lambda: ca.presence_state().get("agent-b", [{}])[0].get("status")
                    == "available", what="a to see b's update")
        await b.close()  # no untrack: the socket's end is the leave
        await until(lambda: "agent-b" not in ca.presence_state(), what="b's leave on close")
        assert "agent-b" in leaves
        await a.close()

    run(scenario())


def test_presence_rate_limit(stack: StackConfig) -> None:
    """Realtime's client presence limit: 5 presence messages per 30 s per channel; the sixth
    gets a `system` error and the channel is closed."""
    async def scenario() -> None:
        topic = f"realtime:{unique('spam')}"
        s = await open_socket(gateway_ws(stack), stack.anon_key)
        ref = await s.send(topic, "phx_join", {"config": {"presence": {"key": "k",
                                                                       "enabled": True}}})
        await s.recv()
        assert (await s.recv())["event"] == "presence_state"
        for i in range(5):
            r = await s.send(topic, "presence", {"type": "presence", "event": "track",
                                                 "payload": {"n": i}})
            await s.until(lambda f, r=r: f["ref"] == r)
        await s.send(topic, "presence", {"type": "presence", "event": "track",
                                         "payload": {"n": 5}})
        system = await s.until(lambda f: f["event"] == "system")
        assert system == {"topic": topic, "event": "system", "ref": None, "payload": {
            "extension": "system", "status": "error",
            "message": "Client presence rate limit exceeded", "channel": topic[9:]}}
        close = await s.recv()
        assert (close["event"], close["ref"]) == ("phx_close", ref)
        await s.close()

    run(scenario())


def test_private_channels_follow_the_policies(stack: StackConfig, mint, users,
                                              test_policies) -> None:
    a_id, b_id = users[AGENT1], users[AGENT2]

    async def scenario() -> None:
        anon = await connect(stack)
        refused = await subscribe(anon.channel(f"standin:{a_id}", {"config": {"private": True}}))
        assert refused[0][0] == RealtimeSubscribeStates.CHANNEL_ERROR
        assert ("Unauthorized: You do not have permissions to read from this Channel topic:"
                f" standin:{a_id}") in (refused[0][1] or "")
        other = await connect(stack, mint(b_id))
        refused = await subscribe(other.channel(f"standin:{a_id}", {"config": {"private": True}}))
        assert refused[0][0] == RealtimeSubscribeStates.CHANNEL_ERROR
        # The same name as a public channel is another channel, open to all, that never hears
        # the private one.
        public_heard: list[Any] = []
        lurker = await connect(stack)
        pub = lurker.channel(f"standin:{a_id}")
        pub.on_broadcast("*", public_heard.append)
        assert (await subscribe(pub))[0][0] == RealtimeSubscribeStates.SUBSCRIBED

        a1, a2 = await connect(stack, mint(a_id)), await connect(stack, mint(a_id))
        heard: list[str] = []
        for topic in (f"standin:{a_id}", f"standin-ro:{a_id}", f"standin-bc:{a_id}"):
            listener = a2.channel(topic, {"config": {"private": True}})
            listener.on_broadcast("*", lambda m: heard.append(m["payload"]["from"]))
            assert (await subscribe(listener))[0][0] == RealtimeSubscribeStates.SUBSCRIBED
            sender = a1.channel(topic, {"config": {"private": True}})
            assert (await subscribe(sender))[0][0] == RealtimeSubscribeStates.SUBSCRIBED
            await sender.send_broadcast("note", {"from": topic})
        await until(lambda: len(heard) >= 2, what="the writable topics' broadcasts")
        await asyncio.sleep(0.5)
        # standin-ro: may read, may not write: its broadcast went nowhere.
        assert sorted(heard) == [f"standin-bc:{a_id}", f"standin:{a_id}"]
        assert public_heard == []
        for client in (anon, other, lurker, a1, a2):
            await client.close()

    run(scenario())


def test_presence_needs_its_own_write_right(stack: StackConfig, mint, users,
                                            test_policies) -> None:
    """Broadcast and presence rights are separate: on standin-bc:<uid> the user may broadcast
    but a track is answered with an error and nobody sees it."""
    a_id = users[AGENT1]

    async def scenario() -> None:
        token = mint(a_id)
        for prefix, allowed in (("standin-bc", False), ("standin", True)):
            topic = f"realtime:{prefix}:{a_id}"
            s = await open_socket(gateway_ws(stack), stack.anon_key)
            await s.send(topic, "phx_join", {"access_token": token, "config": {
                "private": True, "presence": {"key": "me", "enabled": True}}})
            assert (await s.recv())["payload"]["status"] == "ok"
            assert (await s.recv())["event"] == "presence_state"
            ref = await s.send(topic, "presence", {"type": "presence", "event": "track",
                                                   "payload": {"on": 1}})
            reply = await s.until(lambda f, ref=ref: f["ref"] == ref)
            assert reply["payload"] == ({"status": "ok", "response": {}} if allowed
                                        else {"status": "error", "response": {}})
            if allowed:
                diff = await s.until(lambda f: f["event"] == "presence_diff")
                assert list(diff["payload"]["joins"]) == ["me"]
            else:
                with pytest.raises(asyncio.TimeoutError):
                    await s.recv(0.5)
            await s.close()

    run(scenario())


def test_access_token_refresh(stack: StackConfig, mint, users, test_policies) -> None:
    """A refreshed token keeps the channel while it may still read; another user's token
    closes it, as Realtime re-runs the policies on each refresh."""
    a_id, b_id = users[AGENT1], users[AGENT2]

    async def scenario() -> None:
        topic = f"standin:{a_id}"
        client = await connect(stack, mint(a_id))
        heard: list[Any] = []
        channel = client.channel(topic, {"config": {"private": True,
                                                    "broadcast": {"self": True}}})
        channel.on_broadcast("*", lambda m: heard.append(m["payload"]))
        states = await subscribe(channel)
        await client.set_auth(mint(a_id, exp_in=7200))
        await asyncio.sleep(0.3)
        await channel.send_broadcast("e", {"n": 1})
        await until(lambda: heard, what="a broadcast after a refresh")
        await client.set_auth(mint(b_id))
        await until(lambda: len(states) >= 3, what="the channel to close")
        assert states[1][0] == RealtimeSubscribeStates.CHANNEL_ERROR
        assert "You do not have permissions to read from this Channel topic:" \
               f" standin:{a_id}" in (states[1][1] or "")
        assert states[2] == (RealtimeSubscribeStates.CLOSED, None)
        await client.close()

    run(scenario())


def test_token_expiry_closes_the_channel(stack: StackConfig, mint, users) -> None:
    async def scenario() -> None:
        token = mint(users[AGENT1], exp_in=2)
        s = await open_socket(gateway_ws(stack), stack.anon_key)
        topic = f"realtime:{unique('exp')}"
        ref = await s.send(topic, "phx_join", {"access_token": token, "config": {}})
        assert (await s.recv())["payload"]["status"] == "ok"
        system = await s.recv(5)
        assert system["event"] == "system" and system["ref"] is None
        assert system["payload"]["extension"] == "system"
        assert system["payload"]["status"] == "error"
        assert system["payload"]["channel"] == topic[9:]
        assert system["payload"]["message"] in {f"Token has expired {n} seconds ago"
                                                for n in (0, 1)}
        assert await s.recv() == {"topic": topic, "event": "phx_close", "ref": ref,
                                  "payload": {}}
        # The socket itself stays: heartbeats are still answered.
        hb = await s.send("phoenix", "heartbeat", {})
        assert (await s.recv())["ref"] == hb
        await s.close()

    run(scenario())


def test_database_and_rest_broadcast(stack: StackConfig, mint, users, test_policies,
                                     db) -> None:
    a_id = users[AGENT1]

    async def scenario() -> None:
        client, other = await connect(stack, mint(a_id)), await connect(stack)
        private, public = [], []
        cp = client.channel(f"standin:{a_id}", {"config": {"private": True}})
        cp.on_broadcast("*", lambda m: private.append(m))
        cq = other.channel(f"standin:{a_id}")
        cq.on_broadcast("*", lambda m: public.append(m))
        await subscribe(cp)
        await subscribe(cq)
        db.execute("select realtime.send(%s::jsonb, 'from_db', %s, true)",
                   ('{"n": 1}', f"standin:{a_id}"))
        db.execute("select realtime.send(%s::jsonb, 'from_db', %s, false)",
                   ('{"n": 2}', f"standin:{a_id}"))
        await until(lambda: private and public, what="both database broadcasts")
        assert private[0]["event"] == "from_db" and private[0]["payload"]["n"] == 1
        assert private[0]["meta"]["id"]
        assert public[0]["payload"]["n"] == 2

        url = f"{stack.url}/realtime/v1/api/broadcast"
        async with httpx.AsyncClient() as http:
            def post(token: str, is_private: bool, n: int):
                return http.post(url, headers={"apikey": stack.anon_key,
                                               "Authorization": f"Bearer {token}"},
                                 json={"messages": [{"topic": f"standin:{a_id}", "event": "rest",
                                                     "payload": {"n": n},
                                                     "private": is_private}]})
            assert (await post(stack.anon_key, True, 3)).status_code == 202  # not allowed
            assert (await post(mint(a_id), True, 4)).status_code == 202
            assert (await post(stack.anon_key, False, 5)).status_code == 202
            no_key = await http.post(url, json={"messages": []})
            assert no_key.status_code == 401
        await until(lambda: len(private) == 2 and len(public) == 2, what="REST broadcasts")
        await asyncio.sleep(0.3)
        assert [m["payload"]["n"] for m in private] == [1, 4]
        assert [m["payload"]["n"] for m in public] == [2, 5]
        await client.close()
        await other.close()

    run(scenario())


def test_postgres_changes_through_the_socket(stack: StackConfig, notes_table, db) -> None:
    async def scenario() -> None:
        client = await connect(stack)
        got: list[dict] = []
        system: list[Any] = []
        channel = client.channel(unique("pc"))
        channel.on_postgres_changes("INSERT", schema="public", table=notes_table,
                                    filter="body=eq.yes", callback=got.append)
        channel.on_system(system.append)
        assert (await subscribe(channel))[0][0] == RealtimeSubscribeStates.SUBSCRIBED
        await until(lambda: system, what="the postgres_changes system message")
        assert (system[0].extension, system[0].status) == ("postgres_changes", "ok")
        db.execute(f"insert into public.{notes_table} (body) values ('no'), ('yes')")
        await until(lambda: got, what="the insert")
        await asyncio.sleep(0.3)
        assert len(got) == 1 and got[0]["data"]["record"]["body"] == "yes"
        assert got[0]["data"]["type"] == "INSERT" and got[0]["ids"]

        # As on Supabase, a binding that cannot be subscribed does not refuse the join: the
        # reply is ok, then a system error (which realtime-py turns into CHANNEL_ERROR).
        bad = client.channel(unique("pc-bad"))
        bad.on_postgres_changes("*", schema="public", table="no_such_table", callback=print)
        states = await subscribe(bad)
        await until(lambda: len(states) >= 2, what="the system error")
        assert states[0] == (RealtimeSubscribeStates.SUBSCRIBED, None)
        assert states[1][0] == RealtimeSubscribeStates.CHANNEL_ERROR
        assert '"extension": "postgres_changes"' in (states[1][1] or "")
        assert "Unable to subscribe to changes with given parameters" in (states[1][1] or "")
        await client.close()

    run(scenario())


def test_clients_rejoin_after_a_restart_and_partitions_are_kept(stack: StackConfig,
                                                                 db) -> None:
    today = dt.datetime.now(dt.UTC).date()
    old = today - dt.timedelta(days=5)
    ahead = today + dt.timedelta(days=3)
    db.execute(f"create table if not exists realtime.messages_{old:%Y_%m_%d} partition of"
               f" realtime.messages for values from ('{old}') to ('{old + dt.timedelta(1)}')")
    # As Realtime leaves its partitions: owned by its role.
    db.execute(f"alter table realtime.messages_{old:%Y_%m_%d} owner to supabase_realtime_admin")
    db.execute(f"drop table if exists realtime.messages_{ahead:%Y_%m_%d}")

    async def scenario() -> None:
        topic = unique("restart")
        listener = await connect(stack)
        heard: list[Any] = []
        channel = listener.channel(topic)
        channel.on_broadcast("*", lambda m: heard.append(m["payload"]))
        await subscribe(channel)
        await asyncio.to_thread(lifecycle.stop_realtime, stack)
        await asyncio.to_thread(lifecycle.start_realtime, stack)
        sender = await connect(stack)
        out = sender.channel(topic)
        await subscribe(out)

        async def delivered() -> bool:
            await out.send_broadcast("e", {"after": "restart"})
            await asyncio.sleep(0.3)
            return bool(heard)

        deadline = asyncio.get_running_loop().time() + 20
        while not await delivered():
            assert asyncio.get_running_loop().time() < deadline, "the listener never rejoined"
        assert heard[0] == {"after": "restart"}
        await listener.close()
        await sender.close()

    try:
        run(scenario())
        names = {r[0] for r in db.execute(
            "select c.relname from pg_inherits i join pg_class c on c.oid = i.inhrelid"
            " where i.inhparent = 'realtime.messages'::regclass").fetchall()}
        assert f"messages_{ahead:%Y_%m_%d}" in names
        assert f"messages_{old:%Y_%m_%d}" not in names
        assert f"messages_{today:%Y_%m_%d}" in names
    finally:
        # Later tests (pgTAP's partition check) read the same database: leave it as Realtime
        # keeps it, even when the stand-in failed to.
        db.execute(f"create table if not exists realtime.messages_{ahead:%Y_%m_%d} partition of"
                   f" realtime.messages for values from ('{ahead}')"
                   f" to ('{ahead + dt.timedelta(1)}')")
        db.execute(f"alter table realtime.messages_{ahead:%Y_%m_%d}"
                   " owner to supabase_realtime_admin")
