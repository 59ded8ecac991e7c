"""The live estimates behind predictive pacing (pure; PACING.md explains the model).

- `DialWindow`: recent dial outcomes. The live-answer rate (a Beta posterior) and, for a line
  that has been ringing for e seconds, the chance that it turns into a live answer waiting for
  an agent within the next tau seconds (empirical, so ring times, AMD delay and no-answer
  timeouts are all in it).
- `HandlingWindow`: recent talk and wrap-up times. For a busy agent, the chance of being free
  within tau seconds given how long they have been talking or wrapping up (empirical
  conditional distribution, tabulated per second of elapsed time).
- `RateShiftDetector`: a two-sided Bernoulli CUSUM on "was this dial a live answer": a sudden
  change of the live-answer rate makes the window's estimate stale.
- `AbandonControl`: the outer loop. The risk a new line may carry, steered by the abandonments
  and connections the pacer sees, and tightened as the ledger's rate nears the target.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import deque
from itertools import accumulate

Row = tuple[float, ...]  # k probabilities, then their k Bernoulli variances p(1-p)


def _row(probabilities: list[float]) -> Row:
    return (*probabilities, *(p * (1 - p) for p in probabilities))


class DialWindow:
    """The last `max_dials` dial outcomes (and none older than `max_age_s`)."""

    GRID_S = 120  # ringing lines are tabulated per second up to this age

    def __init__(self, max_dials: int = 1000, max_age_s: float = 7200.0) -> None:
        self.max_dials = max_dials
        self.max_age_s = max_age_s
        self._items: deque[tuple[float, bool, float]] = deque()  # (at_s, human, ring_s)
        self.humans = 0
        self._dirty = True
        self._human_times: list[float] = []
        self._all_times: list[float] = []

    def __len__(self) -> int:
        return len(self._items)

    def add(self, now_s: float, human: bool, ring_s: float) -> None:
        self._items.append((now_s, human, max(0.0, ring_s)))
        self.humans += human
        while len(self._items) > self.max_dials:
            self._drop_oldest()
        self._dirty = True

    def expire(self, now_s: float) -> None:
        while self._items and self._items[0][0] < now_s - self.max_age_s:
            self._drop_oldest()
            self._dirty = True

    def keep_last(self, count: int) -> None:
        """Forget all but the newest `count` outcomes (after a detected rate shift)."""
        while len(self._items) > count:
            self._drop_oldest()
        self._dirty = True

    def _drop_oldest(self) -> None:
        _, human, _ = self._items.popleft()
        self.humans -= human

    def rate(self) -> float:
        """Posterior mean of the live-answer rate, Beta(1, 1) prior."""
        return (self.humans + 1) / (len(self._items) + 2)

    def answer_checkpoints(self, count: int) -> list[float]:
        """Midpoint quantiles of the time from placing a line to its live answer waiting."""
        times = self._sorted()[0]
        if not times:
            return [10.0] * count
        out = []
        for k in range(count):
            q = (k + 0.5) / count
            out.append(times[min(len(times) - 1, int(q * len(times)))])
        return out

    def line_table(self, taus: list[float]) -> list[Row]:
        """Row e (seconds ringing): P(a live answer waits by e + tau_k | no outcome by e)."""
        human, every = self._sorted()
        n = len(every)
        rows: list[Row] = []
        last = _row([0.0 for _ in taus])
        for e in range(self.GRID_S + 1):
            alive = n - bisect_right(every, e)
            if alive < 10:  # too few lines rang this long to say; keep the last estimate
                rows.append(last)
                continue
            base = bisect_right(human, e)
            last = _row([(bisect_right(human, e + t) - base) / alive for t in taus])
            rows.append(last)
        return rows

    def _sorted(self) -> tuple[list[float], list[float]]:
        if self._dirty:
            self._human_times = sorted(r for _, h, r in self._items if h)
            self._all_times = sorted(r for _, _, r in self._items)
            self._dirty = False
        return self._human_times, self._all_times


class HandlingWindow:
    """The last `max_calls` (talk_s, wrap_s) pairs."""

    MIN_ALIVE = 8  # rows conditioned on fewer calls than this reuse the previous row

    def __init__(self, max_calls: int = 600) -> None:
        self._items: deque[tuple[float, float]] = deque(maxlen=max_calls)

    def __len__(self) -> int:
        return len(self._items)

    def add(self, talk_s: float, wrap_s: float) -> None:
        self._items.append((max(0.0, talk_s), max(0.0, wrap_s)))

    def tables(self, horizons: list[float]) -> tuple[list[Row], list[Row]]:
        """(talking, wrap_up) tables: row a = P(free within h_k | in that state for a s)."""
        talk = [(t, t + w) for t, w in self._items]
        wrap = [(w, w) for _, w in self._items]
        return _conditional_table(talk, horizons), _conditional_table(wrap, horizons)


def _conditional_table(samples: list[tuple[float, float]], horizons: list[float]) -> list[Row]:
    """samples (leave_state_at, free_at); row a = P(free_at <= a + h | leave_state_at > a).

    Difference arrays over integer elapsed seconds: each sample adds to the rows a with
    free_at - h <= a < leave_state_at, so a table costs O(samples + seconds) per horizon.
    """
    if not samples:
        return [_row([0.0 for _ in horizons])]
    ends = [math.ceil(end) for end, _ in samples]
    size = max(ends) + 1
    alive = [0] * (size + 1)
    for end in ends:
        alive[end] -= 1
    alive[0] += len(ends)
    alive = list(accumulate(alive))
    columns = []
    for h in horizons:
        hits = [0] * (size + 1)
        for end, (_, free) in zip(ends, samples, strict=True):
            lo = math.ceil(free - h)
            lo = lo if lo > 0 else 0
            if lo < end:
                hits[lo] += 1
                hits[end] -= 1
        columns.append(list(accumulate(hits)))
    rows: list[Row] = []
    last = _row([1.0 for _ in horizons])
    floor = HandlingWindow.MIN_ALIVE
    for a in range(size):
        n = alive[a]
        if n >= floor:
            last = _row([col[a] / n for col in columns])
        rows.append(last)
    return rows


class RateShiftDetector:
    """Two-sided Bernoulli CUSUM: has the live-answer rate moved by `ratio` either way?

    Each dial adds its log-likelihood ratio of "rate is p0*ratio" (and "p0/ratio") against
    "rate is p0"; a sum over `threshold` is an alarm. `since` is the number of dials since the
    alarming sum last stood at zero: the estimated change point.
    """

    def __init__(self, ratio: float = 1.5, threshold: float = 9.0) -> None:
        self.ratio = ratio
        self.threshold = threshold
        self.reset()

    def reset(self) -> None:
        self._up = 0.0
        self._down = 0.0
        self._up_since = 0
        self._down_since = 0

    def add(self, human: bool, p0: float) -> int | None:
        """Feed one dial against the reference rate p0; the change point's age on an alarm."""
        p0 = min(max(p0, 0.01), 0.9)
        up = min(p0 * self.ratio, 0.99)
        down = p0 / self.ratio
        if human:
            lu, ld = math.log(up / p0), math.log(down / p0)
        else:
            lu, ld = math.log((1 - up) / (1 - p0)), math.log((1 - down) / (1 - p0))
        self._up = max(0.0, self._up + lu)
        self._down = max(0.0, self._down + ld)
        self._up_since = self._up_since + 1 if self._up > 0 else 0
        self._down_since = self._down_since + 1 if self._down > 0 else 0
        if self._up > self.threshold or self._down > self.threshold:
            since = self._up_since if self._up > self.threshold else self._down_since
            self.reset()
            return since
        return None


