"""A discrete-event simulation of a dialing floor, driven by the real `Pacer`.

    python -m workers.dialer.simulate --scenario SCENARIO.json --out RESULT.json

Simulated time (a heap of events, no clock): agents log in and out by shift, pause in groups,
talk and wrap up; lines ring, are answered by people or machines, go through AMD, and a live
answer is connected to the longest-ready agent or abandoned after `connect_within_s`. Every
`TICK_S` the pacer gets the floor's snapshot and says how many lines to place; it hears every
outcome as the worker would tell it. Randomness comes from the scenario's seed, in separate
streams (dial outcomes, handling times, AMD, pauses), so two pacers run on the same seed meet
the same k-th dial outcome and the same k-th call length.

Accounting (PACING.md has the details):
- a live answer is a person answering; AMD false positives (people hung up on as machines) are
  abandoned live answers, as Ofcom counts them; machines that AMD lets through are not live
  answers (they still take an agent for `MACHINE_TALK_S`);
- occupancy is talk plus wrap-up time over logged-in, unpaused time; `mean_wait_s` is the mean
  idle spell that ended in a connected call;
- `max_abandon_rate_24h` is the worst rate over the 24 h windows ending at least a day into the
  run (a run of a day or less is one window: its whole-run rate).

`simulate(scenario, pacer_factory=None)` is the same as a Python call; `run()` also returns
the hourly windows and a trace for the benchmark.
"""

from __future__ import annotations

import argparse
import heapq
import json
import math
import random
import sys
from collections import OrderedDict, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from workers.dialer.pacing import (
    BusyAgent,
    Decision,
    FloorSnapshot,
    Ledger,
    Pacer,
    PacingSettings,
)

TICK_S = 1.0  # the worker's tick
BUSY_S = 3.0  # a busy signal comes back this fast
FAILED_S = 1.0  # and a failed call faster
AMD_S = 2.5  # AMD listens this long after the answer before its verdict
MACHINE_TALK_S = 8.0  # an agent who gets an answering machine hangs up after this

RESULT_KEYS = (
    "occupancy",
    "abandon_rate",
    "max_abandon_rate_24h",
    "human_answers",
    "abandoned",
    "calls_placed",
    "calls_per_agent_hour",
    "mean_wait_s",
    "fallbacks",
)
_TOP = {
    "seed": False,
    "duration_s": True,
    "mode": True,
    "abandon_target": False,
    "agents": True,
    "pauses": False,
    "dial_outcomes": True,
    "ring_to_answer_s": True,
    "talk_s": True,
    "wrap_s": True,
    "no_answer_timeout_s": False,
    "amd": False,
    "connect_within_s": False,
}  # key -> required
_AGENTS = ("count", "from_s", "to_s")
_PAUSES = ("at_s", "fraction", "duration_s")
_OUTCOMES = ("from_s", "human", "machine", "busy", "no_answer")
_DIST = ("dist", "mean", "sd")
_AMD = ("enabled", "detect_machine", "false_positive")


class ScenarioError(ValueError):
    """The scenario is not one this simulator understands (the message names the key)."""


class SimPacer(Protocol):
    """What the simulator needs of a pacer (ours, or the benchmark's VICIdial)."""

    def decide(self, floor: FloorSnapshot) -> Decision: ...
    def observe_dial(self, now_s: float, result: str, ring_s: float) -> None: ...
    def observe_handling(self, now_s: float, talk_s: float, wrap_s: float) -> None: ...
    def observe_connect(self, now_s: float, wait_s: float) -> None: ...
    def observe_abandon(self, now_s: float) -> None: ...


# -- the scenario -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Dist:
    mean: float
    sd: float

    def sampler(self, rng: random.Random) -> Callable[[], float]:
        if self.sd == 0:
            return lambda: self.mean
        sigma2 = math.log(1 + (self.sd / self.mean) ** 2)
        mu = math.log(self.mean) - sigma2 / 2
        sigma = math.sqrt(sigma2)
        return lambda: rng.lognormvariate(mu, sigma)


