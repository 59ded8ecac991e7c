"""The stack's own PostgreSQL 15 cluster: created once under <root>/pg, run by pg_ctl.

PostgreSQL refuses to run as root, so as root the server runs as the
`postgres` OS user, which owns the data directory.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
from pathlib import Path

from stack.config import StackConfig

PG_BIN = Path("/usr/lib/postgresql/15/bin")

SERVER_SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "wal_level": "logical",
    "shared_preload_libraries": "'pg_stat_statements, pg_cron'",
    "cron.database_name": "'postgres'",
    "max_connections": "200",
    "shared_buffers": "'256MB'",
    "timezone": "'UTC'",
    "log_timezone": "'UTC'",
    "log_min_messages": "warning",
    "log_line_prefix": "'%m [%p] %q%u@%d '",
}


def _as_db_owner(argv: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *argv]
    return argv


def _run(argv: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(_as_db_owner(argv), check=True, capture_output=True, text=True)


def socket_dir(config: StackConfig) -> Path:
    return config.root / "pg" / "run"


def ensure_cluster(config: StackConfig) -> bool:
    """Create the cluster if it does not exist yet. True when it was just created."""
    data = config.pg_data
    if (data / "PG_VERSION").exists():
        return False
    pg_dir = data.parent
    sock = socket_dir(config)
    for d in (pg_dir, sock):
        d.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        owner = pwd.getpwnam("postgres")
        for d in (pg_dir, sock):
            shutil.chown(d, owner.pw_uid, owner.pw_gid)
    pwfile = pg_dir / "initdb.pw"
    pwfile.write_text(config.db_password + "\n")
    if os.geteuid() == 0:
        shutil.chown(pwfile, "postgres", "postgres")
    try:
        _run([
            str(PG_BIN / "initdb"), "-D", str(data), "-U", "supabase_admin",
            "--pwfile", str(pwfile), "--auth-host=scram-sha-256", "--auth-local=trust",
            "--encoding=UTF8", "--locale=C.UTF-8",
        ])
    finally:
        pwfile.unlink(missing_ok=True)
    settings = dict(SERVER_SETTINGS, port=str(config.pg_port),
                    unix_socket_directories=f"'{sock}'")
    conf = "\n".join(f"{k} = {v}" for k, v in settings.items())
    with open(data / "postgresql.conf", "a") as f:
        f.write("\n# The embedded Supabase stack (stack/postgres.py)\n" + conf + "\n")
    return True


def is_running(config: StackConfig) -> bool:
    result = subprocess.run(
        _as_db_owner([str(PG_BIN / "pg_ctl"), "-D", str(config.pg_data), "status"]),
        capture_output=True, text=True,
    )
    return result.returncode == 0


def start(config: StackConfig) -> None:
    if is_running(config):
        return
    config.log_dir.mkdir(parents=True, exist_ok=True)
    log = config.log_dir / "postgres.log"
    log.touch()
    if os.geteuid() == 0:
        shutil.chown(log, "postgres", "postgres")
    _run([str(PG_BIN / "pg_ctl"), "-D", str(config.pg_data), "-l", str(log), "-w", "-t", "60",
          "start"])


def stop(config: StackConfig, mode: str = "fast") -> bool:
    if not config.pg_data.exists() or not is_running(config):
        return False
    _run([str(PG_BIN / "pg_ctl"), "-D", str(config.pg_data), "-m", mode, "-w", "stop"])
    return True


def psql(config: StackConfig, *args: str, role: str = "supabase_admin",
         input: str | None = None) -> str:
    """Run psql against the stack, stopping at the first error."""
    env = {**os.environ, "PGPASSWORD": config.db_password}
    result = subprocess.run(
        ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p",
         str(config.pg_port), "-U", role, "-d", "postgres", *args],
        input=input, capture_output=True, text=True, env=env,
    )
    if result.returncode != 0:
        raise RuntimeError(f"psql {' '.join(args)} failed:\n{result.stderr}")
    return result.stdout
