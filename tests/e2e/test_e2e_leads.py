"""The supervisor's leads screen in real Chromium against the session stack: search (accents,
a phone as typed) and filters kept in the URL, a lead opened, edited with a bad phone refused
and a good one saved as E.164, and a bulk assign of every lead matching the filter with its
result said in words (one skipped for its final status). The database is checked each time."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import expect

from tests.e2e.supervisor_pages import open_screen, sign_in_supervisor
from tests.support.crm_data import SUPERVISOR1, agent_id, make_campaign, make_leads, phone_ending

AGENT = "agent3@demo.test"


def test_search_filter_open_edit_and_bulk_assign(stack, db, new_page, axe_check, screenshot):
    agent = agent_id(db, AGENT)
    campaign = make_campaign(db, agents=[agent])
    tag = uuid.uuid4().hex[:6]
    # Three leads found by the accented surname, one of them lost (final: skipped when
    # assigned); five others of the campaign that the search leaves out.
    found = make_leads(db, campaign, 2, first_name="Zoë", last_name=f"Núñez{tag}")
    lost = make_leads(db, campaign, 1, first_name="Íñigo", last_name=f"Núñez{tag}",
                      status="lost", next_call_at=None)[0]
    phone = phone_ending()
    others = make_leads(db, campaign, 4) + make_leads(db, campaign, 1, phone=phone,
                                                        last_name=f"Tel{tag}")

    page = new_page()
    sign_in_supervisor(page)
    open_screen(page, "leads", "leads-screen")
    rows = page.locator("[data-test='lead-row']")

    page.locator("[data-test='leads-filter-campaign']").select_option(campaign)
    page.locator("[data-test='leads-apply']").click()
    expect(rows).to_have_count(8)
    expect(page).to_have_url(re.compile(f"campaign={campaign}"))
    expect(page.locator("[data-test='leads-count']")).to_contain_text("≈")

    # Upper case and other accents than stored: the term is normalised as search_text is.
    page.locator("[data-test='leads-search']").fill(f"NUÑEZ{tag.upper()}")
    page.locator("[data-test='leads-apply']").click()
    expect(rows).to_have_count(3)
    assert {rows.nth(i).get_attribute("data-lead-id") for i in range(3)} == {*found, lost}

    # A phone as people type it (national, with spaces) finds the E.164 number.
    national = phone.removeprefix("+34")
    page.locator("[data-test='leads-search']").fill(
        f"{national[:3]} {national[3:5]} {national[5:7]} {national[7:]}")
    page.locator("[data-test='leads-apply']").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-lead-id", others[-1])

    # A status filter, and the whole state survives a reload (it is in the URL).
    page.locator("[data-test='leads-search']").fill(f"nunez{tag}")
    page.locator("summary").click()
    page.locator("[data-test='leads-filter-status-lost']").check()
    page.locator("[data-test='leads-apply']").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-lead-id", lost)
    page.reload()
    expect(rows).to_have_count(1)
    expect(page.locator("[data-test='leads-search']")).to_have_value(f"nunez{tag}")
    expect(page.locator("[data-test='leads-filter-status-lost']")).to_be_checked()
    # Supervisors hold no leads.delete: the action is not offered.
    rows.first.locator("[data-test='lead-select']").check()
    expect(page.locator("[data-test='bulk-assign']")).to_be_visible()
    expect(page.locator("[data-test='bulk-delete']")).to_have_count(0)
    axe_check(page, "leads-list")
    screenshot(page, "leads-01-list")

    # Open a lead, edit it: a bad phone is refused on the page, a national one saved as E.164.
    page.locator("[data-test='leads-clear']").click()
    page.locator("[data-test='leads-filter-campaign']").select_option(campaign)
    page.locator("[data-test='leads-search']").fill(f"zoe nunez{tag}")
    page.locator("[data-test='leads-apply']").click()
    expect(rows).to_have_count(2)
    target = rows.first.get_attribute("data-lead-id")
    rows.first.locator("[data-test='lead-link']").click()
    expect(page.locator("[data-test='lead-page']")).to_have_attribute("data-lead-id", target or "")
    expect(page.locator("[data-test='lead-name']")).to_have_text(f"Zoë Núñez{tag}")
    expect(page.locator("[data-test='lead-delete']")).to_have_count(0)
    before = db.execute("select phone, updated_at from public.leads where id = %s",
                        (target,)).fetchone()
    page.locator("[data-test='lead-edit']").click()
    page.locator("[data-test='lead-input-phone']").fill("12345")
    page.locator("[data-test='lead-save']").click()
    expect(page.locator("[data-test='lead-error-phone']")).to_be_visible()
    assert db.execute("select phone, updated_at from public.leads where id = %s",
                      (target,)).fetchone() == before
    page.locator("[data-test='lead-input-phone']").fill("699 11 22 33")
    page.locator("[data-test='lead-input-city']").fill("Cádiz")
    page.locator("[data-test='lead-save']").click()
    expect(page.locator("[data-test='lead-saved']")).to_be_visible()
    assert db.execute("select phone, city from public.leads where id = %s",
                      (target,)).fetchone() == ("+34699112233", "Cádiz")
    expect(page.locator("[data-test='lead-field-phone']")).to_have_text("+34 699 11 22 33")
    expect(page.locator("[data-test='lead-tab-history']")).to_contain_text("2")
    axe_check(page, "lead-page")
    screenshot(page, "leads-02-lead-page")

    # Back to the list: every lead matching "núñez<tag>" assigned at once; the lost one is
    # skipped and the result says why.
    page.locator("[data-test='lead-back']").click()
    page.locator("[data-test='leads-filter-campaign']").select_option(campaign)
    page.locator("[data-test='leads-search']").fill(f"núñez{tag}")
    page.locator("[data-test='leads-apply']").click()
    expect(rows).to_have_count(3)
    page.locator("[data-test='leads-select-all']").click()
    expect(page.locator("[data-test='leads-selection']")).to_contain_text("≈")
    page.locator("[data-test='bulk-assign']").click()
    dialog = page.locator("[data-test='bulk-dialog']")
    expect(dialog).to_be_visible()
    dialog.locator("[data-test='bulk-agent']").select_option(agent)
    expect(dialog.locator("[data-test='bulk-confirm-text']")).to_contain_text("≈")
    axe_check(page, "bulk-dialog")
    dialog.locator("[data-test='bulk-confirm']").click()
    expect(dialog.locator("[data-test='bulk-result']")).to_have_text(
        "Asignados 2 de 3 leads. Sin cambios, 1: tienen un estado final (1).")
    owners = dict(db.execute("select id::text, owner_id::text from public.leads"
                             " where campaign_id = %s and last_name = %s",
                             (campaign, f"Núñez{tag}")).fetchall())
    assert owners == {found[0]: agent, found[1]: agent, lost: None}
    assert db.execute("select count(*) from public.leads where campaign_id = %s"
                      " and owner_id is not null", (campaign,)).fetchone()[0] == 2
    screenshot(page, "leads-03-bulk-result")
    dialog.locator("[data-test='bulk-close']").click()
    # The list is read again: the owner's name shows.
    expect(rows.filter(has_text="Zoë").first).not_to_contain_text("Sin asignar")


def test_bulk_by_ids_reports_rows_out_of_reach(stack, db, new_page):
    """Chosen rows are sent as {"ids": [...]}: a lead that moved to a campaign the supervisor
    does not run between reading and acting is skipped as not found or not theirs. The list
    opened from a URL keeps its filters, and exports them as a 'leads' report."""
    agent = agent_id(db, AGENT)
    campaign = make_campaign(db, agents=[agent])
    elsewhere = make_campaign(db, agents=[], supervisor=agent_id(db, "supervisor2@demo.test"))
    tag = uuid.uuid4().hex[:6]
    leads = make_leads(db, campaign, 3, last_name=f"Lote{tag}")
    page = new_page()
    sign_in_supervisor(page)
    page.goto(f"{stack.url}/supervisor/leads?campaign={campaign}&q=lote{tag}")
    rows = page.locator("[data-test='lead-row']")
    expect(rows).to_have_count(3)
    rows.nth(0).locator("[data-test='lead-select']").check()
    rows.nth(1).locator("[data-test='lead-select']").check()
    moved = rows.nth(1).get_attribute("data-lead-id")
    db.execute("update public.leads set campaign_id = %s where id = %s", (elsewhere, moved))
    expect(page.locator("[data-test='leads-selection']")).to_contain_text("2")
    page.locator("[data-test='bulk-assign']").click()
    dialog = page.locator("[data-test='bulk-dialog']")
    dialog.locator("[data-test='bulk-agent']").select_option(agent)
    expect(dialog.locator("[data-test='bulk-confirm-text']")).to_contain_text("2 leads")
    dialog.locator("[data-test='bulk-confirm']").click()
    expect(dialog.locator("[data-test='bulk-result']")).to_contain_text("1 de 2")
    expect(dialog.locator("[data-test='bulk-result']")).to_contain_text(
        "no existen o no son de sus campañas (1)")
    assert moved in leads
    # The filtered list exports through the reports' path: a 'leads' export of the filter.
    dialog.locator("[data-test='bulk-close']").click()
    page.locator("[data-test='report-leads-export-xlsx']").click()
    expect(page.locator("[data-test='report-leads-export']")).to_have_attribute(
        "data-status", "queued")
    report, params, fmt = db.execute(
        "select report, params, format from public.report_exports where requested_by = %s"
        " order by requested_at desc limit 1", (SUPERVISOR1,)).fetchone()
    assert (report, fmt) == ("leads", "xlsx")
    assert params == {"selection": {"filter": {"campaign_id": campaign, "search": f"lote{tag}"}}}
    assert db.execute("select owner_id from public.leads where id = %s",
                      (moved,)).fetchone()[0] is None
