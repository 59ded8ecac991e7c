"""The AMI bridge under load: events per second into `calls`, and the lag from event to commit.

A generator process runs the AMI stand-in (tests/support/ami_server.py, a real TCP socket) and
streams synthetic calls built from the recorded sequences (answered and recorded, busy, no
answer, cancelled, congestion, unreachable trunk, inbound: about 21 events per call on average),
each with fresh Uniqueids/Linkedids, bridge ids and CRM call ids, its events spread over a few
seconds and overlapping with hundreds of other calls. Half the calls are the webphone's (their
`calls` row exists before the first event, as rpc/start_call leaves it), half are the PBX's own.
Every event carries `Timestamp` = the moment it was due; lag is commit time minus that.

Runs, against a bench stack (`python -m stack up --root /tmp/bench-ami --free-ports`):
1. batched, paced: the bridge as deployed (batches of 500 rows, 200 ms delay) at the target
   rate for `--seconds`: the rate sustained in the steady state (all calls overlapping, between
   the ramp-up and the last calls' tails), events over first-event-to-last-commit, and lag
   p50/p99 (a lag that stays low means the bridge kept up with the offered rate);
2. batched, flood: as fast as the generator and the socket go: the bridge's ceiling;
3. baseline: the same stream read by the same parser and model, but each event that changes a
   row is written in a transaction of its own, at the same offered rate for `--baseline-seconds`.
After each run every call must be in `calls` exactly once and ended.

    .venv/bin/python -m bench.ami_bridge [--root /tmp/bench-ami] [--rate 5000] [--seconds 20]

Prints the figures and writes bench/results/ami_bridge.json (the last runs kept).

Before and after a change, side by side (the machines are shared, so only figures taken in the
same run compare): `--against REF` checks REF out in a git worktree, brings up a stack of its
own for it, and runs REF's benchmark and this one in turn, `--rounds` times each, alternating
which goes first; both series go to bench/results/ami_bridge_against.json.
"""

from __future__ import annotations

import argparse
import asyncio
import heapq
import json
import logging
import math
import os
import platform
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import psycopg

from tests.support.ami_server import AmiServer, load_sequence
from workers.ami_bridge.bridge import Bridge, BridgeSettings
from workers.ami_bridge.events import AmiEvent, EventReader
from workers.ami_bridge.model import CallModel
from workers.ami_bridge.store import Pending, RowWriter, StoreConfig
from workers.common import logs

PROJECT = Path(__file__).resolve().parents[1]
SEQUENCES = PROJECT / "tests" / "ami_bridge" / "sequences"
RESULTS = PROJECT / "bench" / "results" / "ami_bridge.json"
AGAINST = PROJECT / "bench" / "results" / "ami_bridge_against.json"
CRM_NAMESPACE = uuid.UUID("0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9")
MIX = {  # scenario -> share of calls
    "outbound_answered_recorded": 0.35,
    "outbound_no_answer": 0.20,
    "outbound_busy": 0.15,
    "outbound_caller_cancels": 0.10,
    "inbound_answered": 0.10,
    "outbound_trunk_congestion": 0.05,
    "outbound_trunk_unavailable": 0.05,
}
CALL_SECONDS = 4.0
"""Each call's events are spread over (at most) this many seconds."""

log = logging.getLogger("bench.ami_bridge")

_ID_LINE = re.compile(
    rb"^(Uniqueid|Linkedid|DestUniqueid|DestLinkedid|UniqueID|LinkedID): (\S+)\r$", re.M
)
_TIMESTAMP = re.compile(rb"^Timestamp: (\d+\.\d+)\r$", re.M)
_CDR_TIME = re.compile(
    rb"^(StartTime|AnswerTime|EndTime): (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)\r$", re.M
)
_BRIDGE = re.compile(rb"^BridgeUniqueid: (\S+)\r$", re.M)
_CRM = re.compile(rb"^Value: ([0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12})\r$", re.M)
_SLOT = re.compile(rb"\x00(\w+)\x00")


# -------------------------------------------------------------------- call templates
@dataclass
class Template:
    """A recorded call with its identifiers and times turned into slots."""

    name: str
    frames: list[tuple[float, bytes]]  # (offset in seconds, frame with \x00slot\x00 markers)
    ids: list[str]  # the slots of Uniqueids/Linkedids, oldest first
    has_crm: bool
    cdr_offsets: dict[str, float]

    @property
    def events(self) -> int:
        return len(self.frames)


