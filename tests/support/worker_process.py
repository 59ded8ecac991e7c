"""A worker as operators run it: `python -m <module>` in its own process, stopped with SIGTERM."""

from __future__ import annotations

import contextlib
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from stack.config import PROJECT_DIR


@contextlib.contextmanager
def worker_module(args: list[str], env: dict[str, str], log_path: Path, *,
                  append_log: bool = False, stop_timeout: float = 15.0
                  ) -> Iterator[subprocess.Popen]:
    """`python -m <args>` with env; stdout and stderr (its JSON log) in log_path. On exit, a
    process still running gets SIGTERM (the worker's clean stop), and SIGKILL if it hangs."""
    with open(log_path, "ab" if append_log else "wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", *args], cwd=PROJECT_DIR, env=env,
                                stdout=log, stderr=log)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=stop_timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
