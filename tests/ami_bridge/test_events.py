"""The AMI parser: framing, typed events, and bad input reported as skipped, never raised."""

from __future__ import annotations

import random
from datetime import datetime

import pytest

from workers.ami_bridge.events import (
    BridgeEvent,
    Cdr,
    CoreShowChannel,
    CoreShowChannelsComplete,
    DialEvent,
    EventReader,
    Greeting,
    Hangup,
    HangupRequest,
    Malformed,
    Newchannel,
    OriginateResponse,
    OtherEvent,
    Response,
    VarSet,
)
from workers.common.ami import MAX_FRAME_BYTES, FrameReader

RECEIVED_AT = 1_732_470_000.0


def wire(*fields: tuple[str, str], eol: str = "\r\n") -> bytes:
    return (eol.join(f"{k}: {v}" for k, v in fields) + eol + eol).encode()


def channel_fields(uid: str = "1732460000.42", linkedid: str | None = None, **over: str):
    base = {
        "Channel": "PJSIP/agent1001-00000012",
        "ChannelState": "6",
        "ChannelStateDesc": "Up",
        "CallerIDNum": "1001",
        "CallerIDName": "Lucía Pérez",
        "ConnectedLineNum": "+34600111222",
        "ConnectedLineName": "<unknown>",
        "Language": "es",
        "AccountCode": "",
        "Context": "from-agents",
        "Exten": "+34600111222",
        "Priority": "2",
        "Uniqueid": uid,
        "Linkedid": linkedid or uid,
    }
    base.update(over)
    return list(base.items())


def hangup_frame(cause: str = "16", **over: str) -> bytes:
    return wire(
        ("Event", "Hangup"),
        ("Privilege", "call,all"),
        ("Timestamp", "1732460093.912640"),
        *channel_fields(**over),
        ("Cause", cause),
        ("Cause-txt", "Normal Clearing"),
    )


def read_all(data: bytes, *, chunk: int | None = None, greeting: bool = False):
    reader = EventReader(expect_greeting=greeting, clock=lambda: RECEIVED_AT)
    items = []
    step = chunk or max(1, len(data))
    for start in range(0, len(data), step):
        items += reader.feed(data[start : start + step])
    items += reader.close()
    return reader, items


# ------------------------------------------------------------------------ sequences
def test_every_recorded_frame_parses(scenario_name: str, scenario) -> None:
    frames = scenario(scenario_name).frames
    reader, items = read_all(b"".join(frames))
    assert not [i for i in items if isinstance(i, Malformed)]
    assert reader.stats.events == len(frames) == len(items)
    assert reader.stats.lossy == 0
    assert all(item.timestamped for item in items)


def test_sequences_are_identical_through_crlf_lf_and_any_chunking(scenario) -> None:
    data = b"".join(scenario("outbound_answered_recorded").frames)
    _, whole = read_all(data)
    _, lf = read_all(data.replace(b"\r\n", b"\n"))
    _, bytewise = read_all(data, chunk=1)
    _, odd = read_all(data, chunk=97)
    assert whole == lf == bytewise == odd
    assert len(whole) == 30


# ---------------------------------------------------------------------- typed events
def test_channel_event_fields() -> None:
    _, items = read_all(
        wire(
            ("Event", "Newchannel"),
            ("Privilege", "call,all"),
            ("Timestamp", "1732460000.118204"),
            *channel_fields(ChannelState="4", ChannelStateDesc="Ring"),
        )
    )
    [event] = items
    assert isinstance(event, Newchannel)
    assert event.time == 1732460000.118204 and event.timestamped
    assert event.channel.name == "PJSIP/agent1001-00000012"
    assert event.channel.uniqueid == event.channel.linkedid == "1732460000.42"
    assert event.channel.state == 4
    assert event.channel.caller_id_name == "Lucía Pérez"
    assert event.channel.connected_line_num == "+34600111222"
    assert event.channel.exten == "+34600111222"


