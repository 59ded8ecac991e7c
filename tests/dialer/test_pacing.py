"""The pacer as a pure unit: progressive arithmetic, predictive bounds, every fallback."""

from __future__ import annotations

import random

import pytest

from workers.dialer.estimators import RateShiftDetector
from workers.dialer.pacing import (
    BusyAgent,
    FloorSnapshot,
    Ledger,
    Pacer,
    PacingSettings,
)

CLEAN = Ledger(0, 0.0, 0, 0.0)
PREDICTIVE = PacingSettings(mode="predictive")


def floor(
    now: float = 1000.0,
    ready: int = 0,
    busy: list[BusyAgent] | None = None,
    paused: int = 0,
    dialing: int = 0,
    waiting: int = 0,
    ledger: Ledger = CLEAN,
) -> FloorSnapshot:
    return FloorSnapshot(now, ready, busy or [], paused, dialing, waiting, ledger)


def dial_pattern(i: int, live_per_10: int) -> tuple[str, float]:
    """A deterministic mix: live_per_10 live answers in every 10 dials, the rest spread."""
    slot = i % 10
    if slot < live_per_10:
        return "human", 10.0 + (i * 7) % 9
    return ("no_answer", 25.0) if slot % 2 else ("busy", 3.0)


def warm(pacer: Pacer, dials: int = 300, live_per_10: int = 3, at: float = 0.0) -> float:
    """Feed a pacer enough history to leave few_answers; returns the time reached."""
    for i in range(dials):
        result, ring = dial_pattern(i, live_per_10)
        at += 1.0
        pacer.observe_dial(at, result, ring)
    for i in range(60):
        pacer.observe_handling(at, 90.0 + (i * 37) % 180, 20.0 + (i * 11) % 20)
    return at


def about_to_be_free(count: int) -> list[BusyAgent]:
    """Agents deep in wrap-up: the handling history says they are free within seconds."""
    return [BusyAgent("wrap_up", 38.5) for _ in range(count)]


def warmed() -> tuple[Pacer, float]:
    pacer = Pacer(PREDICTIVE)
    return pacer, warm(pacer)


# -- progressive ----------------------------------------------------------------------------


def test_progressive_places_one_line_per_ready_agent_and_never_more() -> None:
    pacer = Pacer(PacingSettings(mode="progressive"))
    rng = random.Random(7)  # noqa: S311 (a seeded test, not a secret)
    for step in range(2000):
        ready, dialing, waiting = rng.randrange(0, 30), rng.randrange(0, 30), rng.randrange(0, 5)
        busy = [BusyAgent("talking", rng.uniform(0, 600)) for _ in range(rng.randrange(0, 30))]
        snap = floor(step, ready, busy, rng.randrange(0, 10), dialing, waiting)
        decision = pacer.decide(snap)
        assert decision.place == max(0, ready - dialing - waiting)
        assert decision.fallback_reason is None
        assert decision.effective_mode in ("progressive", "no_agents")
    assert pacer.fallbacks == []


def test_progressive_never_dials_without_a_ready_agent() -> None:
    pacer = Pacer(PacingSettings(mode="progressive"))
    decision = pacer.decide(floor(ready=0, busy=about_to_be_free(10), paused=3))
    assert decision.place == 0
    assert decision.effective_mode == "progressive"
    nobody = pacer.decide(floor(ready=0, paused=12))
    assert (nobody.place, nobody.effective_mode, nobody.dial_ratio) == (0, "no_agents", 0.0)


# -- predictive -------------------------------------------------------------------------------


def test_predictive_dials_ahead_for_agents_about_to_be_free_within_its_bounds() -> None:
    pacer, now = warmed()
    decision = pacer.decide(floor(now, ready=2, busy=about_to_be_free(18)))
    assert decision.effective_mode == "predictive"
    assert decision.fallback_reason is None
    assert decision.place > 2  # more than progressive would
    assert decision.place <= 3 * 20  # max_lines_per_agent
    assert decision.live_answer_rate == pytest.approx(0.3, abs=0.02)
    # the lines in progress count: with the floor already full of lines, it adds none
    full = pacer.decide(floor(now + 1, ready=2, busy=about_to_be_free(18), dialing=60))
    assert full.place == 0


def test_max_lines_per_agent_bounds_predictive() -> None:
    pacer = Pacer(PacingSettings(mode="predictive", max_lines_per_agent=1.0))
    now = warm(pacer)
    for dialing in range(0, 25):
        decision = pacer.decide(floor(now, ready=20, busy=about_to_be_free(5), dialing=dialing))
        assert dialing + decision.place <= max(25, dialing)


def test_predictive_never_counts_paused_agents() -> None:
    pacer_a, now = warmed()
    pacer_b, _ = warmed()
    busy = about_to_be_free(8) + [BusyAgent("talking", 40.0 * i) for i in range(8)]
    for step in range(50):
        a = pacer_a.decide(floor(now + step, ready=step % 4, busy=busy, paused=0, dialing=3))
        b = pacer_b.decide(floor(now + step, ready=step % 4, busy=busy, paused=40, dialing=3))
        assert a == b


