"""The bridge's settings, read once from the environment (README.md lists them)."""

from __future__ import annotations

from dataclasses import dataclass

from workers.ami_bridge.model import ModelConfig
from workers.ami_bridge.store import StoreConfig
from workers.common.settings import worker_id


@dataclass(frozen=True)
class BridgeSettings:
    """Read from the environment by `workers.common.settings.from_env` (names upper-cased)."""

    ami_host: str
    ami_username: str
    ami_secret: str
    database_url: str
    ami_port: int = 5038
    batch_size: int = 500
    flush_delay_ms: int = 200
    metrics_port: int = 0
    metrics_addr: str = "127.0.0.1"
    log_level: str = "INFO"
    worker_name: str = ""
    ping_interval_s: float = 10.0
    ping_timeout_s: float = 5.0
    action_timeout_s: float = 10.0
    reconnect_min_s: float = 0.5
    reconnect_max_s: float = 30.0
    reconcile_interval_s: float = 300.0
    evict_after_s: float = 300.0
    shutdown_timeout_s: float = 15.0
    trunk_endpoints: str = "trunk"
    pbx_timezone: str = "UTC"
    default_country_code: str = ""
    agent_endpoint_pattern: str = r"(?:agent)?(\d{3,6})"
    originate_enabled: bool = True
    originate_channel: str = "PJSIP/{extension}"
    originate_context: str = "crm-originate"
    originate_timeout_s: float = 30.0
    originate_max_age_s: float = 60.0
    originate_poll_s: float = 5.0
    recording_stop_enabled: bool = True

    @property
    def worker_id(self) -> str:
        """Who holds an originate claim: WORKER_NAME, or host:pid."""
        return worker_id(self.worker_name)

    @property
    def originate_stale_s(self) -> float:
        """A request sent this long ago without a result belongs to a bridge that died."""
        return self.originate_timeout_s + self.action_timeout_s + 60

    def model_config(self) -> ModelConfig:
        return ModelConfig(
            trunk_endpoints=frozenset(e.strip() for e in self.trunk_endpoints.split(",") if e),
            pbx_timezone=self.pbx_timezone,
            default_country_code=self.default_country_code or None,
        )

    def store_config(self) -> StoreConfig:
        return StoreConfig(
            batch_size=max(1, self.batch_size),
            flush_delay=max(0, self.flush_delay_ms) / 1000,
            agent_endpoint_pattern=self.agent_endpoint_pattern,
        )
