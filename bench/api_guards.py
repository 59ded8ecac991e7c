"""What the API's guards cost an agent: per-session rate limits and the ended-session check.

    .venv/bin/python -m bench.api_guards [--leads 50000 --agents 200 --calls 100000]
                                         [--seconds 6] [--rounds 3] [--keep]

Issue 12 added two guards on every request: the gateway's per-session rate limit (nginx
limit_req, item 3) and PostgREST's pre-request check that the token's session still
exists (guard.check_request, item 11). This bench runs an agent's normal requests through
four gateways side by side, on one stack and one data set:

  on          rate limits + session check      (what the stack runs)
  no_limits   session check only
  no_session  rate limits only                 (a second PostgREST without db-pre-request)
  off         neither

The four are one nginx with four servers and two PostgRESTs (the stack's own, which reads
the pre-request from the database, and one started here with PGRST_DB_CONFIG=false). The
requests are the agent's: ping (PostgREST's floor), "my leads" as the webphone's list asks for
it, and rpc/next_lead, each request as the next of the bench's agents (their tokens carry
live sessions). The lines alternate (round 1: on, no_limits, no_session, off; round 2 ...)
so that the shared machine's load falls on all four alike, and each figure is the median of
the rounds. Two measures:

  saturated   16 connections: req/s, the server's cost per request
  one agent   1 connection: mean latency, what an agent waits for (no queueing)

The target (issue 12, item 3): the rate limits do not slow an agent's work by more than 5 %
(one-agent latency of ping + my leads + next_lead, "on" against "no_limits"); the session
check's cost is reported beside it ("no_limits" against "off"). The rates are far above an
agent's pace, so no request is refused here (the bench checks it: a 429 is an error).
Results in bench/results/api_guards.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import urllib.request
from pathlib import Path

from bench import wrk
from bench.crm_api import (
    Scenario,
    Sizes,
    _pid,
    bring_up,
    check_answers,
    connect,
    ensure_dataset,
    loadavg,
    log,
    open_sessions,
    process_tree_cpu_ms,
    run_wrk,
    scenarios,
    tear_down,
    wait_for_schema_cache,
)
from stack import gateway, postgrest, processes
from stack.config import PROJECT_DIR, StackConfig, free_port

DEFAULT_ROOT = Path("/tmp/bench-guards")  # noqa: S108 (the bench's own stack)
RESULTS = PROJECT_DIR / "bench" / "results" / "api_guards.json"
TARGET_SLOWDOWN = 0.05
VARIANTS = ("on", "no_limits", "no_session", "off")
SCENARIOS = ("ping", "my_leads_list", "next_lead")


def start_plain_postgrest(config: StackConfig, run_dir: Path) -> int:
    """A second PostgREST, the stack's settings but not the database's: no db-pre-request."""
    port, admin = free_port(), free_port()
    env = {**postgrest.settings(config), "PGRST_DB_CONFIG": "false",
           "PGRST_SERVER_PORT": str(port), "PGRST_ADMIN_SERVER_PORT": str(admin)}
    processes.start("postgrest", [str(postgrest.BINARY)], run_dir=run_dir, log_dir=run_dir,
                    env=env)

    def ready() -> bool:
        with urllib.request.urlopen(f"http://127.0.0.1:{admin}/ready", timeout=1) as r:
            return bool(r.status == 200)

    processes.wait_for(ready, what="the bench's PostgREST", log=run_dir / "postgrest.log")
    return port


def start_gateways(config: StackConfig, run_dir: Path, plain_rest: int) -> dict[str, int]:
    """One nginx, four servers: limits on/off x session check on/off."""
    ports = {v: free_port() for v in VARIANTS}
    rest = {"on": config.rest_port, "no_limits": config.rest_port,
            "no_session": plain_rest, "off": plain_rest}
    servers = "".join(
        gateway.render_server(config, port=ports[v], rest_port=rest[v],
                              limits=None if v in ("no_limits", "off") else gateway.LIMITS)
        for v in VARIANTS)
    prefix = run_dir / "gateway"
    for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (prefix / "tmp" / sub).mkdir(parents=True, exist_ok=True)
    conf = prefix / "nginx.conf"
    conf.write_text(gateway.render(config, servers=servers,
                                   rest_ports=(config.rest_port, plain_rest), prefix=prefix,
                                   run_dir=run_dir, log_dir=run_dir))
    subprocess.run([gateway.NGINX, "-p", str(prefix), "-c", str(conf)], check=True)
    return ports


def nginx_cpu_ms(run_dir: Path) -> float:
    """CPU time of the bench's nginx (master and workers) so far: the rate limits' own cost
    is nginx's work, steadier to read per request than req/s on a shared machine."""
    return process_tree_cpu_ms({"nginx": _pid(run_dir / "gateway.pid")})["nginx"]