def test_hangup_and_hangup_requests() -> None:
    _, items = read_all(
        hangup_frame()
        + wire(("Event", "HangupRequest"), *channel_fields())
        + wire(("Event", "SoftHangupRequest"), *channel_fields(), ("Cause", "16"))
    )
    hangup, hard, soft = items
    assert isinstance(hangup, Hangup) and hangup.cause == 16
    assert hangup.cause_txt == "Normal Clearing"
    assert isinstance(hard, HangupRequest) and not hard.soft and hard.cause is None
    assert isinstance(soft, HangupRequest) and soft.soft and soft.cause == 16


def test_event_without_timestamp_takes_the_receive_time() -> None:
    _, [event] = read_all(wire(("Event", "Hangup"), *channel_fields(), ("Cause", "17")))
    assert event.time == RECEIVED_AT and not event.timestamped


def test_dial_events_carry_both_snapshots() -> None:
    dest = [("Dest" + k, v) for k, v in channel_fields("1732460000.43", "1732460000.42")]
    _, [begin, end, originated] = read_all(
        wire(("Event", "DialBegin"), *channel_fields(), *dest, ("DialString", "+346@trunk"))
        + wire(("Event", "DialEnd"), *channel_fields(), *dest, ("DialStatus", "ANSWER"))
        + wire(("Event", "DialBegin"), *dest, ("DialString", "agent1001"))
    )
    assert isinstance(begin, DialEvent) and begin.dial_string == "+346@trunk"
    assert begin.caller is not None and begin.caller.uniqueid == "1732460000.42"
    assert begin.dest.uniqueid == "1732460000.43" and begin.dest.linkedid == "1732460000.42"
    assert end.dial_status == "ANSWER"
    assert originated.caller is None  # an Originate dials without a caller channel


def test_varset_bridge_and_unmodelled_events() -> None:
    _, [varset, enter, create] = read_all(
        wire(("Event", "VarSet"), *channel_fields(), ("Variable", "CRM_CALL_ID"), ("Value", "x"))
        + wire(
            ("Event", "BridgeEnter"),
            ("BridgeUniqueid", "5a1f7c2e-8d3b-4e6f-9a10-2b3c4d5e6f70"),
            ("BridgeNumChannels", "2"),
            *channel_fields(),
        )
        + wire(("Event", "BridgeCreate"), ("BridgeUniqueid", "5a1f"))
    )
    assert isinstance(varset, VarSet) and (varset.variable, varset.value) == ("CRM_CALL_ID", "x")
    assert isinstance(enter, BridgeEvent) and enter.bridge_num_channels == 2
    assert isinstance(create, OtherEvent) and create.name == "BridgeCreate"


def test_cdr_fields() -> None:
    _, [cdr] = read_all(
        wire(
            ("Event", "Cdr"),
            ("Privilege", "cdr,all"),
            ("AccountCode", ""),
            ("Source", "1001"),
            ("Destination", "+34600111222"),
            ("Channel", "PJSIP/agent1001-00000012"),
            ("DestinationChannel", "PJSIP/trunk-00000013"),
            ("StartTime", "2024-11-24 14:53:20"),
            ("AnswerTime", ""),
            ("EndTime", "2024-11-24 14:54:53"),
            ("Duration", "93"),
            ("BillableSeconds", "0"),
            ("Disposition", "NO ANSWER"),
            ("UniqueID", "1732460000.42"),
            ("UserField", ""),
            ("LinkedID", "1732460000.42"),
        )
    )
    assert isinstance(cdr, Cdr)
    assert cdr.start_time == datetime(2024, 11, 24, 14, 53, 20) and cdr.answer_time is None
    assert (cdr.duration, cdr.billable_seconds, cdr.disposition) == (93, 0, "NO ANSWER")
    assert cdr.linked_id == "1732460000.42" and cdr.user_field is None


