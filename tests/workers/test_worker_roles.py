"""Every worker connects as its own role, never as a superuser: read off the sessions the
running workers open, started as `scripts/up` starts them (the AMI bridge with the AMI
stand-in). The roles' grants themselves are pgTAP's (supabase/tests/workers/)."""

from __future__ import annotations

import psycopg

from stack import lifecycle, processes
from stack.config import WORKER_ROLES, StackConfig
from tests.ami_bridge.bridge_helpers import BridgeProcess, bridge_settings, wait_until
from tests.support.ami_server import AmiServer

# The application_name prefix of every connection each worker opens.
SESSIONS = {"ami_bridge": "ami_bridge", "reporting": "reporting-", "recordings": "recordings-",
            "presence": "presence", "lead_import": "lead-import"}
EXPECTED = {
    "ami_bridge": {"ami_bridge", "ami_bridge.originate", "ami_bridge.recording_stop"},
    "reporting": {"reporting-refresh", "reporting-exports", "reporting-exports-render",
                  "reporting-partitions"},
    "recordings": {"recordings-uploads", "recordings-retention", "recordings-erasure"},
    "presence": {"presence"},
    "lead_import": {"lead-import"},
}


def sessions(db: psycopg.Connection) -> list[tuple[str, str, bool, bool]]:
    """(application_name, user, superuser, bypasses RLS) of the workers' sessions now."""
    return db.execute(
        "select a.application_name, a.usename::text, r.rolsuper, r.rolbypassrls"
        " from pg_catalog.pg_stat_activity as a"
        " inner join pg_catalog.pg_roles as r on a.usesysid = r.oid"
        " where a.application_name ~ '^(ami_bridge|reporting-|recordings-|presence$|lead-import$)'"
    ).fetchall()


def test_every_worker_session_is_its_own_role_and_never_a_superuser(
    stack: StackConfig, db: psycopg.Connection, tmp_path
) -> None:
    try:
        lifecycle.start_reporting_worker(stack)
        lifecycle.start_recordings_worker(stack)
        lifecycle.start_presence_worker(stack)
        lifecycle.start_lead_import_worker(stack)
        with AmiServer() as server:
            bridge = BridgeProcess(bridge_settings(stack, server), tmp_path / "bridge.log")
            try:
                seen = wait_until(
                    lambda: (rows := sessions(db))
                    and {name for name, *_ in rows} >= set().union(*EXPECTED.values())
                    and rows,
                    timeout=30,
                )
            finally:
                bridge.terminate()
    finally:
        for worker in ("reporting", "recordings", "presence", "lead_import"):
            processes.stop(stack.run_dir / f"{worker}.pid")

    for name, user, superuser, bypassrls in seen:
        worker = next(w for w, prefix in SESSIONS.items() if name.startswith(prefix))
        assert user == WORKER_ROLES[worker], (name, user)
        assert not superuser and not bypassrls, (name, user)
    assert not {user for _, user, *_ in seen} & {"postgres", "supabase_admin", "service_role"}
