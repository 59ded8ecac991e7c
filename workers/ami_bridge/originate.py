"""Click-to-call for desk phones: originate requests, taken from their queue and sent to Asterisk.

`rpc/request_originate` queues a `public.originate_requests` row (and its call row) and
notifies `originate_requests`. The originate loop (an AsyncWorkerLoop: the notification only
wakes it; requests are also looked for after each login to AMI and every `ORIGINATE_POLL_S`)
claims queued requests through the lease protocol (queue `originate`, migration
20261204000300: claim, finish, release; workers/README.md) and sends each one `Originate`
(ring the agent's phone, then dial the lead, with the CRM's call id as `CRM_CALL_ID`), then
writes the result back. A request is sent once and never given back to the queue: a result
lost with the connection fails it rather than ringing the agent twice, and on (re)connecting
the loop first fails what an earlier run of this bridge (same WORKER_NAME) had sent without an
answer (`originate_release`). Claims stay
in SQL: the claim expires requests queued too long and fails those other bridges left without a
result, and a failed request's call row is closed there too.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

from workers.ami_bridge.events import OriginateResponse
from workers.ami_bridge.settings import BridgeSettings
from workers.ami_bridge.store import CallStore
from workers.ami_bridge.telemetry import Metrics
from workers.common.ami import AmiSession
from workers.common.lease import ClaimLost, LeaseQueue
from workers.common.loop import AsyncWorkerLoop

log = logging.getLogger("workers.ami_bridge")

CHANNEL = "originate_requests"
CLAIM_BATCH = 10
ORIGINATE_REASONS = {
    0: "failed",
    1: "hung up",
    3: "no answer",
    4: "answered",
    5: "busy",
    8: "congestion",
}


@dataclass(frozen=True)
class OriginateRequest:
    id: str
    call_id: str | None
    phone: str
    agent_extension: str


class Originator(AsyncWorkerLoop):
    """Claims queued originate requests and sends each to Asterisk once."""

    name = "ami_bridge.originate"
    channel = CHANNEL

    def __init__(self, settings: BridgeSettings, metrics: Metrics, store: CallStore,
                 session: AmiSession) -> None:
        super().__init__(settings.database_url, retry_min=settings.reconnect_min_s,
                         retry_max=settings.reconnect_max_s)
        self.settings, self.metrics, self.store, self.session = settings, metrics, store, session
        self.queue = LeaseQueue("originate", settings.worker_id)
        self.stopping = False
        self.ready = asyncio.Event()  # set once the previous run's claims are settled
        self._lock = asyncio.Lock()
        self._in_flight: set[asyncio.Future] = set()
        self._tasks: set[asyncio.Task] = set()

    # ------------------------------------------------------------------ the loop
    async def on_connect(self) -> None:
        # Once, before the first claim: what an earlier run under this worker name sent and
        # never finished. Not on a later reconnect: this process's own requests under way
        # still get their results.
        if self.ready.is_set():
            return
        released = await self.store.run_db(self.queue.release)
        if released:
            self.metrics.originates.labels("failed").inc(released)
            log.warning("originate requests this bridge sent without a result were failed",
                        extra={"requests": released})
        self.ready.set()

    async def step(self) -> float:
        self.take_notifications()
        await self.pick()
        return self.settings.originate_poll_s

    async def pick(self) -> None:
        """Claim what is queued and send it; nothing while logged out of AMI or stopping."""
        if not self.session.logged_in or self.stopping or not self.ready.is_set():
            return
        async with self._lock:
            s = self.settings
            rows = await self.store.run_db(lambda conn: self.queue.claim(
                conn, CLAIM_BATCH, p_max_age_seconds=s.originate_max_age_s,
                p_stale_seconds=s.originate_stale_s))
            for row in rows:
                if row["action"] != "originate":
                    # expired (queued too long) or abandoned (its bridge died): failed in SQL.
                    self.metrics.originates.labels(
                        "expired" if row["action"] == "expired" else "failed").inc()
                    log.warning("originate request not sent", extra={
                        "request_id": str(row["id"]), "action": row["action"],
                        "queued_at": row["created_at"]})
                    continue
                request = OriginateRequest(
                    id=str(row["id"]), call_id=str(row["call_id"]) if row["call_id"] else None,
                    phone=row["phone"], agent_extension=row["agent_extension"])
                task = asyncio.create_task(self.originate(request),
                                           name=f"originate-{request.id}")
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)

    def connection_lost(self) -> None:
        """AMI went away: the results of requests under way will never come."""
        for future in list(self._in_flight):
            if not future.done():
                future.set_exception(ConnectionError("AMI connection lost"))

    async def stop(self) -> None:
        self.stopping = True
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    # ------------------------------------------------------------------ one request
    def action(self, request: OriginateRequest) -> dict[str, Any]:
        s = self.settings
        variables = [f"CRM_ORIGINATE_ID={request.id}"]
        if request.call_id:
            variables.insert(0, f"CRM_CALL_ID={request.call_id}")
        return {
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

    async def originate(self, request: OriginateRequest) -> None:
        s = self.settings
        status, reason, text, channel, uniqueid = "failed", None, None, None, None
        try:
            future = self.session.send(self.action(request))
            self._in_flight.add(future)
            try:
                answer = await asyncio.wait_for(
                    asyncio.shield(future), s.originate_timeout_s + s.action_timeout_s)
            finally:
                self._in_flight.discard(future)
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
            await self.store.run_db(lambda conn: self.queue.finish(
                conn, request.id, p_status=status, p_reason=reason, p_text=text,
                p_channel=channel, p_uniqueid=uniqueid))
        except ClaimLost:
            log.warning("originate result not recorded: the request was failed meanwhile",
                        extra={"request_id": request.id, "status": status})
            return
        except Exception as error:
            log.error("could not record an originate result",
                      extra={"request_id": request.id, "status": status,
                             "error": str(error).strip()[:300]})
            return
        self.metrics.originates.labels(status).inc()
        log.info("originate finished", extra={"request_id": request.id, "status": status,
                                              "result": text, "channel": channel})
