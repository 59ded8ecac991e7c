"""End to end: a call the AMI bridge mirrors leaves a recording; the worker stores it; a
supervisor of the campaign listens as the webphone does: rpc/recording_url (the database decides,
logs, and grants one signing for 30 s), then Storage's create_signed_url under that grant (exact
bytes). Others are refused and cannot sign; a grant signs once and not after its life; the URL
expires; every request is one row of recording_access_log. And no API role reaches the bucket
otherwise (list, download, upload, delete), with or without a grant: only the service role."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import time
from dataclasses import replace
from datetime import UTC

import httpx
import pytest
from postgrest.exceptions import APIError
from storage3.exceptions import StorageApiError

from stack.config import DEMO_PASSWORD, PROJECT_DIR
from tests.ami_bridge.bridge_helpers import BridgeThread, bridge_settings, frame_time, load_case
from tests.recordings.conftest import (
    BUCKET,
    access_log,
    make_wav,
    objects_in,
    one_pass,
    rpc_http,
    running,
    sha256,
)
from tests.support.ami_server import AmiServer
from tests.support.waiting import wait_for
from workers.recordings.uploads import Uploader

SEQUENCE = "outbound_answered_recorded"  # carries VarSet MIXMONITOR_FILENAME
SUPERVISOR1 = "00000000-0000-4000-a000-000000000011"
SUPERVISOR2 = "00000000-0000-4000-a000-000000000012"
AGENT6 = "00000000-0000-4000-a000-000000000106"


def ask(client, call_id: str) -> dict:
    """rpc/recording_url as the webphone calls it: the grant, or an APIError."""
    grant = client.rpc("recording_url", {"p_call_id": call_id}).execute().data
    assert (grant["bucket"], grant["expires_in"], grant["call_id"]) == (BUCKET, 300, call_id)
    return grant


def sign(client, grant: dict, seconds: int | None = None) -> str:
    """Storage's create_signed_url as the same user, under the grant."""
    return client.storage.from_(grant["bucket"]).create_signed_url(
        grant["path"], seconds or grant["expires_in"])["signedURL"]


def end_grant(db, grant: dict) -> None:
    """The grant's 30 s are over, without waiting them: its end moved to the past (the
    append-only trigger allows no such change, so it is set aside for this one statement)."""
    with db.transaction():
        db.execute("set local session_replication_role = replica")
        db.execute("update public.recording_access_log set granted_until = now() - interval '1 s'"
                   " where id = %s", (grant["access_id"],))


