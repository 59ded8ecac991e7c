"""Report exports: claim a request, render it as its requester, upload it, sign it.

A claim is a lease: the row says which worker runs it and when that worker last showed signs of
life (heartbeat_at, renewed with every batch of rows). A worker that dies leaves a running row
whose heartbeat goes stale; any worker claims it again after EXPORT_STALE_AFTER seconds. Every
write after the claim checks that the row is still this worker's, so a worker that was presumed
dead and comes back never overwrites the one that took over.
"""

from __future__ import annotations

import contextlib
import json
import logging
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg
from psycopg.rows import dict_row
from storage3.utils import StorageException

from workers.common import database
from workers.common.loop import WorkerLoop
from workers.common.storage import service_storage
from workers.reporting.formats import CONTENT_TYPES, XLSX_MAX_ROWS, open_writer
from workers.reporting.settings import Settings
from workers.reporting.telemetry import Metrics

log = logging.getLogger(__name__)

CHANNEL = "report_exports"

# What each report's file holds: the report RPC's rows (its arguments from params), or, for
# call_detail, one row per call. All of it is read as the requester: the RPCs check
# reports.view and the supervisor's campaigns, and RLS on calls, campaigns and profiles
# decides the call detail.
SOURCES = {
    "agent_performance":
        "select * from public.report_agent_performance("
        "%(p_from)s::date, %(p_to)s::date, %(p_campaign_id)s::uuid, %(p_agent_id)s::uuid)",
    "campaign_stats":
        "select * from public.report_campaign_stats("
        "%(p_from)s::date, %(p_to)s::date, %(p_campaign_id)s::uuid)",
    "daily_summary":
        "select * from public.report_daily_summary("
        "%(p_day)s::date, %(p_campaign_id)s::uuid, %(p_agent_id)s::uuid)",
    "call_detail": """
        select
          c.id as call_id, cp.name as campaign, p.full_name as agent, c.started_at,
          c.answered_at, c.ended_at, c.wrapped_up_at, c.direction, c.phone_number, c.status,
          c.outcome, c.disposition, c.ring_seconds, c.talk_seconds, c.duration_seconds,
          c.hangup_by, c.hangup_cause_text
        from public.calls as c
        inner join public.campaigns as cp on c.campaign_id = cp.id
        left join public.profiles as p on c.agent_id = p.id
        where
          c.started_at >= %(p_from)s::date - 1 and c.started_at < %(p_to)s::date + 2
          and (c.started_at at time zone cp.default_time_zone)::date
              between %(p_from)s::date and %(p_to)s::date
          and (%(p_campaign_id)s::uuid is null or c.campaign_id = %(p_campaign_id)s::uuid)
          and (%(p_agent_id)s::uuid is null or c.agent_id = %(p_agent_id)s::uuid)
        order by c.started_at, c.id
    """,
}
PARAMS = ("p_from", "p_to", "p_day", "p_campaign_id", "p_agent_id")

CLAIM = """
    with next_export as (
      select e.id
      from public.report_exports as e
      where
        e.status = 'queued'
        or (e.status = 'running' and e.heartbeat_at < now() - make_interval(secs => %(stale)s))
      order by e.requested_at
      limit 1
      for update skip locked
    )
    update public.report_exports as e set
      status = 'running', attempts = e.attempts + 1, worker = %(worker)s, heartbeat_at = now(),
      started_at = now(), rows_done = 0, error = null
    from next_export
    where e.id = next_export.id
    returning e.*
"""
MINE = "where id = %(id)s and worker = %(worker)s and status = 'running'"


class LostClaim(Exception):
    """Another worker took the export over (this one was presumed dead)."""


class Interrupted(Exception):
    """The worker is stopping: give the export back to the queue."""


class ReportRefused(Exception):
    """The database refused the report (permissions, arguments): retrying will not help."""


