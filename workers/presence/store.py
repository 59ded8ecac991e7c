"""The presence worker's database calls, as crm_presence: the roster and the two marks.

One autocommit connection, opened on first use and again after it was lost; a call on a lost
connection raises, the caller retries later. Every write is idempotent (the SQL functions change
nothing when the agent is already in the state asked for), so repeating one after a crash or a
lost answer is harmless.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import psycopg


class Store:
    def __init__(self, database_url: str, *, application_name: str = "presence") -> None:
        self.database_url = database_url
        self.application_name = application_name
        self.conn: psycopg.AsyncConnection[Any] | None = None

    async def _db(self) -> psycopg.AsyncConnection[Any]:
        if self.conn is None or self.conn.closed:
            self.conn = await psycopg.AsyncConnection.connect(
                self.database_url, autocommit=True, application_name=self.application_name,
                connect_timeout=5)
        return self.conn

    async def _one(self, query: str, args: tuple[Any, ...]) -> Any:
        try:
            conn = await self._db()
            cur = await conn.execute(query, args)
            row = await cur.fetchone()
        except (psycopg.OperationalError, psycopg.InterfaceError):
            await self.close()
            raise
        return row[0] if row else None

    async def roster(self) -> list[tuple[str, list[str], str | None]]:
        """(agent_id, campaign_ids, state) of every active agent of an active campaign."""
        try:
            conn = await self._db()
            cur = await conn.execute(
                "select agent_id::text, campaign_ids::text[], state from private.presence_roster()")
            rows = await cur.fetchall()
        except (psycopg.OperationalError, psycopg.InterfaceError):
            await self.close()
            raise
        return [(r[0], list(r[1]), r[2]) for r in rows]

    async def mark_offline(self, agent_id: str, left_at: float) -> bool:
        at = datetime.fromtimestamp(left_at, UTC)
        return bool(await self._one("select private.presence_mark_offline(%s, %s)",
                                    (agent_id, at)))

    async def mark_online(self, agent_id: str) -> str | None:
        state = await self._one("select private.presence_mark_online(%s)", (agent_id,))
        return state if isinstance(state, str) else None

    async def close(self) -> None:
        if self.conn is not None:
            conn, self.conn = self.conn, None
            await conn.close()
