"""Each report returns exactly the figures of a known data set, and what the base tables say.

The expected numbers are worked out by hand from conftest.CALLS and conftest.SALES; the second
half compares every report, for several callers and ranges, with the same figures computed
straight from calls and sales (bench.reports.STRAIGHT_SQL, which the benchmark times too).
"""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import psycopg
import pytest
from psycopg.rows import dict_row

from bench.reports import RPC_SQL, straight
from tests.reporting.conftest import (
    ADMIN,
    AGENT1,
    AGENT2,
    AGENT6,
    CAMPAIGN_A,
    CAMPAIGN_B,
    PRODUCT_A,
    PRODUCT_B,
    SUPERVISOR1,
)

D = Decimal


def rpc(conn: psycopg.Connection, user_id: str, report: str, **params) -> list[dict]:
    """A report RPC as the given user, impersonated the way PostgREST does it."""
    args = {"p_from": None, "p_to": None, "p_campaign_id": None, "p_agent_id": None} | params
    with conn.transaction(), conn.cursor(row_factory=dict_row) as cur:
        cur.execute("select set_config('role', 'authenticated', true),"
                    " set_config('request.jwt.claims', %s, true)",
                    (json.dumps({"sub": user_id, "role": "authenticated"}),))
        return cur.execute(RPC_SQL[report], args).fetchall()


@pytest.fixture
def conn(stack):
    with psycopg.connect(stack.database_url) as c:
        yield c


def by(rows: list[dict], key: str) -> dict:
    return {str(r[key]): r for r in rows}


def test_agent_performance_has_the_known_figures(conn, dataset):
    rows = by(rpc(conn, ADMIN, "agent_performance", p_from=dataset.day, p_to=dataset.day,
                  p_campaign_id=CAMPAIGN_A), "agent_id")
    assert set(rows) == {AGENT1, AGENT2}
    a1, a2 = rows[AGENT1], rows[AGENT2]
    # agent1: calls 1-5 and 11 (still ringing); sales 1 (validated), 3 (rejected), 5 (cancelled)
    assert {k: a1[k] for k in (
        "calls", "answered_calls", "contacts", "sale_calls", "sales", "validated_sales",
        "answer_rate", "contact_rate", "conversion_rate", "active_seconds", "calls_per_hour",
        "talk_seconds", "ring_seconds", "wrap_up_seconds", "avg_talk_seconds",
        "avg_ring_seconds", "avg_wrap_up_seconds", "avg_handle_seconds", "validated_premium",
    )} == {
        "calls": 6, "answered_calls": 4, "contacts": 3, "sale_calls": 1, "sales": 2,
        "validated_sales": 1, "answer_rate": D("0.6667"), "contact_rate": D("0.5000"),
        "conversion_rate": D("0.6667"), "active_seconds": 7200, "calls_per_hour": D("3.00"),
        "talk_seconds": 285, "ring_seconds": 57, "wrap_up_seconds": 80,
        "avg_talk_seconds": D("71.3"), "avg_ring_seconds": D("11.4"),
        "avg_wrap_up_seconds": D("16.0"), "avg_handle_seconds": D("88.8"),
        "validated_premium": {"EUR": 240.00},
    }
    assert a1["agent_name"] == "Lucía García"
    # agent2: calls 6 and 7 (call 8 is past local midnight: the next day); sale 2 pending
    assert (a2["calls"], a2["answered_calls"], a2["contacts"], a2["sales"],
            a2["validated_sales"], a2["conversion_rate"], a2["active_seconds"],
            a2["calls_per_hour"], a2["avg_handle_seconds"], a2["validated_premium"]) == (
        2, 1, 1, 1, 0, D("1.0000"), 1810, D("3.98"), D("340.0"), {})


def test_a_day_is_the_campaigns_own_day(conn, dataset):
    """Call 8 is 00:30 in Madrid on D+1 (still D in UTC); call 9 is 18:30 on D in Mexico City
    (already D+1 in UTC): each counts on its campaign's day."""
    next_day = by(rpc(conn, ADMIN, "agent_performance", p_from=dataset.plus(1),
                      p_to=dataset.plus(1)), "agent_id")
    assert next_day[AGENT2]["calls"] == 1
    assert AGENT6 not in next_day
    two_days = by(rpc(conn, ADMIN, "agent_performance", p_from=dataset.day,
                      p_to=dataset.plus(1), p_agent_id=AGENT2), "agent_id")
    assert list(two_days) == [AGENT2]
    assert two_days[AGENT2]["calls"] == 3
    assert two_days[AGENT2]["active_seconds"] == 1810 + 56  # 00:30:00 to its wrap-up at 00:30:56
    b = by(rpc(conn, ADMIN, "agent_performance", p_from=dataset.day, p_to=dataset.day,
               p_campaign_id=CAMPAIGN_B), "agent_id")
    assert b[AGENT6]["calls"] == 2
    assert b[AGENT6]["validated_premium"] == {"MXN": 1200.00}  # 300 quarterly, annualised


