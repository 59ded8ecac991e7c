"""The Storage stand-in through the gateway, with storage3, the official client."""

from __future__ import annotations

import json
import os
import subprocess
import time
import uuid

import httpx
import pytest
from storage3.exceptions import StorageApiError

from stack.config import DEMO_PASSWORD, PROJECT_DIR

BUCKET = "test-private"


@pytest.fixture(scope="module")
def bucket(stack, service_client):
    """A private bucket where each user may read and write only the folder named by their id."""
    import psycopg

    service_client.storage.create_bucket(BUCKET, options={"public": False})
    with psycopg.connect(stack.database_url, autocommit=True) as conn:
        conn.execute(f"""
            create policy "Test: own folder readable" on storage.objects
            for select to authenticated
            using (bucket_id = '{BUCKET}' and (storage.foldername(name))[1] = auth.uid()::text);
            create policy "Test: own folder writable" on storage.objects
            for insert to authenticated
            with check (bucket_id = '{BUCKET}'
                        and (storage.foldername(name))[1] = auth.uid()::text);
        """)
    yield BUCKET
    with psycopg.connect(stack.database_url, autocommit=True) as conn:
        conn.execute("""
            drop policy "Test: own folder readable" on storage.objects;
            drop policy "Test: own folder writable" on storage.objects;
        """)
    service_client.storage.empty_bucket(BUCKET)
    service_client.storage.delete_bucket(BUCKET)


def _user_id(client) -> str:
    return client.auth.get_session().user.id


def test_upload_download_info_list_remove(bucket, service_client):
    files = service_client.storage.from_(bucket)
    payload = os.urandom(3 * 1024 * 1024 + 17)  # several chunks
    files.upload("reports/2026/big.bin", payload, {"content-type": "application/octet-stream"})
    assert files.download("reports/2026/big.bin") == payload
    info = files.info("reports/2026/big.bin")
    assert info["size"] == len(payload)
    assert files.exists("reports/2026/big.bin")
    assert not files.exists("reports/2026/missing.bin")
    assert [e["name"] for e in files.list("reports")] == ["2026"]
    listed = files.list("reports/2026")
    assert [(e["name"], e["metadata"]["size"]) for e in listed] == [("big.bin", len(payload))]
    removed = files.remove(["reports/2026/big.bin"])
    assert [r["name"] for r in removed] == ["reports/2026/big.bin"]
    assert not files.exists("reports/2026/big.bin")


def test_no_silent_overwrite_but_upsert_works(bucket, service_client):
    files = service_client.storage.from_(bucket)
    files.upload("dup/one.txt", b"first", {"content-type": "text/plain"})
    with pytest.raises(StorageApiError) as refused:
        files.upload("dup/one.txt", b"second", {"content-type": "text/plain"})
    assert str(refused.value.status) == "409"
    files.upload("dup/one.txt", b"second", {"content-type": "text/plain", "upsert": "true"})
    assert files.download("dup/one.txt") == b"second"


def test_signed_url_serves_the_exact_bytes_and_expires(stack, bucket, service_client):
    files = service_client.storage.from_(bucket)
    payload = os.urandom(4096)
    files.upload("signed/recording.opus", payload, {"content-type": "audio/ogg"})
    url = files.create_signed_url("signed/recording.opus", 2)["signedURL"]
    assert url.startswith(f"{stack.url}/storage/v1/object/sign/{bucket}/signed/recording.opus?")
    fetched = httpx.get(url)  # no headers: a browser's <audio src>
    assert fetched.status_code == 200
    assert fetched.content == payload
    assert fetched.headers["content-type"] == "audio/ogg"

    tampered = url.replace("recording.opus", "other.opus")
    assert httpx.get(tampered).status_code == 400
    time.sleep(3)
    expired = httpx.get(url)
    assert expired.status_code == 400
    assert expired.json()["message"] == "jwt expired"