@dataclass(frozen=True)
class Export:
    id: uuid.UUID
    requested_by: uuid.UUID
    report: str
    format: str
    params: dict[str, Any]
    attempts: int

    @property
    def storage_path(self) -> str:
        return f"{self.requested_by}/{self.id}.{self.format}"

    @property
    def download_name(self) -> str:
        p = self.params
        span = p["p_day"] if self.report == "daily_summary" else f"{p['p_from']}_{p['p_to']}"
        return f"{self.report}_{span}.{self.format}"

    def query_params(self) -> dict[str, Any]:
        return {k: self.params.get(k) for k in PARAMS}




class Exporter(WorkerLoop):
    name = "reporting-exports"
    channel = CHANNEL

    def __init__(self, settings: Settings, metrics: Metrics) -> None:
        super().__init__(settings.database_url)  # self.conn: claims, progress (autocommit)
        self.settings, self.metrics = settings, metrics
        self.worker = settings.worker_id
        self.render_conn: psycopg.Connection | None = None  # the requester's transaction
        self.storage = service_storage(settings.supabase_url, settings.supabase_service_role_key)

    def step(self) -> float:
        return 0 if self.run_one() else self.settings.export_poll_interval

    def on_connect(self) -> None:
        # Exports this very process held before its connection dropped go back to the queue.
        self.conn.execute(
            "update public.report_exports set status = 'queued', worker = null,"
            " heartbeat_at = null where status = 'running' and worker = %s", (self.worker,))

    def connect(self) -> None:
        super().connect()
        if self.render_conn is None or self.render_conn.closed:
            self.render_conn = database.connect(self.settings.database_url,
                                                application_name="reporting-exports-render")

    def close(self) -> None:
        super().close()
        if self.render_conn is not None:
            self.render_conn.close()
            self.render_conn = None

    # -- one export --------------------------------------------------------------------------
    def claim(self) -> Export | None:
        with self.conn.cursor(row_factory=dict_row) as cur:
            row = cur.execute(CLAIM, {"stale": self.settings.export_stale_after,
                                      "worker": self.worker}).fetchone()
        if row is None:
            return None
        return Export(id=row["id"], requested_by=row["requested_by"], report=row["report"],
                      format=row["format"], params=row["params"], attempts=row["attempts"])

    def run_one(self) -> bool:
        """Claim and process one export; False when the queue is empty."""
        job = self.claim()
        if job is None:
            return False
        started = time.monotonic()
        log.info("export claimed", extra={"export_id": str(job.id), "report": job.report,
                                          "format": job.format, "attempt": job.attempts})
        if job.attempts > self.settings.export_max_attempts:
            self.fail(job, f"gave up after {job.attempts - 1} attempts: the worker rendering it"
                           " stopped each time")
            return True
        try:
            with tempfile.TemporaryDirectory(prefix="export-") as tmp:
                path = Path(tmp) / f"{job.id}.{job.format}"
                rows = self.render(job, path)
                self.heartbeat(job, rows, None)
                url = self.upload(job, path)
            self.finish(job, rows, url)
            self.metrics.exports.labels(job.format, "done").inc()
            self.metrics.export_seconds.observe(time.monotonic() - started)
            log.info("export done", extra={"export_id": str(job.id), "rows": rows,
                                           "duration_ms": round((time.monotonic() - started)
                                                                * 1000)})
        except LostClaim:
            log.warning("export taken over by another worker", extra={"export_id": str(job.id)})
        except ReportRefused as e:
            self.fail(job, str(e))
        except Interrupted:
            self.requeue(job, "worker stopping")
        except (StorageException, httpx.HTTPError) as e:
            if job.attempts >= self.settings.export_max_attempts:
                self.fail(job, f"storage: {e}")
            else:
                self.requeue(job, f"storage: {e}")
        return True

    def render(self, job: Export, path: Path) -> int:
        """Stream the report into `path` as the requester; return the number of rows."""
        sql, params = SOURCES[job.report], job.query_params()
        claims = json.dumps({"sub": str(job.requested_by), "role": "authenticated"})
        conn, done = self.render_conn, 0
        try:
            with conn.transaction():
                conn.execute("select set_config('role', 'authenticated', true),"
                             " set_config('request.jwt.claims', %s, true)", (claims,))
                if job.report == "call_detail":
                    # The RPCs check reports.view themselves; the call detail asks here.
                    conn.execute("select private.report_scope(%s::uuid)",
                                 (params["p_campaign_id"],))
                total = conn.execute(f"select count(*) from ({sql}) as export_rows",
                                     params).fetchone()[0]
                if job.format == "xlsx" and total > XLSX_MAX_ROWS:
                    raise ReportRefused(f"rows_total: {total} rows do not fit in one XLSX sheet"
                                        f" (at most {XLSX_MAX_ROWS}); export it as csv")
                self.heartbeat(job, 0, total)
                with conn.cursor(name=f"export_{job.id.hex}") as cur:
                    cur.execute(sql, params)
                    columns = [d.name for d in cur.description]
                    writer = open_writer(job.format, path, columns, job.report)
                    try:
                        while batch := cur.fetchmany(self.settings.export_batch_rows):
                            for row in batch:
                                writer.write(row)
                            done += len(batch)
                            self.metrics.export_rows.inc(len(batch))
                            self.heartbeat(job, done, None)
                            if self.stop.is_set():
                                raise Interrupted
                    finally:
                        writer.close()
        except psycopg.Error as e:
            if database.is_disconnect(e):
                raise
            raise ReportRefused(e.diag.message_primary or str(e)) from e
        return done

    def upload(self, job: Export, path: Path) -> str:
        files = self.storage.from_(self.settings.export_bucket)
        files.upload(job.storage_path, path,
                     {"content-type": CONTENT_TYPES[job.format], "upsert": "true"})
        signed = files.create_signed_url(job.storage_path, self.settings.export_url_seconds,
                                         {"download": job.download_name})
        return signed["signedURL"]

    # -- writes on the request row (all of them only while the claim is ours) ---------------
    def _update(self, job: Export, assignments: str, values: dict[str, Any]) -> None:
        cur = self.conn.execute(f"update public.report_exports set {assignments} {MINE}",
                                {**values, "id": job.id, "worker": self.worker})
        if cur.rowcount == 0:
            raise LostClaim

    def heartbeat(self, job: Export, rows_done: int, rows_total: int | None) -> None:
        self._update(job, "rows_done = %(done)s, rows_total = coalesce(%(total)s, rows_total),"
                          " heartbeat_at = now()", {"done": rows_done, "total": rows_total})

    def finish(self, job: Export, rows: int, url: str) -> None:
        self._update(job, "status = 'done', rows_done = %(rows)s, rows_total = %(rows)s,"
                          " storage_path = %(path)s, signed_url = %(url)s,"
                          " signed_url_expires_at = now() + make_interval(secs => %(secs)s),"
                          " finished_at = now(), heartbeat_at = now()",
                     {"rows": rows, "path": job.storage_path, "url": url,
                      "secs": self.settings.export_url_seconds})

    def fail(self, job: Export, error: str) -> None:
        log.warning("export failed", extra={"export_id": str(job.id), "error": error})
        self.metrics.exports.labels(job.format, "failed").inc()
        with contextlib.suppress(LostClaim):
            self._update(job, "status = 'failed', error = %(error)s, finished_at = now()",
                         {"error": error})

    def requeue(self, job: Export, reason: str) -> None:
        log.warning("export given back to the queue", extra={"export_id": str(job.id),
                                                              "reason": reason})
        self.metrics.exports.labels(job.format, "requeued").inc()
        with contextlib.suppress(LostClaim):
            self._update(job, "status = 'queued', worker = null, heartbeat_at = null,"
                              " error = %(error)s", {"error": reason})