def test_a_mirrored_call_is_stored_and_only_its_supervisor_listens(
        stack, db, sign_in, service_client, world, worker_settings):
    # The agent dials (rpc/start_call) and records the lead's yes on the call, through
    # PostgREST, as the webphone does.
    agent = sign_in("agent1@demo.test")
    lead = world.lead(phone="+34600111222")  # the number the recorded sequence dials
    call = agent.rpc("start_call", {"p_lead_id": lead}).execute().data
    agent.table("calls").update({"recording_consent": True}).eq("id", call["id"]).execute()

    # Asterisk's side: the recorded sequence, carrying this call's id (X-CRM-Call-Id) and moved
    # to now, replayed over a real AMI socket to the real bridge. MixMonitor's file is a real WAV.
    case = load_case(SEQUENCE)
    recorded_id = case.rows[0]["crm_call_id"]
    case = replace(case, frames=[f.replace(recorded_id.encode(), call["id"].encode())
                                 for f in case.frames])
    case = case.shifted(time.time() - max(frame_time(f) for f in case.frames) - 2)
    file_name = case.rows[0]["recording_file"]
    assert file_name.startswith(world.dirs.pbx + "/")
    wav = make_wav(world.dirs.local(file_name), seconds=6.0)
    with AmiServer() as server, BridgeThread(bridge_settings(stack, server)) as bridge:
        bridge.wait_logged_in()
        server.send_events(case.frames)
        wait_for(lambda: (row := world.call_row(call["id"]))["status"] == "ended"
                 and row["recording_file"] == file_name, what="the bridge to mirror the call")
    queued = world.recording(call["id"])
    assert (queued["status"], queued["source_file"]) == ("pending", file_name)
    assert world.call_row(call["id"])["recording_status"] == "pending"

    settings = worker_settings()
    with running(Uploader(settings)):
        row = wait_for(lambda: (r := world.recording(call["id"]))["status"] == "stored"
                       and r["source_removed_at"] is not None and r,
                       what="the recording to be stored and its file removed")
        on_call = world.call_row(call["id"])
        assert row["object_path"] == (f"{world.campaign_id}/"
                                      f"{on_call['started_at'].astimezone(UTC):%Y/%m/%d}/"
                                      f"{call['id']}.opus")
        assert (on_call["recording_status"], on_call["recording_path"]) == ("stored",
                                                                           row["object_path"])
        assert not wav.exists() and row["source_removed_at"] is not None
        stored = service_client.storage.from_(BUCKET).download(row["object_path"])
        assert (len(stored), sha256(stored)) == (row["bytes"], row["sha256"])
        assert row["format"] == "opus" and abs(float(row["duration_seconds"]) - 6.0) < 0.1
        probe = json.loads(subprocess.run(
            ["ffprobe", "-v", "error", "-show_entries", "stream=codec_name,channels", "-of",
             "json", "-"], input=stored, capture_output=True, check=True).stdout)
        assert [(s["codec_name"], s["channels"]) for s in probe["streams"]] == [("opus", 1)]

        # The campaign's supervisor listens: a grant, then a signed URL at once, with exactly
        # the stored bytes.
        supervisor = sign_in("supervisor1@demo.test", fresh=True)
        first = ask(supervisor, call["id"])
        assert first["path"] == row["object_path"]
        url = sign(supervisor, first, 3)
        heard = httpx.get(url)
        assert heard.status_code == 200, heard.text
        assert heard.headers["content-type"] == "audio/ogg"
        assert hashlib.sha256(heard.content).hexdigest() == row["sha256"] == sha256(stored)
        # One grant, one signature.
        with pytest.raises(StorageApiError):
            sign(supervisor, first)

    # A supervisor and an agent of other campaigns, and the call's own agent (the campaign
    # does not let agents listen), are refused as for an unknown call: 404, PT404 (the log
    # keeps 42501, for the auditors); and Storage signs nothing for them.
    refused = {"supervisor2@demo.test": SUPERVISOR2, "agent6@demo.test": AGENT6,
               "agent1@demo.test": world.agent_id}
    for email in refused:
        other = sign_in(email)
        with pytest.raises(APIError) as denied:
            other.rpc("recording_url", {"p_call_id": call["id"]}).execute()
        assert denied.value.code == "PT404"
        assert denied.value.message == "p_call_id: not found or not yours"
        raw = rpc_http(stack, other, "recording_url", {"p_call_id": call["id"]})
        assert (raw.status_code, raw.json()["code"]) == (404, "PT404")
        with pytest.raises(StorageApiError):
            sign(other, first)

    # The URL stops working once expired; asking again gives a fresh grant and URL.
    time.sleep(4.0)
    expired = httpx.get(url)
    assert expired.status_code == 400 and "expired" in expired.text
    second = ask(supervisor, call["id"])
    again = httpx.get(sign(supervisor, second))
    assert again.status_code == 200 and sha256(again.content) == row["sha256"]

    # A grant not used within its life signs nothing.
    third = ask(supervisor, call["id"])
    end_grant(db, third)
    with pytest.raises(StorageApiError):
        sign(supervisor, third)

    # One row per request: three grants (two used), two refusals for each other user.
    log = access_log(db, call["id"])
    granted = [r for r in log if r["outcome"] == "granted"]
    assert [(r["requested_by"], r["id"], r["object_path"], r["used_at"] is not None)
            for r in granted] == [
        (SUPERVISOR1, g["access_id"], row["object_path"], used)
        for g, used in ((first, True), (second, True), (third, False))]
    denials = [(r["requested_by"], r["reason_code"], r["object_path"]) for r in log
               if r["outcome"] == "refused"]
    assert denials == [(who, "42501", None) for who in refused.values() for _ in range(2)]
    assert len(log) == 3 + 2 * len(refused)
    assert {r["campaign_id"] for r in log} == {world.campaign_id}
    assert all(r["call_id"] == call["id"] for r in log)


