"""The recordings worker's two queues (uploads, erasure) when workers race: a claim
skips the rows another transaction has locked instead of waiting for them, so two workers never
take the same row. Each queue's rules (leases, stale claims, release) are pinned by its pgTAP
file in supabase/tests/recordings/."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.workers.leases import claim_beside_a_lock
from workers.common.lease import LeaseQueue


@pytest.fixture
def raced(db) -> Iterator[list[str]]:
    """Call ids whose recordings leave every queue after the test (so no later test's worker
    spends a claim on them)."""
    calls: list[str] = []
    yield calls
    db.execute("update public.recordings set status = 'failed', erase_requested_at = null,"
               " last_error = 'raced in a test' where call_id = any(%s::uuid[])", (calls,))


def test_an_upload_claim_skips_a_locked_recording(stack, world, raced):
    first, second = world.call(wav_seconds=None), world.call(wav_seconds=None)
    raced += [first["id"], second["id"]]
    claimed = claim_beside_a_lock(
        stack, LeaseQueue("recording_upload", "pytest-racer"),
        "select call_id from public.recordings where call_id = %s for update", first["id"],
        p_settle_seconds=0, p_retry_seconds=0)
    assert second["id"] in claimed and first["id"] not in claimed


def test_an_erasure_claim_skips_a_locked_recording(stack, world, db, raced):
    first, second = world.call(wav_seconds=None), world.call(wav_seconds=None)
    raced += [first["id"], second["id"]]
    db.execute("update public.recordings set erase_requested_at = now()"
               " where call_id = any(%s::uuid[])", ([first["id"], second["id"]],))
    claimed = claim_beside_a_lock(
        stack, LeaseQueue("recording_erasure", "pytest-racer"),
        "select call_id from public.recordings where call_id = %s for update", first["id"])
    assert second["id"] in claimed and first["id"] not in claimed
