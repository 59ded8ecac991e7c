"""The running dialer: ticks, AMI events to lines, the connect-or-abandon race, LISTEN, shutdown.

One asyncio loop owns every line and session (no locks between threads; a per-line
asyncio.Lock keeps one line's events in arrival order while the database answers). The package
docstring tells the flow and the crash story; README.md the dialplan it assumes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any, TypeVar

import psycopg

from workers.common import database
from workers.common.ami import (
    AmiSession,
    Frame,
    Greeting,
    Malformed,
    MalformedLog,
    ReconnectingManager,
)
from workers.common.loop import AsyncWorkerLoop
from workers.common.supervisor import EXIT_FAILED, EXIT_OK
from workers.dialer.ami import FORGETTABLE, DialerProtocol, Item
from workers.dialer.campaigns import OFF, CampaignPacing, pacing_settings
from workers.dialer.lines import (
    AMD_STATUSES,
    CAUSE_RESULTS,
    FINAL_STATUSES,
    ORIGINATE_REASONS,
    PACER_RESULTS,
    UUID,
    AgentSession,
    Line,
    amd_result,
    dial_number,
)
from workers.dialer.settings import DialerSettings
from workers.dialer.store import Db, DialerStore
from workers.dialer.telemetry import Metrics

log = logging.getLogger("workers.dialer")
T = TypeVar("T")

CONTEXT_LEAD = "crm-dialer"
CONTEXT_CONNECT = "crm-dialer-connect"
CONTEXT_ABANDON = "crm-dialer-abandon"
CONTEXT_AGENT = "crm-dialer-agent"
LEAD_CONTEXTS = frozenset({CONTEXT_LEAD, CONTEXT_CONNECT, CONTEXT_ABANDON})
MIN_RING_S = 15
"""FTC/FCC: ring at least 15 s before giving up on an answer."""
HANGUP_GRACE_S = 2.0
SESSION_REASONS = {0: "failed", 1: "hangup", 3: "no_answer", 5: "busy", 8: "congestion"}


def _now() -> datetime:
    return datetime.now(UTC)


class Listener(AsyncWorkerLoop):
    """LISTEN `dialer`: agents' hang-ups and sessions, campaigns paused or switched; it also
    polls the session requests (a notification is only a wake-up)."""

    name = "dialer.listen"
    channel = "dialer"

    def __init__(self, dialer: Dialer) -> None:
        s = dialer.settings
        super().__init__(s.database_url, retry_min=s.reconnect_min_s, retry_max=s.reconnect_max_s)
        self.dialer = dialer
        self._polled = 0.0

    async def on_connect(self) -> None:
        self._polled = 0.0  # what was requested while we were away
        log.info("listening for dialer notifications")

    async def step(self) -> float:
        for payload in self.take_notifications():
            await self.dialer.on_notification(payload)
        s = self.dialer.settings
        if time.monotonic() - self._polled >= s.session_poll_s or self.dialer.sessions_due:
            self.dialer.sessions_due = False
            self._polled = time.monotonic()
            await self.dialer.poll_sessions()
        return s.session_poll_s


class Dialer:
    """See the module docstring."""

    def __init__(self, settings: DialerSettings, *, metrics: Metrics | None = None) -> None:
        self.settings = settings
        self.metrics = metrics or Metrics()
        self.worker = settings.worker_id
        self.session = AmiSession(log)
        self.tick_db = Db(settings.database_url, "dialer")
        self.line_db = Db(settings.database_url, "dialer.lines")
        self.ticks = DialerStore(self.tick_db, self.worker)
        self.store = DialerStore(self.line_db, self.worker)
        self.listener = Listener(self)
        self.lines: dict[str, Line] = {}
        self.sessions: dict[str, AgentSession] = {}
        self.by_action: dict[str, Line | AgentSession] = {}
        self.campaigns: dict[str, CampaignPacing] = {}
        self.stopping = False
        self.sessions_due = True
        self.logins = 0
        self.login_mono = 0.0
        self._campaigns_at = float("-inf")
        self._background: set[asyncio.Task] = set()
        self._malformed = MalformedLog(log, self.metrics.malformed)

    # ------------------------------------------------------------------ lifecycle
    async def run(self, stop: asyncio.Event) -> int:
        """Until `stop` is set: 0 after a clean stop, 1 when a loop died or the release failed."""
        s = self.settings
        self.session.manager = ReconnectingManager(
            reconnect_min_s=s.reconnect_min_s, reconnect_max_s=s.reconnect_max_s,
            host=s.ami_host, port=s.ami_port,
            username=s.ami_username, secret=s.ami_secret, loop=asyncio.get_running_loop(),
            protocol_factory=lambda: DialerProtocol(self.handle_items, self.lost_connection),
            forgetable_actions=FORGETTABLE,
            on_login=self._on_login, log=logging.getLogger("workers.dialer.ami"))
        log.info("dialer starting", extra={"worker": self.worker,
                                           "ami": f"{s.ami_host}:{s.ami_port}"})
        if not await self._start_release(stop):
            return EXIT_OK
        loops = [asyncio.create_task(self._forever(self.tick, s.tick_s), name="ticks"),
                 asyncio.create_task(self._forever(self.housekeeping, 0.25), name="housekeeping"),
                 asyncio.create_task(self._forever(self.sweep, max(1.0, s.stale_worker_s / 4)),
                                     name="sweep"),
                 asyncio.create_task(self.session.keepalive(s.ping_interval_s, s.ping_timeout_s),
                                     name="keepalive"),
                 asyncio.create_task(self.listener.run(), name="listen")]
        self.session.manager.connect()
        stopping = asyncio.create_task(stop.wait(), name="stop")
        done, _ = await asyncio.wait([stopping, *loops], return_when=asyncio.FIRST_COMPLETED)
        died = [task for task in done if task is not stopping]
        for task in died:
            error = None if task.cancelled() else task.exception()
            log.error("a loop of the dialer ended unexpectedly; stopping",
                      extra={"loop": task.get_name(), "error": repr(error)})
        stopping.cancel()
        released = await self.shutdown(loops)
        return EXIT_FAILED if died or not released else EXIT_OK

    async def _start_release(self, stop: asyncio.Event) -> bool:
        """What this worker (or a dead one) left in flight, settled before the first call."""
        failures = 0
        while not stop.is_set():
            try:
                fixed = await self.store.release(self.settings.stale_worker_s)
            except psycopg.Error as error:
                failures += 1
                delay = database.backoff(failures, self.settings.reconnect_min_s, 10.0)
                log.warning("cannot release what an earlier run left; retrying",
                            extra={"error": str(error).strip()[:300], "retry_in_s": delay})
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), delay)
                continue
            log.info("released what an earlier run left", extra={"rows": fixed})
            return True
        return False

    async def sweep(self) -> None:
        """What a dead dialer under another name left (a restart under a new host:pid): its
        lines and claims, once unchanged for STALE_WORKER_S. Released under a name that holds
        nothing, so this dialer's own lines (all younger than that) are never touched."""
        fixed = await self.ticks.release(self.settings.stale_worker_s,
                                         worker=f"{self.worker}/sweep")
        if fixed:
            log.warning("released what a silent dialer left", extra={"rows": fixed})

    async def shutdown(self, loops: list[asyncio.Task]) -> bool:
        """Stop placing; let the lines in flight end (up to SHUTDOWN_TIMEOUT_S); release."""
        self.stopping = True
        s = self.settings
        deadline = time.monotonic() + s.shutdown_timeout_s
        while (any(line.in_progress for line in self.lines.values())
               and self.session.logged_in and time.monotonic() < deadline):
            await asyncio.sleep(0.1)
        left = [line for line in self.lines.values() if line.in_progress]
        for line in left:
            await self._hangup(line.target)  # released below: never leave a lead ringing
        log.info("dialer stopping", extra={"lines_left": len(left)})
        for task in loops:
            task.cancel()
        await asyncio.gather(*loops, return_exceptions=True)
        if self._background:
            await asyncio.wait(list(self._background), timeout=5)
        released = True
        try:
            fixed = await self.store.release(None)
            log.info("released this dialer's lines", extra={"rows": fixed})
        except psycopg.Error as error:
            released = False
            log.error("could not release this dialer's lines; the next start will",
                      extra={"error": str(error).strip()[:300]})
        manager = self.session.manager
        if manager is not None:
            manager.closing = True
            manager.close()
        self.session.logged_in = False
        for db in (self.tick_db, self.line_db):
            await db.close()
        return released

    async def _forever(self, step: Callable[[], Awaitable[None]], every: float) -> None:
        """A step every `every` seconds; its errors are logged and the next step comes."""
        while True:
            started = time.monotonic()
            try:
                await step()
            except Exception as error:
                name = getattr(step, "__name__", "step")
                self.metrics.errors.labels(name).inc()
                if database.is_disconnect(error):
                    log.warning("database connection lost", extra={
                        "loop": name, "error": str(error).strip()[:300]})
                else:
                    log.exception("dialer step failed", extra={"loop": name})
            await asyncio.sleep(max(0.0, every - (time.monotonic() - started)))

    def _spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> None:
        task = asyncio.create_task(coro, name=name)
        self._background.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task) -> None:
        self._background.discard(task)
        if not task.cancelled() and task.exception() is not None:
            error = task.exception()
            self.metrics.errors.labels(task.get_name().split(":")[0]).inc()
            log.error("dialer task failed", extra={"task": task.get_name(),
                                                    "error": repr(error)[:300]})

    def _on_line(self, line: Line, work: Callable[[], Awaitable[None]], name: str) -> None:
        """Run `work` for `line` after that line's earlier events (its lock is FIFO)."""
        async def locked() -> None:
            async with line.lock:
                await work()

        self._spawn(locked(), f"{name}:{line.attempt_id}")

    async def _retry(self, what: str, call: Callable[[], Awaitable[T]]) -> T:
        """A write the ledger must get: retried while the database is away (a minute)."""
        for attempt in range(1, 61):
            try:
                return await call()
            except (psycopg.OperationalError, psycopg.InterfaceError) as error:
                self.metrics.errors.labels(what).inc()
                if attempt == 60:
                    raise
                log.warning("database write failed; retrying", extra={
                    "what": what, "error": str(error).strip()[:300]})
                await asyncio.sleep(min(0.2 * attempt, 2.0))
        raise AssertionError("unreachable")

    # ------------------------------------------------------------------ AMI
    def _on_login(self, manager: ReconnectingManager) -> None:
        self.logins += 1
        self.login_mono = time.monotonic()
        self.session.logged_in = True
        self.metrics.connected.set(1)
        self.sessions_due = True
        if self.logins > 1:
            self.metrics.reconnects.inc()
            self._spawn(self.reconcile(), "reconcile")
        log.info("logged in to AMI", extra={"logins": self.logins})

    def lost_connection(self, protocol: DialerProtocol) -> None:
        manager = self.session.manager
        if manager is not None and manager.protocol not in (None, protocol):
            return  # an old connection closing after a new one was made
        if self.session.logged_in:
            log.warning("AMI connection lost; not dialing until logged in again",
                        extra={"lines": sum(1 for line in self.lines.values() if line.in_progress)})
        self.session.logged_in = False
        self.metrics.connected.set(0)

    async def reconcile(self) -> None:
        """After a reconnect: lines and sessions whose channel Asterisk no longer has ended
        while we were away (their Hangup was lost with the connection)."""
        since = self.login_mono
        try:
            answer = await self.session.action({"Action": "CoreShowChannels"},
                                               self.settings.action_timeout_s)
        except (TimeoutError, ConnectionError) as error:
            log.warning("CoreShowChannels failed; lines left to their timeouts",
                        extra={"error": repr(error)})
            return
        messages = answer if isinstance(answer, list) else [answer]
        if not messages or not messages[0].success:
            return
        live = {str(m.get("Uniqueid")) for m in messages
                if str(m.get("Event", "")).lower() == "coreshowchannel"}
        for line in list(self.lines.values()):
            if not line.final and line.placed_mono < since and line.attempt_id not in live:
                line.gone = True
                self._on_line(line, partial(self._line_hungup, line, None, _now()), "lost")
        for agent in list(self.sessions.values()):
            if agent.phase != "ended" and agent.id not in live:
                self._spawn(self._session_over(agent, "lost"), f"session-lost:{agent.id}")
        log.info("reconciled with Asterisk", extra={"live_channels": len(live)})

    async def _send(self, action: dict[str, Any], timeout: float | None = None,
                    *, quiet: bool = False) -> bool:
        """An action whose answer is one response; False when refused or not answered."""
        try:
            answer = await self.session.action(action, timeout or self.settings.action_timeout_s)
        except (TimeoutError, ConnectionError) as error:
            log.warning("AMI action not answered", extra={"action": action.get("Action"),
                                                          "error": repr(error)})
            return False
        message = answer[0] if isinstance(answer, list) else answer
        if not message.success and not quiet:
            log.info("AMI refused an action", extra={
                "action": action.get("Action"), "ami_message": message.get("Message")})
        return bool(message.success)

    async def _hangup(self, channel: str, *, quiet: bool = False) -> bool:
        return await self._send({"Action": "Hangup", "Channel": channel}, quiet=quiet)

    async def _redirect(self, line: Line, context: str, exten: str) -> bool:
        # Within the 2 s: an answer slower than a second is no answer (the dialplan's own
        # fallback plays the message a little later).
        return await self._send({"Action": "Redirect", "Channel": line.target,
                                 "Context": context, "Exten": exten, "Priority": "1"},
                                timeout=min(1.0, self.settings.action_timeout_s))

    # -------------------------------------------------------------- the stream
    def handle_items(self, protocol: DialerProtocol, items: Iterable[Item]) -> None:
        for item in items:
            if isinstance(item, Frame):
                protocol.answers(item)
                if item.event is not None:
                    try:
                        self.on_event(item)
                    except Exception:  # one bad frame costs that frame, never the reader
                        self._malformed(Malformed("handler_error", "", repr(item)[:120].encode()))
                        log.exception("AMI event handler failed")
            elif isinstance(item, Malformed):
                self._malformed(item)
            elif isinstance(item, Greeting):
                protocol.version = item.version

    def on_event(self, frame: Frame) -> None:
        name = (frame.event or "").lower()
        if name == "originateresponse":
            self.on_originate_response(frame)
        elif name == "userevent" and (frame.get("UserEvent") or "").lower() == "crmdialeramd":
            self.on_amd(frame)
        elif name == "hangup":
            self.on_hangup(frame)

    def on_originate_response(self, frame: Frame) -> None:
        target = self.by_action.get(frame.get("ActionID") or "")
        if target is None:
            uniqueid = frame.get("Uniqueid") or ""
            target = self.lines.get(uniqueid) or self.sessions.get(uniqueid)
        if target is None:
            return
        success = (frame.get("Response") or "").lower() == "success"
        raw_reason = frame.get("Reason") or ""
        reason = int(raw_reason) if raw_reason.isdigit() and len(raw_reason) < 4 else None
        channel = frame.get("Channel") or None
        if isinstance(target, Line):
            line = target
            if success and channel:
                line.channel = channel
            self._on_line(line, lambda: self._line_originated(line, success, reason),
                          "originated")
        else:
            agent = target
            self._spawn(self._session_originated(agent, success, reason, channel),
                        f"session-originated:{agent.id}")

    def on_amd(self, frame: Frame) -> None:
        attempt_id = frame.get("AttemptId") or frame.get("Uniqueid") or ""
        status = (frame.get("AmdStatus") or "").upper()
        if not UUID.fullmatch(attempt_id) or (status and status not in AMD_STATUSES):
            self._malformed(Malformed("bad_amd_event", "", repr(frame)[:120].encode()))
            return
        line = self.lines.get(attempt_id)
        if line is None:
            return  # another dialer's, or one released after a restart
        if frame.get("Channel"):
            line.channel = frame.get("Channel")
        cause = (frame.get("AmdCause") or "")[:100] or None
        received = time.monotonic()
        self._on_line(line, lambda: self._line_verdict(line, status or None, cause, received),
                      "verdict")

    def on_hangup(self, frame: Frame) -> None:
        uniqueid = frame.get("Uniqueid") or ""
        if not UUID.fullmatch(uniqueid):
            return  # not a channel of ours (Asterisk's own ids are epoch.sequence)
        raw = frame.get("Cause") or ""
        cause = int(raw) if raw.isdigit() and len(raw) < 4 else None
        at = _now()
        line = self.lines.get(uniqueid)
        if line is not None:
            line.gone = True  # at once: a claim loop under way stops
            self._on_line(line, lambda: self._line_hungup(line, cause, at), "hangup")
            return
        agent = self.sessions.get(uniqueid)
        if agent is not None:
            # Before the answer the cause says why the phone did not take the call.
            reason = (CAUSE_RESULTS.get(cause if cause is not None else 0) or "no_answer"
                      if agent.phase == "ringing" else "hangup")
            self._spawn(self._session_over(agent, reason), f"session-hangup:{agent.id}")
            return
        context = frame.get("Context") or ""
        if context in LEAD_CONTEXTS:
            # A call an earlier run of this dialer connected: the ledger still waits for its end.
            self._spawn(self._retry("attempt_ended", lambda: self.store.attempt_ended(
                uniqueid, "hangup", at, cause)), f"orphan-hangup:{uniqueid}")
        elif context == CONTEXT_AGENT:
            self._spawn(self._retry("session_ended", lambda: self.store.session_ended(
                uniqueid, "hangup")), f"orphan-session:{uniqueid}")

    # ---------------------------------------------------------------- one line
    def _pacing(self, line: Line) -> CampaignPacing | None:
        return self.campaigns.get(line.campaign_id)

    def _observe_dial(self, line: Line, result: str) -> None:
        if line.observed:
            return
        line.observed = True
        now = time.monotonic()
        ring_s = (line.answered_mono or now) - line.placed_mono
        pacing = self._pacing(line)
        if pacing is not None:
            pacing.pacer.observe_dial(now, result, ring_s)

    async def _line_originated(self, line: Line, success: bool, reason: int | None) -> None:
        if line.final:
            return
        if success:
            if line.phase == "dialing":
                line.phase, line.answered_mono = "answered", time.monotonic()
                # Supervisors see it analysing; the verdict is what counts, so a failed
                # write here is only logged.
                try:
                    await self.store.attempt_analysing(line.attempt_id, _now())
                except psycopg.Error as error:
                    log.warning("could not mark a line analysing", extra={
                        "attempt_id": line.attempt_id, "error": str(error).strip()[:300]})
            return
        if line.phase != "dialing":
            return  # answered already (the UserEvent came first): its Hangup ends it
        await self._end(line, ORIGINATE_REASONS.get(reason if reason is not None else 0,
                                                    "failed"), _now(), line.hangup_cause)

    async def _line_verdict(self, line: Line, status: str | None, cause: str | None,
                            received: float) -> None:
        if line.final or line.phase not in ("dialing", "answered"):
            return
        if line.answered_mono is None:
            line.answered_mono = received
        at = _now() - timedelta(seconds=time.monotonic() - received)
        new_status = await self._retry("attempt_answered", lambda: self.store.attempt_answered(
            line.attempt_id, status, cause, at))
        result = amd_result(status)
        self._observe_dial(line, result)
        self.metrics.calls.labels(result if status != "HANGUP" else "hangup").inc()
        if new_status == "waiting":
            line.phase, line.human_mono = "waiting", received
            if line.gone:
                return  # hung up meanwhile: its Hangup (queued behind us) ends it
            self._spawn(self._connect(line), f"connect:{line.attempt_id}")
        elif new_status in FINAL_STATUSES:
            line.final, line.final_mono = True, time.monotonic()
            line.phase = "machine" if new_status == "machine" else "ended"
            if new_status == "machine" and not line.gone:
                await self._hangup(line.target)  # dispositioned voicemail: no agent hears it
        else:
            line.phase = "answered"

    async def _connect(self, line: Line) -> None:
        """Claim an agent until CONNECT_WITHIN_S after the greeting, else the message."""
        s = self.settings
        assert line.human_mono is not None
        deadline = line.human_mono + s.connect_deadline_s
        while True:
            async with line.lock:
                if line.final or line.gone or line.phase != "waiting":
                    return
                try:
                    claimed = await self.store.claim_agent(line.attempt_id)
                except psycopg.Error as error:
                    claimed = None
                    self.metrics.errors.labels("claim").inc()
                    log.warning("claim failed", extra={"attempt_id": line.attempt_id,
                                                       "error": str(error).strip()[:300]})
                now = time.monotonic()
                if claimed is not None:
                    await self._connected(line, claimed, now)
                    return
                if now >= deadline:
                    await self._abandon(line, now)
                    return
            await asyncio.sleep(max(0.0, min(s.claim_retry_s, deadline - time.monotonic())))

    async def _connected(self, line: Line, claimed: dict[str, Any], now: float) -> None:
        assert line.human_mono is not None
        line.phase, line.connected_mono = "connected", now
        line.agent_id = str(claimed["agent_id"])
        line.extension = str(claimed["extension"])
        redirected = await self._redirect(line, CONTEXT_CONNECT, line.extension)
        if not redirected and not line.gone:
            # Not answered (a slow AMI), or refused: once more while the person is still there.
            redirected = await self._redirect(line, CONTEXT_CONNECT, line.extension)
        wait = time.monotonic() - line.human_mono
        self.metrics.connects.inc()
        self.metrics.connect_latency.observe(wait)
        pacing = self._pacing(line)
        if pacing is not None:
            pacing.pacer.observe_connect(time.monotonic(), wait)
        log.info("live answer connected", extra={
            "attempt_id": line.attempt_id, "agent_id": line.agent_id,
            "wait_ms": round(wait * 1000), "redirected": redirected})

    async def _abandon(self, line: Line, now: float) -> None:
        await self._redirect(line, CONTEXT_ABANDON, "s")
        await self._retry("attempt_abandoned", lambda: self.store.attempt_abandoned(
            line.attempt_id, _now()))
        line.final, line.final_mono, line.phase = True, now, "abandoned"
        self.metrics.abandons.labels("no_agent").inc()
        pacing = self._pacing(line)
        if pacing is not None:
            pacing.pacer.observe_abandon(now)
        log.warning("no agent free in time: abandoned with the message",
                    extra={"attempt_id": line.attempt_id, "campaign_id": line.campaign_id})

    async def _line_hungup(self, line: Line, cause: int | None, at: datetime) -> None:
        line.gone = True
        line.hangup_cause = cause
        if line.final:
            self._forget(line)
            return
        now = time.monotonic()
        if line.phase == "dialing":
            result = CAUSE_RESULTS.get(cause) if cause is not None else "failed"
            if result is None:
                line.hangup_pending_mono = now  # the OriginateResponse says why, or the grace
                return
            await self._end(line, result, at, cause)
            return
        if line.phase == "waiting":
            self.metrics.abandons.labels("hangup").inc()
            pacing = self._pacing(line)
            if pacing is not None:
                pacing.pacer.observe_abandon(now)
        elif line.phase == "connected" and line.agent_id and line.connected_mono is not None:
            pacing = self._pacing(line)
            if pacing is not None:
                pacing.talked[line.agent_id] = now - line.connected_mono
        elif line.phase == "answered":
            self._observe_dial(line, "no_answer")
            self.metrics.calls.labels("hangup").inc()
        await self._end(line, "hangup", at, cause)

    async def _end(self, line: Line, result: str, at: datetime, cause: int | None) -> None:
        if line.final:
            return
        await self._retry("attempt_ended", lambda: self.store.attempt_ended(
            line.attempt_id, result, at, cause))
        if line.phase == "dialing":
            self._observe_dial(line, PACER_RESULTS.get(result, "failed"))
            self.metrics.calls.labels(result).inc()
        line.final, line.final_mono, line.phase = True, time.monotonic(), "ended"
        if line.gone:
            self._forget(line)

    def _forget(self, line: Line) -> None:
        self.lines.pop(line.attempt_id, None)
        self.by_action.pop(line.action_id, None)

    async def _give_up(self, line: Line, result: str) -> None:
        """A line Asterisk went quiet about: hang it up (if it is there) and end it."""
        if line.final:
            return
        log.warning("no word from Asterisk on a line in time; ending it",
                    extra={"attempt_id": line.attempt_id, "phase": line.phase})
        if self.session.logged_in and not line.gone:
            await self._hangup(line.target)
        await self._end(line, result, _now(), line.hangup_cause)

    async def housekeeping(self) -> None:
        s = self.settings
        now = time.monotonic()
        for line in list(self.lines.values()):
            if line.final:
                if line.gone or now - (line.final_mono or now) > 60:
                    self._forget(line)
                continue
            if line.giving_up:
                continue
            if line.phase == "dialing":
                if line.hangup_pending_mono and now - line.hangup_pending_mono > HANGUP_GRACE_S:
                    line.giving_up = True
                    self._on_line(line, partial(self._end, line, "no_answer", _now(),
                                                line.hangup_cause), "grace")
                elif now - line.placed_mono > line.ring_timeout_s + s.line_timeout_margin_s:
                    line.giving_up = True
                    self._on_line(line, partial(self._give_up, line, "failed"), "timeout")
            elif (line.phase == "answered" and line.answered_mono is not None
                  and now - line.answered_mono > s.amd_timeout_s):
                line.giving_up = True
                self._on_line(line, partial(self._give_up, line, "failed"), "timeout")
        for agent in list(self.sessions.values()):
            if (agent.phase == "ringing"
                    and now - agent.rung_mono > s.session_ring_timeout_s + s.line_timeout_margin_s):
                agent.phase = "lost"  # once: _session_over ends it
                self._spawn(self._session_gave_up(agent), f"session-timeout:{agent.id}")
        self.metrics.lines.set(sum(1 for line in self.lines.values() if line.in_progress))
        self.metrics.sessions.set(sum(1 for a in self.sessions.values()
                                      if a.phase == "connected"))

    # ------------------------------------------------------------------ ticks
    async def tick(self) -> None:
        now = time.monotonic()
        if now - self._campaigns_at >= self.settings.campaigns_poll_s:
            await self._refresh_campaigns()
            self._campaigns_at = now
        for pacing in list(self.campaigns.values()):
            started = time.perf_counter()
            try:
                await self._tick_campaign(pacing)
            except Exception as error:
                if database.is_disconnect(error):
                    raise  # the database is gone: the next tick, on a new connection
                # One campaign's trouble (a bug, a refused write) never stops the others.
                self.metrics.errors.labels("tick").inc()
                log.exception("campaign tick failed", extra={"campaign_id": pacing.campaign_id})
            self.metrics.tick_seconds.observe(time.perf_counter() - started)

    async def _refresh_campaigns(self) -> None:
        rows = {str(c["id"]): c for c in await self.ticks.campaigns()}
        for campaign_id in [c for c in self.campaigns if c not in rows]:
            gone = self.campaigns.pop(campaign_id)
            await self.ticks.publish_state(campaign_id, gone.state(None, {}, 0, OFF))
            log.info("campaign no longer dialled", extra={"campaign_id": campaign_id})
        for campaign_id, row in rows.items():
            current = self.campaigns.get(campaign_id)
            try:
                settings = pacing_settings(row, self.settings.connect_within_s)
            except (KeyError, TypeError, ValueError) as error:
                log.error("campaign settings the pacer refuses; not dialled",
                          extra={"campaign_id": campaign_id, "error": str(error)})
                continue
            if current is not None and current.settings == settings:
                current.campaign = row
                continue
            pacing = CampaignPacing.of(row, settings)
            if current is not None:
                pacing.busy_before, pacing.talked = current.busy_before, current.talked
            await self._warm(pacing)
            self.campaigns[campaign_id] = pacing
            log.info("campaign dialled", extra={"campaign_id": campaign_id,
                                                "mode": settings.mode})

    async def _warm(self, pacing: CampaignPacing) -> None:
        since = _now() - timedelta(seconds=self.settings.history_window_s)
        try:
            history = await self.ticks.history(pacing.campaign_id, since)
        except psycopg.Error as error:
            if database.is_disconnect(error):
                raise
            log.warning("no history to warm the pacer with", extra={
                "campaign_id": pacing.campaign_id, "error": str(error).strip()[:300]})
            return
        taken = pacing.warm(history if isinstance(history, dict) else {},
                            time.monotonic(), time.time())
        log.info("pacer warmed", extra={"campaign_id": pacing.campaign_id, "items": taken})

    async def _tick_campaign(self, pacing: CampaignPacing) -> None:
        floor = await self.ticks.floor(pacing.campaign_id) or {}
        now = time.monotonic()
        pacing.track_handling(floor, now, self.settings.tick_s)
        snapshot = pacing.snapshot(floor, now)
        lines = snapshot.dialing + snapshot.waiting
        if pacing.campaign.get("paused"):
            state = pacing.state(None, floor, lines, "paused")
        else:
            decision = pacing.pacer.decide(snapshot)
            pacing.last = decision
            place = decision.place if self.session.logged_in and not self.stopping else 0
            if place > 0:
                leads = await self.ticks.take_leads(pacing.campaign_id, place)
                for lead in leads:
                    self.originate(pacing, lead)
                lines += len(leads)
            state = pacing.state(decision, floor, lines)
        await self.ticks.publish_state(pacing.campaign_id, state)

    def originate(self, pacing: CampaignPacing, lead: dict[str, Any]) -> None:
        ring_s = max(MIN_RING_S, int(lead.get("ring_timeout_s") or 25))
        line = Line(attempt_id=str(lead["attempt_id"]), campaign_id=pacing.campaign_id,
                    call_id=str(lead["call_id"]), lead_id=str(lead["lead_id"]),
                    phone=str(lead["phone_number"]), amd=bool(lead.get("amd")),
                    ring_timeout_s=ring_s, placed_mono=time.monotonic())
        self.lines[line.attempt_id] = line
        self.by_action[line.action_id] = line
        caller = str(lead.get("caller_id") or "")
        action: dict[str, Any] = {
            "Action": "Originate",
            "ActionID": line.action_id,
            "Channel": f"PJSIP/{dial_number(line.phone)}@{self.settings.trunk}",
            "Context": CONTEXT_LEAD,
            "Exten": "s",
            "Priority": "1",
            "Async": "true",
            "ChannelId": line.attempt_id,
            "Timeout": str(ring_s * 1000),
            "Variable": [
                f"CRM_CALL_ID={line.call_id}",
                f"CRM_LEAD_ID={line.lead_id}",
                f"CRM_CAMPAIGN_ID={line.campaign_id}",
                f"CRM_ATTEMPT_ID={line.attempt_id}",
                f"CRM_AMD={1 if line.amd else 0}",
                "CRM_ABANDON_MESSAGE="
                + self.settings.abandon_sound.format(campaign_id=line.campaign_id),
            ],
        }
        if caller:
            name = self.settings.caller_id_name
            action["CallerID"] = f'"{name}" <{caller}>' if name else caller
        self.metrics.placed.inc()
        try:
            future = self.session.send(action)
        except ConnectionError:
            self._on_line(line, lambda: self._end(line, "failed", _now(), None), "not-sent")
            return
        future.add_done_callback(lambda f: self._originate_refused(line, f))
        log.info("call placed", extra={"attempt_id": line.attempt_id,
                                       "campaign_id": line.campaign_id})

    def _originate_refused(self, line: Line, future: asyncio.Future) -> None:
        """Asterisk said Error to the Originate itself (no OriginateResponse will come)."""
        if future.cancelled() or future.exception() is not None:
            return  # the connection went: reconcile or the timeout settle the line
        answer = future.result()
        if isinstance(answer, list) or answer.success:
            return
        log.warning("Asterisk refused an originate", extra={
            "attempt_id": line.attempt_id, "ami_message": answer.get("Message")})
        self._on_line(line, lambda: self._end(line, "failed", _now(), None), "refused")

    # --------------------------------------------------------------- sessions
    async def poll_sessions(self) -> None:
        if not self.session.logged_in or self.stopping:
            return
        for row in await self.store.session_requests():
            agent = AgentSession(id=str(row["id"]), agent_id=str(row.get("agent_id") or ""),
                                 extension=str(row["extension"]))
            self.sessions[agent.id] = agent
            self.by_action[agent.action_id] = agent
            self._originate_session(agent)

    def _originate_session(self, agent: AgentSession) -> None:
        s = self.settings
        action = {
            "Action": "Originate",
            "ActionID": agent.action_id,
            "Channel": s.agent_channel.format(extension=agent.extension),
            "Context": CONTEXT_AGENT,
            "Exten": "s",
            "Priority": "1",
            "Async": "true",
            "ChannelId": agent.id,
            "Timeout": str(int(s.session_ring_timeout_s * 1000)),
            "CallerID": '"CRM" <dialer>',
            "Variable": [f"CRM_DIALER_SESSION={agent.id}",
                         f"CRM_AGENT_EXTENSION={agent.extension}",
                         f"PJSIP_HEADER(add,X-CRM-Dialer-Session)={agent.id}"],
        }
        agent.rung_mono = time.monotonic()
        try:
            future = self.session.send(action)
        except ConnectionError:
            self._spawn(self._session_over(agent, "failed"), f"session-not-sent:{agent.id}")
            return
        future.add_done_callback(lambda f: self._session_refused(agent, f))
        log.info("ringing an agent for the dialer session",
                 extra={"session_id": agent.id, "extension": agent.extension})

    def _session_refused(self, agent: AgentSession, future: asyncio.Future) -> None:
        if future.cancelled() or future.exception() is not None:
            return
        answer = future.result()
        if isinstance(answer, list) or answer.success:
            return
        log.warning("Asterisk refused a session originate", extra={
            "session_id": agent.id, "ami_message": answer.get("Message")})
        self._spawn(self._session_over(agent, "failed"), f"session-refused:{agent.id}")

    async def _session_originated(self, agent: AgentSession, success: bool,
                                  reason: int | None, channel: str | None) -> None:
        if agent.phase != "ringing":
            return
        if not success:
            await self._session_over(
                agent, SESSION_REASONS.get(reason if reason is not None else 0, "failed"))
            return
        agent.phase, agent.channel = "connected", channel
        still = await self._retry("session_connected", lambda: self.store.session_connected(
            agent.id, channel or agent.id))
        if not still:  # the agent left while the phone rang
            await self._hangup(agent.target)
        log.info("dialer session connected", extra={"session_id": agent.id, "kept": still})

    async def _session_gave_up(self, agent: AgentSession) -> None:
        """A session Asterisk never answered for: hang it up if it is there, end it."""
        if self.session.logged_in:
            await self._hangup(agent.target)
        await self._session_over(agent, "failed")

    async def _session_over(self, agent: AgentSession, reason: str) -> None:
        if agent.phase == "ended":
            return
        agent.phase = "ended"
        self.by_action.pop(agent.action_id, None)
        self.sessions.pop(agent.id, None)
        await self._retry("session_ended", lambda: self.store.session_ended(agent.id, reason))
        log.info("dialer session ended", extra={"session_id": agent.id, "reason": reason})

    # ---------------------------------------------------------- notifications
    async def on_notification(self, payload: str) -> None:
        try:
            note = json.loads(payload)
        except ValueError:
            return
        if not isinstance(note, dict):
            return
        kind = note.get("kind")
        if kind == "hangup":
            attempt_id = str(note.get("attempt_id") or "")
            if UUID.fullmatch(attempt_id) and self.session.logged_in:
                line = self.lines.get(attempt_id)
                await self._hangup(line.target if line else attempt_id)
        elif kind == "session":
            session_id = str(note.get("id") or "")
            agent = self.sessions.get(session_id)
            if agent is not None and agent.phase == "connected":
                # An open session is notified about only when it ends (rpc/dialer_leave, or a
                # join to another campaign); session_connected says false unless it is still
                # to be connected, so a false here is the end: hang up its channel.
                still = await self.store.session_connected(agent.id, agent.channel or agent.id)
                if not still and self.session.logged_in:
                    await self._hangup(agent.target)  # dialer_leave
            else:
                if agent is None and UUID.fullmatch(session_id) and self.session.logged_in:
                    # Not ours to know: a session an earlier run connected that has just ended
                    # (its channel goes), or a new request (no channel yet: "No such channel").
                    await self._hangup(session_id, quiet=True)
                self.sessions_due = True
        elif kind == "campaign":
            self._campaigns_at = float("-inf")
