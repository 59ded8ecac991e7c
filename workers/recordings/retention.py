"""Retention: delete recordings past their campaign's retention from Storage, then mark them purged.

The database decides what has expired (private.expired_recordings: stored, past the campaign's
recording_retention_days, not on legal hold, not being erased); this module only does what SQL
cannot: delete the objects from Storage, as the service role. The order is delete, then mark
(private.mark_recording_removed): a crash in between leaves a stored row whose object is gone,
and the next pass deletes it again, which Storage answers with an empty list, not an error.

A legal hold placed while a pass runs must win. Each batch locks the rows a hold would point at
(the lead and the call's index row, FOR UPDATE) before it checks the holds again: inserting a
hold takes a key-share lock on its target through the foreign key, so a hold committed before
the lock is seen by the check, and one placed after it waits until the batch is done.

A dry run reads the same list in one read-only transaction and changes nothing.

The same pass deletes recording_access_log rows older than RECORDINGS_ACCESS_LOG_RETENTION_DAYS
(the log is append-only for every API role; only the service role purges it, by age).

Not a queue: a pass at start and every RECORDINGS_PURGE_INTERVAL seconds, as a WorkerLoop
(reconnects with backoff; a stop ends the pass between batches, the rest is the next pass's).
`python -m workers.recordings purge` runs one pass without the loop (purge_once).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx
import psycopg
from psycopg.rows import dict_row
from storage3.utils import StorageException

from workers.common import database
from workers.common.loop import WorkerLoop
from workers.common.storage import storage_client
from workers.recordings.settings import Settings

log = logging.getLogger(__name__)

# The report lists at most this many call ids; count and bytes are always complete.
CALL_IDS_CAP = 200
# Supabase Storage removes at most 1000 objects per request.
STORAGE_REMOVE_MAX = 1000

EXPIRED = """
    select call_id, campaign_id, call_started_at, object_path, bytes
    from private.expired_recordings(%(now)s, %(limit)s)
"""

# Locks the batch's leads, calls and recordings in erase_lead's order (so the two never
# deadlock) until the transaction ends, and returns those still stored, not being erased and
# not on hold.
LOCK_EXPIRED = """
    select call_id, campaign_id, object_path, bytes
    from private.lock_expired_recordings(%(calls)s::uuid[])
"""
OLD_ACCESS_LOG = """
    select private.purge_recording_access_log(
      %(now)s::timestamptz - make_interval(days => %(days)s), %(dry_run)s
    )
