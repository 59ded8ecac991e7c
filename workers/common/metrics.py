"""Prometheus metrics: each worker serves its own /metrics on a configured port (0: off)."""

from __future__ import annotations

import logging

from prometheus_client import CollectorRegistry, start_http_server

log = logging.getLogger(__name__)


def serve(registry: CollectorRegistry, port: int, addr: str = "127.0.0.1") -> None:
    if port:
        start_http_server(port, addr=addr, registry=registry)
        log.info("metrics served", extra={"url": f"http://{addr}:{port}/metrics"})
