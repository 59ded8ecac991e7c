"""The call model: each recorded sequence gives exactly its row, whatever the order or
repetition of its events; outcomes, causes and who hung up follow the documented mapping."""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterable

import pytest

from tests.ami_bridge.rows import as_stored
from workers.ami_bridge.events import AmiEvent, Frame, parse_frame
from workers.ami_bridge.model import (
    CALL_ID_NAMESPACE,
    CAUSE_OUTCOMES,
    CallModel,
    ModelConfig,
    parse_channel_name,
    to_e164,
)


# ------------------------------------------------------------- synthetic events
def event(
    name: str, t: float | None, *fields: tuple[str, str], received_at: float = 0.0
) -> AmiEvent:
    head = [("Event", name), ("Privilege", "call,all")]
    if t is not None:
        head.append(("Timestamp", f"{t:.6f}"))
    item = parse_frame(Frame(tuple(head + list(fields))), received_at)
    assert isinstance(item, AmiEvent), item
    return item


def snap(
    channel: str,
    uid: str,
    linkedid: str,
    state: int = 6,
    exten: str = "s",
    cid: str = "<unknown>",
    prefix: str = "",
) -> list[tuple[str, str]]:
    values = [
        ("Channel", channel),
        ("ChannelState", str(state)),
        ("CallerIDNum", cid),
        ("Context", "from-agents"),
        ("Exten", exten),
        ("Uniqueid", uid),
        ("Linkedid", linkedid),
    ]
    return [(prefix + k, v) for k, v in values]


LEAD = "+34600111222"
Leg = tuple[str, str]  # (channel name, uniqueid)


class Call:
    """A synthetic outbound call agent -> trunk, written event by event."""

    def __init__(self, linkedid: str = "1732470000.1", t0: float = 1732470000.25) -> None:
        seq = int(linkedid.split(".")[1])
        self.linkedid = linkedid
        self.t0 = t0
        self.agent: Leg = ("PJSIP/agent1001-00000a01", linkedid)
        self.trunk: Leg = ("PJSIP/trunk-00000a02", f"{linkedid.split('.')[0]}.{seq + 1}")
        self.events: list[AmiEvent] = []

    def on(self, leg: Leg, state: int = 6) -> list[tuple[str, str]]:
        return snap(leg[0], leg[1], self.linkedid, state, LEAD, "1001")

    def add(self, name: str, dt: float, leg: Leg, *extra: tuple[str, str], state: int = 6) -> Call:
        self.events.append(event(name, self.t0 + dt, *self.on(leg, state), *extra))
        return self

    def dial(self, name: str, dt: float, *extra: tuple[str, str]) -> Call:
        dest = snap(self.trunk[0], self.trunk[1], self.linkedid, 0, LEAD, LEAD, prefix="Dest")
        self.events.append(event(name, self.t0 + dt, *self.on(self.agent, 4), *dest, *extra))
        return self

    def start(self) -> Call:
        self.add("Newchannel", 0.0, self.agent, state=4)
        self.add("Newchannel", 0.05, self.trunk, state=0)
        return self.dial("DialBegin", 0.06, ("DialString", f"{LEAD}@trunk"))

    def answered(self, at: float = 5.0) -> Call:
        self.add("Newstate", at, self.trunk, state=6)
        self.dial("DialEnd", at + 0.001, ("DialStatus", "ANSWER"))
        return self.add("Newstate", at + 0.002, self.agent, state=6)

    def hangups(self, at: float, cause: int = 16) -> Call:
        self.add("Hangup", at, self.trunk, ("Cause", str(cause)), ("Cause-txt", "x"))
        return self.add("Hangup", at + 0.01, self.agent, ("Cause", str(cause)), ("Cause-txt", "x"))


def rows_of(events: Iterable[AmiEvent], config: ModelConfig | None = None) -> dict[str, dict]:
    model = CallModel(config)
    for e in events:
        model.apply(e)
    return {row.pbx_linkedid: as_stored(row) for row in model.take_changed()}