def test_predictive_stops_when_no_agent_is_ready_or_about_to_be() -> None:
    pacer, now = warmed()
    # everyone just started talking: nobody will be free while a new line rings
    just_started = [BusyAgent("talking", 1.0) for _ in range(20)]
    decision = pacer.decide(floor(now, ready=0, busy=just_started, paused=5))
    assert decision.place == 0
    assert decision.effective_mode == "predictive"
    gone = pacer.decide(floor(now + 1, ready=0, busy=[], paused=20))
    assert (gone.place, gone.effective_mode) == (0, "no_agents")


def test_the_same_observations_give_the_same_decisions() -> None:
    def script() -> list[tuple[int, str]]:
        pacer, now = warmed()
        out = []
        for step in range(200):
            busy = [
                BusyAgent("wrap_up" if i % 3 else "talking", (step * 3 + i * 17) % 200)
                for i in range(15)
            ]
            if step % 7 == 0:
                pacer.observe_abandon(now + step)
            else:
                pacer.observe_connect(now + step, 0.4)
            d = pacer.decide(floor(now + step, ready=step % 3, busy=busy, dialing=step % 11))
            out.append((d.place, d.effective_mode))
        return out

    assert script() == script()


# -- fallbacks --------------------------------------------------------------------------------


def test_few_answers_until_the_window_has_enough_live_answers() -> None:
    pacer = Pacer(PREDICTIVE)
    first = pacer.decide(floor(0, ready=10, busy=about_to_be_free(10)))
    assert (first.effective_mode, first.fallback_reason) == ("progressive", "few_answers")
    assert first.place == 10  # progressive: one line per ready agent
    now = warm(pacer)
    back = pacer.decide(floor(now, ready=10, busy=about_to_be_free(10)))
    assert (back.effective_mode, back.fallback_reason) == ("predictive", None)
    assert pacer.fallbacks == [
        {"at_s": 0, "reason": "few_answers", "to": "progressive"},
        {"at_s": now, "reason": "few_answers", "to": "predictive"},
    ]


def test_few_finished_calls_is_few_answers_too() -> None:
    pacer = Pacer(PREDICTIVE)
    for i in range(300):
        pacer.observe_dial(float(i), *dial_pattern(i, 3))
    decision = pacer.decide(floor(400, ready=10, busy=about_to_be_free(10)))
    assert decision.fallback_reason == "few_answers"


def test_min_agents_counts_ready_and_busy_never_paused() -> None:
    pacer, now = warmed()  # predictive_min_agents = 5
    few = pacer.decide(floor(now, ready=1, busy=about_to_be_free(3), paused=30))
    assert (few.effective_mode, few.fallback_reason, few.place) == ("progressive", "min_agents", 1)
    enough = pacer.decide(floor(now + 1, ready=1, busy=about_to_be_free(4), paused=30))
    assert (enough.effective_mode, enough.fallback_reason) == ("predictive", None)
    assert pacer.fallbacks[-2:] == [
        {"at_s": now, "reason": "min_agents", "to": "progressive"},
        {"at_s": now + 1, "reason": "min_agents", "to": "predictive"},
    ]


@pytest.mark.parametrize("later_per_10", [6, 1])
def test_a_sudden_shift_of_the_live_answer_rate_falls_back(later_per_10: int) -> None:
    pacer, now = warmed()
    assert pacer.decide(floor(now, ready=5, busy=about_to_be_free(10))).fallback_reason is None
    seen = None
    for i in range(400):
        now += 1
        pacer.observe_dial(now, *dial_pattern(i, later_per_10))
        d = pacer.decide(floor(now, ready=5, busy=about_to_be_free(10)))
        if d.fallback_reason == "rate_shift":
            seen = i
            assert d.effective_mode == "progressive"
            assert d.place == 5
            break
    assert seen is not None and seen < 250, "the change detector should fire within 250 dials"
    # the new rate is learnt from what came after the change, then predictive resumes
    for i in range(400):
        now += 1
        pacer.observe_dial(now, *dial_pattern(i, later_per_10))
    back = pacer.decide(floor(now, ready=5, busy=about_to_be_free(10)))
    assert back.fallback_reason is None
    assert back.live_answer_rate == pytest.approx(later_per_10 / 10, abs=0.05)
    reasons = [(f["reason"], f["to"]) for f in pacer.fallbacks]
    assert ("rate_shift", "progressive") in reasons
    assert reasons[-1] == ("rate_shift", "predictive")


def test_a_steady_rate_raises_no_false_alarm() -> None:
    detector = RateShiftDetector()
    rng = random.Random(3)  # noqa: S311 (a seeded test, not a secret)
    alarms = sum(detector.add(rng.random() < 0.3, 0.3) is not None for _ in range(20000))
    assert alarms == 0


