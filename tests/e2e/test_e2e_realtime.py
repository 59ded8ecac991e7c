"""The webphone on Realtime, in real Chromium against the test stack (the Realtime stand-in
behind the gateway): the supervisor's floor follows an agent's pause and call by push, with no
read of agent_states or calls after its join; a lead the supervisor assigns appears on the
agent's desk with a notice, without a reload; an agent who closes the tab is offline on the
floor within 60 s (the presence worker runs here as a process); an export reaches the page by
postgres_changes, with report_exports read once after the join and never polled."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, Request, expect

from tests.e2e.supervisor_pages import open_screen, sign_in_supervisor
from tests.e2e.webphone import (
    call_status,
    place_call,
    sign_in_agent,
    submit_wrap_up,
    take_next_lead,
)
from tests.presence.conftest import PresenceWorker
from tests.reporting.conftest import running_worker
from tests.support.crm_data import agent_id, make_campaign, make_leads, phone_ending

SUPERVISOR = "supervisor1@demo.test"
# Realtime pushes in well under a second; the floor's safety refetch is every 60 s, so
# anything seen within this is a push.
PUSHED_MS = 8_000


def floor_row(page: Page, agent: str):
    return page.locator(f"[data-test='floor-row'][data-agent-id='{agent}']")


def wait_live(page: Page, hook: str) -> None:
    expect(page.locator(f"[data-test='{hook}']")).to_have_attribute("data-state", "live")


class Reads:
    """The page's REST reads of some tables, counted from when `start()` is called."""

    def __init__(self, page: Page, *tables: str) -> None:
        self.pattern = re.compile(r"/rest/v1/(" + "|".join(tables) + r")\b")
        self.seen: list[str] | None = None
        page.on("request", self._on)

    def _on(self, request: Request) -> None:
        if self.seen is not None and request.method == "GET" and self.pattern.search(request.url):
            self.seen.append(request.url)

    def start(self) -> None:
        self.seen = []

    @property
    def count(self) -> int:
        return len(self.seen or [])


@pytest.fixture
def presence_worker(stack, tmp_path) -> Iterator[PresenceWorker]:
    worker = PresenceWorker(stack, tmp_path / "presence.log")
    with worker.running():
        yield worker


def test_the_floor_follows_a_pause_and_a_call_by_push(new_page, db, close_open_calls):
    agent_email = "agent5@demo.test"
    agent = agent_id(db, agent_email)
    close_open_calls(agent)
    campaign = make_campaign(db, agents=[agent])
    make_leads(db, campaign, 1, first_name="Empuje", last_name="Directo", phone=phone_ending(),
               consent_recording=True)

    supervisor = new_page()
    reads = Reads(supervisor, "agent_states", "calls", "profiles")
    sign_in_supervisor(supervisor)
    wait_live(supervisor, "floor-live")
    expect(supervisor.locator("[data-test='floor-live']")).to_contain_text("En directo")

    desk = new_page()
    sign_in_agent(desk, agent_email)
    row = floor_row(supervisor, agent)
    expect(row).to_have_attribute("data-state", "available", timeout=PUSHED_MS)
    # From here on, nothing the floor shows comes from reading the tables again.
    supervisor.wait_for_timeout(1000)
    reads.start()

    desk.locator("[data-test='pause-reason']").select_option("training")
    desk.locator("[data-test='pause-button']").click()
    expect(row).to_have_attribute("data-state", "paused", timeout=PUSHED_MS)
    expect(row.locator("[data-test='floor-state']")).to_contain_text("En pausa · Formación")
    desk.locator("[data-test='resume-button']").click()
    expect(row).to_have_attribute("data-state", "available", timeout=PUSHED_MS)

    take_next_lead(desk, campaign)
    place_call(desk)
    expect(call_status(desk)).to_have_attribute("data-status", "confirmed")
    desk.locator("[data-test='consent-yes']").click()
    expect(row).to_have_attribute("data-state", "on_call", timeout=PUSHED_MS)
    expect(row.locator("[data-test='floor-call']")).to_contain_text("En conversación",
                                                                    timeout=PUSHED_MS)
    desk.locator("#hangup-button").click()
    expect(row).to_have_attribute("data-state", "wrap_up", timeout=PUSHED_MS)
    submit_wrap_up(desk, "not_interested")
    expect(row).to_have_attribute("data-state", "available", timeout=PUSHED_MS)
    assert reads.count == 0, reads.seen


