"""The recordings worker's settings, read once from the environment (README.md lists them)."""

from __future__ import annotations

from dataclasses import dataclass

from workers.common.settings import worker_id


@dataclass(frozen=True)
class Settings:
    database_url: str
    supabase_url: str
    supabase_service_role_key: str
    # Files. Asterisk names a recording by its own path (MIXMONITOR_FILENAME, under
    # RECORDINGS_PBX_MONITOR_DIR); this worker reads the same directory where it is mounted
    # here (RECORDINGS_MONITOR_DIR). Converted files wait in RECORDINGS_WORK_DIR until stored.
    recordings_monitor_dir: str = "/var/spool/asterisk/monitor"
    recordings_pbx_monitor_dir: str = "/var/spool/asterisk/monitor"
    recordings_work_dir: str = "/var/lib/crm-recordings"
    recordings_bucket: str = "recordings"
    recordings_bitrate: str = "24k"
    recordings_ffmpeg: str = "ffmpeg"
    recordings_ffprobe: str = "ffprobe"
    # Uploads: poll period, seconds after the call's end before the file is taken, seconds
    # without heartbeat before another worker takes a claim over, base delay between
    # attempts, attempts before giving up, and how long a missing file is waited for.
    recordings_poll_interval: float = 5.0
    recordings_settle_seconds: int = 5
    recordings_stale_after: int = 300
    recordings_retry_seconds: int = 30
    recordings_max_attempts: int = 5
    recordings_missing_grace: int = 3600
    recordings_upload_retries: int = 4
    # Retention: how often the purge runs, how many recordings per pass, and dry-run only.
    recordings_purge_interval: float = 3600.0
    recordings_purge_batch: int = 500
    recordings_purge_dry_run: bool = False
    # Who listened to what is audit data: kept this long (days), then deleted by the purge.
    recordings_access_log_retention_days: int = 1826
    # Process.
    metrics_port: int = 0
    log_level: str = "INFO"
    worker_name: str = ""

    @property
    def worker_id(self) -> str:
        """Who holds a claim: WORKER_NAME, or host:pid."""
        return worker_id(self.worker_name)
