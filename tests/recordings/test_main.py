"""python -m workers.recordings as operators run it: a loop that dies takes the worker down with
status 1 (its service manager restarts it whole), bad settings are status 2. A clean SIGTERM
(status 0) is test_uploads.py's test_the_worker_command_line_runs_and_stops."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

from stack.config import PROJECT_DIR
from tests.recordings.conftest import worker_env

# The worker's own main, with its erasure loop ending at once: a run() that returns while the
# worker is not stopping (a loop has nowhere to go but its stop).
ENDING_ERASURE = textwrap.dedent("""
    import sys

    from workers.recordings import __main__ as worker
    from workers.recordings.erasure import Eraser


    def run(self, stop):
        return None


    Eraser.run = run
    sys.exit(worker.main(["--loops", "uploads,erasure"]))
""")


def log_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def test_a_loop_that_ends_stops_the_worker_with_status_1(worker_settings):
    done = subprocess.run([sys.executable, "-c", ENDING_ERASURE], cwd=PROJECT_DIR,
                          env=worker_env(worker_settings()), capture_output=True, text=True,
                          timeout=90)
    assert done.returncode == 1, done.stderr
    lines = log_lines(done.stderr)
    died = [line for line in lines if line["msg"] == "loop died: stopping the worker"]
    assert [(line["level"], line["loop"]) for line in died] == [("error", "erasure")]
    assert (lines[-1]["msg"], lines[-1]["exit_status"]) == ("recordings worker stopped", 1)


def test_bad_settings_exit_2_naming_the_variable(worker_settings):
    env = worker_env(worker_settings()) | {"RECORDINGS_MAX_ATTEMPTS": "many"}
    done = subprocess.run([sys.executable, "-m", "workers.recordings"], cwd=PROJECT_DIR, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert [(line["msg"], line["error"]) for line in log_lines(done.stderr)] == [
        ("bad settings", "RECORDINGS_MAX_ATTEMPTS: 'many' is not a valid int")]
