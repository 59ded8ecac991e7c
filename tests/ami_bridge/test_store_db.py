"""The store against the test stack's PostgreSQL, without AMI: batching, merging with what
`calls` holds, parking, refused rows, partial knowledge and reconciliation."""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from tests.ami_bridge.bridge_helpers import bridge_url, calls_of
from workers.ami_bridge.model import CallRow
from workers.ami_bridge.store import CallStore, StoreConfig, provisional_id

T0 = datetime(2024, 11, 24, 16, 0, tzinfo=UTC)


def linkedid() -> str:
    return f"1732470000.{uuid.uuid4().int % 10**9}"


def pbx_row(**changes) -> CallRow:
    lid = changes.pop("pbx_linkedid", None) or linkedid()
    row = CallRow(
        id=provisional_id(lid),
        pbx_linkedid=lid,
        crm_call_id=None,
        source="pbx",
        direction="outbound",
        phone_number="+34600111222",
        agent_endpoint="agent1001",
        status="calling",
        outcome=None,
        started_at=T0,
        answered_at=None,
        ended_at=None,
        ring_started_at=None,
        ring_ended_at=None,
        talk_ended_at=None,
        hangup_cause=None,
        hangup_cause_text=None,
        hangup_by=None,
        recording_file=None,
    )
    return replace(row, **changes)


def answered(row: CallRow) -> CallRow:
    return replace(row, status="confirmed", answered_at=T0 + timedelta(seconds=9),
                   ring_started_at=T0, ring_ended_at=T0 + timedelta(seconds=9))


def ended(row: CallRow) -> CallRow:
    return replace(
        answered(row), status="ended", outcome="answered", ended_at=T0 + timedelta(seconds=93),
        talk_ended_at=T0 + timedelta(seconds=93), hangup_cause=16,
        hangup_cause_text="Normal Clearing", hangup_by="lead", recording_file="/rec/a.wav",
    )


def write(stack, *batches: list[tuple[CallRow, bool]], config: StoreConfig | None = None):
    """Each batch added then flushed; returns the store (for its stats)."""

    async def run() -> CallStore:
        store = CallStore(bridge_url(stack), config or StoreConfig(flush_delay=0))
        for batch in batches:
            for row, partial in batch:
                store.add(row, partial=partial, event_times=[time.time()])
            while store.backlog:
                assert await store.flush_once()
        await store.close(5)
        return store

    return asyncio.run(run())


def test_rows_are_linked_to_the_lead_by_number_and_the_agent_by_extension(stack, db, crm):
    row = ended(pbx_row())
    write(stack, [(row, False)])
    (stored,) = calls_of(db, [row.pbx_linkedid])
    assert (stored["id"], stored["source"], stored["status"]) == (row.id, "pbx", "ended")
    assert stored["lead_id"] == crm.leads["+34600111222"]
    assert stored["agent_id"] == crm.agents["agent1001"]
    assert stored["campaign_id"] == crm.campaign_id


def test_status_never_goes_back_and_an_older_version_only_fills_gaps(stack, db):
    row = pbx_row()
    write(stack, [(ended(row), False)], [(answered(row), False)], [(row, False)])
    (stored,) = calls_of(db, [row.pbx_linkedid])
    assert stored["status"] == "ended" and stored["outcome"] == "answered"
    assert stored["ended_at"] == T0 + timedelta(seconds=93)
    assert stored["recording_file"] == "/rec/a.wav"


def test_a_later_version_wins_and_a_null_never_erases(stack, db):
    row = pbx_row()
    first = replace(ended(row), recording_file="/rec/a.wav")
    again = replace(ended(row), recording_file=None, hangup_by="agent")  # e.g. a late BYE
    write(stack, [(first, False)], [(again, False)])
    (stored,) = calls_of(db, [row.pbx_linkedid])
    assert (stored["recording_file"], stored["hangup_by"]) == ("/rec/a.wav", "agent")


def test_an_outbound_call_without_a_number_is_parked_a_withheld_inbound_one_is_written(
    stack, db
):
    outbound = pbx_row(phone_number=None)
    inbound = pbx_row(phone_number=None, direction="inbound", agent_endpoint="agent1003")
    store = write(stack, [(outbound, False), (inbound, False)])
    assert store.stats["parked"] == 1
    assert calls_of(db, [outbound.pbx_linkedid]) == []
    (stored,) = calls_of(db, [inbound.pbx_linkedid])
    assert (stored["phone_number"], stored["lead_id"]) == (None, None)
    # A later version with the number is written.
    write(stack, [(replace(outbound, phone_number="+34600111222", status="ringing"), False)])
    assert [r["status"] for r in calls_of(db, [outbound.pbx_linkedid])] == ["ringing"]


