"""The AMI stand-in keeps the real client's contract: panoramisk (the bridge's AMI library) logs
in, pings, lists channels, originates, receives replayed events and reconnects against it; and
the bridge's own reader and model get the recorded rows through it, faults included."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import pytest
from panoramisk import Manager

from tests.ami_bridge.rows import as_stored
from tests.support.ami_server import AmiServer, LiveChannel
from workers.ami_bridge.events import AmiEvent, EventReader, Greeting, Malformed, Response
from workers.ami_bridge.model import CallModel

USER, SECRET = "crm-bridge", "bridge-secret"


async def until(predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.01)


def manager_for(server: AmiServer, secret: str = SECRET) -> Manager:
    return Manager(
        host=server.host,
        port=server.port,
        username=USER,
        secret=secret,
        loop=asyncio.get_running_loop(),
        ping_delay=60,
        reconnect_timeout=1,
        log=logging.getLogger("tests.panoramisk"),
    )


class RawClient:
    """A plain socket speaking AMI, read through the bridge's own EventReader."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.parser = EventReader()
        self.items: list = []
        self.closed = False

    @classmethod
    async def connect(cls, server: AmiServer) -> RawClient:
        return cls(*await asyncio.open_connection(server.host, server.port))

    async def send(self, **fields: str) -> None:
        self.writer.write("".join(f"{k}: {v}\r\n" for k, v in fields.items()).encode() + b"\r\n")
        await self.writer.drain()

    async def pump(self, predicate: Callable[[list], bool], timeout: float = 5.0) -> list:
        async with asyncio.timeout(timeout):
            while not predicate(self.items):
                data = await self.reader.read(65536)
                if not data:
                    self.items += self.parser.close()
                    self.closed = True
                    break
                self.items += self.parser.feed(data)
        return self.items

    async def login(self, secret: str = SECRET) -> Response:
        await self.send(Action="Login", ActionID="login-1", Username=USER, Secret=secret)
        items = await self.pump(lambda items: any(isinstance(i, Response) for i in items))
        return next(i for i in items if isinstance(i, Response))

    def events(self) -> list[AmiEvent]:
        return [i for i in self.items if isinstance(i, AmiEvent) and i.name != "FullyBooted"]

    def close(self) -> None:
        self.writer.transport.abort()


# ------------------------------------------------------------------ wire protocol
def test_greeting_login_and_errors_byte_for_byte(ami_server: AmiServer) -> None:
    async def scenario() -> None:
        reader, writer = await asyncio.open_connection(ami_server.host, ami_server.port)
        assert await reader.readline() == b"Asterisk Call Manager/5.0.4\r\n"
        writer.write(b"Action: Ping\r\nActionID: p1\r\n\r\n")
        assert await reader.readuntil(b"\r\n\r\n") == (
            b"Response: Error\r\nActionID: p1\r\nMessage: Authentication Required\r\n\r\n"
        )
        writer.write(b"Action: Login\r\nActionID: l1\r\nUsername: crm-bridge\r\nSecret: no\r\n\r\n")
        assert await reader.readuntil(b"\r\n\r\n") == (
            b"Response: Error\r\nActionID: l1\r\nMessage: Authentication failed\r\n\r\n"
        )
        assert await reader.read() == b""  # Asterisk closes the session after a failed login
        writer.close()

    asyncio.run(scenario())
    assert ami_server.logins_failed == 1 and ami_server.logins_ok == 0


def test_logoff_says_goodbye_and_closes(ami_server: AmiServer) -> None:
    async def scenario() -> None:
        client = await RawClient.connect(ami_server)
        assert (await client.login()).message == "Authentication accepted"
        await client.send(Action="Logoff", ActionID="bye")
        await client.pump(lambda items: False)
        responses = [i for i in client.items if isinstance(i, Response)]
        assert [(r.response, r.message) for r in responses][-1] == (
            "Goodbye",
            "Thanks for all the fish.",
        )
        assert client.closed and isinstance(client.items[0], Greeting)

    asyncio.run(scenario())


# ------------------------------------------------------------- the real client
def test_panoramisk_logs_in_pings_and_runs_actions() -> None:
    live = LiveChannel("PJSIP/agent1001-00000012", "1732460000.42", "1732460000.42")
    busy = {"Response": "Failure", "Reason": "5"}
    with AmiServer(channels=[live], originate_response=busy) as srv:

        async def scenario() -> None:
            manager = manager_for(srv)
            await manager.connect()
            await until(lambda: manager.authenticated)
            pong = await manager.send_action({"Action": "Ping"})
            assert pong.success and pong.ping == "Pong"
            listed = await manager.send_action({"Action": "CoreShowChannels"})
            assert [m.get("Event") or m.response for m in listed] == [
                "Success",
                "CoreShowChannel",
                "CoreShowChannelsComplete",
            ]
            assert listed[1].uniqueid == "1732460000.42" and listed[2].listitems == "1"
            originated = await manager.send_action(
                {
                    "Action": "Originate",
                    "Channel": "PJSIP/agent1001",
                    "Context": "from-agents",
                    "Exten": "+34600111222",
                    "Priority": "1",
                    "Async": "true",
                    "Variable": "CRM_CALL_ID=3f8e2a71-5c4b-4d9a-8e61-0a9b7c2d1e45",
                }
            )
            queued, result = originated
            assert queued.message == "Originate successfully queued"
            assert (result.event, result.response, result.reason) == (
                "OriginateResponse",
                "Failure",
                "5",
            )
            manager.close()

        asyncio.run(scenario())
        [originate] = srv.actions("Originate")
        assert originate["Variable"] == "CRM_CALL_ID=3f8e2a71-5c4b-4d9a-8e61-0a9b7c2d1e45"


