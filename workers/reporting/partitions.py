"""The calls partitions: the coming months exist ahead of time; old ones are reported, not dropped.

Creating is private.ensure_call_partitions() (pg_cron runs it nightly too; running it twice is
harmless). Call records must be kept for years (the FTC asks five), so a partition past
CALL_RETENTION_MONTHS is only reported, in the log and in a metric: dropping it is a decision
for a person, after an export if need be.
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass
from datetime import UTC, datetime

from workers.common import database
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


class PartitionKeeper:
    def __init__(self, settings: Settings, metrics: Metrics) -> None:
        self.settings, self.metrics = settings, metrics

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                self.check()
                wait = self.settings.partition_check_interval
            except Exception:
                log.exception("partition check failed")
                wait = min(60.0, self.settings.partition_check_interval)
            stop.wait(wait)

    def check(self) -> dict:
        s = self.settings
        with database.connect(s.database_url, application_name="reporting-partitions",
                              autocommit=True, attempts=3) as conn:
            created = conn.execute("select private.ensure_call_partitions(%s)",
                                   (s.partition_months_ahead,)).fetchone()[0]
            partitions = parse_partitions(conn.execute(PARTITIONS).fetchall())
            in_default = conn.execute(
                "select exists (select 1 from private.calls_default)").fetchone()[0]
            now = conn.execute("select now()").fetchone()[0]
        this_month = month_start(now)
        ahead = sum(1 for p in partitions if p.start > this_month)
        old = past_retention(partitions, now, s.call_retention_months)
        self.metrics.partitions_ahead.set(ahead)
        self.metrics.partitions_past_retention.set(len(old))
        self.metrics.default_partition_rows.set(1 if in_default else 0)
        log.info("call partitions checked", extra={
            "partitions_created": created, "months_ahead": ahead, "partitions": len(partitions)})
        if old:
            log.warning("call partitions past retention (kept: dropping them is a person's"
                        " decision)", extra={"retention_months": s.call_retention_months,
                                             "partitions": [p.name for p in old]})
        if in_default:
            log.warning("calls sit in the default partition: a month has no partition")
        return {"created": created, "ahead": ahead, "past_retention": [p.name for p in old],
                "default_has_rows": in_default}
