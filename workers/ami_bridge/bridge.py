"""The running bridge: panoramisk's Manager wired to the reader, the model and the store.

One asyncio loop owns everything (see the package docstring for why asyncio and panoramisk):
- `BridgeProtocol` (the Manager's `protocol_factory`) feeds every byte to `events.EventReader`;
  responses, and the events that answer one of our actions (CoreShowChannel...,
  OriginateResponse), go to panoramisk as `Message`s so its action futures resolve; call events
  go to the model; malformed input is counted and logged (rate-limited), never fatal.
- After each read, the model's changed rows go to the store, which batches them into `calls`.
- `BridgeManager` sets its own reconnect delay (exponential backoff with jitter, reset on a
  successful login) before panoramisk schedules the reconnect, and says when a login is
  refused. Its own Ping is off: `_keepalive` pings and closes the connection when the answer
  does not come in time (a half-open TCP connection is otherwise never noticed).
- After every login: CoreShowChannels, then `model.reconcile` (the model's channels Asterisk no
  longer lists are closed) and `store.close_missing` (calls mirrored as open that neither
  Asterisk nor the model knows are closed: they ended while the bridge was away). Repeated
  every `reconcile_interval_s`.
- Originate: queued `originate_requests` are taken when a notification wakes the loop, on
  login and every `originate_poll_s` (the rows are the truth, the notification a hint). Each is
  sent once: a request whose result is lost with the connection fails rather than ringing the
  agent twice.
- Recording stop: a lead who refuses recording mid-call (`calls.recording_consent` set to false)
  makes the database `pg_notify('recording_stop', <call id>)`; `_recording_stop_listener` reads
  the call's Linkedid (acting only while consent is still false) and sends `StopMixMonitor` for
  each of that call's legs the model saw start a MixMonitor and not yet hang up. After each
  (re)connection to the database it also sweeps the live calls it holds for refusals it may
  have missed. A lost wake-up only lets the recording run to the end of the call; the
  recordings worker then discards the file.
- SIGTERM (wired in `__main__`): stop reading AMI, flush the store, exit 0.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
import uuid
from collections import OrderedDict, defaultdict
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

import psycopg
from panoramisk import Manager
from panoramisk.ami_protocol import AMIProtocol
from panoramisk.message import Message
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from workers.ami_bridge.events import (
    AmiEvent,
    ChannelEvent,
    CoreShowChannel,
    CoreShowChannelsComplete,
    DialEvent,
    EventReader,
    Greeting,
    Item,
    Malformed,
    Newchannel,
    OriginateResponse,
    OtherEvent,
    Response,
)
from workers.ami_bridge.model import CallModel, CallRow, ModelConfig
from workers.ami_bridge.store import CallStore, OriginateRequest, StoreConfig
from workers.common import database

log = logging.getLogger("workers.ami_bridge")

ORIGINATE_CHANNEL = "originate_requests"
RECORDING_STOP_CHANNEL = "recording_stop"
RECORDING_STOP_IDLE_CHECK_S = 30.0
"""With no notification for this long, the listener pings its connection (a dead one is
replaced instead of waiting forever)."""
STOPPED_LEGS_KEPT = 10_000
REFUSED_CALLS_SQL = """
select c.id::text, c.pbx_linkedid, c.recording_consent, c.status
from private.call_index as ci
inner join public.calls as c on ci.call_id = c.id and ci.started_at = c.started_at
where ci.call_id = any(%s::uuid[])
"""
REFUSED_LIVE_CALLS_SQL = """
select c.id::text
from public.calls as c
where c.pbx_linkedid = any(%s) and c.recording_consent is false and c.status <> 'ended'
"""
ORIGINATE_REASONS = {
    0: "failed",
    1: "hung up",
    3: "no answer",
    4: "answered",
    5: "busy",
    8: "congestion",
}


# ------------------------------------------------------------------------- settings
@dataclass(frozen=True)
class BridgeSettings:
    """Read from the environment by `workers.common.settings.from_env` (names upper-cased)."""

    ami_host: str
    ami_username: str
    ami_secret: str
    database_url: str
    ami_port: int = 5038
    batch_size: int = 500
    flush_delay_ms: int = 200
    metrics_port: int = 0
    metrics_addr: str = "127.0.0.1"
    log_level: str = "INFO"
    ping_interval_s: float = 10.0
    ping_timeout_s: float = 5.0
    action_timeout_s: float = 10.0
    reconnect_min_s: float = 0.5
    reconnect_max_s: float = 30.0
    reconcile_interval_s: float = 300.0
    evict_after_s: float = 300.0
    shutdown_timeout_s: float = 15.0
    trunk_endpoints: str = "trunk"
    pbx_timezone: str = "UTC"
    default_country_code: str = ""
    agent_endpoint_pattern: str = r"(?:agent)?(\d{3,6})"
    originate_enabled: bool = True
    originate_channel: str = "PJSIP/{extension}"
    originate_context: str = "crm-originate"
    originate_timeout_s: float = 30.0
    originate_max_age_s: float = 60.0
    originate_poll_s: float = 5.0
    recording_stop_enabled: bool = True

    def model_config(self) -> ModelConfig:
        return ModelConfig(
            trunk_endpoints=frozenset(e.strip() for e in self.trunk_endpoints.split(",") if e),
            pbx_timezone=self.pbx_timezone,
            default_country_code=self.default_country_code or None,
        )

    def store_config(self) -> StoreConfig:
        return StoreConfig(
            batch_size=max(1, self.batch_size),
            flush_delay=max(0, self.flush_delay_ms) / 1000,
            agent_endpoint_pattern=self.agent_endpoint_pattern,
        )


# -------------------------------------------------------------------------- metrics
class Metrics:
    """The bridge's Prometheus metrics, in a registry of its own (one per bridge)."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.events = Counter("ami_bridge_events", "AMI events read (well-formed)", registry=r)
        self.malformed = Counter(
            "ami_bridge_malformed", "AMI input skipped, by reason", ["reason"], registry=r
        )
        self.calls_written = Counter(
            "ami_bridge_calls_written", "Call rows upserted into calls", registry=r
        )
        self.write_batches = Counter(
            "ami_bridge_write_batches", "Write batches, by result", ["result"], registry=r
        )
        self.write_seconds = Histogram(
            "ami_bridge_write_seconds",
            "Time to write one batch",
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            registry=r,
        )
        self.lag = Histogram(
            "ami_bridge_lag_seconds",
            "From an event's time to the commit of the row it changed",
            buckets=(0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 2, 5, 10, 30, 60, 300),
            registry=r,
        )
        self.rows_rejected = Counter(
            "ami_bridge_rows_rejected", "Call rows the database refused (dropped)", registry=r
        )
        self.rows_parked = Counter(
            "ami_bridge_rows_parked",
            "Outbound call rows without a number (not written)",
            registry=r,
        )
        self.reconnects = Counter(
            "ami_bridge_reconnects", "Logins to AMI after the first one", registry=r
        )
        self.connected = Gauge("ami_bridge_connected", "1 while logged in to AMI", registry=r)
        self.open_calls = Gauge("ami_bridge_open_calls", "Calls the model holds open", registry=r)
        self.buffered_rows = Gauge(
            "ami_bridge_buffered_rows", "Call rows waiting to be written", registry=r
        )
        self.reconciled = Counter(
            "ami_bridge_reconciled_calls",
            "Calls closed because Asterisk no longer had them, by where they were known",
            ["known_by"],
            registry=r,
        )
        self.originates = Counter(
            "ami_bridge_originates",
            "Originate requests finished, by status",
            ["status"],
            registry=r,
        )
        self.recording_stops = Counter(
            "ami_bridge_recording_stops",
            "StopMixMonitor for calls whose lead refused recording, by result"
            " (ok, failed, not_found: no live recording leg)",
            ["result"],
            registry=r,
        )


