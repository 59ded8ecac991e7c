"""Turn the AMI byte stream into typed events.

Two steps, both total: whatever bytes arrive, they return values and never raise.

- `FrameReader` (workers/common/ami.py, shared with the dialer) cuts the stream into bounded
  frames; bytes that are not UTF-8 are replaced and the frame is marked lossy, while the
  identifiers we key on (Uniqueid, Linkedid, Channel) are validated as ASCII below, so a frame
  whose identifiers are damaged is rejected, not misfiled.
- `parse_frame` turns a frame into a typed event, a `Response` or a `Malformed` report. Fields
  the call model depends on are validated (identifier shape, timestamps in range, causes and
  durations as non-negative integers, CDR times as dates); failing one makes the whole frame
  `Malformed`. Events we do not model become `OtherEvent`.

`EventReader` chains the two and counts what it saw; the bridge feeds it from its socket
protocol and logs each `Malformed` item it returns.

Event times come from the `Timestamp` header (manager.conf `timestampevents = yes`, which the
bridge requires: it makes replays and reordering harmless); without it, the receive time.
"""

from __future__ import annotations

import math
import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from workers.common.ami import (
    FIELD_KEY,
    Frame,
    FrameReader,
    Greeting,
    Malformed,
)

MAX_DURATION_SECONDS = 31 * 24 * 3600
"""A channel or CDR longer than a month is corrupt input, not a call."""

_ID = re.compile(r"[A-Za-z0-9_.\-]{1,128}", re.ASCII)
_WORD = re.compile(r"[A-Za-z_ ]{1,32}", re.ASCII)
_HMS = re.compile(r"(\d{1,6}):([0-5]\d):([0-5]\d)", re.ASCII)
_CONTROL = re.compile(r"[\x00-\x1f\x7f\ufffd]")
_MIN_EPOCH = 946_684_800.0  # 2000-01-01
_MAX_EPOCH = 4_102_444_800.0  # 2100-01-01
_UNKNOWN = "<unknown>"


