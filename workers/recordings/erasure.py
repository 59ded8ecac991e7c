"""Erasure: after rpc/erase_lead, delete the lead's recordings everywhere they are.

erase_lead marks the lead's recordings (recordings.erase_requested_at) and notifies
`recording_erasures`; SQL cannot reach Storage or the disk, so this loop does: for each marked
recording not yet purged or erased, it deletes the object (if one was ever given a path: stored,
or half-uploaded), the local source file in the monitor directory and any converted file waiting
in the work directory, then marks it erased (private.mark_recording_removed), which also blanks
the file name. The notification is only a wake-up: a periodic poll finds the rows in any case,
and every step is harmless to repeat, so a crash anywhere only means doing it again.

Nothing personal goes to the logs: the file names often carry the lead's number, so only call ids
are logged.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import httpx
from psycopg.rows import dict_row
from storage3.utils import StorageException

from workers.common.loop import WorkerLoop
from workers.recordings import files
from workers.recordings.settings import Settings
from workers.recordings.uploads import storage_client

log = logging.getLogger(__name__)

CHANNEL = "recording_erasures"

# One at a time, locked so that two workers never work on the same row; failures of this call
# are skipped (their ids) so that one bad row does not stop the others.
NEXT = """
    select r.call_id, r.object_path, r.source_file
    from public.recordings as r
    where
      r.erase_requested_at is not null and r.status not in ('purged', 'erased')
      and r.call_id <> all(%(skip)s)
    order by r.erase_requested_at, r.call_id
    limit 1
    for update skip locked
"""


class Eraser(WorkerLoop):
    name = "recordings-erasure"
    channel = CHANNEL

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings.database_url)
        self.settings = settings
        self.storage = storage_client(settings)

    def step(self) -> float:
        self.erase_pending()
        return self.settings.recordings_poll_interval

    # -- the work ----------------------------------------------------------------------------
    def erase_pending(self) -> int:
        """Erase every recording waiting for it; return how many were marked erased."""
        self.connect()
        erased, skip = 0, []
        while True:
            row = None
            try:
                with self.conn.transaction(), self.conn.cursor(row_factory=dict_row) as cur:
                    row = cur.execute(NEXT, {"skip": skip}).fetchone()
                    if row is None:
                        return erased
                    self._erase(row)
                    done = cur.execute("select private.mark_recording_removed(%s, 'erasure')",
                                       (row["call_id"],)).fetchone()["mark_recording_removed"]
            except (StorageException, httpx.HTTPError, OSError) as e:
                # Rolled back: the row stays marked for erasure and the next round retries it.
                if row is None:
                    raise
                skip.append(row["call_id"])
                log.warning("erasure failed; will retry", extra={
                    "call_id": str(row["call_id"]), "error": type(e).__name__})
                continue
            if done:
                erased += 1
                log.info("recording erased", extra={"call_id": str(row["call_id"])})

    def _erase(self, row: dict[str, Any]) -> None:
        call_id = row["call_id"]
        if row["object_path"]:
            # Already gone (an earlier attempt, or never uploaded) is not an error.
            self.storage.from_(self.settings.recordings_bucket).remove([row["object_path"]])
        try:
            source = files.local_path(row["source_file"],
                                      monitor_dir=self.settings.recordings_monitor_dir,
                                      pbx_monitor_dir=self.settings.recordings_pbx_monitor_dir)
        except files.UnsafeRecordingPath:
            # Not a file this worker may touch (the upload refused it too); the row still
            # loses the name below. The error names the file: not logged.
            log.warning("erasure: source file outside the monitor directory, left alone",
                        extra={"call_id": str(call_id)})
        else:
            files.remove(source)
        files.remove(Path(self.settings.recordings_work_dir) / f"{call_id}.opus")