def _age(token: str) -> tuple[int, int]:
    seconds, _, sequence = token.rpartition("-")[2].partition(".")
    return int(seconds), int(sequence)


def load_template(name: str) -> Template:
    frames = load_sequence(SEQUENCES / f"{name}.ami")
    t0 = float(_TIMESTAMP.search(frames[0]).group(1))
    tokens = sorted({m.group(2).decode() for f in frames for m in _ID_LINE.finditer(f)}, key=_age)
    crm = {m.group(1) for f in frames for m in _CRM.finditer(f) if b"CRM_CALL_ID" in f}
    bridges = {m.group(1) for f in frames for m in _BRIDGE.finditer(f)}
    cdr_offsets: dict[str, float] = {}
    out = []
    for frame in frames:
        offset = float(_TIMESTAMP.search(frame).group(1)) - t0
        frame = _TIMESTAMP.sub(b"Timestamp: \x00ts\x00\r", frame)
        for match in _CDR_TIME.finditer(frame):
            stamp = datetime.strptime(match.group(2).decode(), "%Y-%m-%d %H:%M:%S")
            cdr_offsets[match.group(1).decode()] = stamp.replace(tzinfo=UTC).timestamp() - t0
        frame = _CDR_TIME.sub(lambda m: m.group(1) + b": \x00" + m.group(1) + b"\x00\r", frame)
        for i, token in enumerate(tokens):
            frame = re.sub(
                rb"(?<![\d.])" + re.escape(token.encode()) + rb"(?!\d)", b"\x00id%d\x00" % i, frame
            )
        for value in crm:
            frame = frame.replace(value, b"\x00crm\x00")
        for value in bridges:
            frame = frame.replace(value, b"\x00bridge\x00")
        out.append((offset, frame))
    span = max(offset for offset, _ in out) or 1.0
    scale = min(1.0, CALL_SECONDS / span)
    return Template(
        name,
        [(offset * scale, frame) for offset, frame in out],
        [f"id{i}" for i in range(len(tokens))],
        bool(crm),
        {k: v * scale for k, v in cdr_offsets.items()},
    )


class CallFactory:
    """Fresh calls from the templates, in the mix's proportions, reproducibly."""

    def __init__(self, system: str, seed: int = 1) -> None:
        self.templates = [load_template(name) for name in MIX]
        self.weights = list(MIX.values())
        self.system = system
        self.rng = random.Random(seed)  # noqa: S311 - a reproducible mix, not secrets
        self.count = 0
        self.sequence = 0

    @property
    def mean_events(self) -> float:
        """Events per call on average (odd calls have no CRM_CALL_ID VarSet)."""
        return sum(
            (t.events - (0.5 if t.has_crm else 0.0)) * w
            for t, w in zip(self.templates, self.weights, strict=True)
        )

    def crm_id(self, n: int) -> str | None:
        """Even calls are the webphone's: their row exists (see `precreate`)."""
        return str(uuid.uuid5(CRM_NAMESPACE, f"{self.system}:{n}")) if n % 2 == 0 else None

    def call(self, start: float) -> list[tuple[float, bytes, dict[bytes, bytes]]]:
        """(due time, frame, slot values) for every event of a new call starting at `start`."""
        template = self.rng.choices(self.templates, self.weights)[0]
        n = self.count
        self.count += 1
        values: dict[bytes, bytes] = {}
        for slot in template.ids:
            self.sequence += 1
            values[slot.encode()] = f"{self.system}-{int(start)}.{self.sequence}".encode()
        crm = self.crm_id(n) if template.has_crm else None
        values[b"crm"] = (crm or str(uuid.uuid4())).encode()
        values[b"bridge"] = str(uuid.uuid4()).encode()
        for key, offset in template.cdr_offsets.items():
            stamp = datetime.fromtimestamp(start + offset, UTC).strftime("%Y-%m-%d %H:%M:%S")
            values[key.encode()] = stamp.encode()
        frames = []
        for offset, frame in template.frames:
            if crm is None and b"Variable: CRM_CALL_ID" in frame:
                continue  # a call the CRM did not start carries no CRM id
            frames.append((start + offset, frame, values))
        return frames


