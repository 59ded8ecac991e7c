"""The back office on the real stack (issue 15): what a new admin does on day one.

- A product is created with what a sale must capture, a campaign is created with its settings
  (a bad caller id refused by the form naming the field, a taken name refused by the database
  with its words), agents and a supervisor are added, the product is sold in it and then
  retired; the campaign's supervisor reads the same editor, read-only.
- A user is invited from the users screen: the request row shows its status live while the
  accounts worker (python -m workers.accounts, started here as H3's tests start it) creates
  them, then the one-time set-up link; the new user opens it in another browser, chooses a
  password and lands in the app; the same link a second time says it is used.
- A permission taken from supervisors (reports.view) disappears from an open supervisor's
  navigation without a reload, and comes back when given again; the database's refusal to take
  permissions.manage from admins is shown; the audit log shows the changes with before/after.
- A deactivated user is signed out of their open session at once and cannot sign in again;
  reactivated, they can.

Every page is checked with axe-core when the test ends (tests/e2e/conftest.py), and the new
screens at chosen moments too.
"""

from __future__ import annotations

import random
import re
import uuid
from collections.abc import Iterator

import psycopg
import pytest
from playwright.sync_api import Page, expect

from stack import lifecycle, processes
from stack.config import DEMO_PASSWORD, StackConfig
from tests.e2e.webphone import sign_in, wait_for

ADMIN = "admin@demo.test"
SUPERVISOR = "supervisor1@demo.test"


def toast(page: Page):
    return page.locator("[data-test='toast']").last


def one(db: psycopg.Connection, sql: str, *args):
    """The first column of the first row (None when there is none)."""
    row = db.execute(sql, args).fetchone()
    return row[0] if row else None


def user_id(db: psycopg.Connection, email: str) -> str:
    return str(one(db, "select id from public.profiles where email = %s", email))


def free_extension(db: psycopg.Connection) -> str:
    while True:
        ext = str(random.randrange(80000, 89999))  # noqa: S311 - test data
        taken = db.execute(
            "select 1 from public.profiles where sip_extension = %(e)s"
            " union all select 1 from public.account_requests where sip_extension = %(e)s",
            {"e": ext}).fetchone()
        if not taken:
            return ext


@pytest.fixture
def accounts_worker(stack: StackConfig) -> Iterator[None]:
    """The accounts worker as a process, as tests/accounts starts it (lifecycle)."""
    lifecycle.start_accounts_worker(stack)
    try:
        yield
    finally:
        processes.stop(stack.run_dir / "accounts.pid")


@pytest.fixture
def cleanup(db: psycopg.Connection, service_client) -> Iterator[dict[str, list[str]]]:
    """Rows this test made, removed at the end: campaigns by name, products by code, users by
    e-mail (through the Auth admin API)."""
    made: dict[str, list[str]] = {"campaigns": [], "products": [], "users": []}
    yield made
    for name in made["campaigns"]:
        db.execute("delete from public.campaigns where name = %s", (name,))
    for code in made["products"]:
        db.execute("delete from public.products where code = %s", (code,))
    for email in made["users"]:
        row = db.execute("select id from auth.users where email = %s", (email,)).fetchone()
        if row:
            service_client.auth.admin.delete_user(str(row[0]))


