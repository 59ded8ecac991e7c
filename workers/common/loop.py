"""The loop each worker thread runs: do what is due, wait, again, until stopped.

A loop owns one autocommit connection. Losing it (a database restart, a network cut) is not
an error: the connection is closed and opened again with backoff, and the work resumes from
the rows, which are the queue. A loop with a LISTEN channel is woken early by a notification,
which only ever cuts a wait short: correctness never rests on it.

A loop that takes jobs from a queue sets `queue` (a lease.LeaseQueue): on every new connection
it gives back the claims its worker name still holds (a dropped connection leaves them behind),
and on a clean stop it gives back the claims in flight (a job that saw the stop raised Stopping).

An error in step() is logged and the loop starts again on a new connection after a backoff: a
loop only ends when its stop event is set. A thread that ends otherwise (an exception that is
not an Exception, a subclass whose run() returns) died: the supervisor stops the worker.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from typing import Any

import psycopg

from workers.common import database
from workers.common.lease import LeaseQueue, Stopping

log = logging.getLogger(__name__)


class WorkerLoop:
    """Subclasses set `name` (the connection's application_name), to be woken by NOTIFY
    `channel`, and to hold claims `queue`; they implement step() and may add on_connect()."""

    name = "worker"
    channel: str | None = None
    queue: LeaseQueue | None = None

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self.conn: psycopg.Connection[Any] | None = None
        self.stop = threading.Event()

    @property
    def db(self) -> psycopg.Connection[Any]:
        """The loop's connection; only step() and the hooks use it, always while connected."""
        if self.conn is None or self.conn.closed:
            raise psycopg.OperationalError(f"{self.name}: not connected")
        return self.conn

    def step(self) -> float:
        """Do what is due now; return how many seconds to wait before the next step (0: at once)."""
        raise NotImplementedError

    def on_connect(self) -> None:
        """Runs on each new connection, after LISTEN and after claims were given back."""

    def run(self, stop: threading.Event) -> None:
        self.stop = stop
        delay = 0.5
        while not stop.is_set():
            try:
                self.connect()
                delay = 0.5
                while not stop.is_set():
                    self.wait(self.step())
            except Stopping:
                pass  # the job in hand saw the stop; its claim goes back below
            except Exception as e:
                if database.is_disconnect(e):
                    log.warning("database connection lost",
                                extra={"loop": self.name, "error": str(e).strip()})
                else:
                    log.exception("worker loop failed", extra={"loop": self.name})
                self.close()
                stop.wait(delay)
                delay = min(delay * 2, 10.0)
        self.give_back()
        self.close()

    def connect(self) -> None:
        if self.conn is None or self.conn.closed:
            self.conn = database.connect(self.database_url, application_name=self.name,
                                         autocommit=True, stop=self.stop)
            if self.channel:
                self.conn.execute(f"listen {self.channel}")
            if self.queue is not None:
                self.queue.release(self.conn)
            self.on_connect()

    def give_back(self) -> None:
        """On a clean stop: the claims still held go back to the queue (if the database is
        there to hear it; otherwise their leases go stale and another worker takes them)."""
        if self.queue is None or self.conn is None or self.conn.closed:
            return
        try:
            self.queue.release(self.conn)
        except psycopg.Error as e:
            log.warning("claims not given back", extra={"loop": self.name,
                                                         "error": str(e).strip()})

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
            for _ in self.db.notifies(timeout=min(left, 1.0), stop_after=1):
                return


class AsyncWorkerLoop:
    """WorkerLoop's sibling for asyncio workers (the AMI bridge): the same contract, as a task.

    Subclasses set `name` and, to be woken by NOTIFY, `channel`; they implement `async step()`
    (seconds to wait before the next one) and may add `async on_connect()`. The payloads of the
    notifications that cut a wait short are in `notifications` for the next step to take. The
    loop keeps its own autocommit connection, opened again with jittered backoff when lost;
    an error of a step is logged and the loop goes on after a pause, as WorkerLoop does. It
    runs until its task is cancelled.
    """

    name = "worker"
    channel: str | None = None

    def __init__(self, database_url: str, *, retry_min: float = 0.5,
                 retry_max: float = 10.0) -> None:
        self.database_url = database_url
        self.retry_min, self.retry_max = retry_min, retry_max
        self.conn: psycopg.AsyncConnection | None = None
        self.notifications: list[str] = []

    async def step(self) -> float:
        raise NotImplementedError

    async def on_connect(self) -> None:
        """Runs on each new connection, e.g. to catch up on what was missed while away."""

    def take_notifications(self) -> list[str]:
        taken, self.notifications = self.notifications, []
        return taken

    async def run(self) -> None:
        failures = 0
        while True:
            try:
                conn = await psycopg.AsyncConnection.connect(
                    self.database_url, autocommit=True, application_name=self.name,
                    connect_timeout=5)
            except psycopg.Error as e:
                failures += 1
                delay = database.backoff(failures, self.retry_min, self.retry_max)
                log.warning("database unreachable, retrying",
                            extra={"loop": self.name, "error": str(e).strip()[:300],
                                   "retry_in_s": round(delay, 2)})
                await asyncio.sleep(delay)
                continue
            failures = 0
            try:
                async with conn:
                    self.conn = conn
                    if self.channel:
                        await conn.execute(f"listen {self.channel}")
                    await self.on_connect()
                    while True:
                        await self.wait(await self.step())
            except Exception as e:
                if database.is_disconnect(e):
                    log.warning("database connection lost",
                                extra={"loop": self.name, "error": str(e).strip()[:300]})
                else:
                    log.exception("worker loop failed", extra={"loop": self.name})
                await asyncio.sleep(self.retry_min)
            finally:
                self.conn = None

    async def wait(self, seconds: float) -> None:
        """Sleep up to `seconds`, or until a notification arrives (its payload is kept)."""
        if self.channel is None or self.conn is None:
            await asyncio.sleep(seconds)
            return
        async for notify in self.conn.notifies(timeout=max(seconds, 0.0), stop_after=1):
            self.notifications.append(notify.payload)
