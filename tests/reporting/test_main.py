"""python -m workers.reporting as operators run it: its exit status in each way it can end."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from stack.config import PROJECT_DIR
from tests.reporting.conftest import running_worker, worker_env
from tests.support.waiting import wait_for

# The worker's own main, with its partitions loop broken: its step raises a BaseException,
# which WorkerLoop does not catch and retry (it retries every Exception), so the thread ends.
BROKEN_PARTITIONS = textwrap.dedent("""
    import sys

    from workers.reporting import __main__ as worker
    from workers.reporting.partitions import PartitionKeeper


    class Broken(BaseException):
        pass


    def step(self):
        raise Broken("the partitions loop is broken")


    PartitionKeeper.step = step
    sys.exit(worker.main())
""")


def log_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def test_a_loop_that_dies_stops_the_worker_with_status_1(stack):
    done = subprocess.run([sys.executable, "-c", BROKEN_PARTITIONS], cwd=PROJECT_DIR,
                          env=worker_env(stack, "pytest-broken"), capture_output=True, text=True,
                          timeout=90)
    assert done.returncode == 1, done.stderr
    lines = log_lines(done.stderr)
    died = [line for line in lines if line["msg"] == "loop died: stopping the worker"]
    assert [(line["level"], line["loop"]) for line in died] == [("error", "partitions")]
    raised = next(line for line in lines if line["msg"] == "loop raised")
    assert raised["loop"] == "partitions" and "the partitions loop is broken" in raised["exc"]
    assert (lines[-1]["msg"], lines[-1]["exit_status"]) == ("reporting worker stopped", 1)


def test_sigterm_stops_the_worker_with_status_0(stack, tmp_path: Path):
    log = tmp_path / "clean.log"
    with running_worker(stack, "clean", tmp_path) as proc:
        wait_for(lambda: "reporting worker started" in log.read_text(), what="the start line")
        os.kill(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    assert proc.returncode == 0
    lines = log_lines(log.read_text())
    assert (lines[-1]["msg"], lines[-1]["exit_status"]) == ("reporting worker stopped", 0)
    assert not [line for line in lines if line["level"] == "error"]


def test_bad_settings_exit_2_naming_the_variable(stack):
    env = {k: v for k, v in worker_env(stack, "x").items() if k != "DATABASE_URL"}
    done = subprocess.run([sys.executable, "-m", "workers.reporting"], cwd=PROJECT_DIR, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert [(line["msg"], line["error"]) for line in log_lines(done.stderr)] == [
        ("bad settings", "DATABASE_URL: required setting is missing")]
