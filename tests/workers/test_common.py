"""workers/common: settings from the environment, JSON logs, database reconnects."""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass

import psycopg
import pytest

from workers.common import database, logs
from workers.common.loop import WorkerLoop
from workers.common.settings import SettingsError, from_env


@dataclass(frozen=True)
class ExampleSettings:
    database_url: str
    batch_size: int = 100
    flush_seconds: float = 0.2
    dry_run: bool = False


def test_settings_are_read_and_typed():
    settings = from_env(ExampleSettings, {"DATABASE_URL": "postgresql://x", "BATCH_SIZE": "7",
                                          "DRY_RUN": "true"})
    assert settings == ExampleSettings("postgresql://x", 7, 0.2, True)


@pytest.mark.parametrize(("env", "message"), [
    ({}, "DATABASE_URL: required setting is missing"),
    ({"DATABASE_URL": "x", "BATCH_SIZE": "many"}, "BATCH_SIZE: 'many' is not a valid int"),
    ({"DATABASE_URL": "x", "DRY_RUN": "perhaps"}, "DRY_RUN: 'perhaps' is not a valid bool"),
])
def test_bad_settings_name_the_variable(env, message):
    with pytest.raises(SettingsError, match=message):
        from_env(ExampleSettings, env)


def test_logs_are_one_json_object_per_line_with_extra_fields(capsys):
    logs.setup("INFO")
    logging.getLogger("workers.test").info("call written", extra={"linkedid": "1732.42"})
    line = capsys.readouterr().err.strip().splitlines()[-1]
    entry = json.loads(line)
    assert entry["msg"] == "call written"
    assert entry["linkedid"] == "1732.42"
    assert entry["level"] == "info"


def test_connect_gives_up_after_the_attempts_it_was_given():
    with pytest.raises(psycopg.OperationalError):
        database.connect("postgresql://nobody@127.0.0.1:1/none", application_name="test",
                         attempts=2, max_delay=0.01)


def test_connect_reaches_the_stack(stack):
    with database.connect(stack.database_url, application_name="test") as conn:
        assert conn.execute("select current_setting('application_name')").fetchone() == ("test",)
        assert not database.is_disconnect(psycopg.errors.SyntaxError())
        assert database.is_disconnect(psycopg.OperationalError())


class CountingLoop(WorkerLoop):
    """Counts its steps and the connections they ran on; asks for an hour's wait each time."""

    name = "pytest-loop"
    channel = "pytest_loop"

    def __init__(self, database_url: str) -> None:
        super().__init__(database_url)
        self.steps, self.backends = 0, set()

    def step(self) -> float:
        self.steps += 1
        self.backends.add(self.conn.info.backend_pid)
        return 3600


def test_a_worker_loop_wakes_on_notify_and_outlives_its_connection(stack, db):
    def until(condition, what: str) -> None:
        deadline = time.monotonic() + 10
        while not condition():
            assert time.monotonic() < deadline, f"timed out waiting for {what}"
            time.sleep(0.05)

    loop, stop = CountingLoop(stack.database_url), threading.Event()
    thread = threading.Thread(target=loop.run, args=(stop,), daemon=True)
    thread.start()
    until(lambda: loop.steps == 1, "the first step")
    db.execute("notify pytest_loop")
    until(lambda: loop.steps == 2, "a notification to cut the hour's wait short")
    db.execute("select pg_terminate_backend(pid) from pg_stat_activity"
               " where application_name = 'pytest-loop'")
    until(lambda: loop.steps == 3, "a step on a new connection")
    assert len(loop.backends) == 2
    stop.set()
    thread.join(timeout=5)
    assert not thread.is_alive(), "stop is honoured within a second, mid-wait"
