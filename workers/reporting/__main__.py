"""python -m workers.reporting: wire settings, logs, metrics and the three loops together.

Exit status (workers.common.supervisor): 0 after SIGTERM/SIGINT, 1 when a loop died, 2 on bad
settings.
"""

from __future__ import annotations

import logging
import sys

from workers.common import metrics, supervisor
from workers.common.supervisor import Runnable
from workers.reporting.exports import Exporter
from workers.reporting.partitions import PartitionKeeper
from workers.reporting.refresh import Refresher
from workers.reporting.settings import Settings
from workers.reporting.telemetry import Metrics

log = logging.getLogger("workers.reporting")


def main() -> int:
    try:
        config = supervisor.start(Settings)
    except supervisor.BadSettings:
        return supervisor.EXIT_BAD_SETTINGS
    telemetry = Metrics()
    metrics.serve(telemetry.registry, config.metrics_port)

    loops: dict[str, Runnable] = {"refresh": Refresher(config, telemetry).run,
                                  "partitions": PartitionKeeper(config, telemetry).run}
    if config.exports_enabled:
        loops["exports"] = Exporter(config, telemetry).run
    log.info("reporting worker started", extra={"worker": config.worker_id,
                                                "loops": list(loops)})
    status = supervisor.supervise(loops)
    log.info("reporting worker stopped", extra={"exit_status": status})
    return status


if __name__ == "__main__":
    sys.exit(main())
