"""End to end: a call the AMI bridge mirrors leaves a recording; the worker stores it; a
supervisor of the campaign listens through a signed URL (exact bytes), others are refused,
the URL expires, and every request is in recording_access_log. And no API role reaches the
bucket directly: only the service role does."""

from __future__ import annotations

import hashlib
import json
import subprocess
import time
from dataclasses import replace
from datetime import UTC, datetime

import httpx
import pytest
from postgrest.exceptions import APIError
from storage3.exceptions import StorageApiError

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
from workers.recordings.links import Signer
from workers.recordings.uploads import Uploader

SEQUENCE = "outbound_answered_recorded"  # carries VarSet MIXMONITOR_FILENAME
SUPERVISOR1 = "00000000-0000-4000-a000-000000000011"
SUPERVISOR2 = "00000000-0000-4000-a000-000000000012"
AGENT6 = "00000000-0000-4000-a000-000000000106"


def link_row(client, link_id: str) -> dict:
    return client.table("recording_links").select("*").eq("id", link_id).execute().data[0]


def ready_link(client, call_id: str) -> dict:
    """rpc/recording_url, then read the link row (as the requester) until the worker signed it."""
    link = client.rpc("recording_url", {"p_call_id": call_id}).execute().data
    assert (link["status"], link["url"], link["call_id"]) == ("signing", None, call_id)
    return wait_for(lambda: (row := link_row(client, link["id"]))["status"] == "ready" and row,
                    what="the link to be signed")


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

    settings = worker_settings(recordings_url_seconds=4)
    with running(Uploader(settings), Signer(settings)):
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

        # The campaign's supervisor listens: a signed URL with exactly the stored bytes.
        supervisor = sign_in("supervisor1@demo.test", fresh=True)
        first = ready_link(supervisor, call["id"])
        heard = httpx.get(first["url"])
        assert heard.status_code == 200, heard.text
        assert heard.headers["content-type"] == "audio/ogg"
        assert hashlib.sha256(heard.content).hexdigest() == row["sha256"] == sha256(stored)
        expires = datetime.fromisoformat(first["expires_at"])
        signed = datetime.fromisoformat(first["signed_at"])
        assert 2 < (expires - signed).total_seconds() <= 4

        # A supervisor and an agent of other campaigns, and the call's own agent (the campaign
        # does not let agents listen), are refused as for an unknown call: 404, PT404 (the log
        # keeps 42501, for the auditors).
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
            assert other.table("recording_links").select("id").eq(
                "call_id", call["id"]).execute().data == []

        # The URL stops working once expired; asking again gives a fresh one.
        time.sleep(max(0.0, (expires - datetime.now(UTC)).total_seconds()) + 2.0)
        expired = httpx.get(first["url"])
        assert expired.status_code == 400 and "expired" in expired.text
        second = ready_link(supervisor, call["id"])
        again = httpx.get(second["url"])
        assert again.status_code == 200 and sha256(again.content) == row["sha256"]

    log = access_log(db, call["id"])
    granted = [r for r in log if r["outcome"] == "granted"]
    assert [(r["requested_by"], r["link_id"]) for r in granted] == [
        (SUPERVISOR1, first["id"]), (SUPERVISOR1, second["id"])]
    denials = [(r["requested_by"], r["reason_code"]) for r in log if r["outcome"] == "refused"]
    assert denials == [(who, "42501") for who in refused.values() for _ in range(2)]
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

    service = service_client.storage.from_(BUCKET)
    assert [e["name"] for e in objects_in(service_client, folder)
            if e["name"].startswith(call["id"]) or e["name"] == "intruder.opus"] == [
        f"{call['id']}.opus"]
    assert sha256(service.download(path)) == row["sha256"]
    signed = service.create_signed_url(path, 60)["signedURL"]
    assert sha256(httpx.get(signed).content) == row["sha256"]


def test_a_link_to_a_recording_gone_meanwhile_fails_and_old_links_are_pruned(
        world, worker_settings, sign_in, db):
    call = world.call(wav_seconds=1.0)
    settings = worker_settings(recordings_link_retention_hours=1)
    uploader = Uploader(settings)
    one_pass(uploader)
    assert world.recording(call["id"])["status"] == "stored"
    supervisor = sign_in("supervisor1@demo.test")
    link = supervisor.rpc("recording_url", {"p_call_id": call["id"]}).execute().data
    # The lead is erased before the signer gets to the link: no URL for it.
    db.execute("update public.recordings set erase_requested_at = now() where call_id = %s",
               (call["id"],))
    old = db.execute(
        "insert into public.recording_links (call_id, object_path, requested_by, status, url,"
        " expires_at, created_at) values (%s, 'x/old.opus', %s, 'ready', 'http://old',"
        " now() - interval '2 hours', now() - interval '3 hours') returning id",
        (call["id"], SUPERVISOR1)).fetchone()[0]
    signer = Signer(settings)
    signer.connect()
    try:
        assert signer.sign_pending() >= 1
        assert signer.prune() >= 1
    finally:
        signer.close()
    row = link_row(supervisor, link["id"])
    assert (row["status"], row["url"]) == ("failed", None)
    assert row["error"] == (f"p_call_id: the recording of call {call['id']} is no longer"
                            " available (being erased)")
    assert db.execute("select count(*) from public.recording_links where id = %s",
                      (old,)).fetchone()[0] == 0
    assert db.execute("select count(*) from public.recording_links where id = %s",
                      (link["id"],)).fetchone()[0] == 1
