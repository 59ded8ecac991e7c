"""The presence worker's one task: Realtime Presence in, agent states out.

Each tick (PRESENCE_TICK): read the roster again when due, make sure the Realtime socket is up,
join the presence channel of every campaign of the roster (and leave the others), then write
what the tracker decides. Callbacks of realtime-py (presence syncs, channel states) only update
the tracker; every await happens here, one at a time, so nothing races.

Reconnecting is the worker's, not realtime-py's: its client gives up after `max_retries`
attempts inside a background task nobody awaits, and its backoff grows to a minute. So the
client runs with auto_reconnect off: a dropped socket leaves it disconnected with its channels
errored, and the next tick connects again (PRESENCE_RETRY_MIN doubling to PRESENCE_RETRY_MAX,
with jitter); realtime-py then rejoins the errored channels itself (`_on_connect` ->
`_rejoin_errored_channels`), and each rejoin brings a fresh presence_state.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from datetime import UTC, datetime
from typing import Any

import psycopg
from realtime import AsyncRealtimeChannel, AsyncRealtimeClient, RealtimeSubscribeStates

from workers.common import database
from workers.presence.settings import Settings
from workers.presence.store import Store
from workers.presence.telemetry import Metrics
from workers.presence.tracker import Decision, Offline, Tracker, valid_presences

log = logging.getLogger(__name__)


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="milliseconds")


class Watcher:
    def __init__(self, settings: Settings, metrics: Metrics) -> None:
        self.settings, self.metrics = settings, metrics
        self.tracker = Tracker(grace=settings.presence_grace, settle=settings.presence_settle)
        self.store = Store(settings.database_url, application_name="presence")
        self.client: AsyncRealtimeClient | None = None
        self.channels: dict[str, AsyncRealtimeChannel] = {}  # campaign -> its channel
        self.roster_read = False
        self.roster_due = 0.0
        self.db_due = 0.0
        self.db_failures = 0
        self.connect_due = 0.0
        self.connect_failures = 0
        self.logged_malformed: set[tuple[str, str, str, str]] = set()

    # -- the loop ------------------------------------------------------------------------------
    async def run(self, stop: asyncio.Event) -> None:
        """Until `stop` is set. An unexpected error of a tick is logged and the next one runs."""
        try:
            while not stop.is_set():
                try:
                    await self.step()
                except Exception:
                    log.exception("presence tick failed")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.settings.presence_tick)
        finally:
            await self.shutdown()

    async def step(self) -> None:
        now = time.time()
        if now >= self.roster_due and now >= self.db_due:
            await self.refresh_roster()
        if not self.roster_read:
            return
        await self.ensure_connected()
        await self.sync_channels()
        if time.time() >= self.db_due:
            await self.apply(self.tracker.decide(time.time()))
        self.update_gauges()

    # -- database ------------------------------------------------------------------------------
    def database_failed(self, error: Exception, what: str) -> None:
        self.db_failures += 1
        delay = database.backoff(self.db_failures, self.settings.presence_retry_min,
                                 self.settings.presence_retry_max)
        self.db_due = time.time() + delay
        self.metrics.database_errors.inc()
        log.warning("database call failed, retrying",
                    extra={"call": what, "error": str(error).strip()[:300],
                           "retry_in_s": round(delay, 2)})

    async def refresh_roster(self) -> None:
        try:
            rows = await self.store.roster()
        except psycopg.Error as e:
            self.database_failed(e, "roster")
            return
        self.db_failures = 0
        self.tracker.set_roster(rows)
        if not self.roster_read:
            log.info("roster read", extra={"agents": len(rows),
                                           "campaigns": len(self.tracker.campaigns())})
        self.roster_read = True
        self.roster_due = time.time() + self.settings.presence_roster_interval

    async def apply(self, decisions: list[Decision]) -> None:
        for decision in decisions:
            try:
                if isinstance(decision, Offline):
                    result: Any = await self.store.mark_offline(decision.agent_id,
                                                                decision.left_at)
                    outcome = "offline" if result else "unchanged"
                    if result:
                        log.info("agent marked offline",
                                 extra={"agent_id": decision.agent_id,
                                        "left_at": _iso(decision.left_at)})
                else:
                    result = await self.store.mark_online(decision.agent_id)
                    outcome = "online" if result else "unchanged"
                    if result:
                        log.info("agent back online", extra={"agent_id": decision.agent_id,
                                                             "state": result})
            except psycopg.Error as e:
                self.database_failed(e, "mark")
                return
            self.db_failures = 0
            self.metrics.marks.labels(outcome).inc()
            self.tracker.applied(decision, result)

    # -- Realtime ------------------------------------------------------------------------------
    def new_client(self) -> AsyncRealtimeClient:
        return AsyncRealtimeClient(
            self.settings.realtime_url, token=self.settings.supabase_service_role_key,
            auto_reconnect=False, max_retries=1, timeout=self.settings.presence_join_timeout,
            hb_interval=self.settings.presence_heartbeat)

    async def ensure_connected(self) -> None:
        client = self.client
        if client is not None and client.is_connected:
            # realtime-py reads the socket in one task; if that task died (an error in a
            # message it could not handle) the socket looks connected but is deaf.
            listener = client._listen_task
            if listener is None or not listener.done():
                return
            log.warning("realtime reader stopped; opening a new connection")
            await self.drop_client()
            client = None
        now = time.time()
        if now < self.connect_due:
            return
        if client is None:
            client = self.client = self.new_client()
        try:
            await client.connect()
        except Exception as e:  # websockets raises OSError, InvalidStatus, TimeoutError...
            self.connect_failures += 1
            delay = database.backoff(self.connect_failures, self.settings.presence_retry_min,
                                     self.settings.presence_retry_max)
            self.connect_due = time.time() + delay
            self.metrics.connects.labels("error").inc()
            log.warning("realtime unreachable, retrying",
                        extra={"error": f"{type(e).__name__}: {e}"[:300],
                               "retry_in_s": round(delay, 2)})
            return
        self.connect_failures = 0
        self.metrics.connects.labels("ok").inc()
        log.info("connected to realtime", extra={"url": self.settings.realtime_url,
                                                 "channels": len(self.channels)})

    async def drop_client(self) -> None:
        client, self.client = self.client, None
        for campaign in list(self.channels):
            self.tracker.channel_down(campaign)
        self.channels.clear()
        if client is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(client.close(), 5)

    async def sync_channels(self) -> None:
        wanted = self.tracker.campaigns()
        for campaign in [c for c in self.channels if c not in wanted]:
            channel = self.channels.pop(campaign)
            self.tracker.channel_down(campaign)
            log.info("leaving presence channel", extra={"campaign_id": campaign})
            try:
                await channel.unsubscribe()
            except Exception as e:
                log.warning("leaving presence channel failed",
                            extra={"campaign_id": campaign, "error": str(e)[:300]})
        client = self.client
        if client is None or not client.is_connected:
            return
        missing = sorted(wanted - set(self.channels))
        if missing:
            await asyncio.gather(*(self.join(client, c) for c in missing))

    async def join(self, client: AsyncRealtimeClient, campaign: str) -> None:
        # A channel object joins once: an old one of this topic (closed, or given up on) goes.
        client.channels.pop(f"realtime:presence:{campaign}", None)
        channel = client.channel(f"presence:{campaign}", {"config": {
            "private": True,
            "broadcast": {"ack": False, "self": False},
            "presence": {"key": "", "enabled": True},
        }})
        self.channels[campaign] = channel
        channel.on_presence_sync(lambda: self.on_sync(campaign, channel))
        try:
            await channel.subscribe(
                lambda status, error: self.on_status(campaign, channel, status, error))
        except Exception as e:
            # The socket went away under the join: try again on a later tick.
            if self.channels.get(campaign) is channel:
                del self.channels[campaign]
            log.warning("joining presence channel failed",
                        extra={"campaign_id": campaign, "error": f"{type(e).__name__}: {e}"[:300]})

    def on_status(self, campaign: str, channel: AsyncRealtimeChannel,
                  status: RealtimeSubscribeStates, error: Exception | None) -> None:
        """realtime-py's subscribe callback: joined (again), errored, timed out, closed."""
        if self.channels.get(campaign) is not channel:
            return  # a channel left or replaced since
        if status == RealtimeSubscribeStates.SUBSCRIBED:
            self.tracker.channel_joined(campaign, time.time())
            log.info("presence channel joined", extra={"campaign_id": campaign})
            return
        # Whatever it said about presence is stale now; the rejoin brings a fresh state.
        self.tracker.channel_down(campaign)
        channel.presence.state = {}
        if status == RealtimeSubscribeStates.CLOSED:
            # Closed by the server: realtime-py forgot it; join it anew on the next tick.
            del self.channels[campaign]
        log.warning("presence channel down", extra={"campaign_id": campaign,
                                                     "status": status.value,
                                                     "error": str(error or "")[:300]})

    def on_sync(self, campaign: str, channel: AsyncRealtimeChannel) -> None:
        """realtime-py's presence sync callback: the channel's whole presence state again."""
        if self.channels.get(campaign) is not channel:
            return
        try:
            present, malformed = valid_presences(campaign, channel.presence_state())
        except Exception:
            log.exception("presence state not understood", extra={"campaign_id": campaign})
            return
        for item in malformed:
            seen = (item.campaign_id, item.key, item.presence_ref, item.why)
            if seen in self.logged_malformed:
                continue
            if len(self.logged_malformed) > 10_000:
                self.logged_malformed.clear()
            self.logged_malformed.add(seen)
            self.metrics.malformed.inc()
            log.warning("malformed presence ignored",
                        extra={"campaign_id": item.campaign_id, "presence_key": item.key,
                               "presence_ref": item.presence_ref, "why": item.why})
        self.tracker.set_present(campaign, present, time.time())

    # -- the rest ------------------------------------------------------------------------------
    def update_gauges(self) -> None:
        agents = self.tracker.agents
        self.metrics.agents_watched.set(len(agents))
        self.metrics.agents_present.set(sum(1 for a in agents if self.tracker.is_present(a)))
        self.metrics.channels_wanted.set(len(self.tracker.campaigns()))
        self.metrics.channels_joined.set(len(self.tracker.joined_at))

    async def shutdown(self) -> None:
        await self.drop_client()
        with contextlib.suppress(Exception):
            await self.store.close()
