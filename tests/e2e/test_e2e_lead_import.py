"""The lead import wizard in real Chromium with the real import worker: a supervisor uploads a
small CSV to Storage, the worker's preview shows the detected delimiter, the columns mapped to
lead fields (one corrected by hand) and the first rows with their errors; confirmed, the import
list follows the lead_imports row pushed by Realtime until it is done, with the counts the
database holds, the first errors and the error report."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from stack import lifecycle, processes
from tests.e2e.supervisor_pages import open_screen, sign_in_supervisor
from tests.support.crm_data import agent_id, make_campaign, phone_ending


@pytest.fixture
def lead_import_worker(stack) -> Iterator[None]:
    """The import worker of the session stack (tests start it only where they need it)."""
    lifecycle.start_lead_import_worker(stack)
    try:
        yield
    finally:
        processes.stop(stack.run_dir / "lead_import.pid")


def test_upload_preview_confirm_and_follow_the_import(stack, db, new_page, axe_check, screenshot,
                                                       lead_import_worker, tmp_path: Path):
    campaign = make_campaign(db, agents=[agent_id(db, "agent3@demo.test")])
    tag = uuid.uuid4().hex[:6]
    good = [phone_ending() for _ in range(3)]
    lines = [
        "Nombre;Apellidos;Teléfono;Correo;Póliza",
        f"Ana;García{tag};{good[0]};ana@example.com;P-1",
        f"Luis;Pérez{tag};{good[1][3:]};;P-2",  # national: read in the campaign's country
        f"Marta;Ruiz{tag};12345;;P-3",  # invalid phone
        f"Eva;Sanz{tag};{good[2]};eva@example.com;P-4",
        f"Eva;Duplicada{tag};{good[2]};;P-5",  # the same phone again in the file
    ]
    csv = tmp_path / f"leads-{tag}.csv"
    csv.write_text("\n".join(lines) + "\n", encoding="utf-8")

    page = new_page()
    sign_in_supervisor(page)
    open_screen(page, "imports", "imports-screen")
    page.locator("[data-test='import-campaign']").select_option(campaign)
    page.locator("[data-test='import-file']").set_input_files(str(csv))
    page.locator("[data-test='import-upload']").click()

    preview = page.locator("[data-test='import-preview']")
    expect(preview).to_be_visible(timeout=30_000)
    expect(page.locator("[data-test='preview-delimiter']")).to_have_text(";")
    mapping = page.locator("[data-test='mapping-row']")
    expect(mapping).to_have_count(5)
    phone_select = page.locator("[data-test='mapping-row'][data-header='Teléfono']"
                                " [data-test='mapping-select']")
    expect(phone_select).to_have_value("phone")
    # An unknown column becomes a custom field; the person chooses not to import it.
    policy = page.locator("[data-test='mapping-row'][data-header='Póliza']"
                          " [data-test='mapping-select']")
    expect(policy).to_have_value("custom:poliza")
    policy.select_option("ignore")
    expect(page.locator("[data-test='preview-row']")).to_have_count(5)
    bad = page.locator("[data-test='preview-row'][data-line='4']")
    expect(bad.locator("[data-test='preview-error']")).to_have_attribute("data-code",
                                                                      "phone_invalid")
    axe_check(page, "import-preview")
    screenshot(page, "imports-01-preview")
    page.locator("[data-test='import-confirm']").click()

    imp = db.execute("select id from public.lead_imports where campaign_id = %s",
                     (campaign,)).fetchone()[0]
    row = page.locator(f"[data-test='import-row'][data-import-id='{imp}']")
    expect(row).to_have_attribute("data-status", "done", timeout=60_000)
    counts = db.execute("select imported, updated, duplicates, invalid, do_not_call, options"
                        " from public.lead_imports where id = %s", (imp,)).fetchone()
    assert counts[:5] == (3, 0, 1, 1, 0)
    assert counts[5]["mapping"]["Póliza"] == "ignore"
    for name, value in zip(("imported", "updated", "duplicates", "invalid", "do_not_call"),
                           counts[:5], strict=True):
        expect(row.locator(f"[data-test='import-count-{name}']")).to_have_attribute(
            "data-value", str(value))
    expect(row.locator("[data-test='import-progress']")).to_have_attribute("value", "1")
    leads = db.execute("select phone, custom from public.leads where import_id = %s"
                       " order by phone", (imp,)).fetchall()
    assert sorted(p for p, _ in leads) == sorted(good)
    assert all(c == {} for _, c in leads)

    row.locator("[data-test='import-errors-toggle']").click()
    errors = row.locator("[data-test='import-error-row']")
    expect(errors).to_have_count(2)
    expect(row.locator("[data-test='import-error-row'][data-code='phone_invalid']")).to_be_visible()
    report = row.locator("[data-test='import-error-report']")
    expect(report).to_be_visible()
    href = report.get_attribute("href") or ""
    assert href.startswith(f"{stack.url}/storage/v1/object/sign/lead-imports/")
    body = page.request.get(href)
    assert body.ok
    assert "phone_invalid" in body.text()
    axe_check(page, "import-done")
    screenshot(page, "imports-02-done")


def test_cancel_a_previewed_import(stack, db, new_page, lead_import_worker, tmp_path: Path):
    """A preview discarded is cancelled at once and nothing is imported."""
    campaign = make_campaign(db, agents=[])
    csv = tmp_path / "one.csv"
    csv.write_text(f"name,phone\nAna,{phone_ending()}\n", encoding="utf-8")
    page = new_page()
    sign_in_supervisor(page)
    open_screen(page, "imports", "imports-screen")
    page.locator("[data-test='import-campaign']").select_option(campaign)
    page.locator("[data-test='import-file']").set_input_files(str(csv))
    page.locator("[data-test='import-upload']").click()
    expect(page.locator("[data-test='import-preview']")).to_be_visible(timeout=30_000)
    expect(page.locator("[data-test='preview-delimiter']")).to_have_text(",")
    page.locator("[data-test='import-discard']").click()
    expect(page.locator("[data-test='import-form']")).to_be_visible()
    status = db.execute("select status from public.lead_imports where campaign_id = %s",
                        (campaign,)).fetchone()[0]
    assert status == "cancelled"
    assert db.execute("select count(*) from public.leads where campaign_id = %s",
                      (campaign,)).fetchone()[0] == 0
