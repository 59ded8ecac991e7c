"""Fixtures for the dialer worker's tests: a campaign of its own per test, agents with
nailed-up sessions, leads, the AMI stand-in, and `python -m workers.dialer` as a process.

Each test gets a fresh campaign (progressive, calling all day) and fresh phone numbers (an
abandoned number's lockout spans campaigns); on the way out the campaign is archived and back in
preview, its calls are wrapped up, the agents' sessions are ended and their states put back as
they were: the stack is shared by the whole session. The pacing tests (test_pacing.py,
test_simulate.py) need none of this: every fixture here is asked for by name.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg.rows import dict_row

from stack.config import PROJECT_DIR, StackConfig, free_port
from tests.support.ami_server import AmiServer, Outcome
from tests.support.waiting import wait_for

AGENTS = {"agent5@demo.test": "1005", "agent6@demo.test": "1006", "agent7@demo.test": "1007"}
"""Demo agents (supabase/seed.sql gives agentN the extension 100N)."""
SUPERVISOR = "supervisor1@demo.test"


def wait_until(predicate: Callable[[], Any], timeout: float = 10.0, step: float = 0.05,
               what: str = "") -> Any:
    """tests.support.waiting.wait_for, polled more often (the dialer's races are sub-second)."""
    return wait_for(predicate, timeout, step, what or str(predicate))


def rows(db: psycopg.Connection, sql: str, *params: Any) -> list[dict[str, Any]]:
    with db.cursor(row_factory=dict_row) as cur:
        return cur.execute(sql, params).fetchall()  # type: ignore[arg-type]


@dataclass
class Floor:
    """One test's campaign and the agents on it."""

    db: psycopg.Connection
    campaign_id: str
    agents: dict[str, str]  # email -> profile id
    extensions: dict[str, str]  # profile id -> extension
    phones: dict[str, str] = field(default_factory=dict)  # lead id -> phone

    def agent(self, email: str) -> str:
        return self.agents[email]

    def add_leads(self, count: int) -> list[str]:
        """`count` new callable leads with numbers no other test used; their ids in order."""
        ids = []
        for _ in range(count):
            phone = f"+3469{random.randrange(10**7):07d}"  # noqa: S311 - test data
            lead_id = self.db.execute(
                """insert into public.leads (campaign_id, first_name, phone, time_zone,
                     next_call_at)
                   values (%s, 'Dialer test', %s, 'Europe/Madrid', now() - interval '1 minute')
                   returning id::text""", (self.campaign_id, phone)).fetchone()[0]
            self.phones[lead_id] = phone
            ids.append(lead_id)
        return ids

    def number(self, lead_id: str) -> str:
        """The digits the dialer dials for a lead (PJSIP/<digits>@trunk)."""
        return self.phones[lead_id].lstrip("+")

    def connect(self, *emails: str, state: str = "available") -> dict[str, str]:
        """Nailed-up sessions made as if the PBX had connected them, and the agents' states;
        email -> session id."""
        out = {}
        for email in emails:
            agent_id = self.agents[email]
            session_id = self.db.execute(
                """insert into public.dialer_sessions (agent_id, campaign_id, status, channel,
                     extension, requested_at, connected_at, worker)
                   values (%s, %s, 'connected', %s, %s, now(), now(), 'tests')
                   returning id::text""",
                (agent_id, self.campaign_id, f"PJSIP/{self.extensions[agent_id]}-00000001",
                 self.extensions[agent_id])).fetchone()[0]
            out[email] = session_id
            self.set_state(email, state)
        return out

    def set_state(self, email: str, state: str, reason: str | None = None) -> None:
        self.db.execute(
            """insert into public.agent_states (agent_id, state, reason, since, updated_at)
               values (%s, %s, %s, now(), now())
               on conflict (agent_id) do update set state = excluded.state,
                 reason = excluded.reason, since = excluded.since,
                 updated_at = excluded.updated_at""",
            (self.agents[email], state, reason))

    def state_of(self, email: str) -> str | None:
        row = self.db.execute("select state from public.agent_states where agent_id = %s",
                              (self.agents[email],)).fetchone()
        return row[0] if row else None

    def attempts(self) -> list[dict[str, Any]]:
        return rows(self.db, """select a.*, a.id::text as attempt_id, c.disposition,
                                  c.status as call_status, c.outcome as call_outcome
                                from public.dialer_attempts as a
                                left join public.calls as c on c.id = a.call_id
                                where a.campaign_id = %s order by a.placed_at, a.id""",
                    self.campaign_id)

    def attempt(self, attempt_id: str) -> dict[str, Any]:
        (row,) = [a for a in self.attempts() if a["attempt_id"] == attempt_id]
        return row

    def session(self, session_id: str) -> dict[str, Any]:
        (row,) = rows(self.db, "select * from public.dialer_sessions where id = %s", session_id)
        return row

    def lead(self, lead_id: str) -> dict[str, Any]:
        (row,) = rows(self.db, "select * from public.leads where id = %s", lead_id)
        return row

    def state(self) -> dict[str, Any] | None:
        found = rows(self.db, "select * from public.dialer_campaign_state where campaign_id = %s",
                     self.campaign_id)
        return found[0] if found else None

    def set(self, **columns: Any) -> None:
        for column, value in columns.items():
            self.db.execute(f"update public.campaigns set {column} = %s where id = %s",
                            (value, self.campaign_id))


@pytest.fixture
def floor(stack: StackConfig, db: psycopg.Connection) -> Iterator[Floor]:
    agents = {email: str(db.execute("select id from public.profiles where email = %s",
                                    (email,)).fetchone()[0]) for email in AGENTS}
    supervisor = db.execute("select id from public.profiles where email = %s",
                            (SUPERVISOR,)).fetchone()[0]
    before = {agent_id: rows(db, "select * from public.agent_states where agent_id = %s",
                             agent_id) for agent_id in agents.values()}
    db.execute("""update public.dialer_sessions set status = 'ended', ended_at = now(),
                    end_reason = 'tests', attempt_id = null, call_id = null, lead_id = null
                  where agent_id = any(%s::uuid[]) and status <> 'ended'""",
               (list(agents.values()),))
    campaign_id = db.execute(
        """insert into public.campaigns (name, status, dial_mode, calling_days,
             calling_hours_start, calling_hours_end, max_attempts, caller_id, amd_enabled,
             ring_timeout_s)
           values (%s, 'active', 'progressive', '{1,2,3,4,5,6,7}', '00:00', '23:59:59', 50,
                   '+34910000000', true, 20)
           returning id::text""", (f"Dialer worker test {uuid.uuid4().hex[:8]}",)).fetchone()[0]
    for agent_id in agents.values():
        db.execute("""insert into public.campaign_members (campaign_id, user_id, member_role)
                      values (%s, %s, 'agent')""", (campaign_id, agent_id))
    db.execute("""insert into public.campaign_members (campaign_id, user_id, member_role)
                  values (%s, %s, 'supervisor')""", (campaign_id, supervisor))
    extensions = {agents[email]: ext for email, ext in AGENTS.items()}
    try:
        yield Floor(db, campaign_id, agents, extensions)
    finally:
        db.execute("update public.campaigns set dial_mode = 'preview', status = 'archived'"
                   " where id = %s", (campaign_id,))
        # Calls a test left under way (no PBX behind them any more) end here, or their agents
        # would count as on a call in the next test (one connected attempt per agent).
        db.execute("""update public.dialer_attempts set ended_at = greatest(now(), placed_at,
                        answered_at, connected_at),
                        status = case status when 'connected' then 'completed' else 'failed' end
                      where campaign_id = %s and ended_at is null""", (campaign_id,))
        db.execute("""update public.dialer_sessions set status = 'ended', ended_at = now(),
                        end_reason = 'tests', attempt_id = null, call_id = null, lead_id = null
                      where campaign_id = %s and status <> 'ended'""", (campaign_id,))
        # The calls it connected are wrapped up, or the agent's next sign-in (an e2e test's)
        # would open on a recovered wrap-up of this campaign's call.
        db.execute("""update public.calls set status = 'ended',
                        outcome = coalesce(outcome, 'cancelled'),
                        ended_at = coalesce(ended_at, greatest(now(), started_at, answered_at)),
                        disposition = coalesce(disposition, 'call_failed'),
                        wrapped_up_at = greatest(now(), started_at, answered_at, ended_at)
                      where campaign_id = %s and wrapped_up_at is null""", (campaign_id,))
        db.execute("""update public.leads set status = 'retry', next_call_at = now()
                      where campaign_id = %s and status = 'in_call'""", (campaign_id,))
        for agent_id, previous in before.items():
            db.execute("delete from public.agent_states where agent_id = %s", (agent_id,))
            for row in previous:
                db.execute("""insert into public.agent_states (agent_id, state, reason, since,
                                updated_at) values (%s, %s, %s, %s, %s)""",
                           (agent_id, row["state"], row["reason"], row["since"],
                            row["updated_at"]))


@pytest.fixture
def pbx() -> Iterator[AmiServer]:
    """The AMI stand-in; calls ring until a test answers them unless scripted otherwise."""
    with AmiServer(username="crm-dialer", secret="dialer-secret") as server:
        server.default_outcome = Outcome(result="ring")
        yield server


class DialerProcess:
    """`python -m workers.dialer` as operators run it, its JSON log in a file."""

    def __init__(self, stack: StackConfig, server: AmiServer, log_path: Path, *,
                 name: str, **env: str) -> None:
        self.log_path = log_path
        self.metrics_port = free_port()
        self.env = {
            **os.environ,
            "PYTHONPATH": str(PROJECT_DIR),
            "AMI_HOST": server.host, "AMI_PORT": str(server.port),
            "AMI_USERNAME": server.username, "AMI_SECRET": server.secret,
            "DATABASE_URL": stack.worker_database_url("dialer"),
            "WORKER_NAME": name, "TICK_S": "0.25", "SESSION_POLL_S": "0.5",
            "CAMPAIGNS_POLL_S": "0.5", "METRICS_PORT": str(self.metrics_port),
            "SHUTDOWN_TIMEOUT_S": "3", "LOG_LEVEL": "INFO", **env,
        }
        self.proc: subprocess.Popen | None = None

    def start(self) -> DialerProcess:
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen([sys.executable, "-m", "workers.dialer"],
                                         cwd=PROJECT_DIR, env=self.env, stdout=log, stderr=log)
        return self

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20.0) -> int:
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise

    def kill(self) -> None:
        self.stop(signal.SIGKILL)

    def log(self) -> list[dict[str, Any]]:
        out = []
        for line in self.log_path.read_text(errors="replace").splitlines():
            try:
                out.append(json.loads(line))
            except ValueError:
                out.append({"msg": line})
        return out

    def metric(self, name: str, labels: str = "") -> float:
        """A sample of the worker's /metrics (0 when absent)."""
        url = f"http://127.0.0.1:{self.metrics_port}/metrics"
        with urllib.request.urlopen(url, timeout=5) as answer:
            text = answer.read().decode()
        key = f"{name}{{{labels}}}" if labels else name
        for line in text.splitlines():
            if line.startswith(key + " "):
                return float(line.split()[-1])
        return 0.0


