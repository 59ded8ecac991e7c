"""How many lines to place now: progressive and predictive pacing, pure and deterministic.

The worker (and the simulator, and the benchmark) call `Pacer.decide` once per tick with a
`FloorSnapshot` and feed it what happened through the `observe_*` methods. No I/O, no clock,
no randomness: the same observations give the same decisions. The design is in PACING.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

MODES = ("progressive", "predictive")
DIAL_RESULTS = ("human", "machine", "busy", "no_answer", "failed")


@dataclass(frozen=True)
class PacingSettings:
    mode: str  # "progressive" | "predictive"
    abandon_target: float = 0.025
    abandon_cap: float = 0.03
    max_lines_per_agent: float = 3.0
    predictive_min_agents: int = 5
    connect_within_s: float = 2.0

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"mode: {self.mode!r} is not one of {MODES}")
        if not 0 < self.abandon_target <= self.abandon_cap < 1:
            raise ValueError("abandon_target/abandon_cap: need 0 < target <= cap < 1")
        if self.max_lines_per_agent < 1:
            raise ValueError("max_lines_per_agent: must be at least 1")
        if self.connect_within_s <= 0:
            raise ValueError("connect_within_s: must be positive")


@dataclass(frozen=True)
class BusyAgent:
    state: str  # "talking" | "wrap_up"
    elapsed_s: float  # in that state


@dataclass(frozen=True)
class Ledger:
    """The compliance ledger's windows (abandoned includes the AMD false-positive estimate)."""

    live_answers_24h: int
    abandoned_24h: float
    live_answers_30d: int
    abandoned_30d: float

    def rate(self) -> float:
        """The worse of the two regulatory windows (0 without answers)."""
        r24 = self.abandoned_24h / self.live_answers_24h if self.live_answers_24h else 0.0
        r30 = self.abandoned_30d / self.live_answers_30d if self.live_answers_30d else 0.0
        return max(r24, r30)


EMPTY_LEDGER = Ledger(0, 0.0, 0, 0.0)


@dataclass(frozen=True)
class FloorSnapshot:
    now_s: float  # seconds, any origin (simulated or monotonic)
    ready: int  # idle agents connected and available (never paused ones)
    busy: Sequence[BusyAgent]
    paused: int
    dialing: int  # lines placed, not answered yet (AMD still analysing counts here)
    waiting: int  # live answers waiting for an agent
    ledger: Ledger = field(default=EMPTY_LEDGER)


@dataclass(frozen=True)
class Decision:
    place: int  # new lines to place now (>= 0)
    effective_mode: str  # "progressive" | "predictive" | "paused" | "stopped_cap" | "no_agents"
    dial_ratio: float  # lines in progress (after placing) per available+busy agent
    fallback_reason: str | None  # "min_agents" | "few_answers" | "rate_shift" | ... | None
    live_answer_rate: float | None


class Pacer:
    """One campaign's pacing state. Feed it observations; ask it for a decision each tick."""

    def __init__(self, settings: PacingSettings) -> None:
        self.settings = settings
        self.fallbacks: list[dict[str, object]] = []
        self._reason: str | None = None
        self._humans = 0
        self._dials = 0

    # -- observations ---------------------------------------------------------------------
    def observe_dial(self, now_s: float, result: str, ring_s: float) -> None:
        """A placed line's outcome. ring_s: placing to the outcome (for "human": to the moment
        the person waits for an agent, i.e. after AMD)."""
        if result not in DIAL_RESULTS:
            raise ValueError(f"result: {result!r} is not one of {DIAL_RESULTS}")
        self._dials += 1
        self._humans += result == "human"

    def observe_handling(self, now_s: float, talk_s: float, wrap_s: float) -> None:
        """A finished call's talk and wrap-up times."""

    def observe_connect(self, now_s: float, wait_s: float) -> None:
        """A live answer reached an agent after wait_s."""

    def observe_abandon(self, now_s: float) -> None:
        """A live answer found no agent in time."""

    # -- decisions --------------------------------------------------------------------------
    def decide(self, floor: FloorSnapshot) -> Decision:
        staffed = floor.ready + len(floor.busy)
        in_progress = floor.dialing + floor.waiting
        rate = self._humans / self._dials if self._dials else None
        place = max(0, floor.ready - in_progress)
        if floor.ready <= 0:
            mode = "no_agents" if staffed == 0 else "progressive"
            place = 0
        else:
            mode = "progressive"
        reason: str | None = None
        if self.settings.mode == "predictive":
            reason = "few_answers"
            self._transition(floor.now_s, reason)
        ratio = (in_progress + place) / staffed if staffed else 0.0
        return Decision(place, mode, round(ratio, 2), reason, rate)

    def _transition(self, now_s: float, reason: str | None) -> None:
        if reason == self._reason:
            return
        to = "predictive" if reason is None else "progressive"
        self.fallbacks.append(
            {"at_s": now_s, "reason": reason if reason is not None else self._reason, "to": to}
        )
        self._reason = reason