# ------------------------------------------------------------- recorded sequences
def test_sequence_produces_exactly_its_row(
    scenario_name: str, scenario, parse_frames, fold_rows
) -> None:
    case = scenario(scenario_name)
    rows = fold_rows(parse_frames(case.frames), case.config)
    assert list(rows.values()) == case.rows


def test_replaying_twice_changes_nothing(scenario_name: str, scenario, parse_frames) -> None:
    case = scenario(scenario_name)
    events = parse_frames(case.frames)
    model = CallModel(case.config)
    for e in events:
        model.apply(e)
    first = [as_stored(row) for row in model.take_changed()]
    for e in events:
        model.apply(e)
    assert model.take_changed() == []  # nothing new to write
    assert [as_stored(model.row(r["pbx_linkedid"])) for r in first] == case.rows


def test_duplicated_events_give_the_same_row(scenario_name: str, scenario, parse_frames, fold_rows):
    case = scenario(scenario_name)
    events = [e for e in parse_frames(case.frames) for _ in range(2)]
    assert list(fold_rows(events, case.config).values()) == case.rows


@pytest.mark.parametrize("seed", range(5))
def test_reordered_events_give_the_same_row(
    scenario_name: str, seed: int, scenario, parse_frames, fold_rows
) -> None:
    case = scenario(scenario_name)
    events = parse_frames(case.frames)
    rng = random.Random(seed)  # noqa: S311 - reproducible orderings, not secrets
    nearby = list(events)  # slightly out of order: neighbours swapped
    for i in range(len(nearby) - 1):
        if rng.random() < 0.5:
            nearby[i], nearby[i + 1] = nearby[i + 1], nearby[i]
    shuffled = list(events)  # and any order at all, Cdr first included
    rng.shuffle(shuffled)
    assert list(fold_rows(nearby, case.config).values()) == case.rows
    assert list(fold_rows(shuffled, case.config).values()) == case.rows


def test_cdr_before_the_last_hangup_and_a_duplicated_hangup(scenario, parse_frames, fold_rows):
    case = scenario("outbound_answered_recorded")
    events = parse_frames(case.frames)
    cdr = events[-1]
    last_hangup = events[-2]
    assert (cdr.name, last_hangup.name) == ("Cdr", "Hangup")
    events = [*events[:-2], cdr, last_hangup, last_hangup]
    assert list(fold_rows(events, case.config).values()) == case.rows


def test_interleaved_calls(all_scenarios, parse_frames, fold_rows) -> None:
    cases = all_scenarios
    streams = [parse_frames(case.frames) for case in cases]
    expected = {row["pbx_linkedid"]: row for case in cases for row in case.rows}
    # As Asterisk would send them: every call's events merged by time.
    by_time = sorted((e for s in streams for e in s), key=lambda e: e.time)
    assert fold_rows(by_time) == expected
    # Round-robin, one event of each call in turn: calls overlap in any way at all.
    round_robin = [s[i] for i in range(max(map(len, streams))) for s in streams if i < len(s)]
    assert fold_rows(round_robin) == expected


def test_rows_follow_the_call_as_it_happens(scenario, parse_frames) -> None:
    case = scenario("outbound_answered_recorded")
    model = CallModel(case.config)
    seen = []
    for e in parse_frames(case.frames):
        model.apply(e)
        for row in model.take_changed():
            seen.append((row.status, row.outcome))
    statuses = [status for status, _ in seen]
    assert statuses[0] == "calling"
    assert statuses.index("calling") < statuses.index("ringing") < statuses.index("confirmed")
    assert statuses[-1] == "ended"
    assert all(outcome is None for status, outcome in seen if status != "ended")
    assert model.is_complete("1732460000.42") and model.open_calls() == []


def test_call_is_complete_only_when_every_channel_hung_up() -> None:
    call = Call().start().answered()
    call.add("Hangup", 30.0, call.trunk, ("Cause", "16"))
    model = CallModel()
    for e in call.events:
        model.apply(e)
    assert not model.is_complete(call.linkedid)
    row = model.row(call.linkedid)
    assert (row.status, row.outcome, row.ended_at) == ("confirmed", None, None)
    assert model.open_channels() == {call.agent[1]: call.linkedid}
    model.apply(event("Hangup", call.t0 + 30.01, *call.on(call.agent), ("Cause", "16")))
    assert model.row(call.linkedid).status == "ended"