def test_campaign_stats_has_the_known_figures(conn, dataset):
    rows = by(rpc(conn, ADMIN, "campaign_stats", p_from=dataset.day, p_to=dataset.day),
              "campaign_id")
    a, b = rows[CAMPAIGN_A], rows[CAMPAIGN_B]
    assert a["campaign_name"] == "Informe A"
    assert {k: a[k] for k in (
        "agents", "calls", "answered_calls", "contacts", "sale_calls", "sales",
        "validated_sales", "pending_sales", "rejected_sales", "cancelled_sales", "answer_rate",
        "contact_rate", "conversion_rate", "active_seconds", "calls_per_hour", "talk_seconds",
        "ring_seconds", "wrap_up_seconds", "avg_talk_seconds", "avg_ring_seconds",
        "avg_wrap_up_seconds", "avg_handle_seconds", "validated_premium",
    )} == {
        "agents": 2, "calls": 8, "answered_calls": 5, "contacts": 4, "sale_calls": 1,
        "sales": 3, "validated_sales": 1, "pending_sales": 1, "rejected_sales": 1,
        "cancelled_sales": 1, "answer_rate": D("0.6250"), "contact_rate": D("0.5000"),
        "conversion_rate": D("0.7500"), "active_seconds": 9010, "calls_per_hour": D("3.20"),
        "talk_seconds": 585, "ring_seconds": 71, "wrap_up_seconds": 128,
        "avg_talk_seconds": D("117.0"), "avg_ring_seconds": D("10.1"),
        "avg_wrap_up_seconds": D("18.3"), "avg_handle_seconds": D("139.0"),
        "validated_premium": {"EUR": 240.00},
    }
    assert a["sales_by_product"] == [
        {"product_id": PRODUCT_A, "product_code": "RPT-A", "product_name": "Informe Vida",
         "status": "validated", "currency": "EUR", "sales": 1, "premium": 20.00,
         "annual_premium": 240.00},
        {"product_id": PRODUCT_A, "product_code": "RPT-A", "product_name": "Informe Vida",
         "status": "rejected", "currency": "EUR", "sales": 1, "premium": 25.00,
         "annual_premium": 300.00},
        {"product_id": PRODUCT_A, "product_code": "RPT-A", "product_name": "Informe Vida",
         "status": "cancelled", "currency": "EUR", "sales": 1, "premium": 22.00,
         "annual_premium": 264.00},
        {"product_id": PRODUCT_B, "product_code": "RPT-B", "product_name": "Informe Hogar",
         "status": "pending", "currency": "EUR", "sales": 1, "premium": 100.00,
         "annual_premium": 100.00},
    ]
    assert (b["calls"], b["contacts"], b["sales"], b["conversion_rate"],
            b["validated_premium"]) == (2, 1, 1, D("1.0000"), {"MXN": 1200.00})


def test_daily_summary_has_the_known_figures(conn, dataset):
    rows = rpc(conn, ADMIN, "daily_summary", p_from=dataset.day, p_campaign_id=CAMPAIGN_A)
    assert [r["hour"] for r in rows] == list(range(24))
    busy = {r["hour"]: (r["calls"], r["answered_calls"], r["contacts"], r["sale_calls"],
                        r["sales"], r["validated_sales"], r["talk_seconds"], r["agents"],
                        r["calls_per_agent"]) for r in rows if r["calls"] or r["sales"]}
    assert busy == {
        9: (5, 4, 3, 1, 2, 1, 285, 1, D("5.00")),
        10: (2, 1, 1, 0, 1, 0, 300, 1, D("2.00")),
        11: (1, 0, 0, 0, 0, 0, 0, 1, D("1.00")),
    }
    mexico = rpc(conn, ADMIN, "daily_summary", p_from=dataset.day, p_campaign_id=CAMPAIGN_B)
    assert [(r["hour"], r["calls"], r["sales"]) for r in mexico if r["calls"]] == [
        (18, 1, 1), (19, 1, 0)]


def test_every_row_says_how_fresh_it_is(conn, dataset):
    refreshed = dict(conn.execute("select view_name, refreshed_at from reports.views"
                                  ).fetchall())
    rows = rpc(conn, ADMIN, "campaign_stats", p_from=dataset.day, p_to=dataset.day)
    assert {r["refreshed_at"] for r in rows} == {
        min(refreshed["agent_daily_stats"], refreshed["sales_daily_stats"])}
    summary = rpc(conn, ADMIN, "daily_summary", p_from=dataset.day)
    assert {r["refreshed_at"] for r in summary} == {refreshed["hourly_stats"]}


CASES = [
    # (who, campaigns in their scope (None: all), range: days from D)
    ("admin", ADMIN, None, (-45, 2)),
    ("supervisor1", SUPERVISOR1, "supervised", (-45, 2)),
    ("admin, the known day", ADMIN, None, (0, 0)),
]


@pytest.mark.parametrize("report", ["agent_performance", "campaign_stats", "daily_summary"])
@pytest.mark.parametrize(("who", "user_id", "scope", "span"), CASES, ids=[c[0] for c in CASES])
def test_reports_match_straight_sql_over_the_base_tables(conn, dataset, report, who, user_id,
                                                          scope, span):
    """The seed's 30 days and the known data set, every figure, as each caller may see them."""
    campaigns = None
    if scope == "supervised":
        campaigns = [r[0] for r in conn.execute(
            "select campaign_id from public.campaign_members where user_id = %s"
            " and member_role = 'supervisor'", (user_id,)).fetchall()]
    days = ([dataset.plus(span[0]) + timedelta(days=n) for n in range(0, 47, 3)]
            if report == "daily_summary" else [None])
    key = {"agent_performance": "agent_id", "campaign_stats": "campaign_id",
           "daily_summary": "hour"}[report]
    compared = 0
    for day in days:
        p_from = day or dataset.plus(span[0])
        p_to = day or dataset.plus(span[1])
        got = rpc(conn, user_id, report, p_from=p_from, p_to=p_to)
        expected = straight(conn, report, p_from, p_to, campaigns)
        conn.rollback()
        columns = [c for c in got[0] if c not in ("agent_name", "campaign_name", "refreshed_at")]
        straight_rows = [dict(zip(columns, row, strict=True)) for row in expected]
        assert {str(r[key]): {c: r[c] for c in columns} for r in got} == {
            str(r[key]): r for r in straight_rows}, f"{report} {who} {p_from}..{p_to}"
        compared += sum(r["calls"] for r in got)
    assert compared, "the comparison ran on no data"
