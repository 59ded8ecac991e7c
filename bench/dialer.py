"""Pacing benchmark: progressive, VICIdial's ADAPT_HARD_LIMIT and ours, in the same simulator.

    .venv/bin/python -m bench.dialer [--seeds 2] [--hours 8] [--quick]

Every run is workers.dialer.simulate with the same scenario and seed for the three pacers
(common random numbers: the k-th dial meets the same outcome and ring time, the k-th call the
same talk and wrap-up times), so differences are the pacers'. The floor:
- an 8 h shift; talk time lognormal mean 180 s, sd 120 s; wrap-up lognormal mean 30 s, sd 10 s;
- ring to answer lognormal mean 12 s, sd 6 s; no answer after 25 s; busy after 3 s;
- dial outcomes: live answers r (10 %, 30 %, 50 %), answering machines 15 %, busy 10 %, no
  answer the rest; AMD on, ideal in the sweep (catches every machine, never takes a person for
  one: the sweep measures pacing), 2.5 s of analysis before a live answer waits for an agent;
- a live answer must reach an agent within 2 s (the same rule for all three pacers; VICIdial's
  own default would wait 5 s) or it is abandoned;
- abandon target 2.5 %, cap 3 %, at most 3 lines per agent, predictive from 5 agents.
Stress cases at 30 %: a break storm (30 % of the agents pause at once for 15 min at midday), the
live-answer rate jumping by half (30 % -> 45 %) or falling by half (30 % -> 15 %) at midday, a
shift start (30 more agents log in 2 h after the first 20), a realistic AMD (catches 90 % of
machines, takes 1 % of people for machines: those count as abandoned, as Ofcom counts them) and
three days of 8 h shifts (20 agents), where the 24 h windows roll over two shifts.

Windows: `abandon` is the whole run; for an 8 h shift that is also the 24 h window (the floor is
idle the rest of the day); `max_abandon_rate_24h` rolls over the three-day case. `max_1h` is the
worst rolling one-hour window (ending at least an hour in): shown, and checked as an extra
("pass"/"over" in lower case), since no rule sets a one-hour window; the issue's targets are
checked in capitals.
Prints the table and writes bench/results/dialer.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from multiprocessing import Pool
from pathlib import Path
from typing import Any

from bench.vicidial_adapt import VicidialAdaptHardLimit
from workers.dialer.pacing import PacingSettings
from workers.dialer.simulate import SimPacer, run

PROJECT = Path(__file__).resolve().parents[1]
RESULTS = PROJECT / "bench" / "results" / "dialer.json"
AGENTS = (5, 10, 20, 50, 100)
RATES = (0.10, 0.30, 0.50)
PACERS = ("progressive", "vicidial", "ours")
OCCUPANCY_TARGETS = {20: 0.87, 50: 0.92, 100: 0.94}
CAP = 0.03


def scenario(
    agents: int,
    rate: float,
    mode: str,
    seed: int,
    hours: float,
    *,
    later_rate: float | None = None,
    pauses: list[dict[str, float]] | None = None,
    groups: list[dict[str, float]] | None = None,
    amd: dict[str, Any] | None = None,
) -> dict[str, Any]:
    duration = hours * 3600

    def outcomes(at: float, human: float) -> dict[str, float]:
        return {
            "from_s": at,
            "human": human,
            "machine": 0.15,
            "busy": 0.10,
            "no_answer": round(1 - human - 0.25, 6),
        }

    dial = [outcomes(0, rate)]
    if later_rate is not None:
        dial.append(outcomes(duration / 2, later_rate))
    return {
        "seed": seed,
        "duration_s": duration,
        "mode": mode,
        "abandon_target": 0.025,
        "agents": groups or [{"count": agents, "from_s": 0, "to_s": duration}],
        "pauses": pauses or [],
        "dial_outcomes": dial,
        "ring_to_answer_s": {"dist": "lognormal", "mean": 12, "sd": 6},
        "talk_s": {"dist": "lognormal", "mean": 180, "sd": 120},
        "wrap_s": {"dist": "lognormal", "mean": 30, "sd": 10},
        "no_answer_timeout_s": 25,
        "amd": amd or {"enabled": True, "detect_machine": 1.0, "false_positive": 0.0},
        "connect_within_s": 2,
    }


def factory(pacer: str) -> Callable[[PacingSettings], SimPacer] | None:
    return VicidialAdaptHardLimit if pacer == "vicidial" else None


def one(job: tuple[str, str, dict[str, Any]]) -> dict[str, Any]:
    label, pacer, sc = job
    if pacer == "progressive":
        sc = {**sc, "mode": "progressive"}
    started = time.perf_counter()
    outcome = run(sc, factory(pacer))
    seconds = time.perf_counter() - started
    res = outcome.result
    return {
        "case": label,
        "pacer": pacer,
        "seed": sc["seed"],
        "occupancy": res["occupancy"],
        "abandon_rate": res["abandon_rate"],
        "max_abandon_rate_24h": res["max_abandon_rate_24h"],
        "max_abandon_rate_1h": round(
            outcome.trace.max_window_rate(3600.0, sc["duration_s"]) or 0.0, 5
        ),
        "human_answers": res["human_answers"],
        "abandoned": res["abandoned"],
        "calls_placed": res["calls_placed"],
        "calls_per_agent_hour": res["calls_per_agent_hour"],
        "mean_wait_s": res["mean_wait_s"],
        "fallbacks": len(res["fallbacks"]),
        "fallback_reasons": sorted({str(f["reason"]) for f in res["fallbacks"]}),
        "modes": outcome.trace.modes,
        "sim_seconds": round(seconds, 2),
    }


def stress_cases(hours: float, seed: int) -> list[tuple[str, dict[str, Any]]]:
    mid = hours * 3600 / 2
    end = hours * 3600
    return [
        (
            "break storm, 50 agents",
            scenario(
                50,
                0.3,
                "predictive",
                seed,
                hours,
                pauses=[{"at_s": mid, "fraction": 0.3, "duration_s": 900}],
            ),
        ),
        (
            "break storm, 20 agents",
            scenario(
                20,
                0.3,
                "predictive",
                seed,
                hours,
                pauses=[{"at_s": mid, "fraction": 0.3, "duration_s": 900}],
            ),
        ),
        (
            "rate jumps 30->45%, 50 agents",
            scenario(50, 0.3, "predictive", seed, hours, later_rate=0.45),
        ),
        (
            "rate jumps 30->45%, 20 agents",
            scenario(20, 0.3, "predictive", seed, hours, later_rate=0.45),
        ),
        (
            "rate falls 30->15%, 50 agents",
            scenario(50, 0.3, "predictive", seed, hours, later_rate=0.15),
        ),
        (
            "shift start, 20 then 50 agents",
            scenario(
                50,
                0.3,
                "predictive",
                seed,
                hours,
                groups=[
                    {"count": 20, "from_s": 0, "to_s": end},
                    {"count": 30, "from_s": 7200, "to_s": end},
                ],
            ),
        ),
        (
            "AMD 90% / 1% false positives, 50 agents",
            scenario(
                50,
                0.3,
                "predictive",
                seed,
                hours,
                amd={"enabled": True, "detect_machine": 0.9, "false_positive": 0.01},
            ),
        ),
        (
            "three days, 20 agents, 8 h shifts",
            scenario(
                20,
                0.3,
                "predictive",
                seed,
                72,
                groups=[
                    {"count": 20, "from_s": day * 86400, "to_s": day * 86400 + hours * 3600}
                    for day in range(3)
                ],
            ),
        ),
    ]


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Seeds folded: mean occupancy and rates, worst windows."""
    n = len(rows)
    return {
        "occupancy": round(sum(r["occupancy"] for r in rows) / n, 4),
        "occupancy_min": min(r["occupancy"] for r in rows),
        "abandon_rate": round(sum(r["abandon_rate"] for r in rows) / n, 5),
        "max_abandon_rate_24h": max(r["max_abandon_rate_24h"] for r in rows),
        "max_abandon_rate_1h": max(r["max_abandon_rate_1h"] for r in rows),
        "abandoned": sum(r["abandoned"] for r in rows),
        "human_answers": sum(r["human_answers"] for r in rows),
        "calls_per_agent_hour": round(sum(r["calls_per_agent_hour"] for r in rows) / n, 2),
        "mean_wait_s": round(sum(r["mean_wait_s"] for r in rows) / n, 2),
        "fallbacks": sum(r["fallbacks"] for r in rows),
        "fallback_reasons": sorted({x for r in rows for x in r["fallback_reasons"]}),
        "sim_seconds": round(sum(r["sim_seconds"] for r in rows) / n, 2),
        "runs": n,
    }