# ----------------------------------------------------------- outcome and cause mapping
@pytest.mark.parametrize(("cause", "outcome"), sorted(CAUSE_OUTCOMES.items()))
def test_callee_cause_decides_the_outcome(cause: int, outcome: str) -> None:
    # app_dial reports causes it has no word for as NOANSWER: the cause must win.
    call = Call().start()
    call.add("HangupRequest", 2.0, call.trunk, ("Cause", str(cause)), state=0)
    call.dial("DialEnd", 2.001, ("DialStatus", "NOANSWER"))
    call.hangups(2.002, cause)
    row = rows_of(call.events)[call.linkedid]
    assert (row["outcome"], row["hangup_cause"]) == (outcome, cause)
    assert row["hangup_by"] == ("lead" if outcome == "busy" else "system")


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        ("BUSY", "busy"),
        ("NOANSWER", "no_answer"),
        ("CONGESTION", "congestion"),
        ("CHANUNAVAIL", "failed"),
        ("CANCEL", "cancelled"),
        ("DONTCALL", "failed"),
    ],
)
def test_dial_status_decides_when_the_cause_says_nothing(status: str, outcome: str) -> None:
    call = Call().start()
    call.dial("DialEnd", 30.0, ("DialStatus", status))
    call.hangups(30.01, 16)
    assert rows_of(call.events)[call.linkedid]["outcome"] == outcome


def test_cdr_disposition_is_the_last_resort() -> None:
    call = Call().start().hangups(3.0, 0)
    call.events.append(
        event(
            "Cdr",
            call.t0 + 3.1,
            ("Channel", call.agent[0]),
            ("DestinationChannel", call.trunk[0]),
            ("StartTime", "2024-11-24 17:20:00"),
            ("AnswerTime", ""),
            ("EndTime", "2024-11-24 17:20:03"),
            ("Duration", "3"),
            ("BillableSeconds", "0"),
            ("Disposition", "BUSY"),
            ("UniqueID", call.agent[1]),
        )
    )
    assert rows_of(call.events)[call.linkedid]["outcome"] == "busy"


def test_nothing_known_means_failed() -> None:
    call = Call().start().hangups(3.0, 0)
    assert rows_of(call.events)[call.linkedid]["outcome"] == "failed"


def test_caller_hanging_up_before_any_dial_result_is_cancelled() -> None:
    call = Call().start()
    call.add("HangupRequest", 4.0, call.agent, ("Cause", "127"), state=4)
    call.hangups(4.01, 127)
    row = rows_of(call.events)[call.linkedid]
    assert (row["outcome"], row["hangup_by"]) == ("cancelled", "agent")


@pytest.mark.parametrize(("who", "hangup_by"), [("agent", "agent"), ("trunk", "lead")])
def test_who_hung_up_an_answered_call(who: str, hangup_by: str) -> None:
    call = Call().start().answered()
    call.add("HangupRequest", 60.0, getattr(call, who))
    call.add("SoftHangupRequest", 60.005, call.agent, ("Cause", "16"))  # Hangup() in dialplan
    call.hangups(60.01)
    assert rows_of(call.events)[call.linkedid]["hangup_by"] == hangup_by


def test_asterisk_hanging_up_an_answered_call_is_the_system() -> None:
    call = Call().start().answered()
    call.add("SoftHangupRequest", 60.0, call.agent, ("Cause", "16"))  # AMI Hangup action
    call.hangups(60.01)
    assert rows_of(call.events)[call.linkedid]["hangup_by"] == "system"