@pytest.mark.parametrize(
    ("ledger", "reason"),
    [
        (Ledger(100, 3.0, 5000, 10.0), "abandon_cap"),  # 24 h at 3 %
        (Ledger(1000, 5.0, 5000, 151.0), "abandon_cap"),  # 30 d at 3.02 %
        (Ledger(1000, 26.0, 5000, 30.0), "abandon_target"),  # 24 h at 2.6 %
        (Ledger(1000, 10.0, 5000, 126.0), "abandon_target"),  # 30 d at 2.52 %
    ],
)
def test_the_ledger_at_target_or_cap_stops_predictive(ledger: Ledger, reason: str) -> None:
    pacer, now = warmed()
    busy = about_to_be_free(30)
    free = pacer.decide(floor(now, ready=4, busy=busy, dialing=2))
    assert free.place > 2
    capped = pacer.decide(floor(now + 1, ready=4, busy=busy, dialing=2, ledger=ledger))
    assert (capped.effective_mode, capped.fallback_reason) == ("progressive", reason)
    assert capped.place == 2  # progressive: 4 ready - 2 lines already ringing
    # the stop holds a minute (no flapping at the boundary), then predictive resumes
    held = pacer.decide(floor(now + 30, ready=4, busy=busy, dialing=2))
    assert held.fallback_reason == reason
    clean = pacer.decide(floor(now + 62, ready=4, busy=busy, dialing=2))
    assert clean.fallback_reason is None
    assert [f["reason"] for f in pacer.fallbacks[-2:]] == [reason, reason]


def test_a_target_of_zero_means_progressive() -> None:
    # campaigns_abandon_rates allows abandon_target = 0: such a campaign is dialled, never ahead.
    pacer = Pacer(PacingSettings(mode="predictive", abandon_target=0.0, abandon_cap=0.03))
    now = warm(pacer)
    decision = pacer.decide(floor(now, ready=4, busy=about_to_be_free(30), dialing=1))
    assert (decision.effective_mode, decision.fallback_reason) == ("progressive", "abandon_target")
    assert decision.place == 3


def test_the_cap_wins_over_every_other_reason() -> None:
    pacer = Pacer(PREDICTIVE)  # no history, and below the minimum of agents
    d = pacer.decide(floor(0, ready=2, ledger=Ledger(50, 2.0, 50, 2.0)))
    assert d.fallback_reason == "abandon_cap"


HEALTHY = Ledger(5000, 50.0, 50000, 500.0)  # 1 %: plenty of abandon budget


def steady(connects: int = 400) -> tuple[Pacer, float]:
    """A warmed pacer that connected `connects` live answers in the last hour."""
    pacer, now = warmed()
    for i in range(connects):
        pacer.observe_connect(now - 3000 + i, 0.3)
    return pacer, now


def uncertain() -> list[BusyAgent]:
    return [BusyAgent("talking", 30.0 + 7 * i) for i in range(25)]


def test_abandons_seen_by_the_pacer_tighten_it() -> None:
    calm, now = steady()
    shaken, _ = steady()
    busy = uncertain()
    for pacer in (calm, shaken):
        first = pacer.decide(floor(now - 61, ready=3, busy=busy, ledger=HEALTHY))
        assert (first.effective_mode, first.place) == ("predictive", 4)
    for i in range(12):
        shaken.observe_abandon(now - 60 + i)
    a = calm.decide(floor(now, ready=3, busy=busy, ledger=HEALTHY))
    b = shaken.decide(floor(now, ready=3, busy=busy, ledger=HEALTHY))
    assert b.effective_mode == a.effective_mode == "predictive"
    assert b.place < a.place


def test_outcomes_of_progressive_lines_do_not_steer_the_model() -> None:
    before, now = steady()
    after, _ = steady()
    busy = uncertain()
    assert after.decide(floor(now, ready=3, busy=busy, ledger=HEALTHY)).place == 4
    few = after.decide(floor(now + 1, ready=1, busy=busy[:2], ledger=HEALTHY))
    assert few.effective_mode == "progressive"  # min_agents
    for i in range(3):
        after.observe_abandon(now + 2 + i)
    a = before.decide(floor(now + 20, ready=3, busy=busy, ledger=HEALTHY))
    b = after.decide(floor(now + 20, ready=3, busy=busy, ledger=HEALTHY))
    assert a.place == b.place == 4


def test_an_empty_abandon_budget_holds_predictive_back() -> None:
    busy = uncertain() + [BusyAgent("wrap_up", 10.0 + i) for i in range(10)]
    nearly = Ledger(5000, 124.0, 50000, 500.0)  # 2.48 %: under the target, one abandon left
    pacer, now = steady()
    roomy = pacer.decide(floor(now, ready=3, busy=busy, ledger=HEALTHY))
    pacer, now = steady()
    tight = pacer.decide(floor(now, ready=3, busy=busy, ledger=nearly))
    assert tight.effective_mode == "predictive"
    assert tight.place < roomy.place
    assert tight.place >= 3  # never fewer lines than progressive


def test_settings_and_results_are_checked() -> None:
    with pytest.raises(ValueError, match="mode"):
        PacingSettings(mode="preview")
    with pytest.raises(ValueError, match="abandon_target"):
        PacingSettings(mode="predictive", abandon_target=0.04, abandon_cap=0.03)
    with pytest.raises(ValueError, match="result"):
        Pacer(PREDICTIVE).observe_dial(0.0, "voicemail", 3.0)