def render(due: float, frame: bytes, values: dict[bytes, bytes]) -> bytes:
    stamp = b"%.6f" % due
    return _SLOT.sub(lambda m: stamp if m.group(1) == b"ts" else values[m.group(1)], frame)


# ------------------------------------------------------------------------ generator
def serve(args: argparse.Namespace) -> None:
    """The generator process: the stand-in plus a paced (or flood) stream of calls."""
    logging.basicConfig(level=logging.WARNING)
    factory = CallFactory(args.system, args.seed)
    with AmiServer() as server:
        hello = {"port": server.port, "username": server.username, "secret": server.secret,
                 "mean_events": factory.mean_events}
        print(json.dumps(hello), flush=True)
        sys.stdin.readline()  # "go": the consumer has logged in and reconciled
        if args.rate > 0:
            sent, first, last, steady = _paced(server, factory, args.rate, args.calls)
        else:
            sent, first, last = _flood(server, factory, args.calls)
            steady = None
        print(json.dumps({"events": sent, "calls": factory.count, "first": first,
                          "last": last, "steady_events_per_s": steady}), flush=True)
        sys.stdin.readline()  # "done"


def _paced(server: AmiServer, factory: CallFactory, rate: float, calls: int):
    interval = factory.mean_events / rate  # seconds between call starts
    due: list[tuple[float, int, bytes, dict]] = []
    order = 0
    start = time.time() + 0.05
    next_call, started, sent = start, 0, 0
    # Steady state: once the first calls' events overlap fully, until the last call starts.
    window = (start + CALL_SECONDS, start + (calls - 1) * interval)
    in_window = 0
    while started < calls or due:
        now = time.time()
        while started < calls and next_call <= now:
            for when, frame, values in factory.call(next_call):
                heapq.heappush(due, (when, order, frame, values))
                order += 1
            started += 1
            next_call = start + started * interval
        chunk = []
        while due and due[0][0] <= now:
            when, _, frame, values = heapq.heappop(due)
            chunk.append(render(when, frame, values))
            in_window += window[0] <= when < window[1]
        if chunk:
            server.send_raw(b"".join(chunk))
            sent += len(chunk)
        wake = min(due[0][0] if due else math.inf, next_call if started < calls else math.inf)
        time.sleep(max(0.0, min(wake - time.time(), 0.005)))
    span = window[1] - window[0]
    return sent, start, time.time(), round(in_window / span, 1) if span > 1 else None


def _flood(server: AmiServer, factory: CallFactory, calls: int):
    sent, first = 0, time.time()
    while factory.count < calls:
        now = time.time()
        batch = [f for _ in range(min(50, calls - factory.count)) for f in factory.call(now)]
        batch.sort(key=lambda item: item[0])
        server.send_raw(b"".join(render(now, frame, values) for _, frame, values in batch))
        sent += len(batch)
    return sent, first, time.time()


class Generator:
    """The generator process as the bench drives it."""

    def __init__(self, system: str, rate: float, calls: int) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bench.ami_bridge", "serve", "--system", system,
             "--rate", str(rate), "--calls", str(calls)],
            cwd=PROJECT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )
        hello = json.loads(self.process.stdout.readline())
        self.port, self.mean_events = hello["port"], hello["mean_events"]
        self.username, self.secret = hello["username"], hello["secret"]

    def go(self) -> None:
        self.process.stdin.write("go\n")
        self.process.stdin.flush()

    def result(self) -> dict:
        return json.loads(self.process.stdout.readline())

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.stdin.write("done\n")
            self.process.stdin.flush()
            self.process.wait(10)


# --------------------------------------------------------------------------- database
def precreate(url: str, factory: CallFactory, calls: int) -> None:
    """The webphone's rows for the even calls, as rpc/start_call leaves them (status calling)."""
    now = datetime.now(UTC)
    sql = "copy public.calls (id, started_at, direction, phone_number, source, status) from stdin"
    with psycopg.connect(url, autocommit=True) as conn, conn.cursor() as cur, cur.copy(sql) as copy:
        for n in range(0, calls, 2):
            copy.write_row((factory.crm_id(n), now, "outbound", "+34600111222", "webphone",
                            "calling"))


