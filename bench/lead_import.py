"""Lead import: a large CSV into a campaign, end to end, with the worker's peak memory.

    .venv/bin/python -m bench.lead_import [--rows 1000000] [--root /tmp/bench-lead-import] [--keep]

Target (issue 15): 1,000,000 rows, 5% bad rows of mixed kinds and 5% duplicates, imported in
under 60 s end to end on the 2-core machine, the worker's peak RSS (its process and the parser
process together) under 300 MB.

It brings up its own stack (workers off; an existing one under --root is reused), makes a fresh
campaign run by supervisor1 (so every run starts from the same state), writes the CSV (Spanish
headers, ';', phones in mixed national and international formats), uploads it to the bucket
lead-imports as the supervisor, starts the worker (python -m workers.lead_import, its own role)
and waits until it is idle, then times rpc/start_lead_import -> `done` as seen by the
supervisor through PostgREST, sampling the worker's RSS every 50 ms. It checks the counts and
the leads, prints the figures and writes bench/results/lead_import.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import psycopg

from stack import lifecycle
from stack.config import DEMO_PASSWORD, PROJECT_DIR, StackConfig
from supabase import ClientOptions, create_client

DEFAULT_ROOT = Path("/tmp/bench-lead-import")  # noqa: S108 (the bench's own stack)
RESULTS = PROJECT_DIR / "bench" / "results" / "lead_import.json"
SUPERVISOR = "supervisor1@demo.test"
SUPERVISOR_ID = "00000000-0000-4000-a000-000000000011"
BAD_KINDS = ("phone_invalid", "phone_missing", "first_name_missing", "email_invalid",
             "birth_date_invalid")


def log(message: str = "") -> None:
    print(message, flush=True)


def phone_text(n: int, rng: random.Random) -> str:
    digits = f"{600000000 + n}"
    style = rng.randrange(4)
    if style == 0:
        return f"{digits[:3]} {digits[3:6]} {digits[6:]}"
    if style == 1:
        return f"+34 {digits}"
    if style == 2:
        return f"0034{digits}"
    return f"{digits[:3]}-{digits[3:6]}-{digits[6:]}"


def write_csv(path: Path, rows: int, seed: int = 15) -> dict[str, int]:
    """The file, and what it should give: 5% bad rows (mixed kinds), 5% duplicates of an
    earlier row's phone, the rest new."""
    rng = random.Random(seed)
    expect = {"imported": 0, "invalid": 0, "duplicates": 0}
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write("Nombre;Apellidos;Teléfono;Correo;Fecha de nacimiento;Ciudad;Código postal;"
                "Nº Póliza\n")
        next_phone = 0
        imported: list[int] = []  # phones of rows that become leads: what a duplicate repeats
        for i in range(rows):
            roll = rng.random()
            first, phone, email, birth = f"Nombre{i}", None, f"n{i}@example.es", "15/06/1980"
            if roll < 0.05:
                kind = BAD_KINDS[i % len(BAD_KINDS)]
                phone = phone_text(next_phone, rng)
                next_phone += 1
                if kind == "phone_invalid":
                    phone = "12345"
                elif kind == "phone_missing":
                    phone = ""
                elif kind == "first_name_missing":
                    first = ""
                elif kind == "email_invalid":
                    email = "no-es-un-correo"
                else:
                    birth = "31/02/1980"
                expect["invalid"] += 1
            elif roll < 0.10 and imported:
                phone = phone_text(imported[rng.randrange(len(imported))], rng)
                expect["duplicates"] += 1
            else:
                phone = phone_text(next_phone, rng)
                imported.append(next_phone)
                next_phone += 1
                expect["imported"] += 1
            f.write(f"{first};Apellido{i % 997};{phone};{email};{birth};Madrid;28001;P{i}\n")
    return expect


