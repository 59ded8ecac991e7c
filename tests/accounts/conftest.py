"""The accounts worker against the Auth stand-in: its loop on connections of its own (one pass
at a time, so each test says when the worker runs), admins through PostgREST with their JWT,
and the webphone's set-password page played by supabase-js (tests/support/set_password_js.mjs).
"""

from __future__ import annotations

import json
import os
import subprocess
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest

from stack.config import PROJECT_DIR, StackConfig
from supabase import Client, ClientOptions, create_client
from workers.accounts.requests import AccountRequests
from workers.accounts.settings import Settings
from workers.accounts.telemetry import Metrics

ADMIN = "admin@demo.test"
SET_PASSWORD_JS = PROJECT_DIR / "tests" / "support" / "set_password_js.mjs"
# The columns of account_requests a client may select (never action_link).
COLUMNS = ("id, kind, user_id, email, full_name, role, campaign_ids, sip_extension, status,"
           " link_expires_at, error, requested_by, attempts, created_at, finished_at")


def settings(stack: StackConfig, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": stack.worker_database_url("accounts"),
        "supabase_url": stack.url,
        "supabase_service_role_key": stack.service_role_key,
        "webphone_url": f"{stack.url}/",
        "worker_name": f"test-{uuid.uuid4().hex[:8]}",
        **overrides,
    }
    return Settings(**values)


@pytest.fixture
def worker(stack: StackConfig) -> Iterator[Callable[..., AccountRequests]]:
    """worker(**settings) -> a connected AccountRequests loop; run_once() is one request."""
    made: list[AccountRequests] = []

    def make(**overrides: Any) -> AccountRequests:
        loop = AccountRequests(settings(stack, **overrides), Metrics())
        loop.connect()
        made.append(loop)
        return loop

    yield make
    for loop in made:
        loop.close()


@pytest.fixture
def drain(worker: Callable[..., AccountRequests]) -> Callable[[], int]:
    """Run the worker until the queue is empty; how many requests it handled."""
    loop = worker()
    # Requests another test of the session left queued (its worker stopped first) are not this
    # test's to count: handled before it starts.
    while loop.run_once():
        pass

    def run() -> int:
        handled = 0
        while loop.run_once():
            handled += 1
        return handled

    return run


@pytest.fixture
def admin(sign_in) -> Client:
    return sign_in(ADMIN)


@pytest.fixture(autouse=True)
def users_removed_after(db: psycopg.Connection, service_client) -> Iterator[None]:
    """The users a test made are deleted after it: the session's stack is shared, and an invited
    supervisor of a demo campaign would stay visible to that campaign's agents in later tests."""
    before = {row[0] for row in db.execute("select id from auth.users")}
    yield
    for (user_id,) in db.execute("select id from auth.users").fetchall():
        if user_id not in before:
            service_client.auth.admin.delete_user(str(user_id))


@pytest.fixture
def email() -> str:
    return f"acc-{uuid.uuid4().hex[:10]}@demo.test"


@pytest.fixture
def campaigns(db: psycopg.Connection) -> list[str]:
    return [str(r[0]) for r in db.execute("select id from public.campaigns order by name limit 2")]


def fresh_client(stack: StackConfig) -> Client:
    options = ClientOptions(auto_refresh_token=False, persist_session=False)
    return create_client(stack.url, stack.anon_key, options=options)


def request_row(client: Client, request_id: str) -> dict[str, Any]:
    rows = client.table("account_requests").select(COLUMNS).eq("id", request_id).execute().data
    assert len(rows) == 1, rows
    return rows[0]


def link_of(client: Client, request_id: str) -> str:
    return client.rpc("account_request_link", {"p_request_id": request_id}).execute().data


def set_password_js(stack: StackConfig, token_hash: str, link_type: str, email: str,
                    password: str) -> dict[str, Any]:
    """The set-password page through supabase-js; what each step returned."""
    env = {**os.environ, "SUPABASE_URL": stack.url, "SUPABASE_ANON_KEY": stack.anon_key,
           "TOKEN_HASH": token_hash, "TYPE": link_type, "EMAIL": email,
           "NEW_PASSWORD": password}
    done = subprocess.run(["node", str(SET_PASSWORD_JS)], cwd=PROJECT_DIR, env=env,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)
