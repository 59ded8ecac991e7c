"""panoramisk wired to the shared AMI reader: the AMI connection as the dialer sees it.

Framing, the Manager and the session are workers/common/ami.py's (the AMI bridge's too); here:
- `checked` refuses what the dialer cannot act on: a frame with two `Event` keys (two frames
  run together) or with neither an `Event` nor a `Response`;
- `DialerProtocol` feeds the reader and hands every frame to the dialer; responses, and events
  that answer one of our actions (OriginateResponse by ActionID, CoreShowChannel lists), also go
  to panoramisk as `Message`s so its action futures resolve;
- `FORGETTABLE`: the Manager never re-sends an action after a reconnect (an Originate sent
  twice would ring a lead twice).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from panoramisk.ami_protocol import AMIProtocol

from workers.common.ami import Frame, FrameReader, Greeting, Malformed

FORGETTABLE = ("ping", "login", "logoff", "coreshowchannels", "originate", "redirect",
               "hangup")
"""Every action the dialer sends: none is queued again after a reconnect."""

Item = Frame | Greeting | Malformed


def checked(item: Item) -> Item:
    """The reader's item, or Malformed when a frame is two run together or neither an event
    nor a response."""
    if not isinstance(item, Frame):
        return item
    events = item.count("Event")
    if events > 1:
        return Malformed("merged_frames", "two Event keys", item.sample())
    if events == 0 and item.get("Response") is None:
        return Malformed("no_event", "neither Event nor Response", item.sample())
    return item


class DialerProtocol(AMIProtocol):
    """panoramisk's protocol with our reader in front."""

    def __init__(self, on_items: Callable[[DialerProtocol, Iterable[Item]], None],
                 on_lost: Callable[[DialerProtocol], None]) -> None:
        super().__init__()
        self._on_items, self._on_lost = on_items, on_lost
        self._reader = FrameReader()

    def data_received(self, data: bytes) -> None:
        self._on_items(self, [checked(item) for item in self._reader.feed(data)])

    def connection_lost(self, exc: Exception | None) -> None:
        self._on_items(self, self._reader.close())
        self._on_lost(self)
        super().connection_lost(exc)

    def answers(self, frame: Frame) -> bool:
        """Hand the frame to panoramisk if it answers one of our actions; True if it did."""
        action_id = frame.get("ActionID")
        if frame.event is None or (action_id and action_id in self.responses):
            self.handle_message(frame.to_message())
            return True
        return False
