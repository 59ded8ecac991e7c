"""panoramisk wired to a bounded frame reader: the AMI connection as the dialer sees it.

The same choices as the AMI bridge (workers/ami_bridge/__init__.py says why panoramisk and why
its own parser is bypassed); workers do not import each other, so this module keeps its own
copy of the few parts the dialer needs:
- `FrameReader` cuts the stream into frames (`Key: Value` lines ended by an empty line, CRLF or
  LF), bounded: a frame over MAX_FRAME_BYTES is skipped without being buffered whole, bytes that
  are not UTF-8 are replaced, and every skip is reported as `Malformed`, never raised;
- `DialerProtocol` feeds it and hands every frame to the dialer; responses, and events that
  answer one of our actions (OriginateResponse by ActionID, CoreShowChannel lists), also go to
  panoramisk as `Message`s so its action futures resolve;
- `DialerManager` reconnects with the dialer's backoff and stops reconnecting on shutdown; it
  never re-sends an action after a reconnect (an Originate sent twice would ring a lead twice);
- `AmiSession` is what the rest needs: logged in or not, send an action, wait for its answer.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from panoramisk import Manager
from panoramisk.ami_protocol import AMIProtocol
from panoramisk.message import Message

log = logging.getLogger("workers.dialer")

MAX_FRAME_BYTES = 64 * 1024
MAX_FIELDS = 256
GREETING_PREFIX = b"Asterisk Call Manager/"
_FRAME_END = re.compile(rb"\n\r?\n")
_KEY = re.compile(r"[A-Za-z][A-Za-z0-9_\-()/.;@]{0,99}", re.ASCII)
FORGETTABLE = ("ping", "login", "logoff", "coreshowchannels", "originate", "redirect",
               "hangup")
"""Every action the dialer sends: none is queued again after a reconnect."""


class Frame:
    """One AMI frame: its fields in wire order; keys matched without regard to case."""

    __slots__ = ("_first", "fields", "lossy")

    def __init__(self, fields: tuple[tuple[str, str], ...], *, lossy: bool = False) -> None:
        self.fields = fields
        self.lossy = lossy
        first: dict[str, str] = {}
        for key, value in fields:
            first.setdefault(key.lower(), value)
        self._first = first

    def get(self, key: str, default: str | None = None) -> str | None:
        return self._first.get(key.lower(), default)

    def count(self, key: str) -> int:
        lowered = key.lower()
        return sum(1 for k, _ in self.fields if k.lower() == lowered)

    @property
    def event(self) -> str | None:
        return self.get("Event")

    def __repr__(self) -> str:
        return f"Frame({dict(self.fields)!r})"


@dataclass(frozen=True, slots=True)
class Greeting:
    version: str


@dataclass(frozen=True, slots=True)
class Malformed:
    reason: str
    sample: bytes = b""


class FrameReader:
    """Incremental framing; memory bounded by MAX_FRAME_BYTES plus one read."""

    def __init__(self, *, expect_greeting: bool = True,
                 max_frame_bytes: int = MAX_FRAME_BYTES) -> None:
        self._buf = bytearray()
        self._scan_from = 0
        self._discarding = False
        self._expect_greeting = expect_greeting
        self._max = max_frame_bytes

    def feed(self, data: bytes) -> list[Frame | Greeting | Malformed]:
        out: list[Frame | Greeting | Malformed] = []
        self._buf += data
        if self._expect_greeting and not self._take_greeting(out):
            return out
        while True:
            match = _FRAME_END.search(self._buf, self._scan_from)
            if match is None:
                self._scan_from = max(0, len(self._buf) - 2)
                if len(self._buf) > self._max:
                    if not self._discarding:
                        out.append(Malformed("oversized", bytes(self._buf[:120])))
                        self._discarding = True
                    del self._buf[:-2]  # a terminator split across reads is still seen
                    self._scan_from = 0
                return out
            raw = bytes(self._buf[: match.start() + 1])
            del self._buf[: match.end()]
            self._scan_from = 0
            if self._discarding:
                self._discarding = False
                continue
            if len(raw) > self._max:
                out.append(Malformed("oversized", raw[:120]))
                continue
            item = _split(raw)
            if item is not None:
                out.append(item)

    def close(self) -> list[Malformed]:
        rest = bytes(self._buf).strip(b"\r\n")
        self._buf.clear()
        self._scan_from = 0
        discarding, self._discarding = self._discarding, False
        return [Malformed("truncated", rest[:120])] if rest and not discarding else []

    def _take_greeting(self, out: list[Frame | Greeting | Malformed]) -> bool:
        end = self._buf.find(b"\n")
        if end < 0:
            if len(self._buf) > 256:
                self._expect_greeting = False
                out.append(Malformed("no_greeting", bytes(self._buf[:120])))
                return True
            return False
        line = bytes(self._buf[:end]).rstrip(b"\r")
        self._expect_greeting = False
        if line.startswith(GREETING_PREFIX):
            del self._buf[: end + 1]
            out.append(Greeting(line[len(GREETING_PREFIX):].decode("ascii", "replace").strip()))
        else:
            out.append(Malformed("no_greeting", line[:120]))
        return True


def _split(raw: bytes) -> Frame | Malformed | None:
    try:
        text, lossy = raw.decode("utf-8"), False
    except UnicodeDecodeError:
        text, lossy = raw.decode("utf-8", "replace"), True
    fields: list[tuple[str, str]] = []
    junk = 0
    for line in text.split("\n"):
        line = line.rstrip("\r")
        if not line.strip():
            continue
        key, sep, value = line.partition(":")
        key = key.strip()
        if not sep or not _KEY.fullmatch(key):
            junk += 1
            continue
        fields.append((key, value.strip()))
        if len(fields) > MAX_FIELDS:
            return Malformed("too_many_fields", raw[:120])
    if not fields:
        return Malformed("no_fields", raw[:120]) if junk else None
    frame = Frame(tuple(fields), lossy=lossy)
    if frame.count("Event") > 1 or (frame.event is None and frame.get("Response") is None):
        return Malformed("merged_frames" if frame.count("Event") > 1 else "no_event",
                         raw[:120])
    return frame


def to_message(frame: Frame) -> Message:
    """A panoramisk Message for a frame (repeated keys as lists, as panoramisk does)."""
    headers: dict[str, str | list[str]] = {}
    for key, value in frame.fields:
        if key in headers:
            previous = headers[key]
            headers[key] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            headers[key] = value
    return Message(headers)


Item = Frame | Greeting | Malformed


class DialerProtocol(AMIProtocol):
    """panoramisk's protocol with our reader in front."""

    def __init__(self, on_items: Callable[[DialerProtocol, Iterable[Item]], None],
                 on_lost: Callable[[DialerProtocol], None]) -> None:
        super().__init__()
        self._on_items, self._on_lost = on_items, on_lost
        self._reader = FrameReader()

    def data_received(self, data: bytes) -> None:
        self._on_items(self, self._reader.feed(data))

    def connection_lost(self, exc: Exception | None) -> None:
        self._on_items(self, self._reader.close())
        self._on_lost(self)
        super().connection_lost(exc)

    def answers(self, frame: Frame) -> bool:
        """Hand the frame to panoramisk if it answers one of our actions; True if it did."""
        action_id = frame.get("ActionID")
        if frame.event is None or (action_id and action_id in self.responses):
            self.handle_message(to_message(frame))
            return True
        return False


