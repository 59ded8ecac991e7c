"""The call model: Asterisk's channel events folded into one `calls` row per call.

Pure Python: no I/O, no clock. `CallModel.apply(event)` takes typed events from `events.py`;
`CallModel.take_changed()` hands out the rows that changed since the last call, which is what
`store.py` upserts.

A call is Asterisk's `Linkedid`: the Uniqueid of the oldest channel, shared by every leg. When a
bridge or transfer joins channels, Asterisk gives them all the oldest Linkedid; a leg seen with
an older Linkedid than before moves to that call, so a leg never lives in two calls.

Order tolerance and idempotence: every fact is kept as the earliest (or, where the last one
matters, the latest) timestamped observation, compared as a whole tuple, and the row is computed
from those facts alone. Applying an event twice, or events in a different order, leaves the same
facts, hence the same row. This needs `timestampevents = yes` in manager.conf; without it,
events are stamped on receipt and reordering can shift times.

Dialer sessions: an agent's nailed-up channel to the dialer's conference (workers/dialer sets
`CRM_DIALER_SESSION` on it) is not a call. From that VarSet on its events are skipped and what
the model held of it is dropped (it never had a row: a call with no lead's number is parked); a
lead's channel that Asterisk gives the session's Linkedid in that conference keeps its own.

Who is who: a channel on a PJSIP endpoint named in `ModelConfig.trunk_endpoints` is the lead's
leg; Local channels are plumbing; every other channel is an agent's. The call is inbound when
its first channel is a trunk channel created by an incoming INVITE (state Ring), else outbound.
The callee is the lead on outbound calls, an agent on inbound ones; "answered" is the callee's
answer (DialEnd ANSWER or its channel going Up), never the caller's own Answer().

A call is complete when every one of its channels has hung up (a Hangup event, or closed by
`reconcile` because Asterisk no longer lists it). A Cdr refines the row but is not awaited:
several CDRs can belong to one call and none says it is the last. Calls known only through a Cdr
(its channels missed during a disconnection; needs the `LinkedID` cdr_manager mapping) are
complete on arrival.

Outcome of a call that was not answered, first rule that applies:
1. the caller hung up first (DialEnd CANCEL, or the caller's own HangupRequest before any callee
   leg ended) -> cancelled;
2. the callee leg's Q.850 cause: 17 user busy, 21 call rejected -> busy; 18 no user responding,
   19 no answer -> no_answer; 34 no circuit, 38 network out of order, 41 temporary failure,
   42 switching equipment congestion -> congestion; 1 unallocated number, 3 no route,
   20 subscriber absent, 27 destination out of order, 28 invalid number format,
   127 interworking -> failed (16 normal clearing and 0 say nothing here: Dial's own timeout
   and cancels leave them);
3. the last DialEnd status (or DIALSTATUS variable): BUSY -> busy, NOANSWER -> no_answer,
   CONGESTION -> congestion, CHANUNAVAIL / DONTCALL / TORTURE / INVALIDARGS -> failed,
   CANCEL -> cancelled;
4. a CDR disposition: BUSY, NO ANSWER, CONGESTION, FAILED likewise;
5. failed.
Causes come before DialEnd's status because app_dial reports every cause it has no word for
(404 -> cause 1, 500 -> 38, ...) as NOANSWER.

Who hung up: on an answered call, the side (agent or lead) of the last HangupRequest raised by a
channel's own peer (a SIP BYE) from the answer on; a transfer's earlier BYE from the transferring
agent is not the end of the call. A SoftHangupRequest alone (AMI Hangup, timeouts) -> system.
Unanswered: cancelled -> the caller's side; busy -> lead; anything else -> system.
"""

from __future__ import annotations

import logging
import math
import re
import uuid
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from workers.ami_bridge.events import (
    AmiEvent,
    BridgeEvent,
    Cdr,
    Channel,
    ChannelEvent,
    CoreShowChannel,
    DialEvent,
    Hangup,
    HangupRequest,
    Newchannel,
    Newstate,
    VarSet,
)

log = logging.getLogger(__name__)

CALL_ID_NAMESPACE = uuid.UUID("6f1d3c4e-8a52-4c1b-9d0e-2b7a5e9c41f3")
"""Calls the CRM did not start get `uuid5(CALL_ID_NAMESPACE, "asterisk:" + linkedid)`: the
same call always gets the same id, so rewriting its row is an idempotent upsert."""

STATE_DOWN = 0
STATE_RING = 4
STATE_RINGING = 5
STATE_UP = 6

