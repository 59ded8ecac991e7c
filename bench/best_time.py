"""Best time to call: live answers per attempt, plain retry delays against best_retry_at.

    .venv/bin/python -m bench.best_time [--seeds 10] [--history-leads 6000] [--leads 4000]
                                        [--root /tmp/bench-best-time] [--keep]

Brings up its own database (PostgreSQL, the platform objects and the migrations; no API) or
reuses the one in --root. Per seed, a new campaign (Monday to Friday, 09:00-21:00 in the lead's
zone, retry delays 1 h, 4 h, 1 day, 6 attempts) and a population of leads with their own
live-answer probability by local hour and weekday:

- Segments by age (birth date), each with an hour profile (retirees answer in the morning,
  working ages at lunch and in the evening); 15 % of leads have no birth date; 30 % of the
  others answer like another age band than their own (age is not destiny); every lead has its
  own level (log-normal, sd 0.4); a weekday factor (Friday lower). 85 % in Europe/Madrid, 15 %
  in Atlantic/Canary (an hour behind). None of this is visible to the database except the
  birth date and the zone.
- History: --history-leads leads called over four weeks with plain retry delays (first call
  at a random callable instant), written to public.calls as the wrap-ups would (answered +
  not_interested / sale for a live answer; no_answer, or answered + voicemail otherwise).
  Then `refresh materialized view concurrently reports.best_time_rates`: the learning is the
  migration's SQL, on that history, in the database.
- Evaluation: --leads new leads of the same population, first call at a random callable
  instant of a later week, then up to 6 attempts until a live answer. "plain": the next call
  at the first callable instant at or after now + the retry delay (what the queue does with
  next_call_at = now + delay); "best": next_call_at = private.best_retry_at(lead, campaign,
  now + delay), computed by the database function itself (batched per round), after the
  unanswered calls of the round are written to public.calls (as rpc/end_call writes the call
  before advance_lead: the function reads the lead's own calls). Both policies
  see the same random draws (common random numbers): attempt k of lead i is a live answer
  when u[i][k] < p_i(local time of the attempt).
  The floor has the capacity to call each lead when it is due (the queue orders by
  next_call_at; a saturated floor would add delays to both policies alike).

A third policy, "oracle", knows each lead's own probabilities and picks its best slot in the
same window: the most any hour-of-day scheduler could get here.
Reports live answers per attempt for each policy, the gain of best over plain per seed, and
its mean with a 95 % confidence interval over seeds (Student t); also leads reached and the
hours to a live answer. Writes bench/results/best_time.json with os.getloadavg().
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import random
import shutil
import statistics
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg

from stack import lifecycle, postgres
from stack.config import PROJECT_DIR, StackConfig

DEFAULT_ROOT = Path("/tmp/bench-best-time")  # noqa: S108 (the bench's own database)
RESULTS = PROJECT_DIR / "bench" / "results" / "best_time.json"

CALLING_START, CALLING_END = 9, 21          # local hours [9, 21)
CALLING_DAYS = (1, 2, 3, 4, 5)              # ISO weekdays
RETRY_DELAYS = (dt.timedelta(hours=1), dt.timedelta(hours=4), dt.timedelta(days=1))
MAX_ATTEMPTS = 6
ZONES = (("Europe/Madrid", 0.85), ("Atlantic/Canary", 0.15))

# P(live answer) by local hour 9..20, per age band (the hidden truth).
PROFILES: dict[str, list[float]] = {
    "age_under_35": [0.10, 0.10, 0.10, 0.11, 0.14, 0.15, 0.11, 0.10, 0.11, 0.14, 0.22, 0.26],
    "age_35_49": [0.12, 0.12, 0.12, 0.13, 0.17, 0.18, 0.13, 0.12, 0.13, 0.16, 0.22, 0.24],
    "age_50_64": [0.18, 0.20, 0.20, 0.20, 0.22, 0.22, 0.20, 0.19, 0.19, 0.20, 0.22, 0.22],
    "age_65_plus": [0.28, 0.32, 0.33, 0.30, 0.24, 0.22, 0.25, 0.26, 0.24, 0.22, 0.18, 0.16],
}
AGE_RANGES = {"age_under_35": (22, 34), "age_35_49": (35, 49), "age_50_64": (50, 64),
              "age_65_plus": (65, 85)}
AGE_SHARES = (("age_under_35", 0.22), ("age_35_49", 0.30), ("age_50_64", 0.26),
              ("age_65_plus", 0.22))
NO_BIRTH_DATE = 0.15
OTHER_PROFILE = 0.30
LEVEL_SD = 0.4
WEEKDAY_FACTOR = {1: 1.05, 2: 1.0, 3: 1.0, 4: 0.97, 5: 0.90, 6: 0.85, 7: 0.80}
# The profiles as above, and with half their hour-to-hour differences (a flatter population).
SCENARIOS = (("profiled", 1.0), ("half_contrast", 0.5))
T95 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306,
       9: 2.262, 10: 2.228, 11: 2.201, 12: 2.179, 14: 2.145, 19: 2.093, 29: 2.045}


def log(message: str) -> None:
    print(message, flush=True)


@dataclass
class Lead:
    id: str
    zone: ZoneInfo
    birth_date: dt.date | None
    profile: list[float]
    level: float
    draws: list[float] = field(default_factory=list)

    def p(self, at: dt.datetime) -> float:
        local = at.astimezone(self.zone)
        return min(0.95, self.profile[local.hour - CALLING_START] * self.level
                   * WEEKDAY_FACTOR[local.isoweekday()])


def flatten(profile: list[float], contrast: float) -> list[float]:
    """The profile with its hour-to-hour differences scaled by `contrast` around its mean."""
    mean = statistics.fmean(profile)
    return [mean + contrast * (p - mean) for p in profile]


def pick(rng: random.Random, weighted: tuple[tuple[str, float], ...]) -> str:
    x, acc = rng.random(), 0.0
    for name, share in weighted:
        acc += share
        if x < acc:
            return name
    return weighted[-1][0]


def make_leads(rng: random.Random, n: int, today: dt.date, contrast: float) -> list[Lead]:
    leads = []
    for _ in range(n):
        band = pick(rng, AGE_SHARES)
        lo, hi = AGE_RANGES[band]
        birth = today - dt.timedelta(days=round(365.25 * rng.uniform(lo, hi + 0.99)))
        own = band if rng.random() >= OTHER_PROFILE else rng.choice(
            [b for b in PROFILES if b != band])
        if rng.random() < NO_BIRTH_DATE:
            birth = None  # type: ignore[assignment]
        level = math.exp(rng.gauss(-LEVEL_SD ** 2 / 2, LEVEL_SD))  # mean 1
        zone = ZoneInfo(pick(rng, ZONES))
        leads.append(Lead(str(uuid.uuid4()), zone, birth, flatten(PROFILES[own], contrast), level,
                          [rng.random() for _ in range(MAX_ATTEMPTS)]))
    return leads


def first_callable(at: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """The first instant at or after `at` inside the calling hours and days in `zone`."""
    local = at.astimezone(zone)
    for day in range(8):
        d = local.date() + dt.timedelta(days=day)
        if d.isoweekday() not in CALLING_DAYS:
            continue
        start = dt.datetime.combine(d, dt.time(CALLING_START), zone)
        end = dt.datetime.combine(d, dt.time(CALLING_END), zone)
        if local < end:
            return max(local, start).astimezone(dt.UTC)
    raise AssertionError("no calling day in a week")


def random_callable(rng: random.Random, week_start: dt.date, days: int,
                    zone: ZoneInfo) -> dt.datetime:
    """A uniform instant inside the calling hours of the `days` days from week_start."""
    while True:
        d = week_start + dt.timedelta(days=rng.randrange(days))
        if d.isoweekday() in CALLING_DAYS:
            seconds = rng.uniform(0, (CALLING_END - CALLING_START) * 3600)
            at = dt.datetime.combine(d, dt.time(CALLING_START), zone)
            return (at + dt.timedelta(seconds=seconds)).astimezone(dt.UTC)


def delay(attempts: int) -> dt.timedelta:
    return RETRY_DELAYS[min(max(attempts, 1), len(RETRY_DELAYS)) - 1]


def oracle_next(lead: Lead, earliest: dt.datetime) -> dt.datetime:
    """The slot a scheduler knowing the lead's own probabilities would pick, in the same window
    as best_retry_at (local hours from the first callable instant to 24 h later; earliest on a
    tie)."""
    first = first_callable(earliest, lead.zone)
    best, best_p = first, lead.p(first)
    hour = first.astimezone(lead.zone).replace(minute=0, second=0, microsecond=0)
    for n in range(1, 25):
        at = first_callable((hour + dt.timedelta(hours=n)).astimezone(dt.UTC), lead.zone)
        if at >= first + dt.timedelta(hours=24):
            break
        if lead.p(at) > best_p:
            best, best_p = at, lead.p(at)
    return best


def write_no_answers(conn: psycopg.Connection, campaign: str,
                     calls: list[tuple[str, dt.datetime]]) -> None:
    """Unanswered calls, wrapped up (no_answer), as public.calls rows."""
    with conn.cursor() as cur, cur.copy(
            "copy public.calls (lead_id, campaign_id, phone_number, started_at, status, outcome,"
            " ended_at, disposition, wrapped_up_at) from stdin") as copy:
        for lead_id, at in calls:
            end = at + dt.timedelta(minutes=1)
            copy.write_row((lead_id, campaign, "+34600000000", at, "ended", "no_answer", end,
                            "no_answer", end))


def run_policy(policy: str, conn: psycopg.Connection, campaign: str, leads: list[Lead],
               starts: list[dt.datetime]) -> dict:
    """Dial every lead until a live answer or MAX_ATTEMPTS, retrying by `policy`: plain,
    best (private.best_retry_at in the database, after writing the unanswered call as
    rpc/end_call would: the function reads the lead's own calls) or oracle (oracle_next)."""
    t_next = list(starts)
    alive = list(range(len(leads)))
    attempts = live = 0
    hours_to_live: list[float] = []
    by_attempt = [0] * MAX_ATTEMPTS
    sql_seconds = 0.0
    for k in range(MAX_ATTEMPTS):
        retry = []
        for i in alive:
            attempts += 1
            if leads[i].draws[k] < leads[i].p(t_next[i]):
                live += 1
                by_attempt[k] += 1
                hours_to_live.append((t_next[i] - starts[i]).total_seconds() / 3600)
            elif k + 1 < MAX_ATTEMPTS:
                retry.append(i)
        if not retry:
            break
        earliest = {i: t_next[i] + delay(k + 1) for i in retry}
        if policy == "plain":
            for i in retry:
                t_next[i] = first_callable(earliest[i], leads[i].zone)
        elif policy == "oracle":
            for i in retry:
                t_next[i] = oracle_next(leads[i], earliest[i])
        else:
            write_no_answers(conn, campaign, [(leads[i].id, t_next[i]) for i in retry])
            started = time.perf_counter()
            rows = conn.execute(
                "select e.i, private.best_retry_at(l, c, e.earliest)"
                " from unnest(%s::uuid[], %s::timestamptz[], %s::integer[])"
                " as e (lead_id, earliest, i)"
                " inner join public.leads as l on l.id = e.lead_id"
                " inner join public.campaigns as c on c.id = l.campaign_id",
                ([leads[i].id for i in retry], [earliest[i] for i in retry], retry)).fetchall()
            sql_seconds += time.perf_counter() - started
            assert len(rows) == len(retry)
            for i, at in rows:
                assert at >= earliest[i], (at, earliest[i])
                # Without learned rates best_retry_at keeps earliest: the queue waits as plain.
                t_next[i] = first_callable(at, leads[i].zone)
        alive = retry
    return {"attempts": attempts, "live_answers": live,
            "live_answers_per_attempt": live / attempts,
            "leads_reached": live / len(leads),
            "live_answers_by_attempt": by_attempt,
            "mean_hours_to_live_answer": statistics.fmean(hours_to_live) if hours_to_live else None,
            "best_retry_at_calls_per_s":
                (attempts - len(leads)) / sql_seconds if sql_seconds else None}


def insert_campaign(conn: psycopg.Connection, seed: int) -> str:
    campaign = str(uuid.uuid5(uuid.NAMESPACE_URL, f"bench-best-time-{seed}-{time.time_ns()}"))
    conn.execute(
        "insert into public.campaigns (id, name, status, calling_hours_start, calling_hours_end,"
        " calling_days, max_attempts, retry_delays) values (%s, %s, 'active', %s, %s, %s, %s, %s)",
        (campaign, f"Bench best time {campaign[:8]}", dt.time(CALLING_START), dt.time(CALLING_END),
         list(CALLING_DAYS), MAX_ATTEMPTS, list(RETRY_DELAYS)))
    return campaign


def insert_leads(conn: psycopg.Connection, campaign: str, leads: list[Lead],
                 created: dt.datetime) -> None:
    with conn.cursor() as cur, cur.copy(
            "copy public.leads (id, campaign_id, first_name, phone, birth_date, time_zone, status,"
            " next_call_at, created_at) from stdin") as copy:
        for n, lead in enumerate(leads):
            copy.write_row((lead.id, campaign, "Bench", f"+3460{n % 10_000_000:07d}",
                            lead.birth_date, lead.zone.key, "new", created, created))


def history(conn: psycopg.Connection, rng: random.Random, campaign: str, n: int,
            week_start: dt.date, today: dt.date, contrast: float) -> int:
    """n leads dialled with plain delays over 4 weeks, written as wrapped-up calls."""
    leads = make_leads(rng, n, today, contrast)
    insert_leads(conn, campaign, leads, dt.datetime.combine(week_start, dt.time(0), dt.UTC))
    calls = []
    for lead in leads:
        at = random_callable(rng, week_start, 21, lead.zone)
        for k in range(MAX_ATTEMPTS):
            if lead.draws[k] < lead.p(at):
                sale = rng.random() < 0.1
                outcome, disposition = "answered", "sale" if sale else "not_interested"
            elif rng.random() < 0.3:
                outcome, disposition = "answered", "voicemail"
            else:
                outcome, disposition = "no_answer", "no_answer"
            calls.append((lead.id, at, outcome, disposition))
            if outcome == "answered" and disposition != "voicemail":
                break
            at = first_callable(at + delay(k + 1), lead.zone)
    with conn.cursor() as cur, cur.copy(
            "copy public.calls (lead_id, campaign_id, phone_number, started_at, status, outcome,"
            " answered_at, ended_at, disposition, wrapped_up_at) from stdin") as copy:
        for lead_id, at, outcome, disposition in calls:
            end = at + dt.timedelta(minutes=1)
            copy.write_row((lead_id, campaign, "+34600000000", at, "ended", outcome,
                            at if outcome == "answered" else None, end, disposition, end))
    return len(calls)


def confidence(values: list[float]) -> dict:
    n = len(values)
    mean = statistics.fmean(values)
    if n < 2:
        return {"mean": mean, "n": n}
    sd = statistics.stdev(values)
    t = T95.get(n - 1) or T95[max(k for k in T95 if k <= n - 1)]
    half = t * sd / math.sqrt(n)
    return {"mean": mean, "sd": sd, "n": n, "ci95": [mean - half, mean + half]}


def scenario(conn: psycopg.Connection, args: argparse.Namespace, contrast: float,
             history_start: dt.date, eval_start: dt.date, today: dt.date) -> dict:
    """Every seed of one population: a campaign, its history, the rates, both policies."""
    seeds = []
    for seed in range(args.seeds):
        rng = random.Random(seed)  # noqa: S311 (a reproducible population)
        campaign = insert_campaign(conn, seed)
        calls = history(conn, rng, campaign, args.history_leads, history_start, today, contrast)
        started = time.perf_counter()
        conn.execute("refresh materialized view concurrently reports.best_time_rates")
        refresh_s = time.perf_counter() - started
        leads = make_leads(rng, args.leads, today, contrast)
        insert_leads(conn, campaign, leads, dt.datetime.combine(eval_start, dt.time(0), dt.UTC))
        starts = [random_callable(rng, eval_start, 5, lead.zone) for lead in leads]
        plain = run_policy("plain", conn, campaign, leads, starts)
        best = run_policy("best", conn, campaign, leads, starts)
        oracle = run_policy("oracle", conn, campaign, leads, starts)
        gain = best["live_answers_per_attempt"] / plain["live_answers_per_attempt"] - 1
        reach = best["leads_reached"] / plain["leads_reached"] - 1
        oracle_gain = oracle["live_answers_per_attempt"] / plain["live_answers_per_attempt"] - 1
        seeds.append({"seed": seed, "history_calls": calls, "refresh_s": round(refresh_s, 3),
                      "plain": plain, "best": best, "oracle": oracle,
                      "gain_oracle_live_answers_per_attempt": oracle_gain,
                      "gain_live_answers_per_attempt": gain, "gain_leads_reached": reach})
        log(f"  seed {seed}: history {calls:,} calls (refresh {refresh_s:.2f} s);"
            f" live answers/attempt plain {plain['live_answers_per_attempt']:.4f}"
            f" best {best['live_answers_per_attempt']:.4f} ({gain:+.1%})"
            f" oracle {oracle['live_answers_per_attempt']:.4f};"
            f" reached {plain['leads_reached']:.3f} -> {best['leads_reached']:.3f} ({reach:+.1%})")
    out: dict = {
        "hour_contrast": contrast,
        "live_answers_per_attempt": {
            p: statistics.fmean(s[p]["live_answers_per_attempt"] for s in seeds)
            for p in ("plain", "best", "oracle")},
        "gain_live_answers_per_attempt": confidence(
            [s["gain_live_answers_per_attempt"] for s in seeds]),
        "gain_leads_reached": confidence([s["gain_leads_reached"] for s in seeds]),
        "gain_oracle_live_answers_per_attempt": confidence(
            [s["gain_oracle_live_answers_per_attempt"] for s in seeds]),
        "mean_hours_to_live_answer": {
            p: statistics.fmean(s[p]["mean_hours_to_live_answer"] for s in seeds)
            for p in ("plain", "best", "oracle")},
        "seeds": seeds,
    }
    g = out["gain_live_answers_per_attempt"]
    ci = (f" (95 % CI {g['ci95'][0]:+.1%} .. {g['ci95'][1]:+.1%}, {g['n']} seeds)"
          if "ci95" in g else "")
    log(f"  gain in live answers per attempt: {g['mean']:+.1%}{ci}")
    return out


def bring_up(root: Path) -> tuple[StackConfig, bool]:
    root.mkdir(parents=True, exist_ok=True)
    root.chmod(0o755)
    config = StackConfig.load_or_create(root, fixed_ports=False)
    try:
        psycopg.connect(config.database_url, connect_timeout=2).close()
        log(f"Reusing the database in {root}")
        return config, False
    except psycopg.OperationalError:
        log(f"Bench database in {root}: PostgreSQL, platform objects, migrations")
        postgres.ensure_cluster(config)
        postgres.start(config)
        lifecycle.apply_platform(config)
        lifecycle.supabase_cli(config, "db", "push", "--yes")
        return config, True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--history-leads", type=int, default=6000)
    parser.add_argument("--leads", type=int, default=4000)
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT)
    parser.add_argument("--keep", action="store_true", help="leave the database up with its data")
    args = parser.parse_args()

    config, started_here = bring_up(args.root)
    today = dt.date.today()
    monday = today - dt.timedelta(days=today.weekday())
    history_start = monday - dt.timedelta(weeks=5)   # four weeks of calls, ending last week
    eval_start = monday + dt.timedelta(weeks=2)
    result: dict = {
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                    "loadavg_before": list(os.getloadavg())},
        "what": "live answers per attempt: plain retry delays vs private.best_retry_at;"
                " learning by reports.best_time_rates (the migration's SQL) on a history"
                " generated in the database; scheduling by the SQL function itself; the"
                " dialling simulated in Python",
        "setup": {"seeds": args.seeds, "history_leads": args.history_leads, "leads": args.leads,
                  "calling_hours": [CALLING_START, CALLING_END], "calling_days": CALLING_DAYS,
                  "retry_delays_h": [d.total_seconds() / 3600 for d in RETRY_DELAYS],
                  "max_attempts": MAX_ATTEMPTS, "zones": ZONES,
                  "profiles_by_local_hour_9_20": PROFILES,
                  "age_shares": AGE_SHARES, "no_birth_date": NO_BIRTH_DATE,
                  "answers_like_another_age_band": OTHER_PROFILE,
                  "lead_level_lognormal_sd": LEVEL_SD,
                  "weekday_factor": WEEKDAY_FACTOR,
                  "capacity": "every lead is called when due (infinite floor)"},
        "scenarios": {},
    }
    try:
        with psycopg.connect(config.database_url, autocommit=True) as conn:
            conn.execute("set jit = off")
            for name, contrast in SCENARIOS:
                log(f"Scenario {name} (hour contrast x{contrast})")
                result["scenarios"][name] = scenario(conn, args, contrast, history_start,
                                                     eval_start, today)
        result["machine"]["loadavg_after"] = list(os.getloadavg())
        RESULTS.write_text(json.dumps(result, indent=2, default=str) + "\n")
        log(f"Written {RESULTS.relative_to(PROJECT_DIR)}")
    finally:
        if started_here and not args.keep:
            postgres.stop(config)
            shutil.rmtree(args.root, ignore_errors=True)


if __name__ == "__main__":
    main()
