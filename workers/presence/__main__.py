"""python -m workers.presence: settings, logs, metrics, signals, and the watcher until stopped.

Exit status (workers.common.supervisor): 0 after SIGTERM/SIGINT, 1 if the watcher ended on its
own, 2 on bad settings.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys

from workers.common import metrics, supervisor
from workers.presence.settings import Settings
from workers.presence.telemetry import Metrics
from workers.presence.watcher import Watcher

log = logging.getLogger("workers.presence")

# realtime-py's own lines about a connection attempt (at error level, "failed permanently"
# after the one attempt the worker lets it make): the watcher logs each with its retry.
_CLIENT_NOISE = ("Connection attempt failed", "Connection failed permanently",
                 "WebSocket connection closed with code", "Auto-reconnect disabled")


def _not_noise(record: logging.LogRecord) -> bool:
    return not str(record.msg).startswith(_CLIENT_NOISE)


async def _run(watcher: Watcher) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await watcher.run(stop)
    return supervisor.EXIT_OK if stop.is_set() else supervisor.EXIT_FAILED


def main() -> int:
    try:
        config = supervisor.start(Settings)
    except supervisor.BadSettings:
        return supervisor.EXIT_BAD_SETTINGS
    # realtime-py logs every channel event at info; the worker says what matters itself.
    logging.getLogger("realtime").setLevel(logging.WARNING)
    logging.getLogger("realtime._async.client").addFilter(_not_noise)
    telemetry = Metrics()
    metrics.serve(telemetry.registry, config.metrics_port)
    log.info("presence worker started",
             extra={"worker": config.worker_id, "grace_s": config.presence_grace,
                    "settle_s": config.presence_settle})
    status = asyncio.run(_run(Watcher(config, telemetry)))
    log.info("presence worker stopped", extra={"exit_status": status})
    return status


if __name__ == "__main__":
    sys.exit(main())