def test_the_admin_creates_a_product_and_a_campaign_with_members(
    stack, new_page, db, axe_check, screenshot, cleanup,
):
    code = f"E2E-{uuid.uuid4().hex[:6].upper()}"
    name = f"Campaña e2e {uuid.uuid4().hex[:6]}"
    cleanup["products"].append(code)
    cleanup["campaigns"].append(name)
    agent1, agent2, supervisor = (user_id(db, e) for e in
                                  ("agent1@demo.test", "agent2@demo.test", SUPERVISOR))

    page = new_page()
    sign_in(page, ADMIN)
    expect(page.locator("[data-test='admin-users']")).to_be_visible()

    # A product, with what a sale of it must capture.
    page.locator("[data-test='nav-admin-products']").click()
    page.locator("[data-test='product-new']").click()
    expect(page).to_have_url(re.compile(r"/admin/products/new$"))
    page.locator("[data-test='product-code']").fill(code)
    page.locator("[data-test='product-name']").fill("Decesos e2e")
    page.locator("[data-test='product-line']").select_option("funeral")
    page.locator("[data-test='product-premium']").fill("0")
    page.locator("[data-test='product-save']").click()
    # The form refuses, naming the field; nothing is written.
    expect(page.locator("[data-field='product-premium']")).to_contain_text("Prima")
    assert one(db, "select count(*) from public.products where code = %s", code) == 0
    page.locator("[data-test='product-premium']").fill("14,90")
    page.locator("[data-test='product-coverageAmount']").fill("6000")
    page.locator("[data-test='product-frequency']").select_option("yearly")
    page.locator("[data-test='product-requirement'][data-key='iban']").check()
    page.locator("[data-test='product-requirement'][data-key='birth_date']").check()
    axe_check(page, "product editor")
    page.locator("[data-test='product-save']").click()
    expect(page).to_have_url(re.compile(r"/admin/products/[0-9a-f-]{36}$"))
    product = page.url.rsplit("/", 1)[1]
    row = db.execute("select code, premium, payment_frequency, coverage_amount, sale_requirements,"
                     " insurance_line, active from public.products where id = %s",
                     (product,)).fetchone()
    assert (row[0], float(row[1]), row[2], float(row[3]), row[4], row[5], row[6]) == \
        (code, 14.90, "yearly", 6000.0, ["iban", "birth_date"], "funeral", True)

    # A campaign: the form checks the caller id; the database refuses a taken name.
    page.locator("[data-test='nav-admin-campaigns']").click()
    page.locator("[data-test='campaign-new']").click()
    expect(page).to_have_url(re.compile(r"/admin/campaigns/new$"))
    taken = db.execute("select name from public.campaigns order by name limit 1").fetchone()[0]
    page.locator("[data-test='campaign-name']").fill(taken)
    page.locator("[data-test='campaign-description']").fill("Decesos para mayores de 50")
    page.locator("[data-test='campaign-day-6']").check()
    page.locator("[data-test='campaign-hoursStart']").fill("10:00")
    page.locator("[data-test='campaign-hoursEnd']").fill("20:30")
    page.locator("[data-test='campaign-maxAttempts']").fill("4")
    page.locator("[data-test='campaign-retryDelays']").fill("30m, 2h, 1d")
    page.locator("[data-test='campaign-callerId']").fill("12345")
    page.locator("[data-test='campaign-disposition'][data-code='voicemail']").uncheck()
    page.locator("[data-test='lead-field-add']").click()
    page.locator("[data-test='lead-field-key']").fill("poliza_anterior")
    page.locator("[data-test='lead-field-label']").fill("Póliza anterior")
    page.locator("[data-test='lead-field-required']").check()
    page.locator("[data-test='campaign-dialMode']").select_option("predictive")
    page.locator("[data-test='campaign-abandonTargetPct']").fill("2")
    page.locator("[data-test='campaign-abandonLockoutHours']").fill("48")
    page.locator("[data-test='campaign-save']").click()
    expect(page.locator("[data-field='campaign-callerId']")).to_contain_text(
        "Identificador de llamada")
    page.locator("[data-test='campaign-callerId']").fill("912 345 678")
    page.locator("[data-test='campaign-save']").click()
    expect(page.locator("[data-test='campaign-error']")).to_contain_text("Ya existe")
    expect(page.locator("[data-test='campaign-error']")).to_contain_text("campaigns_name_key")
    page.locator("[data-test='campaign-name']").fill(name)
    axe_check(page, "campaign editor, new")
    page.locator("[data-test='campaign-save']").click()
    expect(page).to_have_url(re.compile(r"/admin/campaigns/[0-9a-f-]{36}$"))
    campaign = page.url.rsplit("/", 1)[1]
    saved = db.execute(
        "select name, status, calling_days, calling_hours_start::text, calling_hours_end::text,"
        " max_attempts, retry_delays::text, caller_id, 'voicemail' = any(allowed_dispositions),"
        " lead_fields, dial_mode, abandon_target::text, abandon_lockout_hours, country_code"
        " from public.campaigns where id = %s", (campaign,)).fetchone()
    assert saved == (name, "draft", [1, 2, 3, 4, 5, 6], "10:00:00", "20:30:00", 4,
                     '{00:30:00,02:00:00,"1 day"}', "+34912345678", False,
                     [{"key": "poliza_anterior", "label": "Póliza anterior", "type": "text",
                       "required": True}], "predictive", "0.020", 48, "ES")

    # Members: two agents and a supervisor, one agent removed again.
    members = page.locator("[data-test='campaign-members']")
    for uid in (agent1, agent2, supervisor):
        members.locator("[data-test='member-user']").select_option(uid)
        members.locator("[data-test='member-add']").click()
        expect(members.locator(f"[data-test='member-row'][data-user-id='{uid}']")).to_be_visible()
    expect(members.locator(f"[data-test='member-row'][data-user-id='{supervisor}']")) \
        .to_have_attribute("data-member-role", "supervisor")
    members.locator(f"[data-test='member-row'][data-user-id='{agent2}']") \
        .locator("[data-test='member-remove']").click()
    expect(members.locator(f"[data-test='member-row'][data-user-id='{agent2}']")).to_have_count(0)
    assert sorted(db.execute(
        "select user_id::text, member_role::text from public.campaign_members"
        " where campaign_id = %s",
        (campaign,)).fetchall()) == sorted([(agent1, "agent"), (supervisor, "supervisor")])

    # The product is sold in the campaign; the status changes and is saved.
    sold = page.locator(f"[data-test='campaign-product'][data-product-id='{product}']")
    sold.check()
    expect(toast(page)).to_have_text("Cambio guardado.")
    wait_for("the product sold in the campaign", lambda: db.execute(
        "select 1 from public.campaign_products where campaign_id = %s and product_id = %s",
        (campaign, product)).fetchone())
    page.locator("[data-test='campaign-status']").select_option("active")
    page.locator("[data-test='campaign-save']").click()
    expect(page.locator("[data-test='campaign-saved']")).to_be_visible()
    assert db.execute("select status from public.campaigns where id = %s",
                      (campaign,)).fetchone()[0] == "active"
    axe_check(page, "campaign editor, members and products")
    screenshot(page, "backoffice-01-campaign-editor")

    # The product is retired from its editor.
    page.goto(f"{stack.url}/admin/products/{product}")
    page.locator("[data-test='product-retire']").click()
    expect(page.locator("[data-test='product-retired']")).to_be_visible()
    assert one(db, "select active from public.products where id = %s", product) is False

    # The campaign's supervisor reads it, read-only, from their own navigation.
    sup = new_page()
    sign_in(sup, SUPERVISOR)
    sup.locator("[data-test='nav-campaigns']").click()
    sup.locator(f"[data-test='campaign-row'][data-campaign-id='{campaign}']") \
        .locator("[data-test='campaign-open']").click()
    expect(sup.locator("[data-test='campaign-read-only']")).to_be_visible()
    expect(sup.locator("[data-test='campaign-name']")).to_have_value(name)
    expect(sup.locator("[data-test='campaign-name']")).to_be_disabled()
    expect(sup.locator("[data-test='campaign-save']")).to_have_count(0)
    expect(sup.locator("[data-test='member-add']")).to_have_count(0)
    expect(sup.locator(f"[data-test='member-row'][data-user-id='{agent1}']")).to_be_visible()
    expect(sup.locator("[data-test='nav-admin-campaigns']")).to_have_count(0)


