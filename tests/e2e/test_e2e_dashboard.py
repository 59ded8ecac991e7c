"""/dashboard for each role in real Chromium against the test stack, over calls seeded today:
the agent sees their own day (calls, talk time, contacts, sales, conversion) against their 7 days
with its charts; a supervisor sees the campaign they run today against yesterday and the 7 days,
with the hourly, rates and sales charts; the admin sees the whole floor and the system health,
each part OK or in warning (no worker runs in the test stack, so its workers are in warning).
The figures on screen are the database's (rpc/*_dashboard over the report views, refreshed here
as the reporting worker would). Every page is checked with axe-core (serious and critical)."""

from __future__ import annotations

import psycopg
from playwright.sync_api import Page, expect

from tests.e2e.supervisor_pages import axe_violations
from tests.e2e.webphone import sign_in
from tests.reporting.conftest import refresh_all
from tests.support.crm_data import agent_id, make_campaign

AGENT = "agent5@demo.test"
SUPERVISOR = "supervisor1@demo.test"
ADMIN = "admin@demo.test"
CALLS = 9  # answered calls seeded today: 3 of them contacts, one a sale


def seed_today(db: psycopg.Connection, campaign: str, agent: str) -> None:
    """CALLS calls of the agent in the campaign in the last hour (never before Madrid's
    midnight), 3 reaching the person, one of them a sale with its sale row; then the report
    views refreshed, as the reporting worker does a few seconds after a change."""
    db.execute(
        """with madrid_midnight as (
             select (date_trunc('day', now() at time zone 'Europe/Madrid')
               at time zone 'Europe/Madrid') as t),
           leads as (
             insert into public.leads (campaign_id, owner_id, status, first_name, last_name, phone,
               time_zone)
             select %(c)s, %(a)s, 'lost', 'Panel', g::text,
               '+3468' || lpad((%(base)s + g)::text, 7, '0'), 'Europe/Madrid'
             from generate_series(1, %(n)s) as g
             returning id, last_name::int as g)
           insert into public.calls (lead_id, campaign_id, agent_id, phone_number, status, outcome,
             started_at, answered_at, ended_at, ring_seconds, talk_seconds, duration_seconds,
             disposition, wrapped_up_at)
           select l.id, %(c)s, %(a)s, '+34600000000', 'ended', 'answered', s.t,
             s.t + interval '5 seconds', s.t + interval '65 seconds', 5, 60, 65,
             case when l.g = 1 then 'sale' when l.g <= 3 then 'not_interested' else 'voicemail' end,
             s.t + interval '75 seconds'
           from leads as l,
             lateral (select greatest((select t from madrid_midnight),
               now() - interval '5 minutes' * l.g - interval '2 minutes') as t) as s""",
        {"c": campaign, "a": agent, "n": CALLS,
         "base": int.from_bytes(campaign.encode()[:3]) % 9_000_000})
    db.execute(
        """insert into public.sales (lead_id, product_id, agent_id, premium, sold_at)
           select l.id, cp.product_id, %(a)s, 25, now() - interval '1 minute'
           from public.leads as l
           inner join public.campaign_products as cp on cp.campaign_id = l.campaign_id
           where l.campaign_id = %(c)s and l.last_name = '1'""",
        {"c": campaign, "a": agent})
    refresh_all(db)


def todays_calls(db: psycopg.Connection, agent: str) -> int:
    """The agent's calls of Madrid's today, straight from the table (the campaigns are Madrid's)."""
    return db.execute(
        "select count(*) from public.calls where agent_id = %s"
        " and (started_at at time zone 'Europe/Madrid')::date"
        " = (now() at time zone 'Europe/Madrid')::date",
        (agent,)).fetchone()[0]


def open_dashboard(page: Page, role: str) -> None:
    nav = page.locator("[data-test='nav-dashboard']")
    expect(nav).to_have_text("Panel")
    # First in the navigation, for every role.
    expect(page.locator("nav a").first).to_have_attribute("data-test", "nav-dashboard")
    nav.click()
    expect(page.locator("[data-test='dashboard-screen']")).to_have_attribute("data-role", role)


def test_the_agent_sees_their_own_day(new_page, db, screenshot):
    agent = agent_id(db, AGENT)
    campaign = make_campaign(db, agents=[agent])
    seed_today(db, campaign, agent)
    expected = todays_calls(db, agent)
    page = new_page()
    sign_in(page, AGENT)
    expect(page.locator("#agent-desk")).to_be_visible()
    open_dashboard(page, "agent")
    expect(page.locator("[data-test='agent-dashboard']")).to_be_visible()
    calls = page.locator("[data-test='agent-kpi-calls']")
    expect(calls).to_have_attribute("data-value", str(expected))
    expect(page.locator("[data-test='agent-kpi-sales']")).not_to_have_attribute("data-value", "0")
    expect(calls).to_contain_text("Llamadas")
    expect(page.locator("[data-test='agent-kpi-talk_seconds']")).to_contain_text(":")
    expect(page.locator("[data-test='agent-kpi-conversion']")).to_contain_text("%")
    expect(page.locator("[data-test='agent-kpi-calls-vs-week']")).to_be_visible()
    expect(page.locator("[data-test='dashboard-day']")).to_contain_text("Europe/Madrid")
    for chart in ("agent-days-chart", "agent-hours-chart"):
        expect(page.locator(f"[data-test='{chart}'] svg.recharts-surface").first).to_be_visible()
    expect(page.locator("[data-test='agent-day-row']")).to_have_count(8)
    # Only their own: no campaign table, no health.
    expect(page.locator("[data-test='campaigns-table']")).to_have_count(0)
    expect(page.locator("[data-test='system-health']")).to_have_count(0)
    screenshot(page, "dashboard-01-agent", docs="dashboard-agent.png")
    assert axe_violations(page) == []
    # Back to the desk from the navigation.
    page.locator("[data-test='nav-desk']").click()
    expect(page.locator("#agent-desk")).to_be_visible()


