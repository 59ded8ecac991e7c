"""Session fixtures: one isolated stack per test session, and clients for the demo accounts.

The stack lives in a temporary directory on free ports, so tests never touch
the developer's .local/ stack; it starts only when a test asks for it, and is
torn down at the end (CRM_TEST_KEEP_STACK=1 keeps it for a look afterwards).
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest

from stack import lifecycle
from stack.config import DEMO_PASSWORD, StackConfig
from supabase import Client, ClientOptions, create_client

log = logging.getLogger("tests.stack")

AGENTS = [f"agent{i}@demo.test" for i in range(1, 9)]
SUPERVISORS = ["supervisor1@demo.test", "supervisor2@demo.test"]
ADMIN = "admin@demo.test"


@pytest.fixture(scope="session")
def stack() -> Iterator[StackConfig]:
    root = Path(tempfile.mkdtemp(prefix="crm-test-stack-"))
    root.chmod(0o755)  # the postgres OS user must reach its data directory
    config = StackConfig.load_or_create(root, fixed_ports=False)
    try:
        lifecycle.up(config, workers=False, progress=log.info)
        yield config
    finally:
        lifecycle.down(config, progress=log.info)
        if not os.environ.get("CRM_TEST_KEEP_STACK"):
            shutil.rmtree(root, ignore_errors=True)


def _client(stack: StackConfig, key: str) -> Client:
    # No session persistence and no background refresh: each test client is
    # exactly what it was signed in as.
    options = ClientOptions(auto_refresh_token=False, persist_session=False)
    return create_client(stack.url, key, options=options)


@pytest.fixture(scope="session")
def anon_client(stack: StackConfig) -> Client:
    return _client(stack, stack.anon_key)


@pytest.fixture(scope="session")
def service_client(stack: StackConfig) -> Client:
    """The service role, as the workers use it. Never sign in with this client."""
    return _client(stack, stack.service_role_key)


@pytest.fixture(scope="session")
def sign_in(stack: StackConfig) -> Callable[..., Client]:
    """sign_in(email) -> an official supabase client signed in as that account (cached)."""
    cache: dict[str, Client] = {}

    def _sign_in(email: str, password: str = DEMO_PASSWORD, *, fresh: bool = False) -> Client:
        if fresh or email not in cache:
            client = _client(stack, stack.anon_key)
            client.auth.sign_in_with_password({"email": email, "password": password})
            if fresh:
                return client
            cache[email] = client
        return cache[email]

    return _sign_in


@pytest.fixture
def db(stack: StackConfig) -> Iterator[psycopg.Connection]:
    """A superuser connection (DATABASE_URL), autocommit, for arranging and checking state."""
    with psycopg.connect(stack.database_url, autocommit=True) as conn:
        yield conn
