"""The simulator's contract: scenario and result keys, errors, determinism, its accounting.

Small floors and short runs: the whole file takes a few seconds.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bench.vicidial_adapt import VicidialAdaptHardLimit
from workers.dialer.pacing import BusyAgent, Decision, FloorSnapshot, PacingSettings
from workers.dialer.simulate import RESULT_KEYS, ScenarioError, parse_scenario, run, simulate

PROJECT = Path(__file__).resolve().parents[2]


def scenario(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "seed": 11,
        "duration_s": 1800,
        "mode": "progressive",
        "abandon_target": 0.025,
        "agents": [{"count": 6, "from_s": 0, "to_s": 1800}],
        "pauses": [],
        "dial_outcomes": [
            {"from_s": 0, "human": 0.3, "machine": 0.15, "busy": 0.1, "no_answer": 0.45}
        ],
        "ring_to_answer_s": {"dist": "lognormal", "mean": 12, "sd": 6},
        "talk_s": {"dist": "lognormal", "mean": 180, "sd": 120},
        "wrap_s": {"dist": "lognormal", "mean": 30, "sd": 10},
        "no_answer_timeout_s": 25,
        "amd": {"enabled": True, "detect_machine": 1.0, "false_positive": 0.0},
        "connect_within_s": 2,
    }
    base.update(over)
    return base


def test_result_has_exactly_the_contract_keys() -> None:
    result = simulate(scenario())
    assert (
        tuple(result)
        == RESULT_KEYS
        == (
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
    )
    assert 0 < result["occupancy"] < 1
    assert result["human_answers"] > 0
    assert result["calls_placed"] > result["human_answers"]
    assert result["mean_wait_s"] > 0
    json.dumps(result)  # plain JSON


def test_only_the_required_keys_are_needed() -> None:
    minimal = {
        k: scenario()[k]
        for k in (
            "duration_s",
            "mode",
            "agents",
            "dial_outcomes",
            "ring_to_answer_s",
            "talk_s",
            "wrap_s",
        )
    }
    parsed = parse_scenario(minimal)
    assert (parsed.seed, parsed.connect_within_s, parsed.amd_enabled) == (0, 2.0, False)
    assert parsed.no_answer_timeout_s == 25 and parsed.abandon_target == 0.025


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda s: s.update(agent_count=5), "scenario: unknown key(s) ['agent_count']"),
        (lambda s: s["agents"][0].update(skill="x"), "agents[0]: unknown key(s) ['skill']"),
        (lambda s: s["amd"].update(sensitivity=1), "amd: unknown key(s) ['sensitivity']"),
        (lambda s: s["talk_s"].update(median=3), "talk_s: unknown key(s) ['median']"),
        (lambda s: s["dial_outcomes"][0].update(fax=0.1), "dial_outcomes[0]: unknown key"),
        (lambda s: s["pauses"].append({"at_s": 1, "fraction": 0.5, "length": 3}), "pauses[0]"),
        (lambda s: s.pop("talk_s"), "scenario: missing key(s) ['talk_s']"),
        (lambda s: s.update(mode="preview"), "mode:"),
        (lambda s: s["dial_outcomes"][0].update(human=0.9), "add up to more than 1"),
        (lambda s: s["wrap_s"].update(dist="gamma"), "wrap_s.dist"),
        (lambda s: s["agents"][0].update(count=-1), "agents[0].count"),
        (lambda s: s.update(seed="x"), "seed"),
    ],
)
def test_bad_scenarios_are_refused_by_name(change: Any, message: str) -> None:
    bad = copy.deepcopy(scenario())
    change(bad)
    with pytest.raises(ScenarioError) as err:
        simulate(bad)
    assert message in str(err.value)


def test_the_command_line_writes_the_result_and_exits_2_on_a_bad_scenario(
    tmp_path: Path,
) -> None:
    good, bad, out = tmp_path / "good.json", tmp_path / "bad.json", tmp_path / "out.json"
    good.write_text(json.dumps(scenario(duration_s=600)))
    bad.write_text(json.dumps(scenario(colour="blue")))
    cmd = [sys.executable, "-m", "workers.dialer.simulate"]
    ok = subprocess.run(
        [*cmd, "--scenario", str(good), "--out", str(out)],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert ok.returncode == 0, ok.stderr
    assert list(json.loads(out.read_text())) == list(RESULT_KEYS)
    refused = subprocess.run(
        [*cmd, "--scenario", str(bad), "--out", str(tmp_path / "x.json")],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert refused.returncode == 2
    assert "unknown key(s) ['colour']" in refused.stderr
    assert not (tmp_path / "x.json").exists()


def test_the_same_seed_gives_the_same_run_and_another_seed_another() -> None:
    sc = scenario(mode="predictive", duration_s=2400)
    first = simulate(sc)
    assert simulate(copy.deepcopy(sc)) == first
    assert simulate({**sc, "seed": 12}) != first


def test_progressive_abandons_no_one_and_false_positives_are_abandoned_live_answers() -> None:
    clean = simulate(scenario(duration_s=3600))
    assert clean["abandoned"] == 0 and clean["abandon_rate"] == 0
    fp = simulate(
        scenario(
            duration_s=3600, amd={"enabled": True, "detect_machine": 1.0, "false_positive": 0.2}
        )
    )
    # progressive leaves no one waiting, so every abandon is a person AMD took for a machine
    assert fp["abandoned"] > 0
    assert fp["abandon_rate"] == pytest.approx(0.2, abs=0.08)
    assert fp["max_abandon_rate_24h"] == fp["abandon_rate"]  # a run under a day: one window


def test_paused_agents_get_no_calls() -> None:
    everyone_away = simulate(scenario(pauses=[{"at_s": 0, "fraction": 1.0, "duration_s": 1e6}]))
    assert everyone_away["calls_placed"] == 0
    assert everyone_away["occupancy"] == 0.0
    half = simulate(scenario(pauses=[{"at_s": 0, "fraction": 0.5, "duration_s": 1e6}]))
    full = simulate(scenario())
    assert 0 < half["calls_placed"] < 0.7 * full["calls_placed"]


def test_agents_work_their_shift_only() -> None:
    late = simulate(scenario(agents=[{"count": 6, "from_s": 900, "to_s": 1800}]))
    full = simulate(scenario())
    assert 0.3 * full["calls_placed"] < late["calls_placed"] < 0.7 * full["calls_placed"]
    nobody = simulate(scenario(agents=[{"count": 6, "from_s": 5000, "to_s": 6000}]))
    assert nobody["calls_placed"] == 0


def test_the_live_answer_rate_follows_the_scenario_over_time() -> None:
    sc = scenario(
        duration_s=3600,
        dial_outcomes=[
            {"from_s": 0, "human": 0.3, "machine": 0.15, "busy": 0.1, "no_answer": 0.45},
            {"from_s": 1800, "human": 0.0, "machine": 0.0, "busy": 0.0, "no_answer": 1.0},
        ],
    )
    whole = run(sc)
    assert whole.trace.answers and max(t for t, _ in whole.trace.answers) < 1800 + 60


def test_predictive_beats_progressive_within_the_cap_on_a_small_floor() -> None:
    sc = scenario(duration_s=3 * 3600, agents=[{"count": 15, "from_s": 0, "to_s": 3 * 3600}])
    progressive = simulate(sc)
    predictive = simulate({**sc, "mode": "predictive"})
    assert predictive["occupancy"] > progressive["occupancy"] + 0.03
    assert predictive["abandon_rate"] <= 0.03
    assert predictive["fallbacks"][0] == {"at_s": 0.0, "reason": "few_answers", "to": "progressive"}


class _Silent:
    """A pacer that never dials: the simulator must run any pacer it is given."""

    def __init__(self, settings: PacingSettings) -> None:
        self.seen = 0

    def decide(self, floor: FloorSnapshot) -> Decision:
        self.seen += 1
        return Decision(0, "progressive", 0.0, None, None)

    def observe_dial(self, now_s: float, result: str, ring_s: float) -> None: ...
    def observe_handling(self, now_s: float, talk_s: float, wrap_s: float) -> None: ...
    def observe_connect(self, now_s: float, wait_s: float) -> None: ...
    def observe_abandon(self, now_s: float) -> None: ...


def test_any_pacer_runs_in_the_simulator() -> None:
    silent = simulate(scenario(), _Silent)
    assert silent["calls_placed"] == 0 and silent["fallbacks"] == []
    vicidial = run(scenario(mode="predictive", duration_s=3600), VicidialAdaptHardLimit)
    assert vicidial.result["calls_placed"] > 0
    assert vicidial.trace.modes.get("predictive", 0) > 0


def test_vicidial_hard_limit_drops_the_level_to_one() -> None:
    pacer = VicidialAdaptHardLimit(PacingSettings(mode="predictive"))
    pacer.level = 2.5
    for _ in range(60):
        pacer.observe_connect(0, 0.1)
    for _ in range(3):
        pacer.observe_abandon(0)  # 3 / 63 answers: over 3 %
    pacer._calls_today = 200
    busy: list[BusyAgent] = []
    for second in range(61):  # one drop recount (60 s) and four level updates (15 s)
        pacer.decide(FloorSnapshot(float(second), 5, busy, 0, 0, 0))
    assert pacer.level == 1.0
    assert pacer.levels[-1][1] == 1.0
