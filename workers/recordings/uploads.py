"""Uploads: from Asterisk's monitor directory to the private bucket, verified, then the file goes.

One recording, as the worker handles it:

1. claim it (private.recording_upload_claim: the call ended RECORDINGS_SETTLE_SECONDS ago, so
   Asterisk has closed the file). The claim is a lease (workers/README.md): status uploading,
   this worker's name, a heartbeat renewed (private.recording_upload_renew) by a thread while
   the work runs. Action `discard` (no consent): delete the local file, then
   private.mark_recording_source_removed.
2. map the file name into the monitor directory (files.local_path; refused names fail for
   good), convert it to Opus into RECORDINGS_WORK_DIR (audio.convert, bit-exact);
3. upload it with storage3 (service role) to the claimed object path, content type audio/ogg,
   upsert: a retry, or a worker that took a stale claim over, overwrites its own half-written
   object, so there is never a second copy. Transient errors are retried with backoff;
4. download the object and compare size and SHA-256 with the staged file;
5. private.recording_upload_finish (stored: size, checksum, duration), and only then delete
   the local source and the staged file, and private.mark_recording_source_removed.

Failures (workers.common.lease): a missing file is Retry(counts=False) until
RECORDINGS_MISSING_GRACE seconds after the call, then Final; an empty, corrupt or
outside-the-directory file is Final (failed, it stays on disk for a person to look at); storage
errors are Retry, up to RECORDINGS_MAX_ATTEMPTS claims; ClaimLost (taken over, or the lead's
erasure was requested) leaves the row alone and removes the uploaded object if the lead is being
erased; Stopping gives the claim back (private.recording_upload_release). A crash between 5's
finish and the unlink leaves a stored recording whose source_removed_at is null: the sweep
deletes those files (and the files of declined recordings whose worker died before deleting
them).
"""

from __future__ import annotations

import hashlib
import logging
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import httpx
from storage3 import SyncStorageClient
from storage3.utils import StorageException

from workers.common.lease import ClaimLost, Final, Heartbeat, LeaseQueue, Retry, Stopping
from workers.common.loop import WorkerLoop
from workers.common.storage import describe, is_transient, storage_client
from workers.recordings import audio, files
from workers.recordings.settings import Settings
from workers.recordings.telemetry import Metrics

log = logging.getLogger(__name__)

SWEEP = "select call_id, status, source_file from private.recording_files_to_sweep(%s)"
CLAIM_BATCH = 10
SWEEP_BATCH = 500


@dataclass(frozen=True)
class Claim:
    call_id: uuid.UUID
    campaign_id: uuid.UUID | None
    call_started_at: datetime
    source_file: str
    object_path: str | None  # fixed by an upload claim; none for a discard
    attempts: int
    action: str  # upload | discard

    @property
    def path(self) -> str:
        """The object path of an upload claim."""
        assert self.object_path is not None, "a discard claim has no object path"
        return self.object_path


