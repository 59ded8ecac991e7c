"""The webphone's shell on the real stack.

An agent signs in on the React sign-in and lands in the shell at /agent: their name and role
in the top bar, their navigation, the slot for the desk's state controls, the language switch
and sign-out; a supervisor lands in theirs; a wrong password is refused with the words agents
know. The screens inside the shell are the role chunks' (asserted in their own e2e files):
here only the frame. The JavaScript the agent's route loads (the initial chunk and the
agent's chunk, as the browser received them) is measured gzipped on a fresh load of the
agent's page, against the issue's budget for the agent's desk (250 KB), and reported.

Every page is checked with axe when the test ends (conftest.py); the sign-in, the shell and
the help dialog also at their moment, with `axe_check`.
"""

from __future__ import annotations

import gzip
import json
import re
import uuid
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, Response, expect

from stack.config import DEMO_PASSWORD
from tests.e2e.webphone import TIMEZONE, VIEWPORT, sign_in

AGENT_NAME = "Agente de Prueba"
SUPERVISOR = "supervisor1@demo.test"
# The budget: the agent's desk before the supervisor and admin chunks, gzip.
AGENT_JS_BUDGET = 250 * 1024


def record_scripts(page: Page) -> dict[str, bytes]:
    """Every script the page receives from the React app, by file name."""
    scripts: dict[str, bytes] = {}

    def keep(response: Response) -> None:
        if re.search(r"/assets/[^/]+\.js$", response.url) and response.ok:
            scripts[response.url.rsplit("/", 1)[1]] = response.body()

    page.on("response", keep)
    return scripts


def open_app(new_page, stack) -> tuple[Page, dict[str, bytes]]:
    """A new person's page at /, with the scripts it receives."""
    page = new_page()
    scripts = record_scripts(page)
    page.goto(stack.url + "/")
    expect(page.locator("#sign-in")).to_be_visible()
    return page, scripts


def expect_shell(page: Page, name: str, role: str) -> None:
    """The frame of a signed-in screen: who, the state slot, language, help, sign-out."""
    expect(page.locator("#topbar")).to_be_visible()
    expect(page.locator("[data-test='user-name']")).to_have_text(name)
    expect(page.locator("[data-test='user-role']")).to_contain_text(role)
    expect(page.locator("[data-test='status-slot']")).to_be_attached()
    expect(page.locator("[data-test='language-select']")).to_have_value("es")
    expect(page.locator("[data-test='help-button']")).to_be_visible()
    expect(page.locator("[data-test='sign-out']")).to_have_text("Cerrar sesión")
    expect(page.get_by_role("main")).to_be_visible()


@pytest.fixture
def agent(service_client) -> Iterator[str]:
    """An agent of this test's own: signing out ends every session of the account (Supabase's
    global sign-out, and the API refuses ended sessions), so it must not be one whose sessions
    other tests keep."""
    email = f"e2e-shell-{uuid.uuid4().hex[:8]}@demo.test"
    user = service_client.auth.admin.create_user({
        "email": email, "password": DEMO_PASSWORD, "email_confirm": True,
        "app_metadata": {"role": "agent"}, "user_metadata": {"full_name": AGENT_NAME}}).user
    yield email
    service_client.auth.admin.delete_user(user.id)