@pytest.fixture
def start_dialer(stack: StackConfig, pbx: AmiServer, tmp_path: Path,
                 request: pytest.FixtureRequest) -> Iterator[Callable[..., DialerProcess]]:
    """start_dialer(**env) -> a running dialer, logged in to the stand-in; stopped at the end.
    The worker name is the test's, so a restart (same name) releases at once."""
    started: list[DialerProcess] = []
    name = f"tests-{request.node.name[:40]}-{uuid.uuid4().hex[:6]}"

    def start(*, wait_login: bool = True, **env: str) -> DialerProcess:
        logins = pbx.logins_ok
        dialer = DialerProcess(stack, pbx, tmp_path / "dialer.log", name=name, **env).start()
        started.append(dialer)
        if wait_login:
            try:
                wait_until(lambda: pbx.logins_ok > logins, timeout=15, what="the dialer's login")
            except AssertionError:
                print(dialer.log_path.read_text(errors="replace")[-3000:])
                raise
        return dialer

    yield start
    for dialer in started:
        if dialer.proc is not None and dialer.proc.poll() is None:
            dialer.stop()
    if request.node.rep_call.failed if hasattr(request.node, "rep_call") else False:
        print((tmp_path / "dialer.log").read_text(errors="replace")[-5000:])


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.rep_call = report  # type: ignore[attr-defined]
