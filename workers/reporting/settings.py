"""The reporting worker's settings, read once from the environment (README.md lists them)."""

from __future__ import annotations

from dataclasses import dataclass

from workers.common.settings import worker_id


@dataclass(frozen=True)
class Settings:
    database_url: str
    supabase_url: str
    supabase_service_role_key: str
    # Refresh: quiet time after the last change, the longest wait under a steady stream of
    # changes, and the period of the safety-net refresh of every view (seconds).
    refresh_debounce: float = 5.0
    refresh_max_delay: float = 60.0
    refresh_interval: float = 900.0
    refresh_retry_after: float = 30.0
    refresh_log_retention_days: int = 30
    # Exports.
    exports_enabled: bool = True
    export_bucket: str = "exports"
    export_url_seconds: int = 900
    export_batch_rows: int = 2000
    export_poll_interval: float = 30.0
    export_stale_after: float = 120.0
    export_max_attempts: int = 3
    # Call partitions.
    partition_check_interval: float = 21600.0
    partition_months_ahead: int = 3
    call_retention_months: int = 60
    # Process.
    metrics_port: int = 0
    log_level: str = "INFO"
    worker_name: str = ""

    @property
    def worker_id(self) -> str:
        """Who holds a claim: WORKER_NAME, or host:pid."""
        return worker_id(self.worker_name)
