"""Erasure: after rpc/erase_lead, delete the lead's recordings everywhere they are.

erase_lead marks the lead's recordings (recordings.erase_requested_at) and notifies
`recording_erasures`; SQL cannot reach Storage or the disk, so this loop does: for each marked
recording not yet purged or erased, it deletes the object (if one was ever given a path: stored,
or half-uploaded), the local source file in the monitor directory and any converted file waiting
in the work directory, then marks it erased, which also blanks the file name. The queue follows
the workers' lease protocol (workers/README.md): private.recording_erasure_claim takes a batch,
recording_erasure_finish marks each one erased, and a failed delete (Storage, the disk) is a
Retry: recording_erasure_fail gives the row back, behind every row not yet tried, and the round
ends; the next one (the poll, or a notification) tries again. An erasure is never given up.
The notification is only a wake-up: a periodic poll finds the rows in any case, and every step
is harmless to repeat, so a crash anywhere only means doing it again.

Nothing personal goes to the logs, nor to the row's last_error: the file names often carry the
lead's number, so only call ids and error types are written.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import httpx
from storage3.utils import StorageException

from workers.common.lease import ClaimLost, LeaseQueue, Retry, Stopping
from workers.common.loop import WorkerLoop
from workers.common.storage import describe, storage_client
from workers.recordings import files
from workers.recordings.settings import Settings

log = logging.getLogger(__name__)

CHANNEL = "recording_erasures"

ERASE_BATCH = 10
LEASE_SECONDS = 120  # a few deletes, each bounded by the Storage client's 20 s timeout


class Eraser(WorkerLoop):
    name = "recordings-erasure"
    channel = CHANNEL
    queue: LeaseQueue

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings.database_url)
        self.settings = settings
        self.queue = LeaseQueue("recording_erasure", settings.worker_id)
        self.storage = storage_client(settings)

    def step(self) -> float:
        self.erase_pending()
        return self.settings.recordings_poll_interval

    # -- the work ----------------------------------------------------------------------------
    def erase_pending(self) -> int:
        """Erase every recording waiting for it; return how many were marked erased. A round
        ends early after a failed one (tried again next round, after those not tried yet)."""
        self.connect()
        erased = 0
        while claims := self.queue.claim(self.db, limit=ERASE_BATCH,
                                         p_stale_seconds=LEASE_SECONDS):
            failed = 0
            for row in claims:
                if self.stop.is_set():
                    raise Stopping
                context = {"call_id": str(row["call_id"])}
                try:
                    self._erase(row)
                    self.queue.finish(self.db, row["call_id"])
                except Retry as e:
                    failed += 1
                    self.queue.fail(self.db, row["call_id"], str(e), final=False)
                    log.warning("erasure failed; will retry", extra={**context, "error": str(e)})
                except ClaimLost:
                    log.warning("erasure finished by another worker", extra=context)
                else:
                    erased += 1
                    log.info("recording erased", extra=context)
            if failed:
                break
        return erased

    def _erase(self, row: dict[str, Any]) -> None:
        """Delete the object and the local files; Retry (naming no file) when one resists."""
        call_id = row["call_id"]
        try:
            if row["object_path"]:
                # Already gone (an earlier attempt, or never uploaded) is not an error.
                self.storage.from_(self.settings.recordings_bucket).remove([row["object_path"]])
        except (StorageException, httpx.HTTPError) as e:
            raise Retry(f"storage: {describe(e)}") from e
        try:
            source = files.local_path(row["source_file"],
                                      monitor_dir=self.settings.recordings_monitor_dir,
                                      pbx_monitor_dir=self.settings.recordings_pbx_monitor_dir)
        except files.UnsafeRecordingPath:
            # Not a file this worker may touch (the upload refused it too); the row still
            # loses the name when it is marked erased. The error names the file: not logged.
            log.warning("erasure: source file outside the monitor directory, left alone",
                        extra={"call_id": str(call_id)})
            source = None
        try:
            if source is not None:
                files.remove(source)
            files.remove(Path(self.settings.recordings_work_dir) / f"{call_id}.opus")
        except OSError as e:
            # The message would name the file: only the error's kind is kept.
            raise Retry(f"local file: {type(e).__name__}") from e