class DialerManager(Manager):
    """panoramisk's Manager with our reconnect delay and an end to reconnecting on shutdown."""

    def __init__(self, next_reconnect_delay: Callable[[], float], **config: Any) -> None:
        super().__init__(**config)
        self._next_delay = next_reconnect_delay
        self.closing = False

    def connect(self, *args: Any, **kwargs: Any) -> Any:
        if self.closing:
            return None
        return super().connect(*args, **kwargs)

    def connection_made(self, f: asyncio.Future) -> None:
        error = None if f.cancelled() else f.exception()
        if self.closing:
            if not f.cancelled() and error is None:
                f.result()[0].close()
            return
        if f.cancelled() or error is not None:
            self.reconnect_timeout = self._next_delay()
            log.warning("cannot reach AMI", extra={"error": repr(error),
                                                   "retry_in_s": round(self.reconnect_timeout, 2)})
            if not isinstance(error, OSError):  # panoramisk would not retry these
                self.loop.call_later(self.reconnect_timeout, self.connect)
                return
        super().connection_made(f)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.closing:
            self._connected = False
            return
        self.reconnect_timeout = self._next_delay()
        super().connection_lost(exc)

    def login(self, future: asyncio.Future) -> Any:
        if not future.cancelled() and future.exception() is None:
            response = future.result()
            if not response.success:
                log.error("AMI refused the login", extra={
                    "username": self.config.get("username"), "ami_message": response.message})
        elif not future.cancelled():
            return False
        return super().login(future)

    def ping(self) -> None:
        """panoramisk's own ping never checks the answer; the dialer runs its own."""


class AmiSession:
    """The AMI connection as the dialer's parts use it."""

    def __init__(self) -> None:
        self.manager: DialerManager | None = None
        self.logged_in = False

    def send(self, action: dict[str, Any]) -> asyncio.Future:
        """Send an action; the future resolves with its answer. ConnectionError when logged out."""
        if self.manager is None or not self.logged_in:
            raise ConnectionError("not logged in to AMI")
        return self.manager.send_action(action)

    async def action(self, action: dict[str, Any], timeout: float) -> Message | list[Message]:
        """Send an action and wait for its answer (TimeoutError after `timeout` seconds)."""
        return await asyncio.wait_for(self.send(action), timeout)