def test_an_agent_signs_in_on_the_react_app_and_sees_the_shell(
    stack, browser, new_page, screenshot, artifacts, capsys, agent, axe_check,
):
    page, scripts = open_app(new_page, stack)
    expect(page.get_by_role("button", name="Entrar")).to_be_visible()
    expect(page.get_by_label("Correo electrónico")).to_be_focused()
    screenshot(page, "shell-01-sign-in")
    axe_check(page, "sign-in")

    sign_in(page, agent)
    home = page.locator("#agent-desk")
    expect(home).to_be_visible()
    expect(page).to_have_url(re.compile(r"/agent$"))
    expect_shell(page, AGENT_NAME, "Agente")
    expect(home.get_by_role("heading", level=1)).to_have_text("Mi puesto")
    desk_link = page.locator("[data-test='nav-desk']")
    expect(desk_link).to_have_text("Mi puesto")
    expect(desk_link).to_have_attribute("aria-current", "page")
    # An agent's navigation is their dashboard, then their desk.
    expect(page.locator("#topbar nav [data-test^='nav-']")).to_have_count(2)
    expect(page.locator("#topbar nav [data-test^='nav-']").first).to_have_attribute(
        "data-test", "nav-dashboard")
    screenshot(page, "shell-02-agent")
    axe_check(page, "agent-shell")

    page.locator("[data-test='help-button']").click()
    expect(page.locator("[data-test='help-dialog']")).to_be_visible()
    axe_check(page, "help-dialog")
    page.locator("[data-test='help-close']").click()
    expect(page.locator("[data-test='help-dialog']")).to_be_hidden()

    # What the agent's desk costs when an agent opens it (signed in, a fresh load): the initial
    # chunk and the agent's, no sign-in form, no other role's chunk; within the budget.
    # Another window with the same session and an empty cache (no service worker yet).
    desk = browser.new_context(viewport=VIEWPORT, timezone_id=TIMEZONE,
                               storage_state=page.context.storage_state())
    desk_page = desk.new_page()
    scripts = record_scripts(desk_page)
    desk_page.goto(stack.url + "/agent")
    expect(desk_page.locator("#agent-desk")).to_be_visible()
    desk_page.wait_for_load_state("networkidle")
    desk.close()
    assert any(name.startswith("agent-routes-") for name in scripts), scripts.keys()
    others = ("supervisor-routes-", "admin-routes-", "dashboard-routes-", "SignIn-")
    assert not [name for name in scripts if name.startswith(others)], scripts.keys()
    sizes = {name: len(gzip.compress(body, compresslevel=9)) for name, body in scripts.items()}
    total = sum(sizes.values())
    report = {"route": "agent", "gzip_bytes": sizes, "total_gzip_bytes": total,
              "budget_gzip_bytes": AGENT_JS_BUDGET}
    (artifacts / "agent-js.json").write_text(json.dumps(report, indent=2) + "\n")
    with capsys.disabled():
        print(f"\n[bundle] agent route JS: {total / 1024:.1f} KB gzip "
              f"({', '.join(f'{n} {s / 1024:.1f}' for n, s in sorted(sizes.items()))}); "
              f"budget {AGENT_JS_BUDGET // 1024} KB")
    assert total < AGENT_JS_BUDGET

    # The language switch and sign-out of the shell, on the real profile.
    page.locator("[data-test='language-select']").select_option("en")
    expect(desk_link).to_have_text("My desk")
    expect(home.get_by_role("heading", level=1)).to_have_text("My desk")
    expect(page.locator("[data-test='user-role']")).to_contain_text("Agent")
    expect(page.locator("[data-test='sign-out']")).to_have_text("Sign out")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.locator("[data-test='language-select']").select_option("es")
    expect(desk_link).to_have_text("Mi puesto")
    expect(home.get_by_role("heading", level=1)).to_have_text("Mi puesto")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    page.locator("[data-test='sign-out']").click()
    expect(page.locator("#sign-in")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/$"))
    page.reload()
    expect(page.locator("[data-test='sign-in-form']")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator("script[src^='/assets/']")).to_have_count(1)


def test_a_supervisor_lands_in_the_supervisor_shell(stack, new_page, axe_check):
    page, scripts = open_app(new_page, stack)
    sign_in(page, SUPERVISOR)
    expect(page.locator("[data-test='floor-screen']")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/supervisor/floor$"))
    expect_shell(page, "Sergio Ruiz", "Supervisor")
    expect(page.locator("[data-test='nav-floor']")).to_have_text("Sala en vivo")
    expect(page.locator("[data-test='nav-desk']")).to_have_count(0)
    expect(page.locator("#topbar nav [data-test^='nav-admin-users']")).to_have_count(0)
    assert not [n for n in scripts if n.startswith("agent-routes-")]
    axe_check(page, "supervisor-shell")
    # A reload on a route of the app is served by the SPA fallback and keeps the session.
    page.reload()
    expect(page.locator("[data-test='floor-screen']")).to_be_visible()
    expect(page.locator("[data-test='user-name']")).to_have_text("Sergio Ruiz")


def test_a_wrong_password_is_refused_with_the_known_words(stack, new_page):
    page, _ = open_app(new_page, stack)
    sign_in(page, "agent8@demo.test", "not-the-password")
    error = page.locator("[data-test='sign-in-error']")
    expect(error).to_have_text("Correo o contraseña incorrectos.")
    expect(page.locator("#sign-in-password")).to_be_focused()
