"""How many lines to place now: progressive and predictive pacing, pure and deterministic.

The worker (and the simulator, and the benchmark) call `Pacer.decide` once per tick with a
`FloorSnapshot` and feed it what happened through the `observe_*` methods. No I/O, no clock,
no randomness: the same observations give the same decisions. The design is in PACING.md.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field

from workers.dialer.estimators import (
    AbandonControl,
    DialWindow,
    HandlingWindow,
    RateShiftDetector,
    Row,
)

_SQRT2 = math.sqrt(2)
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
        # A target of 0 is allowed, as the campaign's check allows it: predictive then never
        # leaves its abandon_target fallback, which is progressive dialing.
        if not 0 <= self.abandon_target <= self.abandon_cap < 1:
            raise ValueError("abandon_target/abandon_cap: need 0 <= target <= cap < 1")
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

    CHECKPOINTS = 5  # quantiles of the time to a live answer where the risk is weighed
    MIN_HUMANS = 20  # live answers in the window before predictive trusts its estimates
    MIN_HANDLED = 20  # finished calls likewise
    REFRESH_S = 15.0  # the ringing lines' table is rebuilt at most this often
    HANDLING_REFRESH_S = 120.0  # the agents' tables (and the checkpoints) this often
    DETECT_AFTER = 100  # dials in the window before the change detector runs (warm-up)
    SHIFT_KEEP = 40  # dials kept at least after a rate shift (the change point's estimate)
    ABANDON_HOLD_S = 60.0  # a stop at the target or cap lasts at least this long
    SHIFT_CONFIRM = 10  # live answers seen after a rate shift before predictive resumes

    def __init__(self, settings: PacingSettings) -> None:
        self.settings = settings
        self.fallbacks: list[dict[str, object]] = []
        self.dials = DialWindow()
        self.handling = HandlingWindow()
        self.detector = RateShiftDetector()
        self.control = AbandonControl(settings.abandon_target)
        self._reason: str | None = None
        self._humans_since_shift = 0
        self._hold_until = 0.0
        self._mode = "progressive"  # the last decision's effective mode
        self._shift_pending = False  # a rate shift was seen and the window has not refilled
        self._hour: deque[tuple[float, bool]] = deque()  # (at, abandoned), the last hour
        self._hour_abandoned = 0
        self._day: deque[tuple[float, bool]] = deque()  # the same over 24 h
        self._day_abandoned = 0
        self._placed: list[float] = []  # when each line still ringing was placed (ascending)
        self._built_at: float | None = None
        self._handling_at: float | None = None
        self._handling_n = 0
        self._stale = True
        self._taus: list[float] = []
        self._line_rows: list[Row] = []
        self._talk_rows: list[Row] = []
        self._wrap_rows: list[Row] = []

    # -- observations ---------------------------------------------------------------------
    def observe_dial(self, now_s: float, result: str, ring_s: float) -> None:
        """A placed line's outcome. ring_s: placing to the outcome (for "human": to the moment
        the person waits for an agent, i.e. after AMD)."""
        if result not in DIAL_RESULTS:
            raise ValueError(f"result: {result!r} is not one of {DIAL_RESULTS}")
        human = result == "human"
        self._forget_line(now_s - ring_s)
        if len(self.dials) >= self.DETECT_AFTER:
            since = self.detector.add(human, self.dials.rate())
            if since is not None:
                self.dials.keep_last(max(since, self.SHIFT_KEEP))
                self._shift_pending = True
                self._humans_since_shift = 0
        self._humans_since_shift += human
        self.dials.add(now_s, human, ring_s)
        self._stale = True

    def observe_handling(self, now_s: float, talk_s: float, wrap_s: float) -> None:
        """A finished call's talk and wrap-up times."""
        self.handling.add(talk_s, wrap_s)
        self._stale = True

    def observe_connect(self, now_s: float, wait_s: float) -> None:
        """A live answer reached an agent after wait_s."""
        if self._mode == "predictive":  # progressive's outcomes say nothing of the model
            self.control.observe(abandoned=False)
        self._hour.append((now_s, False))
        self._day.append((now_s, False))

    def observe_abandon(self, now_s: float) -> None:
        """A live answer found no agent in time."""
        if self._mode == "predictive":
            self.control.observe(abandoned=True)
        self._hour.append((now_s, True))
        self._hour_abandoned += 1
        self._day.append((now_s, True))
        self._day_abandoned += 1

    def _budget(self, floor: FloorSnapshot) -> float:
        """Abandons left before the target in the tightest window: the ledger's 24 h and
        30 d, and the last hour as this pacer saw it (so abandons cannot bunch up)."""
        now = floor.now_s
        hour, day = self._hour, self._day
        while hour and hour[0][0] <= now - 3600:
            self._hour_abandoned -= hour.popleft()[1]
        while day and day[0][0] <= now - 86400:
            self._day_abandoned -= day.popleft()[1]
        led = floor.ledger
        control = self.control
        # abandons in the ledger this pacer did not see (AMD false positives), as a share of
        # live answers; only once it has seen (nearly) the whole 24 h window itself
        external = 0.0
        if led.live_answers_24h and len(day) >= 0.9 * led.live_answers_24h:
            external = max(0.0, led.abandoned_24h - self._day_abandoned) / led.live_answers_24h
        control.set_external(external)
        return min(
            control.budget(led.live_answers_24h, led.abandoned_24h),
            control.budget(led.live_answers_30d, led.abandoned_30d),
            control.budget(len(hour), self._hour_abandoned),
        )

    # -- decisions --------------------------------------------------------------------------
    def decide(self, floor: FloorSnapshot) -> Decision:
        staffed = floor.ready + len(floor.busy)
        in_progress = floor.dialing + floor.waiting
        self._reconcile(floor.now_s, floor.dialing)
        self.dials.expire(floor.now_s)
        rate = self.dials.rate() if len(self.dials) else None
        reason = (
            self._fallback_reason(floor, staffed) if self.settings.mode == "predictive" else None
        )
        if self.settings.mode == "predictive":
            self._transition(floor.now_s, reason)
        if staffed == 0:
            place, mode = 0, "no_agents"
        elif self.settings.mode == "progressive" or reason is not None:
            # one line per ready agent; nobody ready means no line at all
            place, mode = max(0, floor.ready - in_progress), "progressive"
        else:
            # never fewer lines than progressive: a line per ready agent carries no risk
            progressive = max(0, floor.ready - in_progress)
            place, mode = max(self._predictive(floor, staffed), progressive), "predictive"
        self._placed.extend([floor.now_s] * place)
        self._mode = mode
        ratio = (in_progress + place) / staffed if staffed else 0.0
        return Decision(place, mode, round(ratio, 2), reason, rate)

    def _fallback_reason(self, floor: FloorSnapshot, staffed: int) -> str | None:
        ledger_rate = floor.ledger.rate()
        if ledger_rate >= self.settings.abandon_cap:
            return "abandon_cap"
        if staffed < self.settings.predictive_min_agents:
            return "min_agents"
        if self._shift_pending:
            # the new rate must show itself: a few live answers after the alarm, a full window
            if self._humans_since_shift < self.SHIFT_CONFIRM or self.dials.humans < self.MIN_HUMANS:
                return "rate_shift"
            self._shift_pending = False
        if self.dials.humans < self.MIN_HUMANS or len(self.handling) < self.MIN_HANDLED:
            return "few_answers"
        if ledger_rate >= self.settings.abandon_target:
            return "abandon_target"
        if self._reason in ("abandon_cap", "abandon_target") and floor.now_s < self._hold_until:
            return self._reason  # no flapping at the boundary: a stop lasts a little while
        return None

    def _predictive(self, floor: FloorSnapshot, staffed: int) -> int:
        self._rebuild(floor.now_s)
        k = len(self._taus)
        # Y_k = live answers needing an agent by checkpoint k minus agents free by then (+2 s);
        # each row holds the k probabilities then their k Bernoulli variances
        talk, wrap = self._talk_rows, self._wrap_rows
        last_talk, last_wrap = len(talk) - 1, len(wrap) - 1
        agents = [
            talk[min(int(a.elapsed_s), last_talk)]
            if a.state == "talking"
            else wrap[min(int(a.elapsed_s), last_wrap)]
            for a in floor.busy
        ]
        lines = self._line_rows
        last_line = len(lines) - 1
        now = floor.now_s
        ringing = [lines[min(int(now - at), last_line)] for at in self._placed]
        free = [sum(c) for c in zip(*agents, strict=True)] if agents else [0.0] * (2 * k)
        due = [sum(c) for c in zip(*ringing, strict=True)] if ringing else [0.0] * (2 * k)
        base = floor.waiting - floor.ready
        mean = [base + due[j] - free[j] for j in range(k)]
        var = [due[k + j] + free[k + j] for j in range(k)]
        fresh = lines[0]
        allowed = self.control.risk(self._budget(floor)) * k
        room = math.floor(self.settings.max_lines_per_agent * staffed) - (
            floor.dialing + floor.waiting
        )
        place = 0
        while place < room:
            # the chance that one more line's live answer finds every agent already taken
            risk = 0.0
            for j in range(k):
                sd = math.sqrt(var[j])
                if sd < 1e-9:
                    risk += 1.0 if mean[j] > -0.5 else 0.0
                else:
                    risk += 0.5 * math.erfc((-0.5 - mean[j]) / (sd * _SQRT2))
            if risk > allowed:
                break
            place += 1
            for j in range(k):
                mean[j] += fresh[j]
                var[j] += fresh[k + j]
        return place

    def _rebuild(self, now_s: float) -> None:
        """Refresh the tables: the ringing lines' every REFRESH_S, the agents' (slower to
        change, dearer to build) every HANDLING_REFRESH_S or when their data grew by half."""
        if self._built_at is None or (self._stale and now_s - self._built_at >= self.REFRESH_S):
            if self._built_at is None:
                self._taus = self.dials.answer_checkpoints(self.CHECKPOINTS)
            self._line_rows = self.dials.line_table(self._taus)
            self._built_at = now_s
            self._stale = False
        handled = len(self.handling)
        if (
            self._handling_at is None
            or now_s - self._handling_at >= self.HANDLING_REFRESH_S
            or handled >= 1.5 * self._handling_n
        ):
            # the checkpoints move with the agents' tables, so both rows stay aligned
            self._taus = self.dials.answer_checkpoints(self.CHECKPOINTS)
            self._line_rows = self.dials.line_table(self._taus)
            horizons = [t + self.settings.connect_within_s for t in self._taus]
            self._talk_rows, self._wrap_rows = self.handling.tables(horizons)
            self._handling_at = now_s
            self._handling_n = handled

    def _forget_line(self, placed_at: float) -> None:
        """Drop the ringing line placed closest to `placed_at` (its outcome just came)."""
        placed = self._placed
        if not placed:
            return
        i = bisect_left(placed, placed_at)
        if i == len(placed) or (i > 0 and placed_at - placed[i - 1] <= placed[i] - placed_at):
            i -= 1
        del placed[i]

    def _reconcile(self, now_s: float, dialing: int) -> None:
        """The floor's count wins: lines the worker could not place (no leads) are the newest;
        lines this pacer never saw placed (a restart) are taken as placed now."""
        extra = len(self._placed) - dialing
        if extra > 0:
            del self._placed[-extra:]
        elif extra < 0:
            self._placed.extend([now_s] * -extra)

    def _transition(self, now_s: float, reason: str | None) -> None:
        if reason == self._reason:
            return
        to = "predictive" if reason is None else "progressive"
        if reason in ("abandon_cap", "abandon_target"):
            self._hold_until = now_s + self.ABANDON_HOLD_S
        self.fallbacks.append(
            {"at_s": now_s, "reason": reason if reason is not None else self._reason, "to": to}
        )
        self._reason = reason
