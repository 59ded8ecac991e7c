"""The recordings pipeline: upload throughput, compression, time to a signed URL, purge rate.

    .venv/bin/python -m bench.recordings [--recordings 40] [--seconds 60] [--listens 50]
                                         [--root /tmp/bench-recordings] [--keep]

The recordings pipeline has no speed target; these are the figures a call center sizes the
worker with. It brings up its own stack (workers off), then, one phase after the other on the
same machine:

  uploads     --recordings ended calls with consent, each with a --seconds WAV (8 kHz mono
              16-bit PCM, what MixMonitor writes) in the monitor directory; one upload thread
              takes half of them and two threads (two workers) the other half, side by side in
              this run: recordings per minute, seconds of audio per wall second, per-recording
              p50/p95, and WAV bytes over stored Opus bytes
  listening   a supervisor through supabase-py: rpc/recording_url (the grant), then Storage's
              create_signed_url under that grant, then GET of the signed URL; p50/p95 of
              "ask" to "URL in hand" and of the download (waits for the gateway's rate limit
              on rpc/recording_url, 30 a minute, are left out)
  retention   every recording expired (a controlled clock): a dry run, then the real purge;
              recordings per second

It prints the figures and writes bench/results/recordings.json. Without --keep the stack is
stopped and its root removed.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import threading
import time
import uuid
from pathlib import Path

import httpx
import psycopg
from postgrest.exceptions import APIError

from stack import lifecycle
from stack.config import DEMO_PASSWORD, PROJECT_DIR, StackConfig
from supabase import ClientOptions, create_client
from workers.recordings.retention import RetentionPurger
from workers.recordings.settings import Settings
from workers.recordings.uploads import Uploader

DEFAULT_ROOT = Path("/tmp/bench-recordings")  # noqa: S108 (the bench's own stack)
RESULTS = PROJECT_DIR / "bench" / "results" / "recordings.json"
CAMPAIGN = "00000000-0000-4000-b000-000000000001"  # seeded, run by supervisor1
SUPERVISOR = "supervisor1@demo.test"
PBX_DIR = "/var/spool/asterisk/monitor"


def log(message: str = "") -> None:
    print(message, flush=True)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def settings_for(config: StackConfig, root: Path, name: str) -> Settings:
    return Settings(
        database_url=config.worker_database_url("recordings"), supabase_url=config.url,
        supabase_service_role_key=config.service_role_key,
        recordings_monitor_dir=str(root / "monitor"), recordings_pbx_monitor_dir=PBX_DIR,
        recordings_work_dir=str(root / "work" / name), recordings_poll_interval=0.05,
        recordings_settle_seconds=0, worker_name=f"bench-{name}")


@contextlib.contextmanager
def running(*loops):
    stop = threading.Event()
    threads = [threading.Thread(target=loop.run, args=(stop,), daemon=True) for loop in loops]
    for t in threads:
        t.start()
    try:
        yield
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=60)


def make_calls(conn: psycopg.Connection, root: Path, wav: Path, count: int) -> list[str]:
    """Ended, consented calls of the seeded campaign, each with its own copy of the WAV."""
    leads = [r[0] for r in conn.execute(
        "select id, owner_id from public.leads where campaign_id = %s and owner_id is not null"
        " limit %s", (CAMPAIGN, count)).fetchall()]
    owners = dict(conn.execute("select id, owner_id from public.leads where id = any(%s)",
                               (leads,)).fetchall())
    calls = []
    for lead in leads:
        call = str(uuid.uuid4())
        name = f"bench/{call}.wav"
        shutil.copyfile(wav, root / "monitor" / name)
        conn.execute(
            "insert into public.calls (id, started_at, lead_id, campaign_id, agent_id,"
            " phone_number, status, outcome, answered_at, ended_at, recording_consent,"
            " recording_file) select %s, now() - interval '2 minutes', l.id, l.campaign_id, %s,"
            " l.phone, 'ended', 'answered', now() - interval '110 seconds',"
            " now() - interval '50 seconds', true, %s from public.leads as l where l.id = %s",
            (call, owners[lead], f"{PBX_DIR}/{name}", lead))
        calls.append(call)
    return calls


def upload_phase(config: StackConfig, root: Path, conn: psycopg.Connection, wav: Path,
                 count: int, threads: int, seconds: float) -> dict:
    calls = make_calls(conn, root, wav, count)
    workers = [Uploader(settings_for(config, root, f"u{threads}-{i}")) for i in range(threads)]
    started = time.monotonic()
    with running(*workers):
        while True:
            done = conn.execute("select count(*) from public.recordings where call_id = any(%s)"
                                " and status in ('stored', 'failed')", (calls,)).fetchone()[0]
            if done == len(calls):
                break
            time.sleep(0.05)
    wall = time.monotonic() - started
    rows = conn.execute(
        "select status, bytes, extract(epoch from stored_at - created_at) from public.recordings"
        " where call_id = any(%s)", (calls,)).fetchall()
    stored = [r for r in rows if r[0] == "stored"]
    per = [float(r[2]) for r in stored]
    source_bytes = wav.stat().st_size * len(stored)
    opus_bytes = sum(r[1] for r in stored)
    return {"threads": threads, "recordings": len(calls), "stored": len(stored),
            "wall_s": round(wall, 2),
            "recordings_per_min": round(len(stored) / wall * 60, 1),
            "audio_s_per_wall_s": round(len(stored) * seconds / wall, 1),
            "queue_to_stored_p50_s": round(percentile(per, 0.5), 2),
            "queue_to_stored_p95_s": round(percentile(per, 0.95), 2),
            "wav_bytes": source_bytes, "opus_bytes": opus_bytes,
            "compression": round(source_bytes / opus_bytes, 1)}, calls


def listening_phase(config: StackConfig, root: Path, calls: list[str], listens: int) -> dict:
    options = ClientOptions(auto_refresh_token=False, persist_session=False)
    client = create_client(config.url, config.anon_key, options=options)
    client.auth.sign_in_with_password({"email": SUPERVISOR, "password": DEMO_PASSWORD})
    to_url, download = [], []
    with httpx.Client() as http:
        for i in range(listens + 3):
            while True:
                started = time.perf_counter()
                try:
                    grant: dict = client.rpc(  # type: ignore[assignment]
                        "recording_url", {"p_call_id": calls[i % len(calls)]}).execute().data
                    break
                except APIError as e:
                    # The gateway's rate on rpc/recording_url (30 a minute, bursts of 20).
                    if e.code != "over_request_rate_limit":
                        raise
                    time.sleep(2)
            url = client.storage.from_(grant["bucket"]).create_signed_url(
                grant["path"], grant["expires_in"])["signedURL"]
            got_url = time.perf_counter()
            response = http.get(url)
            response.raise_for_status()
            if i >= 3:  # warm-up
                to_url.append((got_url - started) * 1000)
                download.append((time.perf_counter() - got_url) * 1000)
    return {"listens": listens,
            "to_signed_url_p50_ms": round(percentile(to_url, 0.5), 1),
            "to_signed_url_p95_ms": round(percentile(to_url, 0.95), 1),
            "download_p50_ms": round(percentile(download, 0.5), 1),
            "download_p95_ms": round(percentile(download, 0.95), 1)}


def retention_phase(config: StackConfig, root: Path, conn: psycopg.Connection) -> dict:
    purger = RetentionPurger(settings_for(config, root, "purge"))
    later = conn.execute("select now() + interval '400 days'").fetchone()[0]
    started = time.monotonic()
    dry = purger.purge_once(now=later, dry_run=True)
    dry_s = time.monotonic() - started
    started = time.monotonic()
    real = purger.purge_once(now=later)
    real_s = time.monotonic() - started
    return {"dry_run_count": dry.count, "dry_run_bytes": dry.bytes, "dry_run_s": round(dry_s, 3),
            "purged": real.count, "purge_s": round(real_s, 2),
            "purged_per_s": round(real.count / real_s, 1) if real_s else None}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recordings", type=int, default=40)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--listens", type=int, default=50)
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()

    args.root.mkdir(parents=True, exist_ok=True)
    args.root.chmod(0o755)
    (args.root / "monitor" / "bench").mkdir(parents=True, exist_ok=True)
    config = StackConfig.load_or_create(args.root, fixed_ports=False)
    log(f"Bench stack in {args.root}")
    lifecycle.up(config, workers=False, progress=lambda m: log(f"  - {m}"))
    result: dict = {"machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                                "loadavg_before": list(os.getloadavg())},
                    "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
    try:
        wav = args.root / "source.wav"
        subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-y", "-f",
                        "lavfi", "-i", f"anoisesrc=color=pink:sample_rate=8000:amplitude=0.3:"
                        f"duration={args.seconds}", "-ac", "1", "-c:a", "pcm_s16le", str(wav)],
                       check=True)
        half = args.recordings // 2
        with psycopg.connect(config.database_url, autocommit=True) as conn:
            log(f"Uploads: {half} recordings of {args.seconds:.0f} s with 1 thread, then"
                f" {half} with 2")
            one, calls = upload_phase(config, args.root, conn, wav, half, 1, args.seconds)
            two, more = upload_phase(config, args.root, conn, wav, half, 2, args.seconds)
            result["uploads"] = {"one_thread": one, "two_threads": two,
                                 "two_over_one": round(two["recordings_per_min"]
                                                       / one["recordings_per_min"], 2)}
            for name, r in (("1 thread ", one), ("2 threads", two)):
                log(f"  {name}: {r['recordings_per_min']:6.1f} recordings/min,"
                    f" {r['audio_s_per_wall_s']:5.1f} s of audio per s, queue to stored p50"
                    f" {r['queue_to_stored_p50_s']} s p95 {r['queue_to_stored_p95_s']} s,"
                    f" WAV/Opus {r['compression']}x")
            log(f"Listening: {args.listens} requests as {SUPERVISOR}")
            result["listening"] = listening_phase(config, args.root, calls + more, args.listens)
            r = result["listening"]
            log(f"  ask to signed URL p50 {r['to_signed_url_p50_ms']} ms p95"
                f" {r['to_signed_url_p95_ms']} ms; download p50 {r['download_p50_ms']} ms")
            log("Retention: everything expired")
            result["retention"] = retention_phase(config, args.root, conn)
            r = result["retention"]
            log(f"  dry run {r['dry_run_count']} in {r['dry_run_s']} s; purged {r['purged']}"
                f" in {r['purge_s']} s ({r['purged_per_s']}/s)")
        result["machine"]["loadavg_after"] = list(os.getloadavg())
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(result, indent=2, default=str) + "\n")
        log(f"Wrote {RESULTS.relative_to(PROJECT_DIR)}")
    finally:
        if not args.keep:
            lifecycle.down(config, progress=lambda m: log(f"  - {m}"))
            shutil.rmtree(args.root, ignore_errors=True)


if __name__ == "__main__":
    main()