def check_targets(
    table: dict[tuple[str, str], dict[str, Any]], stress_labels: list[str]
) -> list[dict[str, Any]]:
    checks = []

    def add(name: str, ok: bool, value: Any, extra: bool = False) -> None:
        # extra: measured and shown, but beyond the targets (1 h is no legal window)
        checks.append({"target": name, "ok": bool(ok), "value": value, "extra": extra})

    for n, goal in OCCUPANCY_TARGETS.items():
        s = table[(f"{n} agents, 30%", "ours")]
        add(
            f"ours, {n} agents at 30%: occupancy >= {goal:.0%}",
            s["occupancy"] >= goal,
            s["occupancy"],
        )
    for n in AGENTS:
        s = table[(f"{n} agents, 30%", "ours")]
        add(
            f"ours, {n} agents at 30%: abandonment <= 3% (24 h window)",
            s["max_abandon_rate_24h"] <= CAP,
            s["max_abandon_rate_24h"],
        )
        add(
            f"ours, {n} agents at 30%: abandonment <= 3% (every 1 h window)",
            s["max_abandon_rate_1h"] <= CAP,
            s["max_abandon_rate_1h"],
            extra=True,
        )
    s = table[("20 agents, 30%", "progressive")]
    worst = min(table[(f"{n} agents, 30%", "progressive")]["occupancy"] for n in AGENTS)
    abandons = sum(table[(f"{n} agents, 30%", "progressive")]["abandoned"] for n in AGENTS)
    add("progressive at 30%: occupancy >= 75% (every floor size)", worst >= 0.75, worst)
    add("progressive at 30%: zero abandons", abandons == 0, abandons)
    for n in (10, 20):
        ours = table[(f"{n} agents, 30%", "ours")]["occupancy"]
        vici = table[(f"{n} agents, 30%", "vicidial")]["occupancy"]
        add(
            f"ours >= VICIdial + 4 points at {n} agents (30%)",
            ours - vici >= 0.04,
            round(ours - vici, 4),
        )
    for case in stress_labels:
        s = table[(case, "ours")]
        add(
            f"ours, stress '{case}': abandonment <= 3% (24 h windows)",
            s["max_abandon_rate_24h"] <= CAP,
            s["max_abandon_rate_24h"],
        )
    for rate in RATES:
        s = table[(f"5 agents, {rate:.0%}", "ours")]
        add(
            f"ours, 5 agents at {rate:.0%}: at or below the cap (24 h)",
            s["max_abandon_rate_24h"] <= CAP,
            s["max_abandon_rate_24h"],
        )
    return checks


