"""Crashes and network faults mid-upload: the local file survives until the object is stored,
the claim is taken over once its heartbeat stops, and the bucket ends with exactly one object
holding exactly the right bytes."""

from __future__ import annotations

import os
import signal

from tests.recordings.conftest import objects_in, one_pass, sha256, worker_process
from tests.support.stall_proxy import StallProxy
from tests.support.waiting import wait_for
from workers.recordings import audio
from workers.recordings.uploads import Uploader

UPLOAD = b"POST /storage/v1/object/recordings/"


def objects_of(service_client, path: str, call_id: str) -> list[str]:
    folder = path.rsplit("/", 1)[0]
    return [e["name"] for e in objects_in(service_client, folder) if e["name"].startswith(call_id)]


def test_a_worker_killed_mid_upload_loses_nothing_and_one_object_is_stored(
        stack, world, worker_settings, service_client, tmp_path):
    call = world.call(wav_seconds=20.0)
    source = world.dirs.local(call["file"])
    original = source.read_bytes()
    # The conversion is bit-exact: these are the bytes that must end up in the bucket.
    expected = audio.convert(source, tmp_path / "expected.opus")
    path = world.expected_path(call)

    with StallProxy(stack.gateway_port, trigger=UPLOAD, after=4096, mode="stall") as proxy:
        doomed = worker_settings(supabase_url=proxy.url, worker_name="doomed",
                                 recordings_stale_after=2)
        with worker_process(doomed, tmp_path / "doomed.log", loops="uploads") as process:
            wait_for(proxy.event.is_set, timeout=30, what="the upload to hang in the proxy")
            claimed = world.recording(call["id"])
            assert (claimed["status"], claimed["worker"]) == ("uploading", "doomed")
            # The lease is renewed while the upload hangs...
            wait_for(lambda: world.recording(call["id"])["heartbeat_at"]
                     > claimed["heartbeat_at"], what="a heartbeat during the stalled upload")
            # ...until the worker dies.
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
    assert process.returncode == -signal.SIGKILL
    assert source.read_bytes() == original
    left = world.recording(call["id"])
    assert (left["status"], left["worker"], left["source_removed_at"]) == ("uploading",
                                                                          "doomed", None)
    assert objects_of(service_client, path, call["id"]) == []

    heir = worker_settings(worker_name="heir", recordings_stale_after=2)
    with worker_process(heir, tmp_path / "heir.log", loops="uploads"):
        row = wait_for(lambda: (r := world.recording(call["id"]))["status"] == "stored"
                       and r["source_removed_at"] is not None and r, timeout=60,
                       what="the heir to store the recording")
    assert row["attempts"] == 2 and row["object_path"] == path
    assert (row["bytes"], row["sha256"]) == (expected.bytes, expected.sha256)
    assert objects_of(service_client, path, call["id"]) == [f"{call['id']}.opus"]
    assert sha256(service_client.storage.from_("recordings").download(path)) == expected.sha256
    # The local file went only after the object was stored and verified.
    assert not source.exists() and row["source_removed_at"] >= row["stored_at"]
    assert list(world.dirs.work.iterdir()) == []


def test_a_connection_cut_mid_upload_is_retried_with_the_same_claim(
        stack, world, worker_settings, service_client, tmp_path):
    call = world.call(wav_seconds=8.0)
    expected = audio.convert(world.dirs.local(call["file"]), tmp_path / "expected.opus")
    with StallProxy(stack.gateway_port, trigger=UPLOAD, after=1024, mode="reset") as proxy:
        uploader = Uploader(worker_settings(supabase_url=proxy.url))
        one_pass(uploader)
        assert proxy.hits == 1
    row = world.recording(call["id"])
    assert row["status"] == "stored", row["last_error"]
    assert row["attempts"] == 1 and row["sha256"] == expected.sha256
    assert uploader.metrics.registry.get_sample_value(
        "recordings_upload_attempts_total", {"result": "transient"}) == 1
    assert uploader.metrics.registry.get_sample_value(
        "recordings_upload_attempts_total", {"result": "ok"}) == 1
    assert objects_of(service_client, row["object_path"], call["id"]) == [f"{call['id']}.opus"]
    assert not world.dirs.local(call["file"]).exists()


def test_storage_down_for_good_requeues_and_keeps_the_file(world, worker_settings, tmp_path):
    """Every try fails (nothing listens): the recording goes back to pending with the error,
    the file stays; after RECORDINGS_MAX_ATTEMPTS claims it is failed, still on disk."""
    from stack.config import free_port

    call = world.call(wav_seconds=1.0)
    settings = worker_settings(supabase_url=f"http://127.0.0.1:{free_port()}",
                               recordings_upload_retries=1, recordings_max_attempts=2)
    uploader = Uploader(settings)
    uploader.connect()
    try:
        uploader.run_once()
        row = world.recording(call["id"])
        assert (row["status"], row["attempts"]) == ("pending", 1)
        assert row["last_error"].startswith(f"storage: upload of {row['object_path']} failed 2"
                                            " times: ConnectError")
        uploader.run_once()
    finally:
        uploader.close()
    row = world.recording(call["id"])
    assert (row["status"], row["attempts"]) == ("failed", 2)
    assert row["last_error"].endswith("(gave up after 2 attempts)")
    assert world.dirs.local(call["file"]).exists()