CAUSE_OUTCOMES: dict[int, str] = {
    17: "busy",
    21: "busy",
    18: "no_answer",
    19: "no_answer",
    34: "congestion",
    38: "congestion",
    41: "congestion",
    42: "congestion",
    1: "failed",
    3: "failed",
    20: "failed",
    27: "failed",
    28: "failed",
    127: "failed",
}
DIAL_STATUS_OUTCOMES: dict[str, str] = {
    "BUSY": "busy",
    "NOANSWER": "no_answer",
    "CONGESTION": "congestion",
    "CHANUNAVAIL": "failed",
    "DONTCALL": "failed",
    "TORTURE": "failed",
    "INVALIDARGS": "failed",
    "CANCEL": "cancelled",
}
CDR_DISPOSITION_OUTCOMES: dict[str, str] = {
    "BUSY": "busy",
    "NO ANSWER": "no_answer",
    "CONGESTION": "congestion",
    "FAILED": "failed",
}
RINGING_DIAL_STATES = frozenset({"RINGING", "PROGRESS", "PROCEEDING"})

MAX_LEGS_PER_CALL = 64
TOMBSTONES = 200_000
PENDING_CDRS = 10_000

_E164 = re.compile(r"\+[1-9]\d{7,14}")
_DIGITS = re.compile(r"\d{6,15}")
_VISUAL_SEPARATORS = re.compile(r"[\s().\-/]")
_CHANNEL_SUFFIX = re.compile(r"-[0-9a-fA-F]{8}$")


@dataclass(frozen=True)
class ModelConfig:
    trunk_endpoints: frozenset[str] = frozenset({"trunk"})
    """PJSIP endpoints (or SIP/IAX2 peers) that lead to the PSTN: their channels are leads."""
    crm_call_id_variable: str = "CRM_CALL_ID"
    dialer_session_variable: str = "CRM_DIALER_SESSION"
    """Set on an agent's nailed-up dialer channel (workers/dialer): not a call, never a row."""
    recording_variable: str = "MIXMONITOR_FILENAME"
    pbx_timezone: str = "UTC"
    """cdr_manager writes local wall-clock times without a zone: the PBX's zone reads them."""
    default_country_code: str | None = None
    """For numbers that arrive in national format (e.g. "34": 600111222 -> +34600111222)."""


@dataclass(frozen=True)
class CallRow:
    """The `calls` columns the PBX is the authority for, as the model sees them now.

    lead_id, campaign_id and agent_id are the store's to resolve: from the CRM's own row when
    `crm_call_id` is set, else by `phone_number` (lead) and `agent_endpoint` (agent).

    Durations are not counted here: the row carries the instants that bound them and the
    database measures every call's seconds by one rule (private.seconds_between). Ring time runs
    from `ring_started_at` to `ring_ended_at` (the same instant when nothing rang; None while
    unknown); talk time from `answered_at` to `talk_ended_at` once the call has ended (0 if it
    was never answered); the total from `started_at` to `ended_at`.
    """

    id: str
    pbx_linkedid: str
    crm_call_id: str | None
    source: str
    direction: str
    phone_number: str | None
    agent_endpoint: str | None
    status: str
    outcome: str | None
    started_at: datetime
    answered_at: datetime | None
    ended_at: datetime | None
    ring_started_at: datetime | None
    ring_ended_at: datetime | None
    talk_ended_at: datetime | None
    hangup_cause: int | None
    hangup_cause_text: str | None
    hangup_by: str | None
    recording_file: str | None

    @property
    def complete(self) -> bool:
        return self.status == "ended"

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: datetimes as ISO 8601 in UTC."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            out[f.name] = value.isoformat() if isinstance(value, datetime) else value
        return out


# --------------------------------------------------------------------------- internals
@dataclass
class _Dial:
    """One Dial attempt towards a leg, kept on that (destination) leg."""

    begin: tuple[float, str, str] | None = None  # (time, caller's exten, dial string)
    ringing: float | None = None
    end: tuple[float, str] | None = None  # (time, status)


@dataclass
class _Leg:
    uniqueid: str
    linkedid: str
    name: str
    party: str  # "agent" | "lead" | "internal"
    endpoint: str | None
    first_seen: float
    created: tuple[float, int, str, str] | None = None  # (time, state, exten, caller id num)
    seen_as: tuple[float, str, str] | None = None  # (time, exten, caller id num), any event
    ringing: float | None = None
    up: float | None = None
    hangup: tuple[float, int, str] | None = None  # (time, cause or -1, cause text)
    gone_at: float | None = None  # closed by reconcile: Asterisk no longer lists it
    hard_request: tuple[float, int] | None = None  # the leg's own side hung up
    soft_request: float | None = None
    crm_call_id: tuple[float, str] | None = None
    recording: tuple[float, str] | None = None
    dial_status_var: tuple[float, str] | None = None  # latest DIALSTATUS
    dials_in: dict[str, _Dial] = field(default_factory=dict)  # caller uniqueid -> dial
    bridges: dict[str, float] = field(default_factory=dict)  # bridge -> first enter
    cdrs: dict[tuple, Cdr] = field(default_factory=dict)

    @property
    def ended(self) -> float | None:
        return self.hangup[0] if self.hangup is not None else self.gone_at


@dataclass
class _Call:
    linkedid: str
    legs: dict[str, _Leg] = field(default_factory=dict)
    cdrs: dict[tuple, Cdr] = field(default_factory=dict)  # via LinkedID, channels unknown
    last_event: float = -math.inf