def check_rows(url: str, system: str, calls: int) -> dict:
    with psycopg.connect(url, autocommit=True) as conn:
        total, ended, linked = conn.execute(
            "select count(*), count(*) filter (where status = 'ended'),"
            " count(distinct pbx_linkedid) from public.calls where pbx_linkedid like %s",
            (f"{system}-%",),
        ).fetchone()
    return {"calls": calls, "rows": total, "ended": ended, "distinct_linkedids": linked,
            "ok": total == ended == linked == calls}


def clean(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("delete from public.calls where pbx_linkedid like 'bench%'")
        conn.execute("delete from public.calls where source = 'webphone' and pbx_linkedid is null"
                     " and lead_id is null and agent_id is null and phone_number = '+34600111222'")
        conn.execute("vacuum analyze public.calls")


# ------------------------------------------------------------------------ consumers
def percentile(values: list[float], p: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(p / 100 * len(ordered)) - 1))]


async def run_bridge(url: str, generator: Generator, *, batch_size: int, flush_ms: int) -> dict:
    lags: list[float] = []
    commits: list[float] = []

    def on_commit(rows, batch_lags) -> None:
        lags.extend(batch_lags)
        commits.append(time.time())

    settings = BridgeSettings(
        ami_host="127.0.0.1", ami_port=generator.port, ami_username=generator.username,
        ami_secret=generator.secret, database_url=url, batch_size=batch_size,
        flush_delay_ms=flush_ms, originate_enabled=False, ping_interval_s=5.0,
    )
    bridge = Bridge(settings, on_commit=on_commit)
    stop = asyncio.Event()
    task = asyncio.create_task(bridge.run(stop))
    while bridge.reconciliations < 1:
        await asyncio.sleep(0.05)
    await asyncio.to_thread(generator.go)
    sent = await asyncio.to_thread(generator.result)
    def events() -> float:
        return bridge.metrics.registry.get_sample_value("ami_bridge_events_total") or 0.0

    # Everything read, and everything read written.
    deadline = time.monotonic() + 300
    while events() < sent["events"] + 2 and time.monotonic() < deadline:
        await asyncio.sleep(0.05)  # (+2: FullyBooted and CoreShowChannelsComplete)
    while bridge.store.backlog:
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.3)
    stop.set()
    await task
    return {"sent": sent, "lags": lags, "last_commit": max(commits) if commits else math.nan,
            "batches": bridge.store.stats["batches"], "rows_written": bridge.store.stats["written"]}


async def run_per_event(url: str, generator: Generator) -> dict:
    """The baseline: the same parser and model, one transaction per event that changes a row."""
    reader, writer = await asyncio.open_connection("127.0.0.1", generator.port)
    login = f"Action: Login\r\nUsername: {generator.username}\r\nSecret: {generator.secret}\r\n"
    writer.write(login.encode() + b"\r\n")
    await writer.drain()
    parser, model = EventReader(), CallModel()
    rows = RowWriter(StoreConfig().agent_endpoint_pattern)
    conn = psycopg.connect(url, autocommit=True, application_name="bench.per_event")
    booted = False
    while not booted:  # logged in once FullyBooted arrives
        items = parser.feed(await reader.read(65536))
        booted = any(isinstance(i, AmiEvent) and i.name == "FullyBooted" for i in items)
    await asyncio.to_thread(generator.go)
    result = asyncio.ensure_future(asyncio.to_thread(generator.result))
    lags: list[float] = []
    seen, commits, last_commit = 0, 0, math.nan
    while not (result.done() and seen >= result.result()["events"]):
        try:
            data = await asyncio.wait_for(reader.read(65536), 0.2)
        except TimeoutError:
            continue
        for item in parser.feed(data):
            if not isinstance(item, AmiEvent):
                continue
            seen += 1
            if model.apply(item) is None:
                continue
            for row in model.take_changed():
                rows.write(conn, [Pending(row, False, 0.0)])  # a transaction of its own
                last_commit = time.time()
                lags.append(last_commit - item.time)
                commits += 1
    writer.close()
    conn.close()
    return {"sent": result.result(), "lags": lags, "last_commit": last_commit,
            "batches": commits, "rows_written": commits}


