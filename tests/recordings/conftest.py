"""Shared fixtures for the recordings worker's tests, all against the session's real stack.

- `dirs`: a fresh monitor directory (Asterisk's spool, as the worker sees it), the worker's
  work directory, and PBX_MONITOR_DIR, the path Asterisk itself names files under.
- `worker_settings(**overrides)`: Settings for a worker pointed at the session stack, with
  short intervals so tests stay fast.
- `make_wav(path, seconds)`: a real WAV (8 kHz mono PCM, as Asterisk's MixMonitor writes) from
  ffmpeg's lavfi sine source.
- `world`: a campaign of its own (run by supervisor1, worked by agent1) and `world.call(...)`,
  an ended call of a fresh lead whose recording file is reported, as the AMI bridge leaves it.
- `running(uploader_or_signer, ...)`: the worker's loops in threads, stopped at the end.
- `worker_process(...)`: `python -m workers.recordings` as a process, as operators run it.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import psycopg
import pytest
from psycopg.rows import dict_row

from stack.config import PROJECT_DIR, StackConfig
from tests.support.crm_data import agent_id, make_campaign, make_leads
from tests.support.worker_process import worker_module
from workers.recordings.settings import Settings
from workers.recordings.uploads import Uploader

PBX_MONITOR_DIR = "/var/spool/asterisk/monitor"
BUCKET = "recordings"
SUPERVISOR1 = "00000000-0000-4000-a000-000000000011"


@dataclass(frozen=True)
class Dirs:
    monitor: Path  # RECORDINGS_MONITOR_DIR
    work: Path  # RECORDINGS_WORK_DIR
    pbx: str = PBX_MONITOR_DIR  # RECORDINGS_PBX_MONITOR_DIR

    def local(self, pbx_name: str) -> Path:
        """Where the worker finds a file Asterisk named `pbx_name` (absolute, under pbx)."""
        return self.monitor / Path(pbx_name).relative_to(self.pbx)


@pytest.fixture
def dirs(tmp_path: Path) -> Dirs:
    d = Dirs(monitor=tmp_path / "monitor", work=tmp_path / "work")
    d.monitor.mkdir()
    d.work.mkdir()
    return d


def settings_for(stack: StackConfig, dirs: Dirs, **overrides) -> Settings:
    base = dict(
        database_url=stack.worker_database_url("recordings"), supabase_url=stack.url,
        supabase_service_role_key=stack.service_role_key,
        recordings_monitor_dir=str(dirs.monitor), recordings_pbx_monitor_dir=dirs.pbx,
        recordings_work_dir=str(dirs.work), recordings_poll_interval=0.1,
        recordings_settle_seconds=0, recordings_stale_after=30, recordings_retry_seconds=0,
        recordings_upload_retries=2,
        worker_name=f"pytest-{uuid.uuid4().hex[:8]}",
    )
    return Settings(**{**base, **overrides})


@pytest.fixture
def worker_settings(stack: StackConfig, dirs: Dirs) -> Callable[..., Settings]:
    return lambda **overrides: settings_for(stack, dirs, **overrides)


def make_wav(path: Path, seconds: float = 3.0, frequency: int = 440) -> Path:
    """A real recording: a sine tone, 8 kHz mono signed 16-bit PCM WAV."""
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-y", "-f", "lavfi",
         "-i", f"sine=frequency={frequency}:sample_rate=8000:duration={seconds}",
         "-ac", "1", "-c:a", "pcm_s16le", str(path)],
        check=True, capture_output=True)
    return path


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()




# ---------------------------------------------------------------------------
# A campaign, its leads and calls
# ---------------------------------------------------------------------------

@dataclass
class World:
    db: psycopg.Connection
    dirs: Dirs
    campaign_id: str
    agent_id: str
    supervisor_id: str = SUPERVISOR1

    def lead(self, **columns) -> str:
        """A fresh lead of the campaign, owned by the agent."""
        return make_leads(self.db, self.campaign_id, 1, owner_id=self.agent_id, **columns)[0]

    def call(self, file_name: str | None = None, *, consent: bool | None = True,
             wav_seconds: float | None = 3.0, ended_ago: float = 30.0, talk: int = 60,
             recorded: bool = True) -> dict:
        """An ended call of a fresh lead, with Asterisk's recording file name reported (as the
        AMI bridge writes it: superuser). `file_name` None: an absolute name of its own under
        the PBX's monitor dir; a real WAV is written there unless wav_seconds is None.
        recorded=False: the PBX reported no recording at all."""
        lead = self.lead()
        call_id = str(uuid.uuid4())
        if not recorded:
            file_name, wav_seconds = None, None
        elif file_name is None:
            file_name = f"{self.dirs.pbx}/{datetime.now(UTC):%Y/%m/%d}/out-{call_id}.wav"
        if wav_seconds is not None:
            make_wav(self.dirs.local(file_name), wav_seconds)
        ended = datetime.now(UTC) - timedelta(seconds=ended_ago)
        started = ended - timedelta(seconds=talk + 5)
        self.db.execute(
            """insert into public.calls (id, started_at, lead_id, campaign_id, agent_id,
                 phone_number, source, status, outcome, answered_at, ended_at, ring_seconds,
                 talk_seconds, duration_seconds, hangup_cause, hangup_by, recording_consent,
                 recording_file, pbx_linkedid)
               select %(id)s, %(started)s, l.id, l.campaign_id, %(agent)s, l.phone, 'pbx',
                 'ended', 'answered', %(answered)s, %(ended)s, 5, %(talk)s, %(duration)s, 16,
                 'lead', %(consent)s, %(file)s, %(linkedid)s
               from public.leads as l where l.id = %(lead)s""",
            {"id": call_id, "started": started, "answered": started + timedelta(seconds=5),
             "ended": ended, "talk": talk, "duration": talk + 5, "agent": self.agent_id,
             "consent": consent, "file": file_name, "lead": lead,
             "linkedid": f"{time.time():.6f}"})
        return {"id": call_id, "lead_id": lead, "file": file_name, "started_at": started}

    def recording(self, call_id: str) -> dict | None:
        with self.db.cursor(row_factory=dict_row) as cur:
            return cur.execute("select * from public.recordings where call_id = %s",
                               (call_id,)).fetchone()

    def call_row(self, call_id: str) -> dict:
        with self.db.cursor(row_factory=dict_row) as cur:
            return cur.execute("select * from public.calls where id = %s", (call_id,)).fetchone()

    def expected_path(self, call: dict) -> str:
        return f"{self.campaign_id}/{call['started_at'].astimezone(UTC):%Y/%m/%d}/{call['id']}.opus"


@pytest.fixture(scope="module")
def world_campaign(stack: StackConfig) -> str:
    """One campaign per test module, recording with consent required (the seeded default)."""
    with psycopg.connect(stack.database_url, autocommit=True) as conn:
        agent = agent_id(conn, "agent1@demo.test")
        return make_campaign(conn, agents=[agent], supervisor=SUPERVISOR1, max_attempts=50)


@pytest.fixture
def world(db: psycopg.Connection, dirs: Dirs, world_campaign: str) -> World:
    return World(db=db, dirs=dirs, campaign_id=world_campaign,
                 agent_id=agent_id(db, "agent1@demo.test"))


# ---------------------------------------------------------------------------
# The worker
# ---------------------------------------------------------------------------

def one_pass(uploader: Uploader) -> int:
    """One claim-and-handle pass of `uploader` on a connection of its own, closed after; how
    many recordings it claimed."""
    uploader.connect()
    try:
        return uploader.run_once()
    finally:
        uploader.close()


@contextlib.contextmanager
def running(*loops) -> Iterator[threading.Event]:
    """Each object's run(stop) in a thread, as __main__ wires them; stopped and joined after."""
    stop = threading.Event()
    threads = [threading.Thread(target=loop.run, args=(stop,), daemon=True) for loop in loops]
    for t in threads:
        t.start()
    try:
        yield stop
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=30)
            assert not t.is_alive(), "a worker loop did not stop"


