"""Helpers for the Realtime stand-in's tests: the gateway's socket URL, realtime-py clients
(connect, subscribe and wait), a raw Phoenix socket (aiohttp) that speaks the wire format by
hand, and running a scenario with a deadline."""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from realtime import AsyncRealtimeChannel, AsyncRealtimeClient

from stack.config import StackConfig


def gateway_ws(stack: StackConfig) -> str:
    """The URL the official Python client is given (it appends /websocket)."""
    return f"ws://127.0.0.1:{stack.gateway_port}/realtime/v1"


class Socket:
    """A raw Phoenix socket: send frames by hand, read what the server sends."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse, session: aiohttp.ClientSession,
                 vsn: str) -> None:
        self.ws, self.session, self.vsn = ws, session, vsn
        self.ref = 0

    def next_ref(self) -> str:
        self.ref += 1
        return str(self.ref)

    async def send(self, topic: str, event: str, payload: dict[str, Any],
                   ref: str | None = None, join_ref: str | None = None) -> str:
        ref = ref or self.next_ref()
        if self.vsn == "1.0.0":
            await self.ws.send_str(json.dumps({"topic": topic, "event": event,
                                               "payload": payload, "ref": ref}))
        else:
            await self.ws.send_str(json.dumps([join_ref, ref, topic, event, payload]))
        return ref

    async def recv(self, timeout: float = 5.0) -> Any:
        """The next frame: a dict (vsn 1), a list (vsn 2) or bytes (a binary frame)."""
        msg = await self.ws.receive(timeout)
        if msg.type == aiohttp.WSMsgType.TEXT:
            return json.loads(msg.data)
        if msg.type == aiohttp.WSMsgType.BINARY:
            return msg.data
        raise ConnectionError(f"socket closed: {msg.type!r}")

    async def until(self, match: Callable[[Any], bool], timeout: float = 5.0) -> Any:
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            left = deadline - asyncio.get_running_loop().time()
            if left <= 0:
                raise AssertionError("no matching frame")
            frame = await self.recv(left)
            if match(frame):
                return frame

    async def close(self) -> None:
        await self.ws.close()
        await self.session.close()


async def open_socket(url: str, key: str, vsn: str = "1.0.0") -> Socket:
    session = aiohttp.ClientSession()
    try:
        ws = await session.ws_connect(f"{url}/websocket?apikey={key}&vsn={vsn}")
    except BaseException:
        await session.close()
        raise
    return Socket(ws, session, vsn)


def run(coro: Awaitable[Any]) -> Any:
    """Run a test's scenario on a fresh event loop in its own thread: Playwright's sync API
    (the e2e tests, earlier in the same session) keeps a loop running in the main thread."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, _with_timeout(coro)).result()


async def _with_timeout(coro: Awaitable[Any]) -> Any:
    return await asyncio.wait_for(coro, 120)


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


async def connect(stack: StackConfig, token: str | None = None,
                  key: str | None = None) -> AsyncRealtimeClient:
    client = AsyncRealtimeClient(gateway_ws(stack), key or stack.anon_key,
                                 initial_backoff=0.5, max_retries=30)
    await client.connect()
    if token:
        await client.set_auth(token)
    return client


async def until(check: Callable[[], Any], timeout: float = 5.0, what: str = "condition") -> Any:
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        if result := check():
            return result
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


async def subscribe(channel: AsyncRealtimeChannel) -> list[tuple[Any, str | None]]:
    """The subscribe callback's calls so far and to come: (state, error text)."""
    states: list[tuple[Any, str | None]] = []
    await channel.subscribe(lambda state, error: states.append(
        (state, str(error) if error else None)))
    await until(lambda: states, what=f"{channel.topic} to answer its join")
    return states
