"""VICIdial's adaptive predictive dialing (dial method ADAPT_HARD_LIMIT), re-implemented as a
pacer for workers.dialer.simulate, to benchmark ours against.

Read from VICIdial's own scripts (bin/AST_VDadapt.pl and bin/AST_VDauto_dial.pl, SVN trunk as
mirrored on GitHub), with the campaign settings the issue names and VICIdial's defaults:

- AST_VDadapt, every 1 s: ready agents (status READY or DONE), waiting calls (auto_calls
  status LIVE) and all logged-in agents (paused ones included) are sampled; the averages are
  over the last 15 samples.
- Every 60 s it recounts the drop statistics: calls today, drops today over human-answered calls
  today, and calls and drops in the last minute.
- Every 15 s: differential = avg(ready) - avg(waiting) + adaptive_dl_diff_target (0);
  pct = differential / avg(logged-in); with adaptive_intensity 0 the pct is used as is;
  level = level * (1 + pct), then capped at adaptive_maximum_level (3.0) and raised to 1.0;
  halved if more than 20 calls in the last minute and over 50 % of them dropped; set to 1.0
  (ADAPT_HARD_LIMIT) if more than 50 calls today and drops/answers today > 3 %; never below 1.
- AST_VDauto_dial, every 2.5 s, with available_only_ratio_tally = Y: goal =
  round(level * ready agents) (+ calls with agents, which the count of existing calls then
  takes away again), lines to place = goal - calls SENT/RINGING/LIVE.
- No dial_level_threshold (VICIdial's default: off).
- Not modelled: trunk limits and the hopper (the simulator has as many lines and leads as asked).
  VICIdial drops a call after drop_call_seconds (default 5); in the benchmark both pacers run
  in the same simulator with the same 2 s connect rule (`connect_within_s`), so a call not
  connected within 2 s is a drop for both.
"""

from __future__ import annotations

from collections import deque

from workers.dialer.pacing import Decision, FloorSnapshot, PacingSettings


class VicidialAdaptHardLimit:
    tick_s = 0.5  # the simulator calls decide() this often; the 1 s and 2.5 s loops run inside

    def __init__(
        self,
        settings: PacingSettings,
        *,
        drop_percentage: float = 3.0,
        maximum_level: float = 3.0,
        intensity: float = 0.0,
        dl_diff_target: float = 0.0,
        initial_level: float = 1.0,
    ) -> None:
        self.settings = settings
        self.drop_percentage = drop_percentage
        self.maximum_level = maximum_level
        self.intensity = intensity
        self.dl_diff_target = dl_diff_target
        self.level = initial_level
        self.levels: list[tuple[float, float]] = []  # (at_s, level) after each 15 s update
        self.fallbacks: list[dict[str, object]] = []
        self._samples: deque[tuple[int, int, int]] = deque(maxlen=15)
        self._next_sample = 0.0
        self._next_dial = 0.0
        self._diff_updater = 0
        self._drop_updater = 0
        # what VICIdial's vicidial_log would say
        self._placed: deque[float] = deque()  # placing times within the last minute
        self._drops: deque[float] = deque()
        self._day = 0
        self._calls_today = 0
        self._answers_today = 0
        self._drops_today = 0
        # the statistics as of the last 60 s recount
        self._stat_calls_today = 0
        self._stat_drop_answer_pct = 0.0
        self._stat_calls_one = 0
        self._stat_drops_one_pct = 0.0
        self._humans = 0
        self._dials = 0

    # the simulator's feedback: what VICIdial's logs would record
    def observe_dial(self, now_s: float, result: str, ring_s: float) -> None:
        self._dials += 1
        self._humans += result == "human"

    def observe_handling(self, now_s: float, talk_s: float, wrap_s: float) -> None:
        pass

    def observe_connect(self, now_s: float, wait_s: float) -> None:
        self._answers_today += 1

    def observe_abandon(self, now_s: float) -> None:
        self._answers_today += 1  # DROP is a human-answered status
        self._drops_today += 1
        self._drops.append(now_s)

    def decide(self, floor: FloorSnapshot) -> Decision:
        now = floor.now_s
        day = int(now // 86400)
        if day != self._day:  # VICIdial's "today" starts at midnight (simulated time 0 is one)
            self._day = day
            self._calls_today = self._answers_today = self._drops_today = 0
        while now >= self._next_sample:  # AST_VDadapt's 1 s loop
            self._adapt_second(floor)
            self._next_sample += 1.0
        place = 0
        if now >= self._next_dial:  # AST_VDauto_dial's 2.5 s loop
            self._next_dial += 2.5
            goal = round(self.level * floor.ready)
            place = max(0, goal - (floor.dialing + floor.waiting))
            self._calls_today += place
            self._placed.extend([now] * place)
        staffed = floor.ready + len(floor.busy)
        ratio = (floor.dialing + floor.waiting + place) / staffed if staffed else 0.0
        mode = "predictive" if staffed else "no_agents"
        rate = self._humans / self._dials if self._dials else None
        return Decision(place, mode, round(ratio, 2), None, rate)

    def _adapt_second(self, floor: FloorSnapshot) -> None:
        total = floor.ready + len(floor.busy) + floor.paused
        self._samples.append((floor.ready, floor.waiting, total))
        n = len(self._samples)
        ready_avg = sum(s[0] for s in self._samples) / n
        waiting_avg = sum(s[1] for s in self._samples) / n
        total_avg = sum(s[2] for s in self._samples) / n
        self._diff_updater += 1
        self._drop_updater += 1
        if total_avg <= 0:
            return
        if self._drop_updater >= 60:
            self._calculate_drops(floor.now_s)
            self._drop_updater = 0
        if self._diff_updater >= 15:
            self._calculate_dial_level(ready_avg - waiting_avg, total_avg, floor.now_s)
            self._diff_updater = 0

    def _calculate_drops(self, now: float) -> None:
        while self._placed and self._placed[0] <= now - 60:
            self._placed.popleft()
        while self._drops and self._drops[0] <= now - 60:
            self._drops.popleft()
        self._stat_calls_today = self._calls_today
        self._stat_drop_answer_pct = (
            100.0 * self._drops_today / self._answers_today if self._answers_today else 0.0
        )
        self._stat_calls_one = len(self._placed)
        self._stat_drops_one_pct = (
            100.0 * len(self._drops) / len(self._placed) if self._placed else 0.0
        )

    def _calculate_dial_level(self, differential: float, agents_avg: float, now: float) -> None:
        target = differential + self.dl_diff_target
        mul = target / agents_avg if target != 0 and agents_avg != 0 else 0.0
        pct = mul * 100
        k = self.intensity / 100
        intensity_pct = pct * abs(k - 1) if pct < 0 else pct * (k + 1)
        level = round(self.level * (intensity_pct / 100 + 1), 3)  # sprintf("%.3f")
        level = min(level, self.maximum_level)
        level = max(level, 1.0)
        if self._stat_calls_one > 20 and self._stat_drops_one_pct > 50:
            level /= 2
        if self._stat_calls_today > 50 and self._stat_drop_answer_pct > self.drop_percentage:
            level = 1.0  # ADAPT_HARD_LIMIT
        self.level = max(level, 1.0)
        self.levels.append((now, self.level))
