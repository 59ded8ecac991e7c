"""Consent and listening, in real Chromium against the test stack.

The agent calls a lead through Kamailio, reads the recording notice and the lead says yes; the
INVITE told the PBX to record. The embedded stack has no Asterisk, so the test does what
Asterisk and the AMI bridge would: a WAV appears in the monitor directory and the call gets
its file name. The real recordings worker stores it as Opus; the campaign's supervisor opens
the recordings screen, presses Listen: the browser asks rpc/recording_url for a grant, then
Storage for the signed URL, and plays it (its media element reads the Opus file's duration);
the access log shows the grant, used. A second lead who refused
recording before is called with `X-CRM-Record: no`, and the call says not_recorded.
"""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.e2e.webphone import (
    call_status,
    open_own_lead,
    place_call,
    sign_in,
    sign_in_agent,
    submit_wrap_up,
    wait_for,
)
from tests.recordings.conftest import Dirs, make_wav, running, settings_for
from tests.support.crm_data import agent_id, make_campaign, make_leads, phone_ending
from workers.recordings.uploads import Uploader

AGENT = "agent2@demo.test"
SUPERVISOR = "supervisor1@demo.test"


def invite_logged(stack, call_id: str) -> str | None:
    """What Kamailio saw in the call's INVITE as X-CRM-Record (stack/kamailio.py logs it)."""
    log = (Path(stack.log_dir) / "kamailio.log").read_text(errors="replace")
    found = re.search(rf"crm-invite to=\S+ call={call_id} record=(\S+)", log)
    return found.group(1) if found else None


def call_and_hang_up(page: Page, db, lead: str, phone: str, consent: str | None) -> str:
    open_own_lead(page, lead, phone)
    place_call(page)
    expect(call_status(page)).to_have_attribute("data-status", "confirmed")
    call_id = wait_for("the call row", lambda: db.execute(
        "select id::text from public.calls where lead_id = %s", (lead,)).fetchone())[0]
    if consent:
        page.locator(f"[data-test='consent-{consent}']").click()
        wait_for("the consent on the call", lambda: db.execute(
            "select recording_consent is not null from public.calls where id = %s",
            (call_id,)).fetchone()[0])
    page.locator("#hangup-button").click()
    submit_wrap_up(page, "not_interested")
    return call_id


def test_a_consented_call_is_recorded_and_the_supervisor_listens(
    stack, db, new_page, screenshot, close_open_calls, tmp_path,
):
    agent = agent_id(db, AGENT)
    close_open_calls(agent)
    campaign = make_campaign(db, agents=[agent])
    willing_phone, refusing_phone = phone_ending(), phone_ending()
    [willing] = make_leads(db, campaign, 1, first_name="Marta", phone=willing_phone, owner_id=agent)
    [refusing] = make_leads(db, campaign, 1, first_name="Andrés", phone=refusing_phone,
                            owner_id=agent, consent_recording=False)

    # --- The agent: the lead agrees to be recorded ------------------------------------------
    page = new_page()
    sign_in_agent(page, AGENT)
    call_id = call_and_hang_up(page, db, willing, willing_phone, consent="yes")
    assert invite_logged(stack, call_id) == "yes"
    assert db.execute("select consent_recording from public.leads where id = %s",
                      (willing,)).fetchone()[0] is True

    # --- Asterisk and the AMI bridge, as far as the recording goes ---------------------------
    dirs = Dirs(monitor=tmp_path / "monitor", work=tmp_path / "work")
    dirs.work.mkdir()
    pbx_name = f"{dirs.pbx}/e2e/out-{call_id}.wav"
    make_wav(dirs.local(pbx_name), seconds=3.0)
    db.execute("update public.calls set recording_file = %s where id = %s", (pbx_name, call_id))

    settings = settings_for(stack, dirs)
    with running(Uploader(settings)):
        wait_for("the recording in Storage", lambda: db.execute(
            "select recording_status = 'stored' from public.calls where id = %s",
            (call_id,)).fetchone()[0], timeout=30)
        assert not dirs.local(pbx_name).exists(), "the local file goes once stored"

        # --- The supervisor listens --------------------------------------------------------
        boss = new_page()
        sign_in(boss, SUPERVISOR)
        boss.locator("[data-test='nav-recordings']").click()
        row = boss.locator(f"[data-test='call-row'][data-call-id='{call_id}']")
        expect(row.locator("[data-test='recording-status']")).to_have_attribute(
            "data-status", "stored")
        row.locator("[data-test='play-recording']").click()
        audio = boss.locator("[data-test='recording-audio']")
        expect(audio).to_be_visible()
        # The browser fetched the signed URL and decoded the Opus file: about 3 s of audio.
        boss.wait_for_function(
            "el => el.readyState >= 1 && Math.abs(el.duration - 3) < 0.5",
            arg=audio.element_handle(), timeout=15_000)
        assert audio.get_attribute("src").startswith(f"{stack.url}/storage/v1/object/sign/")
        screenshot(boss, "recordings-01-supervisor-listens")

    granted = db.execute(
        "select count(*), count(a.used_at) from public.recording_access_log as a"
        " inner join public.profiles as p on a.requested_by = p.id"
        " where a.call_id = %s and a.outcome = 'granted' and p.email = %s",
        (call_id, SUPERVISOR)).fetchone()
    assert tuple(granted) == (1, 1), "one grant, used by the browser's one signing"
    boss.reload()
    log_row = boss.locator(f"[data-test='access-log-row'][data-call-id='{call_id}']")
    expect(log_row).to_have_attribute("data-outcome", "granted")

    # --- A lead who refused recording before: the PBX is told not to record ----------------
    refused_call = call_and_hang_up(page, db, refusing, refusing_phone, consent=None)
    assert invite_logged(stack, refused_call) == "no"
    assert db.execute("select recording_status from public.calls where id = %s",
                      (refused_call,)).fetchone()[0] == "not_recorded"
