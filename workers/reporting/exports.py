"""Report exports: claim a request, render it as its requester, upload it, sign it.

The queue is public.report_exports under the workers' lease protocol (workers/README.md):
private.report_export_claim, _renew, _finish, _fail, _release. A claim is a lease: the row says
which worker runs it and when that worker last showed signs of life (heartbeat_at, renewed with
the progress after every batch of rows). A worker that dies leaves a running row whose heartbeat
goes stale; any worker claims it again after EXPORT_STALE_AFTER seconds, up to
EXPORT_MAX_ATTEMPTS claims. Every write after the claim checks that the row is still this
worker's (ClaimLost otherwise), so a worker that was presumed dead and comes back never
overwrites the one that took over.

What each outcome does to the row: a report the database refuses as its requester is Final
(failed, with the database's message); a Storage error is Retry (queued again, failed once the
attempts are used up); a stop while rendering is Stopping (given back, not failed).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg
from psycopg import sql as pgsql
from storage3.utils import StorageException

from workers.common import database
from workers.common.lease import ClaimLost, Final, LeaseQueue, Retry, Stopping
from workers.common.loop import WorkerLoop
from workers.common.storage import describe, storage_client
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

# The lead list ('leads'): the leads of a selection (private.leads_matching, the bulk actions'
# selection, within the requester's campaigns), every column a call center works with, then one
# column per key of the leads' custom fields ("custom.<key>", at most LEAD_CUSTOM_KEYS). Read as
# the requester: RLS on leads, campaigns and profiles applies on top of the selection's reach.
LEAD_SELECTED = ("select m.id from private.leads_matching(%(selection)s::jsonb) as m"
                 " where m.yours")
LEAD_COLUMNS = """
  l.id as lead_id, c.name as campaign, l.status, l.first_name, l.last_name, l.phone,
  array_to_string(l.alternate_phones, ' ') as alternate_phones, l.email, l.birth_date,
  l.address_line, l.city, l.region, l.postal_code, l.country_code, l.time_zone,
  o.full_name as owner, l.attempts, l.last_outcome, l.last_called_at, l.next_call_at,
  l.consent_contact, l.consent_recording, l.consent_marketing, l.source, l.external_ref,
  l.notes, l.created_at, l.updated_at"""
LEAD_CUSTOM_KEYS = 100


def lead_export_sql(custom_keys: list[str]) -> pgsql.Composed:
    custom = pgsql.SQL("").join(
        pgsql.SQL(", l.custom ->> {} as {}").format(pgsql.Literal(k),
                                                    pgsql.Identifier(f"custom.{k}"))
        for k in custom_keys
    )
    return pgsql.SQL(
        "select {columns}{custom} from public.leads as l"
        " inner join public.campaigns as c on l.campaign_id = c.id"
        " left join public.profiles as o on l.owner_id = o.id"
        " where l.id in ({selected}) order by l.created_at, l.id"
    ).format(columns=pgsql.SQL(LEAD_COLUMNS), custom=custom, selected=pgsql.SQL(LEAD_SELECTED))


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
        if self.report == "leads":
            return f"leads_{dt.date.today().isoformat()}.{self.format}"
        span = p["p_day"] if self.report == "daily_summary" else f"{p['p_from']}_{p['p_to']}"
        return f"{self.report}_{span}.{self.format}"

    def query_params(self) -> dict[str, Any]:
        if self.report == "leads":
            return {"selection": json.dumps(self.params.get("selection"))}
        return {k: self.params.get(k) for k in PARAMS}


class Exporter(WorkerLoop):
    name = "reporting-exports"
    channel = CHANNEL
    queue: LeaseQueue

    def __init__(self, settings: Settings, metrics: Metrics) -> None:
        super().__init__(settings.database_url)  # self.db: claims, progress (autocommit)
        self.settings, self.metrics = settings, metrics
        self.queue = LeaseQueue("report_export", settings.worker_id)
        self.render_conn: psycopg.Connection[Any] | None = None  # the requester's transaction
        self.storage = storage_client(settings)

    def step(self) -> float:
        return 0 if self.run_one() else self.settings.export_poll_interval

    def connect(self) -> None:
        super().connect()
        if self.render_conn is None or self.render_conn.closed:
            self.render_conn = database.connect(self.settings.database_url,
                                                application_name="reporting-exports-render",
                                                stop=self.stop)

    def close(self) -> None:
        super().close()
        if self.render_conn is not None:
            self.render_conn.close()
            self.render_conn = None

    # -- one export --------------------------------------------------------------------------
    def claim(self) -> Export | None:
        rows = self.queue.claim(self.db, limit=1,
                                p_stale_seconds=math.ceil(self.settings.export_stale_after))
        if not rows:
            return None
        row = rows[0]
        return Export(id=row["id"], requested_by=row["requested_by"], report=row["report"],
                      format=row["format"], params=row["params"], attempts=row["attempts"])

    def run_one(self) -> bool:
        """Claim and process one export; False when the queue is empty."""
        job = self.claim()
        if job is None:
            return False
        started = time.monotonic()
        context = {"export_id": str(job.id)}
        log.info("export claimed", extra={**context, "report": job.report, "format": job.format,
                                          "attempt": job.attempts})
        try:
            if job.attempts > self.settings.export_max_attempts:
                raise Final(f"gave up after {job.attempts - 1} attempts: the worker rendering it"
                            " stopped each time")
            with tempfile.TemporaryDirectory(prefix="export-") as tmp:
                path = Path(tmp) / f"{job.id}.{job.format}"
                rows = self.render(job, path)
                self.queue.renew(self.db, job.id, p_rows_done=rows)
                url = self.upload(job, path)
            self.queue.finish(self.db, job.id, p_rows=rows, p_storage_path=job.storage_path,
                              p_signed_url=url, p_url_seconds=self.settings.export_url_seconds)
        except ClaimLost:
            log.warning("export taken over by another worker", extra=context)
            return True
        except Final as e:
            self.fail(job, str(e), final=True)
            return True
        except Retry as e:
            final = e.counts and job.attempts >= self.settings.export_max_attempts
            self.fail(job, str(e), final=final)
            return True
        except Stopping:
            # Given back to the queue by the loop (release), not failed.
            log.warning("export given back to the queue", extra={**context,
                                                                  "reason": "worker stopping"})
            self.metrics.exports.labels(job.format, "requeued").inc()
            raise
        self.metrics.exports.labels(job.format, "done").inc()
        self.metrics.export_seconds.observe(time.monotonic() - started)
        log.info("export done", extra={**context, "rows": rows,
                                       "duration_ms": round((time.monotonic() - started) * 1000)})
        return True

    def render(self, job: Export, path: Path) -> int:
        """Stream the report into `path` as the requester; return the number of rows.

        Final when the database refuses the report as the requester (rights, arguments).
        """
        params = job.query_params()
        sql: pgsql.Composed = pgsql.Composed([pgsql.SQL(SOURCES.get(job.report, ""))])
        claims = json.dumps({"sub": str(job.requested_by), "role": "authenticated"})
        conn, done = self.render_conn, 0
        assert conn is not None, "connect() opens the render connection"
        try:
            with conn.transaction():
                conn.execute("select set_config('role', 'authenticated', true),"
                             " set_config('request.jwt.claims', %s, true)", (claims,))
                if job.report == "call_detail":
                    # The RPCs check reports.view themselves; the call detail asks here.
                    conn.execute("select private.report_scope(%s::uuid)",
                                 (params["p_campaign_id"],))
                if job.report == "leads":
                    # leads.export still held; then the custom fields' keys of the selection.
                    conn.execute("select private.require_lead_export()")
                    keys = conn.execute(
                        "select distinct k.key from public.leads as l"
                        " cross join lateral jsonb_object_keys(l.custom) as k (key)"
                        f" where l.id in ({LEAD_SELECTED}) order by 1 limit {LEAD_CUSTOM_KEYS}",
                        params).fetchall()
                    sql = lead_export_sql([k[0] for k in keys])
                counted = conn.execute(
                    pgsql.SQL("select count(*) from ({}) as export_rows").format(sql),
                    params).fetchone()
                total = int(counted[0]) if counted else 0
                if job.format == "xlsx" and total > XLSX_MAX_ROWS:
                    raise Final(f"rows_total: {total} rows do not fit in one XLSX sheet"
                                f" (at most {XLSX_MAX_ROWS}); export it as csv")
                self.queue.renew(self.db, job.id, p_rows_done=0, p_rows_total=total)
                with conn.cursor(name=f"export_{job.id.hex}") as cur:
                    cur.execute(sql, params)
                    columns = [d.name for d in cur.description or ()]
                    writer = open_writer(job.format, path, columns, job.report)
                    try:
                        while batch := cur.fetchmany(self.settings.export_batch_rows):
                            for row in batch:
                                writer.write(row)
                            done += len(batch)
                            self.metrics.export_rows.inc(len(batch))
                            self.queue.renew(self.db, job.id, p_rows_done=done)
                            if self.stop.is_set():
                                raise Stopping
                    finally:
                        writer.close()
        except psycopg.Error as e:
            if database.is_disconnect(e):
                raise
            raise Final(e.diag.message_primary or str(e)) from e
        return done

    def upload(self, job: Export, path: Path) -> str:
        """Upload (upsert: a retry overwrites) and sign; Retry on any Storage error."""
        files = self.storage.from_(self.settings.export_bucket)
        try:
            files.upload(job.storage_path, path,
                         {"content-type": CONTENT_TYPES[job.format], "upsert": "true"})
            signed = files.create_signed_url(job.storage_path, self.settings.export_url_seconds,
                                             {"download": job.download_name})
        except (StorageException, httpx.HTTPError) as e:
            raise Retry(f"storage: {describe(e)}") from e
        return str(signed["signedURL"])

    def fail(self, job: Export, error: str, *, final: bool) -> None:
        """Failed for good, or back to the queue (for nothing if the claim was lost meanwhile)."""
        log.warning("export failed" if final else "export given back to the queue",
                    extra={"export_id": str(job.id), "error": error})
        self.metrics.exports.labels(job.format, "failed" if final else "requeued").inc()
        self.queue.fail(self.db, job.id, error, final=final)