# ---------------------------------------------------------------- panoramisk wiring
def to_message(item: AmiEvent | Response) -> Message:
    """A panoramisk Message for a parsed frame (repeated keys as lists, as panoramisk does)."""
    headers: dict[str, str | list[str]] = {}
    for key, value in item.frame.fields:
        if key in headers:
            previous = headers[key]
            headers[key] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            headers[key] = value
    message = Message(headers)
    message.typed = item
    return message


class BridgeProtocol(AMIProtocol):
    """panoramisk's protocol with our reader in front: bounded frames, every skip reported."""

    def __init__(self, bridge: Bridge) -> None:
        super().__init__()
        self._bridge = bridge
        self._reader = EventReader()

    def data_received(self, data: bytes) -> None:
        self._bridge.handle_items(self, self._reader.feed(data))

    def connection_lost(self, exc: Exception | None) -> None:
        self._bridge.handle_items(self, self._reader.close())
        self._bridge.lost_connection(self)
        super().connection_lost(exc)


class BridgeManager(Manager):
    """panoramisk's Manager, with our reconnect delay and an end to reconnecting on shutdown."""

    def __init__(self, bridge: Bridge, **config) -> None:
        super().__init__(**config)
        self._bridge = bridge
        self.closing = False

    def connect(self, *args, **kwargs):
        if self.closing:
            return None
        return super().connect(*args, **kwargs)

    def connection_made(self, f) -> None:
        error = None if f.cancelled() else f.exception()
        if self.closing:
            if not f.cancelled() and error is None:
                f.result()[0].close()
            return
        if f.cancelled() or error is not None:
            self.reconnect_timeout = self._bridge.next_reconnect_delay()
            log.warning(
                "cannot reach AMI",
                extra={"error": repr(error), "retry_in_s": round(self.reconnect_timeout, 2)},
            )
            if not isinstance(error, OSError):  # panoramisk would not retry these
                self.loop.call_later(self.reconnect_timeout, self.connect)
                return
        super().connection_made(f)

    def connection_lost(self, exc) -> None:
        if self.closing:
            self._connected = False
            return
        self.reconnect_timeout = self._bridge.next_reconnect_delay()
        super().connection_lost(exc)

    def login(self, future):
        if not future.cancelled() and future.exception() is None:
            response = future.result()
            if not response.success:
                log.error(
                    "AMI refused the login",
                    extra={"username": self.config.get("username"),
                           "ami_message": response.message},
                )
        elif not future.cancelled():
            return False
        return super().login(future)

    def ping(self) -> None:
        """panoramisk's own ping never checks the answer; the bridge runs its own."""


