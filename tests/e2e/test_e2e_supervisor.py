"""The supervisor's screens in real Chromium against the test stack, over data seeded in the
database: the live floor shows each agent's published state and follows a change by Realtime push;
the validation queue approves a pending sale and rejects another with its reason (the database
records both); the reports show the period's tables and Recharts charts without raw JSON, the
page stays within a 1440 px window (and a tablet's 820 px), the hourly chart's ticks do not
overlap, and an export queued from the page is written by the reporting worker (run here as a
process) and offered for download. Every page is checked with axe-core for serious and
critical violations."""

from __future__ import annotations

import re
from itertools import pairwise

import httpx
from playwright.sync_api import expect

from tests.e2e.supervisor_pages import axe_violations, open_screen, sign_in_supervisor
from tests.reporting.conftest import refresh_all, running_worker
from tests.support.crm_data import agent_id, make_campaign
from tests.support.supervisor_data import make_day_of_calls, make_floor, make_pending_sales

AGENT = "agent3@demo.test"


def test_the_floor_shows_each_agents_published_state(new_page, db, screenshot):
    _, agents = make_floor(db, 8, name="Sala")
    page = new_page()
    sign_in_supervisor(page)
    for agent, state in agents:
        row = page.locator(f"[data-test='floor-row'][data-agent-id='{agent}']")
        expect(row).to_have_attribute("data-state", state)
    paused = next(a for a, s in agents if s == "paused")
    paused_row = page.locator(f"[data-test='floor-row'][data-agent-id='{paused}']")
    expect(paused_row.locator("[data-test='floor-state']")).to_contain_text("En pausa · Comida")
    expect(page.locator("[data-test='floor-chart'] svg")).to_be_visible()
    expect(page.locator("[data-test='floor-updated']")).to_contain_text("Actualizado a las")
    # The floor is pushed (floor:<campaign>): a state published now shows without a reload.
    db.execute("update public.agent_states set state = 'available', reason = null"
               " where agent_id = %s", (paused,))
    expect(paused_row).to_have_attribute("data-state", "available", timeout=8_000)
    screenshot(page, "supervisor-01-floor", docs="supervisor-floor.png")
    assert axe_violations(page) == []


def test_the_validation_queue_approves_and_rejects_with_a_reason(new_page, db, screenshot):
    agent = agent_id(db, AGENT)
    campaign = make_campaign(db, agents=[agent])
    approve, reject = make_pending_sales(db, campaign, agent, 2, first_name="Validar")
    page = new_page()
    sign_in_supervisor(page)
    open_screen(page, "validation", "validation-screen")
    row = page.locator(f"[data-test='validation-row'][data-sale-id='{approve}']")
    expect(row).to_be_visible()
    assert axe_violations(page) == []
    row.locator("[data-test='sale-approve']").click()
    expect(page.locator("[data-test='toast']").first).to_contain_text("Venta validada.")
    expect(page.locator(f"[data-test='decided-row'][data-sale-id='{approve}']")).to_be_visible()
    expect(row).to_have_count(0)

    other = page.locator(f"[data-test='validation-row'][data-sale-id='{reject}']")
    other.locator("[data-test='sale-reject']").click()
    reason = page.locator("[data-test='sale-reject-reason']")
    expect(reason).to_be_focused()
    page.locator("[data-test='sale-reject-confirm']").click()
    expect(page.get_by_role("alert").filter(has_text="Indique el motivo.")).to_be_visible()
    screenshot(page, "supervisor-02-reject-reason")
    reason.fill("Falta la grabación del consentimiento")
    page.locator("[data-test='sale-reject-confirm']").click()
    decided = page.locator(f"[data-test='decided-row'][data-sale-id='{reject}']")
    expect(decided).to_contain_text("Rechazada")
    expect(decided).to_contain_text("Falta la grabación del consentimiento")
    rows = db.execute("select id::text, status::text, status_reason from public.sales"
                      " where id in (%s, %s)", (approve, reject)).fetchall()
    assert sorted(rows) == sorted([(approve, "validated", None),
                                   (reject, "rejected", "Falta la grabación del consentimiento")])


def test_reports_tables_charts_width_and_an_export(new_page, db, stack, screenshot, tmp_path):
    agent = agent_id(db, AGENT)
    campaign = make_campaign(db, agents=[agent])
    make_day_of_calls(db, campaign, agent, hours=14)
    sales = make_pending_sales(db, campaign, agent, 3, first_name="Informe")
    db.execute("update public.sales set status = 'validated', validated_at = now() where id = %s",
               (sales[0],))
    refresh_all(db)
    name = db.execute("select name from public.campaigns where id = %s", (campaign,)).fetchone()[0]

    page = new_page()
    sign_in_supervisor(page)
    open_screen(page, "reports", "reports-screen")
    campaigns = page.locator("[data-test='report-campaigns-table']")
    mine = campaigns.locator("tr", has_text=name)
    expect(mine).to_be_visible()
    breakdown = mine.locator("[data-test='sales-by-product']")
    expect(breakdown).to_contain_text("1 Validada")
    expect(breakdown).to_contain_text("2 Pendiente")
    for table in ("agents", "campaigns", "daily"):
        text = page.locator(f"[data-test='report-{table}-table']").inner_text()
        assert not re.search(r'[{}]|\[\{|"\w+":', text), f"raw JSON in the {table} table"
    expect(page.locator("[data-test='report-agents-chart'] svg").first).to_be_visible()
    hourly = page.locator("[data-test='report-daily-chart'] svg").first
    expect(hourly).to_be_visible()
    assert hourly.locator(".recharts-bar-rectangle").count() >= 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 1440
    # The hourly ticks do not overlap one another.
    ticks = page.locator("[data-test='report-daily-chart'] .recharts-xAxis"
                         " .recharts-cartesian-axis-tick text").all()
    boxes = sorted((b for b in (t.bounding_box() for t in ticks) if b), key=lambda b: b["x"])
    assert all(a["x"] + a["width"] <= b["x"] + 1 or a["y"] + a["height"] <= b["y"] + 1
               or b["y"] + b["height"] <= a["y"] + 1 for a, b in pairwise(boxes)), boxes
    screenshot(page, "supervisor-03-reports", docs="reports.png")
    assert axe_violations(page) == []

    with running_worker(stack, "e2e-reports", tmp_path, export_poll_interval="0.5",
                        refresh_interval="3600", refresh_debounce="3600",
                        refresh_max_delay="3600"):
        page.locator("[data-test='report-campaigns-export-csv']").click()
        status = page.locator("[data-test='report-campaigns-export']")
        expect(status).to_have_attribute("data-status", "done", timeout=30_000)
        link = page.locator("[data-test='report-campaigns-download']")
        expect(link).to_have_text("Descargar CSV")
    body = httpx.get(link.get_attribute("href") or "", timeout=10).text
    assert name in body
    screenshot(page, "supervisor-04-report-export")

    # On a tablet the tables still scroll inside their cards.
    page.set_viewport_size({"width": 820, "height": 1180})
    expect(page.locator("[data-test='report-daily-chart'] svg").first).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 820
    screenshot(page, "supervisor-05-reports-tablet")