def fmt_row(case: str, pacer: str, s: dict[str, Any]) -> str:
    reasons = ",".join(s["fallback_reasons"]) or "-"
    return (
        f"{case:<42} {pacer:<11} {s['occupancy']:>6.1%} {s['abandon_rate']:>7.2%} "
        f"{s['max_abandon_rate_1h']:>7.2%} {s['abandoned']:>6d}/{s['human_answers']:<6d} "
        f"{s['calls_per_agent_hour']:>6.1f} {s['mean_wait_s']:>6.1f} {s['fallbacks']:>4d} {reasons}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=2, help="seeds per case (1, 2, ...)")
    parser.add_argument("--hours", type=float, default=8.0)
    parser.add_argument("--quick", action="store_true", help="30% only, no stress cases")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    seeds = list(range(1, args.seeds + 1))
    jobs: list[tuple[str, str, dict[str, Any]]] = []
    rates = (0.30,) if args.quick else RATES
    for n in AGENTS:
        for rate in rates:
            for seed in seeds:
                sc = scenario(n, rate, "predictive", seed, args.hours)
                jobs += [(f"{n} agents, {rate:.0%}", p, sc) for p in PACERS]
    stress_labels = []
    if not args.quick:
        for seed in seeds:
            for label, sc in stress_cases(args.hours, seed):
                jobs += [(label, p, sc) for p in PACERS]
                if label not in stress_labels:
                    stress_labels.append(label)
    # the biggest floors first, so two workers finish together
    order = sorted(range(len(jobs)), key=lambda i: -sum(g["count"] for g in jobs[i][2]["agents"]))
    load_before = os.getloadavg()
    started = time.perf_counter()
    with Pool(processes=min(2, os.cpu_count() or 1)) as pool:
        done = pool.map(one, [jobs[i] for i in order], chunksize=1)
    wall = time.perf_counter() - started
    load_after = os.getloadavg()

    grouped: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in done:
        grouped.setdefault((row["case"], row["pacer"]), []).append(row)
    table = {key: summarise(rows) for key, rows in grouped.items()}

    header = (
        f"{'case':<42} {'pacer':<11} {'occup':>6} {'aband':>7} {'max1h':>7} "
        f"{'aband/live':>13} {'c/a-h':>6} {'wait':>6} {'fb':>4} reasons"
    )
    lines = [header, "-" * len(header)]
    cases = [f"{n} agents, {r:.0%}" for r in rates for n in AGENTS] + stress_labels
    for case in cases:
        for pacer in PACERS:
            if (case, pacer) in table:
                lines.append(fmt_row(case, pacer, table[(case, pacer)]))
        lines.append("")
    checks = [] if args.quick else check_targets(table, stress_labels)
    for c in checks:
        verdict = ("pass" if c["ok"] else "over") if c["extra"] else ("PASS" if c["ok"] else "FAIL")
        lines.append(f"{verdict}  {c['target']}: {c['value']}")
    lines.append(
        f"{len(jobs)} runs of {args.hours:g} simulated hours in {wall:.1f} s wall "
        f"(2 processes; load {load_before[0]:.2f} before, {load_after[0]:.2f} after)"
    )
    print("\n".join(lines))

    record = {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_avg_before": [round(x, 2) for x in load_before],
            "load_avg_after": [round(x, 2) for x in load_after],
        },
        "settings": {
            "hours": args.hours,
            "seeds": seeds,
            "talk_s": {"dist": "lognormal", "mean": 180, "sd": 120},
            "wrap_s": {"dist": "lognormal", "mean": 30, "sd": 10},
            "ring_to_answer_s": {"dist": "lognormal", "mean": 12, "sd": 6},
            "no_answer_timeout_s": 25,
            "outcomes": "live answer r, machine 0.15, busy 0.10, no answer the rest",
            "amd": "ideal in the sweep (detect 1.0, false positives 0); 2.5 s analysis",
            "connect_within_s": 2,
            "abandon_target": 0.025,
            "abandon_cap": CAP,
            "vicidial": "ADAPT_HARD_LIMIT, drop 3%, max level 3.0, intensity 0, "
            "available-only tally, 15 s level updates, 2.5 s dial loop, same 2 s drop rule",
        },
        "wall_seconds": round(wall, 1),
        "table": [
            {"case": case, "pacer": pacer, **table[(case, pacer)]}
            for case in cases
            for pacer in PACERS
            if (case, pacer) in table
        ],
        "targets": checks,
        "runs": sorted(done, key=lambda r: (r["case"], r["pacer"], r["seed"])),
    }
    args.out.write_text(json.dumps(record, indent=2) + "\n")
    return 0 if all(c["ok"] or c["extra"] for c in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
