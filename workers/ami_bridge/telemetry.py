"""The bridge's Prometheus metrics, in a registry of its own (one per bridge)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class Metrics:
    """The bridge's Prometheus metrics, in a registry of its own (one per bridge)."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.events = Counter("ami_bridge_events", "AMI events read (well-formed)", registry=r)
        self.malformed = Counter(
            "ami_bridge_malformed", "AMI input skipped, by reason", ["reason"], registry=r
        )
        self.calls_written = Counter(
            "ami_bridge_calls_written", "Call rows upserted into calls", registry=r
        )
        self.write_batches = Counter(
            "ami_bridge_write_batches", "Write batches, by result", ["result"], registry=r
        )
        self.write_seconds = Histogram(
            "ami_bridge_write_seconds",
            "Time to write one batch",
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            registry=r,
        )
        self.lag = Histogram(
            "ami_bridge_lag_seconds",
            "From an event's time to the commit of the row it changed",
            buckets=(0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 2, 5, 10, 30, 60, 300),
            registry=r,
        )
        self.rows_rejected = Counter(
            "ami_bridge_rows_rejected", "Call rows the database refused (dropped)", registry=r
        )
        self.rows_parked = Counter(
            "ami_bridge_rows_parked",
            "Outbound call rows without a number (not written)",
            registry=r,
        )
        self.reconnects = Counter(
            "ami_bridge_reconnects", "Logins to AMI after the first one", registry=r
        )
        self.connected = Gauge("ami_bridge_connected", "1 while logged in to AMI", registry=r)
        self.open_calls = Gauge("ami_bridge_open_calls", "Calls the model holds open", registry=r)
        self.buffered_rows = Gauge(
            "ami_bridge_buffered_rows", "Call rows waiting to be written", registry=r
        )
        self.reconciled = Counter(
            "ami_bridge_reconciled_calls",
            "Calls closed because Asterisk no longer had them, by where they were known",
            ["known_by"],
            registry=r,
        )
        self.originates = Counter(
            "ami_bridge_originates",
            "Originate requests finished, by status",
            ["status"],
            registry=r,
        )
        self.recording_stops = Counter(
            "ami_bridge_recording_stops",
            "StopMixMonitor for calls whose lead refused recording, by result"
            " (ok, failed, not_found: no live recording leg)",
            ["result"],
            registry=r,
        )
