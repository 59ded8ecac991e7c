"""The reporting worker: keeps the report views fresh, renders exports, watches call partitions.

Modules: `settings` (the environment, read once), `refresh` (refreshes the materialized views of
schema `reports`), `exports` (claims export requests, renders them as their requester, uploads and
signs them), `formats` (CSV and XLSX writers, no I/O beyond a local file), `partitions` (watches
the call partitions pg_cron creates: months ahead, those past retention, calls in the default
partition), `telemetry` (Prometheus metrics), `__main__` (only wires them together).

Refresh. Triggers on calls and sales append durable requests (view x day) to
`reports.refresh_requests` and `pg_notify('report_refresh', view)`. The notification only wakes
the worker; correctness rests on the rows: a worker that was down finds them waiting, and a
refresh clears only the requests its snapshot already saw (their writing transaction is visible
in it), so a change that commits during a refresh causes the next one. A view is refreshed once
its requests have been quiet for REFRESH_DEBOUNCE seconds, or REFRESH_MAX_DELAY seconds after the
oldest one under a steady stream of changes, and every REFRESH_INTERVAL seconds in any case (a
safety net for writes that skip triggers, such as a bulk load with triggers disabled). The
refresh is `reports.refresh_view()`: `REFRESH MATERIALIZED VIEW CONCURRENTLY` for the
materialized views, and for `hourly_stats` (too large to refresh whole within budget) a
recomputation of the requested days only. It holds a transaction-level advisory lock
(`pg_try_advisory_xact_lock`): a second worker asking for the same view is told "skipped" at
once and never runs a second refresh; a killed worker's lock goes with its connection. Each
refresh is logged with its duration in `reports.refresh_log`.

Exports. `rpc/request_report_export` queues a row in `public.report_exports`. The worker claims
the oldest queued row under the lease protocol every worker queue follows (workers/README.md:
private.report_export_claim with `for update skip locked`, so two workers never take the same
one) and marks it running with a heartbeat, renewed with the progress after every batch
(report_export_renew); a row whose heartbeat is older than EXPORT_STALE_AFTER (its worker was
killed) is claimed again, up to EXPORT_MAX_ATTEMPTS. The report is read in the requester's own
role and JWT claims (`set local role authenticated`), so the RPC's rules and RLS decide what the
file holds, through a server-side cursor fetched in batches and written straight to a temporary
file: memory stays flat whatever the size. The file goes to the private `exports` bucket with
storage3 (service role) and the row gets a signed URL valid for EXPORT_URL_SECONDS
(report_export_finish). A stop mid-export gives the row back to the queue (report_export_release).

Concurrency: threads, one per concern (refresh, exports, partitions), each a
workers.common.loop.WorkerLoop owning its own database connections, run by
workers.common.supervisor (a loop that dies stops the worker: exit status 1). Every one of them
spends its time blocked in a synchronous call: a `REFRESH ... CONCURRENTLY` statement that runs
for seconds, a LISTEN wait, a cursor fetch, an upload, or openpyxl building a worksheet
(CPU-bound). Threads keep a long export from delaying a
refresh and the other way round with plain synchronous code, psycopg's and storage3's sync
clients and openpyxl as they are; asyncio would need async variants of each and would still be
blocked by the XLSX rendering. The threads share nothing but the stop event and the (thread-safe)
Prometheus metrics; coordination between workers, even on several machines, happens in the
database (advisory locks, leases), never in memory.
"""