class RssSampler(threading.Thread):
    """The peak of the sum of RSS over a process and its children, every 50 ms (from /proc)."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak_kb, self.stop = pid, 0, threading.Event()

    @staticmethod
    def rss_kb(pid: int) -> int:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        except (FileNotFoundError, ProcessLookupError):
            pass
        return 0

    def children(self) -> list[int]:
        found = []
        for task in Path(f"/proc/{self.pid}/task").glob("*"):
            try:
                found += [int(c) for c in (task / "children").read_text().split()]
            except FileNotFoundError:
                continue
        return found

    def run(self) -> None:
        while not self.stop.wait(0.05):
            total = self.rss_kb(self.pid) + sum(self.rss_kb(c) for c in self.children())
            self.peak_kb = max(self.peak_kb, total)


def make_campaign(db: psycopg.Connection) -> str:
    campaign = str(uuid.uuid4())
    db.execute("insert into public.campaigns (id, name, status, country_code) values (%s, %s,"
               " 'active', 'ES')", (campaign, f"Bench import {campaign[:8]}"))
    db.execute("insert into public.campaign_members (campaign_id, user_id, member_role)"
               " values (%s, %s, 'supervisor')", (campaign, SUPERVISOR_ID))
    db.commit()
    return campaign


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT)
    parser.add_argument("--keep", action="store_true", help="leave the stack running")
    parser.add_argument("--no-record", action="store_true", help="do not write the results")
    args = parser.parse_args()

    args.root.mkdir(parents=True, exist_ok=True)
    args.root.chmod(0o755)
    config = StackConfig.load_or_create(args.root, fixed_ports=False)
    log(f"Bench stack in {args.root}")
    if not lifecycle.status(config)["postgres"]:
        lifecycle.up(config, workers=False, progress=lambda m: None)
    worker = None
    try:
        with psycopg.connect(config.database_url) as db:
            campaign = make_campaign(db)
        csv_path = args.root / "bench-leads.csv"
        started = time.monotonic()
        expect = write_csv(csv_path, args.rows)
        log(f"CSV: {args.rows} rows, {csv_path.stat().st_size / 1e6:.1f} MB"
            f" in {time.monotonic() - started:.1f} s; expected {expect}")

        options = ClientOptions(auto_refresh_token=False, persist_session=False)
        client = create_client(config.url, config.anon_key, options=options)
        client.auth.sign_in_with_password({"email": SUPERVISOR, "password": DEMO_PASSWORD})
        object_name = f"{SUPERVISOR_ID}/bench-{uuid.uuid4()}.csv"
        started = time.monotonic()
        client.storage.from_("lead-imports").upload(object_name, csv_path.read_bytes(),
                                                    {"content-type": "text/csv"})
        upload_s = time.monotonic() - started
        log(f"uploaded in {upload_s:.1f} s")

        env = {**os.environ, "DATABASE_URL": config.worker_database_url("lead_import"),
               "SUPABASE_URL": config.url, "SUPABASE_SERVICE_ROLE_KEY": config.service_role_key,
               "PYTHONPATH": str(PROJECT_DIR), "LEAD_IMPORT_POLL_INTERVAL": "0.2",
               "LEAD_IMPORT_WORK_DIR": str(args.root), "WORKER_NAME": "bench-lead-import",
               "LOG_LEVEL": "DEBUG"}
        worker = subprocess.Popen([sys.executable, "-m", "workers.lead_import"], env=env,
                                  stdout=(args.root / "worker.log").open("w"),
                                  stderr=subprocess.STDOUT)
        time.sleep(2.0)  # imports done, connected, idle
        sampler = RssSampler(worker.pid)
        sampler.start()
        load_before = os.getloadavg()
        started = time.monotonic()
        row = client.rpc("start_lead_import", {"p_campaign_id": campaign,
                                               "p_file": object_name}).execute().data
        progress_seen = set()
        while True:
            current = client.table("lead_imports").select(
                "status,processed_rows,total_rows,imported,duplicates,invalid,do_not_call,error"
            ).eq("id", row["id"]).execute().data[0]
            progress_seen.add(current["processed_rows"])
            if current["status"] in ("done", "failed", "cancelled"):
                break
            time.sleep(0.2)
        seconds = time.monotonic() - started
        load_during = os.getloadavg()
        sampler.stop.set()
        sampler.join()

        with psycopg.connect(config.database_url) as db:
            leads = db.execute("select count(*), count(distinct phone) from public.leads"
                               " where campaign_id = %s", (campaign,)).fetchone()
            errors = db.execute("select count(*) from public.lead_import_errors"
                                " where import_id = %s", (row["id"],)).fetchone()
            history = db.execute("select count(*) from public.lead_history where campaign_id = %s",
                                 (campaign,)).fetchone()
        assert leads and errors and history
        check = {
            "status": current["status"], "imported": current["imported"],
            "duplicates": current["duplicates"], "invalid": current["invalid"],
            "leads_in_campaign": leads[0], "distinct_phones": leads[1],
            "error_rows": errors[0], "history_rows": history[0],
        }
        check["ok"] = (current["status"] == "done" and current["imported"] == expect["imported"]
                       and current["duplicates"] == expect["duplicates"]
                       and current["invalid"] == expect["invalid"]
                       and leads[0] == leads[1] == expect["imported"]
                       and history[0] == expect["imported"])
        result = {
            "rows": args.rows, "file_mb": round(csv_path.stat().st_size / 1e6, 1),
            "upload_seconds": round(upload_s, 2), "seconds": round(seconds, 2),
            "rows_per_s": round(args.rows / seconds), "peak_rss_mb": round(sampler.peak_kb / 1024, 1),
            "progress_updates_seen": len(progress_seen), "check": check,
        }
        log(json.dumps(result, indent=2))
        log(f"{args.rows} rows in {seconds:.1f} s = {args.rows / seconds:,.0f} rows/s;"
            f" peak RSS {sampler.peak_kb / 1024:.0f} MB; check ok: {check['ok']}")
        if not args.no_record:
            record = json.loads(RESULTS.read_text()) if RESULTS.exists() else {"runs": []}
            record["runs"].append({
                "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                            "load_avg_1m_before": round(load_before[0], 2),
                            "load_avg_1m_end": round(load_during[0], 2)},
                "settings": {"batch_rows": 5000, "bad_share": 0.05, "duplicate_share": 0.05},
                "target": {"rows": 1_000_000, "seconds": 60, "peak_rss_mb": 300},
                "results": [result],
            })
            RESULTS.write_text(json.dumps(record, indent=2) + "\n")
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(30)
        if not args.keep:
            lifecycle.down(config, progress=lambda m: None)
            shutil.rmtree(args.root, ignore_errors=True)


if __name__ == "__main__":
    main()
