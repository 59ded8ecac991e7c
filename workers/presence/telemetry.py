"""The presence worker's Prometheus metrics, in one registry served by workers.common.metrics."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.marks = Counter(
            "presence_marks", "Agents marked, by result (offline, online, unchanged)",
            ["result"], registry=r)
        self.malformed = Counter(
            "presence_malformed", "Presences ignored because they name no agent properly",
            registry=r)
        self.agents_present = Gauge(
            "presence_agents_present", "Agents of the roster present on some channel", registry=r)
        self.agents_watched = Gauge(
            "presence_agents_watched", "Agents of the roster (active agents of active campaigns)",
            registry=r)
        self.channels_joined = Gauge(
            "presence_channels_joined", "Presence channels joined, of those wanted", registry=r)
        self.channels_wanted = Gauge(
            "presence_channels_wanted", "Presence channels wanted (active campaigns with agents)",
            registry=r)
        self.connects = Counter(
            "presence_realtime_connects", "Connections to Realtime, by result (ok, error)",
            ["result"], registry=r)
        self.database_errors = Counter(
            "presence_database_errors", "Database calls that failed (retried)", registry=r)
