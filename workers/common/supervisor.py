"""A worker's main thread: runs its named loops in threads, watches them, stops them together.

One exit status convention for every worker (`python -m workers.<name>`):

- EXIT_OK (0): stopped cleanly by SIGTERM or SIGINT, every loop ended in time;
- EXIT_FAILED (1): a loop died (its thread ended while the worker was not stopping: an
  exception WorkerLoop does not retry, or a run() that returned), or a loop did not stop within
  the join timeout; the AMI bridge also uses it when rows could not be written at shutdown;
- EXIT_BAD_SETTINGS (2): a setting is missing or malformed (settings.SettingsError).

A loop that died is logged at error level naming it, then the other loops are stopped and
joined: a worker missing one of its loops exits, for its service manager to restart it whole,
rather than running on half-working.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable, Mapping
from types import FrameType
from typing import Any, TypeVar

from workers.common import logs, settings

log = logging.getLogger(__name__)
T = TypeVar("T")

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_SETTINGS = 2

# What a loop is to the supervisor: WorkerLoop.run, or any function that runs until stop is set.
Runnable = Callable[[threading.Event], None]


class BadSettings(Exception):
    """A worker's setting is missing or malformed; already logged. Its main returns
    EXIT_BAD_SETTINGS."""


def start(cls: type[T]) -> T:
    """A worker's first step: its settings from the environment (`cls`, a dataclass with a
    `log_level`), and JSON logs at that level. A bad setting is logged, naming the variable, and
    raises BadSettings."""
    logs.setup()
    try:
        config = settings.from_env(cls)
    except settings.SettingsError as error:
        log.error("bad settings", extra={"error": str(error)})
        raise BadSettings(str(error)) from None
    logs.setup(getattr(config, "log_level", "INFO"))
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per Storage request is noise
    return config


def supervise(loops: Mapping[str, Runnable], *, stop: threading.Event | None = None,
              join_timeout: float = 30.0) -> int:
    """Run each loop in a thread until SIGTERM/SIGINT (or `stop`) or until one dies; EXIT_OK or
    EXIT_FAILED. Signal handlers are installed only when called from the main thread, and the
    previous ones are put back before returning."""
    stop = stop or threading.Event()
    wake = threading.Event()  # set by a signal or by a loop's thread ending
    died: list[str] = []

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        log.info("stopping", extra={"signal": signal.Signals(signum).name})
        stop.set()
        wake.set()

    def run(name: str, loop: Runnable) -> None:
        try:
            loop(stop)
        except BaseException:
            log.exception("loop raised", extra={"loop": name})
        finally:
            if not stop.is_set():
                died.append(name)
            wake.set()

    previous: dict[signal.Signals, Any] = {}
    if threading.current_thread() is threading.main_thread():
        previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    threads = {name: threading.Thread(target=run, args=(name, loop), name=name, daemon=True)
               for name, loop in loops.items()}
    status = EXIT_OK
    try:
        for thread in threads.values():
            thread.start()
        while not stop.is_set() and not died:
            wake.wait(1.0)
            wake.clear()
        if died:
            status = EXIT_FAILED
            for name in died:
                log.error("loop died: stopping the worker", extra={"loop": name})
        stop.set()
        for name, thread in threads.items():
            thread.join(timeout=join_timeout)
            if thread.is_alive():
                status = EXIT_FAILED
                log.error("loop did not stop in time", extra={"loop": name,
                                                              "timeout_s": join_timeout})
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return status