def test_action_responses_lists_and_greeting() -> None:
    data = (
        b"Asterisk Call Manager/5.0.4\r\n"
        + wire(("Response", "Success"), ("ActionID", "a1"), ("Message", "Authentication accepted"))
        + wire(
            ("Event", "CoreShowChannel"),
            ("ActionID", "a2"),
            *channel_fields(),
            ("BridgeId", ""),
            ("Application", "Dial"),
            ("ApplicationData", "PJSIP/x@trunk"),
            ("Duration", "01:02:03"),
        )
        + wire(("Event", "CoreShowChannelsComplete"), ("ActionID", "a2"), ("ListItems", "1"))
        + wire(
            ("Event", "OriginateResponse"),
            ("ActionID", "a3"),
            ("Response", "Failure"),
            ("Channel", "PJSIP/agent1001"),
            ("Reason", "5"),
            ("Uniqueid", "<unknown>"),
        )
    )
    reader, items = read_all(data, greeting=True, chunk=5)
    greeting, response, listed, complete, originate = items
    assert greeting == Greeting("5.0.4")
    assert isinstance(response, Response) and response.action_id == "a1"
    assert response.message == "Authentication accepted"
    assert isinstance(listed, CoreShowChannel) and listed.duration_seconds == 3723
    assert isinstance(complete, CoreShowChannelsComplete) and complete.list_items == 1
    assert isinstance(originate, OriginateResponse)
    assert (originate.response, originate.reason, originate.uniqueid) == ("Failure", 5, None)
    assert reader.stats.responses == 1 and reader.stats.events == 3


# ------------------------------------------------------------------------ bad input
def test_truncated_frame_at_end_of_stream() -> None:
    reader, items = read_all(hangup_frame() + hangup_frame()[:60])
    assert isinstance(items[0], Hangup)
    assert isinstance(items[1], Malformed) and items[1].reason == "truncated"
    assert reader.stats.malformed == {"truncated": 1}


def test_frame_cut_short_and_run_into_the_next_is_rejected() -> None:
    # A connection hiccup that loses the blank line glues two frames together.
    cut = hangup_frame()[:-4] + b"\r\n" + hangup_frame()
    _, [item] = read_all(cut)
    assert isinstance(item, Malformed) and item.reason == "merged_frames"


def test_garbage_between_frames_is_skipped_and_counted() -> None:
    data = hangup_frame() + b"\x00\xff\xfe\x13garbage\r\n\r\n" + b"\r\n\r\n" + hangup_frame()
    reader, items = read_all(data, chunk=3)
    assert [type(i) for i in items] == [Hangup, Malformed, Hangup]
    assert items[1].reason == "no_fields"
    assert reader.stats.malformed == {"no_fields": 1}


def test_non_utf8_in_free_text_keeps_the_event_and_counts_it() -> None:
    latin1 = hangup_frame().replace("Lucía Pérez".encode(), "José Núñez".encode("latin-1"))
    reader, [item] = read_all(latin1)
    assert isinstance(item, Hangup) and item.frame.lossy
    assert item.channel.caller_id_name == "Jos\ufffd N\ufffd\ufffdez"
    assert item.channel.uniqueid == "1732460000.42"
    assert reader.stats.lossy == 1 and not reader.stats.malformed


def test_non_utf8_in_an_identifier_rejects_the_event() -> None:
    bad = hangup_frame().replace(b"Uniqueid: 1732460000.42", b"Uniqueid: 17324\xff0000.42")
    _, [item] = read_all(bad)
    assert isinstance(item, Malformed) and item.reason == "bad_field" and item.detail == "Uniqueid"


def test_ten_megabyte_field_is_dropped_with_bounded_memory() -> None:
    huge = b"Event: Newstate\r\nCallerIDName: " + b"x" * 10_000_000 + b"\r\n\r\n"
    reader = EventReader(expect_greeting=False, clock=lambda: RECEIVED_AT)
    items = []
    for start in range(0, len(huge), 65_536):
        items += reader.feed(huge[start : start + 65_536])
        assert len(reader._frames._buf) <= MAX_FRAME_BYTES + 65_536
    items += reader.feed(hangup_frame())
    assert [type(i) for i in items] == [Malformed, Hangup]
    assert items[0].reason == "oversized"
    assert reader.stats.malformed == {"oversized": 1}


def test_ten_megabyte_frame_in_one_read() -> None:
    huge = b"Event: Newstate\r\nCallerIDName: " + b"x" * 10_000_000 + b"\r\n\r\n"
    _, items = read_all(huge + hangup_frame())
    assert [type(i) for i in items] == [Malformed, Hangup]


def test_oversized_field_in_a_normal_frame() -> None:
    _, [item] = read_all(hangup_frame().replace(b"Cause: 16", b"Cause: " + b"9" * 9000))
    assert isinstance(item, Malformed) and item.reason == "oversized_field"