def test_a_row_the_database_refuses_is_dropped_alone(stack, db, caplog):
    good, bad = pbx_row(), replace(ended(pbx_row()), hangup_by="nobody")  # violates a check
    store = write(stack, [(good, False), (bad, False)])
    assert (store.stats["rejected"], store.stats["written"]) == (1, 1)
    assert len(calls_of(db, [good.pbx_linkedid])) == 1
    assert calls_of(db, [bad.pbx_linkedid]) == []
    assert any(r.getMessage() == "the database refused a call row; dropped" for r in caplog.records)


def test_a_partially_known_call_keeps_the_earlier_start_and_answer(stack, db):
    """A restarted bridge knows the call only as 'alive since about': its times are later."""
    row = pbx_row()
    late = replace(
        ended(row), started_at=T0 + timedelta(seconds=20), answered_at=T0 + timedelta(seconds=30),
        ring_started_at=T0 + timedelta(seconds=20), ring_ended_at=T0 + timedelta(seconds=20),
        recording_file=None,  # seen as: rang 0 s, talked 63 s, 73 s in all
    )
    write(stack, [(answered(row), False)], [(late, True)])
    (stored,) = calls_of(db, [row.pbx_linkedid])
    assert stored["started_at"] == T0 and stored["answered_at"] == T0 + timedelta(seconds=9)
    assert (stored["ring_seconds"], stored["talk_seconds"], stored["duration_seconds"]) == (
        9, 84, 93
    )


def test_the_row_written_before_the_crm_id_was_known_is_merged_into_the_crm_row(stack, db, crm):
    row = pbx_row()
    crm_id = str(uuid.uuid4())
    write(stack, [(row, False)], [(replace(answered(row), id=crm_id, crm_call_id=crm_id,
                                           source="webphone"), False)])
    (stored,) = calls_of(db, [row.pbx_linkedid])
    assert (stored["id"], stored["status"]) == (crm_id, "confirmed")
    # And a version without the CRM id (a restarted bridge) updates that same row.
    write(stack, [(ended(row), True)])
    assert [(r["id"], r["status"]) for r in calls_of(db, [row.pbx_linkedid])] == [
        (crm_id, "ended")
    ]


def test_batches_go_when_full_or_when_the_oldest_row_is_due(stack, db):
    async def run() -> None:
        store = CallStore(bridge_url(stack), StoreConfig(batch_size=3, flush_delay=0.3))
        store.start()
        rows = [pbx_row() for _ in range(4)]
        store.add(rows[0])
        store.add(rows[1])
        await asyncio.sleep(0.1)
        assert store.stats["batches"] == 0  # neither full nor due
        store.add(rows[2])  # full
        await asyncio.sleep(0.1)
        assert (store.stats["batches"], store.stats["written"]) == (1, 3)
        started = time.monotonic()
        store.add(rows[3])
        while store.stats["batches"] < 2:
            await asyncio.sleep(0.01)
        assert 0.25 <= time.monotonic() - started < 1.0  # the delay, not more
        assert await store.close(5)

    asyncio.run(run())


def test_close_missing_closes_open_mirrored_calls_outside_keep(stack, db):
    gone, kept = answered(pbx_row()), pbx_row()
    write(stack, [(gone, False), (kept, False)])
    at = time.time()

    async def run() -> list[str]:
        store = CallStore(bridge_url(stack))
        try:
            return await store.close_missing(lambda: {kept.pbx_linkedid}, at)
        finally:
            await store.close(5)

    closed = asyncio.run(run())
    assert gone.pbx_linkedid in closed and kept.pbx_linkedid not in closed
    (row,) = calls_of(db, [gone.pbx_linkedid])
    assert (row["status"], row["outcome"], row["hangup_by"]) == ("ended", "answered", None)
    assert row["ended_at"].timestamp() == pytest.approx(at, abs=1e-3)
    assert [r["status"] for r in calls_of(db, [kept.pbx_linkedid])] == ["calling"]
