"""supabase-js (Node 20, `ws` transport) against the stand-in, beside realtime-py: broadcast both
ways, vsn 1.0.0 and 2.0.0 sockets and binary payloads, presence both ways, REST broadcast,
private channels, token expiry, postgres_changes. tests/support/realtime_js_contract.mjs runs
the JavaScript side and reports; this test plays the Python peer and judges both."""

from __future__ import annotations

import asyncio
import json
import os
from typing import Any

import psycopg
from realtime import AsyncRealtimeClient

from stack.config import PROJECT_DIR, StackConfig
from tests.support.realtime_socket import gateway_ws, run, unique

SCRIPT = PROJECT_DIR / "tests" / "support" / "realtime_js_contract.mjs"


def test_supabase_js_beside_realtime_py(stack: StackConfig, mint, users, test_policies,
                                         notes_table: str) -> None:
    user_id, other_id = users["agent1@demo.test"], users["agent2@demo.test"]
    topic = unique("js-py")
    peer: dict[str, list[Any]] = {"broadcast": [], "joins": [], "leaves": []}

    async def scenario() -> dict[str, Any]:
        py = AsyncRealtimeClient(gateway_ws(stack), stack.anon_key)
        await py.connect()
        channel = py.channel(topic, {"config": {"presence": {"key": "py"}}})

        def on_broadcast(message: dict[str, Any]) -> None:
            peer["broadcast"].append(message)
            if message["event"] == "ping":
                asyncio.get_running_loop().create_task(
                    channel.send_broadcast("pong", {**message["payload"], "from": "py"}))

        channel.on_broadcast("*", on_broadcast)
        channel.on_presence_join(lambda key, _c, _n: peer["joins"].append(key))
        channel.on_presence_leave(lambda key, _c, _l: peer["leaves"].append(key))
        await channel.subscribe()
        await channel.track({"who": "py"})

        env = {**os.environ, "SUPABASE_URL": stack.url, "SUPABASE_ANON_KEY": stack.anon_key,
               "TOPIC": topic, "USER_ID": user_id, "USER_TOKEN": mint(user_id),
               "OTHER_TOKEN": mint(other_id), "SHORT_TOKEN": mint(user_id, exp_in=3),
               "NOTES": notes_table}
        node = await asyncio.create_subprocess_exec(
            "node", str(SCRIPT), cwd=PROJECT_DIR, env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        communicate = asyncio.ensure_future(node.communicate())
        with psycopg.connect(stack.database_url, autocommit=True) as db:
            while not communicate.done():
                await asyncio.to_thread(
                    db.execute, f"insert into public.{notes_table} (body) values ('js'), ('other')")
                await asyncio.wait([communicate], timeout=0.5)
        stdout, stderr = communicate.result()
        assert node.returncode == 0, stderr.decode()[-3000:]
        await asyncio.sleep(0.3)
        await py.close()
        return json.loads(stdout.decode().strip().splitlines()[-1])

    out = run(scenario())

    # Broadcast both ways, with self and ack.
    assert out["subscribe"] == "SUBSCRIBED" and out["ack"] == "ok" and out["track"] == "ok"
    assert out["pong"] == {"n": 1, "from": "py"}
    assert out["self"] == {"n": 1}
    pings = [m for m in peer["broadcast"] if m["event"] == "ping"]
    assert pings and pings[0]["payload"] == {"n": 1}
    # Presence both ways, and js's leave when its socket went.
    assert out["peer_presence"] == "py"
    assert "js" in peer["joins"] and "js" in peer["leaves"]
    # vsn 1.0.0 gets JSON only; vsn 2.0.0 gets the raw bytes as they were sent.
    assert out["v1_vsn"] == "1.0.0" and out["v1_subscribe"] == out["v2_subscribe"] == "SUBSCRIBED"
    assert out["v1_heard"] == [{"event": "json", "payload": {"n": 2}}]
    assert out["v2_heard"] == [{"event": "json", "payload": {"n": 2}},
                               {"event": "blob", "payload": [0, 1, 254, 255]}]
    assert "blob" not in [m["event"] for m in peer["broadcast"]]  # realtime-py is vsn 1.0.0
    # REST broadcast: httpSend, and send() before any join.
    assert out["http_send"] == {"success": True} and out["send_unjoined"] == "ok"
    events = [m["event"] for m in peer["broadcast"]]
    assert "rest" in events and "rest2" in events
    # Private channels.
    reason = f"Unauthorized: You do not have permissions to read from this Channel topic: " \
             f"standin:{user_id}"
    assert out["private_anon"].startswith("CHANNEL_ERROR") and reason in out["private_anon"]
    assert out["private_other"].startswith("CHANNEL_ERROR")
    assert out["private_owner"] == "SUBSCRIBED"
    # Expiry: the system error Realtime sends, then CLOSED.
    assert out["expiring_subscribe"] == "SUBSCRIBED"
    assert [(s["extension"], s["status"]) for s in out["expiry_system"]] == [("system", "error")]
    assert out["expiry_system"][0]["message"].startswith("Token has expired")
    assert out["expiry_statuses"][-1] == "CLOSED"
    # postgres_changes with a filter.
    assert out["changes_subscribe"] == "SUBSCRIBED"
    assert out["change"] == {"eventType": "INSERT", "table": notes_table, "body": "js"}
    assert out["change_bodies"] == ["js"]
