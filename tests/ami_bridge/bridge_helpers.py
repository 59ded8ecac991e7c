"""Helpers for the bridge's database tests: a CRM to call from, the bridge in a thread or a
subprocess, recorded sequences adapted to the CRM's own call ids, and reading `calls` back."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
from psycopg.rows import dict_row

from stack.config import StackConfig
from tests.support.ami_server import AmiServer, load_sequence
from workers.ami_bridge.bridge import Bridge, BridgeSettings

PROJECT = Path(__file__).resolve().parents[2]
SEQUENCES = Path(__file__).parent / "sequences"
SCENARIOS = sorted(path.stem for path in SEQUENCES.glob("*.ami"))
CAMPAIGN = "AMI bridge tests"
AGENTS = {f"agent{1000 + i}": f"agent{i}@demo.test" for i in range(1, 9)}
"""The sequences' PJSIP endpoints and the demo accounts whose sip_extension they name."""

PBX_COLUMNS = (
    "id", "pbx_linkedid", "source", "direction", "phone_number", "status", "outcome",
    "started_at", "answered_at", "ended_at", "ring_seconds", "talk_seconds",
    "duration_seconds", "hangup_cause", "hangup_cause_text", "hangup_by", "recording_file",
)
TIME_COLUMNS = ("started_at", "answered_at", "ended_at")


def wait_until(predicate: Callable[[], object], timeout: float = 10.0, step: float = 0.05):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {predicate}")
        time.sleep(step)


# ------------------------------------------------------------------------ scenarios
@dataclass
class Case:
    """A recorded sequence as one test runs it: frames, and the `calls` rows it must leave."""

    name: str
    frames: list[bytes]
    rows: list[dict]  # sidecar rows, adapted (ids, times)
    links: dict[str, dict] = field(default_factory=dict)  # linkedid -> lead/agent/campaign ids

    @property
    def linkedids(self) -> list[str]:
        return [row["pbx_linkedid"] for row in self.rows]

    def shifted(self, seconds: float) -> Case:
        """The same call `seconds` later (whole seconds): Timestamps, CDR times, expected times."""
        seconds = round(seconds)
        frames = [shift_frame(frame, seconds) for frame in self.frames]
        rows = []
        for row in self.rows:
            moved = dict(row)
            for column in TIME_COLUMNS:
                if moved[column]:
                    moved[column] = (
                        datetime.fromisoformat(moved[column]) + timedelta(seconds=seconds)
                    ).isoformat()
            rows.append(moved)
        return replace(self, frames=frames, rows=rows)


def sidecar(name: str) -> dict:
    return json.loads((SEQUENCES / f"{name}.expected.json").read_text(encoding="utf-8"))


def load_case(name: str) -> Case:
    return Case(name, load_sequence(SEQUENCES / f"{name}.ami"), sidecar(name)["rows"])


_TIMESTAMP = re.compile(rb"^Timestamp: (\d+\.\d+)\r$", re.M)
_CDR_TIME = re.compile(
    rb"^(StartTime|AnswerTime|EndTime): (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)\r$", re.M
)


def frame_time(frame: bytes) -> float:
    match = _TIMESTAMP.search(frame)
    return float(match.group(1)) if match else 0.0


def shift_frame(frame: bytes, seconds: float) -> bytes:
    def stamp(m: re.Match) -> bytes:
        return b"Timestamp: %.6f\r" % (float(m.group(1)) + seconds)

    def cdr(m: re.Match) -> bytes:
        moved = datetime.strptime(m.group(2).decode(), "%Y-%m-%d %H:%M:%S") + timedelta(
            seconds=round(seconds)
        )
        return m.group(1) + b": " + moved.strftime("%Y-%m-%d %H:%M:%S").encode() + b"\r"

    return _CDR_TIME.sub(cdr, _TIMESTAMP.sub(stamp, frame))


def interleave(cases: Iterable[Case]) -> list[bytes]:
    """Every call's frames merged by event time, as Asterisk sends concurrent calls."""
    return sorted((f for case in cases for f in case.frames), key=frame_time)


# ------------------------------------------------------------------------- the CRM
@dataclass
class Crm:
    """A campaign the sequences' calls belong to: agents 1-8 and one lead per number."""

    campaign_id: str
    agents: dict[str, str]  # endpoint (agent1001) -> profile id
    leads: dict[str, str]  # phone -> lead id


