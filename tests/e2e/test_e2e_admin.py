"""The admin's screens on the real stack.

The admin opens each admin screen from the navigation and changes something real on
throwaway rows of this test's own (a user, a campaign, a product, a lead), checked in the
database: a role, an extension the database refuses (taken) and then accepts, a user switched
off, a campaign paused, a product switched off; on the compliance screen a legal hold is placed
on the lead, the lead's erasure is refused while the hold lasts, the hold is released, the
lead's data exported (a JSON download) and erased after the typed confirmation. A supervisor
sees none of the admin screens and is sent home from /admin/users. Each screen is checked
with axe-core (no serious or critical violation).
"""

from __future__ import annotations

import json
import random
import re
import uuid
from collections.abc import Iterator

import psycopg
import pytest
from playwright.sync_api import Page, expect

from stack.config import DEMO_PASSWORD, PROJECT_DIR
from tests.e2e.webphone import sign_in, wait_for
from tests.support.crm_data import make_campaign, make_leads

ADMIN = "admin@demo.test"
SUPERVISOR = "supervisor1@demo.test"
AXE = PROJECT_DIR / "node_modules" / "axe-core" / "axe.min.js"


def check_axe(page: Page, where: str) -> None:
    """No serious or critical accessibility violation on the page as it is."""
    if not page.evaluate("() => 'axe' in window"):
        page.add_script_tag(path=str(AXE))
    violations = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".filter(v => ['serious', 'critical'].includes(v.impact))"
        ".map(v => `${v.id}: ${v.help} (${v.nodes.map(n => n.target.join(' ')).join(', ')})`)")
    assert not violations, f"{where}: {violations}"


def column_is(db: psycopg.Connection, table: str, column: str, row_id: str, value) -> None:
    """Waits until the row's column holds `value` (the screen shows a change while it is sent)."""
    wait_for(f"{table}.{column} = {value!r}", lambda: db.execute(
        f"select {column} from public.{table} where id = %s", (row_id,)).fetchone()[0] == value)


def toast(page: Page):
    return page.locator("[data-test='toast']").last


@pytest.fixture
def throwaway_user(service_client) -> Iterator[tuple[str, str]]:
    """An agent of this test's own: (id, email)."""
    email = f"e2e-admin-{uuid.uuid4().hex[:8]}@demo.test"
    user = service_client.auth.admin.create_user({
        "email": email, "password": DEMO_PASSWORD, "email_confirm": True,
        "app_metadata": {"role": "agent"},
        "user_metadata": {"full_name": "Usuario Desechable"}}).user
    yield user.id, email
    service_client.auth.admin.delete_user(user.id)


@pytest.fixture
def throwaway_product(db: psycopg.Connection) -> str:
    code = f"E2E-{uuid.uuid4().hex[:8].upper()}"
    return str(db.execute(
        "insert into public.products (code, name, insurance_line, premium, coverage_summary)"
        " values (%s, %s, 'life', 12.5, 'Producto de prueba') returning id",
        (code, f"Prueba {code}")).fetchone()[0])


