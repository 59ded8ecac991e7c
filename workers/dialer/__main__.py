"""`python -m workers.dialer`: settings from the environment, logs, metrics, signals, run.

Settings: README.md (`settings.DialerSettings`). Exit status, as every worker's
(workers/common/supervisor.py): 0 after SIGTERM/SIGINT (lines in flight settled, the rest
released); 1 when a loop of the dialer ended on its own or the release at shutdown failed; 2 on
bad settings.
"""

from __future__ import annotations

import asyncio
import signal
import sys

from workers.common import metrics, supervisor
from workers.dialer.dialer import Dialer
from workers.dialer.settings import DialerSettings


async def _run(dialer: Dialer) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    return await dialer.run(stop)


def main() -> int:
    try:
        config = supervisor.start(DialerSettings)
    except supervisor.BadSettings:
        return supervisor.EXIT_BAD_SETTINGS
    dialer = Dialer(config)
    metrics.serve(dialer.metrics.registry, config.metrics_port, config.metrics_addr)
    return asyncio.run(_run(dialer))


if __name__ == "__main__":
    sys.exit(main())