def setup_crm(db: psycopg.Connection) -> Crm:
    """Idempotent: reuses the campaign and leads of an earlier test in the session."""
    numbers = {
        row["phone_number"]: row["agent_endpoint"] for n in SCENARIOS for row in sidecar(n)["rows"]
    }
    with db.transaction():
        campaign_id = db.execute(
            """insert into public.campaigns (name, status, calling_days, calling_hours_start,
                 calling_hours_end, max_attempts)
               values (%s, 'active', '{1,2,3,4,5,6,7}', '00:00', '23:59:59', 50)
               on conflict (name) do update set status = 'active'
               returning id""",
            (CAMPAIGN,),
        ).fetchone()[0]
        agents = {}
        for endpoint, email in AGENTS.items():
            agent_id = db.execute(
                "select id from public.profiles where email = %s", (email,)
            ).fetchone()[0]
            agents[endpoint] = str(agent_id)
            db.execute(
                """insert into public.campaign_members (campaign_id, user_id, member_role)
                   values (%s, %s, 'agent') on conflict do nothing""",
                (campaign_id, agent_id),
            )
        leads = {}
        for phone, endpoint in numbers.items():
            found = db.execute(
                "select id from public.leads where campaign_id = %s and phone = %s",
                (campaign_id, phone),
            ).fetchone()
            if found is None:
                found = db.execute(
                    """insert into public.leads
                         (campaign_id, owner_id, first_name, phone, time_zone)
                       values (%s, %s, 'Bridge test', %s, 'Europe/Madrid') returning id""",
                    (campaign_id, agents[endpoint], phone),
                ).fetchone()
            leads[phone] = str(found[0])
    return Crm(str(campaign_id), agents, leads)


def reset_calls(db: psycopg.Connection, crm: Crm, cases: Iterable[Case] = ()) -> None:
    """Forget the calls of these sequences and every call of the test campaign; leads anew."""
    linkedids = [lid for case in cases for lid in case.linkedids]
    ids = [row["id"] for case in cases for row in case.rows]
    with db.transaction():
        db.execute(
            """delete from public.calls
               where pbx_linkedid = any(%s) or id = any(%s::uuid[]) or campaign_id = %s
                 or lead_id = any(%s::uuid[])""",
            (linkedids, ids, crm.campaign_id, list(crm.leads.values())),
        )
        db.execute(
            "update public.leads set status = 'new', attempts = 0 where campaign_id = %s",
            (crm.campaign_id,),
        )


def start_call(db: psycopg.Connection, agent_id: str, lead_id: str) -> dict:
    """rpc/start_call as the agent (what the webphone does before its INVITE)."""
    claims = json.dumps({"sub": agent_id, "role": "authenticated"})
    with db.transaction(), db.cursor(row_factory=dict_row) as cur:
        cur.execute("select set_config('request.jwt.claims', %s, true)", (claims,))
        cur.execute("set local role authenticated")
        return cur.execute("select * from public.start_call(%s)", (lead_id,)).fetchone()


def webphone_case(db: psycopg.Connection, crm: Crm, name: str) -> Case:
    """The sequence as the CRM's own call: start_call first, its id in CRM_CALL_ID."""
    case = load_case(name)
    frames, rows = case.frames, []
    for row in case.rows:
        lead_id = crm.leads[row["phone_number"]]
        agent_id = crm.agents[row["agent_endpoint"]]
        links = {"lead_id": lead_id, "agent_id": agent_id, "campaign_id": crm.campaign_id}
        if row["crm_call_id"]:
            call = start_call(db, agent_id, lead_id)
            new_id = str(call["id"])
            frames = [f.replace(row["crm_call_id"].encode(), new_id.encode()) for f in frames]
            row = {**row, "id": new_id, "crm_call_id": new_id}
        case.links[row["pbx_linkedid"]] = links
        rows.append(row)
    return replace(case, frames=frames, rows=rows)


# ---------------------------------------------------------------------- reading back
def calls_of(db: psycopg.Connection, linkedids: Iterable[str]) -> list[dict]:
    with db.cursor(row_factory=dict_row) as cur:
        return cur.execute(
            """select id::text, pbx_linkedid, source, direction, phone_number::text, status,
                 outcome, started_at, answered_at, ended_at, ring_seconds, talk_seconds,
                 duration_seconds, hangup_cause, hangup_cause_text, hangup_by, recording_file,
                 lead_id::text, agent_id::text, campaign_id::text, updated_at
               from public.calls where pbx_linkedid = any(%s)
               order by pbx_linkedid, started_at""",
            (list(linkedids),),
        ).fetchall()


