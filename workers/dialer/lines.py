"""One call in flight (a line) and what AMI's facts mean for it; pure, no I/O.

A line is born when `dialer_take_leads` hands out an attempt and the Originate goes; its
channel's Uniqueid is the attempt id (ChannelId). Phases:

    dialing ─OriginateResponse Success─► answered ─CrmDialerAmd─► waiting ─claim─► connected
       │                                    │                       │               │
       └─ Failure / Hangup unanswered ─► ended └─ machine ─► ended  └─ 2 s ─► abandoned └─► ended

`ended`, `abandoned` and a machine are final: later events for the line change nothing in the
database (its row was already written), they only let the line go from memory once the
channel is gone.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
"""Attempt and session ids: the channel Uniqueids the dialer gives (ChannelId)."""

ORIGINATE_REASONS = {0: "failed", 1: "no_answer", 3: "no_answer", 5: "busy", 8: "congestion"}
"""OriginateResponse Reason -> dialer_attempt_ended's p_result (4 is the answer). 1: the far
end hung up while it rang."""

CAUSE_RESULTS = {17: "busy", 21: "busy", 18: "no_answer", 19: "no_answer", 34: "congestion",
                 38: "congestion", 41: "congestion", 42: "congestion", 1: "failed", 3: "failed",
                 20: "failed", 27: "failed", 28: "failed", 127: "failed"}
"""Q.850 causes of a channel that hung up unanswered; 0 and 16 say nothing (wait for the
OriginateResponse)."""

AMD_STATUSES = frozenset({"HUMAN", "MACHINE", "NOTSURE", "HANGUP"})

PACER_RESULTS = {"busy": "busy", "no_answer": "no_answer", "congestion": "failed",
                 "failed": "failed", "hangup": "no_answer"}
"""dialer_attempt_ended results as the Pacer's observe_dial knows them."""

FINAL_STATUSES = frozenset({"completed", "abandoned", "machine", "no_answer", "busy", "failed"})


def amd_result(status: str | None) -> str:
    """The Pacer's result for an AMD verdict (None or empty: AMD off, a person)."""
    if status in (None, "", "HUMAN", "NOTSURE"):
        return "human"
    if status == "MACHINE":
        return "machine"
    return "no_answer"  # HANGUP: gone before the analysis ended


def dial_number(e164: str) -> str:
    """PJSIP/<number>@<trunk> takes the E.164 digits without the plus."""
    return e164[1:] if e164.startswith("+") else e164


@dataclass
class Line:
    attempt_id: str
    campaign_id: str
    call_id: str
    lead_id: str
    phone: str
    amd: bool
    ring_timeout_s: float
    placed_mono: float
    phase: str = "dialing"
    """dialing, answered, waiting, connected, abandoned, machine, ended."""
    channel: str | None = None
    """Asterisk's channel name once an event told it (the Uniqueid works too)."""
    final: bool = False
    """The database row is final: write nothing more for this line."""
    final_mono: float | None = None
    observed: bool = False
    """The Pacer heard this line's dial outcome (once per line)."""
    giving_up: bool = False
    gone: bool = False
    """The channel hung up."""
    answered_mono: float | None = None
    human_mono: float | None = None
    connected_mono: float | None = None
    agent_id: str | None = None
    extension: str | None = None
    hangup_cause: int | None = None
    hangup_pending_mono: float | None = None
    """An unanswered channel hung up with a cause that says nothing: the OriginateResponse
    decides, or the housekeeping after a grace."""
    lock: asyncio.Lock = field(default_factory=asyncio.Lock, repr=False)

    @property
    def action_id(self) -> str:
        return f"crm-dialer/{self.attempt_id}"

    @property
    def target(self) -> str:
        """What Redirect and Hangup name: the channel, or its Uniqueid (Asterisk finds both)."""
        return self.channel or self.attempt_id

    @property
    def in_progress(self) -> bool:
        """Placed and not yet connected, nor over: a line the Pacer counts."""
        return not self.final and self.phase in ("dialing", "answered", "waiting")


@dataclass
class AgentSession:
    """An agent's nailed-up channel (ChannelId = the dialer_sessions id)."""

    id: str
    agent_id: str | None
    extension: str
    phase: str = "ringing"
    """ringing, connected, lost (given up on), ended."""
    channel: str | None = None
    rung_mono: float = 0.0

    @property
    def action_id(self) -> str:
        return f"crm-dialer-session/{self.id}"

    @property
    def target(self) -> str:
        return self.channel or self.id