def test_a_lead_assigned_by_the_supervisor_appears_on_the_desk(new_page, db, sign_in):
    agent_email = "agent6@demo.test"
    agent = agent_id(db, agent_email)
    campaign = make_campaign(db, agents=[agent])
    phone = phone_ending()
    [lead] = make_leads(db, campaign, 1, first_name="Asignada", last_name="En Vivo", phone=phone)

    desk = new_page()
    sign_in_agent(desk, agent_email)
    wait_live(desk, "desk-live")
    # The own-leads list, narrowed to this lead's number (the list shows 50): not there yet.
    desk.locator("#lead-search").fill(phone.lstrip("+")[-9:])
    row = desk.locator(f"[data-test='lead-row'][data-lead-id='{lead}']")
    expect(desk.locator("[data-test='my-leads']")).to_contain_text("Ningún lead coincide")
    expect(row).to_have_count(0)

    # The supervisor assigns it through the API, as a supervisor (rpc/assign_lead).
    sign_in(SUPERVISOR).rpc("assign_lead", {"p_lead_id": lead, "p_agent_id": agent}).execute()
    notice = desk.locator("[data-test='toast']", has_text="Se te ha asignado un lead")
    expect(notice).to_be_visible(timeout=PUSHED_MS)
    expect(notice).to_contain_text("Asignada En Vivo")
    # The list was read again on the push: the lead is there without a reload.
    expect(row).to_be_visible()


def test_an_agent_who_closes_the_tab_is_offline_on_the_floor(new_page, db, presence_worker):
    agent_email = "agent7@demo.test"
    agent = agent_id(db, agent_email)
    campaign = make_campaign(db, agents=[agent])
    presence_worker.wait_joined(campaign)

    supervisor = new_page()
    sign_in_supervisor(supervisor)
    wait_live(supervisor, "floor-live")
    desk = new_page()
    sign_in_agent(desk, agent_email)
    wait_live(desk, "desk-live")
    row = floor_row(supervisor, agent)
    expect(row).to_have_attribute("data-state", "available", timeout=PUSHED_MS)

    desk.context.close()
    expect(row).to_have_attribute("data-state", "offline", timeout=60_000)
    expect(row.locator("[data-test='floor-state']")).to_contain_text("Desconectado · Sin conexión")
    expect(supervisor.locator("[data-test='floor-stat-offline']")).to_contain_text("Desconectado")
    state = db.execute("select state, reason from public.agent_states where agent_id = %s",
                       (agent,)).fetchone()
    assert state == ("offline", "disconnected")

    # Back: the desk tracks presence again and the floor shows the agent available.
    again = new_page()
    sign_in_agent(again, agent_email)
    expect(row).to_have_attribute("data-state", "available", timeout=20_000)


def test_an_export_arrives_by_postgres_changes_without_polling(new_page, db, stack, tmp_path):
    agent = agent_id(db, "agent8@demo.test")
    make_campaign(db, agents=[agent])
    page = new_page()
    reads = Reads(page, "report_exports")
    reads.start()
    sign_in_supervisor(page)
    open_screen(page, "reports", "reports-screen")
    page.locator("[data-test='report-campaigns-export-csv']").click()
    status = page.locator("[data-test='report-campaigns-export']")
    expect(status).to_have_attribute("data-status", "queued")
    # No worker yet: the request waits. The old page read the row every second meanwhile.
    page.wait_for_timeout(4000)
    assert reads.count == 1, reads.seen
    with running_worker(stack, "e2e-realtime-export", tmp_path, export_poll_interval="0.5",
                        refresh_interval="3600", refresh_debounce="3600",
                        refresh_max_delay="3600"):
        expect(status).to_have_attribute("data-status", "done", timeout=30_000)
        link = page.locator("[data-test='report-campaigns-download']")
        expect(link).to_have_text("Descargar CSV")
    # One read (after the join), every step of the worker pushed.
    assert reads.count == 1, reads.seen
