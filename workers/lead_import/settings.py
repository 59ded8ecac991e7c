"""The lead import worker's settings, read once from the environment (README.md lists them)."""

from __future__ import annotations

from dataclasses import dataclass

from workers.common.settings import worker_id


@dataclass(frozen=True)
class Settings:
    database_url: str
    supabase_url: str
    supabase_service_role_key: str
    lead_import_bucket: str = "lead-imports"
    # Rows per batch: one transaction each (leads, errors, checkpoint), one progress step.
    lead_import_batch_rows: int = 5000
    # Batches parsed ahead of the database (memory: a few MB each).
    lead_import_queue_batches: int = 4
    lead_import_poll_interval: float = 10.0
    lead_import_stale_after: float = 120.0
    lead_import_max_attempts: int = 3
    lead_import_preview_rows: int = 20
    # Where the file is downloaded to ('': the system's temporary directory).
    lead_import_work_dir: str = ""
    metrics_port: int = 0
    log_level: str = "INFO"
    worker_name: str = ""

    @property
    def worker_id(self) -> str:
        """Who holds a claim: WORKER_NAME, or host:pid."""
        return worker_id(self.worker_name)