# --------------------------------------------------------------------------- bridge
class Bridge:
    """Asterisk's view of every call, mirrored into `calls`; see the module docstring."""

    def __init__(
        self,
        settings: BridgeSettings,
        *,
        metrics: Metrics | None = None,
        on_commit: Callable[[list[CallRow], list[float]], None] | None = None,
    ) -> None:
        self.settings = settings
        self.metrics = metrics or Metrics()
        self.model = CallModel(settings.model_config())
        self.store = CallStore(
            settings.database_url,
            settings.store_config(),
            metrics=self.metrics,
            on_commit=on_commit,
        )
        self.manager: BridgeManager | None = None
        self.logins = 0
        self.reconciliations = 0
        self._logged_in = False
        self._reconnect_failures = 0
        self._pending_times: dict[str, list[float]] = defaultdict(list)
        self._births: set[str] = set()  # calls whose first channel we saw created
        # Channels heard of while a CoreShowChannels is under way: alive, listed or not (a
        # channel created after Asterisk's snapshot can speak before the list ends).
        self._reconcile_watch: set[str] | None = None
        self._latest_event = 0.0
        self._log_budget: dict[str, tuple[float, int]] = {}
        self._unmodelled_names: set[str] = set()
        self._tasks: list[asyncio.Task] = []
        self._reconcile_lock = asyncio.Lock()
        self._originate_lock = asyncio.Lock()
        self._originate_futures: set[asyncio.Future] = set()
        self._background: set[asyncio.Task] = set()
        # Legs whose StopMixMonitor is under way or was answered ok: never sent twice.
        self._stopped_legs: OrderedDict[str, None] = OrderedDict()
        self._stopping = False

    # ---------------------------------------------------------------- lifecycle
    async def run(self, stop: asyncio.Event) -> int:
        """Run until `stop` is set; then flush. 0 when every row was written."""
        loop = asyncio.get_running_loop()
        s = self.settings
        self.manager = BridgeManager(
            self,
            host=s.ami_host,
            port=s.ami_port,
            username=s.ami_username,
            secret=s.ami_secret,
            loop=loop,
            protocol_factory=lambda: BridgeProtocol(self),
            reconnect_timeout=s.reconnect_min_s,
            forgetable_actions=("ping", "login", "coreshowchannels", "originate"),
            on_login=self._on_login,
            log=logging.getLogger("workers.ami_bridge.ami"),
        )
        log.info(
            "AMI bridge starting",
            extra={"ami": f"{s.ami_host}:{s.ami_port}", "batch_size": s.batch_size,
                   "flush_delay_ms": s.flush_delay_ms},
        )
        self._tasks = [
            self.store.start(),
            asyncio.create_task(self._keepalive(), name="keepalive"),
            asyncio.create_task(self._housekeeping(), name="housekeeping"),
        ]
        if s.originate_enabled:
            self._tasks.append(asyncio.create_task(self._originate_listener(), name="originate"))
        if s.recording_stop_enabled:
            self._tasks.append(
                asyncio.create_task(self._recording_stop_listener(), name="recording-stop")
            )
        self.manager.connect()
        await stop.wait()
        return await self.shutdown()

    async def shutdown(self) -> int:
        self._stopping = True
        log.info("AMI bridge stopping: flushing", extra={"buffered": self.store.backlog})
        if self.manager is not None:
            self.manager.closing = True
            self.manager.close()
        self._logged_in = False
        self._collect()
        others = [t for t in [*self._tasks, *self._background] if t is not self.store.task]
        for task in others:
            task.cancel()
        await asyncio.gather(*others, return_exceptions=True)
        flushed = await self.store.close(self.settings.shutdown_timeout_s)
        log.info("AMI bridge stopped", extra={"all_written": flushed, **self.store.stats})
        return 0 if flushed else 1

    @property
    def logged_in(self) -> bool:
        return self._logged_in

    def next_reconnect_delay(self) -> float:
        self._reconnect_failures += 1
        s = self.settings
        exponent = min(self._reconnect_failures - 1, 16)
        delay = min(s.reconnect_max_s, s.reconnect_min_s * 2**exponent)
        return delay * (0.5 + random.random() / 2)  # noqa: S311 - jitter, not secrets

    def lost_connection(self, protocol: BridgeProtocol) -> None:
        if self.manager is not None and self.manager.protocol not in (None, protocol):
            return  # an old connection closing after a new one was made
        if self._logged_in:
            log.warning("AMI connection lost")
        self._logged_in = False
        self.metrics.connected.set(0)
        for future in list(self._originate_futures):
            if not future.done():
                future.set_exception(ConnectionError("AMI connection lost"))

    def _on_login(self, manager: Manager) -> None:
        self.logins += 1
        self._logged_in = True
        self._reconnect_failures = 0
        manager.reconnect_timeout = self.settings.reconnect_min_s
        self.metrics.connected.set(1)
        if self.logins > 1:
            self.metrics.reconnects.inc()
        log.info("logged in to AMI", extra={"logins": self.logins,
                                            "version": getattr(manager.protocol, "version", None)})
        self._spawn(self._reconcile(), "reconcile")
        if self.settings.originate_enabled:
            self._spawn(self._pick_originates(), "originate-pick")

    def _spawn(self, coro, name: str) -> None:
        task = asyncio.create_task(coro, name=name)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    # --------------------------------------------------------------- the stream
    def handle_items(self, protocol: BridgeProtocol, items: Iterable[Item]) -> None:
        """Everything one read produced: route it, then hand the changed rows to the store."""
        model, times, births = self.model, self._pending_times, self._births
        watch = self._reconcile_watch
        seen = 0
        for item in items:
            if isinstance(item, AmiEvent):
                seen += 1
                if watch is not None:
                    if isinstance(item, ChannelEvent):
                        watch.add(item.channel.uniqueid)
                    elif isinstance(item, DialEvent):
                        watch.add(item.dest.uniqueid)
                        if item.caller is not None:
                            watch.add(item.caller.uniqueid)
                action_id = item.frame.get("ActionID")
                if action_id and action_id in protocol.responses:
                    protocol.handle_message(to_message(item))
                if isinstance(item, CoreShowChannelsComplete | OriginateResponse):
                    continue
                if isinstance(item, OtherEvent):
                    self._unmodelled(item.name)
                    continue
                linkedid = model.apply(item)
                if linkedid is not None:
                    times[linkedid].append(item.time)
                    if item.timestamped and item.time > self._latest_event:
                        self._latest_event = item.time
                    if isinstance(item, Newchannel) and item.channel.uniqueid == linkedid:
                        births.add(linkedid)
            elif isinstance(item, Response):
                protocol.handle_message(to_message(item))
            elif isinstance(item, Malformed):
                self._malformed(item)
            elif isinstance(item, Greeting):
                protocol.version = item.version
        if seen:
            self.metrics.events.inc(seen)
        self._collect()

    def _collect(self) -> None:
        rows = self.model.take_changed()
        times = self._pending_times
        for row in rows:
            self.store.add(
                row,
                partial=row.pbx_linkedid not in self._births,
                event_times=times.pop(row.pbx_linkedid, ()),
            )
        times.clear()  # events that changed no row have nothing to wait for

    def _unmodelled(self, name: str) -> None:
        if name not in self._unmodelled_names and len(self._unmodelled_names) < 1000:
            self._unmodelled_names.add(name)
            log.info("AMI event not modelled: skipped (said once per name)",
                     extra={"event": name})

    def _malformed(self, item: Malformed) -> None:
        self.metrics.malformed.labels(item.reason).inc()
        # At most 10 log lines per reason and minute: garbage must not flood the logs.
        now = time.monotonic()
        window, count = self._log_budget.get(item.reason, (now, 0))
        if now - window > 60:
            window, count = now, 0
        self._log_budget[item.reason] = (window, count + 1)
        if count < 10:
            log.warning(
                "skipped malformed AMI input",
                extra={"reason": item.reason, "detail": item.detail[:200],
                       "sample": item.sample.decode("utf-8", "replace")},
            )

    # ---------------------------------------------------------------- actions
    async def _action(self, action: dict, timeout: float):
        if self.manager is None or not self._logged_in:
            raise ConnectionError("not logged in to AMI")
        return await asyncio.wait_for(self.manager.send_action(action), timeout)

    async def _keepalive(self) -> None:
        s = self.settings
        while True:
            await asyncio.sleep(s.ping_interval_s)
            if not self._logged_in or self.manager is None:
                continue
            protocol = self.manager.protocol
            try:
                await self._action({"Action": "Ping"}, s.ping_timeout_s)
            except (TimeoutError, ConnectionError):
                if self._logged_in and self.manager.protocol is protocol:
                    log.warning("AMI did not answer a ping in time: reconnecting",
                                extra={"timeout_s": s.ping_timeout_s})
                    protocol.transport.abort()

    async def _reconcile(self) -> None:
        """Close what Asterisk no longer has: in the model, then in `calls`."""
        async with self._reconcile_lock:
            self._reconcile_watch = set()
            try:
                answer = await self._action(
                    {"Action": "CoreShowChannels"}, self.settings.action_timeout_s
                )
            except (TimeoutError, ConnectionError) as error:
                log.warning("CoreShowChannels failed; reconcile later",
                            extra={"error": repr(error)})
                return
            finally:
                heard, self._reconcile_watch = self._reconcile_watch, None
            messages = answer if isinstance(answer, list) else [answer]
            if not messages or not messages[0].success:
                log.warning("CoreShowChannels refused", extra={"ami_message": messages[0].message})
                return
            listed = [
                m.typed for m in messages if isinstance(getattr(m, "typed", None), CoreShowChannel)
            ]
            at = time.time()
            live = {event.channel.uniqueid for event in listed} | heard
            live_calls = {event.channel.linkedid for event in listed}
            closed = self.model.reconcile(live, at)
            self._collect()
            if closed:
                self.metrics.reconciled.labels("model").inc(len(closed))
                log.info("closed calls Asterisk no longer has", extra={"linkedids": closed})
            try:
                gone = await self.store.close_missing(
                    lambda: live_calls | set(self.model.open_calls()), at
                )
            except psycopg.Error as error:
                log.warning("could not reconcile open calls in the database",
                            extra={"error": str(error).strip()[:300]})
                return
            if gone:
                self.metrics.reconciled.labels("database").inc(len(gone))
                log.info("closed calls that ended while the bridge was away",
                         extra={"linkedids": gone})
            self.reconciliations += 1
            log.info("reconciled with Asterisk",
                     extra={"live_channels": len(live), "open_calls": len(self.model.open_calls())})

    async def _housekeeping(self) -> None:
        s = self.settings
        last_evict = last_reconcile = time.monotonic()
        while True:
            await asyncio.sleep(1.0)
            self.metrics.buffered_rows.set(self.store.backlog)
            self.metrics.open_calls.set(len(self.model.open_calls()))
            now = time.monotonic()
            if now - last_evict >= 30:
                last_evict = now
                # Event time, not the wall clock: replays and a PBX clock off by minutes are fine.
                reference = self._latest_event or time.time()
                gone = self.model.evict(before=reference - s.evict_after_s)
                self._births.difference_update(gone)
            if self._logged_in and now - last_reconcile >= s.reconcile_interval_s:
                last_reconcile = now
                await self._reconcile()

    # ---------------------------------------------------------------- database listeners
    async def _listen(
        self,
        name: str,
        channel: str,
        timeout: float,
        on_connect: Callable[[psycopg.AsyncConnection], Awaitable[None]],
        on_wake: Callable[[psycopg.AsyncConnection, list[str]], Awaitable[None]],
    ) -> None:
        """Keep a LISTEN connection for one of the bridge's database-driven loops, forever.

        On each (re)connection on_connect runs (to catch up on what was missed while away);
        then on_wake after each notification, or after `timeout` seconds without one (with no
        payloads). A connection that cannot be opened is retried with jittered backoff; one that
        is lost is opened again.
        """
        s = self.settings
        failures = 0
        while True:
            try:
                conn = await psycopg.AsyncConnection.connect(
                    s.database_url, autocommit=True, application_name=f"ami_bridge.{name}",
                    connect_timeout=5,
                )
            except psycopg.Error as error:
                failures += 1
                delay = min(s.reconnect_max_s, s.reconnect_min_s * 2 ** min(failures, 10))
                log.warning(f"{name} listener cannot reach the database",
                            extra={"error": str(error).strip()[:300], "retry_in_s": delay})
                await asyncio.sleep(delay * (0.5 + random.random() / 2))  # noqa: S311
                continue
            failures = 0
            try:
                async with conn:
                    await conn.execute(f"listen {channel}")
                    await on_connect(conn)
                    while True:
                        payloads = [
                            notify.payload
                            async for notify in conn.notifies(timeout=timeout, stop_after=1)
                        ]
                        await on_wake(conn, payloads)
            except psycopg.Error as error:
                if not database.is_disconnect(error):
                    log.exception(f"{name} listener failed")
                await asyncio.sleep(s.reconnect_min_s)

    # ---------------------------------------------------------------- originate
    async def _originate_listener(self) -> None:
        """LISTEN for wake-ups; take queued requests on each one and every poll interval."""

        async def on_connect(_conn: psycopg.AsyncConnection) -> None:
            await self._fail_stale_originates()
            await self._pick_originates()

        async def on_wake(_conn: psycopg.AsyncConnection, _payloads: list[str]) -> None:
            await self._pick_originates()

        await self._listen("originate", ORIGINATE_CHANNEL, self.settings.originate_poll_s,
                           on_connect, on_wake)

    async def _fail_stale_originates(self) -> None:
        older = self.settings.originate_timeout_s + self.settings.action_timeout_s + 60
        try:
            stale = await self.store.fail_stale_originates(older)
        except psycopg.Error as error:
            log.warning("could not sweep stale originates", extra={"error": str(error)[:300]})
            return
        if stale:
            self.metrics.originates.labels("failed").inc(len(stale))
            log.warning("originate requests left without a result were failed",
                        extra={"request_ids": stale})

    async def _pick_originates(self) -> None:
        if not self._logged_in or self._stopping:
            return
        async with self._originate_lock:
            try:
                picked = await self.store.pick_originates(10, self.settings.originate_max_age_s)
            except psycopg.Error as error:
                log.warning("could not take originate requests", extra={"error": str(error)[:300]})
                return
            for request in picked:
                if request.status == "expired":
                    self.metrics.originates.labels("expired").inc()
                    continue
                self._spawn(self._originate(request), f"originate-{request.id}")

    async def _originate(self, request: OriginateRequest) -> None:
        s = self.settings
        variables = [f"CRM_ORIGINATE_ID={request.id}"]
        if request.call_id:
            variables.insert(0, f"CRM_CALL_ID={request.call_id}")
        action = {
            "Action": "Originate",
            "ActionID": f"crm-originate/{request.id}",
            "Channel": s.originate_channel.format(extension=request.agent_extension),
            "Context": s.originate_context,
            "Exten": request.phone,
            "Priority": "1",
            "CallerID": f'"{request.phone}" <{request.phone}>',
            "Timeout": str(int(s.originate_timeout_s * 1000)),
            "Async": "true",
            "Variable": variables,
        }
        status, reason, text, channel, uniqueid = "failed", None, None, None, None
        try:
            if self.manager is None or not self._logged_in:
                raise ConnectionError("not logged in to AMI")
            future = self.manager.send_action(action)
            self._originate_futures.add(future)
            try:
                answer = await asyncio.wait_for(
                    asyncio.shield(future), s.originate_timeout_s + s.action_timeout_s
                )
            finally:
                self._originate_futures.discard(future)
            messages = answer if isinstance(answer, list) else [answer]
            final = messages[-1]
            typed = getattr(final, "typed", None)
            if isinstance(typed, OriginateResponse):
                reason, channel, uniqueid = typed.reason, typed.channel, typed.uniqueid
                if typed.response.lower() == "success":
                    status, text = "answered", ORIGINATE_REASONS.get(4)
                else:
                    text = ORIGINATE_REASONS.get(reason if reason is not None else 0, "failed")
            else:
                text = f"Asterisk: {final.message or final.response or 'no answer'}"
        except TimeoutError:
            text = "no result from Asterisk in time; not retried (never ring the agent twice)"
        except ConnectionError:
            text = "AMI connection lost before the result; not retried (never ring the agent twice)"
        try:
            await self.store.finish_originate(
                request.id, status=status, reason=reason, text=text, channel=channel,
                uniqueid=uniqueid,
            )
        except psycopg.Error as error:
            log.error("could not record an originate result",
                      extra={"request_id": request.id, "status": status,
                             "error": str(error).strip()[:300]})
            return
        self.metrics.originates.labels(status).inc()
        log.info("originate finished", extra={"request_id": request.id, "status": status,
                                              "result": text, "channel": channel})

    # ----------------------------------------------------------- recording stop
    async def _recording_stop_listener(self) -> None:
        """LISTEN for refusals of recording; stop the refused calls' MixMonitors at once."""

        async def on_wake(conn: psycopg.AsyncConnection, payloads: list[str]) -> None:
            if payloads:
                await self._stop_refused_recordings(conn, payloads)
            else:
                await conn.execute("select 1")  # a dead connection is found, not waited on

        # Refusals notified while the connection was down are lost: the sweep looks again.
        await self._listen("recording_stop", RECORDING_STOP_CHANNEL, RECORDING_STOP_IDLE_CHECK_S,
                           self._sweep_refused_recordings, on_wake)

    async def _sweep_refused_recordings(self, conn: psycopg.AsyncConnection) -> None:
        stopped = self._stopped_legs
        recording = [
            linkedid
            for linkedid in self.model.open_calls()
            if any(uid not in stopped for uid, _ in self.model.recording_legs(linkedid) or ())
        ]
        if not recording:
            return
        cursor = await conn.execute(REFUSED_LIVE_CALLS_SQL, (recording,))
        call_ids = [call_id for (call_id,) in await cursor.fetchall()]
        if call_ids:
            log.info("live calls whose lead refused recording while the listener was away",
                     extra={"call_ids": call_ids})
            await self._stop_refused_recordings(conn, call_ids)

    async def _stop_refused_recordings(
        self, conn: psycopg.AsyncConnection, payloads: list[str]
    ) -> None:
        call_ids: list[str] = []
        for payload in dict.fromkeys(payloads):
            try:
                call_ids.append(str(uuid.UUID(payload)))
            except ValueError:
                log.warning("ignoring a recording_stop notification that is not a call id",
                            extra={"payload": payload[:100]})
        if not call_ids:
            return
        cursor = await conn.execute(REFUSED_CALLS_SQL, (call_ids,))
        found = {row[0]: row for row in await cursor.fetchall()}
        for call_id in call_ids:
            row = found.get(call_id)
            if row is None:
                self.metrics.recording_stops.labels("not_found").inc()
                log.info("recording stop: no such call", extra={"call_id": call_id})
                continue
            _, linkedid, consent, _status = row
            if consent is not False:
                log.info("recording stop: consent is no longer refused; recording left alone",
                         extra={"call_id": call_id})
                continue
            self._stop_call_recording(call_id, linkedid)

    def _stop_call_recording(self, call_id: str, linkedid: str | None) -> None:
        legs = self.model.recording_legs(linkedid) if linkedid else None
        if legs is None:
            self.metrics.recording_stops.labels("not_found").inc()
            log.info("recording stop: the call is not live here; nothing to stop",
                     extra={"call_id": call_id, "linkedid": linkedid})
            return
        legs = [(uid, channel) for uid, channel in legs if uid not in self._stopped_legs]
        if not legs:
            self.metrics.recording_stops.labels("not_found").inc()
            log.info("recording stop: no leg of the call is recording",
                     extra={"call_id": call_id, "linkedid": linkedid})
            return
        for uniqueid, channel in legs:
            self._stopped_legs[uniqueid] = None
            while len(self._stopped_legs) > STOPPED_LEGS_KEPT:
                self._stopped_legs.popitem(last=False)
            self._spawn(
                self._stop_mixmonitor(call_id, uniqueid, channel), f"stop-mixmonitor-{uniqueid}"
            )

    async def _stop_mixmonitor(self, call_id: str, uniqueid: str, channel: str) -> None:
        """One StopMixMonitor; every outcome is counted and logged, none is raised."""
        result, detail = "failed", None
        try:
            answer = await self._action(
                {"Action": "StopMixMonitor", "Channel": channel}, self.settings.action_timeout_s
            )
            message = answer[0] if isinstance(answer, list) else answer
            if message.success:
                result = "ok"
            else:
                detail = f"Asterisk: {message.message or message.response or 'no answer'}"
        except (TimeoutError, ConnectionError) as error:
            detail = repr(error)
        except Exception as error:  # a bug here must not take the bridge down
            log.exception("StopMixMonitor failed unexpectedly",
                          extra={"call_id": call_id, "channel": channel})
            detail = repr(error)
        self.metrics.recording_stops.labels(result).inc()
        if result == "ok":
            log.info("recording stopped: the lead refused it",
                     extra={"call_id": call_id, "channel": channel})
        else:
            self._stopped_legs.pop(uniqueid, None)  # a later wake-up or sweep may try again
            log.warning("could not stop a refused recording; the recordings worker will discard it",
                        extra={"call_id": call_id, "channel": channel, "error": detail})