def test_the_admin_manages_users_campaigns_products_and_compliance(
    stack, new_page, db, throwaway_user, throwaway_product, screenshot, tmp_path,
):
    user_id, user_email = throwaway_user
    campaign = make_campaign(db, agents=[])
    db.execute("update public.campaigns set recording_retention_days = 90 where id = %s",
               (campaign,))
    (lead,) = make_leads(db, campaign, 1)
    admin_id = str(db.execute("select id from public.profiles where email = %s",
                              (ADMIN,)).fetchone()[0])

    page = new_page()
    sign_in(page, ADMIN)
    # The admin's home is the first admin screen: users.
    expect(page.locator("[data-test='admin-users']")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/admin/users$"))

    # Users: the throwaway agent becomes a supervisor, gets a taken extension (refused with
    # the database's words), then a free one, and is switched off.
    page.locator("[data-test='nav-admin-campaigns']").click()
    page.locator("[data-test='nav-admin-users']").click()
    row = page.locator(f"[data-test='user-row'][data-user-id='{user_id}']")
    expect(row).to_contain_text(user_email)
    expect(row.locator("[data-test='user-role']")).to_have_value("agent")
    check_axe(page, "users")
    screenshot(page, "admin-01-users")
    row.locator("[data-test='user-role']").select_option("supervisor")
    expect(toast(page)).to_have_text("Cambio guardado.")
    column_is(db, "profiles", "role", user_id, "supervisor")

    extension = row.locator("[data-test='user-extension']")
    extension.fill("1001")
    extension.press("Enter")
    expect(toast(page)).to_contain_text("Ya existe")
    expect(toast(page)).to_contain_text("sip_extension")
    expect(extension).to_have_value("")
    free = str(random.randrange(70000, 79999))  # noqa: S311 - test data
    while db.execute("select 1 from public.profiles where sip_extension = %s", (free,)).fetchone():
        free = str(random.randrange(70000, 79999))  # noqa: S311 - test data
    extension.fill(free)
    extension.press("Enter")
    expect(toast(page)).to_have_text("Cambio guardado.")
    column_is(db, "profiles", "sip_extension", user_id, free)

    row.locator("label:has([data-test='user-active'])").click()
    expect(row.locator("[data-test='user-active']")).not_to_be_checked()
    column_is(db, "profiles", "active", user_id, False)
    # Nobody changes their own role.
    own_row = page.locator(f"[data-test='user-row'][data-user-id='{admin_id}']")
    expect(own_row.locator("[data-test='user-role']")).to_be_disabled()

    # Campaigns: the throwaway campaign, with its retention, is paused.
    page.locator("[data-test='nav-admin-campaigns']").click()
    row = page.locator(f"[data-test='campaign-row'][data-campaign-id='{campaign}']")
    expect(row.locator("[data-test='campaign-retention']")).to_have_text("90 días")
    expect(row.locator("[data-test='campaign-status']")).to_have_value("active")
    check_axe(page, "campaigns")
    row.locator("[data-test='campaign-status']").select_option("paused")
    expect(toast(page)).to_have_text("Cambio guardado.")
    column_is(db, "campaigns", "status", campaign, "paused")

    # Products: the throwaway product is switched off.
    page.locator("[data-test='nav-admin-products']").click()
    row = page.locator(f"[data-test='product-row'][data-product-id='{throwaway_product}']")
    expect(row.locator("[data-test='product-active']")).to_be_checked()
    check_axe(page, "products")
    row.locator("label:has([data-test='product-active'])").click()
    expect(toast(page)).to_have_text("Cambio guardado.")
    expect(row.locator("[data-test='product-active']")).not_to_be_checked()
    column_is(db, "products", "active", throwaway_product, False)

    # Compliance: a legal hold on the lead.
    page.locator("[data-test='nav-admin-compliance']").click()
    expect(page.locator("[data-test='admin-compliance']")).to_be_visible()
    page.locator("[data-test='hold-target']").select_option("lead")
    page.locator("[data-test='hold-target-id']").fill(lead)
    page.locator("[data-test='hold-place']").click()
    expect(page.locator("[data-test='hold-error']")).to_have_text(
        "Indique el motivo de la retención.")
    page.locator("[data-test='hold-reason']").fill("Reclamación e2e")
    page.locator("[data-test='hold-place']").click()
    hold = page.locator("[data-test='hold-row']", has_text=lead)
    expect(hold).to_have_attribute("data-active", "true")
    held = db.execute("select id, reason, placed_by from public.legal_holds where lead_id = %s"
                      " and released_at is null", (lead,)).fetchall()
    assert [(r[1], str(r[2])) for r in held] == [("Reclamación e2e", admin_id)]
    check_axe(page, "compliance")
    screenshot(page, "admin-02-compliance-hold", docs="compliance.png")

    # Erasing while the hold lasts: the database refuses, with its message.
    page.locator("[data-test='compliance-lead-id']").fill(lead)
    page.locator("[data-test='lead-erase']").click()
    page.locator("[data-test='erase-confirm-input']").fill(lead)
    page.locator("[data-test='erase-confirm']").click()
    error = page.locator("[data-test='compliance-error']")
    expect(error).to_contain_text("El lead está bajo una retención legal")
    expect(error).to_contain_text("Reclamación e2e")
    assert db.execute("select erased_at from public.leads where id = %s",
                      (lead,)).fetchone()[0] is None

    # The hold is released (the browser's confirmation accepted).
    page.once("dialog", lambda dialog: dialog.accept())
    hold.locator("[data-test='hold-release']").click()
    expect(hold).to_have_attribute("data-active", "false")
    released = db.execute("select released_at, released_by from public.legal_holds where id = %s",
                          (held[0][0],)).fetchone()
    assert released[0] is not None and str(released[1]) == admin_id

    # The lead's data, exported as a JSON download.
    page.locator("[data-test='compliance-lead-id']").fill(lead)
    with page.expect_download() as download:
        page.locator("[data-test='lead-export']").click()
    assert re.fullmatch(rf"lead-{lead}-\d{{4}}(-\d\d){{5}}\.json",
                        download.value.suggested_filename)
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    exported = json.loads(saved.read_text())
    assert lead in json.dumps(exported) and "Prueba" in json.dumps(exported)
    expect(page.locator("[data-test='export-done']")).to_contain_text(download.value.suggested_filename)

    # The erasure: refused until the id is typed, then done and summed up.
    page.locator("[data-test='lead-erase']").click()
    confirm = page.locator("[data-test='erase-confirm']")
    expect(confirm).to_be_disabled()
    page.locator("[data-test='erase-confirm-input']").fill(lead[:-1])
    expect(confirm).to_be_disabled()
    page.locator("[data-test='erase-confirm-input']").fill(lead)
    expect(confirm).to_be_enabled()
    check_axe(page, "compliance, erasure confirmation")
    confirm.click()
    expect(page.locator("[data-test='erase-summary']")).to_be_visible()
    expect(toast(page)).to_have_text("Datos personales del lead borrados.")
    erased = db.execute(
        "select status, erased_at, first_name, phone from public.leads where id = %s",
        (lead,)).fetchone()
    assert erased[0] == "erased" and erased[1] is not None
    assert erased[2] != "Prueba" and erased[3] is None
    screenshot(page, "admin-03-compliance-erased")


def test_a_supervisor_has_no_admin_screens(stack, new_page):
    page = new_page()
    sign_in(page, SUPERVISOR)
    expect(page).to_have_url(re.compile(r"/supervisor"))
    expect(page.locator("[data-test='user-name']")).to_have_text("Sergio Ruiz")
    for screen in ("users", "campaigns", "products", "compliance", "permissions", "audit"):
        expect(page.locator(f"[data-test='nav-admin-{screen}']")).to_have_count(0)
    page.goto(stack.url + "/admin/users")
    expect(page).to_have_url(re.compile(r"/supervisor/floor$"))
    expect(page.locator("[data-test='admin-users']")).to_have_count(0)