def summarise(name: str, run: dict, offered: float | None) -> dict:
    sent, lags = run["sent"], run["lags"]
    elapsed = run["last_commit"] - sent["first"]
    out = {
        "run": name,
        "offered_events_per_s": offered,
        "events": sent["events"],
        "calls": sent["calls"],
        "seconds": round(elapsed, 2),
        "events_per_s": round(sent["events"] / elapsed, 1),
        "steady_events_per_s": sent.get("steady_events_per_s"),
        "lag_p50_ms": round(percentile(lags, 50) * 1000, 1),
        "lag_p99_ms": round(percentile(lags, 99) * 1000, 1),
        "lag_max_ms": round(max(lags) * 1000, 1) if lags else None,
        "lag_mean_ms": round(statistics.fmean(lags) * 1000, 1) if lags else None,
        "transactions": run["batches"],
        "rows_written": run["rows_written"],
    }
    return out


def line(result: dict) -> str:
    steady = result["steady_events_per_s"]
    rate = f"{result['events_per_s']:6.0f} ev/s"
    rate += f" (steady {steady:6.0f})" if steady else " " * 16
    return (f"{result['run']:26} {result['events']:7d} events {result['calls']:6d} calls "
            f"{rate}  lag p50 {result['lag_p50_ms']:8.1f} ms  "
            f"p99 {result['lag_p99_ms']:8.1f} ms  {result['transactions']:6d} transactions  "
            f"rows {result['check']['rows']}/{result['check']['calls']} "
            f"{'ok' if result['check']['ok'] else 'MISMATCH'}")


def phase(url: str, name: str, system: str, rate: float, calls: int, consumer) -> dict:
    clean(url)
    generator = Generator(system, rate, calls)
    try:
        precreate(url, CallFactory(system), calls)
        run = asyncio.run(consumer(url, generator))
    finally:
        generator.close()
    result = summarise(name, run, rate or None)
    result["check"] = check_rows(url, system, calls)
    print(line(result), flush=True)
    return result


# ------------------------------------------------------------------ before and after
def ensure_stack(code: Path, root: Path) -> None:
    """The bench stack of the code at `code`, brought up (by that code) unless it runs."""
    status = subprocess.run([sys.executable, "-m", "stack", "status", "--root", str(root),
                             "--free-ports"],
                            cwd=code, capture_output=True, text=True)
    if status.returncode != 0:
        print(f"bringing up a stack for {code} in {root}", flush=True)
        subprocess.run([sys.executable, "-m", "stack", "up", "--root", str(root), "--free-ports"],
                       cwd=code, check=True, stdout=subprocess.DEVNULL)


