"""The recordings worker's Prometheus metrics, in one registry served by workers.common.metrics."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.recordings = Counter(
            "recordings_processed", "Claimed recordings by result (stored, declined, retry,"
            " failed, lost)", ["result"], registry=r)
        self.upload_attempts = Counter(
            "recordings_upload_attempts", "Uploads to Storage by result (ok, transient, error,"
            " mismatch)", ["result"], registry=r)
        self.stored_bytes = Counter(
            "recordings_stored_bytes", "Bytes of Opus stored", registry=r)
        self.source_bytes = Counter(
            "recordings_source_bytes", "Bytes of Asterisk recordings converted", registry=r)
        self.sources_removed = Counter(
            "recordings_sources_removed", "Local recording files deleted, by why (stored,"
            " declined, sweep)", ["reason"], registry=r)
        self.convert_seconds = Histogram(
            "recordings_convert_duration_seconds", "ffmpeg conversion to Opus",
            buckets=(0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300), registry=r)
        self.upload_seconds = Histogram(
            "recordings_upload_duration_seconds", "From claim to stored (convert, upload,"
            " verify)", buckets=(0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600), registry=r)
        self.queue = Gauge(
            "recordings_queue", "Recordings waiting or being uploaded, by status",
            ["status"], registry=r)
