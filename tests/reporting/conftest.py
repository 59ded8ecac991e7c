"""A fixed, known data set for the reports, and the reporting worker as a process.

The data set lives in two campaigns of its own, on a day D of next month (so the seed's last 30
days are untouched): "Informe A" (Europe/Madrid, run by supervisor1, agents agent1 and agent2)
and "Informe B" (America/Mexico_City, run by supervisor2, agent agent6). Times below are local
to the campaign; the expected figures in test_report_figures.py are worked out by hand from them.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
import pytest

from stack.config import PROJECT_DIR, StackConfig
from tests.support.worker_process import worker_module

ADMIN = "00000000-0000-4000-a000-000000000001"
SUPERVISOR1 = "00000000-0000-4000-a000-000000000011"
SUPERVISOR2 = "00000000-0000-4000-a000-000000000012"
AGENT1 = "00000000-0000-4000-a000-000000000101"
AGENT2 = "00000000-0000-4000-a000-000000000102"
AGENT6 = "00000000-0000-4000-a000-000000000106"
CAMPAIGN_A = "7e500000-0000-4000-8000-00000000000a"
CAMPAIGN_B = "7e500000-0000-4000-8000-00000000000b"
PRODUCT_A = "7e500000-0000-4000-9000-00000000000a"  # RPT-A, 20.00 EUR monthly
PRODUCT_B = "7e500000-0000-4000-9000-00000000000b"  # RPT-B, 100.00 EUR yearly
PRODUCT_C = "7e500000-0000-4000-9000-00000000000c"  # RPT-C, 300.00 MXN quarterly
LEAD_A1 = "7e500000-0000-4000-a000-0000000000a1"
LEAD_A2 = "7e500000-0000-4000-a000-0000000000a2"
LEAD_B6 = "7e500000-0000-4000-a000-0000000000b6"
TZ = {CAMPAIGN_A: "Europe/Madrid", CAMPAIGN_B: "America/Mexico_City"}
LEAD_OF = {(CAMPAIGN_A, AGENT1): LEAD_A1, (CAMPAIGN_A, AGENT2): LEAD_A2,
           (CAMPAIGN_B, AGENT6): LEAD_B6}

# (n, campaign, agent, day offset from D, local time, outcome, ring s, talk s, wrap-up s,
#  disposition). outcome None: a call still ringing (not ended, no times).
CALLS = [
    (1, CAMPAIGN_A, AGENT1, 0, "09:00", "answered", 10, 120, 30, "sale"),
    (2, CAMPAIGN_A, AGENT1, 0, "09:10", "answered", 5, 60, 20, "not_interested"),
    (3, CAMPAIGN_A, AGENT1, 0, "09:15", "answered", 4, 90, 15, "already_insured"),
    (4, CAMPAIGN_A, AGENT1, 0, "09:20", "no_answer", 30, 0, 10, "no_answer"),
    (5, CAMPAIGN_A, AGENT1, 0, "09:30", "answered", 8, 15, 5, "voicemail"),
    (6, CAMPAIGN_A, AGENT2, 0, "10:00", "answered", 12, 300, 40, "callback"),
    (7, CAMPAIGN_A, AGENT2, 0, "10:30", "busy", 2, 0, 8, "busy"),
    (8, CAMPAIGN_A, AGENT2, 1, "00:30", "answered", 6, 40, 10, "already_insured"),
    (9, CAMPAIGN_B, AGENT6, 0, "18:30", "answered", 9, 200, 25, "sale"),
    (10, CAMPAIGN_B, AGENT6, 0, "19:00", "no_answer", 25, 0, 5, "no_answer"),
    (11, CAMPAIGN_A, AGENT1, 0, "11:00", None, None, None, None, None),
]

# (n, campaign, agent, product, premium, frequency, status, local time on D, call n)
SALES = [
    (1, CAMPAIGN_A, AGENT1, PRODUCT_A, "20.00", "monthly", "validated", "09:05", 1),
    (2, CAMPAIGN_A, AGENT2, PRODUCT_B, "100.00", "yearly", "pending", "10:10", 6),
    (3, CAMPAIGN_A, AGENT1, PRODUCT_A, "25.00", "monthly", "rejected", "09:40", None),
    (4, CAMPAIGN_B, AGENT6, PRODUCT_C, "300.00", "quarterly", "validated", "18:40", 9),
    (5, CAMPAIGN_A, AGENT1, PRODUCT_A, "22.00", "monthly", "cancelled", "09:50", None),
]

VIEWS = ("agent_daily_stats", "sales_daily_stats", "hourly_stats")


def call_id(n: int) -> str:
    return f"7e500000-0000-4000-c000-{n:012d}"


def sale_id(n: int) -> str:
    return f"7e500000-0000-4000-d000-{n:012d}"


def local(day: date, hhmm: str, tz: str) -> datetime:
    hour, minute = map(int, hhmm.split(":"))
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo(tz))


@dataclass(frozen=True)
class Dataset:
    day: date  # D

    def plus(self, days: int) -> date:
        return self.day + timedelta(days=days)


def refresh_all(conn: psycopg.Connection) -> None:
    for view in VIEWS:
        row = conn.execute("select refreshed from reports.refresh_view(%s)", (view,)).fetchone()
        assert row[0], f"{view} is being refreshed by someone else"


def insert_call(conn: psycopg.Connection, n: int, campaign: str, agent: str, day: date,
                hhmm: str, outcome: str | None, ring: int | None, talk: int | None,
                wrap: int | None, disposition: str | None) -> None:
    started = local(day, hhmm, TZ[campaign])
    if outcome is None:
        values = dict(status="ringing", outcome=None, answered_at=None, ended_at=None,
                      wrapped_up_at=None, duration=None)
    else:
        ended = started + timedelta(seconds=ring + talk)
        values = dict(status="ended", outcome=outcome,
                      answered_at=started + timedelta(seconds=ring)
                      if outcome == "answered" else None,
                      ended_at=ended, wrapped_up_at=ended + timedelta(seconds=wrap),
                      duration=ring + talk)
    conn.execute("""
        insert into public.calls (id, started_at, lead_id, campaign_id, agent_id, phone_number,
          status, outcome, answered_at, ended_at, ring_seconds, talk_seconds, duration_seconds,
          disposition, wrapped_up_at)
        select %(id)s, %(started)s, l.id, l.campaign_id, %(agent)s, l.phone, %(status)s,
          %(outcome)s, %(answered_at)s, %(ended_at)s, %(ring)s, %(talk)s, %(duration)s,
          %(disposition)s, %(wrapped_up_at)s
        from public.leads as l where l.id = %(lead)s""",
                 {"id": call_id(n), "started": started, "agent": agent, "ring": ring,
                  "talk": talk, "disposition": disposition, "lead": LEAD_OF[(campaign, agent)],
                  **values})


@pytest.fixture(scope="package")
def dataset(stack: StackConfig) -> Iterator[Dataset]:
    """Built once for tests/reporting and removed after its last test, so that the other
    suites sharing the session's stack never see these campaigns."""
    with psycopg.connect(stack.database_url, autocommit=True) as conn:
        today = conn.execute("select current_date").fetchone()[0]
        next_month = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
        d = next_month + timedelta(days=9)
        with conn.transaction():
            conn.execute("""
                insert into public.campaigns (id, name, status, default_time_zone, calling_days)
                values (%s, 'Informe A', 'active', 'Europe/Madrid', '{1,2,3,4,5,6,7}'),
                       (%s, 'Informe B', 'active', 'America/Mexico_City', '{1,2,3,4,5,6,7}')""",
                         (CAMPAIGN_A, CAMPAIGN_B))
            conn.execute("""
                insert into public.campaign_members (campaign_id, user_id, member_role) values
                (%(a)s, %(s1)s, 'supervisor'), (%(a)s, %(a1)s, 'agent'), (%(a)s, %(a2)s, 'agent'),
                (%(b)s, %(s2)s, 'supervisor'), (%(b)s, %(a6)s, 'agent')""",
                         {"a": CAMPAIGN_A, "b": CAMPAIGN_B, "s1": SUPERVISOR1, "s2": SUPERVISOR2,
                          "a1": AGENT1, "a2": AGENT2, "a6": AGENT6})
            conn.execute("""
                insert into public.products (id, code, name, insurance_line, premium,
                  payment_frequency, currency) values
                (%s, 'RPT-A', 'Informe Vida', 'life', 20.00, 'monthly', 'EUR'),
                (%s, 'RPT-B', 'Informe Hogar', 'home', 100.00, 'yearly', 'EUR'),
                (%s, 'RPT-C', 'Informe Salud', 'health', 300.00, 'quarterly', 'MXN')""",
                         (PRODUCT_A, PRODUCT_B, PRODUCT_C))
            conn.execute("""
                insert into public.campaign_products (campaign_id, product_id)
                values (%s, %s), (%s, %s), (%s, %s)""",
                         (CAMPAIGN_A, PRODUCT_A, CAMPAIGN_A, PRODUCT_B, CAMPAIGN_B, PRODUCT_C))
            for (campaign, agent), lead in LEAD_OF.items():
                conn.execute("""
                    insert into public.leads (id, campaign_id, owner_id, status, first_name, phone,
                      time_zone)
                    values (%s, %s, %s, 'won', 'Informe', %s, %s)""",
                             (lead, campaign, agent, "+3460090" + lead[-4:].replace("a", "1")
                              .replace("b", "2"), TZ[campaign]))
            for n, campaign, agent, offset, hhmm, *rest in CALLS:
                insert_call(conn, n, campaign, agent, d + timedelta(days=offset), hhmm, *rest)
            for n, campaign, agent, product, premium, frequency, status, hhmm, call in SALES:
                decided = status in ("validated", "rejected")
                conn.execute("""
                    insert into public.sales (id, lead_id, campaign_id, product_id, agent_id,
                      call_id, premium, payment_frequency, currency, status, status_reason,
                      validated_at, sold_at)
                    values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)""",
                             (sale_id(n), LEAD_OF[(campaign, agent)], campaign, product, agent,
                              call_id(call) if call else None, premium, frequency,
                              "MXN" if product == PRODUCT_C else "EUR", status,
                              "Sin mandato SEPA." if status == "rejected" else None,
                              local(d, hhmm, TZ[campaign]) + timedelta(hours=2)
                              if decided else None,
                              local(d, hhmm, TZ[campaign])))
        refresh_all(conn)
        yield Dataset(day=d)
        with conn.transaction():
            conn.execute("delete from public.report_exports")
            conn.execute("delete from public.sales where campaign_id in (%s, %s)",
                         (CAMPAIGN_A, CAMPAIGN_B))
            conn.execute("delete from public.sale_status_history where campaign_id in (%s, %s)",
                         (CAMPAIGN_A, CAMPAIGN_B))
            conn.execute("delete from public.calls where campaign_id in (%s, %s)",
                         (CAMPAIGN_A, CAMPAIGN_B))
            conn.execute("delete from public.leads where campaign_id in (%s, %s)",
                         (CAMPAIGN_A, CAMPAIGN_B))
            conn.execute("delete from public.lead_history where lead_id in (%s, %s, %s)",
                         (LEAD_A1, LEAD_A2, LEAD_B6))
            conn.execute("delete from public.campaigns where id in (%s, %s)",
                         (CAMPAIGN_A, CAMPAIGN_B))
            conn.execute("delete from public.products where id in (%s, %s, %s)",
                         (PRODUCT_A, PRODUCT_B, PRODUCT_C))
        refresh_all(conn)


# ---------------------------------------------------------------------------
# The worker as a process, as it runs in production
# ---------------------------------------------------------------------------

def worker_env(stack: StackConfig, name: str, **settings: object) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("REFRESH_", "EXPORT"))}
    env |= {"DATABASE_URL": stack.worker_database_url("reporting"), "SUPABASE_URL": stack.url,
            "SUPABASE_SERVICE_ROLE_KEY": stack.service_role_key, "WORKER_NAME": name,
            "PYTHONPATH": str(PROJECT_DIR), "METRICS_PORT": "0",
            "PARTITION_CHECK_INTERVAL": "3600"}
    env |= {k.upper(): str(v) for k, v in settings.items()}
    return env


@contextlib.contextmanager
def running_worker(stack: StackConfig, name: str, log_dir: Path,
                   **settings: object) -> Iterator[subprocess.Popen]:
    """`python -m workers.reporting` with these settings; its JSON log in log_dir/<name>.log."""
    with worker_module(["workers.reporting"], worker_env(stack, name, **settings),
                       log_dir / f"{name}.log") as proc:
        yield proc