def test_no_api_role_reaches_the_bucket_directly(stack, world, worker_settings, sign_in,
                                                 anon_client, service_client):
    """The restrictive policy: list, download, sign, upload, overwrite and delete are all
    refused to signed-in users (admins included) and anon; the service role does them all."""
    call = world.call(wav_seconds=1.0)
    uploader = Uploader(worker_settings())
    one_pass(uploader)
    row = world.recording(call["id"])
    assert row["status"] == "stored", row["last_error"]
    path = row["object_path"]
    folder = path.rsplit("/", 1)[0]
    users = {email: sign_in(email) for email in ("supervisor1@demo.test", "admin@demo.test",
                                                 "agent1@demo.test")}
    users["anon"] = anon_client
    for who, client in users.items():
        files = client.storage.from_(BUCKET)
        assert files.list(folder) == [], who
        assert files.list(world.campaign_id) == [], who
        with pytest.raises(StorageApiError):
            files.download(path)
        with pytest.raises(StorageApiError):
            files.create_signed_url(path, 60)
        assert files.create_signed_urls([path], 60)[0]["signedURL"] is None, who
        with pytest.raises(StorageApiError):
            files.upload(f"{folder}/intruder.opus", b"OggS", {"content-type": "audio/ogg"})
        with pytest.raises(StorageApiError):
            files.upload(path, b"OggS", {"content-type": "audio/ogg", "upsert": "true"})
        assert files.remove([path]) == [], who

    # A grant opens one signing, and nothing else: listing, downloading and signing many at
    # once still show nothing and leave the grant unused.
    supervisor = users["supervisor1@demo.test"]
    grant = ask(supervisor, call["id"])
    files = supervisor.storage.from_(BUCKET)
    assert files.list(folder) == [] and files.list(world.campaign_id) == []
    with pytest.raises(StorageApiError):
        files.download(path)
    assert files.create_signed_urls([path], 60)[0]["signedURL"] is None
    assert files.remove([path]) == []
    assert sha256(httpx.get(sign(supervisor, grant)).content) == row["sha256"]

    service = service_client.storage.from_(BUCKET)
    assert [e["name"] for e in objects_in(service_client, folder)
            if e["name"].startswith(call["id"]) or e["name"] == "intruder.opus"] == [
        f"{call['id']}.opus"]
    assert sha256(service.download(path)) == row["sha256"]
    signed = service.create_signed_url(path, 60)["signedURL"]
    assert sha256(httpx.get(signed).content) == row["sha256"]


def test_a_grant_to_a_recording_erased_meanwhile_signs_nothing(world, worker_settings, sign_in,
                                                              db):
    call = world.call(wav_seconds=1.0)
    one_pass(Uploader(worker_settings()))
    assert world.recording(call["id"])["status"] == "stored"
    supervisor = sign_in("supervisor1@demo.test")
    grant = ask(supervisor, call["id"])
    # The lead is erased before the browser asks Storage: no URL.
    db.execute("update public.recordings set erase_requested_at = now() where call_id = %s",
               (call["id"],))
    with pytest.raises(StorageApiError):
        sign(supervisor, grant)


def test_supabase_js_signs_under_the_grant(stack, world, worker_settings):
    """The webphone's client: rpc then storage.createSignedUrl, the URL plays; a second
    signing under the same grant, and another user's, fail."""
    call = world.call(wav_seconds=1.0)
    one_pass(Uploader(worker_settings()))
    row = world.recording(call["id"])
    assert row["status"] == "stored"
    env = {**os.environ, "SUPABASE_URL": stack.url, "SUPABASE_ANON_KEY": stack.anon_key,
           "USER_EMAIL": "supervisor1@demo.test", "OTHER_EMAIL": "supervisor2@demo.test",
           "USER_PASSWORD": DEMO_PASSWORD, "CALL_ID": call["id"]}
    done = subprocess.run(["node", str(PROJECT_DIR / "tests/support/recording_listen_js.mjs")],
                          cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["grant"]["error"] is None and out["grant"]["path"] == row["object_path"]
    assert out["sign"]["error"] is None, out
    assert (out["get"]["status"], out["get"]["sha256"]) == (200, row["sha256"])
    assert out["sign_again"]["url"] is None and out["sign_again"]["error"] is not None
    assert out["other_sign"]["url"] is None and out["other_sign"]["error"] is not None
