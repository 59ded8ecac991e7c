"""The presence worker's decisions (workers/presence/tracker.py), fed as the watcher feeds them:
no stack, times given explicitly."""

from __future__ import annotations

from workers.presence.tracker import UNKNOWN, Offline, Online, Tracker, valid_presences

A = "00000000-0000-4000-a000-0000000000a1"
B = "00000000-0000-4000-a000-0000000000b2"
C1, C2 = "c1", "c2"


def tracker(*rows, grace=5.0, settle=10.0) -> Tracker:
    t = Tracker(grace=grace, settle=settle)
    t.set_roster(rows or [(A, [C1], "available"), (B, [C1, C2], "paused")])
    return t


def presence(agent: str, ref: str = "r1", **meta) -> dict:
    return {"presence_ref": ref, "agent_id": agent, **meta}


def test_nobody_is_judged_before_their_channels_are_joined_and_settled():
    t = tracker()
    assert t.decide(100) == []
    t.channel_joined(C1, 100)
    assert t.decide(200) == []
    assert t.decide(205) == [Offline(A, 200)], "not B: their other channel is not joined"
    t = tracker()
    t.channel_joined(C1, 100)
    t.channel_joined(C2, 100)
    assert t.decide(104) == []
    assert t.decide(109) == [], "absent for the grace, but the channels joined less than settle ago"
    assert t.decide(110) == [Offline(A, 104), Offline(B, 104)], "absent since first seen so"


def test_a_leave_counts_from_when_it_happened_and_a_return_within_the_grace_forgets_it():
    t = tracker()
    for c in (C1, C2):
        t.channel_joined(c, 0)
    t.set_present(C1, {A, B}, 20)
    assert t.decide(21) == []
    t.set_present(C1, {B}, 30)  # A closes the tab
    assert t.decide(34.9) == []
    assert t.decide(35) == [Offline(A, 30)]
    t.set_present(C1, {A, B}, 33)  # ... unless it reloaded in time
    assert t.decide(36) == []
    assert t.absent_since == {}


def test_present_on_any_campaign_is_present():
    t = tracker()
    for c in (C1, C2):
        t.channel_joined(c, 0)
    t.set_present(C1, {A, B}, 20)
    t.set_present(C2, {B}, 20)
    t.set_present(C1, {A}, 30)
    assert t.decide(100) == [], "B is still on C2"
    t.set_present(C2, set(), 40)
    assert t.decide(44) == [] and t.decide(45) == [Offline(B, 40)]


def test_offline_and_back():
    t = tracker()
    for c in (C1, C2):
        t.channel_joined(c, 0)
    t.set_present(C1, {B}, 20)
    assert t.decide(20) == []
    [decision] = t.decide(30)
    assert decision == Offline(A, 20)
    t.applied(decision, True)
    assert t.agents[A].state == "offline"
    assert t.decide(100) == [], "marked once"
    t.set_present(C1, {A, B}, 101)
    [decision] = t.decide(101)
    assert decision == Online(A)
    t.applied(decision, "available")
    assert t.agents[A].state == "available" and t.decide(102) == []
    t.applied(Online(A), None)
    assert t.agents[A].state == UNKNOWN, "not offline any more, state unknown until the roster"


def test_agents_who_never_published_or_are_offline_already_are_left_alone():
    t = tracker((A, [C1], None), (B, [C1], "offline"))
    t.channel_joined(C1, 0)
    assert t.decide(100) == []


def test_a_channel_going_down_suspends_judgement_and_its_rejoin_settles_again():
    t = tracker()
    for c in (C1, C2):
        t.channel_joined(c, 0)
    t.set_present(C1, {A, B}, 20)
    t.channel_down(C1)  # Realtime restarting
    assert t.decide(100) == []
    t.channel_joined(C1, 100)
    t.set_present(C1, {B}, 101)  # the fresh state: A did not come back
    assert t.decide(105) == [], "within the settle time"
    assert t.decide(110) == [Offline(A, 105)]


def test_the_roster_replaces_agents_and_campaigns():
    t = tracker()
    assert t.campaigns() == {C1, C2}
    t.channel_joined(C1, 0)
    t.decide(5)
    t.set_roster([(B, [C2], "available")])
    assert t.campaigns() == {C2} and A not in t.absent_since


def test_valid_presences():
    state = {
        A: [presence(A, "r1", online_at="x"), presence(B, "r2")],
        B.upper(): [presence(B.upper(), "r3")],
        "not-a-uuid": [presence(A, "r4")],
        "00000000-0000-4000-a000-0000000000c3": [{"presence_ref": "r5", "online_at": 1}],
    }
    present, malformed = valid_presences(C1, state)
    assert present == {A, B}
    assert {(m.key, m.presence_ref, m.why) for m in malformed} == {
        ("00000000-0000-4000-a000-0000000000c3", "r5", "meta has no agent_id"),
        (A, "r2", "meta.agent_id is not the key"),
        ("not-a-uuid", "r4", "key is not a uuid"),
    }