"""


def human_bytes(n: int) -> str:
    """Decimal units, as disk and bucket sizes are usually quoted: 3400000 -> '3.4 MB'."""
    value = float(n)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{n} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    raise AssertionError("unreachable")


@dataclass
class PurgeReport:
    """What a pass removed (or, dry, would remove)."""

    dry_run: bool
    now: datetime | None = None
    count: int = 0
    bytes: int = 0
    campaigns: dict[str, dict[str, int]] = field(default_factory=dict)
    call_ids: list[str] = field(default_factory=list)
    access_log_rows: int = 0
    errors: list[str] = field(default_factory=list)

    def add(self, call_id: Any, campaign_id: Any, size: int | None) -> None:
        size = size or 0
        self.count += 1
        self.bytes += size
        per = self.campaigns.setdefault(str(campaign_id) if campaign_id else "none",
                                        {"count": 0, "bytes": 0})
        per["count"] += 1
        per["bytes"] += size
        if len(self.call_ids) < CALL_IDS_CAP:
            self.call_ids.append(str(call_id))

    def as_dict(self) -> dict[str, Any]:
        return {"dry_run": self.dry_run, "now": self.now.isoformat() if self.now else None,
                "count": self.count, "bytes": self.bytes,
                "campaigns": {k: dict(v) for k, v in sorted(self.campaigns.items())},
                "call_ids": list(self.call_ids),
                "call_ids_truncated": self.count > len(self.call_ids),
                "access_log_rows": self.access_log_rows,
                "errors": list(self.errors)}

    def as_text(self) -> str:
        verb = "would remove" if self.dry_run else "removed"
        noun = "recording" if self.count == 1 else "recordings"
        lines = [f"{verb} {self.count} {noun}, {human_bytes(self.bytes)}"
                 + (f" (as of {self.now.isoformat()})" if self.now else "")]
        for campaign, per in sorted(self.campaigns.items()):
            lines.append(f"  campaign {campaign}: {per['count']}, {human_bytes(per['bytes'])}")
        if self.access_log_rows:
            lines.append(f"  access log: {verb} {self.access_log_rows} rows past retention")
        lines += [f"  error: {e}" for e in self.errors]
        return "\n".join(lines)


class RetentionPurger(WorkerLoop):
    name = "recordings-retention"  # no channel: a pass every RECORDINGS_PURGE_INTERVAL

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings.database_url)
        self.settings = settings
        self.storage = storage_client(settings)

    # -- the loop ----------------------------------------------------------------------------
    def step(self) -> float:
        """A pass (dry if RECORDINGS_PURGE_DRY_RUN), then wait RECORDINGS_PURGE_INTERVAL."""
        started, dry_run = time.monotonic(), self.settings.recordings_purge_dry_run
        report = self.purge(self.db, dry_run=dry_run)
        log.log(logging.WARNING if report.errors else logging.INFO, "retention pass done",
                extra={"dry_run": dry_run, "count": report.count, "bytes": report.bytes,
                       "errors": len(report.errors),
                       "duration_ms": round((time.monotonic() - started) * 1000)})
        return self.settings.recordings_purge_interval

    # -- one pass ----------------------------------------------------------------------------
    def purge_once(self, *, now: datetime | None = None, dry_run: bool = False) -> PurgeReport:
        """One pass on a connection of its own (the purge command, tests)."""
        with database.connect(self.settings.database_url, application_name="recordings-retention",
                              autocommit=True, attempts=3) as conn:
            return self.purge(conn, now=now, dry_run=dry_run)

    def purge(self, conn: psycopg.Connection[Any], *, now: datetime | None = None,
              dry_run: bool = False) -> PurgeReport:
        """One pass at `now` (None: the database's clock, read once for the whole pass)."""
        if now is None:
            row = conn.execute("select private.now()").fetchone()
            assert row is not None
            now = row[0]
        report = PurgeReport(dry_run=dry_run, now=now)
        if dry_run:
            self._survey(conn, report)
        else:
            self._purge(conn, report)
        self._access_log(conn, report)
        return report

    def _access_log(self, conn: psycopg.Connection[Any], report: PurgeReport) -> None:
        params = {"now": report.now, "days": self.settings.recordings_access_log_retention_days,
                  "dry_run": report.dry_run}
        row = conn.execute(OLD_ACCESS_LOG, params).fetchone()
        report.access_log_rows = int(row[0]) if row else 0

    def _survey(self, conn: psycopg.Connection[Any], report: PurgeReport) -> None:
        """Dry run: page through everything that has expired, in one read-only snapshot.

        expired_recordings has no cursor argument, and without deletions its first page never
        changes, so the whole list is read through a server-side cursor (p_limit null: no limit).
        """
        with conn.transaction():
            conn.execute("set transaction read only")
            with conn.cursor(name="expired_recordings", row_factory=dict_row) as cur:
                cur.execute(EXPIRED, {"now": report.now, "limit": None})
                while rows := cur.fetchmany(self.settings.recordings_purge_batch):
                    for r in rows:
                        report.add(r["call_id"], r["campaign_id"], r["bytes"])

    def _purge(self, conn: psycopg.Connection[Any], report: PurgeReport) -> None:
        seen: set[Any] = set()
        while not self.stop.is_set():
            with conn.cursor(row_factory=dict_row) as cur:
                rows = cur.execute(EXPIRED, {"now": report.now,
                                             "limit": self.settings.recordings_purge_batch}
                                   ).fetchall()
            fresh = [r for r in rows if r["call_id"] not in seen]
            if not fresh:
                # Empty, or only rows this pass already handled (whatever kept them listed,
                # asking again would not change it).
                return
            seen.update(r["call_id"] for r in fresh)
            try:
                self._purge_batch(conn, [r["call_id"] for r in fresh], report)
            except (StorageException, httpx.HTTPError) as e:
                # Nothing of this batch was marked; the next pass tries again.
                report.errors.append(f"storage: {e}")
                log.warning("retention: storage refused a delete; pass ended",
                            extra={"error": str(e), "batch": len(fresh)})
                return

    def _purge_batch(self, conn: psycopg.Connection[Any], call_ids: list[Any],
                     report: PurgeReport) -> None:
        with conn.transaction(), conn.cursor(row_factory=dict_row) as cur:
            rows = cur.execute(LOCK_EXPIRED, {"calls": call_ids}).fetchall()
            skipped = len(call_ids) - len(rows)
            if skipped:
                log.info("retention: recordings held or changed since listed, kept",
                         extra={"skipped": skipped})
            paths = [r["object_path"] for r in rows]
            for i in range(0, len(paths), STORAGE_REMOVE_MAX):
                # Objects already gone (a crash after an earlier delete) are simply not listed.
                self.storage.from_(self.settings.recordings_bucket).remove(
                    paths[i:i + STORAGE_REMOVE_MAX])
            for r in rows:
                marked = cur.execute("select private.mark_recording_removed(%s, 'retention')",
                                     (r["call_id"],)).fetchone()
                if marked and marked["mark_recording_removed"]:
                    report.add(r["call_id"], r["campaign_id"], r["bytes"])
