"""Bad input: clear errors, nothing lost, nothing outside the monitor directory touched."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from postgrest.exceptions import APIError

from tests.recordings.conftest import (
    PBX_MONITOR_DIR,
    access_log,
    make_wav,
    objects_in,
    rpc_http,
)
from workers.recordings.uploads import Uploader

SUPERVISOR1 = "00000000-0000-4000-a000-000000000011"


def drain(settings) -> None:
    """Run the uploader until nothing is left to claim (batches of 10)."""
    uploader = Uploader(settings)
    uploader.connect()
    try:
        for _ in range(5):
            if not uploader.run_once():
                break
    finally:
        uploader.close()


def test_recording_url_of_an_unknown_call_is_404_and_logged(stack, sign_in, db):
    supervisor = sign_in("supervisor1@demo.test")
    unknown = str(uuid.uuid4())
    with pytest.raises(APIError) as refused:
        supervisor.rpc("recording_url", {"p_call_id": unknown}).execute()
    assert refused.value.code == "PT404"
    assert refused.value.message == "p_call_id: not found or not yours"
    raw = rpc_http(stack, supervisor, "recording_url", {"p_call_id": unknown})
    assert raw.status_code == 404 and raw.json()["code"] == "PT404"
    logged = access_log(db, unknown)
    assert [(r["outcome"], r["reason_code"], r["requested_by"]) for r in logged] == [
        ("refused", "PT404", SUPERVISOR1)] * 2
    assert logged[0]["reason"] == "p_call_id: no such call"


def test_recording_url_of_a_call_without_recording_is_404_and_logged(stack, sign_in, db, world):
    call = world.call(recorded=False)
    supervisor = sign_in("supervisor1@demo.test")
    with pytest.raises(APIError) as refused:
        supervisor.rpc("recording_url", {"p_call_id": call["id"]}).execute()
    assert refused.value.code == "PT404"
    assert refused.value.message == f"p_call_id: call {call['id']} has no recording to listen to"
    assert refused.value.details == "recording_status: none"
    assert rpc_http(stack, supervisor, "recording_url",
                    {"p_call_id": call["id"]}).status_code == 404
    logged = access_log(db, call["id"])
    assert [(r["outcome"], r["reason_code"], r["campaign_id"]) for r in logged] == [
        ("refused", "PT404", world.campaign_id)] * 2


def test_path_traversal_is_refused_and_nothing_outside_is_touched(world, worker_settings,
                                                                 service_client, tmp_path):
    outside = tmp_path / "outside"
    secret = make_wav(outside / "secret.wav", seconds=1.0)  # real audio: it must not be read
    before = (secret.read_bytes(), secret.stat().st_mtime_ns)
    passwd = Path("/etc/passwd").read_bytes()
    link = world.dirs.monitor / "link.wav"
    link.symlink_to(secret)
    names = {
        "relative": "../outside/secret.wav",
        "absolute outside": str(secret),
        "escaping the pbx dir": f"{PBX_MONITOR_DIR}/../../../etc/passwd",
        "plain traversal": "../../etc/passwd",
        "symlink out": f"{PBX_MONITOR_DIR}/link.wav",
    }
    calls = {what: world.call(name, wav_seconds=None) for what, name in names.items()}
    drain(worker_settings())
    for what, call in calls.items():
        row = world.recording(call["id"])
        assert row["status"] == "failed", what
        assert row["last_error"].startswith(f"recording_file: {names[what]!r} "), row["last_error"]
        assert "outside the monitor directory" in row["last_error"], what
        assert world.call_row(call["id"])["recording_status"] == "failed"
        assert row["object_path"] is not None  # claimed for upload, refused before any upload
        folder = row["object_path"].rsplit("/", 1)[0]
        assert not [e for e in objects_in(service_client, folder)
                    if e["name"].startswith(call["id"])], what
    assert (secret.read_bytes(), secret.stat().st_mtime_ns) == before
    assert link.is_symlink()
    assert Path("/etc/passwd").read_bytes() == passwd


def test_an_empty_and_a_corrupt_file_fail_clearly_and_stay(world, worker_settings,
                                                          service_client):
    empty = world.call(wav_seconds=None)
    world.dirs.local(empty["file"]).parent.mkdir(parents=True, exist_ok=True)
    world.dirs.local(empty["file"]).write_bytes(b"")
    corrupt = world.call(wav_seconds=None)
    junk = b"RIFF\x00\x00\x00\x00WAVEthis is not audio" + bytes(range(256)) * 8
    world.dirs.local(corrupt["file"]).write_bytes(junk)
    drain(worker_settings())

    row = world.recording(empty["id"])
    assert row["status"] == "failed"
    assert row["last_error"] == f"recording_file: {empty['file']} is empty (0 bytes)"
    assert world.dirs.local(empty["file"]).read_bytes() == b""
    row = world.recording(corrupt["id"])
    assert row["status"] == "failed"
    assert row["last_error"].startswith(
        f"recording_file: {corrupt['file']} is not audio ffmpeg can read (")
    assert world.dirs.local(corrupt["file"]).read_bytes() == junk
    for call in (empty, corrupt):
        assert world.recording(call["id"])["source_removed_at"] is None
        assert world.call_row(call["id"])["recording_status"] == "failed"
        folder = world.expected_path(call).rsplit("/", 1)[0]
        assert not [e for e in objects_in(service_client, folder)
                    if e["name"].startswith(call["id"])]
    assert list(world.dirs.work.iterdir()) == []


def test_a_refused_consent_discards_the_recording(world, sign_in, db, worker_settings,
                                                 service_client):
    """The agent records the lead's "no" on the call (PostgREST, as the webphone does); the
    PBX made a file anyway: it is deleted, never uploaded, and the call says not_recorded."""
    agent = sign_in("agent1@demo.test")
    lead = world.lead()
    call = agent.rpc("start_call", {"p_lead_id": lead}).execute().data
    updated = agent.table("calls").update({"recording_consent": False}).eq(
        "id", call["id"]).execute().data
    assert updated[0]["recording_status"] == "not_recorded"
    file_name = f"{PBX_MONITOR_DIR}/{datetime.now(UTC):%Y/%m/%d}/out-{call['id']}.wav"
    wav = make_wav(world.dirs.local(file_name), seconds=2.0)
    # The AMI bridge mirrors the end of the call and the file MixMonitor made regardless.
    db.execute("update public.calls set status = 'ended', outcome = 'answered',"
               " ended_at = clock_timestamp(), recording_file = %s where id = %s",
               (file_name, call["id"]))
    assert db.execute("select consent_recording from public.leads where id = %s",
                      (lead,)).fetchone()[0] is False
    drain(worker_settings())

    row = world.recording(call["id"])
    assert row["status"] == "declined"
    assert row["object_path"] is None and row["bytes"] is None and row["attempts"] == 0
    assert row["source_removed_at"] is not None
    assert not wav.exists()
    on_call = world.call_row(call["id"])
    assert (on_call["recording_status"], on_call["recording_path"]) == ("not_recorded", None)
    folder = f"{world.campaign_id}/{on_call['started_at'].astimezone(UTC):%Y/%m/%d}"
    assert not [e for e in objects_in(service_client, folder)
                if e["name"].startswith(call["id"])]