def test_answer_is_the_callee_s_not_the_caller_s() -> None:
    # The dialplan answers the agent's leg early (e.g. to play a prompt): not an answer.
    call = Call().start()
    call.add("Newstate", 1.0, call.agent, state=6)
    call.dial("DialEnd", 20.0, ("DialStatus", "NOANSWER"))
    call.hangups(20.01, 0)
    row = rows_of(call.events)[call.linkedid]
    assert (row["answered_at"], row["outcome"], row["talk_seconds"]) == (None, "no_answer", 0)


def test_times_and_durations() -> None:
    call = Call(t0=1732470000.25).start().answered(at=7.9)
    call.add("HangupRequest", 67.95, call.trunk)
    call.hangups(67.96)
    row = rows_of(call.events)[call.linkedid]
    assert row["started_at"] == "2024-11-24T17:40:00.250000+00:00"
    assert row["answered_at"] == "2024-11-24T17:40:08.150000+00:00"
    assert row["ended_at"] == "2024-11-24T17:41:08.220000+00:00"
    assert (row["ring_seconds"], row["talk_seconds"], row["duration_seconds"]) == (7, 60, 67)


# --------------------------------------------------------------- identity and matching
def test_call_without_a_crm_id_gets_a_stable_id() -> None:
    rows = rows_of(Call().start().answered().hangups(30).events)
    [row] = rows.values()
    assert row["id"] == str(uuid.uuid5(CALL_ID_NAMESPACE, "asterisk:1732470000.1"))
    assert (row["source"], row["crm_call_id"]) == ("pbx", None)


def test_crm_call_id_must_be_a_uuid() -> None:
    call = Call().start()
    call.add("VarSet", 0.01, call.agent, ("Variable", "CRM_CALL_ID"), ("Value", "'; drop"))
    call.hangups(1.0)
    assert rows_of(call.events)[call.linkedid]["source"] == "pbx"


def test_inherited_crm_call_id_variable_is_recognised() -> None:
    crm = "0d1e2f30-4a5b-4c6d-8e7f-8091a2b3c4d5"
    call = Call().start()
    call.add("VarSet", 0.01, call.trunk, ("Variable", "__CRM_CALL_ID"), ("Value", crm.upper()))
    call.hangups(1.0)
    row = rows_of(call.events)[call.linkedid]
    assert (row["id"], row["crm_call_id"], row["source"]) == (crm, crm, "webphone")


def test_agent_to_agent_calls_are_not_lead_calls() -> None:
    lid = "1732470100.5"
    events = [
        event("Newchannel", 1732470100.1, *snap("PJSIP/agent1001-00000b01", lid, lid, 4, "1004")),
        event("Hangup", 1732470101.1, *snap("PJSIP/agent1001-00000b01", lid, lid), ("Cause", "16")),
    ]
    assert rows_of(events) == {}


def test_a_leg_moves_to_the_oldest_linkedid() -> None:
    """An attended transfer: the consult call's leg joins the lead's call (older Linkedid)."""
    call = Call().start().answered()
    consult, target = "1732470020.9", ("PJSIP/agent1004-00000a09", "1732470020.10")
    agent2 = ("PJSIP/agent1001-00000a08", consult)
    call.events += [
        event("Newchannel", 1732470020.3, *snap(*agent2, consult, 4, "1004")),
        event("Newchannel", 1732470020.4, *snap(*target, consult, 0)),
        event("Newstate", 1732470024.0, *snap(*target, consult, 6)),
        # The transfer completes: the target now carries the lead call's Linkedid.
        event("BridgeEnter", 1732470030.0, ("BridgeUniqueid", "b1"), *snap(*target, call.linkedid)),
        event("Hangup", 1732470030.1, *snap(*agent2, consult), ("Cause", "16")),
        event("Hangup", 1732470030.2, *snap(*call.agent, call.linkedid), ("Cause", "16")),
        event("HangupRequest", 1732470090.0, *snap(*call.trunk, call.linkedid)),
        event("Hangup", 1732470090.1, *snap(*call.trunk, call.linkedid), ("Cause", "16")),
        event("Hangup", 1732470090.2, *snap(*target, call.linkedid), ("Cause", "16")),
    ]
    for order in (call.events, list(reversed(call.events))):
        model = CallModel()
        for e in order:
            model.apply(e)
        rows = {row.pbx_linkedid: row for row in model.take_changed()}
        assert list(rows) == [call.linkedid]  # the consult call is agent-only: no row
        row = rows[call.linkedid]
        assert (row.status, row.hangup_by) == ("ended", "lead")
        assert row.ended_at.timestamp() == pytest.approx(1732470090.2)
        assert model.open_calls() == []


