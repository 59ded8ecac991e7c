"""Bad input to every route of the Auth stand-in, through the gateway: a 4xx in GoTrue's error
shape, never a 5xx (issue 12, item 7)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from stack.config import StackConfig

# 30,000 levels: deep enough to break a recursive parser, small enough (60 KB) to pass the
# gateway's 64 KiB cap on /auth/v1 and reach the stand-in; bigger bodies are the gateway's 413.
DEEP = ("[" * 30_000 + "]" * 30_000).encode()
LEGACY_CODES = {"validation_failed", "bad_json", "weak_password", "request_entity_too_large",
                "not_found", "user_not_found", "signup_disabled", "unsupported_grant_type"}


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    caller: str  # anon, user or service
    body: dict  # a valid body; each case spoils one part of it
    strings: tuple[str, ...] = ()  # dotted paths of its string fields


ROUTES = [
    Route("POST", "/token?grant_type=password", "anon",
          {"email": "agent1@demo.test", "password": "not-the-password"}, ("email", "password")),
    Route("POST", "/token?grant_type=refresh_token", "anon",
          {"refresh_token": "no-such-token"}, ("refresh_token",)),
    Route("PUT", "/user", "user", {"data": {"theme": "dark"}}, ("data.theme",)),
    Route("POST", "/signup", "anon", {"email": "x@demo.test", "password": "whatever-1"},
          ("email", "password")),
    Route("POST", "/admin/users", "service",
          {"email": "input-new@demo.test", "password": "input-password-1",
           "user_metadata": {"full_name": "Nueva"}, "app_metadata": {"role": "agent"}},
          ("email", "password", "user_metadata.full_name", "app_metadata.role")),
    Route("PUT", "/admin/users/{target}", "service",
          {"email": "input-renamed@demo.test", "password": "input-password-2",
           "user_metadata": {"full_name": "Otra"}, "app_metadata": {"role": "agent"},
           "ban_duration": "1h"},
          ("email", "password", "user_metadata.full_name", "app_metadata.role",
           "ban_duration")),
    Route("DELETE", "/admin/users/{target}", "service", {}),
]


def _set(body: dict, dotted: str, value: object) -> dict:
    spoiled = json.loads(json.dumps(body))
    *parents, last = dotted.split(".")
    node = spoiled
    for key in parents:
        node = node[key]
    node[last] = value
    return spoiled


def cases() -> Iterator:
    for route in ROUTES:
        rid = f"{route.method} {route.path.replace('?grant_type=', ' ')}"
        generic = {
            "deep-json": DEEP,
            "list": b"[]",
            "scalar": b"42",
            "string": b'"email"',
            "null": b"null",
            "invalid-utf8": b'{"email": "\xff\xfe@demo.test", "password": "\xc3\x28"}',
            "nan": b'{"email": NaN, "password": Infinity}',
            "huge-number": b'{"email": ' + b"9" * 5000 + b"}",
            "huge-body": json.dumps({"email": "x@demo.test", "pad": "x" * 2_000_000}).encode(),
            "lone-surrogate-key": b'{"\\ud800": "x"}',
            "nul-in-a-key": b'{"a\\u0000b": "x"}',
            "not-json": b"email=x&password=y",
        }
        for name, raw in generic.items():
            yield pytest.param(route, raw, None, id=f"{rid}-{name}")
        for field in route.strings:
            nul = json.dumps(_set(route.body, field, "a\u0000b@demo.test")).encode()
            yield pytest.param(route, nul, field, id=f"{rid}-nul-in-{field}")
            surrogate = json.dumps(_set(route.body, field, "a\ud800b")).encode()
            yield pytest.param(route, surrogate, field, id=f"{rid}-surrogate-in-{field}")
            if "." not in field:
                for kind, value in (("number", 5), ("list", ["x"]), ("object", {"x": 1})):
                    wrong = json.dumps(_set(route.body, field, value)).encode()
                    yield pytest.param(route, wrong, None, id=f"{rid}-{kind}-for-{field}")
        for field in ("user_metadata", "app_metadata", "data"):
            if field in route.body:
                wrong = json.dumps(_set(route.body, field, ["not", "an", "object"])).encode()
                yield pytest.param(route, wrong, field, id=f"{rid}-list-for-{field}")


@pytest.fixture(scope="module")
def callers(stack: StackConfig, service_client, sign_in) -> Iterator[dict]:
    """Each caller's headers, and a user the admin routes may (fail to) change."""
    target = service_client.auth.admin.create_user(
        {"email": f"input-target-{uuid.uuid4().hex[:8]}@demo.test",
         "password": "input-password-0", "email_confirm": True}).user
    user = sign_in("agent4@demo.test").auth.get_session().access_token
    yield {
        "anon": {"apikey": stack.anon_key},
        "user": {"apikey": stack.anon_key, "Authorization": f"Bearer {user}"},
        "service": {"apikey": stack.service_role_key,
                    "Authorization": f"Bearer {stack.service_role_key}"},
        "target": target.id,
    }
    service_client.auth.admin.delete_user(target.id)


def assert_gotrue_error(response: httpx.Response) -> dict:
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:300])
    body = response.json()
    assert body["code"] == response.status_code
    assert isinstance(body["error_code"], str) and body["error_code"]
    assert isinstance(body["msg"], str) and body["msg"]
    return body