def test_the_supervisor_sees_each_campaign_against_yesterday_and_the_week(new_page, db, screenshot):
    agent = agent_id(db, "agent6@demo.test")
    campaign = make_campaign(db, agents=[agent])
    seed_today(db, campaign, agent)
    other_agent = agent_id(db, "agent8@demo.test")
    supervisor2 = agent_id(db, "supervisor2@demo.test")
    foreign = make_campaign(db, agents=[other_agent], supervisor=supervisor2)
    seed_today(db, foreign, other_agent)
    page = new_page()
    sign_in(page, SUPERVISOR)
    expect(page.locator("[data-test='floor-screen']")).to_be_visible()
    open_dashboard(page, "supervisor")
    expect(page.locator("[data-test='floor-dashboard']")).to_contain_text("Mis campañas")
    row = page.locator(f"[data-test='dashboard-campaign-row'][data-campaign-id='{campaign}']")
    expect(row).to_have_attribute("data-calls", str(CALLS))
    expect(row).to_contain_text("Hoy")
    expect(row).to_contain_text("Ayer")
    expect(row).to_contain_text("Media 7 días")
    # The floor's totals include the new campaign's calls.
    calls = int(page.locator("[data-test='floor-kpi-calls']").get_attribute("data-value") or 0)
    assert calls >= CALLS
    expect(page.locator("[data-test='floor-kpi-calls-vs-yesterday']")).to_be_visible()
    expect(page.locator("[data-test='floor-kpi-contact_rate']")).to_contain_text("%")
    for chart in ("hours", "rates", "sales"):
        svg = page.locator(f"[data-test='floor-{chart}-chart'] svg.recharts-surface").first
        expect(svg).to_be_visible()
    # A campaign's own charts open on demand.
    details = page.locator(f"[data-test='campaign-details-{campaign}']")
    details.locator("summary").click()
    chart = details.locator(f"[data-test='campaign-{campaign}-hours-chart'] svg.recharts-surface")
    chart = chart.first
    expect(chart).to_be_visible()
    # supervisor1 does not run supervisor2's campaign, busy as it is.
    foreign_row = f"[data-test='dashboard-campaign-row'][data-campaign-id='{foreign}']"
    expect(page.locator(foreign_row)).to_have_count(0)
    expect(page.locator("[data-test='system-health']")).to_have_count(0)
    screenshot(page, "dashboard-02-supervisor", docs="dashboard-supervisor.png")
    assert axe_violations(page) == []


def test_the_admin_sees_the_whole_floor_and_the_system_health(new_page, db, screenshot):
    agent = agent_id(db, "agent7@demo.test")
    campaign = make_campaign(db, agents=[agent], supervisor=agent_id(db, "supervisor2@demo.test"))
    seed_today(db, campaign, agent)
    page = new_page()
    sign_in(page, ADMIN)
    expect(page.locator("[data-test='admin-users']")).to_be_visible()
    open_dashboard(page, "admin")
    expect(page.locator("[data-test='floor-dashboard']")).to_contain_text("Toda la sala")
    # Every campaign, whoever runs it.
    row = page.locator(f"[data-test='dashboard-campaign-row'][data-campaign-id='{campaign}']")
    expect(row).to_have_attribute("data-calls", str(CALLS))
    health = page.locator("[data-test='system-health']")
    expect(health).to_be_visible()
    # The test stack runs no worker: their lines say so, in words, and the whole is in warning.
    expect(health).to_have_attribute("data-status", "warning")
    worker = page.locator("[data-test='health-worker-reporting']")
    expect(worker).to_have_attribute("data-status", "warning")
    expect(worker).to_contain_text("Aviso")
    expect(worker).to_contain_text("Sin conexión")
    expect(page.locator("[data-test='health-reports']")).to_contain_text("Último cálculo hace")
    for key in ("recordings", "exports", "imports", "accounts"):
        expect(page.locator(f"[data-test='health-{key}']")).to_be_visible()
    expect(page.locator("[data-test='health-overall']")).to_contain_text("Hay avisos")
    screenshot(page, "dashboard-03-admin", docs="dashboard-admin.png")
    assert axe_violations(page) == []
    # In English too; the choice is kept in the admin's profile, so it is given back after.
    try:
        page.locator("[data-test='language-select']").select_option("en")
        expect(page.locator("[data-test='nav-dashboard']")).to_have_text("Dashboard")
        expect(page.locator("[data-test='floor-dashboard']")).to_contain_text("The whole floor")
        expect(page.locator("[data-test='health-worker-reporting']")).to_contain_text("Warning")
    finally:
        db.execute("update public.profiles set locale = 'es' where email = %s", (ADMIN,))
