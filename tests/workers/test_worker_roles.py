"""Every worker connects as its own role, never as a superuser: read off the sessions the
running workers open, started as `scripts/up` starts them (the AMI bridge with the AMI
stand-in, and the dialer with another). The roles' grants themselves are pgTAP's
(supabase/tests/workers/)."""

from __future__ import annotations

import os

import psycopg

from stack import lifecycle, processes
from stack.config import PROJECT_DIR, WORKER_ROLES, StackConfig
from tests.ami_bridge.bridge_helpers import BridgeProcess, bridge_settings, wait_until
from tests.support.ami_server import AmiServer
from tests.support.worker_process import worker_module

# The application_name prefix of every connection each worker opens.
SESSIONS = {"ami_bridge": "ami_bridge", "reporting": "reporting-", "recordings": "recordings-",
            "presence": "presence", "accounts": "accounts-",
            "lead_import": "lead-import", "dialer": "dialer"}
EXPECTED = {
    "ami_bridge": {"ami_bridge", "ami_bridge.originate", "ami_bridge.recording_stop"},
    "reporting": {"reporting-refresh", "reporting-exports", "reporting-exports-render",
                  "reporting-partitions"},
    "recordings": {"recordings-uploads", "recordings-retention", "recordings-erasure"},
    "presence": {"presence"},
    "accounts": {"accounts-requests"},
    "lead_import": {"lead-import"},
    "dialer": {"dialer", "dialer.lines", "dialer.listen"},
}


def sessions(db: psycopg.Connection) -> list[tuple[str, str, bool, bool]]:
    """(application_name, user, superuser, bypasses RLS) of the workers' sessions now."""
    return db.execute(
        "select a.application_name, a.usename::text, r.rolsuper, r.rolbypassrls"
        " from pg_catalog.pg_stat_activity as a"
        " inner join pg_catalog.pg_roles as r on a.usesysid = r.oid"
        " where a.application_name"
        " ~ '^(ami_bridge|reporting-|recordings-|presence$|accounts-|lead-import$|dialer)'"
    ).fetchall()


def test_every_worker_session_is_its_own_role_and_never_a_superuser(
    stack: StackConfig, db: psycopg.Connection, tmp_path
) -> None:
    try:
        lifecycle.start_reporting_worker(stack)
        lifecycle.start_recordings_worker(stack)
        lifecycle.start_presence_worker(stack)
        lifecycle.start_accounts_worker(stack)
        lifecycle.start_lead_import_worker(stack)
        dialer_env = {**os.environ, "PYTHONPATH": str(PROJECT_DIR), "AMI_HOST": "127.0.0.1",
                      "AMI_USERNAME": "crm-dialer", "AMI_SECRET": "dialer-secret",
                      "DATABASE_URL": stack.worker_database_url("dialer"),
                      "WORKER_NAME": "worker-roles-test"}
        with AmiServer() as server, AmiServer(username="crm-dialer",
                                              secret="dialer-secret") as pbx:
            bridge = BridgeProcess(bridge_settings(stack, server), tmp_path / "bridge.log")
            try:
                with worker_module(["workers.dialer"], {**dialer_env, "AMI_PORT": str(pbx.port)},
                                   tmp_path / "dialer.log"):
                    seen = wait_until(
                        lambda: (rows := sessions(db))
                        and {name for name, *_ in rows} >= set().union(*EXPECTED.values())
                        and rows,
                        timeout=30,
                    )
            finally:
                bridge.terminate()
    finally:
        for worker in ("reporting", "recordings", "presence", "accounts", "lead_import"):
            processes.stop(stack.run_dir / f"{worker}.pid")

    for name, user, superuser, bypassrls in seen:
        worker = next(w for w, prefix in SESSIONS.items() if name.startswith(prefix))
        assert user == WORKER_ROLES[worker], (name, user)
        assert not superuser and not bypassrls, (name, user)
    assert not {user for _, user, *_ in seen} & {"postgres", "supabase_admin", "service_role"}
