"""Refreshing the report views: debounced after changes, periodic in any case, one at a time.

The decisions live in `due()` (pure: what to refresh now, and how long to sleep); the database
work in `Refresher`. Times come from the database's clock (reports.refresh_status()), so
several workers on several machines agree on them.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import psycopg
from psycopg.rows import dict_row

from workers.common import database
from workers.common.loop import WorkerLoop
from workers.reporting.settings import Settings
from workers.reporting.telemetry import Metrics

log = logging.getLogger(__name__)

CHANNEL = "report_refresh"
LONGEST_SLEEP = 30.0


@dataclass(frozen=True)
class ViewStatus:
    view_name: str
    pending_requests: int
    age_seconds: float
    oldest_wait_seconds: float | None
    quiet_seconds: float | None


def due(views: list[ViewStatus], settings: Settings,
        backoff_until: dict[str, float] | None = None,
        now: float | None = None) -> tuple[list[str], float]:
    """The views to refresh now, and how long to sleep before looking again.

    A view with pending requests is due once they have been quiet for the debounce, or the
    oldest has waited the maximum delay; any view is due once its data is older than the
    refresh interval. A view that just failed waits until its backoff ends.
    """
    backoff_until = backoff_until or {}
    now = time.monotonic() if now is None else now
    todo, sleep = [], LONGEST_SLEEP
    for v in views:
        wait_backoff = backoff_until.get(v.view_name, 0.0) - now
        waits = [settings.refresh_interval - v.age_seconds]
        if v.pending_requests:
            waits.append(min(settings.refresh_debounce - (v.quiet_seconds or 0.0),
                             settings.refresh_max_delay - (v.oldest_wait_seconds or 0.0)))
        wait = max(min(waits), wait_backoff)
        if wait <= 0:
            todo.append(v.view_name)
        else:
            sleep = min(sleep, wait)
    return todo, max(sleep, 0.05)


class Refresher(WorkerLoop):
    """Refreshes whatever is due; woken early by LISTEN report_refresh."""

    name = "reporting-refresh"
    channel = CHANNEL

    def __init__(self, settings: Settings, metrics: Metrics) -> None:
        super().__init__(settings.database_url)
        self.settings, self.metrics = settings, metrics
        self.backoff_until: dict[str, float] = {}
        self.last_prune = 0.0

    def step(self) -> float:
        return self.tick()

    # -- one pass ----------------------------------------------------------------------------
    def status(self) -> list[ViewStatus]:
        with self.db.cursor(row_factory=dict_row) as cur:
            rows = cur.execute(
                "select view_name, pending_requests, age_seconds, oldest_wait_seconds,"
                " quiet_seconds from reports.refresh_status()").fetchall()
        for r in rows:
            self.metrics.view_age.labels(r["view_name"]).set(r["age_seconds"])
            self.metrics.pending_requests.labels(r["view_name"]).set(r["pending_requests"])
        return [ViewStatus(**r) for r in rows]

    def tick(self) -> float:
        """Refresh every view that is due; return how long to sleep."""
        todo, sleep = due(self.status(), self.settings, self.backoff_until)
        for view in todo:
            self.refresh(view)
        if todo:
            # Look again at once: changes may have come in during the refreshes.
            _, sleep = due(self.status(), self.settings, self.backoff_until)
        self.prune_log()
        return sleep

    def refresh(self, view: str) -> bool:
        """One concurrent refresh of `view`. False when another worker holds it, or it failed."""
        started = time.monotonic()
        try:
            row = self.db.execute(
                "select refreshed, duration_ms, requests_cleared from reports.refresh_view(%s)",
                (view,)).fetchone()
        except psycopg.Error as e:
            if database.is_disconnect(e):
                raise
            seconds = time.monotonic() - started
            self.metrics.refreshes.labels(view, "error").inc()
            self.backoff_until[view] = time.monotonic() + self.settings.refresh_retry_after
            log.error("refresh failed", extra={"view": view, "error": str(e).strip(),
                                               "duration_ms": round(seconds * 1000)})
            self.db.execute("select reports.log_refresh_failure(%s, %s, %s)",
                            (view, seconds, str(e).strip()))
            return False
        assert row is not None, "refresh_view returns one row"
        refreshed, duration_ms, cleared = row
        if not refreshed:
            # Another worker is refreshing it right now; its refresh will do.
            self.metrics.refreshes.labels(view, "skipped").inc()
            self.backoff_until[view] = time.monotonic() + self.settings.refresh_debounce
            log.info("refresh skipped: another worker holds the view", extra={"view": view})
            return False
        self.backoff_until.pop(view, None)
        self.metrics.refreshes.labels(view, "ok").inc()
        self.metrics.refresh_seconds.labels(view).observe(duration_ms / 1000)
        log.info("view refreshed", extra={"view": view, "duration_ms": duration_ms,
                                          "requests_cleared": cleared})
        return True

    def prune_log(self) -> None:
        """Drop refresh_log rows past their retention, at most once an hour."""
        if time.monotonic() - self.last_prune < 3600:
            return
        self.last_prune = time.monotonic()
        self.db.execute("select reports.prune_refresh_log(%s)",
                        (self.settings.refresh_log_retention_days,))