@dataclass(frozen=True)
class Scenario:
    seed: int
    duration_s: float
    mode: str
    abandon_target: float
    agents: list[tuple[int, float, float]]
    pauses: list[tuple[float, float, float]]
    dial_outcomes: list[tuple[float, float, float, float, float]]  # from, human, machine, ...
    ring_to_answer_s: Dist
    talk_s: Dist
    wrap_s: Dist
    no_answer_timeout_s: float
    amd_enabled: bool
    amd_detect_machine: float
    amd_false_positive: float
    connect_within_s: float


def _number(value: Any, where: str, lo: float | None = None, hi: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ScenarioError(f"{where}: must be a number, got {value!r}")
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise ScenarioError(f"{where}: {value!r} is outside [{lo}, {hi}]")
    return float(value)


def _object(value: Any, where: str, keys: Sequence[str], required: Sequence[str]) -> dict:
    if not isinstance(value, dict):
        raise ScenarioError(f"{where}: must be an object")
    unknown = sorted(set(value) - set(keys))
    if unknown:
        raise ScenarioError(f"{where}: unknown key(s) {unknown}; known: {list(keys)}")
    missing = [k for k in required if k not in value]
    if missing:
        raise ScenarioError(f"{where}: missing key(s) {missing}")
    return value


def _list(value: Any, where: str) -> list:
    if not isinstance(value, list):
        raise ScenarioError(f"{where}: must be a list")
    return value


def _dist(value: Any, where: str) -> Dist:
    d = _object(value, where, _DIST, _DIST)
    if d["dist"] != "lognormal":
        raise ScenarioError(f"{where}.dist: only 'lognormal' is known, got {d['dist']!r}")
    return Dist(_number(d["mean"], f"{where}.mean", 1e-6), _number(d["sd"], f"{where}.sd", 0))


def parse_scenario(raw: Any) -> Scenario:
    """Validate a scenario (unknown keys anywhere are an error) and fill in the defaults."""
    top = _object(raw, "scenario", list(_TOP), [k for k, req in _TOP.items() if req])
    seed = top.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ScenarioError(f"seed: must be an integer, got {seed!r}")
    mode = top["mode"]
    if mode not in ("progressive", "predictive"):
        raise ScenarioError(f"mode: must be 'progressive' or 'predictive', got {mode!r}")
    agents = []
    for i, item in enumerate(_list(top["agents"], "agents")):
        a = _object(item, f"agents[{i}]", _AGENTS, _AGENTS)
        count = a["count"]
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise ScenarioError(f"agents[{i}].count: must be a non-negative integer")
        start = _number(a["from_s"], f"agents[{i}].from_s", 0)
        end = _number(a["to_s"], f"agents[{i}].to_s", start)
        agents.append((count, start, end))
    pauses = []
    for i, item in enumerate(_list(top.get("pauses", []), "pauses")):
        p = _object(item, f"pauses[{i}]", _PAUSES, _PAUSES)
        pauses.append(
            (
                _number(p["at_s"], f"pauses[{i}].at_s", 0),
                _number(p["fraction"], f"pauses[{i}].fraction", 0, 1),
                _number(p["duration_s"], f"pauses[{i}].duration_s", 0),
            )
        )
    outcomes = []
    for i, item in enumerate(_list(top["dial_outcomes"], "dial_outcomes")):
        o = _object(item, f"dial_outcomes[{i}]", _OUTCOMES, _OUTCOMES)
        row = [_number(o["from_s"], f"dial_outcomes[{i}].from_s", 0)]
        row += [_number(o[k], f"dial_outcomes[{i}].{k}", 0, 1) for k in _OUTCOMES[1:]]
        if sum(row[1:]) > 1 + 1e-9:
            raise ScenarioError(f"dial_outcomes[{i}]: the fractions add up to more than 1")
        outcomes.append((row[0], row[1], row[2], row[3], row[4]))
    if not outcomes:
        raise ScenarioError("dial_outcomes: at least one entry is needed")
    outcomes.sort(key=lambda o: o[0])
    amd = _object(top.get("amd", {"enabled": False}), "amd", _AMD, ["enabled"])
    if not isinstance(amd["enabled"], bool):
        raise ScenarioError("amd.enabled: must be true or false")
    return Scenario(
        seed=seed,
        duration_s=_number(top["duration_s"], "duration_s", 1),
        mode=mode,
        abandon_target=_number(top.get("abandon_target", 0.025), "abandon_target", 1e-4, 0.03),
        agents=agents,
        pauses=pauses,
        dial_outcomes=outcomes,
        ring_to_answer_s=_dist(top["ring_to_answer_s"], "ring_to_answer_s"),
        talk_s=_dist(top["talk_s"], "talk_s"),
        wrap_s=_dist(top["wrap_s"], "wrap_s"),
        no_answer_timeout_s=_number(top.get("no_answer_timeout_s", 25), "no_answer_timeout_s", 1),
        amd_enabled=amd["enabled"],
        amd_detect_machine=_number(amd.get("detect_machine", 0.9), "amd.detect_machine", 0, 1),
        amd_false_positive=_number(amd.get("false_positive", 0.0), "amd.false_positive", 0, 1),
        connect_within_s=_number(top.get("connect_within_s", 2.0), "connect_within_s", 0.1),
    )


# -- the floor --------------------------------------------------------------------------------

_READY, _TALK, _WRAP, _PAUSED, _OFF = range(5)
_BUSY_STATE = {_TALK: "talking", _WRAP: "wrap_up"}
# event kinds, in the order they run at the same instant
_E_SHIFT_END, _E_LOGIN, _E_PAUSE, _E_PAUSE_END, _E_TALK_END, _E_WRAP_END = range(6)
_E_OUTCOME, _E_DEADLINE, _E_TICK = 6, 7, 8


@dataclass
class _Agent:
    id: int
    state: int = _OFF
    since: float = 0.0
    shift_over: bool = False
    pause_for: float | None = None  # a pause to take after this call (seconds)
    talk_s: float = 0.0


@dataclass
class _Live:
    line: int
    at: float
    person: bool
    done: bool = False


@dataclass
class Trace:
    """What the benchmark looks at besides the result."""

    answers: list[tuple[float, bool]] = field(default_factory=list)  # (at, abandoned) people
    modes: dict[str, int] = field(default_factory=dict)  # ticks per effective mode

    def max_window_rate(self, window_s: float, duration_s: float) -> float | None:
        """Worst abandonment rate over windows of window_s ending at least window_s in."""
        if not self.answers:
            return None
        if duration_s <= window_s:
            return sum(a for _, a in self.answers) / len(self.answers)
        worst = 0.0
        lo = 0
        abandoned = 0
        ends = sorted({t for t, _ in self.answers if t >= window_s} | {duration_s})
        hi = 0
        n = len(self.answers)
        for end in ends:
            while hi < n and self.answers[hi][0] <= end:
                abandoned += self.answers[hi][1]
                hi += 1
            while lo < hi and self.answers[lo][0] <= end - window_s:
                abandoned -= self.answers[lo][1]
                lo += 1
            if hi > lo:
                worst = max(worst, abandoned / (hi - lo))
        return worst


@dataclass
class Run:
    result: dict[str, Any]
    trace: Trace


class _Window:
    """Counts of live answers and abandons over a sliding window (the ledger's)."""

    def __init__(self, span_s: float) -> None:
        self.span_s = span_s
        self.items: deque[tuple[float, bool]] = deque()
        self.live = 0
        self.abandoned = 0

    def add(self, at: float, abandoned: bool) -> None:
        self.items.append((at, abandoned))
        self.live += 1
        self.abandoned += abandoned

    def at(self, now: float) -> tuple[int, int]:
        while self.items and self.items[0][0] <= now - self.span_s:
            _, a = self.items.popleft()
            self.live -= 1
            self.abandoned -= a
        return self.live, self.abandoned


class Floor:
    def __init__(self, sc: Scenario, pacer: SimPacer, tick_s: float) -> None:
        self.sc = sc
        self.pacer = pacer
        self.tick_s = tick_s
        self.events: list[tuple[float, int, int, Any]] = []
        self.seq = 0
        # simulation, not secrets: seeded streams are the point (S311)
        base = random.Random(sc.seed)  # noqa: S311
        streams = [random.Random(base.getrandbits(64)) for _ in range(4)]  # noqa: S311
        self.rng_dial, self.rng_handle, self.rng_amd, self.rng_pause = streams
        self.ring = sc.ring_to_answer_s.sampler(self.rng_dial)
        self.talk = sc.talk_s.sampler(self.rng_handle)
        self.wrap = sc.wrap_s.sampler(self.rng_handle)
        self.agents: list[_Agent] = []
        self.ready: OrderedDict[int, _Agent] = OrderedDict()  # longest ready first
        self.busy: dict[int, _Agent] = {}
        self.paused = 0
        self.dialing = 0
        self.waiting: deque[_Live] = deque()
        self.n_waiting = 0
        self.h24 = _Window(86400.0)
        self.d30 = _Window(30 * 86400.0)
        self.trace = Trace()
        self.calls_placed = 0
        self.human_answers = 0
        self.abandoned = 0
        self.work_s = 0.0  # talk + wrap-up
        self.staffed_s = 0.0  # logged in, not paused
        self.wait_sum = 0.0
        self.wait_count = 0

    # -- plumbing
    def push(self, at: float, kind: int, payload: Any = None) -> None:
        self.seq += 1
        heapq.heappush(self.events, (at, kind, self.seq, payload))

    def set_state(self, agent: _Agent, state: int, now: float) -> None:
        spent = now - agent.since
        if agent.state in (_TALK, _WRAP):
            self.work_s += spent
        if agent.state in (_READY, _TALK, _WRAP):
            self.staffed_s += spent
        if agent.state == _READY:
            del self.ready[agent.id]
        elif agent.state in (_TALK, _WRAP):
            self.busy.pop(agent.id, None)
        elif agent.state == _PAUSED:
            self.paused -= 1
        agent.state = state
        agent.since = now
        if state == _READY:
            self.ready[agent.id] = agent
        elif state in (_TALK, _WRAP):
            self.busy[agent.id] = agent
        elif state == _PAUSED:
            self.paused += 1

    # -- the run
    def run(self) -> Run:
        sc = self.sc
        for count, start, end in sc.agents:
            group = []
            for _ in range(count):
                agent = _Agent(len(self.agents))
                self.agents.append(agent)
                group.append(agent)
            if start < sc.duration_s:
                self.push(start, _E_LOGIN, group)
                self.push(end, _E_SHIFT_END, group)
        for at, fraction, duration in sc.pauses:
            self.push(at, _E_PAUSE, (fraction, duration))
        self.push(0.0, _E_TICK)
        handlers: dict[int, Callable[[float, Any], None]] = {
            _E_SHIFT_END: self.on_shift_end,
            _E_LOGIN: self.on_login,
            _E_PAUSE: self.on_pause,
            _E_PAUSE_END: self.on_pause_end,
            _E_TALK_END: self.on_talk_end,
            _E_WRAP_END: self.on_wrap_end,
            _E_OUTCOME: self.on_outcome,
            _E_DEADLINE: self.on_deadline,
            _E_TICK: self.on_tick,
        }
        events = self.events
        while events:
            at, kind, _, payload = heapq.heappop(events)
            if at > sc.duration_s:
                break
            handlers[kind](at, payload)
        for agent in self.agents:
            self.set_state(agent, _OFF, sc.duration_s)
        return Run(self.result(), self.trace)

    def result(self) -> dict[str, Any]:
        sc = self.sc
        hours = self.staffed_s / 3600
        rate = self.abandoned / self.human_answers if self.human_answers else 0.0
        worst = self.trace.max_window_rate(86400.0, sc.duration_s)
        fallbacks = getattr(self.pacer, "fallbacks", [])
        return {
            "occupancy": round(self.work_s / self.staffed_s, 4) if self.staffed_s else 0.0,
            "abandon_rate": round(rate, 5),
            "max_abandon_rate_24h": round(worst if worst is not None else 0.0, 5),
            "human_answers": self.human_answers,
            "abandoned": self.abandoned,
            "calls_placed": self.calls_placed,
            "calls_per_agent_hour": round(self.calls_placed / hours, 2) if hours else 0.0,
            "mean_wait_s": round(self.wait_sum / self.wait_count, 2) if self.wait_count else 0.0,
            "fallbacks": [dict(f) for f in fallbacks],
        }

    # -- agents
    def on_login(self, now: float, group: list[_Agent]) -> None:
        for agent in group:
            agent.shift_over = False
            agent.since = now
            self.set_state(agent, _READY, now)
        self.connect_waiting(now)

    def on_shift_end(self, now: float, group: list[_Agent]) -> None:
        for agent in group:
            if agent.state in (_READY, _PAUSED):
                self.set_state(agent, _OFF, now)
            elif agent.state in (_TALK, _WRAP):
                agent.shift_over = True  # finishes the call first

    def on_pause(self, now: float, spec: tuple[float, float]) -> None:
        fraction, duration = spec
        present = [a for a in self.agents if a.state in (_READY, _TALK, _WRAP)]
        for agent in self.rng_pause.sample(present, round(fraction * len(present))):
            if agent.state == _READY:
                self.set_state(agent, _PAUSED, now)
                self.push(now + duration, _E_PAUSE_END, agent)
            else:
                agent.pause_for = duration  # after this call's wrap-up

    def on_pause_end(self, now: float, agent: _Agent) -> None:
        if agent.state != _PAUSED:
            return
        self.set_state(agent, _OFF if agent.shift_over else _READY, now)
        self.connect_waiting(now)

    def on_talk_end(self, now: float, agent: _Agent) -> None:
        self.set_state(agent, _WRAP, now)
        self.push(now + self.wrap(), _E_WRAP_END, agent)

    def on_wrap_end(self, now: float, agent: _Agent) -> None:
        self.pacer.observe_handling(now, agent.talk_s, now - agent.since)
        if agent.shift_over:
            self.set_state(agent, _OFF, now)
        elif agent.pause_for is not None:
            self.set_state(agent, _PAUSED, now)
            self.push(now + agent.pause_for, _E_PAUSE_END, agent)
            agent.pause_for = None
        else:
            self.set_state(agent, _READY, now)
            self.connect_waiting(now)

    # -- lines
    def on_tick(self, now: float, _: Any) -> None:
        busy = [BusyAgent(_BUSY_STATE[a.state], now - a.since) for a in self.busy.values()]
        ledger = Ledger(*self.h24.at(now), *self.d30.at(now))
        floor = FloorSnapshot(
            now, len(self.ready), busy, self.paused, self.dialing, self.n_waiting, ledger
        )
        decision = self.pacer.decide(floor)
        modes = self.trace.modes
        modes[decision.effective_mode] = modes.get(decision.effective_mode, 0) + 1
        for _ in range(decision.place):
            self.place(now)
        self.push(now + self.tick_s, _E_TICK)

    def outcome_mix(self, now: float) -> tuple[float, float, float, float, float]:
        current = self.sc.dial_outcomes[0]
        for row in self.sc.dial_outcomes:
            if row[0] <= now:
                current = row
        return current

    def place(self, now: float) -> None:
        sc = self.sc
        self.calls_placed += 1
        self.dialing += 1
        _, human, machine, busy, no_answer = self.outcome_mix(now)
        u = self.rng_dial.random()
        ring = self.ring()  # drawn for every line, so the streams stay aligned across pacers
        line = self.calls_placed
        if u < human + machine:
            person = u < human
            if ring > sc.no_answer_timeout_s:
                self.push(now + sc.no_answer_timeout_s, _E_OUTCOME, (line, "no_answer", now))
                return
            delay = ring
            verdict = "human"
            if sc.amd_enabled:
                delay += AMD_S
                v = self.rng_amd.random()
                # people taken for machines (false positives), machines caught
                if v < (sc.amd_false_positive if person else sc.amd_detect_machine):
                    verdict = "machine"
            kind = ("person" if person else "robot") + ":" + verdict
            self.push(now + delay, _E_OUTCOME, (line, kind, now))
        elif u < human + machine + busy:
            self.push(now + BUSY_S, _E_OUTCOME, (line, "busy", now))
        elif u < human + machine + busy + no_answer:
            self.push(now + sc.no_answer_timeout_s, _E_OUTCOME, (line, "no_answer", now))
        else:
            self.push(now + FAILED_S, _E_OUTCOME, (line, "failed", now))

    def on_outcome(self, now: float, spec: tuple[int, str, float]) -> None:
        line, kind, placed = spec
        self.dialing -= 1
        if ":" not in kind:
            self.pacer.observe_dial(now, kind, now - placed)
            return
        who, verdict = kind.split(":")
        person = who == "person"
        self.pacer.observe_dial(now, verdict, now - placed)
        if person:
            self.human_answers += 1
        if verdict == "machine":
            if person:  # an AMD false positive: a person hung up on, an abandoned live answer
                self.count_answer(now, abandoned=True)
            return
        call = _Live(line, now, person)
        self.waiting.append(call)
        self.n_waiting += 1
        self.push(now + self.sc.connect_within_s, _E_DEADLINE, call)
        self.connect_waiting(now)

    def on_deadline(self, now: float, call: _Live) -> None:
        if call.done:
            return
        call.done = True
        self.n_waiting -= 1
        self.pacer.observe_abandon(now)
        if call.person:
            self.count_answer(now, abandoned=True)

    def count_answer(self, now: float, abandoned: bool) -> None:
        self.abandoned += abandoned
        self.h24.add(now, abandoned)
        self.d30.add(now, abandoned)
        self.trace.answers.append((now, abandoned))

    def connect_waiting(self, now: float) -> None:
        waiting = self.waiting
        while waiting and self.ready:
            call = waiting.popleft()
            if call.done:
                continue
            call.done = True
            self.n_waiting -= 1
            _, agent = next(iter(self.ready.items()))
            self.wait_sum += now - agent.since
            self.wait_count += 1
            self.set_state(agent, _TALK, now)
            talk = self.talk() if call.person else MACHINE_TALK_S
            agent.talk_s = talk
            self.push(now + talk, _E_TALK_END, agent)
            self.pacer.observe_connect(now, now - call.at)
            if call.person:
                self.count_answer(now, abandoned=False)


def run(
    scenario: dict[str, Any] | Scenario,
    pacer_factory: Callable[[PacingSettings], SimPacer] | None = None,
) -> Run:
    """Simulate; pacer_factory(settings) builds the pacer (default: ours)."""
    sc = scenario if isinstance(scenario, Scenario) else parse_scenario(scenario)
    settings = PacingSettings(
        mode=sc.mode,
        abandon_target=sc.abandon_target,
        connect_within_s=sc.connect_within_s,
    )
    pacer = (pacer_factory or Pacer)(settings)
    tick = float(getattr(pacer, "tick_s", TICK_S))
    return Floor(sc, pacer, tick).run()


def simulate(
    scenario: dict[str, Any],
    pacer_factory: Callable[[PacingSettings], SimPacer] | None = None,
) -> dict[str, Any]:
    """The result keys, as the CLI writes them."""
    return run(scenario, pacer_factory).result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m workers.dialer.simulate", description=__doc__)
    parser.add_argument("--scenario", required=True, type=Path)
    parser.add_argument("--out", required=True, type=Path)
    args = parser.parse_args(argv)
    try:
        raw = json.loads(args.scenario.read_text())
        scenario = parse_scenario(raw)
    except (OSError, json.JSONDecodeError, ScenarioError) as exc:
        print(f"simulate: bad scenario {args.scenario}: {exc}", file=sys.stderr)
        return 2
    result = run(scenario).result
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