def test_an_invited_user_signs_in_for_the_first_time_through_the_link(
    stack, new_page, browser, db, axe_check, screenshot, cleanup, accounts_worker,
):
    email = f"nuevo-{uuid.uuid4().hex[:8]}@demo.test"
    cleanup["users"].append(email)
    extension = free_extension(db)
    campaign = db.execute("select id from public.campaigns where status = 'active' order by name"
                          " limit 1").fetchone()[0]

    page = new_page()
    sign_in(page, ADMIN)
    expect(page.locator("[data-test='admin-users']")).to_be_visible()
    page.locator("[data-test='invite-open']").click()
    page.locator("[data-test='invite-email']").fill("no-es-un-correo")
    page.locator("[data-test='invite-name']").fill("Nueva Agente")
    page.locator("[data-test='invite-submit']").click()
    expect(page.locator("[data-field='invite-email']")).to_contain_text("Correo")
    page.locator("[data-test='invite-email']").fill(email)
    page.locator("[data-test='invite-role']").select_option("agent")
    page.locator("[data-test='invite-extension']").fill(extension)
    page.locator(f"[data-test='invite-campaign'][data-campaign-id='{campaign}']").check()
    axe_check(page, "invite form")
    page.locator("[data-test='invite-submit']").click()

    # The request, followed live until the worker is done; then its one-time link.
    request = page.locator("[data-test='account-request']")
    expect(request).to_have_attribute("data-kind", "invite")
    expect(request).to_have_attribute("data-status", "done", timeout=30_000)
    link = page.locator("[data-test='request-link']")
    expect(link).to_have_value(
        re.compile(re.escape(stack.url) + r"/set-password\?token_hash=[^&]+&type=invite$"))
    expect(page.locator("[data-test='request-expires']")).to_contain_text("Caduca el")
    axe_check(page, "invite done, link")
    screenshot(page, "backoffice-02-invite-link")
    url = link.input_value()
    profile = db.execute("select id, role, sip_extension, full_name, active from public.profiles"
                         " where email = %s", (email,)).fetchone()
    assert profile[1:] == ("agent", extension, "Nueva Agente", True)
    assert db.execute("select member_role from public.campaign_members where user_id = %s"
                      " and campaign_id = %s", (profile[0], campaign)).fetchone() == ("agent",)

    # The new user, in a browser of their own: the link, a password, the app.
    newcomer = new_page()
    newcomer.goto(url)
    expect(newcomer.locator("[data-test='set-password-account']")).to_contain_text(email)
    newcomer.locator("[data-test='set-password-new']").fill("corta")
    newcomer.locator("[data-test='set-password-confirm']").fill("corta")
    newcomer.locator("[data-test='set-password-submit']").click()
    expect(newcomer.locator("#set-password")).to_contain_text("demasiado corta")
    axe_check(newcomer, "set password")
    password = "primer-dia-2026"
    newcomer.locator("[data-test='set-password-new']").fill(password)
    newcomer.locator("[data-test='set-password-confirm']").fill(password)
    newcomer.locator("[data-test='set-password-submit']").click()
    expect(newcomer).to_have_url(re.compile(r"/agent"), timeout=20_000)
    expect(newcomer.locator("[data-test='user-name']")).to_have_text("Nueva Agente")

    # The link works once.
    again = new_page()
    again.goto(url)
    expect(again.locator("[data-test='set-password-error']")).to_have_text(
        "El enlace ha caducado o ya se ha usado.")

    # And the password chosen is the account's: a fresh sign-in with it works.
    fresh = new_page()
    sign_in(fresh, email, password)
    expect(fresh).to_have_url(re.compile(r"/agent"))


