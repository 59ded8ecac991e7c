"""python -m workers.accounts: wire settings, logs, metrics and the requests loop together.

Exit status (workers.common.supervisor): 0 after SIGTERM/SIGINT, 1 when the loop died, 2 on bad
settings.
"""

from __future__ import annotations

import logging
import sys

from workers.accounts.requests import AccountRequests
from workers.accounts.settings import Settings
from workers.accounts.telemetry import Metrics
from workers.common import metrics, supervisor

log = logging.getLogger("workers.accounts")


def main() -> int:
    try:
        config = supervisor.start(Settings)
    except supervisor.BadSettings:
        return supervisor.EXIT_BAD_SETTINGS
    telemetry = Metrics()
    metrics.serve(telemetry.registry, config.metrics_port)
    log.info("accounts worker started", extra={"worker": config.worker_id})
    status = supervisor.supervise({"requests": AccountRequests(config, telemetry).run})
    log.info("accounts worker stopped", extra={"exit_status": status})
    return status


if __name__ == "__main__":
    sys.exit(main())