@pytest.mark.parametrize(
    ("mutation", "reason"),
    [
        ((b"Cause: 16", b"Cause: sixteen"), "bad_field"),
        ((b"Cause: 16", b"Cause: -16"), "out_of_range"),
        ((b"Timestamp: 1732460093.912640", b"Timestamp: 99999999999999"), "out_of_range"),
        ((b"Timestamp: 1732460093.912640", b"Timestamp: nan"), "out_of_range"),
        ((b"Timestamp: 1732460093.912640", b"Timestamp: yesterday"), "bad_field"),
        ((b"Linkedid: 1732460000.42\r\n", b""), "missing_field"),
        ((b"ChannelState: 6", b"ChannelState: up"), "bad_field"),
        ((b"Channel: PJSIP/agent1001-00000012", b"Channel: PJSIP/a\x01b"), "bad_field"),
    ],
)
def test_absurd_values_reject_the_frame(mutation: tuple[bytes, bytes], reason: str) -> None:
    reader, [item] = read_all(hangup_frame().replace(*mutation))
    assert isinstance(item, Malformed) and item.reason == reason
    assert reader.stats.malformed == {reason: 1}


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("Duration", "-5", "out_of_range"),
        ("BillableSeconds", "-1", "out_of_range"),
        ("Duration", "99999999999", "out_of_range"),
        ("StartTime", "24/11/2024 14:53", "bad_field"),
        ("UniqueID", "", "missing_field"),
    ],
)
def test_absurd_cdr_values(field: str, value: str, reason: str) -> None:
    fields = dict(
        Event="Cdr",
        Channel="PJSIP/agent1001-00000012",
        StartTime="2024-11-24 14:53:20",
        EndTime="2024-11-24 14:54:53",
        Duration="93",
        BillableSeconds="84",
        Disposition="ANSWERED",
        UniqueID="1732460000.42",
    )
    fields[field] = value
    _, [item] = read_all(wire(*fields.items()))
    assert isinstance(item, Malformed) and item.reason == reason


def test_frames_without_event_or_response() -> None:
    _, items = read_all(wire(("Privilege", "call,all"), ("Uniqueid", "1.2")))
    assert isinstance(items[0], Malformed) and items[0].reason == "no_event_or_response"


def test_too_many_fields() -> None:
    fields = [("Event", "UserEvent")] + [(f"X{i}", "1") for i in range(300)]
    _, [item] = read_all(wire(*fields))
    assert isinstance(item, Malformed) and item.reason == "too_many_fields"


def test_missing_greeting_is_reported_then_frames_flow() -> None:
    reader = FrameReader()
    items = reader.feed(b"HTTP/1.1 400 Bad Request\r\n" + hangup_frame())
    assert isinstance(items[0], Malformed) and items[0].reason == "no_greeting"
    assert len(items) == 2


def test_random_corruption_never_raises(scenario) -> None:
    """Flipped bytes, cut frames, inserted junk and random chunking: the reader only reports."""
    data = b"".join(scenario("outbound_blind_transfer").frames)
    rng = random.Random(20241124)  # noqa: S311 - reproducible corruption, not secrets
    for _ in range(150):
        buf = bytearray(data)
        for _ in range(rng.randint(1, 40)):
            op = rng.random()
            pos = rng.randrange(len(buf))
            if op < 0.4:
                buf[pos] = rng.randrange(256)
            elif op < 0.7:
                del buf[pos : pos + rng.randint(1, 200)]
            else:
                buf[pos:pos] = rng.randbytes(rng.randint(1, 50))
        reader = EventReader(expect_greeting=rng.random() < 0.2, clock=lambda: RECEIVED_AT)
        pos = 0
        while pos < len(buf):
            step = rng.randint(1, 4096)
            reader.feed(bytes(buf[pos : pos + step]))
            pos += step
        reader.close()
        stats = reader.stats
        assert "parser_error" not in stats.malformed
        assert stats.frames == stats.events + stats.responses + sum(
            n for reason, n in stats.malformed.items() if reason not in _FRAMING_REASONS
        )


_FRAMING_REASONS = {
    "truncated",
    "oversized",
    "no_fields",
    "no_greeting",
    "oversized_field",
    "too_many_fields",
}