@pytest.fixture
def reports_grant(db: psycopg.Connection) -> Iterator[None]:
    """supervisor holds reports.view before and after the test, whatever happens in it."""
    yield
    db.execute("insert into public.role_permissions (role, permission) values"
               " ('supervisor', 'reports.view') on conflict do nothing")


def test_a_permission_change_takes_effect_on_open_screens(
    stack, new_page, db, axe_check, screenshot, reports_grant,
):
    assert db.execute("select 1 from public.role_permissions where role = 'supervisor'"
                      " and permission = 'reports.view'").fetchone()
    supervisor = new_page()
    sign_in(supervisor, SUPERVISOR)
    expect(supervisor.locator("[data-test='nav-reports']")).to_be_visible()

    page = new_page()
    sign_in(page, ADMIN)
    page.locator("[data-test='nav-admin-permissions']").click()
    expect(page).to_have_url(re.compile(r"/admin/permissions$"))
    grant = page.locator(
        "[data-test='grant'][data-role='supervisor'][data-permission='reports.view']")
    expect(grant).to_be_checked()
    axe_check(page, "permission matrix")
    screenshot(page, "backoffice-03-permissions")

    # Taken: the supervisor's navigation loses Reports without a reload.
    grant.uncheck()
    expect(toast(page)).to_have_text("Cambio guardado.")
    assert db.execute("select 1 from public.role_permissions where role = 'supervisor'"
                      " and permission = 'reports.view'").fetchone() is None
    expect(supervisor.locator("[data-test='nav-reports']")).to_have_count(0)
    expect(supervisor.locator("[data-test='nav-floor']")).to_be_visible()

    # Given back: it returns, still without a reload.
    grant.check()
    expect(grant).to_be_checked()
    expect(supervisor.locator("[data-test='nav-reports']")).to_be_visible()

    # The database keeps permissions.manage with admins: its words, the box back.
    guard = page.locator(
        "[data-test='grant'][data-role='admin'][data-permission='permissions.manage']")
    guard.uncheck()
    expect(page.locator("[data-test='permissions-error']")).to_contain_text("permissions.manage")
    expect(guard).to_be_checked()

    # The audit log: both changes, who made them, before and after.
    page.locator("[data-test='nav-admin-audit']").click()
    page.locator("[data-test='audit-filter-table']").select_option("role_permissions")
    rows = page.locator("[data-test='audit-row'][data-table='role_permissions']")
    expect(rows.first).to_be_visible()
    expect(page.locator("[data-test='audit-row'][data-operation='delete']").first).to_contain_text("reports.view")
    expect(rows.first).to_have_attribute("data-operation", "insert")
    expect(rows.first).to_contain_text("Ana Administradora")
    rows.first.locator("[data-test='audit-open']").click()
    diff = page.locator("[data-test='audit-diff']")
    expect(diff).to_contain_text("permission")
    expect(diff).to_contain_text("reports.view")
    axe_check(page, "audit log")