def test_panoramisk_receives_a_replayed_call_intact(ami_server: AmiServer, scenario) -> None:
    case = scenario("outbound_answered_recorded")

    async def run() -> list:
        received: list = []
        manager = manager_for(ami_server)
        manager.register_event("*", lambda _, message: received.append(message))
        await manager.connect()
        await until(lambda: manager.authenticated)
        await asyncio.to_thread(ami_server.send_events, case.frames, chunk_size=333)
        await until(lambda: len(received) >= len(case.frames) + 1)
        manager.close()
        return received

    received = [m for m in asyncio.run(run()) if m.event != "FullyBooted"]
    sent = [frame.decode().split("\r\n") for frame in case.frames]
    assert [m.event for m in received] == [lines[0].removeprefix("Event: ") for lines in sent]
    stamps = [lines[2].removeprefix("Timestamp: ") for lines in sent]
    assert [m.timestamp for m in received] == stamps
    assert received[0].calleridname == "Lucía Pérez"


def test_panoramisk_reconnects_and_logs_in_again(ami_server: AmiServer, scenario) -> None:
    frames = scenario("outbound_busy").frames

    async def run() -> tuple[list, int]:
        received: list = []
        logins: list = []
        manager = manager_for(ami_server)
        manager.on_login = lambda _: logins.append(1)
        manager.register_event("*", lambda _, message: received.append(message))
        await manager.connect()
        await until(lambda: len(logins) == 1)
        sent = await asyncio.to_thread(ami_server.send_events, frames, drop_after=6)
        await until(lambda: len(logins) == 2)  # reconnected, logged in again
        await asyncio.to_thread(ami_server.send_events, frames[sent:])
        await until(lambda: sum(m.event != "FullyBooted" for m in received) == len(frames))
        manager.close()
        return received, sent

    received, sent = asyncio.run(run())
    assert sent == 6
    assert ami_server.connections_total == 2 and ami_server.logins_ok == 2
    assert [m.event for m in received].count("FullyBooted") == 2


def test_panoramisk_is_refused_with_a_wrong_secret(ami_server: AmiServer) -> None:
    async def run() -> bool:
        manager = manager_for(ami_server, secret="wrong")
        await manager.connect()
        await until(lambda: ami_server.logins_failed >= 1)
        await asyncio.sleep(0.05)
        authenticated = manager.authenticated
        manager.close()
        return authenticated

    assert asyncio.run(run()) is False


# ----------------------------------------------- the bridge's reader, end to end
def test_every_sequence_through_the_socket_gives_its_rows(ami_server: AmiServer, all_scenarios):
    cases = all_scenarios

    async def run() -> RawClient:
        client = await RawClient.connect(ami_server)
        await client.login()
        for case in cases:
            await asyncio.to_thread(ami_server.send_events, case.frames, chunk_size=13)
        total = sum(len(case.frames) for case in cases)
        await client.pump(lambda items: len(client.events()) >= total)
        client.close()
        return client

    client = asyncio.run(run())
    model = CallModel()
    for e in client.events():
        model.apply(e)
    rows = {row.pbx_linkedid: as_stored(row) for row in model.take_changed()}
    assert rows == {row["pbx_linkedid"]: row for case in cases for row in case.rows}
    assert not client.parser.stats.malformed


def test_faults_on_the_wire_leave_the_rows_right(ami_server: AmiServer, scenario) -> None:
    """Duplicates, reordering, garbage and a connection dropped mid-frame, then a reconnect
    that replays the call from the start: same rows, every skip counted."""
    case = scenario("outbound_blind_transfer")
    other = scenario("inbound_answered")
    model = CallModel()

    async def run() -> tuple[RawClient, RawClient]:
        first = await RawClient.connect(ami_server)
        await first.login()
        await asyncio.to_thread(ami_server.send_events, other.frames, duplicate=True, reorder=True)
        await asyncio.to_thread(ami_server.send_raw, b"\xff\xfe\x00 not ami at all\r\n\r\n")
        await asyncio.to_thread(
            ami_server.send_events,
            case.frames,
            reorder=True,
            seed=7,
            drop_after=20,
            cut_mid_frame=True,
        )
        await first.pump(lambda items: False)  # until the connection drops
        second = await RawClient.connect(ami_server)
        await second.login()
        await asyncio.to_thread(ami_server.send_events, case.frames, duplicate=True)
        await second.pump(lambda items: len(second.events()) >= 2 * len(case.frames))
        second.close()
        return first, second

    first, second = asyncio.run(run())
    for e in [*first.events(), *second.events()]:
        model.apply(e)
    rows = {row.pbx_linkedid: as_stored(row) for row in model.take_changed()}
    assert rows == {r["pbx_linkedid"]: r for r in [*case.rows, *other.rows]}
    assert first.closed
    assert first.parser.stats.malformed == {"no_fields": 1, "truncated": 1}
    assert [i for i in first.items if isinstance(i, Malformed)][-1].reason == "truncated"
    assert not second.parser.stats.malformed


@pytest.mark.parametrize("events_on", [True, False])
def test_events_off_sessions_get_no_events(ami_server: AmiServer, scenario, events_on: bool):
    async def run() -> int:
        client = await RawClient.connect(ami_server)
        await client.send(
            Action="Login", Username=USER, Secret=SECRET, Events="on" if events_on else "off"
        )
        await client.pump(lambda items: any(isinstance(i, Response) for i in items))
        await asyncio.to_thread(ami_server.send_events, scenario("outbound_busy").frames)
        await client.send(Action="Ping", ActionID="p")
        await client.pump(lambda items: sum(isinstance(i, Response) for i in items) == 2)
        client.close()
        return len(client.events())

    assert asyncio.run(run()) == (16 if events_on else 0)