def worker_env(settings: Settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECORDINGS_")}
    env |= {name.upper(): str(value) for name, value in vars(settings).items()}
    env |= {"PYTHONPATH": str(PROJECT_DIR), "METRICS_PORT": "0"}
    return env


@contextlib.contextmanager
def worker_process(settings: Settings, log_path: Path,
                   loops: str = "uploads") -> Iterator[subprocess.Popen]:
    """`python -m workers.recordings --loops ...` with these settings; JSON log in log_path."""
    with worker_module(["workers.recordings", "--loops", loops], worker_env(settings), log_path,
                       append_log=True, stop_timeout=30) as proc:
        yield proc


def objects_in(service_client, folder: str) -> list[dict]:
    """The files (not sub-folders) of one folder of the recordings bucket, as the service role."""
    entries = service_client.storage.from_(BUCKET).list(folder, {"limit": 1000})
    return [e for e in entries if e.get("id")]



def rpc_http(stack: StackConfig, client, name: str, args: dict) -> httpx.Response:
    """POST /rest/v1/rpc/<name> as the signed-in client, raw: the HTTP status is visible."""
    token = client.auth.get_session().access_token
    return httpx.post(f"{stack.url}/rest/v1/rpc/{name}", json=args,
                      headers={"apikey": stack.anon_key, "Authorization": f"Bearer {token}"})


def access_log(db: psycopg.Connection, call_id: str) -> list[dict]:
    with db.cursor(row_factory=dict_row) as cur:
        return cur.execute(
            "select id, outcome, reason_code, reason, requested_by::text, call_id::text,"
            " campaign_id::text, object_path, granted_until, used_at"
            " from public.recording_access_log"
            " where call_id = %s order by id", (call_id,)).fetchall()
