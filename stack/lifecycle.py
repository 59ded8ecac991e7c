"""Bring a whole embedded stack up, or down, in dependency order. Both are idempotent."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterable
from pathlib import Path

from stack import gateway, kamailio, postgres, postgrest, processes, pstn
from stack.config import PROJECT_DIR, SIP_DOMAIN, SIP_PROXY_ROLE, WORKER_ROLES, StackConfig

log = logging.getLogger("stack")

SUPABASE_CLI = PROJECT_DIR / "node_modules" / ".bin" / "supabase"
BOOTSTRAP = PROJECT_DIR / "supabase" / "platform" / "bootstrap.sql"
SEED = PROJECT_DIR / "supabase" / "seed.sql"
WEBPHONE = PROJECT_DIR / "webphone"
LOGIN_ROLES = ("postgres", "authenticator", "supabase_auth_admin", "supabase_storage_admin",
               "supabase_realtime_admin")


def supabase_cli(config: StackConfig, *args: str) -> str:
    """The real Supabase CLI, pointed at this stack's database as `postgres` (as on Supabase)."""
    result = subprocess.run(
        [str(SUPABASE_CLI), *args, "--db-url", config.db_url("postgres", sslmode=True),
         "--workdir", str(PROJECT_DIR)],
        capture_output=True, text=True, env={**os.environ, "SUPABASE_TELEMETRY_DISABLED": "1"},
        stdin=subprocess.DEVNULL,
    )
    if result.returncode != 0:
        raise RuntimeError(f"supabase {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout + result.stderr


def set_passwords(config: StackConfig, roles: Iterable[str]) -> None:
    """The stack's one database password for these login roles."""
    setters = "\n".join(f"alter role {r} password :'pw';" for r in roles)
    postgres.psql(config, "-v", f"pw={config.db_password}", input=setters)


def apply_platform(config: StackConfig) -> None:
    postgres.psql(config, "-f", str(BOOTSTRAP))
    set_passwords(config, LOGIN_ROLES)


def configure_sip(config: StackConfig) -> None:
    """Share the SIP proxy's address and auth_ephemeral secret with the database."""
    postgres.psql(
        config, "-v", f"domain={SIP_DOMAIN}", "-v", f"ws_url={config.sip_ws_url}",
        "-v", f"secret={config.sip_secret}",
        input="insert into private.sip_settings (domain, ws_url, secret)"
              " values (:'domain', :'ws_url', :'secret') on conflict (id) do update"
              " set domain = excluded.domain, ws_url = excluded.ws_url,"
              " secret = excluded.secret;",
    )


def configure_gateway(config: StackConfig) -> None:
    """Let the database recognise the gateway's requests (the client address it logs)."""
    postgres.psql(
        config, "-v", f"token={config.gateway_token}",
        input="insert into private.gateway_settings (client_token_sha256)"
              " values (extensions.digest(:'token', 'sha256')) on conflict (id) do update"
              " set client_token_sha256 = excluded.client_token_sha256;",
    )


def is_seeded(config: StackConfig) -> bool:
    out = postgres.psql(config, "-At", "-c", "select count(*) from auth.users")
    return int(out.strip()) > 0


def up(config: StackConfig, *, seed: bool = True, workers: bool = True,
       progress: Callable[[str], None] = print) -> None:
    """Everything, in dependency order. The tests pass workers=False and run their own."""
    progress(f"PostgreSQL 15 on port {config.pg_port}")
    postgres.ensure_cluster(config)
    postgres.start(config)
    progress("Supabase platform objects (supabase/platform/bootstrap.sql)")
    apply_platform(config)
    progress("Migrations through the Supabase CLI (supabase db push)")
    supabase_cli(config, "db", "push", "--yes")
    if seed and SEED.exists() and not is_seeded(config):
        progress("Seed data (supabase/seed.sql)")
        postgres.psql(config, "-f", str(SEED), role="postgres")
    # The workers' roles and Kamailio's come from migrations, without secrets.
    set_passwords(config, [*WORKER_ROLES.values(), SIP_PROXY_ROLE])
    configure_sip(config)
    configure_gateway(config)
    postgres.psql(config, "-c", "notify pgrst, 'reload schema'")
    progress(f"PostgREST on port {config.rest_port}")
    postgrest.start(config)
    progress(f"Auth stand-in on port {config.auth_port}")
    start_auth(config)
    progress(f"Storage stand-in on port {config.storage_port}")
    start_storage(config)
    progress(f"Realtime stand-in on port {config.realtime_port}")
    start_realtime(config)
    progress("Webphone: Vite build into webphone/dist/ (app shell, service worker, manifest)"
             " and this stack's config.json")
    build_webphone(config)
    progress(f"Gateway on {config.url}")
    gateway.start(config)
    progress(f"Kamailio (SIP over WebSocket) on {config.sip_ws_url}")
    kamailio.start(config)
    progress(f"PSTN stand-in (baresip) on UDP port {config.pstn_port}")
    pstn.start(config)
    if workers:
        progress("Reporting worker (python -m workers.reporting)")
        start_reporting_worker(config)
        progress(f"Recordings worker (python -m workers.recordings), reading {monitor_dir(config)}")
        start_recordings_worker(config)
        progress("Presence worker (python -m workers.presence), watching Realtime Presence")
        start_presence_worker(config)
        progress("Lead import worker (python -m workers.lead_import)")
        start_lead_import_worker(config)
    write_env_file(config)


def monitor_dir(config: StackConfig) -> Path:
    """Where recordings wait for the worker (Asterisk's monitor directory, mounted here)."""
    return config.root / "monitor"


def write_env_file(config: StackConfig) -> None:
    """stack.env (its keys: docs/interface.md), plus where to drop recordings for the worker."""
    config.write_env_file()
    with config.env_file.open("a") as env:
        env.write(f"RECORDINGS_MONITOR_DIR={monitor_dir(config)}\n")


# The webphone's build: Vite writes webphone/dist/, served by the gateway at /.
WEBPHONE_BUILD = ["npx", "--no-install", "vite", "build", "--config",
                  str(WEBPHONE / "vite.config.ts"), "--logLevel", "warn"]


def build_webphone(config: StackConfig) -> None:
    """Build the webphone and write the settings it fetches at /config.json."""
    result = subprocess.run(WEBPHONE_BUILD, capture_output=True, text=True, cwd=PROJECT_DIR,
                            stdin=subprocess.DEVNULL)
    if result.returncode != 0:
        # Vite says what is wrong at the end of its output.
        output = (result.stdout + result.stderr).strip()[-6000:]
        raise RuntimeError(f"webphone build failed ({' '.join(WEBPHONE_BUILD[2:])}):\n{output}")
    settings = {
        "supabaseUrl": config.url,
        "supabaseAnonKey": config.anon_key,
        "sipWsUrl": config.sip_ws_url,
        "sipDomain": SIP_DOMAIN,
        "iceServers": [],
    }
    target = config.root / "webphone" / "config.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(settings, indent=2) + "\n")


def start_service(config: StackConfig, name: str, module: str, env: dict[str, str],
                  port: int, health: str) -> None:
    """One of the Python stand-ins (stack/auth, stack/storage), and wait until it answers."""
    env = {**env, "PYTHONPATH": str(PROJECT_DIR)}
    processes.start(name, [sys.executable, "-m", module], run_dir=config.run_dir,
                    log_dir=config.log_dir, env=env, cwd=PROJECT_DIR)

    def ready() -> bool:
        url = f"http://127.0.0.1:{port}{health}"
        with urllib.request.urlopen(url, timeout=1) as response:
            return response.status == 200

    processes.wait_for(ready, what=name, log=config.log_dir / f"{name}.log")


def start_auth(config: StackConfig) -> None:
    start_service(config, "auth", "stack.auth", {
        "AUTH_DATABASE_URL": config.db_url("supabase_auth_admin"),
        "AUTH_JWT_SECRET": config.jwt_secret,
        "AUTH_ISSUER": f"{config.url}/auth/v1",
        "AUTH_PORT": str(config.auth_port),
    }, config.auth_port, "/health")


def start_storage(config: StackConfig) -> None:
    start_service(config, "storage", "stack.storage", {
        "STORAGE_DATABASE_URL": config.db_url("supabase_storage_admin"),
        "STORAGE_JWT_SECRET": config.jwt_secret,
        "STORAGE_DATA_DIR": str(config.root / "storage"),
        "STORAGE_PORT": str(config.storage_port),
    }, config.storage_port, "/storage/v1/status")


def start_realtime(config: StackConfig, **env: str) -> None:
    """The Realtime stand-in, as supabase_realtime_admin (login replication: it reads the WAL
    and becomes each subscriber's role to try the policies). env: REALTIME_* overrides."""
    start_service(config, "realtime", "stack.realtime", {
        "REALTIME_DATABASE_URL": config.db_url("supabase_realtime_admin"),
        "REALTIME_JWT_SECRET": config.jwt_secret,
        "REALTIME_PORT": str(config.realtime_port),
        **env,
    }, config.realtime_port, "/api/ping")


def stop_realtime(config: StackConfig) -> bool:
    return processes.stop(config.run_dir / "realtime.pid")


def start_worker(config: StackConfig, name: str, module: str,
                 extra: dict[str, str] | None = None) -> None:
    """A worker, connected as its own role; it has no port to poll, so it must still be alive
    after a moment."""
    env = {
        "DATABASE_URL": config.worker_database_url(name),
        "SUPABASE_URL": config.url,
        "SUPABASE_SERVICE_ROLE_KEY": config.service_role_key,
        "PYTHONPATH": str(PROJECT_DIR),
        **(extra or {}),
    }
    pid = processes.start(name, [sys.executable, "-m", module],
                          run_dir=config.run_dir, log_dir=config.log_dir, env=env,
                          cwd=PROJECT_DIR)
    time.sleep(1.0)
    if not processes.is_alive(pid):
        tail = (config.log_dir / f"{name}.log").read_text(errors="replace")[-3000:]
        raise RuntimeError(f"the {name} worker stopped at start:\n{tail}")


def start_reporting_worker(config: StackConfig) -> None:
    start_worker(config, "reporting", "workers.reporting")


def start_recordings_worker(config: StackConfig) -> None:
    """Asterisk and the worker share one directory here, so both names are the same path."""
    work = config.root / "recordings-work"
    for directory in (monitor_dir(config), work):
        directory.mkdir(parents=True, exist_ok=True)
    start_worker(config, "recordings", "workers.recordings", {
        "RECORDINGS_MONITOR_DIR": str(monitor_dir(config)),
        "RECORDINGS_PBX_MONITOR_DIR": str(monitor_dir(config)),
        "RECORDINGS_WORK_DIR": str(work),
    })


def start_presence_worker(config: StackConfig, **env: str) -> None:
    """Realtime Presence into agent states; it reaches Realtime through the gateway
    (SUPABASE_URL). env: PRESENCE_* overrides (the grace, the settle time)."""
    start_worker(config, "presence", "workers.presence", env)


def start_lead_import_worker(config: StackConfig) -> None:
    """Lead files from Storage into leads; its temporary files go under the stack's root."""
    work = config.root / "lead-import-work"
    work.mkdir(parents=True, exist_ok=True)
    start_worker(config, "lead_import", "workers.lead_import", {"LEAD_IMPORT_WORK_DIR": str(work)})


def stop_presence_worker(config: StackConfig) -> bool:
    return processes.stop(config.run_dir / "presence.pid")


def down(config: StackConfig, *, progress: Callable[[str], None] = print) -> None:
    for name, stop in (("lead import worker",
                        lambda c: processes.stop(c.run_dir / "lead_import.pid")),
                       ("presence worker", stop_presence_worker),
                       ("recordings worker",
                        lambda c: processes.stop(c.run_dir / "recordings.pid")),
                       ("reporting worker",
                        lambda c: processes.stop(c.run_dir / "reporting.pid")),
                       ("PSTN stand-in", pstn.stop), ("Kamailio", kamailio.stop),
                       ("gateway", gateway.stop), ("PostgREST", postgrest.stop),
                       ("Auth stand-in", lambda c: processes.stop(c.run_dir / "auth.pid")),
                       ("Storage stand-in",
                        lambda c: processes.stop(c.run_dir / "storage.pid")),
                       ("Realtime stand-in", stop_realtime),
                       ("PostgreSQL", postgres.stop)):
        if stop(config):
            progress(f"stopped {name}")


def status(config: StackConfig) -> dict[str, bool]:
    pids = {name: bool(processes.read_pid(config.run_dir / f"{name}.pid"))
            for name in ("postgrest", "auth", "storage", "realtime", "gateway", "kamailio", "pstn",
                         "reporting", "recordings", "presence", "lead_import")}
    return {"postgres": postgres.is_running(config), **pids}


def default_root() -> Path:
    return PROJECT_DIR / ".local"
