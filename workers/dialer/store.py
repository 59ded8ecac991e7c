"""The dialer's database: each call is a `private.dialer_*` function granted to `crm_dialer`.

`Db` is one autocommit async connection (psycopg serialises the calls made on it), opened on
first use and again after it was lost; a call on a lost connection raises, and the caller
decides (a tick is skipped, a line's write is retried by the next event or by release). The
dialer keeps two: the ticks' and the lines' (so a slow floor never delays a claim).
`DialerStore` names the functions, with the worker's name filled in.
"""

from __future__ import annotations

import contextlib
import json
import logging
from datetime import datetime
from typing import Any

import psycopg
from psycopg.rows import dict_row

log = logging.getLogger("workers.dialer")


class Db:
    def __init__(self, url: str, name: str) -> None:
        self.url, self.name = url, name
        self.conn: psycopg.AsyncConnection[dict[str, Any]] | None = None

    async def connection(self) -> psycopg.AsyncConnection[dict[str, Any]]:
        if self.conn is None or self.conn.closed:
            self.conn = await psycopg.AsyncConnection.connect(
                self.url, autocommit=True, application_name=self.name, connect_timeout=5,
                row_factory=dict_row)
        return self.conn

    async def rows(self, sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        conn = await self.connection()
        try:
            cursor = await conn.execute(sql, params)
            return await cursor.fetchall() if cursor.description else []
        except (psycopg.OperationalError, psycopg.InterfaceError):
            await self.close()
            raise

    async def value(self, sql: str, params: dict[str, Any]) -> Any:
        rows = await self.rows(sql, params)
        return next(iter(rows[0].values())) if rows else None

    async def close(self) -> None:
        conn, self.conn = self.conn, None
        if conn is not None and not conn.closed:
            with contextlib.suppress(psycopg.Error):
                await conn.close()


class DialerStore:
    """The worker functions of the contract (supabase/migrations 20261207*), by name."""

    def __init__(self, db: Db, worker: str) -> None:
        self.db, self.worker = db, worker

    async def campaigns(self) -> list[dict[str, Any]]:
        rows = await self.db.rows("select c from private.dialer_campaigns() as c", {})
        return [row["c"] for row in rows]

    async def floor(self, campaign_id: str) -> dict[str, Any]:
        return await self.db.value("select private.dialer_floor(%(c)s)", {"c": campaign_id})

    async def take_leads(self, campaign_id: str, count: int) -> list[dict[str, Any]]:
        return await self.db.rows(
            "select * from private.dialer_take_leads(%(c)s, %(w)s, %(n)s)",
            {"c": campaign_id, "w": self.worker, "n": count})

    async def attempt_analysing(self, attempt_id: str, at: datetime) -> bool:
        return bool(await self.db.value(
            "select private.dialer_attempt_analysing(%(a)s, %(w)s, %(t)s)",
            {"a": attempt_id, "w": self.worker, "t": at}))

    async def attempt_answered(self, attempt_id: str, amd_status: str | None,
                               amd_cause: str | None, at: datetime) -> str | None:
        return await self.db.value(
            "select private.dialer_attempt_answered(%(a)s, %(w)s, %(s)s, %(c)s, %(t)s)",
            {"a": attempt_id, "w": self.worker, "s": amd_status, "c": amd_cause, "t": at})

    async def claim_agent(self, attempt_id: str) -> dict[str, Any] | None:
        rows = await self.db.rows(
            "select * from private.dialer_claim_agent(%(a)s, %(w)s)",
            {"a": attempt_id, "w": self.worker})
        return rows[0] if rows and rows[0].get("session_id") else None

    async def attempt_abandoned(self, attempt_id: str, at: datetime) -> None:
        await self.db.rows("select private.dialer_attempt_abandoned(%(a)s, %(w)s, %(t)s)",
                           {"a": attempt_id, "w": self.worker, "t": at})

    async def attempt_ended(self, attempt_id: str, result: str, at: datetime,
                            cause: int | None = None) -> None:
        await self.db.rows(
            "select private.dialer_attempt_ended(%(a)s, %(w)s, %(r)s, %(t)s, %(c)s)",
            {"a": attempt_id, "w": self.worker, "r": result, "t": at, "c": cause})

    async def session_requests(self) -> list[dict[str, Any]]:
        return await self.db.rows("select * from private.dialer_session_requests(%(w)s)",
                                  {"w": self.worker})

    async def session_connected(self, session_id: str, channel: str) -> bool:
        return bool(await self.db.value(
            "select private.dialer_session_connected(%(s)s, %(w)s, %(c)s)",
            {"s": session_id, "w": self.worker, "c": channel}))

    async def session_ended(self, session_id: str, reason: str) -> bool:
        return bool(await self.db.value(
            "select private.dialer_session_ended(%(s)s, %(w)s, %(r)s)",
            {"s": session_id, "w": self.worker, "r": reason}))

    async def release(self, stale_seconds: int | None, *, worker: str | None = None) -> int:
        return int(await self.db.value(
            "select private.dialer_release(%(w)s, %(s)s)",
            {"w": worker or self.worker, "s": stale_seconds}) or 0)

    async def publish_state(self, campaign_id: str, state: dict[str, Any]) -> None:
        await self.db.rows(
            "select private.dialer_publish_state(%(c)s, %(w)s, %(s)s::jsonb)",
            {"c": campaign_id, "w": self.worker, "s": json.dumps(state)})

    async def history(self, campaign_id: str, since: datetime) -> dict[str, Any]:
        return await self.db.value("select private.dialer_history(%(c)s, %(t)s)",
                                   {"c": campaign_id, "t": since}) or {}
