"""The Asterisk Manager Interface as the workers that speak it see it (AMI bridge, dialer).

panoramisk keeps the connection and matches answers to actions; its own parser is bypassed
(workers/ami_bridge/__init__.py says why), so this module holds what both workers share:

- `FrameReader` cuts the byte stream into frames: `Key: Value` lines ended by an empty line.
  Asterisk writes CRLF; bare LF is accepted too. The greeting line (`Asterisk Call
  Manager/x.y.z`, not followed by an empty line) is recognised first. A frame larger than
  `MAX_FRAME_BYTES` is discarded up to its end without ever being buffered whole, so a 10 MB
  field costs 64 KiB of memory, not 10 MB. Bytes that are not UTF-8 are replaced (U+FFFD) and
  the frame is marked lossy: a carrier's Latin-1 caller name must not cost us the event it rides
  on. Whatever arrives, it returns values (`Frame`, `Greeting`, `Malformed`) and never raises.
- `ReconnectingManager` is panoramisk's Manager with a reconnect delay that backs off with
  jitter between the worker's minimum and maximum (reset on a successful login), a log line
  when a login is refused, an end to reconnecting on shutdown, and no ping of its own
  (panoramisk's never checks the answer, so a half-open TCP connection would go unnoticed:
  `AmiSession.keepalive` does it instead).
- `AmiSession` is what a worker's parts need of the connection: logged in or not, send an
  action and wait for its answer, keep the connection honest.
- `MalformedLog` counts skipped input by reason and logs at most 10 lines a minute per reason:
  garbage on the wire must not flood the logs.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from dataclasses import dataclass
from typing import Any, TypeAlias

from panoramisk import Manager
from panoramisk.message import Message
from prometheus_client import Counter

from workers.common.database import backoff

MAX_FRAME_BYTES = 64 * 1024
"""Real frames are under 4 KiB (the largest: Cdr with custom fields, CoreShowChannel)."""
MAX_VALUE_CHARS = 8 * 1024
MAX_FIELDS = 256

_GREETING_PREFIX = b"Asterisk Call Manager/"
_FRAME_END = re.compile(rb"\n\r?\n")
FIELD_KEY = re.compile(r"[A-Za-z][A-Za-z0-9_\-()/.;@]{0,99}", re.ASCII)
"""What a field's key (and an event's name) may look like."""

AmiAnswer: TypeAlias = "Message | list[Message]"
"""What panoramisk resolves an action with: one response, or a list for event lists."""


# --------------------------------------------------------------------------- frames
class Frame:
    """One AMI frame: its fields in wire order (keys may repeat, e.g. ChanVariable)."""

    __slots__ = ("_first", "fields", "junk_lines", "lossy")

    def __init__(
        self, fields: tuple[tuple[str, str], ...], *, lossy: bool = False, junk_lines: int = 0
    ) -> None:
        self.fields = fields
        self.lossy = lossy
        self.junk_lines = junk_lines
        first: dict[str, str] = {}
        for key, value in fields:
            first.setdefault(key.lower(), value)
        self._first = first

    def get(self, key: str, default: str | None = None) -> str | None:
        """The first value of a field; AMI keys are matched without regard to case."""
        return self._first.get(key.lower(), default)

    def get_all(self, key: str) -> list[str]:
        lowered = key.lower()
        return [v for k, v in self.fields if k.lower() == lowered]

    def count(self, key: str) -> int:
        return len(self.get_all(key))

    @property
    def event(self) -> str | None:
        return self.get("Event")

    def to_message(self) -> Message:
        """A panoramisk Message (repeated keys as lists, as panoramisk's own parser makes them)."""
        headers: dict[str, str | list[str]] = {}
        for key, value in self.fields:
            if key in headers:
                previous = headers[key]
                headers[key] = (
                    [*previous, value] if isinstance(previous, list) else [previous, value]
                )
            else:
                headers[key] = value
        return Message(headers)

    def sample(self) -> bytes:
        """The first fields as the wire had them, for a log line about a skipped frame."""
        return "".join(f"{k}: {v}\r\n" for k, v in self.fields[:6]).encode()[:120]

    def __repr__(self) -> str:
        return f"Frame({dict(self.fields)!r})"


@dataclass(frozen=True, slots=True)
class Greeting:
    version: str


@dataclass(frozen=True, slots=True)
class Malformed:
    """Input that was skipped, and why (a short reason code, then detail for the log)."""

    reason: str
    detail: str = ""
    sample: bytes = b""


class FrameReader:
    """Incremental framing: feed bytes as they arrive, get frames back.

    Memory stays bounded by `max_frame_bytes` plus one read, however the peer misbehaves.
    """

    def __init__(self, *, expect_greeting: bool = True, max_frame_bytes: int = MAX_FRAME_BYTES):
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
                        out.append(
                            Malformed(
                                "oversized", f"frame over {self._max} bytes", bytes(self._buf[:120])
                            )
                        )
                        self._discarding = True
                    # Keep the tail so a terminator split across reads is still seen.
                    del self._buf[:-2]
                    self._scan_from = 0
                return out
            raw = bytes(self._buf[: match.start() + 1])
            del self._buf[: match.end()]
            self._scan_from = 0
            if self._discarding:
                self._discarding = False
                continue
            if len(raw) > self._max:
                out.append(Malformed("oversized", f"frame of {len(raw)} bytes", raw[:120]))
                continue
            item = _split_fields(raw)
            if item is not None:
                out.append(item)

    def close(self) -> list[Malformed]:
        """End of stream: a partial frame left in the buffer was truncated."""
        rest = bytes(self._buf).strip(b"\r\n")
        self._buf.clear()
        self._scan_from = 0
        discarding, self._discarding = self._discarding, False
        if rest and not discarding:
            return [Malformed("truncated", "stream ended inside a frame", rest[:120])]
        return []

    def _take_greeting(self, out: list[Frame | Greeting | Malformed]) -> bool:
        end = self._buf.find(b"\n")
        if end < 0:
            if len(self._buf) > 256:  # no greeting is that long: treat the stream as frames
                self._expect_greeting = False
                out.append(Malformed("no_greeting", "", bytes(self._buf[:120])))
                return True
            return False
        line = bytes(self._buf[:end]).rstrip(b"\r")
        self._expect_greeting = False
        if line.startswith(_GREETING_PREFIX):
            del self._buf[: end + 1]
            version = line[len(_GREETING_PREFIX) :].decode("ascii", "replace").strip()
            out.append(Greeting(version))
        else:
            out.append(Malformed("no_greeting", "", line[:120]))
        return True


def _split_fields(raw: bytes) -> Frame | Malformed | None:
    try:
        text = raw.decode("utf-8")
        lossy = False
    except UnicodeDecodeError:
        text = raw.decode("utf-8", "replace")
        lossy = True
    fields: list[tuple[str, str]] = []
    junk = 0
    for line in text.split("\n"):
        line = line.rstrip("\r")
        if not line.strip():
            continue
        key, sep, value = line.partition(":")
        key = key.strip()
        if not sep or not FIELD_KEY.fullmatch(key):
            junk += 1
            continue
        value = value.strip()
        if len(value) > MAX_VALUE_CHARS:
            return Malformed("oversized_field", key, raw[:120])
        fields.append((key, value))
        if len(fields) > MAX_FIELDS:
            return Malformed("too_many_fields", "", raw[:120])
    if not fields:
        if junk == 0:
            return None  # stray blank lines between frames
        return Malformed("no_fields", f"{junk} unparseable lines", raw[:120])
    return Frame(tuple(fields), lossy=lossy, junk_lines=junk)


class MalformedLog:
    """Skipped input: counted by reason, logged at most 10 times a minute per reason."""

    def __init__(self, log: logging.Logger, counter: Counter) -> None:
        self._log = log
        self._counter = counter
        self._budget: dict[str, tuple[float, int]] = {}

    def __call__(self, item: Malformed) -> None:
        self._counter.labels(item.reason).inc()
        now = time.monotonic()
        window, count = self._budget.get(item.reason, (now, 0))
        if now - window > 60:
            window, count = now, 0
        self._budget[item.reason] = (window, count + 1)
        if count < 10:
            self._log.warning(
                "skipped malformed AMI input",
                extra={"reason": item.reason, "detail": item.detail[:200],
                       "sample": item.sample.decode("utf-8", "replace")},
            )


# ----------------------------------------------------------------------- the connection
class ReconnectingManager(Manager):
    """panoramisk's Manager, with a backing-off reconnect delay and an end to reconnecting on
    shutdown. Its messages go to the logger given as `log` (panoramisk's own use it too)."""

    def __init__(self, *, reconnect_min_s: float, reconnect_max_s: float, **config: Any) -> None:
        super().__init__(reconnect_timeout=reconnect_min_s, **config)
        self._reconnect_min_s, self._reconnect_max_s = reconnect_min_s, reconnect_max_s
        self._failures = 0
        self.closing = False

    def _next_delay(self) -> float:
        self._failures += 1
        return backoff(self._failures, self._reconnect_min_s, self._reconnect_max_s)

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
            self.log.warning(
                "cannot reach AMI",
                extra={"error": repr(error), "retry_in_s": round(self.reconnect_timeout, 2)},
            )
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
            if response.success:
                self._failures = 0
                self.reconnect_timeout = self._reconnect_min_s
            else:
                self.log.error(
                    "AMI refused the login",
                    extra={"username": self.config.get("username"),
                           "ami_message": response.message},
                )
        elif not future.cancelled():
            return False
        return super().login(future)

    def ping(self) -> None:
        """panoramisk's own ping never checks the answer; `AmiSession.keepalive` does."""


class AmiSession:
    """The AMI connection as a worker's parts use it: logged in or not, and actions."""

    def __init__(self, log: logging.Logger) -> None:
        self.manager: ReconnectingManager | None = None
        self.logged_in = False
        self._log = log

    def send(self, action: dict[str, Any]) -> asyncio.Future:
        """Send an action; the future resolves with its answer. ConnectionError when logged out."""
        if self.manager is None or not self.logged_in:
            raise ConnectionError("not logged in to AMI")
        return self.manager.send_action(action)

    async def action(self, action: dict[str, Any], timeout: float) -> AmiAnswer:
        """Send an action and wait for its answer (TimeoutError after `timeout` seconds)."""
        return await asyncio.wait_for(self.send(action), timeout)

    async def keepalive(self, interval_s: float, timeout_s: float) -> None:
        """Forever: a Ping every `interval_s`; a connection that does not answer within
        `timeout_s` is aborted, so the manager reconnects (a half-open TCP connection would
        otherwise look alive until the kernel gives up, minutes later)."""
        while True:
            await asyncio.sleep(interval_s)
            manager = self.manager
            if not self.logged_in or manager is None:
                continue
            protocol = manager.protocol
            try:
                await self.action({"Action": "Ping"}, timeout_s)
            except (TimeoutError, ConnectionError):
                if self.logged_in and manager.protocol is protocol:
                    self._log.warning("AMI did not answer a ping in time: reconnecting",
                                      extra={"timeout_s": timeout_s})
                    protocol.transport.abort()
