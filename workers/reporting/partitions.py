"""Watching the calls partitions: how many months exist ahead, which are past retention, and
whether calls sit in the default partition. This worker creates nothing and drops nothing.

Creating is pg_cron's job alone (`crm-ensure-call-partitions`, migration
20261124001800_calls.sql): private.ensure_call_partitions(3) every night, in the database, so
partitions are made even when no worker runs. The watcher warns when fewer months than
PARTITION_MONTHS_AHEAD exist ahead (the job is not running, or failing), and when calls sit in
the default partition (a month had no partition when they were written). Call records must be
kept for years (the FTC asks five), so a partition past CALL_RETENTION_MONTHS is only reported,
in the log and in a metric: dropping it is a decision for a person, after an export if need be.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from workers.common.loop import WorkerLoop
from workers.reporting.settings import Settings
from workers.reporting.telemetry import Metrics

log = logging.getLogger(__name__)

BOUNDS = re.compile(r"FROM \('([^']+)'\) TO \('([^']+)'\)")

PARTITIONS = """
    select
      c.relnamespace::regnamespace::text || '.' || c.relname,
      pg_get_expr(c.relpartbound, c.oid)
    from pg_inherits as i
    inner join pg_class as c on i.inhrelid = c.oid
    where i.inhparent = 'public.calls'::regclass
    order by c.relname
"""


@dataclass(frozen=True)
class Partition:
    name: str
    start: datetime
    end: datetime


def parse_partitions(rows: list[tuple[str, str]]) -> list[Partition]:
    """Monthly partitions with their bounds; the DEFAULT partition is left out."""
    found = []
    for name, bound in rows:
        m = BOUNDS.search(bound)
        if m:
            found.append(Partition(name, datetime.fromisoformat(m[1]),
                                   datetime.fromisoformat(m[2])))
    return found


def month_start(moment: datetime, months_back: int = 0) -> datetime:
    index = moment.year * 12 + moment.month - 1 - months_back
    return datetime(index // 12, index % 12 + 1, 1, tzinfo=UTC)


def past_retention(partitions: list[Partition], now: datetime,
                   retention_months: int) -> list[Partition]:
    """Partitions whose every call is older than the retention (counted in whole months)."""
    limit = month_start(now, retention_months)
    return [p for p in partitions if p.end <= limit]


class PartitionKeeper(WorkerLoop):
    """Checks the partitions at start and every PARTITION_CHECK_INTERVAL seconds."""

    name = "reporting-partitions"  # no channel: nothing to be woken by

    def __init__(self, settings: Settings, metrics: Metrics) -> None:
        super().__init__(settings.database_url)
        self.settings, self.metrics = settings, metrics

    def step(self) -> float:
        self.check()
        return self.settings.partition_check_interval

    def check(self) -> dict[str, Any]:
        """One look: metrics set, warnings logged; what was seen (for tests and the log)."""
        s, conn = self.settings, self.db
        partitions = parse_partitions(conn.execute(PARTITIONS).fetchall())
        row = conn.execute("select private.calls_in_default_partition(), now()").fetchone()
        assert row is not None
        in_default, now = bool(row[0]), row[1]
        ahead = sum(1 for p in partitions if p.start > month_start(now))
        old = past_retention(partitions, now, s.call_retention_months)
        self.metrics.partitions_ahead.set(ahead)
        self.metrics.partitions_past_retention.set(len(old))
        self.metrics.default_partition_rows.set(1 if in_default else 0)
        log.info("call partitions checked", extra={"months_ahead": ahead,
                                                   "partitions": len(partitions)})
        if ahead < s.partition_months_ahead:
            log.warning("fewer call partitions ahead than expected: is pg_cron's job"
                        " crm-ensure-call-partitions running?",
                        extra={"months_ahead": ahead, "expected": s.partition_months_ahead})
        if old:
            log.warning("call partitions past retention (kept: dropping them is a person's"
                        " decision)", extra={"retention_months": s.call_retention_months,
                                             "partitions": [p.name for p in old]})
        if in_default:
            log.warning("calls sit in the default partition: a month has no partition")
        return {"ahead": ahead, "partitions": [p.name for p in partitions],
                "past_retention": [p.name for p in old], "default_has_rows": in_default}