def test_inbound_phone_number_in_national_format() -> None:
    lid = "1732470200.1"
    trunk = snap("PJSIP/trunk-00000c01", lid, lid, 4, "910000100", "911222333")
    events = [
        event("Newchannel", 1732470200.1, *trunk),
        event("HangupRequest", 1732470202.9, *trunk, ("Cause", "16")),  # gives up in the IVR
        event("Hangup", 1732470203.0, *trunk, ("Cause", "16")),
    ]
    row = rows_of(events, ModelConfig(default_country_code="34"))[lid]
    assert (row["direction"], row["phone_number"], row["outcome"]) == (
        "inbound",
        "+34911222333",
        "cancelled",
    )
    assert row["hangup_by"] == "lead"


@pytest.mark.parametrize(
    ("raw", "cc", "e164"),
    [
        ("+34600111222", None, "+34600111222"),
        ("0034 600 11 12 22", None, "+34600111222"),
        ("600111222", "34", "+34600111222"),
        ("0600111222", "33", "+33600111222"),
        ("600111222", None, None),
        ("anonymous", "34", None),
        ("1004", "34", None),
        ("+0123456789", None, None),
        ("", None, None),
    ],
)
def test_to_e164(raw: str, cc: str | None, e164: str | None) -> None:
    assert to_e164(raw, cc) == e164


@pytest.mark.parametrize(
    ("name", "parsed"),
    [
        ("PJSIP/agent1001-00000012", ("PJSIP", "agent1001")),
        ("PJSIP/trunk-0000001a", ("PJSIP", "trunk")),
        ("PJSIP/my-trunk-00000013", ("PJSIP", "my-trunk")),
        ("Local/1004@from-agents-0000000a;2", ("Local", "1004@from-agents")),
        ("SIP/carrier", ("SIP", "carrier")),
        ("Message/ast_msg_queue", ("Message", "ast_msg_queue")),
    ],
)
def test_parse_channel_name(name: str, parsed: tuple[str, str]) -> None:
    assert parse_channel_name(name) == parsed


# --------------------------------------------------------------- reconnects and memory
def test_reconcile_closes_channels_asterisk_no_longer_has() -> None:
    call = Call().start().answered()
    model = CallModel()
    for e in call.events:
        model.apply(e)
    reconnected_at = call.t0 + 120.0
    assert model.reconcile({"some-other-channel"}, reconnected_at) == [call.linkedid]
    row = model.row(call.linkedid)
    assert (row.status, row.outcome, row.hangup_cause, row.hangup_by) == (
        "ended",
        "answered",
        None,
        None,
    )
    assert row.ended_at.timestamp() == pytest.approx(reconnected_at)
    # The real Hangups arrive late after all (replayed): they win over the guess.
    for e in call.hangups(60.0).events[-2:]:
        model.apply(e)
    row = model.row(call.linkedid)
    assert row.ended_at.timestamp() == pytest.approx(call.t0 + 60.01)
    assert row.hangup_cause == 16


def test_reconcile_keeps_channels_asterisk_still_lists() -> None:
    call = Call().start().answered()
    model = CallModel()
    for e in call.events:
        model.apply(e)
    assert model.reconcile(set(model.open_channels()), call.t0 + 100) == []
    assert model.row(call.linkedid).status == "confirmed"


def test_a_reconciled_channel_that_speaks_again_is_open() -> None:
    call = Call().start()
    model = CallModel()
    for e in call.events:
        model.apply(e)
    model.reconcile([], call.t0 + 10)
    model.apply(event("Newstate", call.t0 + 11, *call.on(call.trunk, 6)))
    assert model.row(call.linkedid).status == "confirmed"