def test_a_deactivated_user_is_signed_out_at_once(
    stack, new_page, db, service_client, cleanup, accounts_worker,
):
    email = f"baja-{uuid.uuid4().hex[:8]}@demo.test"
    cleanup["users"].append(email)
    user = service_client.auth.admin.create_user({
        "email": email, "password": DEMO_PASSWORD, "email_confirm": True,
        "app_metadata": {"role": "supervisor"},
        "user_metadata": {"full_name": "Supervisora Saliente"}}).user

    them = new_page()
    sign_in(them, email)
    expect(them.locator("[data-test='user-name']")).to_have_text("Supervisora Saliente")

    page = new_page()
    sign_in(page, ADMIN)
    row = page.locator(f"[data-test='user-row'][data-user-id='{user.id}']")
    expect(row.locator("[data-test='user-active']")).to_be_checked()
    row.locator("label:has([data-test='user-active'])").click()
    expect(row.locator("[data-test='user-active']")).not_to_be_checked()
    request = page.locator("[data-test='account-request']")
    expect(request).to_have_attribute("data-kind", "deactivate")
    assert one(db, "select active from public.profiles where id = %s", user.id) is False

    # Their open session ends by itself, saying why.
    expect(them.locator("[data-test='sign-in-screen']")).to_be_visible()
    expect(them.locator("[data-test='sign-in-error']")).to_have_text(
        "Su cuenta está desactivada. Hable con su supervisor.")
    expect(request).to_have_attribute("data-status", "done", timeout=30_000)
    sign_in(them, email)
    # Banned in Auth by the worker: the sign-in is refused.
    expect(them.locator("[data-test='sign-in-error']")).to_be_visible()
    expect(them.locator("[data-test='user-name']")).to_have_count(0)

    # Reactivated: they sign in again.
    row.locator("label:has([data-test='user-active'])").click()
    expect(row.locator("[data-test='user-active']")).to_be_checked()
    expect(request).to_have_attribute("data-kind", "reactivate")
    expect(request).to_have_attribute("data-status", "done", timeout=30_000)
    back = new_page()
    sign_in(back, email)
    expect(back.locator("[data-test='user-name']")).to_have_text("Supervisora Saliente")
