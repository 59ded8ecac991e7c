"""The running bridge: AMI in, the model in the middle, `calls` out; originate and recording stop.

One asyncio loop owns everything (see the package docstring for why asyncio and panoramisk):
- `ami.BridgeProtocol` feeds every byte to `events.EventReader`; call events go to the model,
  malformed input is counted and logged (rate-limited), never fatal. After each read, the
  model's changed rows go to the store, which batches them into `calls`.
- The Manager (workers/common/ami.py) reconnects with our backoff; the session's keepalive
  pings and closes the connection when the answer does not come in time (a half-open TCP
  connection is otherwise never noticed).
- After every login: CoreShowChannels, then `model.reconcile` (the model's channels Asterisk no
  longer lists are closed) and `store.close_missing` (calls mirrored as open that neither
  Asterisk nor the model knows are closed: they ended while the bridge was away). Repeated
  every `reconcile_interval_s`.
- Two database loops, each an AsyncWorkerLoop with its own LISTEN connection:
  `originate.Originator` (click-to-call requests) and `recording_stop.RecordingStopper`
  (StopMixMonitor when a lead refuses recording mid-call).
- SIGTERM (wired in `__main__`): stop reading AMI, flush the store, exit 0. A loop of the
  bridge that ends on its own is a bug: it is logged and the bridge stops with exit status 1,
  as every worker does (workers/common/supervisor.py).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from collections.abc import Callable, Coroutine, Iterable
from typing import Any

import psycopg
from panoramisk import Manager

from workers.ami_bridge.ami import BridgeProtocol, to_message
from workers.ami_bridge.events import (
    AmiEvent,
    ChannelEvent,
    CoreShowChannel,
    CoreShowChannelsComplete,
    DialEvent,
    Greeting,
    Item,
    Malformed,
    Newchannel,
    OriginateResponse,
    OtherEvent,
    Response,
)
from workers.ami_bridge.model import CallModel, CallRow
from workers.ami_bridge.originate import Originator
from workers.ami_bridge.recording_stop import RecordingStopper
from workers.ami_bridge.settings import BridgeSettings
from workers.ami_bridge.store import CallStore
from workers.ami_bridge.telemetry import Metrics
from workers.common.ami import AmiSession, MalformedLog, ReconnectingManager
from workers.common.supervisor import EXIT_FAILED, EXIT_OK

log = logging.getLogger("workers.ami_bridge")

__all__ = ["Bridge", "BridgeSettings", "Metrics"]


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
        self.session = AmiSession(log)
        self.originator = Originator(settings, self.metrics, self.store, self.session)
        self.recording_stopper = RecordingStopper(settings, self.metrics, self.model,
                                                  self.session)
        self.logins = 0
        self.reconciliations = 0
        self._pending_times: dict[str, list[float]] = defaultdict(list)
        self._births: set[str] = set()  # calls whose first channel we saw created
        # Channels heard of while a CoreShowChannels is under way: alive, listed or not (a
        # channel created after Asterisk's snapshot can speak before the list ends).
        self._reconcile_watch: set[str] | None = None
        self._latest_event = 0.0
        self._malformed = MalformedLog(log, self.metrics.malformed)
        self._unmodelled_names: set[str] = set()
        self._tasks: list[asyncio.Task] = []
        self._reconcile_lock = asyncio.Lock()
        self._background: set[asyncio.Task] = set()

    @property
    def manager(self) -> ReconnectingManager | None:
        return self.session.manager

    @property
    def logged_in(self) -> bool:
        return self.session.logged_in

    # ---------------------------------------------------------------- lifecycle
    async def run(self, stop: asyncio.Event) -> int:
        """Run until `stop` is set; then flush. 0 when every row was written, 1 otherwise or
        when one of the bridge's loops ended on its own."""
        loop = asyncio.get_running_loop()
        s = self.settings
        self.session.manager = ReconnectingManager(
            reconnect_min_s=s.reconnect_min_s,
            reconnect_max_s=s.reconnect_max_s,
            host=s.ami_host,
            port=s.ami_port,
            username=s.ami_username,
            secret=s.ami_secret,
            loop=loop,
            protocol_factory=lambda: BridgeProtocol(self.handle_items, self.lost_connection),
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
            asyncio.create_task(
                self.session.keepalive(s.ping_interval_s, s.ping_timeout_s), name="keepalive"
            ),
            asyncio.create_task(self._housekeeping(), name="housekeeping"),
        ]
        if s.originate_enabled:
            self._tasks.append(asyncio.create_task(self.originator.run(), name="originate"))
        if s.recording_stop_enabled:
            self._tasks.append(
                asyncio.create_task(self.recording_stopper.run(), name="recording-stop")
            )
        self.session.manager.connect()
        stopping = asyncio.create_task(stop.wait(), name="stop")
        done, _ = await asyncio.wait([stopping, *self._tasks], return_when=asyncio.FIRST_COMPLETED)
        died = [task for task in done if task is not stopping]
        for task in died:
            error = None if task.cancelled() else task.exception()
            log.error("a loop of the bridge ended unexpectedly; stopping",
                      extra={"loop": task.get_name(), "error": repr(error)})
        stopping.cancel()
        flushed = await self.shutdown()
        return EXIT_FAILED if died else flushed

    async def shutdown(self) -> int:
        self.originator.stopping = True
        log.info("AMI bridge stopping: flushing", extra={"buffered": self.store.backlog})
        if self.session.manager is not None:
            self.session.manager.closing = True
            self.session.manager.close()
        self.session.logged_in = False
        self._collect()
        others = [t for t in [*self._tasks, *self._background] if t is not self.store.task]
        for task in others:
            task.cancel()
        await asyncio.gather(*others, self.originator.stop(), self.recording_stopper.stop(),
                             return_exceptions=True)
        flushed = await self.store.close(self.settings.shutdown_timeout_s)
        log.info("AMI bridge stopped", extra={"all_written": flushed, **self.store.stats})
        return EXIT_OK if flushed else EXIT_FAILED

    def lost_connection(self, protocol: BridgeProtocol) -> None:
        manager = self.session.manager
        if manager is not None and manager.protocol not in (None, protocol):
            return  # an old connection closing after a new one was made
        if self.session.logged_in:
            log.warning("AMI connection lost")
        self.session.logged_in = False
        self.metrics.connected.set(0)
        self.originator.connection_lost()

    def _on_login(self, manager: Manager) -> None:
        self.logins += 1
        self.session.logged_in = True
        self.metrics.connected.set(1)
        if self.logins > 1:
            self.metrics.reconnects.inc()
        log.info("logged in to AMI", extra={"logins": self.logins,
                                            "version": getattr(manager.protocol, "version", None)})
        self._spawn(self._reconcile(), "reconcile")
        if self.settings.originate_enabled:
            self._spawn(self.originator.pick(), "originate-pick")

    def _spawn(self, coro: Coroutine[Any, Any, None], name: str) -> None:
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

    # ---------------------------------------------------------------- AMI housekeeping
    async def _reconcile(self) -> None:
        """Close what Asterisk no longer has: in the model, then in `calls`."""
        async with self._reconcile_lock:
            self._reconcile_watch = set()
            try:
                answer = await self.session.action(
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
            if self.session.logged_in and now - last_reconcile >= s.reconcile_interval_s:
                last_reconcile = now
                await self._reconcile()
