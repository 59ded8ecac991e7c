"""The dialer's nailed-up agent channels (workers/dialer: Originate with
`Variable: CRM_DIALER_SESSION=<id>`, live all shift in the agent's conference) are not calls:
the bridge never makes a `calls` row of them, and the lead's channel that joins such a
conference keeps its own call even if Asterisk hands it the session's older Linkedid."""

from __future__ import annotations

import uuid

from tests.ami_bridge.test_model import event, snap
from workers.ami_bridge.model import CallModel, ModelConfig

SESSION = str(uuid.uuid4())
ATTEMPT = str(uuid.uuid4())
CALL_ID = str(uuid.uuid4())
AGENT = ("PJSIP/1005-0000000a", SESSION)
LEAD = ("PJSIP/trunk-0000000b", ATTEMPT)


def session_events(t: float) -> list:
    return [
        event("Newchannel", t, *snap(*AGENT, SESSION, state=0, exten="s")),
        event("VarSet", t + 0.001, *snap(*AGENT, SESSION, state=0),
              ("Variable", "CRM_DIALER_SESSION"), ("Value", SESSION)),
        event("Newstate", t + 1, *snap(*AGENT, SESSION, state=6)),
        event("BridgeEnter", t + 1.1, ("BridgeUniqueid", "b1"), ("BridgeNumChannels", "1"),
              *snap(*AGENT, SESSION)),
    ]


def lead_events(t: float, linkedid_in_bridge: str) -> list:
    return [
        event("Newchannel", t, *snap(*LEAD, ATTEMPT, state=0, exten="s", cid="34600111222")),
        event("VarSet", t + 0.001, *snap(*LEAD, ATTEMPT, state=0),
              ("Variable", "CRM_CALL_ID"), ("Value", CALL_ID)),
        event("Newstate", t + 5, *snap(*LEAD, ATTEMPT, state=6)),
        event("BridgeEnter", t + 8, ("BridgeUniqueid", "b1"), ("BridgeNumChannels", "2"),
              *snap(*LEAD, linkedid_in_bridge)),
        event("Hangup", t + 60, *snap(*LEAD, linkedid_in_bridge), ("Cause", "16")),
    ]


def rows_of(events: list) -> dict[str, object]:
    model = CallModel(ModelConfig(trunk_endpoints=frozenset({"trunk"})))
    for item in events:
        model.apply(item)
    return {row.pbx_linkedid: row for row in model.take_changed()}


def test_a_dialer_session_channel_never_becomes_a_call_row() -> None:
    t = 1_765_000_000.0
    ended = event("Hangup", t + 3600, *snap(*AGENT, SESSION), ("Cause", "16"))
    assert rows_of([*session_events(t), ended]) == {}


def test_the_session_is_dropped_even_when_its_variable_comes_after_other_events() -> None:
    t = 1_765_000_000.0
    first, var, up, bridge = session_events(t)
    model = CallModel()
    for item in (first, up):
        model.apply(item)
    assert model.open_channels() == {SESSION: SESSION}
    for item in (var, bridge):
        model.apply(item)
    assert model.open_channels() == {}
    assert model.take_changed() == []


def test_the_leads_call_keeps_its_own_row_in_the_agents_conference() -> None:
    t = 1_765_000_000.0
    for linkedid in (ATTEMPT, SESSION):  # whether or not Asterisk propagates the Linkedid
        rows = rows_of([*session_events(t), *lead_events(t + 100, linkedid)])
        assert list(rows) == [ATTEMPT], linkedid
        row = rows[ATTEMPT]
        assert row.crm_call_id == CALL_ID and row.ended_at is not None


def test_other_variables_and_calls_are_untouched() -> None:
    t = 1_765_000_000.0
    rows = rows_of(lead_events(t, ATTEMPT))
    assert list(rows) == [ATTEMPT] and rows[ATTEMPT].crm_call_id == CALL_ID