def stop_extras(run_dir: Path) -> None:
    processes.stop(run_dir / "gateway.pid")
    processes.stop(run_dir / "postgrest.pid")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.api_guards", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--leads", type=int, default=50_000)
    parser.add_argument("--agents", type=int, default=200)
    parser.add_argument("--calls", type=int, default=100_000)
    parser.add_argument("--campaigns", type=int, default=4)
    parser.add_argument("--seconds", type=int, default=6, help="per line")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--results", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    sizes = Sizes(args.leads, args.agents, args.calls, max(1, min(args.campaigns, args.agents)))

    log(f"Bench stack in {args.root}")
    config = bring_up(args.root)
    run_dir = config.root / "bench-guards"
    run_dir.mkdir(parents=True, exist_ok=True)
    try:
        config, _info = ensure_dataset(config, sizes, fresh=False)
        plain_rest = start_plain_postgrest(config, run_dir)
        ports = start_gateways(config, run_dir, plain_rest)
        return measure(config, args, ports, run_dir)
    finally:
        stop_extras(run_dir)
        if args.keep:
            log(f"Stack left up (--keep): python -m stack down --root {config.root}")
        else:
            tear_down(config, remove=True)


def measure(config: StackConfig, args: argparse.Namespace, ports: dict[str, int],
            run_dir: Path) -> int:
    with connect(config) as conn:
        agents = [dict(zip(("idx", "id", "campaign_id", "email", "claims"), row, strict=True))
                  for row in conn.execute(
                      "select idx, id, campaign_id, email, claims from bench.agents order by idx")]
        open_sessions(conn, agents)
    by_key: dict[str, Scenario] = {s.key: s for s in scenarios(config, agents)}
    wait_for_schema_cache(config, by_key["ping"])
    bases = {v: f"http://127.0.0.1:{p}/rest/v1" for v, p in ports.items()}
    for base in bases.values():
        check_answers(base, by_key, agents)
    log("Answers checked through the four gateways")

    load_before = loadavg()
    log(f"Load average before: {load_before} ({os.cpu_count()} CPUs); "
        f"{args.rounds} rounds, {args.seconds} s a line")
    saturated: dict[str, dict[str, list[wrk.Result]]] = {
        s: {v: [] for v in VARIANTS} for s in SCENARIOS}
    single: dict[str, dict[str, list[wrk.Result]]] = {
        s: {v: [] for v in VARIANTS} for s in SCENARIOS}
    nginx_us: dict[str, dict[str, list[float]]] = {
        s: {v: [] for v in VARIANTS} for s in SCENARIOS}
    loads = []
    for round_no in range(1, args.rounds + 1):
        loads.append(loadavg()[0])
        log(f"-- round {round_no} (1-min load {loads[-1]:.2f})")
        for key in SCENARIOS:
            for variant in VARIANTS:
                before = nginx_cpu_ms(run_dir)
                r = run_wrk(f"{key} {variant}", bases[variant], by_key[key],
                            seconds=args.seconds, connections=args.connections)
                nginx_us[key][variant].append(
                    1000 * (nginx_cpu_ms(run_dir) - before) / max(1, r.requests))
                one = run_wrk(f"{key} {variant} @1", bases[variant], by_key[key],
                              seconds=max(2, args.seconds // 2), connections=1, threads=1)
                saturated[key][variant].append(r)
                single[key][variant].append(one)
                log(f"   {r.line()}")
                log(f"   {one.line()}")
    load_after = loadavg()

    def mean_ms(r: wrk.Result) -> float:
        # One connection, back to back: the mean time of a request is the run over its count.
        return 1000 / r.rps if r.rps else float("inf")

    table: dict[str, dict] = {}
    errors = 0
    for key in SCENARIOS:
        table[key] = {}
        for variant in VARIANTS:
            runs, ones = saturated[key][variant], single[key][variant]
            errors += sum(r.errors for r in runs + ones)
            table[key][variant] = {
                "rps": round(statistics.median(r.rps for r in runs), 1),
                "p50_ms": round(statistics.median(r.p50_ms for r in runs), 3),
                "p99_ms": round(statistics.median(r.p99_ms for r in runs), 3),
                "one_agent_ms": round(statistics.median(mean_ms(r) for r in ones), 3),
                "nginx_cpu_us_per_request": round(statistics.median(nginx_us[key][variant]), 1),
            }

    def cost(key: str, measure: str, guarded: str, plain: str) -> float:
        a, b = table[key][guarded][measure], table[key][plain][measure]
        return (b / a - 1) if measure == "rps" else (a / b - 1)

    log()
    log(f"Load average after: {load_after}")
    log(f"{'request':16} {'variant':11} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'1 agent ms':>10} {'nginx us/req':>12}")
    for key in SCENARIOS:
        for variant in VARIANTS:
            t = table[key][variant]
            log(f"{key:16} {variant:11} {t['rps']:8.0f} {t['p50_ms']:8.2f} {t['p99_ms']:8.2f} "
                f"{t['one_agent_ms']:10.3f} {t['nginx_cpu_us_per_request']:12.1f}")
    costs = {}
    log()
    log("Cost (positive = slower), guarded against unguarded, saturated req/s | one agent:")
    for key in SCENARIOS:
        costs[key] = {
            "rate_limits": {m: round(cost(key, m, "on", "no_limits"), 4)
                            for m in ("rps", "one_agent_ms")},
            "session_check": {m: round(cost(key, m, "no_limits", "off"), 4)
                              for m in ("rps", "one_agent_ms")},
            "both": {m: round(cost(key, m, "on", "off"), 4) for m in ("rps", "one_agent_ms")},
        }
        log(f"  {key:16} " + "   ".join(
            f"{name} {c['rps']:+.1%} | {c['one_agent_ms']:+.1%}"
            for name, c in costs[key].items()))
    # An agent's work: the three requests, each once, one after the other, one agent.
    work = {v: sum(table[k][v]["one_agent_ms"] for k in SCENARIOS) for v in VARIANTS}
    slowdown = {
        "rate_limits": work["on"] / work["no_limits"] - 1,
        "session_check": work["no_limits"] / work["off"] - 1,
        "both": work["on"] / work["off"] - 1,
    }
    passed = slowdown["rate_limits"] <= TARGET_SLOWDOWN and errors == 0
    log()
    log("An agent's work (ping + my leads + next_lead, one agent, ms): " + ", ".join(
        f"{v} {work[v]:.3f}" for v in VARIANTS))
    log(f"{'PASS' if passed else 'FAIL'}  rate limits slow it by {slowdown['rate_limits']:+.1%} "
        f"(wanted at most +{TARGET_SLOWDOWN:.0%}); errors (429 included) {errors}")
    log(f"      the session check costs {slowdown['session_check']:+.1%}, both "
        f"{slowdown['both']:+.1%}")
    # The limits' own work, read from nginx's CPU time: the figure the latencies above bury
    # in the machine's noise.
    nginx = {k: {v: table[k][v]["nginx_cpu_us_per_request"] for v in VARIANTS} for k in SCENARIOS}
    limit_us = statistics.median(nginx[k]["on"] - nginx[k]["no_limits"] for k in SCENARIOS)
    log(f"      nginx CPU per request, limits on minus off (median over the requests): "
        f"{limit_us:+.1f} us, {limit_us / 1000 / (work['no_limits'] / len(SCENARIOS)):+.2%} of an "
        "agent's mean request")

    record = {
        "benchmark": "api_guards",
        "issue": 12,
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "loadavg_before": load_before,
                    "loadavg_after": load_after, "loadavg_1min_at_round_start": loads,
                    "note": "shared 2-core machine: other sessions' tests may run beside"},
        "limits": {k: v for k, v in vars(gateway.LIMITS).items()},
        "load": {"tool": "wrk, one agent per request, rotating", "agents": len(agents),
                 "connections": args.connections, "seconds": args.seconds,
                 "rounds": args.rounds, "figure": "median of the rounds"},
        "variants": {"on": "rate limits + session check", "no_limits": "session check only",
                     "no_session": "rate limits only", "off": "neither"},
        "table": table,
        "costs": costs,
        "agent_work_ms": {v: round(work[v], 3) for v in VARIANTS},
        "agent_work_slowdown": {k: round(v, 4) for k, v in slowdown.items()},
        "rate_limits_nginx_cpu_us_per_request": round(limit_us, 1),
        "target": {"rate_limits_slowdown_at_most": TARGET_SLOWDOWN},
        "errors": errors,
        "pass": passed,
    }
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps(record, indent=2) + "\n")
    log(f"Written {args.results}")
    return 0 if passed else 1


if __name__ == "__main__":
    raise SystemExit(main())
