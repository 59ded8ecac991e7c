"""The reporting worker's Prometheus metrics, in one registry served by workers.common.metrics."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.refreshes = Counter(
            "reporting_refreshes", "Refreshes of a report view, by result (ok, skipped, error)",
            ["view", "result"], registry=r)
        self.refresh_seconds = Histogram(
            "reporting_refresh_duration_seconds", "Duration of a report view's concurrent refresh",
            ["view"], buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300),
            registry=r)
        self.view_age = Gauge(
            "reporting_view_age_seconds", "Seconds since the report view's data was taken",
            ["view"], registry=r)
        self.pending_requests = Gauge(
            "reporting_pending_refresh_requests", "Refresh requests waiting for a view",
            ["view"], registry=r)
        self.exports = Counter(
            "reporting_exports", "Exports finished, by format and result (done, failed, requeued)",
            ["format", "result"], registry=r)
        self.export_rows = Counter(
            "reporting_export_rows", "Rows written into export files", registry=r)
        self.export_seconds = Histogram(
            "reporting_export_duration_seconds", "From claim to signed URL",
            buckets=(0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800), registry=r)
        self.partitions_ahead = Gauge(
            "reporting_call_partitions_ahead", "Monthly call partitions after the current month",
            registry=r)
        self.partitions_past_retention = Gauge(
            "reporting_call_partitions_past_retention",
            "Monthly call partitions entirely older than the retention (never dropped here)",
            registry=r)
        self.default_partition_rows = Gauge(
            "reporting_calls_default_partition_has_rows",
            "1 when calls sit in the default partition (a month without its partition)",
            registry=r)