def expected_columns(row: dict) -> dict:
    """A sidecar row as `calls` stores it (source stays the CRM's for webphone rows)."""
    out = {column: row[column] for column in PBX_COLUMNS}
    for column in TIME_COLUMNS:
        out[column] = datetime.fromisoformat(row[column]) if row[column] else None
    return out


def stored_columns(row: dict) -> dict:
    return {column: row[column] for column in PBX_COLUMNS}


def assert_rows(db: psycopg.Connection, case: Case, *, check_links: bool = True) -> None:
    """Exactly one row per call, equal to the sidecar's, linked to its lead and agent."""
    stored = calls_of(db, case.linkedids)
    assert [r["pbx_linkedid"] for r in stored] == sorted(case.linkedids), stored
    by_linkedid = {r["pbx_linkedid"]: r for r in stored}
    for row in case.rows:
        got = by_linkedid[row["pbx_linkedid"]]
        assert stored_columns(got) == expected_columns(row), case.name
        if check_links and row["pbx_linkedid"] in case.links:
            links = case.links[row["pbx_linkedid"]]
            assert {k: got[k] for k in links} == links, case.name


def rows_settled(db: psycopg.Connection, case: Case) -> bool:
    try:
        assert_rows(db, case)
    except AssertionError:
        return False
    return True


# ------------------------------------------------------------------------ the bridge
def bridge_url(stack: StackConfig) -> str:
    """The bridge connects as its own role, as it is deployed."""
    return stack.worker_database_url("ami_bridge")


def bridge_settings(stack: StackConfig, server: AmiServer, **overrides) -> BridgeSettings:
    base = dict(
        ami_host=server.host,
        ami_port=server.port,
        ami_username=server.username,
        ami_secret=server.secret,
        database_url=bridge_url(stack),
        flush_delay_ms=50,
        ping_interval_s=1.0,
        ping_timeout_s=1.0,
        action_timeout_s=3.0,
        reconnect_min_s=0.05,
        reconnect_max_s=0.5,
        shutdown_timeout_s=5.0,
        originate_poll_s=0.5,
    )
    return BridgeSettings(**{**base, **overrides})


class BridgeThread:
    """The bridge in-process, on its own event loop in a thread: tests stay synchronous."""

    def __init__(self, settings: BridgeSettings) -> None:
        self.bridge = Bridge(settings)
        self.exit_code: int | None = None
        self._loop = asyncio.new_event_loop()
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._main, daemon=True, name="ami-bridge")

    def _main(self) -> None:
        asyncio.set_event_loop(self._loop)

        async def run() -> int:
            self._stop = asyncio.Event()
            self._ready.set()
            return await self.bridge.run(self._stop)

        self.exit_code = self._loop.run_until_complete(run())
        self._loop.close()

    def start(self) -> BridgeThread:
        self._thread.start()
        self._ready.wait(5)
        return self

    def stop(self, timeout: float = 15.0) -> int | None:
        if self._thread.is_alive() and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout)
        return self.exit_code

    def __enter__(self) -> BridgeThread:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def wait_logged_in(self, logins: int = 1, timeout: float = 10.0) -> None:
        wait_until(lambda: self.bridge.logins >= logins and self.bridge.logged_in, timeout)

    def wait_reconciled(self, count: int = 1, timeout: float = 10.0) -> None:
        wait_until(lambda: self.bridge.reconciliations >= count, timeout)

    def wait_idle(self, timeout: float = 10.0) -> None:
        """Until the store holds nothing (what was read is committed)."""
        wait_until(lambda: self.bridge.store.backlog == 0, timeout)


class BridgeProcess:
    """`python -m workers.ami_bridge` as operators run it (logs on stderr, kept for asserts)."""

    def __init__(self, settings: BridgeSettings, log_path: Path) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AMI_", "PG"))}
        for name, value in vars(settings).items():
            env[name.upper()] = str(value)
        self.log_path = log_path
        self._log = open(log_path, "ab")  # noqa: SIM115 - closed in wait()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "workers.ami_bridge"],
            cwd=PROJECT, env=env, stdout=self._log, stderr=self._log,
        )

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.wait()

    def terminate(self, timeout: float = 20.0) -> int:
        self.process.send_signal(signal.SIGTERM)
        return self.wait(timeout)

    def wait(self, timeout: float = 20.0) -> int:
        try:
            return self.process.wait(timeout)
        finally:
            self._log.close()

    def logs(self) -> list[dict]:
        lines = self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()
        return [json.loads(line) for line in lines if line.startswith("{")]


def utc(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)