@pytest.mark.parametrize(("route", "raw", "field"), list(cases()))
def test_bad_input_is_a_4xx_in_gotrues_shape(stack, callers, route, raw, field):
    response = httpx.request(
        route.method, f"{stack.url}/auth/v1{route.path.format(target=callers['target'])}",
        headers={**callers[route.caller], "Content-Type": "application/json"},
        content=raw, timeout=30)
    body = assert_gotrue_error(response)
    assert body["error_code"] in LEGACY_CODES
    if field is not None and route.path != "/signup":  # sign-up is closed before it reads
        assert body["msg"].startswith(f"{field}:"), body


def test_the_admin_target_survived_every_bad_request(service_client, callers):
    user = service_client.auth.admin.get_user_by_id(callers["target"]).user
    assert user.email.startswith("input-target-")
    assert user.banned_until is None
    assert user.user_metadata == {}


def test_the_new_error_shape_for_clients_that_ask_for_it(stack):
    response = httpx.post(f"{stack.url}/auth/v1/token?grant_type=password",
                          headers={"apikey": stack.anon_key,
                                   "X-Supabase-Api-Version": "2024-01-01"},
                          content=DEEP)
    assert response.status_code == 400
    assert response.json() == {"code": "bad_json",
                               "message": "Request body is nested deeper than 32 levels"}


@pytest.mark.parametrize(("method", "path", "caller", "status"), [
    ("GET", "/admin/users?page=%00", "service", 400),
    ("GET", "/admin/users?per_page=1e9999", "service", 400),
    ("GET", "/admin/users/not-a-uuid", "service", 404),
    ("POST", "/logout?scope=%00", "user", 400),
    ("POST", "/token?grant_type=%00", "anon", 400),
    ("GET", "/no-such-route", "anon", 404),
    ("PATCH", "/user", "user", 405),
])
def test_bad_query_and_path_values_are_4xx(stack, callers, method, path, caller, status):
    response = httpx.request(method, f"{stack.url}/auth/v1{path}", headers=callers[caller],
                             json={})
    assert response.status_code == status, response.text
    assert_gotrue_error(response)


def test_a_nul_in_the_path_is_a_404(stack, callers):
    """Straight to the stand-in: the gateway (nginx) refuses %00 in a path itself."""
    response = httpx.get(f"http://127.0.0.1:{stack.auth_port}/admin/users/%00",
                         headers=callers["service"])
    assert response.status_code == 404
    assert assert_gotrue_error(response)["error_code"] == "user_not_found"


def test_a_page_past_any_database_range_is_an_empty_page(stack, callers):
    response = httpx.get(f"{stack.url}/auth/v1/admin/users?page=99999999999999999999999",
                         headers=callers["service"])
    assert response.status_code == 200
    assert response.json()["users"] == []


def test_input_the_database_refuses_is_a_4xx(stack, callers):
    """A role that is not a role gets past the stand-in and is refused by the profile trigger."""
    response = httpx.post(f"{stack.url}/auth/v1/admin/users", headers=callers["service"],
                          json={"email": f"input-{uuid.uuid4().hex[:8]}@demo.test",
                                "password": "input-password-1",
                                "app_metadata": {"role": "emperor"}})
    body = assert_gotrue_error(response)
    assert body["error_code"] == "validation_failed"
    assert "emperor" in body["msg"]


def test_too_long_email_and_duration_are_validation_errors(stack, callers):
    long_email = httpx.post(f"{stack.url}/auth/v1/admin/users", headers=callers["service"],
                            json={"email": "a" * 300 + "@demo.test", "password": "long-enough"})
    assert assert_gotrue_error(long_email)["msg"].startswith("email:")
    forever = httpx.put(f"{stack.url}/auth/v1/admin/users/{callers['target']}",
                        headers=callers["service"], json={"ban_duration": "9" * 30 + "h"})
    assert assert_gotrue_error(forever)["msg"].startswith("ban_duration:")


def test_a_taken_email_on_update_is_email_exists(stack, callers):
    response = httpx.put(f"{stack.url}/auth/v1/admin/users/{callers['target']}",
                         headers=callers["service"], json={"email": "agent1@demo.test"})
    assert response.status_code == 422, response.text
    assert response.json()["error_code"] == "email_exists"


def test_a_user_agent_that_is_not_text_does_not_break_sign_in(stack, service_client):
    email = f"input-ua-{uuid.uuid4().hex[:8]}@demo.test"
    user = service_client.auth.admin.create_user(
        {"email": email, "password": "input-password-1", "email_confirm": True}).user
    try:
        response = httpx.post(f"{stack.url}/auth/v1/token?grant_type=password",
                              headers={"apikey": stack.anon_key, "User-Agent": b"agent \xff\xfe"},
                              json={"email": email, "password": "input-password-1"})
        assert response.status_code == 200, response.text
    finally:
        service_client.auth.admin.delete_user(user.id)


def test_a_refused_user_update_changes_nothing(stack, service_client):
    """The password is checked and written only if the rest of the body is valid too."""
    email = f"input-update-{uuid.uuid4().hex[:8]}@demo.test"
    user = service_client.auth.admin.create_user(
        {"email": email, "password": "input-password-1", "email_confirm": True}).user
    try:
        def token_for(password: str) -> httpx.Response:
            return httpx.post(f"{stack.url}/auth/v1/token?grant_type=password",
                              headers={"apikey": stack.anon_key},
                              json={"email": email, "password": password})

        access = token_for("input-password-1").json()["access_token"]
        response = httpx.put(f"{stack.url}/auth/v1/user",
                             headers={"apikey": stack.anon_key,
                                      "Authorization": f"Bearer {access}"},
                             json={"password": "input-password-2", "data": ["not", "an", "object"]})
        assert assert_gotrue_error(response)["msg"].startswith("data:")
        assert token_for("input-password-1").status_code == 200
    finally:
        service_client.auth.admin.delete_user(user.id)
