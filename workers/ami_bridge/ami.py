"""panoramisk wired to our reader: the AMI connection as the rest of the bridge sees it.

- `BridgeProtocol` (the Manager's `protocol_factory`) feeds every byte to `events.EventReader`
  and hands what it parsed to the bridge; responses, and the events that answer one of our
  actions (CoreShowChannel..., OriginateResponse), also go to panoramisk as `Message`s so its
  action futures resolve.
- `BridgeManager` takes its reconnect delay from the bridge (exponential backoff with jitter,
  reset on a successful login) before panoramisk schedules the reconnect, says when a login is
  refused, stops reconnecting on shutdown, and leaves pinging to the bridge (panoramisk's own
  Ping never checks the answer, so a half-open TCP connection would go unnoticed).
- `AmiSession` is what the bridge's parts (originate, recording stop, reconcile) need of the
  connection: whether it is logged in, and sending an action.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from typing import Any, TypeAlias

from panoramisk import Manager
from panoramisk.ami_protocol import AMIProtocol
from panoramisk.message import Message

from workers.ami_bridge.events import AmiEvent, EventReader, Item, Response

log = logging.getLogger("workers.ami_bridge")

AmiAnswer: TypeAlias = "Message | list[Message]"
"""What panoramisk resolves an action with: one response, or a list for event lists."""


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

    def __init__(
        self,
        on_items: Callable[[BridgeProtocol, Iterable[Item]], None],
        on_lost: Callable[[BridgeProtocol], None],
    ) -> None:
        super().__init__()
        self._on_items, self._on_lost = on_items, on_lost
        self._reader = EventReader()

    def data_received(self, data: bytes) -> None:
        self._on_items(self, self._reader.feed(data))

    def connection_lost(self, exc: Exception | None) -> None:
        self._on_items(self, self._reader.close())
        self._on_lost(self)
        super().connection_lost(exc)


class BridgeManager(Manager):
    """panoramisk's Manager, with our reconnect delay and an end to reconnecting on shutdown."""

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
            log.warning(
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


class AmiSession:
    """The AMI connection as the bridge's parts use it: logged in or not, and actions."""

    def __init__(self) -> None:
        self.manager: BridgeManager | None = None
        self.logged_in = False

    def send(self, action: dict[str, Any]) -> asyncio.Future:
        """Send an action; the future resolves with its answer. ConnectionError when logged out."""
        if self.manager is None or not self.logged_in:
            raise ConnectionError("not logged in to AMI")
        return self.manager.send_action(action)

    async def action(self, action: dict[str, Any], timeout: float) -> AmiAnswer:
        """Send an action and wait for its answer (TimeoutError after `timeout` seconds)."""
        return await asyncio.wait_for(self.send(action), timeout)