def test_rls_decides_who_reads_and_writes(bucket, sign_in, anon_client):
    owner = sign_in("agent1@demo.test")
    other = sign_in("agent2@demo.test")
    mine = f"{_user_id(owner)}/{uuid.uuid4().hex}.txt"
    owner.storage.from_(bucket).upload(mine, b"agent1's", {"content-type": "text/plain"})
    assert owner.storage.from_(bucket).download(mine) == b"agent1's"
    assert owner.storage.from_(bucket).create_signed_url(mine, 60)["signedURL"]

    with pytest.raises(StorageApiError) as hidden:
        other.storage.from_(bucket).download(mine)
    assert str(hidden.value.status) == "404"
    with pytest.raises(StorageApiError):
        other.storage.from_(bucket).create_signed_url(mine, 60)
    with pytest.raises(StorageApiError) as refused:
        other.storage.from_(bucket).upload(f"{_user_id(owner)}/planted.txt", b"x")
    assert str(refused.value.status) == "403"
    assert other.storage.from_(bucket).remove([mine]) == []  # hidden rows are not deleted
    assert owner.storage.from_(bucket).download(mine) == b"agent1's"

    with pytest.raises(StorageApiError):
        anon_client.storage.from_(bucket).download(mine)
    assert anon_client.storage.from_(bucket).list(_user_id(owner)) == []


@pytest.mark.parametrize("name", ["%2e%2e/escape.txt", "a//b.txt", "a/%2e/b.txt",
                                  "a/%2e%2e/%2e%2e/b.txt", "%2Frooted.txt", "bad%01name.txt"])
def test_names_that_could_escape_are_refused(stack, bucket, db, name):
    """storage3 already refuses dot segments; the server must too, whatever a client sends."""
    response = httpx.post(f"{stack.url}/storage/v1/object/{bucket}/{name}", content=b"x",
                          headers={"apikey": stack.service_role_key,
                                   "Authorization": f"Bearer {stack.service_role_key}"})
    assert response.status_code in (400, 404), response.text
    bad = db.execute(
        "select name from storage.objects where name ~ '(^|/)\\.\\.?(/|$)|^/|//|[\\x01-\\x1f]'"
    ).fetchall()
    assert bad == []


def test_bucket_limits_hold(service_client):
    service_client.storage.create_bucket("test-limited", options={
        "public": False, "file_size_limit": 1024, "allowed_mime_types": ["audio/*"]})
    try:
        files = service_client.storage.from_("test-limited")
        with pytest.raises(StorageApiError) as too_big:
            files.upload("big.ogg", os.urandom(2048), {"content-type": "audio/ogg"})
        assert str(too_big.value.status) == "413"
        with pytest.raises(StorageApiError) as wrong_type:
            files.upload("notes.txt", b"hello", {"content-type": "text/plain"})
        assert str(wrong_type.value.status) == "415"
        files.upload("ok.ogg", b"tiny", {"content-type": "audio/ogg"})
    finally:
        service_client.storage.empty_bucket("test-limited")
        service_client.storage.delete_bucket("test-limited")


def test_supabase_js_gets_the_same_contract(stack, bucket, service_client):
    """supabase-js, the webphone's client, through the same gateway: upload (no silent
    overwrite, upsert), list, download, a signed URL that serves the bytes and then expires,
    remove; and a signed-in agent kept out of the recordings bucket."""
    service_client.storage.from_("recordings").upload(
        "js-contract/call.opus", b"OggS-not-really",
        {"content-type": "audio/ogg", "upsert": "true"})
    env = {**os.environ, "SUPABASE_URL": stack.url, "SUPABASE_ANON_KEY": stack.anon_key,
           "SUPABASE_SERVICE_ROLE_KEY": stack.service_role_key, "BUCKET": bucket,
           "USER_EMAIL": "agent1@demo.test", "USER_PASSWORD": DEMO_PASSWORD,
           "PROTECTED_BUCKET": "recordings", "PROTECTED_PATH": "js-contract/call.opus"}
    done = subprocess.run(["node", str(PROJECT_DIR / "tests/support/storage_js_contract.mjs")],
                          cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    r = json.loads(done.stdout)
    assert r["upload"]["error"] is None and r["upload"]["path"].endswith("clip.bin")
    assert r["upload_again"]["error"]["status"] == 409
    assert r["upsert"]["error"] is None
    assert r["list"] == {"names": ["clip.bin"], "error": None}
    assert r["download"] == {"size": 4096, "error": None}
    assert r["sign"]["error"] is None
    assert r["sign"]["url"].startswith(f"{stack.url}/storage/v1/object/sign/{bucket}/js/")
    assert r["signed_get"] == {"status": 200, "size": 4096, "same": True}
    assert r["expired_get"] == {"status": 400}
    assert len(r["remove"]["removed"]) == 1 and r["remove"]["error"] is None
    assert r["download_removed"]["error"] is not None
    assert r["user_download"]["error"] is not None
    assert r["user_sign"]["url"] is None and r["user_sign"]["error"] is not None
    assert r["user_list"] == {"names": [], "error": None}
    service_client.storage.from_("recordings").remove(["js-contract/call.opus"])
