"""The import loop: claim an import, download its file, preview it or import it in batches.

The queue is public.lead_imports under the lease protocol (workers/README.md):
private.lead_import_claim, _renew, _preview, _finish, _fail, _release, and the batch write
private.lead_import_write_batch, which is also the checkpoint (see the package docstring).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import logging
import math
import queue as queues
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
from storage3.utils import StorageException

from workers.common.lease import ClaimLost, Final, Heartbeat, LeaseQueue, Retry, Stopping
from workers.common.loop import WorkerLoop
from workers.common.storage import describe, is_transient, storage_client
from workers.lead_import import parser
from workers.lead_import.reader import BadFile, open_table
from workers.lead_import.rows import LEAD_FIELDS, Mapper, check_row
from workers.lead_import.settings import Settings
from workers.lead_import.telemetry import Metrics

log = logging.getLogger(__name__)

CHANNEL = "lead_imports"
COUNTS = ("imported", "updated", "duplicates", "invalid", "do_not_call")


@dataclass(frozen=True)
class Job:
    id: uuid.UUID
    campaign_id: uuid.UUID
    requested_by: uuid.UUID | None
    file_path: str
    status: str
    options: dict[str, Any]
    processed_rows: int
    attempts: int
    region: str

    @property
    def error_report_path(self) -> str:
        return f"{self.requested_by}/errors/{self.id}.csv"


class Importer(WorkerLoop):
    name = "lead-import"
    channel = CHANNEL
    queue: LeaseQueue

    def __init__(self, settings: Settings, metrics: Metrics) -> None:
        super().__init__(settings.database_url)
        self.settings, self.metrics = settings, metrics
        self.queue = LeaseQueue("lead_import", settings.worker_id)
        self.storage = storage_client(settings)
        self.work_dir = Path(settings.lead_import_work_dir or tempfile.gettempdir())

    def step(self) -> float:
        return 0 if self.run_once() else self.settings.lead_import_poll_interval

    # -- one import ---------------------------------------------------------------------------
    def claim(self) -> Job | None:
        rows = self.queue.claim(self.db, limit=1,
                                p_stale_seconds=math.ceil(self.settings.lead_import_stale_after))
        if not rows:
            return None
        row = rows[0]
        region = self.db.execute("select private.lead_import_region(%s, %s)",
                                 (row["id"], self.queue.worker)).fetchone()
        return Job(id=row["id"], campaign_id=row["campaign_id"], requested_by=row["requested_by"],
                   file_path=row["file_path"], status=row["status"], options=row["options"],
                   processed_rows=row["processed_rows"], attempts=row["attempts"],
                   region=(region[0] if region and region[0] else "ES"))

    def run_once(self) -> bool:
        """Claim and handle one import; False when the queue is empty."""
        job = self.claim()
        if job is None:
            return False
        started = time.monotonic()
        context = {"import_id": str(job.id)}
        log.info("import claimed", extra={**context, "status": job.status,
                                          "attempt": job.attempts,
                                          "resume_from": job.processed_rows})
        every = max(0.2, min(self.settings.lead_import_stale_after / 4, 30.0))
        try:
            if job.attempts > self.settings.lead_import_max_attempts:
                raise Final(f"gave up after {job.attempts - 1} attempts: the worker importing it"
                            " stopped each time")
            with tempfile.TemporaryDirectory(prefix="lead-import-", dir=self.work_dir) as tmp, \
                    Heartbeat(lambda: self.queue.renew(self.db, job.id), every,
                              name=f"heartbeat-{job.id}") as heartbeat:
                path = Path(tmp) / "file"
                self.download(job, path)
                heartbeat.check()
                if job.status == "previewing":
                    self.preview(job, path)
                    result = "previewed"
                else:
                    result = self.load(job, path, heartbeat)
        except ClaimLost:
            log.warning("import taken over by another worker", extra=context)
            return True
        except Final as e:
            self.fail(job, str(e), final=True)
            return True
        except Retry as e:
            self.fail(job, str(e),
                      final=e.counts and job.attempts >= self.settings.lead_import_max_attempts)
            return True
        except Stopping:
            log.warning("import given back to the queue", extra={**context,
                                                                  "reason": "worker stopping"})
            self.metrics.imports.labels("requeued").inc()
            raise
        self.metrics.imports.labels(result).inc()
        self.metrics.import_seconds.observe(time.monotonic() - started)
        log.info(f"import {result}", extra={**context, "duration_ms":
                                             round((time.monotonic() - started) * 1000)})
        return True

    def fail(self, job: Job, error: str, *, final: bool) -> None:
        log.warning("import failed" if final else "import will be retried",
                    extra={"import_id": str(job.id), "error": error})
        self.queue.fail(self.db, job.id, error, final=final)
        if final:
            self.metrics.imports.labels("failed").inc()

    # -- the file -----------------------------------------------------------------------------
    def download(self, job: Job, path: Path) -> None:
        """Stream the object to `path` (never whole in memory): Storage's authenticated GET with
        the service role's key."""
        url = (f"{self.settings.supabase_url.rstrip('/')}/storage/v1/object/authenticated/"
               f"{self.settings.lead_import_bucket}/{quote(job.file_path)}")
        key = self.settings.supabase_service_role_key
        headers = {"apikey": key, "Authorization": f"Bearer {key}"}
        try:
            with httpx.stream("GET", url, headers=headers, timeout=60.0) as response:
                if response.status_code in (400, 404):
                    raise Final(f"the file {job.file_path} is no longer in"
                                f" {self.settings.lead_import_bucket}")
                if response.status_code >= 400:
                    response.read()
                    message = f"download: {response.status_code} {response.text[:200]}"
                    raise Retry(message) if response.status_code >= 500 else Final(message)
                with path.open("wb") as f:
                    for chunk in response.iter_bytes(1 << 20):
                        f.write(chunk)
                        if self.stop.is_set():
                            raise Stopping()
        except httpx.TransportError as e:
            raise Retry(f"download: {describe(e)}") from None

    # -- preview ------------------------------------------------------------------------------
    def preview(self, job: Job, path: Path) -> None:
        try:
            table = open_table(path, job.options)
        except (BadFile, UnicodeDecodeError) as e:
            raise Final(str(e)) from None
        try:
            mapper = Mapper.build(table.headers, job.options, job.region)
            today = dt.date.today()
            rows = []
            for line, cells in table.rows:
                checked = check_row(mapper, line, cells, today)
                values = {t: (cells[i] if i < len(cells) else None) for i, t in mapper.columns}
                values = {k: _cell(v) for k, v in values.items()}
                if checked.lead is not None and "phone" in checked.lead:
                    values["phone"] = checked.lead["phone"]
                rows.append({"line": line, "values": values, "errors": checked.errors})
                if len(rows) >= self.settings.lead_import_preview_rows:
                    break
        except UnicodeDecodeError as e:
            raise Final(f"the file is not {table.encoding}: {e.reason}") from None
        finally:
            table.close()
        preview = {
            "kind": table.kind, "delimiter": table.delimiter, "encoding": table.encoding,
            "headers": table.headers, "mapping": mapper.mapping, "fields": list(LEAD_FIELDS),
            "default_region": mapper.region, "rows": rows,
            "total_rows_estimate": table.rows_estimate,
        }
        written = self.db.execute("select private.lead_import_preview(%s, %s, %s::jsonb)",
                                  (job.id, self.queue.worker, json.dumps(preview))).fetchone()
        if not (written and written[0]):
            raise ClaimLost(f"lead_import {job.id}: the claim was lost")

    # -- import -------------------------------------------------------------------------------
    def load(self, job: Job, path: Path, heartbeat: Heartbeat) -> str:
        """Every batch the parser sends, written with its checkpoint; 'done' or 'cancelled'."""
        process, out = parser.start(path, job.options, job.region, job.processed_rows,
                                    self.settings.lead_import_batch_rows,
                                    self.settings.lead_import_queue_batches)
        cancelled = False
        counts: dict[str, Any] = {}
        try:
            while True:
                message = self.next_message(process, out)
                kind = message[0]
                if kind == "error":
                    raise Final(message[1])
                if kind == "header":
                    estimate = message[1]["rows_estimate"]
                    self.queue.renew(self.db, job.id, p_total_rows=estimate)
                    continue
                if kind == "end":
                    break
                _kind, from_row, to_row, rows, errors = message
                heartbeat.check()
                started = time.monotonic()
                written = self.db.execute(
                    "select private.lead_import_write_batch(%s, %s, %s, %s, %s::jsonb, %s::jsonb)",
                    (job.id, self.queue.worker, from_row, to_row, rows, errors)).fetchone()
                elapsed = time.monotonic() - started
                self.metrics.batch_seconds.observe(elapsed)
                log.debug("batch written", extra={"import_id": str(job.id), "to_row": to_row,
                                                  "duration_ms": round(elapsed * 1000)})
                if written is None or written[0] is None:
                    raise ClaimLost(f"lead_import {job.id}: the claim was lost")
                for name in COUNTS:
                    self.metrics.rows.labels(name).inc(written[0][name] - counts.get(name, 0))
                counts = written[0]
                if counts.get("cancel_requested"):
                    cancelled = True
                    break
                if self.stop.is_set():
                    raise Stopping()
        finally:
            if process.is_alive():
                process.terminate()
            process.join(5)
            out.close()
        report = self.upload_errors(job)
        self.queue.finish(self.db, job.id, p_error_report_path=report)
        return "cancelled" if cancelled else "done"

    def next_message(self, process: Any, out: Any) -> tuple[Any, ...]:
        """The parser's next message; Stopping on a stop, Retry if the parser died silently."""
        while True:
            try:
                return tuple(out.get(timeout=0.5))
            except queues.Empty:
                if self.stop.is_set():
                    raise Stopping() from None
                if not process.is_alive():
                    try:
                        return tuple(out.get(timeout=0.5))
                    except queues.Empty:
                        raise Retry(f"the parser process ended (exit code {process.exitcode})"
                                    " without finishing the file") from None

    def upload_errors(self, job: Job) -> str | None:
        """The refused rows as CSV at <uploader>/errors/<id>.csv; None when there are none."""
        path = self.work_dir / f"errors-{job.id}.csv"
        count = 0
        try:
            with path.open("w", encoding="utf-8-sig", newline="") as f:
                writer = csv.writer(f)
                writer.writerow(["line", "field", "code", "message", "row"])
                # A server-side cursor: a file with many refused rows never sits whole in memory.
                with self.db.transaction(), self.db.cursor(name="lead_import_errors") as cur:
                    cur.itersize = 2000
                    cur.execute("select line, field, code, message, raw"
                                " from private.lead_import_error_rows(%s, %s)",
                                (job.id, self.queue.worker))
                    for line, field, code, message, raw in cur:
                        writer.writerow([line, field, code, _safe(message),
                                         _safe(json.dumps(raw, ensure_ascii=False)) if raw else ""])
                        count += 1
            if count == 0:
                return None
            try:
                self.storage.from_(self.settings.lead_import_bucket).upload(
                    job.error_report_path, path.read_bytes(),
                    {"content-type": "text/csv", "upsert": "true"})
            except (StorageException, httpx.HTTPError) as e:
                if is_transient(e):
                    raise Retry(f"error report upload: {describe(e)}") from None
                raise Final(f"error report upload: {describe(e)}") from None
            return job.error_report_path
        finally:
            path.unlink(missing_ok=True)


def _cell(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def _safe(text: str) -> str:
    """A cell a spreadsheet will not run as a formula (=, +, -, @ first)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