# ----------------------------------------------------------------------- typed events
@dataclass(frozen=True, slots=True, kw_only=True)
class Channel:
    """The channel snapshot most call events carry (or its `Dest`-prefixed twin)."""

    name: str
    uniqueid: str
    linkedid: str
    state: int | None = None
    caller_id_num: str | None = None
    caller_id_name: str | None = None
    connected_line_num: str | None = None
    context: str | None = None
    exten: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class AmiEvent:
    name: str
    time: float
    """Seconds since the epoch: the `Timestamp` header, else when the frame was read."""
    timestamped: bool
    frame: Frame = field(repr=False, compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class ChannelEvent(AmiEvent):
    channel: Channel


@dataclass(frozen=True, slots=True, kw_only=True)
class Newchannel(ChannelEvent):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class Newstate(ChannelEvent):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class Hangup(ChannelEvent):
    cause: int | None
    cause_txt: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class HangupRequest(ChannelEvent):
    """`HangupRequest` (the channel's own side hung up) or `SoftHangupRequest` (Asterisk did)."""

    cause: int | None
    soft: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class VarSet(ChannelEvent):
    variable: str
    value: str


@dataclass(frozen=True, slots=True, kw_only=True)
class BridgeEvent(ChannelEvent):
    """`BridgeEnter` or `BridgeLeave`, told apart by `name`."""

    bridge_uniqueid: str
    bridge_num_channels: int | None


@dataclass(frozen=True, slots=True, kw_only=True)
class DialEvent(AmiEvent):
    """`DialBegin`, `DialState` or `DialEnd`. `caller` is None when an Originate dials."""

    caller: Channel | None
    dest: Channel
    dial_string: str | None
    dial_status: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Cdr(AmiEvent):
    """A CDR from cdr_manager. Its times are the PBX's local wall-clock time, without zone."""

    unique_id: str
    linked_id: str | None
    """Only when cdr_manager.conf maps it (`[mappings] linkedid => LinkedID`)."""
    channel: str
    destination_channel: str | None
    source: str | None
    destination: str | None
    start_time: datetime
    answer_time: datetime | None
    end_time: datetime
    duration: int
    billable_seconds: int
    disposition: str
    user_field: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class CoreShowChannel(ChannelEvent):
    action_id: str | None
    duration_seconds: int | None
    application: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class CoreShowChannelsComplete(AmiEvent):
    action_id: str | None
    list_items: int | None


@dataclass(frozen=True, slots=True, kw_only=True)
class OriginateResponse(AmiEvent):
    action_id: str | None
    response: str
    channel: str | None
    reason: int | None
    uniqueid: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class OtherEvent(AmiEvent):
    """A well-formed event the bridge does not model (Newexten, BridgeCreate, ...)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Response:
    response: str
    action_id: str | None
    message: str | None
    frame: Frame = field(repr=False, compare=False)


Item = AmiEvent | Response | Greeting | Malformed


class _Bad(Exception):
    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = detail


# ----------------------------------------------------------------------- field checks
def _opt(frame: Frame, key: str) -> str | None:
    value = frame.get(key)
    if value is None or value == "" or value == _UNKNOWN:
        return None
    return value


def _req(frame: Frame, key: str) -> str:
    value = frame.get(key)
    if value is None or value == "":
        raise _Bad("missing_field", key)
    return value


def _ident(frame: Frame, key: str) -> str:
    value = _req(frame, key)
    if not _ID.fullmatch(value):
        raise _Bad("bad_field", key)
    return value


def _opt_ident(frame: Frame, key: str) -> str | None:
    value = _opt(frame, key)
    if value is not None and not _ID.fullmatch(value):
        raise _Bad("bad_field", key)
    return value


def _channel_name(frame: Frame, key: str) -> str:
    value = _req(frame, key)
    if len(value) > 256 or _CONTROL.search(value):
        raise _Bad("bad_field", key)
    return value


def _int(frame: Frame, key: str, low: int, high: int) -> int | None:
    value = _opt(frame, key)
    if value is None:
        return None
    try:
        number = int(value)
    except ValueError:
        raise _Bad("bad_field", key) from None
    if not low <= number <= high:
        raise _Bad("out_of_range", f"{key}={number}")
    return number


def _status(frame: Frame, key: str) -> str | None:
    value = _opt(frame, key)
    if value is not None and not _WORD.fullmatch(value):
        raise _Bad("bad_field", key)
    return value.upper() if value is not None else None


def _cdr_time(frame: Frame, key: str) -> datetime | None:
    value = _opt(frame, key)
    if value is None:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d %H:%M:%S")
    except ValueError:
        raise _Bad("bad_field", key) from None


def _req_cdr_time(frame: Frame, key: str) -> datetime:
    value = _cdr_time(frame, key)
    if value is None:
        raise _Bad("missing_field", key)
    return value


def _hms(frame: Frame, key: str) -> int | None:
    value = _opt(frame, key)
    if value is None:
        return None
    match = _HMS.fullmatch(value)
    if match is None:
        raise _Bad("bad_field", key)
    hours, minutes, seconds = (int(g) for g in match.groups())
    total = hours * 3600 + minutes * 60 + seconds
    if total > MAX_DURATION_SECONDS:
        raise _Bad("out_of_range", f"{key}={value}")
    return total


def _event_time(frame: Frame, received_at: float) -> tuple[float, bool]:
    value = frame.get("Timestamp")
    if value is None:
        return received_at, False
    try:
        stamp = float(value)
    except ValueError:
        raise _Bad("bad_field", "Timestamp") from None
    if not math.isfinite(stamp) or not _MIN_EPOCH <= stamp <= _MAX_EPOCH:
        raise _Bad("out_of_range", f"Timestamp={value}")
    return stamp, True


def _snapshot(frame: Frame, prefix: str = "") -> Channel:
    return Channel(
        name=_channel_name(frame, prefix + "Channel"),
        uniqueid=_ident(frame, prefix + "Uniqueid"),
        linkedid=_ident(frame, prefix + "Linkedid"),
        state=_int(frame, prefix + "ChannelState", 0, 99),
        caller_id_num=_opt(frame, prefix + "CallerIDNum"),
        caller_id_name=_opt(frame, prefix + "CallerIDName"),
        connected_line_num=_opt(frame, prefix + "ConnectedLineNum"),
        context=_opt(frame, prefix + "Context"),
        exten=_opt(frame, prefix + "Exten"),
    )


# ----------------------------------------------------------------------- event builders
def _newchannel(frame: Frame, base: dict) -> AmiEvent:
    return Newchannel(**base, channel=_snapshot(frame))


def _newstate(frame: Frame, base: dict) -> AmiEvent:
    return Newstate(**base, channel=_snapshot(frame))


def _hangup(frame: Frame, base: dict) -> AmiEvent:
    return Hangup(
        **base,
        channel=_snapshot(frame),
        cause=_int(frame, "Cause", 0, 255),
        cause_txt=_opt(frame, "Cause-txt"),
    )


def _hangup_request(frame: Frame, base: dict) -> AmiEvent:
    return HangupRequest(
        **base,
        channel=_snapshot(frame),
        cause=_int(frame, "Cause", 0, 255),
        soft=base["name"] == "SoftHangupRequest",
    )


def _varset(frame: Frame, base: dict) -> AmiEvent:
    variable = _req(frame, "Variable")
    if len(variable) > 128 or _CONTROL.search(variable):
        raise _Bad("bad_field", "Variable")
    value = frame.get("Value") or ""
    return VarSet(**base, channel=_snapshot(frame), variable=variable, value=value)


def _bridge(frame: Frame, base: dict) -> AmiEvent:
    return BridgeEvent(
        **base,
        channel=_snapshot(frame),
        bridge_uniqueid=_ident(frame, "BridgeUniqueid"),
        bridge_num_channels=_int(frame, "BridgeNumChannels", 0, 10_000),
    )


def _dial(frame: Frame, base: dict) -> AmiEvent:
    caller = _snapshot(frame) if frame.get("Channel") else None
    return DialEvent(
        **base,
        caller=caller,
        dest=_snapshot(frame, "Dest"),
        dial_string=_opt(frame, "DialString"),
        dial_status=_status(frame, "DialStatus"),
    )


def _cdr(frame: Frame, base: dict) -> AmiEvent:
    return Cdr(
        **base,
        unique_id=_ident(frame, "UniqueID"),
        linked_id=_opt_ident(frame, "LinkedID"),
        channel=_channel_name(frame, "Channel"),
        destination_channel=_opt(frame, "DestinationChannel"),
        source=_opt(frame, "Source"),
        destination=_opt(frame, "Destination"),
        start_time=_req_cdr_time(frame, "StartTime"),
        answer_time=_cdr_time(frame, "AnswerTime"),
        end_time=_req_cdr_time(frame, "EndTime"),
        duration=_int(frame, "Duration", 0, MAX_DURATION_SECONDS) or 0,
        billable_seconds=_int(frame, "BillableSeconds", 0, MAX_DURATION_SECONDS) or 0,
        disposition=(_req(frame, "Disposition")).upper(),
        user_field=_opt(frame, "UserField"),
    )


def _core_show_channel(frame: Frame, base: dict) -> AmiEvent:
    return CoreShowChannel(
        **base,
        channel=_snapshot(frame),
        action_id=frame.get("ActionID"),
        duration_seconds=_hms(frame, "Duration"),
        application=_opt(frame, "Application"),
    )


def _core_show_complete(frame: Frame, base: dict) -> AmiEvent:
    return CoreShowChannelsComplete(
        **base, action_id=frame.get("ActionID"), list_items=_int(frame, "ListItems", 0, 1_000_000)
    )


def _originate_response(frame: Frame, base: dict) -> AmiEvent:
    return OriginateResponse(
        **base,
        action_id=frame.get("ActionID"),
        response=_req(frame, "Response"),
        channel=_opt(frame, "Channel"),
        reason=_int(frame, "Reason", 0, 99),
        uniqueid=_opt_ident(frame, "Uniqueid"),
    )


_BUILDERS: dict[str, Callable[[Frame, dict], AmiEvent]] = {
    "Newchannel": _newchannel,
    "Newstate": _newstate,
    "Hangup": _hangup,
    "HangupRequest": _hangup_request,
    "SoftHangupRequest": _hangup_request,
    "VarSet": _varset,
    "BridgeEnter": _bridge,
    "BridgeLeave": _bridge,
    "DialBegin": _dial,
    "DialState": _dial,
    "DialEnd": _dial,
    "Cdr": _cdr,
    "CoreShowChannel": _core_show_channel,
    "CoreShowChannelsComplete": _core_show_complete,
    "OriginateResponse": _originate_response,
}
MODELLED_EVENTS = frozenset(_BUILDERS)


def parse_frame(frame: Frame, received_at: float) -> AmiEvent | Response | Malformed:
    """A typed event or response for a frame; `Malformed` when the frame cannot be trusted."""
    try:
        if frame.count("Event") > 1 or (frame.count("Response") > 1 and frame.get("Event") is None):
            raise _Bad("merged_frames", "two frames ran together (a truncated frame)")
        name = frame.get("Event")
        if name is None:
            response = frame.get("Response")
            if not response:
                raise _Bad("no_event_or_response")
            return Response(
                response=response,
                action_id=frame.get("ActionID"),
                message=frame.get("Message"),
                frame=frame,
            )
        if not name or not FIELD_KEY.fullmatch(name):
            raise _Bad("bad_field", "Event")
        stamp, timestamped = _event_time(frame, received_at)
        base: dict[str, Any] = {
            "name": name, "time": stamp, "timestamped": timestamped, "frame": frame
        }
        builder = _BUILDERS.get(name)
        if builder is None:
            return OtherEvent(name=name, time=stamp, timestamped=timestamped, frame=frame)
        return builder(frame, base)
    except _Bad as bad:
        return Malformed(bad.reason, bad.detail, frame.sample())
    except Exception as exc:  # a parser bug must cost one frame, never the reader
        return Malformed("parser_error", repr(exc)[:200], frame.sample())


# --------------------------------------------------------------------------- reader
@dataclass
class ReaderStats:
    frames: int = 0
    events: int = 0
    responses: int = 0
    unmodelled: int = 0
    lossy: int = 0
    malformed: Counter[str] = field(default_factory=Counter)


class EventReader:
    """Bytes in, typed items out (events, responses, the greeting, malformed reports)."""

    def __init__(
        self, *, expect_greeting: bool = True, clock: Callable[[], float] = time.time
    ) -> None:
        self._frames = FrameReader(expect_greeting=expect_greeting)
        self._clock = clock
        self.stats = ReaderStats()

    def feed(self, data: bytes) -> list[Item]:
        received_at = self._clock()
        out: list[Item] = []
        for piece in self._frames.feed(data):
            out.append(self._typed(piece, received_at))
        return out

    def close(self) -> list[Item]:
        out: list[Item] = []
        for piece in self._frames.close():
            self.stats.malformed[piece.reason] += 1
            out.append(piece)
        return out

    def _typed(self, piece: Frame | Greeting | Malformed, received_at: float) -> Item:
        if isinstance(piece, Greeting):
            return piece
        if isinstance(piece, Malformed):
            self.stats.malformed[piece.reason] += 1
            return piece
        self.stats.frames += 1
        if piece.lossy:
            self.stats.lossy += 1
        item = parse_frame(piece, received_at)
        if isinstance(item, Malformed):
            self.stats.malformed[item.reason] += 1
        elif isinstance(item, Response):
            self.stats.responses += 1
        else:
            self.stats.events += 1
            if isinstance(item, OtherEvent):
                self.stats.unmodelled += 1
        return item
