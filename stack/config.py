"""Where a stack lives and how to reach its parts: one typed object, kept in <root>/stack.json.

The file is written once, when the stack is first created, so ports and
secrets stay the same across `down`/`up` and the data stays reachable.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import socket
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from stack import keys

PROJECT_DIR = Path(__file__).resolve().parent.parent

# The developer's stack uses Supabase CLI's well-known local ports.
DEFAULT_PORTS = {
    "gateway_port": 54321,
    "pg_port": 54322,
    "rest_port": 54330,
    "rest_admin_port": 54331,
    "auth_port": 54332,
    "storage_port": 54333,
    "realtime_port": 54334,
    "sip_ws_port": 54340,
    "sip_udp_port": 54341,
    "pstn_port": 54342,
    # Where Kamailio expects the PBX (Asterisk; in tests tests/support/pbx_phone.py) to send
    # from: 54343 is baresip's TLS port next to the PSTN stand-in's.
    "pbx_port": 54345,
}

# The SIP domain agents register in (a name, not a DNS host: Kamailio aliases it).
SIP_DOMAIN = "crm.local"

# Each worker's own database role (migration 20261204000050_worker_roles.sql): workers never
# connect as a superuser.
WORKER_ROLES = {
    "ami_bridge": "crm_ami_bridge",
    "reporting": "crm_reporting",
    "recordings": "crm_recordings",
    "presence": "crm_presence",
    "accounts": "crm_accounts",
    "lead_import": "crm_lead_import",
    "dialer": "crm_dialer",
}

# Kamailio's database role (migration 20261204006000_sip_invite_authorization.sql): it may only
# ask whether an INVITE to the PSTN is a call the CRM started.
SIP_PROXY_ROLE = "crm_sip_proxy"

# Every demo account of supabase/seed.sql has this password (README, docs/interface.md).
DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 (documented demo password)


def free_port() -> int:
    """A port free now, below the kernel's ephemeral range (32768+).

    Port 0 would hand out an ephemeral port, which outgoing connections (other
    stacks' clients, on a shared machine) may take before our server binds it.
    """
    while True:
        port = secrets.randbelow(32000 - 20000) + 20000
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port


def free_ports(count: int) -> list[int]:
    """`count` distinct free ports. Each free_port() alone may repeat one already handed out
    (it is free again once its probe closes), and a stack whose PostgREST got PostgreSQL's port
    fails to start: the probes stay bound until all are chosen."""
    probes: list[socket.socket] = []
    try:
        while len(probes) < count:
            port = free_port()
            probe = socket.socket()
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                probe.close()
                continue
            probes.append(probe)
        return [probe.getsockname()[1] for probe in probes]
    finally:
        for probe in probes:
            probe.close()


@dataclass(frozen=True)
class StackConfig:
    root: Path
    gateway_port: int
    pg_port: int
    rest_port: int
    rest_admin_port: int
    auth_port: int
    storage_port: int
    realtime_port: int
    sip_ws_port: int
    sip_udp_port: int
    pstn_port: int
    pbx_port: int
    db_password: str
    jwt_secret: str
    sip_secret: str

    # -- files ------------------------------------------------------------
    @property
    def pg_data(self) -> Path:
        return self.root / "pg" / "data"

    @property
    def run_dir(self) -> Path:
        return self.root / "run"

    @property
    def log_dir(self) -> Path:
        return self.root / "logs"

    @property
    def env_file(self) -> Path:
        return self.root / "stack.env"

    # -- URLs -------------------------------------------------------------
    def db_url(self, role: str = "supabase_admin", *, sslmode: bool = False) -> str:
        url = f"postgresql://{role}:{self.db_password}@127.0.0.1:{self.pg_port}/postgres"
        return url + ("?sslmode=disable" if sslmode else "")

    @property
    def database_url(self) -> str:
        """A superuser connection, for DBAs and tests (DATABASE_URL in docs/interface.md)."""
        return self.db_url("supabase_admin")

    def worker_database_url(self, worker: str) -> str:
        """The connection a worker uses: its own role (WORKER_ROLES), never a superuser."""
        return self.db_url(WORKER_ROLES[worker])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.gateway_port}"

    @property
    def sip_ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.sip_ws_port}"

    @property
    def gateway_token(self) -> str:
        """What the gateway sends with each request (X-CRM-Gateway) to prove the client address
        it sets is its own (private.gateway_settings). Derived, so nothing more is stored."""
        return hmac.new(self.jwt_secret.encode(), b"gateway client address",
                        hashlib.sha256).hexdigest()

    @property
    def anon_key(self) -> str:
        return keys.api_key(self.jwt_secret, "anon")

    @property
    def service_role_key(self) -> str:
        return keys.api_key(self.jwt_secret, "service_role")

    def env(self) -> dict[str, str]:
        """The stack.env keys that docs/interface.md documents, with this stack's values."""
        return {
            "SUPABASE_URL": self.url,
            "SUPABASE_ANON_KEY": self.anon_key,
            "SUPABASE_SERVICE_ROLE_KEY": self.service_role_key,
            "SUPABASE_JWT_SECRET": self.jwt_secret,
            "DATABASE_URL": self.database_url,
            **{f"{worker.upper()}_DATABASE_URL": self.worker_database_url(worker)
               for worker in WORKER_ROLES},
            "WEBPHONE_URL": f"{self.url}/",
            "SIP_WS_URL": self.sip_ws_url,
            "SIP_DOMAIN": SIP_DOMAIN,
            "DEMO_PASSWORD": DEMO_PASSWORD,
        }

    # -- persistence ------------------------------------------------------
    @classmethod
    def load_or_create(cls, root: Path, *, fixed_ports: bool) -> StackConfig:
        root = root.resolve()
        path = root / "stack.json"
        data: dict[str, Any] = json.loads(path.read_text()) if path.exists() else {}
        # A stack made by an older version lacks newer settings: add them, keep the rest.
        # Any, like the JSON above: each value goes to the field of its own name.
        ports = DEFAULT_PORTS if fixed_ports else dict(
            zip(DEFAULT_PORTS, free_ports(len(DEFAULT_PORTS)), strict=True))
        fresh: dict[str, Any] = {
            **ports,
            "db_password": secrets.token_urlsafe(18),
            "jwt_secret": secrets.token_urlsafe(48),
            "sip_secret": secrets.token_urlsafe(32),
        }
        missing = {k: v for k, v in fresh.items() if k not in data}
        config = cls(root=root, **data, **missing)
        if missing:
            root.mkdir(parents=True, exist_ok=True)
            saved = {k: v for k, v in asdict(config).items() if k != "root"}
            path.write_text(json.dumps(saved, indent=2) + "\n")
            path.chmod(0o600)
        return config

    def write_env_file(self) -> None:
        lines = [f"{k}={v}" for k, v in self.env().items()]
        self.env_file.write_text("\n".join(lines) + "\n")
        self.env_file.chmod(0o600)
