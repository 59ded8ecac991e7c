"""The dialer's Prometheus metrics, in a registry of its own."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class Metrics:
    """Every metric of the dialer (README.md lists them)."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.calls = Counter(
            "dialer_calls", "Calls placed, by result (human, machine, busy, no_answer,"
            " congestion, failed, hangup: the lead hung up during detection)",
            ["result"], registry=r)
        self.placed = Counter("dialer_calls_placed", "Originates sent for leads", registry=r)
        self.connects = Counter("dialer_connects", "Live answers connected to an agent",
                                registry=r)
        self.abandons = Counter(
            "dialer_abandons", "Live answers abandoned, by why (no_agent: the message played;"
            " hangup: the person hung up while waiting)", ["reason"], registry=r)
        self.connect_latency = Histogram(
            "dialer_connect_latency_seconds",
            "From the greeting (CrmDialerAmd) to the Redirect to the agent",
            buckets=(0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0), registry=r)
        self.lines = Gauge("dialer_lines_in_progress",
                           "Lines placed and not yet connected or ended", registry=r)
        self.sessions = Gauge("dialer_sessions_connected",
                              "Agents' nailed-up sessions this dialer holds", registry=r)
        self.malformed = Counter("dialer_ami_malformed", "AMI input skipped, by reason",
                                 ["reason"], registry=r)
        self.connected = Gauge("dialer_ami_connected", "1 while logged in to AMI", registry=r)
        self.reconnects = Counter("dialer_ami_reconnects", "Logins to AMI after the first one",
                                  registry=r)
        self.tick_seconds = Histogram(
            "dialer_tick_seconds", "One campaign's tick (floor, pacing, leads, originates)",
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5), registry=r)
        self.errors = Counter("dialer_errors", "Database or AMI errors, by where", ["where"],
                              registry=r)
