"""The embedded stack's own contract: up twice is safe, down stops every process, data survives."""

from __future__ import annotations

import shutil
import socket
import tempfile
from pathlib import Path

import httpx
import psycopg
import pytest

from stack import lifecycle, postgres, processes
from stack.config import DEMO_PASSWORD, StackConfig


def _listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture
def spare_stack():
    root = Path(tempfile.mkdtemp(prefix="crm-spare-stack-"))
    root.chmod(0o755)
    config = StackConfig.load_or_create(root, fixed_ports=False)
    yield config
    lifecycle.down(config, progress=lambda _: None)
    shutil.rmtree(root, ignore_errors=True)


def test_up_twice_down_and_up_again_keeps_the_data(spare_stack):
    config = spare_stack
    quiet = lambda _: None  # noqa: E731
    lifecycle.up(config, progress=quiet)
    pids = {name: processes.read_pid(config.run_dir / f"{name}.pid")
            for name in ("postgrest", "auth", "gateway", "kamailio", "pstn", "reporting",
                         "presence", "accounts", "lead_import")}
    lifecycle.up(config, progress=quiet)  # a second `up` changes nothing
    assert pids == {name: processes.read_pid(config.run_dir / f"{name}.pid") for name in pids}
    assert all(pids.values())
    env = config.env_file.read_text()
    for key in ("SUPABASE_URL", "SUPABASE_ANON_KEY", "SUPABASE_SERVICE_ROLE_KEY",
                "SUPABASE_JWT_SECRET", "DATABASE_URL", "WEBPHONE_URL", "SIP_WS_URL",
                "DEMO_PASSWORD"):
        assert f"\n{key}=" in f"\n{env}", key

    with psycopg.connect(config.database_url, autocommit=True) as conn:
        conn.execute("update public.profiles set full_name = 'Survivor' where email = %s",
                     ("agent7@demo.test",))
        seeded_users = conn.execute("select count(*) from auth.users").fetchone()[0]
        postmaster = int((config.pg_data / "postmaster.pid").read_text().split()[0])

    lifecycle.down(config, progress=quiet)
    for pid in [*pids.values(), postmaster]:
        assert not processes.is_alive(pid), pid
    for port in (config.pg_port, config.rest_port, config.auth_port, config.gateway_port,
                 config.sip_ws_port):
        assert not _listening(port), port
    assert not any(lifecycle.status(config).values())

    lifecycle.up(config, progress=quiet)
    with psycopg.connect(config.database_url) as conn:
        name = conn.execute("select full_name from public.profiles where email = %s",
                            ("agent7@demo.test",)).fetchone()[0]
        users = conn.execute("select count(*) from auth.users").fetchone()[0]
    assert name == "Survivor"
    assert users == seeded_users  # the seed ran once, not twice


def test_the_services_survive_a_postgresql_restart(spare_stack):
    config = spare_stack
    lifecycle.up(config, progress=lambda _: None)
    postgres.stop(config)
    postgres.start(config)
    headers = {"apikey": config.anon_key, "Authorization": f"Bearer {config.anon_key}"}

    def signs_in() -> bool:
        response = httpx.post(f"{config.url}/auth/v1/token?grant_type=password", headers=headers,
                              json={"email": "agent1@demo.test", "password": DEMO_PASSWORD})
        return response.status_code == 200

    def rest_answers() -> bool:
        return httpx.get(f"{config.url}/rest/v1/", headers=headers).status_code == 200

    processes.wait_for(rest_answers, what="PostgREST", timeout=30)
    # The stand-ins' pooled connections died with the server: the first request must not.
    assert signs_in()
    buckets = httpx.get(f"{config.url}/storage/v1/bucket",
                        headers={"apikey": config.service_role_key,
                                 "Authorization": f"Bearer {config.service_role_key}"})
    assert buckets.status_code == 200
