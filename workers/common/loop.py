"""The loop each worker thread runs: do what is due, wait, again, until stopped.

A loop owns one autocommit connection. Losing it (a database restart, a network cut) is not
an error: the connection is closed and opened again with backoff, and the work resumes from
the rows, which are the queue. A loop with a LISTEN channel is woken early by a notification,
which only ever cuts a wait short: correctness never rests on it.
"""

from __future__ import annotations

import logging
import threading
import time

import psycopg

from workers.common import database

log = logging.getLogger(__name__)


class WorkerLoop:
    """Subclasses set `name` (the connection's application_name) and, to be woken by NOTIFY,
    `channel`; they implement step() and may add on_connect()."""

    name = "worker"
    channel: str | None = None

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self.conn: psycopg.Connection | None = None
        self.stop = threading.Event()

    def step(self) -> float:
        """Do what is due now; return how many seconds to wait before the next step (0: at once)."""
        raise NotImplementedError

    def on_connect(self) -> None:
        """Runs on each new connection, e.g. to give back claims this process held before."""

    def run(self, stop: threading.Event) -> None:
        self.stop = stop
        delay = 0.5
        while not stop.is_set():
            try:
                self.connect()
                delay = 0.5
                while not stop.is_set():
                    self.wait(self.step())
            except Exception as e:
                if database.is_disconnect(e):
                    log.warning("database connection lost",
                                extra={"loop": self.name, "error": str(e).strip()})
                else:
                    log.exception("worker loop failed", extra={"loop": self.name})
                self.close()
                stop.wait(delay)
                delay = min(delay * 2, 10.0)
        self.close()

    def connect(self) -> None:
        if self.conn is None or self.conn.closed:
            self.conn = database.connect(self.database_url, application_name=self.name,
                                         autocommit=True)
            if self.channel:
                self.conn.execute(f"listen {self.channel}")
            self.on_connect()

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def wait(self, seconds: float) -> None:
        """Sleep up to `seconds`; wake on a notification or on stop (checked every second)."""
        deadline = time.monotonic() + seconds
        while not self.stop.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                return
            if self.channel is None:
                self.stop.wait(min(left, 1.0))
                continue
            for _ in self.conn.notifies(timeout=min(left, 1.0), stop_after=1):
                return
