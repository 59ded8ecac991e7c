"""The accounts worker's settings, read once from the environment (README.md lists them)."""

from __future__ import annotations

from dataclasses import dataclass

from workers.common.settings import worker_id


@dataclass(frozen=True)
class Settings:
    database_url: str
    supabase_url: str
    supabase_service_role_key: str
    # Where the set-up and reset links lead: <WEBPHONE_URL>/set-password?token_hash=...&type=...
    webphone_url: str
    # How long Auth keeps a one-time link valid: Supabase Auth's [auth.email] otp_expiry
    # (GOTRUE_MAILER_OTP_EXP), 86400 in supabase/config.toml. Only shown (link_expires_at).
    link_ttl_seconds: int = 86400
    # A deactivated user's ban (a Go duration, as Supabase Auth's ban_duration): 100 years.
    ban_duration: str = "876000h"
    poll_interval: float = 30.0
    stale_after: float = 120.0
    max_attempts: int = 5
    # Process.
    metrics_port: int = 0
    log_level: str = "INFO"
    worker_name: str = ""

    @property
    def worker_id(self) -> str:
        """Who holds a claim: WORKER_NAME, or host:pid."""
        return worker_id(self.worker_name)
