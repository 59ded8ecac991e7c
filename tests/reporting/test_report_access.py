"""The report RPCs through PostgREST, as the webphone calls them: who may read what."""

from __future__ import annotations

import pytest
from postgrest.exceptions import APIError

from tests.reporting.conftest import CAMPAIGN_A, CAMPAIGN_B

REPORTS = {
    "report_agent_performance": lambda d: {"p_from": str(d.day), "p_to": str(d.day)},
    "report_campaign_stats": lambda d: {"p_from": str(d.day), "p_to": str(d.day)},
    "report_daily_summary": lambda d: {"p_day": str(d.day)},
}


def refused(call) -> APIError:
    with pytest.raises(APIError) as e:
        call()
    return e.value


@pytest.mark.parametrize("name", list(REPORTS))
def test_an_agent_is_refused(sign_in, dataset, name):
    agent = sign_in("agent1@demo.test")
    error = refused(lambda: agent.rpc(name, REPORTS[name](dataset)).execute())
    assert error.code == "42501"
    assert error.message == "reports.view: reading reports needs the reports.view permission"


@pytest.mark.parametrize("name", list(REPORTS))
def test_anon_cannot_run_a_report(anon_client, dataset, name):
    error = refused(lambda: anon_client.rpc(name, REPORTS[name](dataset)).execute())
    assert error.code == "42501"


def test_a_supervisor_sees_their_campaigns_and_not_the_others(sign_in, dataset):
    supervisor1 = sign_in("supervisor1@demo.test")
    rows = supervisor1.rpc("report_campaign_stats", REPORTS["report_campaign_stats"](dataset)
                           ).execute().data
    assert [r["campaign_id"] for r in rows] == [CAMPAIGN_A]
    assert rows[0]["calls"] == 8 and rows[0]["refreshed_at"]
    agents = supervisor1.rpc("report_agent_performance",
                             REPORTS["report_agent_performance"](dataset)).execute().data
    assert {r["agent_name"] for r in agents} == {"Lucía García", "Javier Martínez"}
    error = refused(lambda: supervisor1.rpc(
        "report_campaign_stats", {**REPORTS["report_campaign_stats"](dataset),
                                  "p_campaign_id": CAMPAIGN_B}).execute())
    assert error.code == "PT404"
    assert error.message == "p_campaign_id: not found or not yours"

    supervisor2 = sign_in("supervisor2@demo.test")
    rows = supervisor2.rpc("report_campaign_stats", REPORTS["report_campaign_stats"](dataset)
                           ).execute().data
    assert [r["campaign_id"] for r in rows] == [CAMPAIGN_B]
    hours = supervisor2.rpc("report_daily_summary", {"p_day": str(dataset.day)}).execute().data
    assert sum(h["calls"] for h in hours) == 2


@pytest.mark.parametrize(("name", "args", "message"), [
    ("report_agent_performance", {"p_from": "2026-12-10", "p_to": "2026-12-01"},
     "p_to: 2026-12-01 is before p_from 2026-12-10"),
    ("report_campaign_stats", {"p_from": "2025-01-01", "p_to": "2026-12-31"},
     "p_to: a report covers at most 366 days; 2025-01-01 to 2026-12-31 is 730 days"),
    ("report_daily_summary", {"p_day": None}, "p_day: required (the day of the summary,"
                                              " YYYY-MM-DD)"),
])
def test_bad_arguments_are_22023_naming_the_field(sign_in, name, args, message):
    error = refused(lambda: sign_in("supervisor1@demo.test").rpc(name, args).execute())
    assert (error.code, error.message) == ("22023", message)


@pytest.mark.parametrize("view", ["agent_daily_stats", "sales_daily_stats", "hourly_stats",
                                  "refresh_requests"])
def test_the_views_are_not_reachable_through_postgrest(sign_in, anon_client, service_client,
                                                       view):
    """The reports schema is not exposed; even asking for it by profile is refused."""
    for client in (anon_client, sign_in("admin@demo.test"), service_client):
        error = refused(lambda c=client: c.schema("reports").table(view).select("*").execute())
        assert error.code == "PGRST106"  # the schema is not one PostgREST serves
        error = refused(lambda c=client: c.table(view).select("*").execute())
        assert error.code == "42P01"  # and no relation of that name in public


def test_the_views_are_closed_to_the_api_roles_in_the_database(db):
    """Were the schema ever exposed, the API roles still could not read the views."""
    for role in ("anon", "authenticated", "service_role"):
        for view in ("agent_daily_stats", "sales_daily_stats", "hourly_stats"):
            allowed = db.execute("select has_table_privilege(%s, %s, 'select')",
                                 (role, f"reports.{view}")).fetchone()[0]
            assert not allowed, (role, view)
        assert not db.execute("select has_schema_privilege(%s, 'reports', 'usage')",
                              (role,)).fetchone()[0]
