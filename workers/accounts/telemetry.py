"""The accounts worker's Prometheus metrics, in one registry served by workers.common.metrics."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter(
            "accounts_requests", "Account requests handled, by kind and result"
            " (done, failed, requeued, taken_over)", ["kind", "result"], registry=r)
        self.request_seconds = Histogram(
            "accounts_request_duration_seconds", "From claim to done, by kind", ["kind"],
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30), registry=r)
        self.auth_errors = Counter(
            "accounts_auth_errors", "Errors of the Auth admin API, by error code",
            ["code"], registry=r)
