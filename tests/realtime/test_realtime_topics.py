"""The product's private topics (docs/interface.md, "Realtime topics") through the stand-in,
with real Auth sessions and the project's policies on realtime.messages: who may join the
floor, presence and desk topics, and that the database's broadcasts reach the right people."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from realtime import AsyncRealtimeClient, RealtimeSubscribeStates

from stack.config import StackConfig
from tests.support.realtime_socket import gateway_ws, run, subscribe, until

VIDA = "00000000-0000-4000-b000-000000000001"  # supervisor1's; agents 1-5 work it


def test_floor_presence_and_desk_topics(stack: StackConfig, sign_in: Callable[..., Any],
                                        db) -> None:
    tokens = {email: sign_in(email).auth.get_session().access_token
              for email in ("supervisor1@demo.test", "supervisor2@demo.test",
                            "agent1@demo.test", "agent2@demo.test", "agent6@demo.test")}
    agent1 = db.execute("select id::text from auth.users where email = 'agent1@demo.test'"
                        ).fetchone()[0]

    async def as_user(email: str) -> AsyncRealtimeClient:
        client = AsyncRealtimeClient(gateway_ws(stack), stack.anon_key)
        await client.connect()
        await client.set_auth(tokens[email])
        return client

    async def scenario() -> None:
        sup1, sup2 = await as_user("supervisor1@demo.test"), await as_user("supervisor2@demo.test")
        a1, a2, a6 = (await as_user("agent1@demo.test"), await as_user("agent2@demo.test"),
                      await as_user("agent6@demo.test"))
        private = {"config": {"private": True}}
        floor: list[dict] = []
        watch = sup1.channel(f"floor:{VIDA}", private)
        watch.on_broadcast("*", floor.append)
        assert (await subscribe(watch))[0][0] == RealtimeSubscribeStates.SUBSCRIBED
        for client in (sup2, a1):
            refused = await subscribe(client.channel(f"floor:{VIDA}", private))
            assert refused[0][0] == RealtimeSubscribeStates.CHANNEL_ERROR
            assert "Unauthorized" in (refused[0][1] or "")

        # The floor pushes: an agent's state change reaches the campaign's supervisor.
        db.execute("insert into public.agent_states (agent_id, state) values (%s, 'wrap_up')"
                   " on conflict (agent_id) do update set state = case"
                   " when agent_states.state = 'wrap_up' then 'available' else 'wrap_up' end,"
                   " reason = null, since = now()", (agent1,))
        message = await until(lambda: next((m for m in floor
                                            if m["payload"].get("table") == "agent_states"),
                                           None), what="the floor broadcast")
        assert message["event"] in ("INSERT", "UPDATE")
        assert message["payload"]["record"]["agent_id"] == agent1

        # Presence: the agent tracks, the supervisor sees; an agent of another campaign cannot
        # join.
        presence = {"config": {"private": True, "presence": {"key": agent1, "enabled": True}}}
        mine = a1.channel(f"presence:{VIDA}", presence)
        assert (await subscribe(mine))[0][0] == RealtimeSubscribeStates.SUBSCRIBED
        boss = sup1.channel(f"presence:{VIDA}", {"config": {"private": True,
                                                            "presence": {"enabled": True}}})
        boss.on_presence_sync(lambda: None)
        assert (await subscribe(boss))[0][0] == RealtimeSubscribeStates.SUBSCRIBED
        await mine.track({"agent_id": agent1, "online_at": "2026-12-05T00:00:00Z"})
        seen = await until(lambda: boss.presence_state().get(agent1), what="the agent's presence")
        assert seen[0]["agent_id"] == agent1
        outsider = await subscribe(a6.channel(f"presence:{VIDA}", presence))
        assert outsider[0][0] == RealtimeSubscribeStates.CHANNEL_ERROR

        # The desk: only its user joins agent:<id>.
        assert (await subscribe(a1.channel(f"agent:{agent1}", private)))[0][0] \
            == RealtimeSubscribeStates.SUBSCRIBED
        assert (await subscribe(a2.channel(f"agent:{agent1}", private)))[0][0] \
            == RealtimeSubscribeStates.CHANNEL_ERROR
        await asyncio.sleep(0)
        for client in (sup1, sup2, a1, a2, a6):
            await client.close()

    run(scenario())
