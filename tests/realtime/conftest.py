"""Shared fixtures for the Realtime stand-in's tests, against the session's real stack.

- `mint(sub=..., role=..., exp_in=...)`: a JWT signed with the stack's secret, as Auth issues
  them (tests need short-lived and odd tokens that sign-in never gives).
- `users`: the demo agents' user ids, by e-mail.
- `test_policies`: test-only RLS policies on realtime.messages, dropped after each test (so
  no other test, the policy drift check included, ever sees them). For a user
  <uid>: `standin:<uid>` may be read and written (broadcast and presence), `standin-ro:<uid>`
  only read, `standin-bc:<uid>` read and broadcast but not presence.
- `notes_table`: a table of the supabase_realtime publication, for postgres_changes.
- `standalone(**env)`: a second stand-in process on its own port, outside the gateway, with
  settings of the test's choosing (a short idle timeout...).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

import jwt
import psycopg
import pytest

from stack.config import PROJECT_DIR, StackConfig, free_port
from tests.conftest import AGENTS

POLICIES = {
    "standin test read": ("select", "split_part(realtime.topic(), ':', 1)"
                                    " in ('standin', 'standin-ro', 'standin-bc')"),
    "standin test write": ("insert", "(split_part(realtime.topic(), ':', 1) = 'standin'"
                                     " or (split_part(realtime.topic(), ':', 1) = 'standin-bc'"
                                     " and realtime.messages.extension = 'broadcast'))"),
}


@pytest.fixture(scope="session")
def mint(stack: StackConfig) -> Callable[..., str]:
    def _mint(sub: str | None = None, role: str = "authenticated", exp_in: float = 3600,
              **extra: Any) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {"role": role, "iat": now, "exp": int(now + exp_in),
                                  "aud": "authenticated", **extra}
        if sub is not None:
            claims["sub"] = sub
        return jwt.encode(claims, stack.jwt_secret, algorithm="HS256")
    return _mint


@pytest.fixture(scope="session")
def users(stack: StackConfig) -> dict[str, str]:
    with psycopg.connect(stack.database_url) as conn:
        rows = conn.execute("select email, id::text from auth.users where email = any(%s)",
                            (AGENTS,)).fetchall()
    return dict(rows)


@pytest.fixture
def test_policies(stack: StackConfig) -> Iterator[None]:
    """Policies for this suite's own topics; a user reaches only topics ending in its uid."""
    own = "split_part(realtime.topic(), ':', 2) = (select auth.uid())::text"
    with psycopg.connect(stack.database_url, autocommit=True) as conn:
        for name, (command, condition) in POLICIES.items():
            clause = "using" if command == "select" else "with check"
            conn.execute(f'drop policy if exists "{name}" on realtime.messages')
            conn.execute(f'create policy "{name}" on realtime.messages for {command}'
                         f" to authenticated {clause} ({condition} and {own})")
    try:
        yield
    finally:
        with psycopg.connect(stack.database_url, autocommit=True) as conn:
            for name in POLICIES:
                conn.execute(f'drop policy if exists "{name}" on realtime.messages')


@pytest.fixture
def standalone(stack: StackConfig) -> Iterator[Callable[..., str]]:
    """standalone(**REALTIME_* env) -> ws://127.0.0.1:<port> of a fresh stand-in process."""
    procs: list[subprocess.Popen[bytes]] = []

    def _start(**env: str) -> str:
        port = free_port()
        proc = subprocess.Popen(
            [sys.executable, "-m", "stack.realtime"], cwd=PROJECT_DIR,
            env={**os.environ, "PYTHONPATH": str(PROJECT_DIR),
                 "REALTIME_DATABASE_URL": stack.db_url("supabase_realtime_admin"),
                 "REALTIME_JWT_SECRET": stack.jwt_secret, "REALTIME_PORT": str(port),
                 "REALTIME_CHANGES": "0", **env},
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        procs.append(proc)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if ping(port):
                    return f"ws://127.0.0.1:{port}"
            except OSError:
                pass
            time.sleep(0.1)
        raise AssertionError("the standalone stand-in did not start")

    yield _start
    for proc in procs:
        proc.terminate()
        proc.wait(10)


def ping(port: int) -> bool:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/ping", timeout=1) as response:
        return bool(response.status == 200)


@pytest.fixture
def notes_table(stack: StackConfig) -> Iterator[str]:
    with psycopg.connect(stack.database_url, autocommit=True) as conn:
        conn.execute("create table if not exists public.standin_notes ("
                     " id bigint generated by default as identity primary key, body text)")
        conn.execute("grant select on public.standin_notes to anon")
        conn.execute("alter publication supabase_realtime add table public.standin_notes")
    try:
        yield "standin_notes"
    finally:
        with psycopg.connect(stack.database_url, autocommit=True) as conn:
            conn.execute("alter publication supabase_realtime drop table public.standin_notes")
            conn.execute("drop table public.standin_notes")
