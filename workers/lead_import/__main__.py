"""python -m workers.lead_import: wire settings, logs, metrics and the import loop together.

Exit status (workers.common.supervisor): 0 after SIGTERM/SIGINT, 1 when the loop died, 2 on bad
settings.
"""

from __future__ import annotations

import logging
import sys

from workers.common import metrics, supervisor
from workers.lead_import.imports import Importer
from workers.lead_import.settings import Settings
from workers.lead_import.telemetry import Metrics

log = logging.getLogger("workers.lead_import")


def main() -> int:
    try:
        config = supervisor.start(Settings)
    except supervisor.BadSettings:
        return supervisor.EXIT_BAD_SETTINGS
    telemetry = Metrics()
    metrics.serve(telemetry.registry, config.metrics_port)
    log.info("lead import worker started", extra={"worker": config.worker_id})
    status = supervisor.supervise({"imports": Importer(config, telemetry).run})
    log.info("lead import worker stopped", extra={"exit_status": status})
    return status


if __name__ == "__main__":
    sys.exit(main())