def _earliest(current: Any, candidate: Any) -> Any:
    return candidate if current is None or candidate < current else current


def _latest(current: Any, candidate: Any) -> Any:
    return candidate if current is None or candidate > current else current


def _linkedid_age(linkedid: str) -> tuple:
    """Sort key: Asterisk ids are `[systemname-]epoch.sequence`; older sorts first."""
    tail = linkedid.rsplit("-", 1)[-1]
    seconds, _, sequence = tail.partition(".")
    if seconds.isdigit() and sequence.isdigit():
        return (0, int(seconds), int(sequence), linkedid)
    return (1, 0, 0, linkedid)


def _cdr_key(cdr: Cdr) -> tuple:
    return (cdr.unique_id, cdr.start_time, cdr.end_time, cdr.destination_channel or "")


def parse_channel_name(name: str) -> tuple[str, str | None]:
    """`PJSIP/agent1001-00000012` -> ("PJSIP", "agent1001"); `Local/1004@ctx-0000000a;2` ->
    ("Local", "1004@ctx"). Asterisk appends `-%08x` to a channel's name; without it (a dial
    string such as `PJSIP/agent1001`) the name is the endpoint."""
    tech, sep, rest = name.partition("/")
    if not sep:
        return tech, None
    rest = rest.split(";", 1)[0]
    match = _CHANNEL_SUFFIX.search(rest)
    return tech, rest[: match.start()] if match else rest


def to_e164(raw: str | None, default_country_code: str | None = None) -> str | None:
    """An E.164 number from what Asterisk shows (`+34...`, `0034...`, national), else None."""
    if not raw:
        return None
    number = _VISUAL_SEPARATORS.sub("", raw)
    if number.startswith("00"):
        number = "+" + number[2:]
    if _E164.fullmatch(number):
        return number
    if default_country_code and _DIGITS.fullmatch(number):
        candidate = "+" + default_country_code + number.lstrip("0")
        if _E164.fullmatch(candidate):
            return candidate
    return None


def _dial_time(dial: _Dial) -> float:
    if dial.begin is not None:
        return dial.begin[0]
    return dial.end[0] if dial.end is not None else math.inf


def _utc(stamp: float | None) -> datetime | None:
    return None if stamp is None else datetime.fromtimestamp(stamp, UTC)


