"""The lead import worker's Prometheus metrics, in one registry served by workers.common.metrics."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.imports = Counter(
            "lead_import_imports", "Imports ended, by result (done, cancelled, failed, requeued,"
            " previewed)", ["result"], registry=r)
        self.rows = Counter(
            "lead_import_rows", "Rows handled, by outcome (imported, updated, duplicates, invalid,"
            " do_not_call)", ["outcome"], registry=r)
        self.batch_seconds = Histogram(
            "lead_import_batch_duration_seconds", "One batch's transaction in the database",
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30), registry=r)
        self.import_seconds = Histogram(
            "lead_import_duration_seconds", "From claim to the end of an import",
            buckets=(0.5, 1, 5, 10, 30, 60, 120, 300, 600, 1800), registry=r)
