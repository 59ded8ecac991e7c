"""The upload path: safe file names, a bit-exact Opus conversion, and a recording stored,
verified and only then removed from the monitor directory; leftovers of a crash are swept."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.recordings.conftest import BUCKET, make_wav, objects_in, one_pass, sha256
from tests.support.waiting import wait_for
from workers.recordings import audio, files
from workers.recordings.uploads import Uploader

PBX = "/var/spool/asterisk/monitor"


# ---------------------------------------------------------------------------
# File names
# ---------------------------------------------------------------------------

def test_asterisk_names_map_into_the_monitor_directory(tmp_path):
    monitor = tmp_path / "monitor"
    (monitor / "2026" / "11").mkdir(parents=True)
    mapped = files.local_path(f"{PBX}/2026/11/out-1.wav", monitor_dir=monitor,
                              pbx_monitor_dir=PBX)
    assert mapped == (monitor / "2026" / "11" / "out-1.wav").resolve()
    relative = files.local_path("2026/11/out-2.wav", monitor_dir=monitor, pbx_monitor_dir=PBX)
    assert relative == (monitor / "2026" / "11" / "out-2.wav").resolve()
    # '..' that stays inside is only a spelling.
    inside = files.local_path(f"{PBX}/2026/../2026/11/out-3.wav", monitor_dir=monitor,
                              pbx_monitor_dir=PBX)
    assert inside == (monitor / "2026" / "11" / "out-3.wav").resolve()


@pytest.mark.parametrize(("name", "says"), [
    ("../../etc/passwd", "resolves outside the monitor directory"),
    ("/etc/passwd", "is outside the monitor directory /var/spool/asterisk/monitor"),
    (f"{PBX}/../../../etc/passwd", "resolves outside the monitor directory"),
    (f"{PBX}X/evil.wav", "is outside the monitor directory"),
    (PBX, "resolves outside the monitor directory"),
    ("out\x00.wav", "contains control characters"),
    ("out\n.wav", "contains control characters"),
    ("   ", "empty file name"),
])
def test_unsafe_names_are_refused_naming_recording_file(tmp_path, name, says):
    with pytest.raises(files.UnsafeRecordingPath) as refused:
        files.local_path(name, monitor_dir=tmp_path, pbx_monitor_dir=PBX)
    assert str(refused.value).startswith("recording_file: ")
    assert says in str(refused.value)


def test_a_symlink_out_of_the_monitor_directory_is_refused(tmp_path):
    monitor, outside = tmp_path / "monitor", tmp_path / "outside"
    monitor.mkdir()
    outside.mkdir()
    (outside / "secret.wav").write_bytes(b"RIFF")
    (monitor / "link.wav").symlink_to(outside / "secret.wav")
    (monitor / "day").symlink_to(outside, target_is_directory=True)
    for name in (f"{PBX}/link.wav", "day/secret.wav"):
        with pytest.raises(files.UnsafeRecordingPath, match="resolves outside"):
            files.local_path(name, monitor_dir=monitor, pbx_monitor_dir=PBX)


# ---------------------------------------------------------------------------
# Conversion
# ---------------------------------------------------------------------------

def test_conversion_is_mono_opus_in_ogg_and_bit_exact(tmp_path):
    wav = make_wav(tmp_path / "in.wav", seconds=4.0)
    first = audio.convert(wav, tmp_path / "a.opus", bitrate="24k")
    second = audio.convert(wav, tmp_path / "b.opus", bitrate="24k")
    assert first.sha256 == second.sha256
    assert (tmp_path / "a.opus").read_bytes() == (tmp_path / "b.opus").read_bytes()
    assert first.bytes == os.path.getsize(tmp_path / "a.opus") < os.path.getsize(wav)
    assert first.format == "opus" and abs(first.duration_seconds - 4.0) < 0.1
    probe = json.loads(subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=format_name:stream=codec_name,"
         "channels", "-of", "json", str(tmp_path / "a.opus")],
        check=True, capture_output=True, text=True).stdout)
    assert probe["format"]["format_name"] == "ogg"
    assert [(s["codec_name"], s["channels"]) for s in probe["streams"]] == [("opus", 1)]
    assert not list(tmp_path.glob("*.part"))


def test_empty_and_unreadable_files_are_clear_errors(tmp_path):
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    with pytest.raises(audio.AudioError, match=r"recording_file: .*empty\.wav is empty \(0 b"):
        audio.convert(empty, tmp_path / "x.opus")
    corrupt = tmp_path / "corrupt.wav"
    corrupt.write_bytes(b"this is not audio at all\n" * 200)
    with pytest.raises(audio.AudioError, match="is not audio ffmpeg can read"):
        audio.convert(corrupt, tmp_path / "y.opus")
    with pytest.raises(audio.AudioError, match="is not a regular file"):
        audio.convert(tmp_path, tmp_path / "z.opus")
    with pytest.raises(FileNotFoundError):
        audio.convert(tmp_path / "missing.wav", tmp_path / "w.opus")
    assert empty.exists() and corrupt.exists()
    assert not list(tmp_path.glob("*.opus*"))


def test_a_missing_ffmpeg_is_the_workers_fault_not_the_files(tmp_path):
    wav = make_wav(tmp_path / "in.wav", seconds=1.0)
    with pytest.raises(audio.ToolError, match="not installed"):
        audio.convert(wav, tmp_path / "x.opus", ffmpeg=str(tmp_path / "no-ffmpeg"))


# ---------------------------------------------------------------------------
# The upload, against the stack
# ---------------------------------------------------------------------------

def test_a_recording_is_stored_verified_and_only_then_removed(world, worker_settings,
                                                              service_client):
    call = world.call(None, wav_seconds=5.0)
    source = world.dirs.local(call["file"])
    expected = audio.convert(source, world.dirs.work.parent / "expected.opus")
    assert world.recording(call["id"])["status"] == "pending"
    assert world.call_row(call["id"])["recording_status"] == "pending"

    uploader = Uploader(worker_settings())
    assert one_pass(uploader) >= 1

    row = world.recording(call["id"])
    assert row["status"] == "stored", row["last_error"]
    assert row["object_path"] == world.expected_path(call)
    assert (row["format"], row["bytes"], row["sha256"]) == ("opus", expected.bytes,
                                                           expected.sha256)
    assert abs(float(row["duration_seconds"]) - 5.0) < 0.1
    assert row["attempts"] == 1 and row["worker"] is None and row["last_error"] is None
    assert row["source_removed_at"] >= row["stored_at"]
    on_call = world.call_row(call["id"])
    assert (on_call["recording_status"], on_call["recording_path"]) == ("stored",
                                                                       row["object_path"])
    assert not source.exists()
    assert list(world.dirs.work.iterdir()) == []
    stored = service_client.storage.from_(BUCKET).download(row["object_path"])
    assert sha256(stored) == row["sha256"]
    folder, name = row["object_path"].rsplit("/", 1)
    listed = objects_in(service_client, folder)
    assert [e["name"] for e in listed if e["name"].startswith(call["id"])] == [name]
    assert [e["metadata"]["mimetype"] for e in listed if e["name"] == name] == ["audio/ogg"]


def test_a_retry_overwrites_a_half_written_object_never_a_second_copy(world, worker_settings,
                                                                       service_client):
    """A dead worker's partial object is at the claimed path: the retry replaces it."""
    call = world.call(None, wav_seconds=2.0)
    path = world.expected_path(call)
    service_client.storage.from_(BUCKET).upload(
        path, b"OggS half-written", {"content-type": "audio/ogg"})
    uploader = Uploader(worker_settings())
    one_pass(uploader)
    row = world.recording(call["id"])
    assert row["status"] == "stored", row["last_error"]
    folder = path.rsplit("/", 1)[0]
    assert [e["name"] for e in objects_in(service_client, folder)
            if e["name"].startswith(call["id"])] == [f"{call['id']}.opus"]
    assert sha256(service_client.storage.from_(BUCKET).download(path)) == row["sha256"]