# ------------------------------------------------------------------------------ model
class CallModel:
    """Folds AMI events into call rows. Not thread-safe: one owner (the bridge's loop)."""

    def __init__(self, config: ModelConfig | None = None) -> None:
        self.config = config or ModelConfig()
        self._tz: tzinfo = ZoneInfo(self.config.pbx_timezone)
        self._crm_variable = self.config.crm_call_id_variable.lstrip("_").upper()
        self._recording_variable = self.config.recording_variable.lstrip("_").upper()
        self._session_variable = self.config.dialer_session_variable.lstrip("_").upper()
        self._sessions: OrderedDict[str, None] = OrderedDict()
        """Uniqueids of dialer session channels (bounded): their events are skipped."""
        self._legs: dict[str, _Leg] = {}
        self._calls: dict[str, _Call] = {}
        self._pending_cdrs: OrderedDict[str, dict[tuple, Cdr]] = OrderedDict()
        self._tombstones: OrderedDict[str, None] = OrderedDict()
        self._dirty: set[str] = set()
        self._emitted: dict[str, CallRow] = {}
        self.stats: dict[str, int] = {
            "applied": 0,
            "ignored": 0,
            "after_eviction": 0,
            "too_many_legs": 0,
            "model_errors": 0,
        }

    # ------------------------------------------------------------------ public API
    def apply(self, event: AmiEvent) -> str | None:
        """Fold one event in; returns the Linkedid of the call it touched, or None."""
        try:
            linkedid = self._apply(event)
        except Exception:  # one bad event must never stop the bridge
            self.stats["model_errors"] += 1
            log.exception("call model failed on an event", extra={"event": event.name})
            return None
        self.stats["applied" if linkedid else "ignored"] += 1
        return linkedid

    def row(self, linkedid: str) -> CallRow | None:
        """The call's row as of now; None for unknown calls and internal (agent-to-agent) ones."""
        call = self._calls.get(linkedid)
        return None if call is None else self._row(call)

    def take_changed(self) -> list[CallRow]:
        """Rows that differ from what this method last returned for them, oldest call first."""
        out: list[CallRow] = []
        for linkedid in sorted(self._dirty, key=_linkedid_age):
            row = self.row(linkedid)
            if row is not None and self._emitted.get(linkedid) != row:
                self._emitted[linkedid] = row
                out.append(row)
        self._dirty.clear()
        return out

    def is_complete(self, linkedid: str) -> bool:
        call = self._calls.get(linkedid)
        return call is not None and self._complete(call)

    def open_calls(self) -> list[str]:
        return [lid for lid, call in self._calls.items() if not self._complete(call)]

    def recording_legs(self, linkedid: str) -> list[tuple[str, str]] | None:
        """(Uniqueid, channel name) of the call's legs that started a MixMonitor (reported its
        recording variable) and are not known to have ended, oldest first; None when the model
        does not hold the call (never seen, or forgotten after it ended). Read-only."""
        call = self._calls.get(linkedid)
        if call is None:
            return None
        legs = sorted(call.legs.values(), key=lambda leg: (leg.first_seen, leg.uniqueid))
        return [
            (leg.uniqueid, leg.name)
            for leg in legs
            if leg.recording is not None and leg.ended is None
        ]

    def open_channels(self) -> dict[str, str]:
        """Uniqueid -> Linkedid of every channel not known to have ended."""
        return {uid: leg.linkedid for uid, leg in self._legs.items() if leg.ended is None}

    def reconcile(self, live_uniqueids: Iterable[str], at: float) -> list[str]:
        """Close channels Asterisk no longer lists (CoreShowChannels after a reconnect).

        `at` stands in for the unknown hangup time. A real event for such a channel later
        reopens it (it was alive after all), and a real Hangup always wins.
        """
        live = set(live_uniqueids)
        touched: set[str] = set()
        for uid, leg in self._legs.items():
            if leg.ended is None and uid not in live:
                leg.gone_at = at
                touched.add(leg.linkedid)
        self._dirty |= touched
        return sorted(touched, key=_linkedid_age)

    def evict(self, *, before: float) -> list[str]:
        """Forget complete calls whose last event is older than `before` (event time).

        Only calls whose final row `take_changed` has already handed out. Their ids are
        remembered (bounded), so late duplicates are ignored rather than resurrecting a
        partial call. Calls that never complete (an event lost for good) are closed by
        `reconcile`, which the bridge runs after every reconnect and periodically.
        """
        gone: list[str] = []
        for linkedid, call in list(self._calls.items()):
            if linkedid not in self._dirty and call.last_event < before and self._complete(call):
                self._forget(call)
                gone.append(linkedid)
        return gone

    def __len__(self) -> int:
        return len(self._calls)

    # ------------------------------------------------------------------ folding
    def _apply(self, event: AmiEvent) -> str | None:
        if isinstance(event, DialEvent):
            if event.dest.uniqueid in self._sessions or (
                event.caller is not None and event.caller.uniqueid in self._sessions
            ):
                return None
            return self._dial(event)
        if isinstance(event, Cdr):
            return None if event.unique_id in self._sessions else self._cdr(event)
        if not isinstance(event, ChannelEvent):
            return None
        if event.channel.uniqueid in self._sessions:
            return None
        if isinstance(event, VarSet) and (
            event.variable.lstrip("_").upper() == self._session_variable
        ):
            self._drop_session(event.channel.uniqueid)
            return None
        if event.channel.linkedid in self._sessions:
            # A lead's channel bridged with a session channel may be given the session's
            # (older) Linkedid; it stays in its own call.
            known = self._legs.get(event.channel.uniqueid)
            own = known.linkedid if known is not None else event.channel.uniqueid
            event = replace(event, channel=replace(event.channel, linkedid=own))
        leg = self._touch(event.channel, event.time)
        if leg is None:
            return None
        t = event.time
        if isinstance(event, Newchannel):
            snap = event.channel
            leg.created = _earliest(
                leg.created, (t, snap.state or 0, snap.exten or "", snap.caller_id_num or "")
            )
            if leg.created[0] == t:
                leg.name = snap.name
        elif isinstance(event, Newstate):
            self._state(leg, event.channel.state, t)
        elif isinstance(event, Hangup):
            cause = -1 if event.cause is None else event.cause
            leg.hangup = _earliest(leg.hangup, (t, cause, event.cause_txt or ""))
        elif isinstance(event, HangupRequest):
            if event.soft:
                leg.soft_request = _earliest(leg.soft_request, t)
            else:
                cause = -1 if event.cause is None else event.cause
                leg.hard_request = _earliest(leg.hard_request, (t, cause))
        elif isinstance(event, VarSet):
            self._variable(leg, event.variable, event.value, t)
        elif isinstance(event, BridgeEvent):
            if event.name == "BridgeEnter":
                leg.bridges[event.bridge_uniqueid] = _earliest(
                    leg.bridges.get(event.bridge_uniqueid), t
                )
        elif isinstance(event, CoreShowChannel):
            if event.duration_seconds is not None:
                leg.first_seen = min(leg.first_seen, t - event.duration_seconds)
            self._state(leg, event.channel.state, t)
        return leg.linkedid

    def _state(self, leg: _Leg, state: int | None, t: float) -> None:
        if state == STATE_RINGING:
            leg.ringing = _earliest(leg.ringing, t)
        elif state == STATE_UP:
            leg.up = _earliest(leg.up, t)

    def _variable(self, leg: _Leg, name: str, value: str, t: float) -> None:
        # Set(__VAR=...) makes Asterisk report the name with its inheritance underscores.
        key = name.lstrip("_").upper()
        value = value.strip()
        if key == self._crm_variable:
            try:
                canonical = str(uuid.UUID(value))
            except ValueError:
                log.warning("ignoring a CRM call id that is not a UUID", extra={"value": value})
                return
            leg.crm_call_id = _earliest(leg.crm_call_id, (t, canonical))
        elif key == self._recording_variable and value:
            leg.recording = _earliest(leg.recording, (t, value))
        elif key == "DIALSTATUS" and value:
            leg.dial_status_var = _latest(leg.dial_status_var, (t, value.upper()))

    def _dial(self, event: DialEvent) -> str | None:
        caller_uid = ""
        if event.caller is not None:
            caller = self._touch(event.caller, event.time)
            if caller is None:
                return None
            caller_uid = caller.uniqueid
        dest = self._touch(event.dest, event.time)
        if dest is None:
            return None
        dial = dest.dials_in.setdefault(caller_uid, _Dial())
        t = event.time
        if event.name == "DialBegin":
            exten = event.caller.exten if event.caller is not None else event.dest.exten
            dial.begin = _earliest(dial.begin, (t, exten or "", event.dial_string or ""))
        elif event.name == "DialState":
            if event.dial_status in RINGING_DIAL_STATES:
                dial.ringing = _earliest(dial.ringing, t)
        elif event.name == "DialEnd" and event.dial_status:
            dial.end = _earliest(dial.end, (t, event.dial_status))
        return dest.linkedid

    def _cdr(self, cdr: Cdr) -> str | None:
        if cdr.unique_id in self._tombstones or (
            cdr.linked_id is not None and cdr.linked_id in self._tombstones
        ):
            self.stats["after_eviction"] += 1
            return None
        leg = self._legs.get(cdr.unique_id)
        if leg is not None:
            leg.cdrs[_cdr_key(cdr)] = cdr
            self._mark(leg.linkedid, cdr.time)
            return leg.linkedid
        if cdr.linked_id is not None:
            call = self._calls.setdefault(cdr.linked_id, _Call(cdr.linked_id))
            call.cdrs[_cdr_key(cdr)] = cdr
            self._mark(cdr.linked_id, cdr.time)
            return cdr.linked_id
        # Its channel's events may still be on their way: hold it (bounded).
        self._pending_cdrs.setdefault(cdr.unique_id, {})[_cdr_key(cdr)] = cdr
        self._pending_cdrs.move_to_end(cdr.unique_id)
        while len(self._pending_cdrs) > PENDING_CDRS:
            self._pending_cdrs.popitem(last=False)
        return None

    def _touch(self, snap: Channel, t: float) -> _Leg | None:
        if snap.uniqueid in self._tombstones or snap.linkedid in self._tombstones:
            self.stats["after_eviction"] += 1
            return None
        leg = self._legs.get(snap.uniqueid)
        if leg is None:
            call = self._calls.get(snap.linkedid)
            if call is not None and len(call.legs) >= MAX_LEGS_PER_CALL:
                self.stats["too_many_legs"] += 1
                return None
            tech, endpoint = parse_channel_name(snap.name)
            if tech.upper() == "LOCAL":
                party = "internal"
            elif endpoint in self.config.trunk_endpoints:
                party = "lead"
            else:
                party = "agent"
            leg = _Leg(
                uniqueid=snap.uniqueid,
                linkedid=snap.linkedid,
                name=snap.name,
                party=party,
                endpoint=endpoint,
                first_seen=t,
            )
            self._legs[snap.uniqueid] = leg
            self._calls.setdefault(snap.linkedid, _Call(snap.linkedid)).legs[leg.uniqueid] = leg
            for key, cdr in self._pending_cdrs.pop(snap.uniqueid, {}).items():
                leg.cdrs[key] = cdr
        elif _linkedid_age(snap.linkedid) < _linkedid_age(leg.linkedid):
            self._move(leg, snap.linkedid)
        leg.first_seen = min(leg.first_seen, t)
        leg.seen_as = _earliest(leg.seen_as, (t, snap.exten or "", snap.caller_id_num or ""))
        if leg.gone_at is not None and leg.hangup is None and t > leg.gone_at:
            leg.gone_at = None  # reconciled as gone, yet Asterisk still reports it
        self._mark(leg.linkedid, t)
        return leg

    def _drop_session(self, uniqueid: str) -> None:
        """A dialer session channel: forget the leg (and its call, if it was alone in it)."""
        self._sessions[uniqueid] = None
        while len(self._sessions) > PENDING_CDRS:
            self._sessions.popitem(last=False)
        self._pending_cdrs.pop(uniqueid, None)
        leg = self._legs.pop(uniqueid, None)
        if leg is None:
            return
        call = self._calls.get(leg.linkedid)
        if call is None:
            return
        call.legs.pop(uniqueid, None)
        if call.legs or call.cdrs:
            self._dirty.add(call.linkedid)
        else:
            del self._calls[call.linkedid]
            self._emitted.pop(call.linkedid, None)
            self._dirty.discard(call.linkedid)

    def _move(self, leg: _Leg, linkedid: str) -> None:
        old = self._calls.get(leg.linkedid)
        if old is not None:
            old.legs.pop(leg.uniqueid, None)
            self._dirty.add(old.linkedid)
            if not old.legs and not old.cdrs:
                del self._calls[old.linkedid]
                self._emitted.pop(old.linkedid, None)
                self._dirty.discard(old.linkedid)
        leg.linkedid = linkedid
        self._calls.setdefault(linkedid, _Call(linkedid)).legs[leg.uniqueid] = leg

    def _mark(self, linkedid: str, t: float) -> None:
        call = self._calls.get(linkedid)
        if call is not None:
            call.last_event = max(call.last_event, t)
            self._dirty.add(linkedid)

    def _forget(self, call: _Call) -> None:
        for uid in call.legs:
            self._legs.pop(uid, None)
            self._tombstone(uid)
        self._tombstone(call.linkedid)
        self._calls.pop(call.linkedid, None)
        self._emitted.pop(call.linkedid, None)

    def _tombstone(self, key: str) -> None:
        self._tombstones[key] = None
        while len(self._tombstones) > TOMBSTONES:
            self._tombstones.popitem(last=False)

    # ------------------------------------------------------------------ the row
    @staticmethod
    def _complete(call: _Call) -> bool:
        if call.legs:
            return all(leg.ended is not None for leg in call.legs.values())
        return bool(call.cdrs)

    def _cdr_time(self, value: datetime | None) -> float | None:
        if value is None:
            return None
        return value.replace(tzinfo=self._tz).timestamp()

    def _row(self, call: _Call) -> CallRow | None:
        legs = sorted(call.legs.values(), key=lambda leg: (leg.first_seen, leg.uniqueid))
        cdrs = sorted(
            [*call.cdrs.values(), *(c for leg in legs for c in leg.cdrs.values())],
            key=lambda c: (c.start_time, c.unique_id, c.end_time),
        )
        if not legs:
            return self._row_from_cdrs(call, cdrs)
        origin = call.legs.get(call.linkedid) or min(
            legs, key=lambda leg: (leg.created[0] if leg.created else leg.first_seen, leg.uniqueid)
        )
        created_state = origin.created[1] if origin.created else None
        inbound = origin.party == "lead" and created_state != STATE_DOWN
        direction = "inbound" if inbound else "outbound"
        target = "agent" if inbound else "lead"
        other = "lead" if inbound else "agent"

        crm = min((leg.crm_call_id for leg in legs if leg.crm_call_id), default=None)
        crm_call_id = crm[1] if crm else None
        dials = sorted(
            ((dial, leg, caller_uid) for leg in legs for caller_uid, dial in leg.dials_in.items()),
            key=lambda item: (_dial_time(item[0]), item[1].uniqueid, item[2]),
        )
        phone = self._phone(origin, inbound, dials)
        has_lead_leg = any(leg.party == "lead" for leg in legs)
        if crm_call_id is None and not has_lead_leg and phone is None:
            return None  # agent to agent: not a lead call

        complete = self._complete(call)
        started = min(leg.first_seen for leg in legs)
        ends = [leg.ended for leg in legs if leg.ended is not None]
        ended = max(ends) if complete else None
        callees = [leg for leg in legs if leg.party == target and leg is not origin]

        # The callee's answer: its DialEnd ANSWER or its channel going Up.
        answer_marks = [leg.up for leg in callees if leg.up is not None]
        answer_marks += [
            dial.end[0]
            for dial, leg, _ in dials
            if leg.party == target and dial.end and dial.end[1] == "ANSWER"
        ]
        answered = min(answer_marks, default=None)
        if answered is None:
            answered = self._bridged_at(legs, origin, target) or self._cdr_answer(cdrs, callees)
        if answered is not None:
            # A CDR's whole-second times can fall before the first event: keep times in order.
            answered = max(answered, started)
            if ended is not None:
                ended = max(ended, answered)

        ring_start = min((dial.begin[0] for dial, _, _ in dials if dial.begin), default=None)
        ring_end: float | None
        if answered is not None:
            ring_end = answered
        else:
            ends = [dial.end[0] for dial, _, _ in dials if dial.end]
            ring_end = max(ends) if ends else ended
        if ring_start is None and (complete or answered is not None):
            ring_start = ring_end = started  # nothing rang: an empty interval
        talk_end = None
        if answered is not None and complete:
            talk_end = self._talk_end(legs, target, other, ended)

        outcome = None
        hangup_by = None
        if answered is not None:
            if complete:
                outcome = "answered"
                hangup_by = self._hangup_by_after_answer(legs, answered)
        elif complete:
            outcome = self._unanswered_outcome(origin, callees, dials, target, cdrs)
            if outcome == "cancelled":
                hangup_by = origin.party if origin.party in ("agent", "lead") else None
            elif outcome == "busy":
                hangup_by = "lead"
            else:
                hangup_by = "system"

        cause, cause_text = (None, None)
        if complete:
            cause, cause_text = self._hangup_cause(legs, origin, callees, answered)

        if complete:
            status = "ended"
        elif answered is not None:
            status = "confirmed"
        elif any(leg.ringing is not None for leg in callees) or any(
            dial.ringing is not None for dial, leg, _ in dials if leg.party == target
        ):
            status = "ringing"
        else:
            status = "calling"

        recording = min((leg.recording for leg in legs if leg.recording), default=None)
        return CallRow(
            id=crm_call_id or str(uuid.uuid5(CALL_ID_NAMESPACE, "asterisk:" + call.linkedid)),
            pbx_linkedid=call.linkedid,
            crm_call_id=crm_call_id,
            source="webphone" if crm_call_id else "pbx",
            direction=direction,
            phone_number=phone,
            agent_endpoint=self._agent_endpoint(origin, legs, inbound),
            status=status,
            outcome=outcome,
            started_at=datetime.fromtimestamp(started, UTC),
            answered_at=_utc(answered),
            ended_at=_utc(ended),
            ring_started_at=_utc(ring_start),
            ring_ended_at=_utc(ring_end) if ring_start is not None else None,
            talk_ended_at=_utc(talk_end),
            hangup_cause=cause,
            hangup_cause_text=cause_text,
            hangup_by=hangup_by,
            recording_file=recording[1] if recording else None,
        )

    def _phone(self, origin: _Leg, inbound: bool, dials: list) -> str | None:
        cc = self.config.default_country_code
        # Newchannel's view; a channel first met in CoreShowChannels has only later snapshots.
        if origin.created is not None:
            exten, caller = origin.created[2], origin.created[3]
        elif origin.seen_as is not None:
            exten, caller = origin.seen_as[1], origin.seen_as[2]
        else:
            exten, caller = "", ""
        if inbound:
            return to_e164(caller, cc)
        # What the agent dialled: the extension the caller was in when it dialled the lead.
        for dial, leg, caller_uid in dials:
            if leg.party == "lead" and dial.begin and caller_uid == origin.uniqueid:
                number = to_e164(dial.begin[1], cc)
                if number:
                    return number
        for dial, leg, _ in dials:
            if leg.party == "lead" and dial.begin:
                number = to_e164(dial.begin[1], cc)
                if number:
                    return number
        return to_e164(exten, cc)

    @staticmethod
    def _agent_endpoint(origin: _Leg, legs: list[_Leg], inbound: bool) -> str | None:
        if not inbound and origin.party == "agent":
            return origin.endpoint
        agents = [leg for leg in legs if leg.party == "agent"]
        answered = sorted((leg.up, leg.uniqueid, leg) for leg in agents if leg.up is not None)
        if answered:
            return answered[0][2].endpoint
        return agents[0].endpoint if agents else None

    @staticmethod
    def _bridged_at(legs: list[_Leg], origin: _Leg, target: str) -> float | None:
        """When a callee first shared a bridge with another channel (if Dial events are missing)."""
        members: dict[str, list[tuple[float, str, _Leg]]] = {}
        for leg in legs:
            for bridge, entered in leg.bridges.items():
                members.setdefault(bridge, []).append((entered, leg.uniqueid, leg))
        best = None
        for entries in members.values():
            entries.sort(key=lambda entry: entry[:2])
            for i in range(1, len(entries)):
                present = [entry[2] for entry in entries[: i + 1]]
                if any(leg.party == target and leg is not origin for leg in present):
                    best = _earliest(best, entries[i][0])
                    break
        return best

    def _cdr_answer(self, cdrs: list[Cdr], callees: list[_Leg]) -> float | None:
        names = {leg.name for leg in callees}
        marks = [
            self._cdr_time(c.answer_time)
            for c in cdrs
            if c.disposition == "ANSWERED"
            and c.billable_seconds > 0
            and c.answer_time is not None
            and (c.destination_channel in names or c.channel in names)
        ]
        return min((m for m in marks if m is not None), default=None)

    @staticmethod
    def _talk_end(legs: list[_Leg], target: str, other: str, ended: float | None) -> float | None:
        """The conversation ends when the last leg of either side is gone."""
        ends = []
        for party in (target, other):
            side = [leg.ended for leg in legs if leg.party == party and leg.ended is not None]
            if side:
                ends.append(max(side))
        return min(ends) if ends else ended

    @staticmethod
    def _last_hangup_request(legs: list[_Leg], answered: float) -> _Leg | None:
        """The agent or lead leg whose own side hung up last since the answer, if any."""
        requests = [
            (leg.hard_request[0], leg.uniqueid, leg)
            for leg in legs
            if leg.hard_request
            and leg.hard_request[0] >= answered
            and leg.party in ("agent", "lead")
        ]
        return max(requests, key=lambda r: r[:2])[2] if requests else None

    def _hangup_by_after_answer(self, legs: list[_Leg], answered: float) -> str | None:
        last = self._last_hangup_request(legs, answered)
        if last is not None:
            return last.party
        if any(leg.soft_request is not None and leg.soft_request >= answered for leg in legs):
            return "system"
        return None

    def _unanswered_outcome(
        self, origin: _Leg, callees: list[_Leg], dials: list, target: str, cdrs: list[Cdr]
    ) -> str:
        statuses = sorted((dial.end[0], dial.end[1]) for dial, _, _ in dials if dial.end)
        if any(status == "CANCEL" for _, status in statuses):
            return "cancelled"
        if origin.hard_request is not None:
            callee_ends = [leg.ended for leg in callees if leg.ended is not None]
            callee_ends += [leg.hard_request[0] for leg in callees if leg.hard_request]
            if not callee_ends or origin.hard_request[0] <= min(callee_ends):
                return "cancelled"
        for leg in sorted(callees, key=lambda leg: (-(leg.first_seen), leg.uniqueid)):
            if leg.hangup and leg.hangup[1] in CAUSE_OUTCOMES:
                return CAUSE_OUTCOMES[leg.hangup[1]]
        target_statuses = [
            (dial.end[0], dial.end[1]) for dial, leg, _ in dials if dial.end and leg.party == target
        ]
        final = max(target_statuses, default=None) or max(statuses, default=None)
        if final is None and origin.dial_status_var is not None:
            final = origin.dial_status_var
        if final is not None and final[1] in DIAL_STATUS_OUTCOMES:
            return DIAL_STATUS_OUTCOMES[final[1]]
        for cdr in cdrs:
            if cdr.disposition in CDR_DISPOSITION_OUTCOMES:
                return CDR_DISPOSITION_OUTCOMES[cdr.disposition]
        if origin.hangup and origin.hangup[1] in CAUSE_OUTCOMES:
            return CAUSE_OUTCOMES[origin.hangup[1]]
        return "failed"

    def _hangup_cause(
        self, legs: list[_Leg], origin: _Leg, callees: list[_Leg], answered: float | None
    ) -> tuple[int | None, str | None]:
        """The cause Asterisk gave for the end of the call.

        Answered: the hangup of the leg whose side hung up last (see hangup_by), else the
        callee's. Unanswered: the callee leg's (the network's reason), newest attempt first,
        else the caller's. Cause 0 ("Unknown", a leg Dial hung up itself) yields to any other.
        """
        candidates: list[_Leg] = []
        last = self._last_hangup_request(legs, answered) if answered is not None else None
        if last is not None:
            candidates.append(last)
        candidates += sorted(callees, key=lambda leg: (-leg.first_seen, leg.uniqueid))
        candidates.append(origin)
        candidates += legs
        with_cause = [leg.hangup for leg in candidates if leg.hangup and leg.hangup[1] >= 0]
        for hangup in with_cause:
            if hangup[1] != 0:
                return hangup[1], hangup[2] or None
        if with_cause:
            return with_cause[0][1], with_cause[0][2] or None
        return None, None

    def _row_from_cdrs(self, call: _Call, cdrs: list[Cdr]) -> CallRow | None:
        """A call whose channel events were missed entirely: what its CDRs say."""
        if not cdrs:
            return None
        starts = [self._cdr_time(c.start_time) for c in cdrs]
        ends = [self._cdr_time(c.end_time) for c in cdrs]
        started = min(s for s in starts if s is not None)
        ended = max(e for e in ends if e is not None)
        answered_cdrs = [c for c in cdrs if c.disposition == "ANSWERED" and c.answer_time]
        answer_times = [self._cdr_time(c.answer_time) for c in answered_cdrs]
        answered = min((t for t in answer_times if t is not None), default=None)
        if answered is not None:
            answered = min(max(answered, started), ended)
            outcome = "answered"
        else:
            outcome = next(
                (
                    CDR_DISPOSITION_OUTCOMES[c.disposition]
                    for c in cdrs
                    if c.disposition in CDR_DISPOSITION_OUTCOMES
                ),
                "failed",
            )
        first = cdrs[0]
        tech, endpoint = parse_channel_name(first.channel)
        inbound = endpoint in self.config.trunk_endpoints
        raw_phone = first.source if inbound else first.destination
        return CallRow(
            id=str(uuid.uuid5(CALL_ID_NAMESPACE, "asterisk:" + call.linkedid)),
            pbx_linkedid=call.linkedid,
            crm_call_id=None,
            source="pbx",
            direction="inbound" if inbound else "outbound",
            phone_number=to_e164(raw_phone, self.config.default_country_code),
            agent_endpoint=None if inbound or tech.upper() == "LOCAL" else endpoint,
            status="ended",
            outcome=outcome,
            started_at=datetime.fromtimestamp(started, UTC),
            answered_at=_utc(answered),
            ended_at=_utc(ended),
            ring_started_at=_utc(started),
            ring_ended_at=_utc(answered if answered is not None else ended),
            # Asterisk's own count of the conversation (billsec), from the answer.
            talk_ended_at=None if answered is None else datetime.fromtimestamp(answered, UTC)
            + timedelta(seconds=max(c.billable_seconds for c in cdrs)),
            hangup_cause=None,
            hangup_cause_text=None,
            hangup_by=None,
            recording_file=None,
        )
