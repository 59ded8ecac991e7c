"""Recording stop: a lead who refuses recording mid-call is not recorded a second longer.

The agent's `calls.recording_consent = false` on a live call makes the database
`pg_notify('recording_stop', <call id>)` (private.track_recording_consent, migration
20261124008100). This loop (an AsyncWorkerLoop on that channel) reads the call's Linkedid,
acting only while consent is still refused, and sends `StopMixMonitor` for each of that call's
legs the model saw report MIXMONITOR_FILENAME and not yet hang up. The notification is only a
wake-up: after each (re)connection to the database the loop sweeps the live calls it holds for
refusals it may have missed, and with no notification for a while it pings its connection, so a
dead one is replaced instead of waited on. A refusal lost anyway only lets the recording run to
the end of the call; the recordings worker then discards the file unheard.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import OrderedDict

from workers.ami_bridge.model import CallModel
from workers.ami_bridge.settings import BridgeSettings
from workers.ami_bridge.telemetry import Metrics
from workers.common.ami import AmiSession
from workers.common.loop import AsyncWorkerLoop

log = logging.getLogger("workers.ami_bridge")

CHANNEL = "recording_stop"
IDLE_CHECK_S = 30.0
"""With no notification for this long, the loop pings its connection."""
STOPPED_LEGS_KEPT = 10_000
REFUSED_CALLS_SQL = (
    "select call_id::text, pbx_linkedid, recording_consent, status"
    " from private.recording_stop_calls(%s::uuid[])"
)
REFUSED_LIVE_CALLS_SQL = (
    "select call_id::text from private.live_calls_refusing_recording(%s::text[]) as call_id"
)


class RecordingStopper(AsyncWorkerLoop):
    """StopMixMonitor for the live legs of calls whose lead refused recording."""

    name = "ami_bridge.recording_stop"
    channel = CHANNEL

    def __init__(self, settings: BridgeSettings, metrics: Metrics, model: CallModel,
                 session: AmiSession) -> None:
        super().__init__(settings.database_url, retry_min=settings.reconnect_min_s,
                         retry_max=settings.reconnect_max_s)
        self.settings, self.metrics, self.model, self.session = settings, metrics, model, session
        # Legs whose StopMixMonitor is under way or was answered ok: never sent twice.
        self.stopped_legs: OrderedDict[str, None] = OrderedDict()
        self._tasks: set[asyncio.Task] = set()

    async def on_connect(self) -> None:
        # Refusals notified while the connection was down are lost: look again.
        await self.sweep()

    async def step(self) -> float:
        payloads = self.take_notifications()
        if payloads:
            await self.stop_refused(payloads)
        elif self.conn is not None:
            await self.conn.execute("select 1")  # a dead connection is found, not waited on
        return IDLE_CHECK_S

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    # ------------------------------------------------------------------ which calls
    async def sweep(self) -> None:
        """The live calls holding a recording leg whose lead refused while the loop was away."""
        recording = [
            linkedid
            for linkedid in self.model.open_calls()
            if any(uid not in self.stopped_legs
                   for uid, _ in self.model.recording_legs(linkedid) or ())
        ]
        if not recording or self.conn is None:
            return
        cursor = await self.conn.execute(REFUSED_LIVE_CALLS_SQL, (recording,))
        call_ids = [call_id for (call_id,) in await cursor.fetchall()]
        if call_ids:
            log.info("live calls whose lead refused recording while the listener was away",
                     extra={"call_ids": call_ids})
            await self.stop_refused(call_ids)

    async def stop_refused(self, payloads: list[str]) -> None:
        call_ids: list[str] = []
        for payload in dict.fromkeys(payloads):
            try:
                call_ids.append(str(uuid.UUID(payload)))
            except ValueError:
                log.warning("ignoring a recording_stop notification that is not a call id",
                            extra={"payload": payload[:100]})
        if not call_ids or self.conn is None:
            return
        cursor = await self.conn.execute(REFUSED_CALLS_SQL, (call_ids,))
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
            self.stop_call_recording(call_id, linkedid)

    # ------------------------------------------------------------------ the action
    def stop_call_recording(self, call_id: str, linkedid: str | None) -> None:
        legs = self.model.recording_legs(linkedid) if linkedid else None
        if legs is None:
            self.metrics.recording_stops.labels("not_found").inc()
            log.info("recording stop: the call is not live here; nothing to stop",
                     extra={"call_id": call_id, "linkedid": linkedid})
            return
        legs = [(uid, channel) for uid, channel in legs if uid not in self.stopped_legs]
        if not legs:
            self.metrics.recording_stops.labels("not_found").inc()
            log.info("recording stop: no leg of the call is recording",
                     extra={"call_id": call_id, "linkedid": linkedid})
            return
        for uniqueid, channel in legs:
            self.stopped_legs[uniqueid] = None
            while len(self.stopped_legs) > STOPPED_LEGS_KEPT:
                self.stopped_legs.popitem(last=False)
            task = asyncio.create_task(self.stop_mixmonitor(call_id, uniqueid, channel),
                                       name=f"stop-mixmonitor-{uniqueid}")
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def stop_mixmonitor(self, call_id: str, uniqueid: str, channel: str) -> None:
        """One StopMixMonitor; every outcome is counted and logged, none is raised."""
        result, detail = "failed", None
        try:
            answer = await self.session.action(
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
            self.stopped_legs.pop(uniqueid, None)  # a later wake-up or sweep may try again
            log.warning("could not stop a refused recording; the recordings worker will discard it",
                        extra={"call_id": call_id, "channel": channel, "error": detail})