def test_the_sweep_removes_files_left_by_a_crash_after_finish(world, worker_settings, db):
    """recording_upload_finish committed, then the worker died before deleting the file."""
    call = world.call(None, wav_seconds=1.0)
    source = world.dirs.local(call["file"])
    kept = source.read_bytes()
    uploader = Uploader(worker_settings())
    uploader.connect()
    try:
        uploader.run_once()
        assert world.recording(call["id"])["status"] == "stored"
        # As the crash would leave it: the file back in place, source_removed_at unset.
        source.write_bytes(kept)
        db.execute("update public.recordings set source_removed_at = null where call_id = %s",
                   (call["id"],))
        assert uploader.sweep() >= 1
    finally:
        uploader.close()
    assert not source.exists()
    assert world.recording(call["id"])["source_removed_at"] is not None


def test_a_claim_lost_to_erasure_during_the_upload_removes_the_uploaded_object(
        world, worker_settings, db, service_client):
    """rpc/erase_lead lands while the object is being verified: finish says no, and the
    worker deletes what it uploaded (the eraser may already have run)."""
    call = world.call(None, wav_seconds=1.0)

    class EraseDuringVerify(Uploader):
        def store(self, claim, converted, heartbeat):
            super().store(claim, converted, heartbeat)
            assert objects_in(service_client, claim.object_path.rsplit("/", 1)[0])
            db.execute("update public.recordings set erase_requested_at = now()"
                       " where call_id = %s", (claim.call_id,))

    uploader = EraseDuringVerify(worker_settings())
    one_pass(uploader)
    row = world.recording(call["id"])
    assert row["status"] == "uploading" and row["erase_requested_at"] is not None
    folder = world.expected_path(call).rsplit("/", 1)[0]
    assert not [e for e in objects_in(service_client, folder)
                if e["name"].startswith(call["id"])]
    # The local file is the eraser's to delete, not the uploader's.
    assert world.dirs.local(call["file"]).exists()


