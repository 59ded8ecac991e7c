"""workers/common/supervisor.py: named loops in threads, one exit status convention, and the
loud end of a worker whose loop died. (Each worker's main is killed for real in
tests/reporting/test_main.py and tests/recordings/test_main.py.)"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time

import pytest

from workers.common.supervisor import EXIT_BAD_SETTINGS, EXIT_FAILED, EXIT_OK, supervise


def until_stopped(seen: list[str], name: str):
    def run(stop: threading.Event) -> None:
        stop.wait()
        seen.append(name)
    return run


def test_the_exit_statuses_are_the_documented_ones():
    assert (EXIT_OK, EXIT_FAILED, EXIT_BAD_SETTINGS) == (0, 1, 2)


def test_a_signal_stops_every_loop_and_the_worker_exits_0():
    stopped: list[str] = []
    before = signal.getsignal(signal.SIGTERM)
    threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGTERM)).start()
    status = supervise({"a": until_stopped(stopped, "a"), "b": until_stopped(stopped, "b")})
    assert status == EXIT_OK
    assert sorted(stopped) == ["a", "b"]
    assert signal.getsignal(signal.SIGTERM) is before, "the previous handler is put back"


@pytest.mark.parametrize(("how", "logged"), [("raises", "loop raised"), ("returns", None)])
def test_a_loop_that_dies_stops_the_others_and_the_worker_exits_1(caplog, how, logged):
    stopped: list[str] = []

    def dies(stop: threading.Event) -> None:
        time.sleep(0.2)
        if how == "raises":
            raise KeyboardInterrupt("a BaseException: no loop retries it")

    with caplog.at_level(logging.INFO, logger="workers.common.supervisor"):
        status = supervise({"steady": until_stopped(stopped, "steady"), "fragile": dies},
                           stop=threading.Event())
    assert status == EXIT_FAILED
    assert stopped == ["steady"], "the other loop was stopped and joined"
    errors = [(r.getMessage(), r.loop) for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == ([(logged, "fragile")] if logged else []) + [
        ("loop died: stopping the worker", "fragile")]


def test_a_loop_that_does_not_stop_in_time_makes_the_exit_1(caplog):
    stop = threading.Event()

    def deaf(_stop: threading.Event) -> None:
        time.sleep(2)

    threading.Timer(0.2, stop.set).start()
    with caplog.at_level(logging.ERROR, logger="workers.common.supervisor"):
        status = supervise({"deaf": deaf}, stop=stop, join_timeout=0.3)
    assert status == EXIT_FAILED
    assert [(r.getMessage(), r.loop) for r in caplog.records] == [
        ("loop did not stop in time", "deaf")]