class AbandonControl:
    """How much risk of abandonment a new line may carry (the outer loop).

    The risk is the probability that the line's live answer would find no agent in time. A
    multiplicative loop steers it so the abandonments the pacer sees settle at the setpoint
    (each connect nudges it up, each abandon down by the matching amount). The setpoint is
    `setpoint_share` of the target, less the abandons the pacer cannot see (`external`: AMD
    false positives counted by the ledger), so that the ledger's rate, not only the pacer's,
    settles under the target. On top, the abandon budget, how many more abandons a window can
    take before its rate reaches the target (target * live answers - abandoned), scales the
    risk down once under `full_budget` abandons are left in any window (the ledger's 24 h and
    30 d, and the last hour), to 5 % of itself.
    """

    def __init__(
        self,
        target: float,
        setpoint_share: float = 0.85,
        gain: float = 0.25,
        full_budget: float = 3.0,
    ) -> None:
        self.target = target
        self.share = setpoint_share
        self.setpoint = target * setpoint_share
        self.gain = gain
        self.full_budget = full_budget
        self._log_scale = 0.0

    def set_external(self, rate: float) -> None:
        """The share of live answers abandoned where the pacer cannot see it."""
        self.setpoint = max(0.2 * self.target * self.share, self.target * self.share - rate)

    def observe(self, abandoned: bool) -> None:
        if abandoned:
            self._log_scale -= self.gain * (1 - self.setpoint)
        else:
            self._log_scale += self.gain * self.setpoint
        self._log_scale = min(max(self._log_scale, math.log(0.02)), math.log(4.0))

    def budget(self, live_answers: float, abandoned: float) -> float:
        return self.target * live_answers - abandoned

    def risk(self, budget: float) -> float:
        scale = min(1.0, max(0.05, budget / self.full_budget))
        return self.setpoint * math.exp(self._log_scale) * scale
