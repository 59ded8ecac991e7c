"""The presence worker as a process, and agents tracking Presence as the webphone does.

Each test gets agents of its own (created through Auth's admin API, signed in with their
password) on a campaign of its own, so what other tests leave in agent_states does not matter.
An agent's webphone is played by realtime-py's async client on an event loop in a thread of
its own: it joins `presence:<campaign_id>` (private) with its access token and tracks
{agent_id, online_at} under its user id, again after every rejoin (as the webphone does).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import uuid
from collections.abc import Callable, Coroutine, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
from realtime import AsyncRealtimeChannel, AsyncRealtimeClient, RealtimeSubscribeStates

from stack.config import StackConfig
from supabase import ClientOptions, create_client
from tests.support.crm_data import make_campaign
from tests.support.loop_thread import LoopThread
from tests.support.waiting import wait_for
from tests.support.worker_process import worker_module

PASSWORD = "presence-test-password-2026"

# Short times, so that the tests run in seconds; the README gives the production values.
GRACE = 3.0
SETTLE = 3.0


class Loop(LoopThread):
    """The agents' clients live on this loop thread; the test awaits nothing."""

    def __init__(self) -> None:
        super().__init__()
        self.phones: list[Webphone] = []

    def run(self, coro: Coroutine[Any, Any, Any], timeout: float = 20.0) -> Any:
        return self.call(coro, timeout)

    def close(self) -> None:
        for phone in self.phones:
            with contextlib.suppress(Exception):
                phone.close()
        self.stop()


class Webphone:
    """One agent's open webphone: a socket, the presence channels of its campaigns, tracked."""

    def __init__(self, loop: Loop, stack: StackConfig, agent_id: str, token: str) -> None:
        self.loop, self.stack, self.agent_id, self.token = loop, stack, agent_id, token
        self.client: AsyncRealtimeClient | None = None
        self.channels: list[AsyncRealtimeChannel] = []
        self.meta: dict[str, Any] = {}
        loop.phones.append(self)

    def open(self, campaigns: list[str], meta: dict[str, Any] | None = None,
             key: str | None = None) -> Webphone:
        self.meta = meta if meta is not None else {
            "agent_id": self.agent_id, "online_at": datetime.now(UTC).isoformat()}
        self.loop.run(self._open(campaigns, key or self.agent_id))
        return self

    async def _open(self, campaigns: list[str], key: str) -> None:
        client = AsyncRealtimeClient(f"{self.stack.url}/realtime/v1", token=self.stack.anon_key,
                                     initial_backoff=0.5, max_retries=30, hb_interval=15)
        await client.set_auth(self.token)
        self.client = client
        for campaign in campaigns:
            channel = client.channel(f"presence:{campaign}", {"config": {
                "private": True, "broadcast": {"ack": False, "self": False},
                "presence": {"key": key, "enabled": True}}})
            joined = asyncio.get_running_loop().create_future()

            def on_status(status: RealtimeSubscribeStates, error: Exception | None,
                          channel: AsyncRealtimeChannel = channel,
                          joined: asyncio.Future[Any] = joined) -> None:
                if status == RealtimeSubscribeStates.SUBSCRIBED:
                    # Track on every (re)join, as the webphone does: a rejoin starts untracked.
                    asyncio.get_running_loop().create_task(channel.track(self.meta))
                if not joined.done():
                    joined.set_result((status, error))

            await channel.subscribe(on_status)
            status, error = await joined
            assert status == RealtimeSubscribeStates.SUBSCRIBED, (status, error)
            self.channels.append(channel)

    def close(self) -> None:
        """The tab closes: the socket goes at once."""
        if self.client is not None:
            client, self.client = self.client, None
            self.loop.run(client.close())


@pytest.fixture
def loop() -> Iterator[Loop]:
    loop = Loop()
    try:
        yield loop
    finally:
        loop.close()


@pytest.fixture
def agents(stack: StackConfig, db: psycopg.Connection, service_client
           ) -> Callable[[int], tuple[str, list[tuple[str, str]]]]:
    """agents(n): n new agents (id, access token) of a new active campaign; each published
    available through rpc/set_agent_state, as the webphone does when it opens."""

    def make(count: int) -> tuple[str, list[tuple[str, str]]]:
        made: list[tuple[str, str]] = []
        for _ in range(count):
            email = f"presence-{uuid.uuid4().hex[:10]}@demo.test"
            user = service_client.auth.admin.create_user({
                "email": email, "password": PASSWORD, "email_confirm": True,
                "app_metadata": {"role": "agent"}}).user
            client = create_client(stack.url, stack.anon_key, options=ClientOptions(
                auto_refresh_token=False, persist_session=False))
            session = client.auth.sign_in_with_password({"email": email,
                                                         "password": PASSWORD}).session
            client.rpc("set_agent_state", {"p_state": "available"}).execute()
            made.append((str(user.id), session.access_token))
        campaign = make_campaign(db, agents=[a for a, _ in made])
        return campaign, made

    return make


def state_of(db: psycopg.Connection, agent: str) -> dict[str, Any] | None:
    row = db.execute(
        "select state, reason, since, state_before_offline, reason_before_offline"
        " from public.agent_states where agent_id = %s", (agent,)).fetchone()
    if row is None:
        return None
    keys = ("state", "reason", "since", "state_before_offline", "reason_before_offline")
    return dict(zip(keys, row, strict=True))


def wait_state(db: psycopg.Connection, agent: str, state: str, timeout: float = 20.0
               ) -> dict[str, Any]:
    def current() -> dict[str, Any] | None:
        row = state_of(db, agent)
        return row if row and row["state"] == state else None
    return wait_for(current, timeout=timeout, every=0.1, what=f"agent {agent} {state}")


class PresenceWorker:
    """`python -m workers.presence` against the test stack, as crm_presence; its JSON log."""

    def __init__(self, stack: StackConfig, log_path: Path) -> None:
        self.stack, self.log_path = stack, log_path
        self.env = {
            **os.environ,
            "DATABASE_URL": stack.worker_database_url("presence"),
            "SUPABASE_URL": stack.url,
            "SUPABASE_SERVICE_ROLE_KEY": stack.service_role_key,
            "PRESENCE_GRACE": str(GRACE),
            "PRESENCE_SETTLE": str(SETTLE),
            "PRESENCE_ROSTER_INTERVAL": "1",
            "PRESENCE_RETRY_MAX": "2",
            "WORKER_NAME": "presence-test",
        }
        self.started = 0

    @contextlib.contextmanager
    def running(self, **env: str) -> Iterator[Any]:
        self.started += 1
        with worker_module(["workers.presence"], {**self.env, **env}, self.log_path,
                           append_log=self.started > 1) as proc:
            yield proc

    def lines(self) -> list[dict[str, Any]]:
        out = []
        for line in self.log_path.read_text(errors="replace").splitlines():
            with contextlib.suppress(ValueError):
                out.append(json.loads(line))
        return out

    def logged(self, msg: str, **fields: Any) -> list[dict[str, Any]]:
        return [e for e in self.lines() if e.get("msg") == msg
                and all(e.get(k) == v for k, v in fields.items())]

    def wait_joined(self, campaign: str, *, after: int = 0, timeout: float = 20.0) -> None:
        """Until the worker logged its join of the campaign's channel more than `after` times."""
        wait_for(lambda: len(self.logged("presence channel joined", campaign_id=campaign)) > after,
                 timeout=timeout, what=f"the worker to join presence:{campaign}")


@pytest.fixture
def worker(stack: StackConfig, tmp_path: Path) -> PresenceWorker:
    return PresenceWorker(stack, tmp_path / "presence.log")