def test_core_show_channel_registers_a_call_missed_while_disconnected() -> None:
    lid = "1732470300.7"
    listed = event(
        "CoreShowChannel",
        None,
        ("ActionID", "a1"),
        *snap("PJSIP/trunk-00000d01", lid, lid, 6, "+34910000100", "+34911222333"),
        ("Duration", "00:01:05"),
        received_at=1732470400.0,
    )
    model = CallModel()
    assert model.apply(listed) == lid
    row = model.row(lid)
    assert row.started_at.timestamp() == 1732470400.0 - 65
    assert (row.status, row.phone_number, row.direction) == ("calling", "+34911222333", "inbound")


def test_call_known_only_from_its_cdr() -> None:
    cdr = event(
        "Cdr",
        1732470999.0,
        ("Source", "1001"),
        ("Destination", "+34600111222"),
        ("Channel", "PJSIP/agent1001-00000e01"),
        ("DestinationChannel", "PJSIP/trunk-00000e02"),
        ("StartTime", "2024-11-24 18:50:00"),  # Madrid wall clock: 17:50 UTC
        ("AnswerTime", "2024-11-24 18:50:08"),
        ("EndTime", "2024-11-24 18:51:10"),
        ("Duration", "70"),
        ("BillableSeconds", "62"),
        ("Disposition", "ANSWERED"),
        ("UniqueID", "1732470600.3"),
        ("LinkedID", "1732470600.3"),
    )
    model = CallModel(ModelConfig(pbx_timezone="Europe/Madrid"))
    assert model.apply(cdr) == "1732470600.3"
    row = as_stored(model.row("1732470600.3"))
    assert row["started_at"] == "2024-11-24T17:50:00+00:00"
    assert row["answered_at"] == "2024-11-24T17:50:08+00:00"
    assert (row["status"], row["outcome"], row["talk_seconds"], row["duration_seconds"]) == (
        "ended",
        "answered",
        62,
        70,
    )
    assert (row["phone_number"], row["agent_endpoint"]) == ("+34600111222", "agent1001")


def test_cdr_waits_for_its_channel_when_it_comes_first() -> None:
    call = Call().start().hangups(3.0, 0)
    cdr = event(
        "Cdr",
        call.t0 + 3.1,
        ("Channel", call.agent[0]),
        ("StartTime", "2024-11-24 17:40:00"),
        ("EndTime", "2024-11-24 17:40:03"),
        ("Duration", "3"),
        ("BillableSeconds", "0"),
        ("Disposition", "CONGESTION"),
        ("UniqueID", call.agent[1]),
    )
    model = CallModel()
    assert model.apply(cdr) is None  # held until the channel is known
    for e in call.events:
        model.apply(e)
    assert model.row(call.linkedid).outcome == "congestion"


def test_evicted_calls_ignore_late_duplicates() -> None:
    call = Call().start().answered().hangups(30)
    model = CallModel()
    for e in call.events:
        model.apply(e)
    assert len(model.take_changed()) == 1
    assert model.evict(before=call.t0) == []  # too recent
    assert model.evict(before=call.t0 + 3600) == [call.linkedid]
    assert len(model) == 0
    for e in call.events[-2:]:
        assert model.apply(e) is None
    assert model.take_changed() == [] and len(model) == 0
    assert model.stats["after_eviction"] == 2


def test_events_without_timestamps_use_their_receive_time() -> None:
    lid = "1732470700.1"
    agent = snap("PJSIP/agent1001-00000f01", lid, lid, 4, LEAD, "1001")
    events = [
        event("Newchannel", None, *agent, received_at=1732470700.5),
        event("Hangup", None, *agent, ("Cause", "3"), received_at=1732470702.75),
    ]
    row = rows_of(events)[lid]
    assert row["duration_seconds"] == 2 and row["outcome"] == "failed"


def test_unmodelled_events_are_ignored() -> None:
    model = CallModel()
    assert model.apply(event("FullyBooted", None, ("Status", "Fully Booted"))) is None
    assert model.stats["ignored"] == 1 and len(model) == 0
