"""The presence worker's settings, read once from the environment (README.md lists them)."""

from __future__ import annotations

from dataclasses import dataclass

from workers.common.settings import worker_id


@dataclass(frozen=True)
class Settings:
    database_url: str
    supabase_url: str
    supabase_service_role_key: str
    # Seconds an agent must be absent from every presence channel before being marked offline:
    # long enough for a reload (leave, then join again) not to flap them.
    presence_grace: float = 8.0
    # Seconds after a channel's (re)join before anyone absent from it is marked offline: after
    # Realtime itself restarted, the webphones need this long to reconnect and track again.
    presence_settle: float = 20.0
    # How often the roster (agents, campaigns, states) is read again, in seconds.
    presence_roster_interval: float = 15.0
    # How often decisions are taken, in seconds.
    presence_tick: float = 0.5
    # Reconnecting to Realtime and to the database: backoff from min to max seconds.
    presence_retry_min: float = 0.5
    presence_retry_max: float = 10.0
    # Heartbeats to Realtime, in seconds (realtime-py's least is 15): well inside the 60 s of
    # silence after which Realtime closes a socket.
    presence_heartbeat: int = 15
    # Seconds to wait for Realtime's answer to a join.
    presence_join_timeout: int = 10
    # Process.
    metrics_port: int = 0
    log_level: str = "INFO"
    worker_name: str = ""

    @property
    def worker_id(self) -> str:
        """WORKER_NAME, or host:pid."""
        return worker_id(self.worker_name)

    @property
    def realtime_url(self) -> str:
        """Realtime's endpoint under the gateway; realtime-py adds /websocket and the vsn."""
        return self.supabase_url.rstrip("/") + "/realtime/v1"
