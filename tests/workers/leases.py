"""Two workers racing for a queue: a claim must skip the rows another transaction has locked."""

from __future__ import annotations

from typing import Any

import psycopg

from stack.config import StackConfig
from workers.common.lease import LeaseQueue


def claim_beside_a_lock(stack: StackConfig, queue: LeaseQueue, lock: str, locked: str,
                        **args: Any) -> list[str]:
    """Claim (limit 1000) while another transaction holds `lock` (a select ... for update of
    row `locked`); the keys of the claimed rows (first column), given back afterwards. A claim
    that waited for the lock instead of skipping the row fails on the statement timeout."""
    with psycopg.connect(stack.database_url) as locker, \
            psycopg.connect(stack.database_url, autocommit=True) as conn:
        assert locker.execute(lock, (locked,)).fetchall(), "nothing was locked"
        conn.execute("set statement_timeout = '5s'")
        try:
            rows = queue.claim(conn, limit=1000, **args)
        finally:
            locker.rollback()
            queue.release(conn)
    return [str(next(iter(r.values()))) for r in rows]
