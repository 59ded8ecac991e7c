"""The supervisor's half of listening, in real Chromium, over a recorded call seeded in the
database (the agent's half, placing the call from the desk, is tests/e2e/test_e2e_recordings.py):
the real recordings worker stores the WAV as Opus; the supervisor opens the recordings screen,
presses Listen and the browser, granted by rpc/recording_url, has Storage sign it and plays it;
the access log shows the grant with the supervisor's name, and pages through older requests."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import expect

from tests.e2e.supervisor_pages import axe_violations, open_screen, sign_in_supervisor
from tests.recordings.conftest import Dirs, World, running, settings_for
from tests.support.crm_data import SUPERVISOR1, agent_id, make_campaign
from tests.support.waiting import wait_for
from workers.recordings.uploads import Uploader

AGENT = "agent4@demo.test"


def test_the_supervisor_listens_and_pages_the_access_log(stack, db, new_page, screenshot,
                                                          tmp_path: Path):
    agent = agent_id(db, AGENT)
    campaign = make_campaign(db, agents=[agent])
    dirs = Dirs(monitor=tmp_path / "monitor", work=tmp_path / "work")
    dirs.monitor.mkdir()
    dirs.work.mkdir()
    world = World(db=db, dirs=dirs, campaign_id=campaign, agent_id=agent)
    call = world.call(ended_ago=5)["id"]
    unrecorded = world.call(recorded=False)["id"]
    # Older requests of this campaign's calls, so the log has a second page.
    db.execute(
        "insert into public.recording_access_log (call_id, campaign_id, requested_by,"
        " requested_at, outcome, reason_code, reason)"
        " select %s, %s, %s, now() - interval '1 day' - make_interval(mins => n), 'refused',"
        " '42501', 'prueba' from generate_series(1, 55) as n",
        (unrecorded, campaign, SUPERVISOR1))

    settings = settings_for(stack, dirs)
    with running(Uploader(settings)):
        wait_for(lambda: db.execute("select recording_status = 'stored' from public.calls"
                                    " where id = %s", (call,)).fetchone()[0],
                 timeout=30, what="the recording in Storage")
        page = new_page()
        sign_in_supervisor(page)
        open_screen(page, "recordings", "recordings-screen")
        row = page.locator(f"[data-test='call-row'][data-call-id='{call}']")
        expect(row.locator("[data-test='recording-status']")).to_have_attribute(
            "data-status", "stored")
        expect(page.locator(f"[data-test='call-row'][data-call-id='{unrecorded}']"
                            " [data-test='play-recording']")).to_have_count(0)
        row.locator("[data-test='play-recording']").click()
        audio = page.locator("[data-test='recording-audio']")
        expect(audio).to_be_visible()
        page.wait_for_function("el => el.readyState >= 1 && Math.abs(el.duration - 3) < 0.5",
                               arg=audio.element_handle(), timeout=15_000)
        assert (audio.get_attribute("src") or "").startswith(f"{stack.url}/storage/v1/object/sign/")
        screenshot(page, "supervisor-05-recordings-listen")

    page.reload()
    log_row = page.locator(f"[data-test='access-log-row'][data-call-id='{call}']")
    expect(log_row).to_have_attribute("data-outcome", "granted")
    expect(log_row).to_contain_text("Sergio Ruiz")
    assert axe_violations(page) == []
    # The seeded refusals are older: past the first 50 rows.
    expect(page.locator("[data-test='access-log-row']")).to_have_count(50)
    expect(page.locator("[data-test='access-log-prev']")).to_be_disabled()
    page.locator("[data-test='access-log-next']").click()
    expect(page.locator("[data-test='access-log-page']")).to_have_text("Página 2")
    refused = page.locator(f"[data-test='access-log-row'][data-call-id='{unrecorded}']")
    expect(refused.first).to_have_attribute("data-outcome", "refused")
    expect(refused.first).to_contain_text("No tiene permiso")
    expect(page.locator("[data-test='access-log-prev']")).to_be_enabled()
