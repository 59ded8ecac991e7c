"""Driving stack.realtime.changes.ChangeFeed from synchronous tests.

The feed runs on its own event loop in a thread, as in the stand-in; subscribers record what
they are delivered, and the tests wait on that with tests/support/waiting.py.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import jwt

from stack.config import StackConfig
from stack.realtime.changes import Binding, BroadcastRow, ChangeFeed
from tests.support.loop_thread import LoopThread


def claims_of(stack: StackConfig, access_token: str) -> dict[str, Any]:
    """The verified payload of an access token, as the stand-in hands it to the feed."""
    return jwt.decode(access_token, stack.jwt_secret, algorithms=["HS256"],
                      options={"verify_aud": False})


class Inbox:
    """What one subscriber key was delivered: (ids, data) pairs, in order."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.items: list[tuple[list[int], dict[str, Any]]] = []
        self.stamped: list[tuple[float, dict[str, Any]]] = []  # (time.time() at delivery, data)

    def __call__(self, ids: list[int], data: dict[str, Any]) -> None:
        with self.lock:
            self.items.append((list(ids), data))
            self.stamped.append((time.time(), data))

    def records(self, type_: str | None = None) -> list[dict[str, Any]]:
        with self.lock:
            return [d for _, d in self.items if type_ is None or d["type"] == type_]

    def find(self, **record: Any) -> tuple[list[int], dict[str, Any]] | None:
        """The first delivery whose record (or old_record) contains these values."""
        with self.lock:
            for ids, data in self.items:
                row = data["record"] or data["old_record"]
                if all(row.get(k) == v for k, v in record.items()):
                    return ids, data
        return None


class FeedThread(LoopThread):
    """A started ChangeFeed on a private loop; call() runs a coroutine there."""

    def __init__(self, database_url: str, **options: Any) -> None:
        super().__init__()
        self.broadcasts: list[BroadcastRow] = []
        self.feed = ChangeFeed(database_url, on_broadcast=self.broadcasts.append, **options)
        self.call(self.feed.start())

    def _sync(self, fn: Any, *args: Any) -> None:
        async def run() -> None:
            fn(*args)
        self.call(run())

    def subscribe(self, key: object, claims: dict[str, Any], *bindings: tuple[Any, ...],
                  validate: bool = True) -> tuple[Inbox, list[Binding]]:
        """bindings as (schema, table, event, filter); returns the inbox and the Bindings."""
        made = [Binding(self.feed.new_id(), *b) for b in bindings]
        if validate:
            for b in made:
                self.call(self.feed.validate(b))
        inbox = Inbox()
        self._sync(self.feed.subscribe, key, made, claims, inbox)
        return inbox, made

    def set_claims(self, key: object, claims: dict[str, Any]) -> None:
        self._sync(self.feed.set_claims, key, claims)

    def unsubscribe(self, key: object) -> None:
        self._sync(self.feed.unsubscribe, key)

    def close(self) -> None:
        try:
            self.call(self.feed.stop())
        finally:
            self.stop()