def test_a_missing_file_is_waited_for_then_failed(world, worker_settings):
    call = world.call(None, wav_seconds=None, ended_ago=30)
    uploader = Uploader(worker_settings(recordings_missing_grace=3600))
    uploader.connect()
    try:
        uploader.run_once()
        row = world.recording(call["id"])
        assert row["status"] == "pending" and row["attempts"] == 1
        assert "not found in the monitor directory" in row["last_error"]
        assert row["last_error"].startswith("recording_file: ")
        uploader.settings = worker_settings(recordings_missing_grace=10,
                                            worker_name=uploader.worker)
        uploader.run_once()
    finally:
        uploader.close()
    row = world.recording(call["id"])
    assert row["status"] == "failed" and row["attempts"] == 2
    assert "10 s after the call ended" in row["last_error"]
    assert world.call_row(call["id"])["recording_status"] == "failed"


def test_the_worker_command_line_runs_and_stops(worker_settings, tmp_path):
    """python -m workers.recordings --loops uploads,erasure starts, logs, and stops on SIGTERM."""
    from tests.recordings.conftest import worker_process

    log = tmp_path / "worker.log"
    with worker_process(worker_settings(), log, loops="uploads,erasure") as proc:
        wait_for(lambda: "recordings worker started" in log.read_text(), what="the start line")
    assert proc.returncode == 0
    lines = [json.loads(line) for line in Path(log).read_text().splitlines()
             if line.startswith("{")]
    started = next(line for line in lines if line["msg"] == "recordings worker started")
    assert started["loops"] == ["uploads", "erasure"]
    assert lines[-1]["msg"] == "recordings worker stopped"
