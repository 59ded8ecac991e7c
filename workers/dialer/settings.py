"""The dialer's settings, read once from the environment (README.md lists them)."""

from __future__ import annotations

from dataclasses import dataclass

from workers.common.settings import worker_id


@dataclass(frozen=True)
class DialerSettings:
    """Read from the environment by `workers.common.settings.from_env` (names upper-cased)."""

    ami_host: str
    ami_username: str
    ami_secret: str
    database_url: str
    ami_port: int = 5038
    trunk: str = "trunk"
    """The PJSIP endpoint towards the PSTN: leads are dialled as PJSIP/<number>@<trunk>."""
    tick_s: float = 1.0
    worker_name: str = ""
    metrics_port: int = 0
    metrics_addr: str = "127.0.0.1"
    log_level: str = "INFO"
    connect_within_s: float = 2.0
    """A live answer reaches an agent within this long of the greeting, or hears the message."""
    redirect_margin_s: float = 0.3
    """Kept back from connect_within_s for the Redirect itself to reach Asterisk."""
    claim_retry_s: float = 0.1
    amd_timeout_s: float = 15.0
    """An answered line without its CrmDialerAmd event this long is hung up (dialplan broken)."""
    line_timeout_margin_s: float = 30.0
    """A line with no word from Asterisk ring timeout + this long is ended as failed."""
    session_ring_timeout_s: float = 30.0
    """How long an agent's phone rings for the nailed-up session (the webphone auto-answers)."""
    session_poll_s: float = 2.0
    campaigns_poll_s: float = 5.0
    stale_worker_s: int = 120
    """Another dialer's open lines unchanged this long are presumed dead and released (at start
    and every quarter of it). Keep it above the longest ring + LINE_TIMEOUT_MARGIN_S."""
    history_window_s: float = 7200.0
    abandon_sound: str = "crm/abandon-{campaign_id}"
    """CRM_ABANDON_MESSAGE: the recording crm-dialer-abandon plays (the campaign's message)."""
    agent_channel: str = "PJSIP/{extension}"
    caller_id_name: str = ""
    ping_interval_s: float = 10.0
    ping_timeout_s: float = 5.0
    action_timeout_s: float = 10.0
    reconnect_min_s: float = 0.5
    reconnect_max_s: float = 30.0
    shutdown_timeout_s: float = 15.0

    @property
    def worker_id(self) -> str:
        """Who holds the attempts and sessions: WORKER_NAME, or host:pid."""
        return worker_id(self.worker_name)

    @property
    def connect_deadline_s(self) -> float:
        """From the greeting to the last claim: the Redirect must still land within the 2 s."""
        return max(0.1, self.connect_within_s - self.redirect_margin_s)
