"""Lead import tests: a fresh campaign per test (run by supervisor1), files uploaded to the bucket
lead-imports as the supervisor through Storage, imports started through PostgREST, and the real
worker (`python -m workers.lead_import`, its own role) as a process."""

from __future__ import annotations

import contextlib
import csv
import io
import os
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from stack.config import PROJECT_DIR, StackConfig
from supabase import Client
from tests.support.worker_process import worker_module

SUPERVISOR1 = "00000000-0000-4000-a000-000000000011"
SUPERVISOR2 = "00000000-0000-4000-a000-000000000012"
AGENT1 = "00000000-0000-4000-a000-000000000101"
ENDED = ("done", "failed", "cancelled", "previewed")


def worker_env(stack: StackConfig, name: str, work_dir: Path, **settings: object) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEAD_IMPORT_")}
    env |= {"DATABASE_URL": stack.worker_database_url("lead_import"), "SUPABASE_URL": stack.url,
            "SUPABASE_SERVICE_ROLE_KEY": stack.service_role_key, "WORKER_NAME": name,
            "PYTHONPATH": str(PROJECT_DIR), "METRICS_PORT": "0",
            "LEAD_IMPORT_POLL_INTERVAL": "0.5", "LEAD_IMPORT_WORK_DIR": str(work_dir)}
    env |= {k.upper(): str(v) for k, v in settings.items()}
    return env


@contextlib.contextmanager
def running_worker(stack: StackConfig, name: str, log_dir: Path,
                   **settings: object) -> Iterator[subprocess.Popen]:
    """`python -m workers.lead_import`; its JSON log in log_dir/<name>.log."""
    work = log_dir / f"{name}-work"
    work.mkdir(parents=True, exist_ok=True)
    with worker_module(["workers.lead_import"], worker_env(stack, name, work, **settings),
                       log_dir / f"{name}.log") as proc:
        yield proc


@pytest.fixture(scope="module")
def worker(stack: StackConfig, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[subprocess.Popen]:
    """One worker for the module's imports (one at a time: the tests wait for each)."""
    with running_worker(stack, f"lead-import-test-{uuid.uuid4().hex[:6]}",
                        tmp_path_factory.mktemp("lead-import")) as proc:
        yield proc


def make_campaign(db: psycopg.Connection, *, supervisor: str = SUPERVISOR1,
                  country: str = "ES", time_zone: str = "Europe/Madrid") -> str:
    """A campaign run by `supervisor`; agent1 works it only when that is supervisor1, whose
    agent agent1 is: the session's stack is shared, and agent1 in another supervisor's campaign
    would let that supervisor see agent1 in every later test."""
    campaign = str(uuid.uuid4())
    db.execute("insert into public.campaigns (id, name, status, country_code, default_time_zone)"
               " values (%s, %s, 'active', %s, %s)",
               (campaign, f"Import {campaign[:8]}", country, time_zone))
    db.execute("insert into public.campaign_members (campaign_id, user_id, member_role)"
               " values (%s, %s, 'supervisor')", (campaign, supervisor))
    if supervisor == SUPERVISOR1:
        db.execute("insert into public.campaign_members (campaign_id, user_id, member_role)"
                   " values (%s, %s, 'agent')", (campaign, AGENT1))
    return campaign


@pytest.fixture
def campaign(db: psycopg.Connection) -> str:
    return make_campaign(db)


@pytest.fixture
def supervisor(sign_in: Callable[..., Client]) -> Client:
    return sign_in("supervisor1@demo.test")


def csv_bytes(rows: list[list[str]], *, delimiter: str = ",", encoding: str = "utf-8") -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode(encoding)


def upload(client: Client, data: bytes, *, name: str = "leads.csv",
           content_type: str = "text/csv") -> str:
    uid = client.auth.get_user().user.id  # type: ignore[union-attr]
    path = f"{uid}/{uuid.uuid4().hex[:8]}-{name}"
    client.storage.from_("lead-imports").upload(path, data, {"content-type": content_type})
    return path


def start(client: Client, campaign: str, path: str, options: dict[str, Any] | None = None
          ) -> dict[str, Any]:
    return client.rpc("start_lead_import", {"p_campaign_id": campaign, "p_file": path,
                                            "p_options": options or {}}).execute().data


def import_row(db: psycopg.Connection, import_id: str) -> dict[str, Any]:
    with db.cursor(row_factory=psycopg.rows.dict_row) as cur:
        row = cur.execute("select * from public.lead_imports where id = %s",
                          (import_id,)).fetchone()
    assert row is not None
    return row


def wait_ended(db: psycopg.Connection, import_id: str, timeout: float = 60.0,
               statuses: tuple[str, ...] = ENDED) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        row = import_row(db, import_id)
        if row["status"] in statuses:
            return row
        time.sleep(0.1)
    raise AssertionError(f"import {import_id} still {row['status']} after {timeout} s")


def run_import(client: Client, db: psycopg.Connection, campaign: str, data: bytes,
               options: dict[str, Any] | None = None, *, name: str = "leads.csv"
               ) -> dict[str, Any]:
    path = upload(client, data, name=name)
    row = start(client, campaign, path, options)
    return wait_ended(db, row["id"])


def errors_of(db: psycopg.Connection, import_id: str) -> list[tuple[int, str, str]]:
    return [tuple(r) for r in db.execute(
        "select line, field, code from public.lead_import_errors where import_id = %s"
        " order by line, field, code", (import_id,)).fetchall()]


def leads_of(db: psycopg.Connection, campaign: str) -> dict[str, dict[str, Any]]:
    with db.cursor(row_factory=psycopg.rows.dict_row) as cur:
        rows = cur.execute("select * from public.leads where campaign_id = %s",
                           (campaign,)).fetchall()
    return {r["phone"]: r for r in rows}