def against(args: argparse.Namespace) -> int:
    """REF's benchmark and this one, alternating, each on its own stack: the figures side by
    side. Each runs as `python -m bench.ami_bridge` from its own tree, so each measures its own
    bridge, SQL and migrations."""
    ref = args.against
    tree = Path(tempfile.gettempdir()) / f"bench-ami-tree-{re.sub(r'[^0-9A-Za-z]', '_', ref)}"
    if not tree.exists():
        subprocess.run(["git", "worktree", "add", "--detach", str(tree), ref], cwd=PROJECT,
                       check=True, capture_output=True)
        (tree / "node_modules").symlink_to(PROJECT / "node_modules")
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=tree, check=True,
                            capture_output=True, text=True).stdout.strip()
    sides = {"ref": (tree, Path(args.root + "-ref")), "this": (PROJECT, Path(args.root))}
    for code, root in sides.values():
        ensure_stack(code, root)
    bench_args = ["--rate", str(args.rate), "--seconds", str(args.seconds),
                  "--flood-calls", str(args.flood_calls),
                  "--baseline-seconds", str(args.baseline_seconds),
                  "--batch-size", str(args.batch_size), "--flush-ms", str(args.flush_ms)]
    runs = []
    for round_ in range(args.rounds):
        for side in (("ref", "this") if round_ % 2 == 0 else ("this", "ref")):
            code, root = sides[side]
            print(f"--- round {round_ + 1}, {side} ({ref if side == 'ref' else 'working tree'})",
                  flush=True)
            subprocess.run([sys.executable, "-m", "bench.ami_bridge", "--root", str(root),
                            *bench_args], cwd=code, check=True)
            record = json.loads((code / "bench" / "results" / "ami_bridge.json").read_text())
            runs.append({"round": round_ + 1, "side": side, **record["runs"][-1]})

    def median(side: str, run: str, key: str) -> float | None:
        values = [r[key] for x in runs if x["side"] == side
                  for r in x["results"] if r["run"] == run and r[key] is not None]
        return round(statistics.median(values), 1) if values else None

    summary = {
        run: {side: {key: median(side, run, key)
                     for key in ("steady_events_per_s", "events_per_s", "lag_p50_ms",
                                 "lag_p99_ms")}
              for side in sides}
        for run in ("batched, paced", "batched, flood", "one event per transaction")
    }
    print(f"\nmedians over {args.rounds} rounds: ref = {ref} ({commit}), this = the working tree")
    for run, by_side in summary.items():
        for side, figures in by_side.items():
            print(f"  {run:26} {side:4} " + "  ".join(f"{k} {v}" for k, v in figures.items()))
    AGAINST.write_text(json.dumps({
        "at": datetime.now(UTC).isoformat(timespec="seconds"), "ref": ref, "ref_commit": commit,
        "rounds": args.rounds, "load_avg_1m_end": round(os.getloadavg()[0], 2),
        "target": {"events_per_s": 5000, "lag_p99_ms": 1000}, "medians": summary, "runs": runs,
    }, indent=2) + "\n")
    print(f"written to {AGAINST.relative_to(PROJECT)}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command")
    serve_args = sub.add_parser("serve", help="(internal) the generator process")
    serve_args.add_argument("--system", required=True)
    serve_args.add_argument("--rate", type=float, required=True)
    serve_args.add_argument("--calls", type=int, required=True)
    serve_args.add_argument("--seed", type=int, default=1)
    parser.add_argument("--root", default=str(Path(tempfile.gettempdir()) / "bench-ami"),
                        help="the bench stack's root (python -m stack up --root ...)")
    parser.add_argument("--rate", type=float, default=5000.0, help="offered events/s")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--flood-calls", type=int, default=5000)
    parser.add_argument("--baseline-seconds", type=float, default=4.0)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--flush-ms", type=int, default=200)
    parser.add_argument("--against", metavar="REF",
                        help="also run REF's own benchmark (a git ref), alternating, side by side")
    parser.add_argument("--rounds", type=int, default=2, help="with --against: runs of each")
    args = parser.parse_args(argv)
    if args.command == "serve":
        serve(args)
        return 0
    if args.against:
        return against(args)

    logs.setup("WARNING")
    env_file = Path(args.root) / "stack.env"
    env = dict(ln.split("=", 1) for ln in env_file.read_text().splitlines() if "=" in ln)
    url = env["DATABASE_URL"]  # arranging and checking; the bridge connects as its own role
    bridge_url = env["AMI_BRIDGE_DATABASE_URL"]
    mean = CallFactory("probe").mean_events
    run_id = f"bench{int(time.time()) % 100000}"
    print(f"AMI bridge benchmark: {mean:.1f} events per call on average, "
          f"{os.cpu_count()} CPUs, offered {args.rate:.0f} events/s", flush=True)

    async def batched(_url: str, generator: Generator) -> dict:
        return await run_bridge(bridge_url, generator, batch_size=args.batch_size,
                                flush_ms=args.flush_ms)

    results = [
        phase(url, "batched, paced", f"{run_id}p", args.rate,
              math.ceil(args.rate * args.seconds / mean), batched),
        phase(url, "batched, flood", f"{run_id}f", 0, args.flood_calls, batched),
        phase(url, "one event per transaction", f"{run_id}b", args.rate,
              math.ceil(args.rate * args.baseline_seconds / mean),
              lambda _url, generator: run_per_event(bridge_url, generator)),
    ]
    clean(url)
    record = {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "load_avg_1m": round(os.getloadavg()[0], 2)},
        "settings": {"batch_size": args.batch_size, "flush_delay_ms": args.flush_ms,
                     "offered_events_per_s": args.rate, "paced_seconds": args.seconds,
                     "mean_events_per_call": round(mean, 1), "call_seconds": CALL_SECONDS},
        "target": {"events_per_s": 5000, "lag_p99_ms": 1000},
        "results": results,
    }
    previous = []
    if RESULTS.exists():
        try:
            previous = json.loads(RESULTS.read_text()).get("runs", [])
        except (ValueError, AttributeError):
            previous = []
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"runs": [*previous, record][-5:]}, indent=2) + "\n")
    print(f"written to {RESULTS.relative_to(PROJECT)}")
    return 0 if all(r["check"]["ok"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
