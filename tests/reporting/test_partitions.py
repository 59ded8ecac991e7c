"""The calls partitions as the reporting worker sees them: it watches, it never creates or drops.

Creating them is pg_cron's job alone; supabase/tests/calls/call_partitions_test.sql checks
ensure_call_partitions and the job's schedule. Here: the months ahead are counted, partitions
past retention reported and kept, calls in the default partition flagged, and a horizon the
database does not have is warned about, with nothing created.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime

import pytest

from workers.reporting.partitions import Partition, PartitionKeeper, past_retention
from workers.reporting.settings import Settings
from workers.reporting.telemetry import Metrics

PARTITIONS = """
    select c.relname from pg_inherits as i inner join pg_class as c on i.inhrelid = c.oid
    where i.inhparent = 'public.calls'::regclass order by c.relname
"""


def keeper_for(stack, **overrides) -> PartitionKeeper:
    settings = Settings(database_url=stack.worker_database_url("reporting"), supabase_url=stack.url,
                        supabase_service_role_key=stack.service_role_key,
                        worker_name="pytest-partitions", **overrides)
    return PartitionKeeper(settings, Metrics())


@pytest.fixture
def check(stack):
    """check(**settings): one look by a keeper with these settings, on a connection of its own."""
    def look(**overrides) -> tuple[PartitionKeeper, dict]:
        keeper = keeper_for(stack, **overrides)
        keeper.connect()
        try:
            return keeper, keeper.check()
        finally:
            keeper.close()
    return look


def test_partitions_are_watched_ahead_and_old_ones_only_reported(db, check):
    before = db.execute(PARTITIONS).fetchall()
    keeper, result = check(partition_months_ahead=3, call_retention_months=0)
    # pg_cron's job (and the migration, at first) keep three months ahead.
    assert result["ahead"] >= 3
    # With a retention of 0 months, every past month is "past retention": reported, kept.
    assert result["past_retention"]
    for name in result["past_retention"]:
        assert db.execute("select to_regclass(%s) is not null", (name,)).fetchone()[0]
    assert db.execute("select count(*) from public.calls").fetchone()[0] > 0
    assert db.execute(PARTITIONS).fetchall() == before  # nothing created, nothing dropped
    sample = keeper.metrics.registry.get_sample_value
    assert sample("reporting_call_partitions_ahead") == result["ahead"]
    assert sample("reporting_call_partitions_past_retention") == len(result["past_retention"])
    assert sample("reporting_calls_default_partition_has_rows") == int(result["default_has_rows"])


def test_a_missing_horizon_is_warned_about_not_filled(db, check, caplog):
    """Fewer months ahead than expected means pg_cron's job is not doing its work: the watcher
    says so (and creates nothing: the database alone owns the partitions)."""
    before = db.execute(PARTITIONS).fetchall()
    with caplog.at_level(logging.WARNING, logger="workers.reporting.partitions"):
        _, result = check(partition_months_ahead=100)
    assert result["ahead"] < 100
    warned = [r for r in caplog.records if "fewer call partitions ahead" in r.getMessage()]
    assert [(r.months_ahead, r.expected) for r in warned] == [(result["ahead"], 100)]
    assert db.execute(PARTITIONS).fetchall() == before


def test_calls_in_the_default_partition_are_flagged(db, check, caplog):
    """A call of a month that has no partition lands in the default one: flagged, not moved
    (moving it is ensure_call_partitions', when pg_cron's job or a person creates the month)."""
    call = db.execute("insert into public.calls (started_at, phone_number)"
                      " values ('1999-06-15 10:00+00', '+34600000001') returning id").fetchone()[0]
    try:
        with caplog.at_level(logging.WARNING, logger="workers.reporting.partitions"):
            keeper, result = check()
        where = db.execute("select tableoid::regclass::text from public.calls where id = %s",
                           (call,)).fetchone()[0]
    finally:
        db.execute("delete from public.calls where id = %s", (call,))
    assert where == "private.calls_default"
    assert result["default_has_rows"] is True
    assert keeper.metrics.registry.get_sample_value(
        "reporting_calls_default_partition_has_rows") == 1
    assert any("default partition" in r.getMessage() for r in caplog.records)


def test_past_retention_counts_whole_months():
    def month(y, m):
        start = datetime(y, m, 1, tzinfo=UTC)
        end = datetime(y + (m == 12), m % 12 + 1, 1, tzinfo=UTC)
        return Partition(f"p{y}{m:02d}", start, end)

    parts = [month(2021, 10), month(2021, 11), month(2021, 12), month(2026, 11)]
    now = datetime(2026, 11, 24, tzinfo=UTC)
    assert [p.name for p in past_retention(parts, now, 60)] == ["p202110"]
    assert date(2021, 11, 1) == (now.replace(year=2021, day=1)).date()