class Uploader(WorkerLoop):
    name = "recordings-uploads"  # no channel: nothing notifies a new recording, it polls
    queue: LeaseQueue

    def __init__(self, settings: Settings, metrics: Metrics | None = None,
                 storage: SyncStorageClient | None = None) -> None:
        super().__init__(settings.database_url)
        self.settings = settings
        self.metrics = metrics or Metrics()
        self.queue = LeaseQueue("recording_upload", settings.worker_id)
        self.storage = storage or storage_client(settings)
        self.monitor_dir = Path(settings.recordings_monitor_dir)
        self.work_dir = Path(settings.recordings_work_dir)
        self.skipped: set[uuid.UUID] = set()  # unsafe names already reported by the sweep
        self.last_sweep = float("-inf")

    @property
    def worker(self) -> str:
        return self.queue.worker

    def step(self) -> float:
        if time.monotonic() - self.last_sweep >= self.sweep_interval:
            self.sweep()
        return 0 if self.run_once() else self.settings.recordings_poll_interval

    @property
    def sweep_interval(self) -> float:
        return max(60.0, 12 * self.settings.recordings_poll_interval)

    def on_connect(self) -> None:
        self.work_dir.mkdir(parents=True, exist_ok=True)

    def claim(self, limit: int = CLAIM_BATCH) -> list[Claim]:
        s = self.settings
        rows = self.queue.claim(self.db, limit=limit,
                                p_settle_seconds=s.recordings_settle_seconds,
                                p_stale_seconds=s.recordings_stale_after,
                                p_retry_seconds=s.recordings_retry_seconds)
        return [Claim(**row) for row in rows]

    def run_once(self) -> int:
        """Claim a batch and handle each recording; the number claimed (0: nothing to do).
        Stopping once the worker stops: the claims not handled yet are given back."""
        claims = self.claim()
        for claim in claims:
            if self.stop.is_set():
                raise Stopping
            self.process(claim)
        return len(claims)

    # -- one recording -----------------------------------------------------------------------
    def process(self, claim: Claim) -> str:
        """Handle one claimed recording; the result (stored, declined, retry, failed, lost)."""
        started = time.monotonic()
        context = {"call_id": str(claim.call_id), "attempt": claim.attempts}
        try:
            if claim.action == "discard":
                self.discard(claim)
                result = "declined"
            else:
                self.upload(claim)
                result = "stored"
                self.metrics.upload_seconds.observe(time.monotonic() - started)
                log.info("recording stored", extra={**context, "object_path": claim.object_path,
                                                    "duration_ms": round(
                                                        (time.monotonic() - started) * 1000)})
        except ClaimLost:
            result = "lost"
            log.warning("recording claim lost", extra=context)
        except Final as e:
            result = "failed"
            self.fail(claim, str(e), final=True)
        except Retry as e:
            gave_up = e.counts and claim.attempts >= self.settings.recordings_max_attempts
            result = "failed" if gave_up else "retry"
            self.fail(claim, f"{e} (gave up after {claim.attempts} attempts)" if gave_up
                      else str(e), final=gave_up)
        except Stopping:
            self.metrics.recordings.labels("retry").inc()
            log.warning("recording given back: worker stopping", extra=context)
            raise
        self.metrics.recordings.labels(result).inc()
        return result

    def source_of(self, claim: Claim) -> Path:
        try:
            return files.local_path(claim.source_file, monitor_dir=self.monitor_dir,
                                    pbx_monitor_dir=self.settings.recordings_pbx_monitor_dir)
        except files.UnsafeRecordingPath as e:
            raise Final(str(e)) from e

    def discard(self, claim: Claim) -> None:
        """No consent: the recording must not be kept. Delete the file, then say so."""
        try:
            source = self.source_of(claim)
        except Final as e:
            # Declined already; a name outside the directory is nothing of ours to delete.
            log.error("declined recording has an unsafe file name; nothing deleted",
                      extra={"call_id": str(claim.call_id), "error": str(e)})
            self.skipped.add(claim.call_id)
            return
        removed = files.remove(source)
        self.db.execute("select private.mark_recording_source_removed(%s)", (claim.call_id,))
        if removed:
            self.metrics.sources_removed.labels("declined").inc()
        log.info("recording discarded: no consent", extra={"call_id": str(claim.call_id),
                                                           "file_deleted": removed})

    def upload(self, claim: Claim) -> None:
        source = self.source_of(claim)
        staged = self.work_dir / f"{claim.call_id}.opus"
        every = max(0.2, min(self.settings.recordings_stale_after / 4, 30.0))
        try:
            with Heartbeat(lambda: self.queue.renew(self.db, claim.call_id), every,
                           name=f"heartbeat-{claim.call_id}") as heartbeat:
                converted = self.convert(claim, source, staged)
                heartbeat.check()
                self.store(claim, converted, heartbeat)
                heartbeat.check()
            self.queue.finish(self.db, claim.call_id, p_format=converted.format,
                              p_bytes=converted.bytes, p_sha256=converted.sha256,
                              p_duration_seconds=Decimal(str(converted.duration_seconds)))
            self.metrics.stored_bytes.inc(converted.bytes)
        except ClaimLost:
            self.claim_lost_after_upload(claim)
            raise
        finally:
            staged.unlink(missing_ok=True)
            staged.with_name(staged.name + ".part").unlink(missing_ok=True)
        # Stored and verified: only now may the original go.
        if files.remove(source):
            self.metrics.sources_removed.labels("stored").inc()
        self.db.execute("select private.mark_recording_source_removed(%s)", (claim.call_id,))

    def convert(self, claim: Claim, source: Path, staged: Path) -> audio.Converted:
        s = self.settings
        started = time.monotonic()
        try:
            converted = audio.convert(source, staged, bitrate=s.recordings_bitrate,
                                      ffmpeg=s.recordings_ffmpeg, ffprobe=s.recordings_ffprobe,
                                      name=claim.source_file)
        except FileNotFoundError:
            raise self.missing(claim) from None
        except audio.AudioError as e:
            raise Final(str(e)) from e
        except audio.ToolError as e:
            raise Retry(str(e)) from e
        self.metrics.convert_seconds.observe(time.monotonic() - started)
        self.metrics.source_bytes.inc(source.stat().st_size)
        return converted

    def missing(self, claim: Claim) -> Retry | Final:
        """A file not there (yet): wait for it until the grace period after the call is over."""
        row = self.db.execute("select private.recording_call_age_seconds(%s)",
                              (claim.call_id,)).fetchone()
        waited = float(row[0]) if row and row[0] is not None else float("inf")
        grace = self.settings.recordings_missing_grace
        where = f"{claim.source_file!r} not found in the monitor directory {self.monitor_dir}"
        if waited >= grace:
            return Final(f"recording_file: {where} {grace} s after the call ended")
        return Retry(f"recording_file: {where} (yet)", counts=False)

    def store(self, claim: Claim, converted: audio.Converted, heartbeat: Heartbeat) -> None:
        """Upload (upsert) and verify by downloading, retrying transient errors with backoff."""
        bucket = self.storage.from_(self.settings.recordings_bucket)
        tries = self.settings.recordings_upload_retries + 1
        delay, last = 0.5, None
        for attempt in range(1, tries + 1):
            heartbeat.check()
            try:
                bucket.upload(claim.path, converted.path,
                              {"content-type": audio.CONTENT_TYPE, "upsert": "true"})
                got = bucket.download(claim.path)
            except (StorageException, httpx.HTTPError) as e:
                if not is_transient(e):
                    self.metrics.upload_attempts.labels("error").inc()
                    raise Retry(f"storage: {describe(e)}") from e
                self.metrics.upload_attempts.labels("transient").inc()
                last = describe(e)
            else:
                if len(got) == converted.bytes and \
                        hashlib.sha256(got).hexdigest() == converted.sha256:
                    self.metrics.upload_attempts.labels("ok").inc()
                    return
                self.metrics.upload_attempts.labels("mismatch").inc()
                last = (f"verification failed: stored {len(got)} bytes, sha256"
                        f" {hashlib.sha256(got).hexdigest()}; sent {converted.bytes} bytes,"
                        f" sha256 {converted.sha256}")
            log.warning("upload attempt failed", extra={"call_id": str(claim.call_id),
                                                        "try": attempt, "error": last})
            if attempt < tries and self.stop.wait(delay):
                raise Stopping
            delay = min(delay * 2, 30.0)
        raise Retry(f"storage: upload of {claim.path} failed {tries} times: {last}")

    def claim_lost_after_upload(self, claim: Claim) -> None:
        """The claim was lost (heartbeat or finish said no): if the lead was erased meanwhile,
        whatever this worker uploaded must go (the eraser may already have run); otherwise the
        object is the new claim holder's, who overwrites it with the same bytes."""
        erased = self.db.execute("select private.recording_erase_requested(%s)",
                                 (claim.call_id,)).fetchone()
        if erased is None or erased[0] is not False:
            self.storage.from_(self.settings.recordings_bucket).remove([claim.path])
            log.warning("lead erased during upload: object removed",
                        extra={"call_id": str(claim.call_id), "object_path": claim.object_path})

    def fail(self, claim: Claim, error: str, *, final: bool) -> None:
        (log.error if final else log.warning)(
            "recording failed" if final else "recording will be retried",
            extra={"call_id": str(claim.call_id), "attempt": claim.attempts, "error": error})
        self.queue.fail(self.db, claim.call_id, error, final=final)

    # -- after a crash -----------------------------------------------------------------------
    def sweep(self) -> int:
        """Delete the local files of recordings already stored (or declined) whose worker died
        before deleting them; the number of rows settled."""
        self.last_sweep = time.monotonic()
        rows = self.db.execute(SWEEP, (SWEEP_BATCH,)).fetchall()
        done = 0
        for call_id, status, source_file in rows:
            if call_id in self.skipped:
                continue
            try:
                source = files.local_path(source_file, monitor_dir=self.monitor_dir,
                                          pbx_monitor_dir=self.settings.recordings_pbx_monitor_dir)
            except files.UnsafeRecordingPath as e:
                log.error("recording has an unsafe file name; nothing deleted",
                          extra={"call_id": str(call_id), "error": str(e)})
                self.skipped.add(call_id)
                continue
            if files.remove(source):
                self.metrics.sources_removed.labels("sweep").inc()
            (self.work_dir / f"{call_id}.opus").unlink(missing_ok=True)
            self.db.execute("select private.mark_recording_source_removed(%s)", (call_id,))
            log.info("leftover recording file removed", extra={"call_id": str(call_id),
                                                               "status": status})
            done += 1
        for status, count in self.db.execute(
                "select status, recordings from private.recording_queue_counts()").fetchall():
            self.metrics.queue.labels(status).set(count)
        return done
