"""The database connection every worker uses: reconnect with backoff, never give up quietly."""

from __future__ import annotations

import logging
import random
import threading
import time
from typing import Any

import psycopg

log = logging.getLogger(__name__)


def backoff(attempt: int, minimum: float, maximum: float) -> float:
    """Seconds to wait before retry number `attempt` (1, 2, ...): `minimum` doubling up to
    `maximum`, with jitter (half to all of it) so that many clients do not retry in step."""
    delay = min(maximum, minimum * 2 ** min(max(attempt, 1) - 1, 16))
    return delay * (0.5 + random.random() / 2)  # noqa: S311 - jitter, not secrets


def connect(url: str, *, application_name: str, autocommit: bool = False,
            max_delay: float = 10.0, attempts: int | None = None,
            stop: threading.Event | None = None) -> psycopg.Connection[Any]:
    """Connect, retrying with exponential backoff while the database is down or restarting.

    Gives up (raising the last error) after `attempts` tries, or once `stop` is set."""
    delay, tried = 0.2, 0
    while True:
        tried += 1
        try:
            return psycopg.connect(url, autocommit=autocommit, application_name=application_name,
                                   connect_timeout=5)
        except psycopg.OperationalError as e:
            if (attempts is not None and tried >= attempts) or (stop is not None and stop.is_set()):
                raise
            log.warning("database unreachable, retrying", extra={"delay_s": delay,
                                                                   "error": str(e).strip()})
            if stop is None:
                time.sleep(delay)
            elif stop.wait(delay):
                raise
            delay = min(delay * 2, max_delay)


def is_disconnect(error: BaseException) -> bool:
    """True for errors that mean the connection is gone (restart, network), not bad SQL."""
    return isinstance(error, psycopg.OperationalError | psycopg.InterfaceError)

