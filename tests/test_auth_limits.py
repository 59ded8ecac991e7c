"""The Auth stand-in's rate limits and its timing, with the official client (supabase_auth).

The session's stack runs the limits of supabase/config.toml (a call-center floor's worth:
the whole suite signs in from 127.0.0.1 and stays far under them). To reach the limits here
without locking the suite out, these tests start a second Auth stand-in on the same database
with low limits and a short window (AUTH_RATE_LIMIT_* overrides), and speak to it directly,
setting X-Forwarded-For themselves as the gateway does: each test plays distinct clients, and
the one test through the gateway proves that a client cannot choose its own address there.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
import tomllib
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import jwt
import psycopg
import pytest
from supabase_auth import SyncGoTrueClient
from supabase_auth.errors import AuthApiError

from stack.auth.app import account_key
from stack.auth.limits import CONFIG_TOML, RateLimits, SlidingWindow, load_rate_limits
from stack.config import PROJECT_DIR, StackConfig, free_port

PASSWORD = "limits-password-1"
WINDOW = 15.0  # seconds: long enough for a loaded machine, short enough to wait out


@dataclass
class StandIn:
    url: str
    log: Path

    def client(self, ip: str) -> SyncGoTrueClient:
        """The official client, as seen from `ip` (the X-Forwarded-For the gateway would set)."""
        return SyncGoTrueClient(url=self.url, headers={"X-Forwarded-For": ip},
                                auto_refresh_token=False, persist_session=False)

    def refusals(self) -> list[dict]:
        """The refusals the stand-in logged (one JSON object a line, after the log prefix)."""
        found = []
        for line in self.log.read_text(errors="replace").splitlines():
            if " WARNING " in line and "{" in line:
                entry = json.loads(line[line.index("{"):])
                if entry.get("event") == "over_request_rate_limit":
                    found.append(entry)
        return found


def start_standin(stack: StackConfig, log: Path, limits: RateLimits) -> Iterator[StandIn]:
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(PROJECT_DIR),
        "AUTH_DATABASE_URL": stack.db_url("supabase_auth_admin"),
        "AUTH_JWT_SECRET": stack.jwt_secret,
        "AUTH_ISSUER": f"{stack.url}/auth/v1",
        "AUTH_PORT": str(port),
        "AUTH_RATE_LIMIT_SIGN_IN_SIGN_UPS": str(limits.sign_in_sign_ups),
        "AUTH_RATE_LIMIT_TOKEN_REFRESH": str(limits.token_refresh),
        "AUTH_RATE_LIMIT_ACCOUNT_FAILURES": str(limits.account_failures),
        "AUTH_RATE_LIMIT_WINDOW_SECONDS": str(limits.window_seconds),
    }
    with log.open("w") as out:
        process = subprocess.Popen([sys.executable, "-m", "stack.auth"], env=env, cwd=PROJECT_DIR,
                                   stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the second Auth stand-in did not start:\n{log.read_text()}")
            time.sleep(0.2)
        yield StandIn(url, log)
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def strict(stack, tmp_path_factory) -> Iterator[StandIn]:
    limits = RateLimits(sign_in_sign_ups=6, token_refresh=3, account_failures=10,
                        window_seconds=WINDOW)
    yield from start_standin(stack, tmp_path_factory.mktemp("auth-strict") / "auth.log", limits)


@pytest.fixture(scope="module")
def accounts(service_client) -> Iterator[Callable[[str], str]]:
    """account(name) -> the e-mail of a fresh confirmed user with PASSWORD (removed afterwards)."""
    made: list[str] = []
    run = uuid.uuid4().hex[:8]

    def account(name: str) -> str:
        email = f"limits-{name}-{run}@demo.test"
        user = service_client.auth.admin.create_user(
            {"email": email, "password": PASSWORD, "email_confirm": True}).user
        made.append(user.id)
        return email

    yield account
    for user_id in made:
        service_client.auth.admin.delete_user(user_id)


def sign_in(standin: StandIn, ip: str, email: str, password: str = PASSWORD):
    return standin.client(ip).sign_in_with_password({"email": email, "password": password})


def refused(call: Callable[[], object]) -> AuthApiError:
    with pytest.raises(AuthApiError) as caught:
        call()
    return caught.value


def test_config_toml_limits_are_read_and_the_environment_overrides_them(tmp_path):
    configured = tomllib.loads(CONFIG_TOML.read_text())["auth"]["rate_limit"]
    limits = load_rate_limits(CONFIG_TOML, {})
    assert limits.sign_in_sign_ups == configured["sign_in_sign_ups"]
    assert limits.token_refresh == configured["token_refresh"]
    # A floor of 300 agents signing in at shift start from one NAT address must fit.
    assert limits.sign_in_sign_ups >= 300
    assert (limits.account_failures, limits.window_seconds) == (10, 300.0)
    overridden = load_rate_limits(CONFIG_TOML, {"AUTH_RATE_LIMIT_SIGN_IN_SIGN_UPS": "7",
                                                "AUTH_RATE_LIMIT_WINDOW_SECONDS": "2.5"})
    assert (overridden.sign_in_sign_ups, overridden.window_seconds) == (7, 2.5)
    for bad in ("0", "-3", "ten", "1.5"):
        with pytest.raises(ValueError, match="account_failures"):
            load_rate_limits(CONFIG_TOML, {"AUTH_RATE_LIMIT_ACCOUNT_FAILURES": bad})
    missing = tmp_path / "config.toml"
    missing.write_text("[auth]\nenabled = true\n")
    assert load_rate_limits(missing, {}) == RateLimits()  # Supabase's defaults


def test_a_sliding_window_admits_limit_events_and_says_when_the_next_may_come():
    now = [1000.0]
    window = SlidingWindow(3, 60.0, clock=lambda: now[0])
    for _ in range(3):  # at 1000, 1010 and 1020
        assert window.hit("a") is None
        now[0] += 10
    assert window.hit("a") == 30  # at 1030; the first event leaves the window at 1060
    assert window.hit("b") is None  # keys are counted apart
    now[0] = 1060.0
    assert window.hit("a") is None  # the refused hit was not counted
    assert window.retry_after("a") == 10  # the one at 1010 leaves at 1070
    window.clear("a")
    assert window.retry_after("a") is None


def test_the_11th_wrong_password_is_refused_and_the_right_one_too_until_the_window_ends(
        strict, accounts):
    victim, bystander = accounts("victim"), accounts("bystander")
    # Ten wrong passwords, each from another address: the per-IP limit (6) is not what stops
    # the guessing, the per-account one is.
    for i in range(10):
        error = refused(lambda i=i: sign_in(strict, f"198.51.100.{i + 1}", victim, "wrong-pw"))
        assert (error.status, error.code) == (400, "invalid_credentials")

    eleventh = httpx.post(f"{strict.url}/token?grant_type=password",
                          headers={"X-Forwarded-For": "198.51.100.11"},
                          json={"email": victim, "password": "wrong-pw"})
    assert eleventh.status_code == 429
    assert eleventh.json() == {"code": 429, "error_code": "over_request_rate_limit",
                               "msg": "Request rate limit reached"}
    wait = int(eleventh.headers["Retry-After"])
    assert 1 <= wait <= WINDOW

    # The right password is refused too, in the shape the official client reads.
    error = refused(lambda: sign_in(strict, "198.51.100.12", victim.upper()))
    assert (error.status, error.code) == (429, "over_request_rate_limit")
    # Another account is not affected.
    assert sign_in(strict, "198.51.100.13", bystander).user.email == bystander

    logged = [e for e in strict.refusals() if e["account"] == account_key(victim)]
    assert {(e["limit"], e["ip"]) for e in logged} == {("account_failures", "198.51.100.11"),
                                                       ("account_failures", "198.51.100.12")}
    assert victim not in strict.log.read_text()  # the log names the account by its hash

    time.sleep(wait)
    deadline = time.monotonic() + 5
    while True:  # the window has passed: the owner gets back in
        try:
            assert sign_in(strict, "198.51.100.14", victim).user.email == victim
            break
        except AuthApiError as e:
            assert e.code == "over_request_rate_limit"
            assert time.monotonic() < deadline, "still refused after Retry-After"
            time.sleep(0.5)


def test_the_per_ip_limit_counts_sign_ins_to_every_account(strict, accounts):
    first, second = accounts("ip-1"), accounts("ip-2")
    office, elsewhere = "192.0.2.50", "192.0.2.51"
    sign_in(strict, office, first)
    sign_in(strict, office, second)
    for email, password in ((f"nobody-{uuid.uuid4().hex}@demo.test", PASSWORD),
                            (first, "wrong-pw"), (f"nobody-{uuid.uuid4().hex}@demo.test", "x")):
        assert refused(lambda e=email, p=password: sign_in(strict, office, e, p)).status == 400
    sign_in(strict, office, second)  # the 6th attempt in the window, the last allowed

    error = refused(lambda: sign_in(strict, office, first))
    assert (error.status, error.code) == (429, "over_request_rate_limit")
    raw = httpx.post(f"{strict.url}/token?grant_type=password",
                     headers={"X-Forwarded-For": f"{office}, 10.9.9.9",
                              "X-Supabase-Api-Version": "2024-01-01"},
                     json={"email": second, "password": PASSWORD})
    assert raw.status_code == 429
    assert raw.json() == {"code": "over_request_rate_limit",
                          "message": "Request rate limit reached"}
    assert 1 <= int(raw.headers["Retry-After"]) <= WINDOW
    # Sign-up counts as GoTrue counts it (it stays closed either way).
    assert httpx.post(f"{strict.url}/signup", headers={"X-Forwarded-For": office},
                      json={"email": "x@demo.test", "password": "whatever"}).status_code == 429
    # Another address is not affected.
    assert sign_in(strict, elsewhere, first).user.email == first

    logged = [e for e in strict.refusals() if e["ip"] == office]
    assert len(logged) == 3
    assert {e["limit"] for e in logged} == {"sign_in_sign_ups"}
    assert {e["path"] for e in logged} == {"/token", "/signup"}


def test_token_refresh_is_limited_per_ip(strict, accounts):
    email = accounts("refresh")
    ip, elsewhere = "203.0.113.10", "203.0.113.11"
    client = strict.client(ip)
    token = client.sign_in_with_password({"email": email, "password": PASSWORD}).session
    assert token is not None
    refresh = token.refresh_token
    for _ in range(3):
        session = client.refresh_session(refresh).session
        assert session is not None
        refresh = session.refresh_token

    error = refused(lambda: client.refresh_session(refresh))
    assert (error.status, error.code) == (429, "over_request_rate_limit")
    # The refused refresh did not use the token up: from another address it still works.
    again = strict.client(elsewhere).refresh_session(refresh).session
    assert again is not None and again.user.email == email

    logged = [e for e in strict.refusals() if e["ip"] == ip]
    assert [(e["limit"], e["account"]) for e in logged] == [("token_refresh", None)]


def test_the_gateway_sets_the_client_address_and_a_client_cannot_forge_it(stack, accounts):
    email = accounts("gateway")
    transport = httpx.HTTPTransport(local_address="127.0.0.9")
    with httpx.Client(transport=transport) as client:
        response = client.post(f"{stack.url}/auth/v1/token?grant_type=password",
                               headers={"apikey": stack.anon_key,
                                        "X-Forwarded-For": "203.0.113.99"},
                               json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.text
    claims = jwt.decode(response.json()["access_token"], options={"verify_signature": False})
    with psycopg.connect(stack.database_url) as db:
        ip = db.execute("select host(ip) from auth.sessions where id = %s",
                        (claims["session_id"],)).fetchone()
    assert ip == ("127.0.0.9",)


@pytest.fixture(scope="module")
def lenient(stack, tmp_path_factory) -> Iterator[StandIn]:
    limits = RateLimits(sign_in_sign_ups=10_000, token_refresh=10_000, account_failures=10_000)
    yield from start_standin(stack, tmp_path_factory.mktemp("auth-lenient") / "auth.log", limits)


def test_an_unknown_email_takes_as_long_as_a_wrong_password(lenient, accounts):
    email = accounts("timing")

    def took(who: str) -> float:
        start = time.perf_counter()
        response = httpx.post(f"{lenient.url}/token?grant_type=password",
                              json={"email": who, "password": "wrong-password"})
        elapsed = time.perf_counter() - start
        assert response.status_code == 400
        assert response.json()["error_code"] == "invalid_credentials"
        return elapsed

    for _ in range(2):  # warm up connections and caches
        took(email)
        took(f"nobody-{uuid.uuid4().hex}@demo.test")
    known, unknown = [], []
    for _ in range(15):  # interleaved, so a burst of load hits both kinds alike
        known.append(took(email))
        unknown.append(took(f"nobody-{uuid.uuid4().hex}@demo.test"))
    ratio = statistics.median(unknown) / statistics.median(known)
    # bcrypt at cost 10 dominates both; without the dummy hash the ratio is about 0.05.
    assert 0.7 <= ratio <= 1.4, (ratio, statistics.median(known), statistics.median(unknown))
