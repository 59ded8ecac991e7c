"""The gateway's and the database's guards on every request (issue 12, items 3, 6, 8, 10, 11).

All through the running stack: nginx (the gateway), PostgREST and the stand-ins, as a client
reaches them. The limits are stack/gateway.py's LIMITS (docs/interface.md, "Limits").
"""

from __future__ import annotations

import concurrent.futures
import time
import uuid
from collections import Counter
from collections.abc import Callable

import httpx
import pytest

from stack.config import StackConfig
from stack.gateway import LIMITS


@pytest.fixture
def session(stack: StackConfig, sign_in) -> Callable[[str], dict[str, str]]:
    """session(email): a fresh sign-in (its own session, so its own rate-limit budget), as the
    headers a client sends, plus its refresh token."""
    def headers(email: str) -> dict[str, str]:
        current = sign_in(email, fresh=True).auth.get_session()
        return {"apikey": stack.anon_key, "Authorization": f"Bearer {current.access_token}",
                "x-refresh-token": current.refresh_token}
    return headers


def api_headers(headers: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k != "x-refresh-token"}


def burst(url: str, headers: dict[str, str], n: int, *, json: object = None,
          method: str = "POST") -> list[httpx.Response]:
    """n requests at once from 8 connections, as a script hammering the API would."""
    with httpx.Client(headers=api_headers(headers), timeout=30) as client, \
            concurrent.futures.ThreadPoolExecutor(8) as pool:
        return list(pool.map(lambda _: client.request(method, url, json=json), range(n)))


# -- item 3: per-session rate limits ----------------------------------------------------------

def test_a_session_hammering_the_api_gets_429_with_retry_after(stack, session):
    hammer = session("agent3@demo.test")
    other = session("agent3@demo.test")  # the same agent, another session
    url = f"{stack.url}/rest/v1/rpc/has_permission"
    answers = burst(url, hammer, 3 * LIMITS.api_burst, json={"p_permission": "leads.assign"})
    codes = Counter(r.status_code for r in answers)
    assert codes[429] >= LIMITS.api_burst // 2, codes
    assert set(codes) == {200, 429}, codes
    refused = next(r for r in answers if r.status_code == 429)
    assert refused.headers["retry-after"] == "1"
    assert refused.headers["access-control-allow-origin"] == "*"
    assert "retry-after" in refused.headers["access-control-expose-headers"]
    assert refused.json()["code"] == "over_request_rate_limit"
    assert set(refused.json()) == {"code", "details", "hint", "message"}  # PostgREST's shape
    # Another session is not slowed by it, and the hammering one recovers after Retry-After.
    mine = httpx.post(url, json={"p_permission": "leads.assign"}, headers=api_headers(other))
    assert mine.status_code == 200
    time.sleep(1.1)
    again = httpx.post(url, json={"p_permission": "leads.assign"}, headers=api_headers(hammer))
    assert again.status_code == 200


def test_calls_that_write_audit_rows_have_a_stricter_limit(stack, db, session):
    """50 refused recording requests used to write 50 audit rows: now about the burst."""
    headers = session("agent4@demo.test")
    agent = db.execute("select id from public.profiles where email = 'agent4@demo.test'"
                       ).fetchone()[0]
    started = db.execute("select now()").fetchone()[0]
    answers = burst(f"{stack.url}/rest/v1/rpc/recording_url", headers, 50,
                    json={"p_call_id": str(uuid.uuid4())})
    codes = Counter(r.status_code for r in answers)
    assert codes[429] >= 50 - LIMITS.audit_burst - 3, codes
    assert next(r for r in answers if r.status_code == 429).headers["retry-after"] == "2"
    logged = db.execute("select count(*) from public.recording_access_log"
                        " where requested_by = %s and requested_at >= %s",
                        (agent, started)).fetchone()[0]
    assert logged == 50 - codes[429]
    assert logged <= LIMITS.audit_burst + 3


def test_storage_limits_each_session_too(stack, session):
    headers = session("agent5@demo.test")
    answers = burst(f"{stack.url}/storage/v1/object/list/recordings", headers,
                    3 * LIMITS.storage_burst, json={"prefix": ""})
    codes = Counter(r.status_code for r in answers)
    assert codes[429] >= LIMITS.storage_burst // 2, codes
    refused = next(r for r in answers if r.status_code == 429)
    assert refused.headers["retry-after"] == "1"
    assert refused.json()["statusCode"] == "429"  # Storage's error shape


def test_the_service_role_key_is_not_limited(stack):
    """The workers use it; their pace is the PBX's, not a person's."""
    key = stack.service_role_key
    headers = {"apikey": key, "Authorization": f"Bearer {key}"}
    answers = burst(f"{stack.url}/rest/v1/dispositions?select=code&limit=1", headers,
                    2 * LIMITS.api_burst, method="GET")
    assert Counter(r.status_code for r in answers) == {200: 2 * LIMITS.api_burst}


# -- item 6: body sizes per route -------------------------------------------------------------

@pytest.mark.parametrize(("path", "size", "shape", "code"), [
    ("/rest/v1/rpc/has_permission", 100_000, "code", "request_too_large"),
    ("/rest/v1/leads", 2_000_000, "code", "request_too_large"),
    ("/auth/v1/token?grant_type=password", 100_000, "error_code", "request_entity_too_large"),
])
def test_a_body_over_the_routes_cap_is_413_in_the_services_shape(stack, session, path, size, shape,
                                                                 code):
    headers = api_headers(session("agent6@demo.test"))
    body = b'{"p_permission": "' + b"x" * size + b'"}'
    response = httpx.post(f"{stack.url}{path}", content=body,
                          headers={**headers, "content-type": "application/json"})
    assert response.status_code == 413
    assert response.json()[shape] == code
    assert len(response.content) < 300  # nothing of the body comes back


