"""panoramisk wired to our reader: the AMI connection as the rest of the bridge sees it.

- `BridgeProtocol` (the Manager's `protocol_factory`) feeds every byte to `events.EventReader`
  and hands what it parsed to the bridge; responses, and the events that answer one of our
  actions (CoreShowChannel..., OriginateResponse), also go to panoramisk as `Message`s so its
  action futures resolve.
- The Manager and `AmiSession` (whether it is logged in, sending an action, the keepalive) are
  workers/common/ami.py's, shared with the dialer; the bridge's parts (originate, recording
  stop, reconcile) take the session.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from panoramisk.ami_protocol import AMIProtocol
from panoramisk.message import Message

from workers.ami_bridge.events import AmiEvent, EventReader, Item, Response


def to_message(item: AmiEvent | Response) -> Message:
    """A panoramisk Message for a parsed frame (repeated keys as lists, as panoramisk does)."""
    message = item.frame.to_message()
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
