"""The Realtime stand-in's wire protocol, byte for byte, with a raw socket behind the gateway.

What the official clients rely on: replies by ref and join_ref in both serializers, heartbeats,
Realtime's refusal reasons, the binary broadcast frames of vsn 2.0.0, the idle close, and the
gateway keeping a quiet socket open.
"""

from __future__ import annotations

import asyncio
import struct
import time

import aiohttp
import pytest

from stack.config import StackConfig
from tests.support.realtime_socket import gateway_ws, open_socket, run, unique


def test_upgrade_refusals_match_realtime(stack: StackConfig, mint) -> None:
    """Realtime's UserSocket.handle_error: a 401 with {"error": ...} for each bad key."""
    async def status(query: str) -> tuple[int, dict]:
        async with aiohttp.ClientSession() as session:
            try:
                ws = await session.ws_connect(f"{gateway_ws(stack)}/websocket?{query}")
            except aiohttp.WSServerHandshakeError as e:
                return e.status, {}
            await ws.close()
            return 101, {}

    async def body(query: str) -> tuple[int, dict]:
        headers = {"Upgrade": "websocket", "Connection": "Upgrade",
                   "Sec-WebSocket-Version": "13", "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}
        async with aiohttp.ClientSession() as session, session.get(
                f"{gateway_ws(stack)}/websocket?{query}", headers=headers) as response:
            return response.status, await response.json(content_type=None)

    async def scenario() -> None:
        assert await status(f"apikey={stack.anon_key}&vsn=1.0.0") == (101, {})
        assert await status(f"apikey={stack.service_role_key}&vsn=2.0.0") == (101, {})
        assert await body("vsn=1.0.0") == (401, {"error": "API key is missing"})
        assert await body("apikey=not-a-jwt&vsn=1.0.0") == (
            401, {"error": "The token provided is not a valid JWT"})
        forged = stack.anon_key[:-4] + ("AAAA" if not stack.anon_key.endswith("AAAA") else "BBBB")
        assert await body(f"apikey={forged}&vsn=1.0.0") == (
            401, {"error": "Failed to validate JWT signature"})
        assert await body(f"apikey={mint(role='anon', exp_in=-10)}&vsn=1.0.0") == (
            401, {"error": "Token has expired"})
        import jwt
        no_role = jwt.encode({"exp": int(time.time()) + 60}, stack.jwt_secret, algorithm="HS256")
        assert await body(f"apikey={no_role}&vsn=1.0.0") == (
            401, {"error": "Fields `role` and `exp` are required in JWT"})
        code, _ = await body(f"apikey={stack.anon_key}&vsn=3.0.0")
        assert code == 403

    run(scenario())


def test_v1_join_heartbeat_leave(stack: StackConfig, mint) -> None:
    async def scenario() -> None:
        s = await open_socket(gateway_ws(stack), stack.anon_key, "1.0.0")
        topic = f"realtime:{unique('pub')}"
        ref = await s.send(topic, "phx_join", {"config": {
            "broadcast": {"ack": False, "self": False}, "presence": {"key": "", "enabled": False},
            "postgres_changes": [], "private": False}, "access_token": stack.anon_key})
        assert await s.recv() == {"topic": topic, "event": "phx_reply", "ref": ref,
                                  "payload": {"status": "ok",
                                              "response": {"postgres_changes": []}}}
        for _ in range(3):
            hb = await s.send("phoenix", "heartbeat", {})
            assert await s.recv() == {"topic": "phoenix", "event": "phx_reply", "ref": hb,
                                      "payload": {"status": "ok", "response": {}}}
        # A message on a topic this socket never joined.
        other = await s.send("realtime:nowhere", "broadcast", {"type": "broadcast"})
        assert await s.recv() == {"topic": "realtime:nowhere", "event": "phx_reply", "ref": other,
                                  "payload": {"status": "error",
                                              "response": {"reason": "unmatched topic"}}}
        # Realtime's own refusals, "<Code>: <message>".
        refusals = {
            "realtime:": ({}, "TopicNameRequired: You must provide a topic name"),
            "realtime:a": ({"access_token": mint(role="anon", exp_in=-30)},
                           "InvalidJWTToken: Token has expired "),
            "realtime:b": ({"access_token": "x.y.z"},
                           "MalformedJWT: The token provided is not a valid JWT"),
            "realtime:c": ({"access_token": stack.anon_key[:-3] + "abc"},
                           "JwtSignatureError: Failed to validate JWT signature"),
        }
        for join_topic, (params, reason) in refusals.items():
            r = await s.send(join_topic, "phx_join", params)
            reply = await s.recv()
            assert reply["ref"] == r and reply["payload"]["status"] == "error", reply
            assert reply["payload"]["response"]["reason"].startswith(reason), reply
        leave = await s.send(topic, "phx_leave", {})
        assert await s.recv() == {"topic": topic, "event": "phx_reply", "ref": leave,
                                  "payload": {"status": "ok", "response": {}}}
        close = await s.recv()
        assert (close["event"], close["ref"], close["payload"]) == ("phx_close", ref, {})
        await s.close()

    run(scenario())


def user_broadcast_push(join_ref: str, ref: str, topic: str, event: str, body: bytes,
                        encoding: int) -> bytes:
    """The frame realtime-js sends for channel.send({type: 'broadcast', ...}) in vsn 2.0.0."""
    head = struct.pack("7B", 3, len(join_ref), len(ref), len(topic), len(event), 0, encoding)
    return head + join_ref.encode() + ref.encode() + topic.encode() + event.encode() + body


def test_v2_arrays_and_binary_broadcast(stack: StackConfig) -> None:
    async def scenario() -> None:
        topic = f"realtime:{unique('bin')}"
        join = {"config": {"broadcast": {"ack": True, "self": False}, "private": False}}
        a = await open_socket(gateway_ws(stack), stack.anon_key, "2.0.0")
        b = await open_socket(gateway_ws(stack), stack.anon_key, "2.0.0")
        c = await open_socket(gateway_ws(stack), stack.anon_key, "1.0.0")
        ref = await a.send(topic, "phx_join", join, ref="7", join_ref="7")
        assert await a.recv() == ["7", ref, topic, "phx_reply",
                                  {"status": "ok", "response": {"postgres_changes": []}}]
        await b.send(topic, "phx_join", join, ref="1", join_ref="1")
        await b.recv()
        await c.send(topic, "phx_join", join)
        await c.recv()
        hb = await a.send("phoenix", "heartbeat", {})
        assert await a.recv() == [None, hb, "phoenix", "phx_reply",
                                  {"status": "ok", "response": {}}]

        # JSON user payload in a binary frame: a binary frame (kind 4) to vsn 2, JSON to vsn 1.
        await a.ws.send_bytes(user_broadcast_push("7", "8", topic, "move", b'{"x":1}', 1))
        assert await a.recv() == ["7", "8", topic, "phx_reply", {"status": "ok", "response": {}}]
        frame = await b.recv()
        assert frame == bytes([4, len(topic), 4, 0, 1]) + topic.encode() + b'move{"x":1}'
        assert await c.recv() == {"topic": topic, "event": "broadcast", "ref": None, "payload": {
            "event": "move", "payload": {"x": 1}, "type": "broadcast"}}
        # Raw bytes: only vsn 2 can carry them; the vsn 1 socket gets nothing.
        await a.ws.send_bytes(user_broadcast_push("7", "9", topic, "raw", b"\x00\xff\x10", 0))
        await a.recv()
        raw = await b.recv()
        assert raw == bytes([4, len(topic), 3, 0, 0]) + topic.encode() + b"raw\x00\xff\x10"
        # A JSON push reaches both as JSON.
        await a.send(topic, "broadcast", {"type": "broadcast", "event": "j", "payload": {"y": 2}},
                     join_ref="7")
        await a.recv()
        assert await b.recv() == [None, None, topic, "broadcast",
                                  {"type": "broadcast", "event": "j", "payload": {"y": 2}}]
        assert (await c.recv())["payload"] == {"type": "broadcast", "event": "j",
                                               "payload": {"y": 2}}
        with pytest.raises(asyncio.TimeoutError):
            await c.recv(timeout=0.5)
        for s in (a, b, c):
            await s.close()

    run(scenario())


def test_silent_socket_is_closed(stack: StackConfig, standalone) -> None:
    """Phoenix closes a socket that sends nothing for its timeout (60 s; 2 s here); one that
    keeps sending heartbeats stays, and its presence leaves when the silent one closes."""
    url = standalone(REALTIME_IDLE_TIMEOUT="2")

    async def scenario() -> None:
        topic = f"realtime:{unique('idle')}"
        join = {"config": {"presence": {"key": "", "enabled": True}}}
        quiet = await open_socket(url, stack.anon_key)
        await quiet.send(topic, "phx_join", {"config": {"presence": {"key": "q", "enabled": True}}})
        await quiet.recv()
        await quiet.send(topic, "presence", {"type": "presence", "event": "track",
                                             "payload": {"who": "quiet"}})
        live = await open_socket(url, stack.anon_key)
        await live.send(topic, "phx_join", join)
        await live.recv()
        state = await live.recv()
        assert state["event"] == "presence_state" and list(state["payload"]) == ["q"]
        started = time.monotonic()
        leave = None
        while time.monotonic() - started < 4:
            hb = await live.send("phoenix", "heartbeat", {})
            frame = await live.until(
                lambda f, hb=hb: f["ref"] == hb or f["event"] == "presence_diff")
            if frame["event"] == "presence_diff":
                leave = (frame, time.monotonic() - started)
                await live.until(lambda f, hb=hb: f["ref"] == hb)
            await asyncio.sleep(0.5)
        assert leave is not None, "the silent socket's presence never left"
        assert list(leave[0]["payload"]["leaves"]) == ["q"] and 1.5 < leave[1] < 3.5
        with pytest.raises(ConnectionError):
            while True:
                await quiet.recv(1)
        await quiet.close()
        await live.close()

    run(scenario())


def test_gateway_keeps_a_quiet_socket_open(stack: StackConfig) -> None:
    """nginx cuts a proxied connection when the upstream sends nothing for proxy_read_timeout
    (60 s by default). The client here keeps talking (so Realtime keeps the socket) but nothing
    comes back for 65 s; the socket must still answer afterwards."""
    async def scenario() -> None:
        s = await open_socket(gateway_ws(stack), stack.anon_key)
        topic = f"realtime:{unique('quiet')}"
        await s.send(topic, "phx_join", {"config": {"broadcast": {"self": False}}})
        await s.recv()
        started = time.monotonic()
        while time.monotonic() - started < 65:
            # A broadcast nobody else hears: no reply, no echo.
            await s.send(topic, "broadcast", {"type": "broadcast", "event": "tick", "payload": {}})
            await asyncio.sleep(15)
        hb = await s.send("phoenix", "heartbeat", {})
        assert (await s.recv())["ref"] == hb
        await s.close()

    run(scenario())


def test_gateway_upgrades_only_the_socket_path(stack: StackConfig) -> None:
    conf = (stack.root / "gateway" / "nginx.conf").read_text()
    block = conf[conf.index("location /realtime/v1/websocket"):]
    block = block[:block.index("}")]
    assert 'proxy_set_header Connection "upgrade"' in block
    assert "proxy_read_timeout 3600s" in block and "proxy_send_timeout 3600s" in block