def test_a_bad_argument_under_the_cap_is_a_400_with_a_bounded_body(stack, session):
    headers = api_headers(session("agent6@demo.test"))
    response = httpx.post(f"{stack.url}/rest/v1/rpc/start_call",
                          json={"p_lead_id": "x" * 60_000}, headers=headers)
    assert response.status_code == 400
    assert len(response.content) < 64 * 1024 + 500


# -- item 8: Storage never reads an unauthenticated body -------------------------------------

def test_an_upload_without_an_api_key_is_refused_before_its_body(stack):
    body = b"\0" * (40 * 1024 * 1024)
    started = time.monotonic()
    try:
        response = httpx.post(f"{stack.url}/storage/v1/object/recordings/intruder.wav",
                              content=body, headers={"content-type": "audio/wav"}, timeout=30)
        status = response.status_code
        assert response.json() == {"message": "No API key found in request"}
    except httpx.RemoteProtocolError:
        status = 401  # nginx may answer and close before all 40 MB are sent
    assert status == 401
    assert time.monotonic() - started < 5
    temp = stack.root / "gateway" / "tmp" / "body"
    assert not any(temp.iterdir())


def test_signing_needs_the_key_but_a_signed_link_does_not(stack, db):
    key = stack.service_role_key
    service = {"apikey": key, "Authorization": f"Bearer {key}"}
    name = f"guards/{uuid.uuid4()}.txt"
    httpx.post(f"{stack.url}/storage/v1/object/exports/{name}", content=b"hola",
               headers={**service, "content-type": "text/plain"}).raise_for_status()
    no_key = httpx.post(f"{stack.url}/storage/v1/object/sign/exports/{name}",
                        json={"expiresIn": 60},
                        headers={"Authorization": f"Bearer {key}"})
    assert no_key.status_code == 401
    wrong_key = httpx.post(f"{stack.url}/storage/v1/object/sign/exports/{name}",
                           json={"expiresIn": 60},
                           headers={"apikey": "nope", "Authorization": f"Bearer {key}"})
    assert wrong_key.json() == {"message": "Invalid authentication credentials"}
    signed = httpx.post(f"{stack.url}/storage/v1/object/sign/exports/{name}",
                        json={"expiresIn": 60}, headers=service)
    signed.raise_for_status()
    link = httpx.get(f"{stack.url}/storage/v1{signed.json()['signedURL']}")  # no headers
    assert (link.status_code, link.content) == (200, b"hola")


# -- item 10: the logged client address is the gateway's -------------------------------------

def test_the_access_log_keeps_the_address_the_gateway_saw(stack, db, session):
    headers = api_headers(session("agent7@demo.test"))
    forged = {"X-Forwarded-For": "203.0.113.7", "X-Real-IP": "203.0.113.8",
              "X-CRM-Gateway": "guess"}
    call = str(uuid.uuid4())
    httpx.post(f"{stack.url}/rest/v1/rpc/recording_url", json={"p_call_id": call},
               headers={**headers, **forged})
    # Straight to PostgREST's port, around the gateway: nothing forged is believed.
    direct = f"http://127.0.0.1:{stack.rest_port}/rpc/recording_url"
    httpx.post(direct, json={"p_call_id": call}, headers={**headers, **forged})
    rows = db.execute("select client_address from public.recording_access_log"
                      " where call_id = %s order by requested_at", (call,)).fetchall()
    assert rows == [("127.0.0.1",), (None,)]


# -- item 11: an ended session's token is refused --------------------------------------------

def test_a_signed_out_sessions_token_is_refused(stack, session):
    headers = session("agent8@demo.test")
    url = f"{stack.url}/rest/v1/rpc/has_permission"
    assert httpx.post(url, json={"p_permission": "leads.assign"}, headers=api_headers(headers)
                      ).status_code == 200
    # This session only (scope=local): other tests keep sessions of the same account.
    httpx.post(f"{stack.url}/auth/v1/logout?scope=local",
               headers=api_headers(headers)).raise_for_status()
    after = httpx.post(url, json={"p_permission": "leads.assign"}, headers=api_headers(headers))
    assert after.status_code == 401
    assert after.json()["code"] == "session_not_found"
    assert "invalid_token" in after.headers["www-authenticate"]
    # The other API roles are untouched: the anon key, and an unrelated live session.
    anon = {"apikey": stack.anon_key, "Authorization": f"Bearer {stack.anon_key}"}
    assert httpx.get(f"{stack.url}/rest/v1/", headers=anon).status_code == 200
    live = session("agent8@demo.test")
    assert httpx.post(url, json={"p_permission": "leads.assign"}, headers=api_headers(live)
                      ).status_code == 200


def test_a_reused_refresh_token_ends_the_session_for_its_access_tokens(stack, session):
    headers = session("agent2@demo.test")
    refresh = headers["x-refresh-token"]
    token_url = f"{stack.url}/auth/v1/token?grant_type=refresh_token"
    apikey = {"apikey": stack.anon_key}
    assert httpx.post(token_url, json={"refresh_token": refresh}, headers=apikey
                      ).status_code == 200
    # Reusing the spent refresh token is taken as theft: the whole session is revoked.
    httpx.post(token_url, json={"refresh_token": refresh}, headers=apikey)
    response = httpx.get(f"{stack.url}/rest/v1/dispositions?select=code",
                         headers=api_headers(headers))
    assert response.status_code == 401
    assert response.json()["code"] == "session_not_found"
