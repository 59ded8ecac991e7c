"""python -m workers.reporting: wire settings, logs, metrics and the three loops together."""

from __future__ import annotations

import logging
import signal
import threading

from workers.common import logs, metrics, settings
from workers.reporting.exports import Exporter
from workers.reporting.partitions import PartitionKeeper
from workers.reporting.refresh import Refresher
from workers.reporting.settings import Settings
from workers.reporting.telemetry import Metrics

log = logging.getLogger("workers.reporting")


def main() -> None:
    config = settings.from_env(Settings)
    logs.setup(config.log_level)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per Storage request is noise
    telemetry = Metrics()
    metrics.serve(telemetry.registry, config.metrics_port)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())

    loops = {"refresh": Refresher(config, telemetry).run,
             "partitions": PartitionKeeper(config, telemetry).run}
    if config.exports_enabled:
        loops["exports"] = Exporter(config, telemetry).run
    threads = [threading.Thread(target=run, args=(stop,), name=name, daemon=True)
               for name, run in loops.items()]
    for t in threads:
        t.start()
    log.info("reporting worker started", extra={"worker": config.worker_id,
                                                "loops": list(loops)})
    while not stop.wait(1.0):
        if not all(t.is_alive() for t in threads):
            log.error("a loop ended unexpectedly; stopping")
            stop.set()
    for t in threads:
        t.join(timeout=30)
    log.info("reporting worker stopped")


if __name__ == "__main__":
    main()
