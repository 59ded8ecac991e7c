"""`python -m workers.ami_bridge`: settings from the environment, logs, metrics, signals, run.

Settings (see README.md): AMI_HOST, AMI_PORT, AMI_USERNAME, AMI_SECRET, DATABASE_URL, plus
BATCH_SIZE, FLUSH_DELAY_MS, METRICS_PORT and the rest of `settings.BridgeSettings`.
Exit status, as every worker's (workers/common/supervisor.py): 0 after SIGTERM/SIGINT with
every row written; 1 if rows could not be written before the shutdown timeout, or a loop of
the bridge ended on its own; 2 on bad settings.
"""

from __future__ import annotations

import asyncio
import signal
import sys

from workers.ami_bridge.bridge import Bridge
from workers.ami_bridge.settings import BridgeSettings
from workers.common import metrics, supervisor


async def _run(bridge: Bridge) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    return await bridge.run(stop)


def main() -> int:
    try:
        config = supervisor.start(BridgeSettings)
    except supervisor.BadSettings:
        return supervisor.EXIT_BAD_SETTINGS
    bridge = Bridge(config)
    metrics.serve(bridge.metrics.registry, config.metrics_port, config.metrics_addr)
    return asyncio.run(_run(bridge))


if __name__ == "__main__":
    sys.exit(main())
