"""A stand-in for Asterisk's manager interface (AMI), for tests: Asterisk cannot be installed here.

It keeps the part of the AMI wire protocol (Asterisk 16-20, `manager.c`) that the AMI bridge and
its client library rely on, byte for byte where it matters:
- the greeting line `Asterisk Call Manager/<version>` (no blank line after it);
- frames of `Key: Value` lines ended by an empty line, CRLF, in both directions;
- `Login` (Username/Secret; `Response: Success` + `Message: Authentication accepted`, then a
  `FullyBooted` event; or `Response: Error` + `Message: Authentication failed` and the
  connection closed, as Asterisk does), `Events: off` honoured;
- `Ping` (`Ping: Pong` and a `Timestamp`), `CoreShowChannels` (a `Response` with
  `EventList: start`, one `CoreShowChannel` event per live channel, `CoreShowChannelsComplete`),
  `Originate` (`Message: Originate successfully queued`, then an `OriginateResponse` event carrying
  the ActionID), `StopMixMonitor` (Channel required; `Response: Success` with no Message, as
  app_mixmonitor.c answers, or the error set in `stop_mixmonitor_error`), `Logoff`
  (`Response: Goodbye`, connection closed); actions before login get
  `Message: Authentication Required`, unknown actions `Message: Invalid/unknown command`;
- ActionID echoed on every response and list event.
For the bridge, events are not generated from a PBX: tests replay recorded event frames
(tests/ami_bridge/sequences/) to logged-in sessions, with faults on demand: drop the connection
mid-stream or mid-frame, duplicate or reorder events, inject raw garbage bytes, refuse logins.

For the dialer (workers/dialer), an `Originate` that carries a `ChannelId` is played as a small
PBX would play it, from a script per dialled number or per call (`script`, `script_call`,
`Outcome`), and what it sends keeps Asterisk's frame shapes:
- the new channel's `Uniqueid` and `Linkedid` are the ChannelId (Asterisk 12+); every channel
  event carries the channel snapshot fields in Asterisk's order (Channel, ChannelState,
  ChannelStateDesc, CallerIDNum, CallerIDName, ConnectedLineNum, ConnectedLineName, Language,
  AccountCode, Context, Exten, Priority, Uniqueid, Linkedid) after `Privilege` and `Timestamp`
  (manager.conf `timestampevents = yes`), and goes to every logged-in session with events on;
- answered: `Newstate` Up, `OriginateResponse` `Response: Success`, `Reason: 4`; then, in context
  `crm-dialer` (whose dialplan runs AMD() and `UserEvent(CrmDialerAmd,AttemptId: ..,AmdStatus:
  ..,AmdCause: ..)`), after the AMD delay an `Event: UserEvent` frame: the channel fields, then
  `UserEvent: CrmDialerAmd`, then the custom headers as app_userevent writes them (AmdStatus
  empty when the script says AMD is off);
- not answered: the channel's `Hangup` (Cause 17 busy, 19 no answer, 34 congestion, 0 failed,
  with Asterisk's Cause-txt) then `OriginateResponse` `Response: Failure` with Reason 5, 3, 8 or
  0 and `Uniqueid: <null>` (no channel survived: match it by ActionID);
- `Redirect` (Channel by name or Uniqueid, as ast_channel_get_by_name finds either): `Response:
  Success`, `Message: Redirect successful`; into `crm-dialer-connect` a `ConfbridgeJoin` and a
  `BridgeEnter` (the agent's conference `crm-agent-<exten>`); into `crm-dialer-abandon` the
  message plays (`abandon_play_s`) and the channel hangs up (`Hangup`, Cause 16). An unknown
  channel: `Response: Error`, `Message: Channel specified does not exist`;
- `Hangup` action: `Response: Success`, `Message: Channel Hungup`, then the `Hangup` event with
  Cause 16 (`Normal Clearing`); unknown: `Response: Error`, `Message: No such channel`;
- agents' nailed-up sessions (`Channel: PJSIP/<extension>`, no trunk): answered at once and live
  until hung up (no UserEvent: crm-dialer-agent runs no AMD);
- `CoreShowChannels` lists these live channels too.
Test controls: `default_outcome` and `agent_outcome` (how leads and agents' phones answer when no
script says otherwise), `answer_call` (a ringing call answers now), `hangup_channel` (the far end
hangs up), `hold_events` (the PBX goes quiet), `channel`, `live_channels`, `redirects`.

Left out: MD5 challenge login, event filters, per-user permissions (`Privilege` lines are replayed
as recorded), HTTP/WebSocket AMI, Newexten/VarSet/Dial events of the played calls, and every other
action.

The server runs its own asyncio loop in a daemon thread, so both threaded and asyncio clients can
talk to it from the test's thread; every control method is synchronous and waits until done.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import threading
import time
import uuid
from collections.abc import Callable, Coroutine, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

log = logging.getLogger("tests.ami_server")

CRLF = b"\r\n"
T = TypeVar("T")
DEFAULT_VERSION = "5.0.4"


def load_sequence(path: str | Path) -> list[bytes]:
    """The event frames of a recorded sequence file, each as CRLF wire bytes ending in CRLF CRLF.

    Files are kept with LF line ends (git-friendly); frames are separated by one empty line.
    """
    text = Path(path).read_text(encoding="utf-8")
    frames: list[bytes] = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        lines = [line for line in block.split("\n") if line.strip()]
        if lines:
            frames.append(("\r\n".join(lines) + "\r\n\r\n").encode("utf-8"))
    return frames


@dataclass
class LiveChannel:
    """A channel `CoreShowChannels` reports as alive."""

    channel: str
    uniqueid: str
    linkedid: str
    state: int = 6
    state_desc: str = "Up"
    caller_id_num: str = ""
    caller_id_name: str = ""
    context: str = "from-agents"
    exten: str = ""
    priority: int = 1
    application: str = "Dial"
    application_data: str = ""
    duration: str = "00:00:10"
    bridge_id: str = ""

    def frame(self, action_id: str) -> bytes:
        fields = [
            ("Event", "CoreShowChannel"),
            ("ActionID", action_id),
            ("Channel", self.channel),
            ("ChannelState", str(self.state)),
            ("ChannelStateDesc", self.state_desc),
            ("CallerIDNum", self.caller_id_num),
            ("CallerIDName", self.caller_id_name),
            ("ConnectedLineNum", "<unknown>"),
            ("ConnectedLineName", "<unknown>"),
            ("Language", "en"),
            ("AccountCode", ""),
            ("Context", self.context),
            ("Exten", self.exten),
            ("Priority", str(self.priority)),
            ("Uniqueid", self.uniqueid),
            ("Linkedid", self.linkedid),
            ("BridgeId", self.bridge_id),
            ("Application", self.application),
            ("ApplicationData", self.application_data),
            ("Duration", self.duration),
        ]
        return _frame(fields)


@dataclass
class Session:
    """One client connection, as the tests can observe it."""

    peer: str
    writer: asyncio.StreamWriter
    logged_in: bool = False
    events_on: bool = True
    username: str | None = None
    actions: list[dict[str, str]] = field(default_factory=list)


CAUSE_TEXT = {0: "Not Defined", 16: "Normal Clearing", 17: "User busy",
              19: "User alerting, no answer", 34: "Circuit/channel congestion"}
STATE_DESC = {0: "Down", 5: "Ringing", 6: "Up"}


@dataclass(frozen=True)
class Outcome:
    """How a played call goes. `result`: answer, busy, no_answer, congestion, failed, or ring
    (rings until hung up or until the Originate's Timeout: then no answer)."""

    result: str = "answer"
    ring_s: float = 0.05
    amd: str | None = "HUMAN"
    """AMDSTATUS raised in CrmDialerAmd (HUMAN, MACHINE, NOTSURE, HANGUP); None: AMD off, the
    dialplan raises the event with AmdStatus empty."""
    amd_cause: str = ""
    amd_s: float = 0.05
    hangup_after_s: float | None = None
    """The far end hangs up this long after answering (None: it stays until hung up)."""


REASONS = {"busy": (5, 17), "no_answer": (3, 19), "congestion": (8, 34), "failed": (0, 0)}
"""OriginateResponse Reason and the channel's Hangup Cause of each unanswered outcome."""
DEFAULT_AMD_CAUSES = {"HUMAN": "HUMAN-300-300", "MACHINE": "MAXWORDS-4-4",
                      "NOTSURE": "TOOLONG-5000", "HANGUP": ""}


@dataclass
class PbxChannel:
    """A channel the stand-in made for an Originate with a ChannelId."""

    uniqueid: str
    name: str
    requested: str
    dialled: str
    context: str
    exten: str
    caller_id: str
    variables: dict[str, str]
    action_id: str
    outcome: Outcome
    state: int = 0
    alive: bool = True
    answered: bool = False
    hangup_cause: int | None = None
    history: list[tuple[str, str]] = field(default_factory=list)
    """(context, exten) it was sent to, the Originate's first."""
    created: float = field(default_factory=time.time)

    def snapshot(self) -> list[tuple[str, str]]:
        number = self.dialled if "@" in self.requested else ""
        return [
            ("Channel", self.name), ("ChannelState", str(self.state)),
            ("ChannelStateDesc", STATE_DESC.get(self.state, "Unknown")),
            ("CallerIDNum", number or "<unknown>"), ("CallerIDName", "<unknown>"),
            ("ConnectedLineNum", "<unknown>"), ("ConnectedLineName", "<unknown>"),
            ("Language", "en"), ("AccountCode", ""), ("Context", self.context),
            ("Exten", self.exten), ("Priority", "1"), ("Uniqueid", self.uniqueid),
            ("Linkedid", self.uniqueid),
        ]


def _variables(raw: str) -> dict[str, str]:
    """The Originate's Variable lines (kept comma-joined by _read_action) as a dict."""
    out: dict[str, str] = {}
    items, depth, current = [], 0, ""
    for char in raw:  # a comma inside parentheses (PJSIP_HEADER(add,X-...)) is not a separator
        depth += (char == "(") - (char == ")")
        if char == "," and depth == 0:
            items.append(current)
            current = ""
        else:
            current += char
    items.append(current)
    for item in items:
        key, _, value = item.partition("=")
        if key.strip():
            out[key.strip()] = value
    return out


def _frame(fields: Iterable[tuple[str, str]]) -> bytes:
    return b"".join(f"{k}: {v}".encode() + CRLF for k, v in fields) + CRLF


class AmiServer:
    """A real TCP server speaking AMI; see the module docstring for what it keeps."""

    def __init__(
        self,
        *,
        username: str = "crm-bridge",
        secret: str = "bridge-secret",  # noqa: S107 - the stand-in's own test account
        version: str = DEFAULT_VERSION,
        channels: Sequence[LiveChannel] = (),
        originate_response: dict[str, str] | None = None,
        host: str = "127.0.0.1",
    ) -> None:
        self.username = username
        self.secret = secret
        self.version = version
        self.channels: list[LiveChannel] = list(channels)
        self.originate_response = originate_response or {"Response": "Success", "Reason": "4"}
        self.host = host
        self.port = 0
        self.refuse_logins = False
        self.stop_mixmonitor_error: str | None = None
        """Set: StopMixMonitor is answered `Response: Error` with this Message (e.g. Asterisk's
        "No such channel" or "Could not stop monitoring channel")."""
        self.sessions: list[Session] = []
        self.action_log: list[dict[str, str]] = []
        self.connections_total = 0
        self.logins_ok = 0
        self.logins_failed = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, daemon=True, name="ami-server"
        )
        self._server: asyncio.AbstractServer | None = None
        self._originate_seq = 0
        self.outcomes: dict[str, Outcome] = {}
        self.call_outcomes: dict[str, Outcome] = {}
        self.default_outcome = Outcome()
        self.agent_outcome = Outcome(result="answer", ring_s=0.02, amd=None)
        self.abandon_play_s = 0.2
        self.pbx_channels: dict[str, PbxChannel] = {}
        self.redirect_log: list[dict[str, str]] = []
        self.hold_events = False
        """Set: played calls send nothing (a PBX gone quiet); cleared, nothing is replayed."""
        self._channel_seq = 0
        self._timers: set[asyncio.Task] = set()

    # ----------------------------------------------------------------- lifecycle
    def start(self) -> AmiServer:
        self._thread.start()
        self._call(self._start())
        log.info("AMI stand-in listening on %s:%d", self.host, self.port)
        return self

    def stop(self) -> None:
        if not self._thread.is_alive():
            return
        with contextlib.suppress(Exception):
            self._call(self._stop())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        self._loop.close()

    def __enter__(self) -> AmiServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def address(self) -> tuple[str, int]:
        return self.host, self.port

    # ------------------------------------------------------------ observation
    @property
    def logged_in_sessions(self) -> list[Session]:
        return [s for s in self.sessions if s.logged_in]

    def actions(self, name: str | None = None) -> list[dict[str, str]]:
        """Every action received (all sessions, past ones too, in arrival order), or of one name."""
        seen = list(self.action_log)
        if name is None:
            return seen
        return [a for a in seen if a.get("Action", "").lower() == name.lower()]

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return True
            time.sleep(0.01)
        return bool(predicate())

    def wait_logged_in(self, count: int = 1, timeout: float = 5.0) -> bool:
        return self.wait_for(lambda: len(self.logged_in_sessions) >= count, timeout)

    # ---------------------------------------------------------------- controls
    def send_events(
        self,
        frames: Sequence[bytes],
        *,
        duplicate: bool = False,
        reorder: bool = False,
        seed: int = 0,
        drop_after: int | None = None,
        cut_mid_frame: bool = False,
        chunk_size: int | None = None,
    ) -> int:
        """Replay event frames to every logged-in session with events on; returns frames sent.

        duplicate: each frame is sent twice in a row. reorder: adjacent frames are swapped at
        random (seeded), as events from different Asterisk threads interleave. drop_after: the
        connection is aborted after that many frames (with cut_mid_frame, half of the next frame
        is sent first). chunk_size: bytes per write, to split frames across TCP segments.
        """
        return self._call(
            self._send_events(
                list(frames), duplicate, reorder, seed, drop_after, cut_mid_frame, chunk_size
            )
        )

    def send_raw(self, data: bytes) -> None:
        """Write raw bytes (garbage, partial frames) to every logged-in session."""
        self._call(self._send_raw(data))

    def drop_connections(self) -> None:
        """Abort every connection at once, as a crashed or restarted Asterisk would."""
        self._call(self._drop_all())

    # ---------------------------------------------------- the played calls (dialer)
    def script(self, number: str, outcome: Outcome) -> None:
        """How calls to `number` (the dialled digits or extension) go from now on."""
        self.outcomes[number] = outcome

    def script_call(self, channel_id: str, outcome: Outcome) -> None:
        """How the call originated with this ChannelId goes (before a per-number script)."""
        self.call_outcomes[channel_id] = outcome

    def channel(self, uniqueid: str) -> PbxChannel | None:
        return self.pbx_channels.get(uniqueid)

    def live_channels(self) -> list[PbxChannel]:
        return [c for c in list(self.pbx_channels.values()) if c.alive]

    def redirects(self, context: str | None = None) -> list[dict[str, str]]:
        return [r for r in list(self.redirect_log) if context is None or r["Context"] == context]

    def answer_call(self, uniqueid: str, amd: str | None = "HUMAN", amd_s: float = 0.05) -> bool:
        """A ringing call (Outcome result "ring") is answered now, with that AMD verdict."""
        channel = self.pbx_channels.get(uniqueid)
        if channel is None or not channel.alive or channel.answered:
            return False
        channel.outcome = Outcome(result="answer", amd=amd, amd_s=amd_s)
        self._call(self._answer(channel))
        return True

    def hangup_channel(self, uniqueid: str, cause: int = 16) -> bool:
        """The far end hangs up (a lead, or an agent closing the webphone)."""
        return self._call(self._hangup_async(uniqueid, cause))

    # ------------------------------------------------------------- internals
    def _call(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout=30)

    async def _start(self) -> None:
        self._server = await asyncio.start_server(self._handle, self.host, 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _stop(self) -> None:
        for timer in list(self._timers):
            timer.cancel()
        await asyncio.gather(*self._timers, return_exceptions=True)
        await self._drop_all()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _drop_all(self) -> None:
        for session in list(self.sessions):
            session.writer.transport.abort()
        self.sessions.clear()

    def _targets(self) -> list[Session]:
        return [s for s in self.sessions if s.logged_in and s.events_on]

    async def _send_events(
        self,
        frames: list[bytes],
        duplicate: bool,
        reorder: bool,
        seed: int,
        drop_after: int | None,
        cut_mid_frame: bool,
        chunk_size: int | None,
    ) -> int:
        if duplicate:
            frames = [f for frame in frames for f in (frame, frame)]
        if reorder:
            rng = random.Random(seed)  # noqa: S311 - test shuffling, not security
            i = 0
            while i < len(frames) - 1:
                if rng.random() < 0.5:
                    frames[i], frames[i + 1] = frames[i + 1], frames[i]
                    i += 2
                else:
                    i += 1
        sent = 0
        for index, frame in enumerate(frames):
            if drop_after is not None and index >= drop_after:
                if cut_mid_frame:
                    await self._write_all(frame[: len(frame) // 2], chunk_size)
                await self._drop_all()
                return sent
            await self._write_all(frame, chunk_size)
            sent += 1
        return sent

    async def _write_all(self, data: bytes, chunk_size: int | None) -> None:
        for session in self._targets():
            try:
                if chunk_size:
                    for start in range(0, len(data), chunk_size):
                        session.writer.write(data[start : start + chunk_size])
                        await session.writer.drain()
                else:
                    session.writer.write(data)
                    await session.writer.drain()
            except (ConnectionError, RuntimeError):
                self._forget(session)

    async def _send_raw(self, data: bytes) -> None:
        await self._write_all(data, None)

    def _forget(self, session: Session) -> None:
        if session in self.sessions:
            self.sessions.remove(session)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        host, port = writer.get_extra_info("peername")[:2]
        peer = f"{host}:{port}"
        session = Session(peer=peer, writer=writer)
        self.sessions.append(session)
        self.connections_total += 1
        try:
            writer.write(f"Asterisk Call Manager/{self.version}".encode() + CRLF)
            await writer.drain()
            while True:
                action = await _read_action(reader)
                if action is None:
                    break
                session.actions.append(action)
                self.action_log.append(action)
                if not await self._dispatch(session, action):
                    break
        except (ConnectionError, asyncio.IncompleteReadError, ValueError):
            pass  # gone, or a line over the stream limit: Asterisk drops such a session too
        finally:
            self._forget(session)
            writer.transport.abort()

    async def _dispatch(self, session: Session, action: dict[str, str]) -> bool:
        """Answer one action; False closes the connection."""
        name = action.get("Action", "").lower()
        action_id = action.get("ActionID")

        def respond(*fields: tuple[str, str]) -> None:
            head = [fields[0]]
            if action_id is not None:
                head.append(("ActionID", action_id))
            session.writer.write(_frame([*head, *fields[1:]]))

        if not name:
            respond(("Response", "Error"), ("Message", "Missing action in request"))
        elif name == "login":
            ok = (
                not self.refuse_logins
                and action.get("Username") == self.username
                and action.get("Secret") == self.secret
            )
            if not ok:
                self.logins_failed += 1
                respond(("Response", "Error"), ("Message", "Authentication failed"))
                await session.writer.drain()
                return False
            self.logins_ok += 1
            session.logged_in = True
            session.username = action.get("Username")
            session.events_on = action.get("Events", "on").lower() not in ("off", "no", "false")
            respond(("Response", "Success"), ("Message", "Authentication accepted"))
            if session.events_on:
                session.writer.write(
                    _frame(
                        [
                            ("Event", "FullyBooted"),
                            ("Privilege", "system,all"),
                            ("Uptime", "86400"),
                            ("LastReload", "3600"),
                            ("Status", "Fully Booted"),
                        ]
                    )
                )
        elif not session.logged_in:
            respond(("Response", "Error"), ("Message", "Authentication Required"))
        elif name == "ping":
            respond(("Response", "Success"), ("Ping", "Pong"), ("Timestamp", f"{time.time():.6f}"))
        elif name == "coreshowchannels":
            aid = action_id or ""
            respond(
                ("Response", "Success"),
                ("EventList", "start"),
                ("Message", "Channels will follow"),
            )
            listed = [*self.channels, *(
                LiveChannel(channel=c.name, uniqueid=c.uniqueid, linkedid=c.uniqueid,
                            state=c.state, state_desc=STATE_DESC.get(c.state, "Unknown"),
                            context=c.context, exten=c.exten, application="AppDial2")
                for c in self.live_channels())]
            for live in listed:
                session.writer.write(live.frame(aid))
            session.writer.write(
                _frame(
                    [
                        ("Event", "CoreShowChannelsComplete"),
                        ("ActionID", aid),
                        ("EventList", "Complete"),
                        ("ListItems", str(len(listed))),
                    ]
                )
            )
        elif name == "originate" and action.get("ChannelId"):
            if action["ChannelId"] in self.pbx_channels:
                respond(("Response", "Error"), ("Message", "Originate failed"))
            else:
                respond(("Response", "Success"), ("Message", "Originate successfully queued"))
                await session.writer.drain()
                self._play(action)
        elif name == "redirect":
            target = self._find(action.get("Channel", ""))
            if not action.get("Channel"):
                respond(("Response", "Error"), ("Message", "Channel not specified"))
            elif target is None:
                respond(("Response", "Error"), ("Message", "Channel specified does not exist"))
            else:
                self.redirect_log.append(dict(action))
                respond(("Response", "Success"), ("Message", "Redirect successful"))
                await session.writer.drain()
                self._redirect(target, action.get("Context", ""), action.get("Exten", ""))
        elif name == "hangup":
            target = self._find(action.get("Channel", ""))
            if target is None:
                respond(("Response", "Error"), ("Message", "No such channel"))
            else:
                respond(("Response", "Success"), ("Message", "Channel Hungup"))
                await session.writer.drain()
                await self._end(target, 16)
        elif name == "originate":
            respond(("Response", "Success"), ("Message", "Originate successfully queued"))
            await session.writer.drain()
            self._originate_seq += 1
            result = dict(self.originate_response)
            fields = [
                ("Event", "OriginateResponse"),
                ("Privilege", "call,all"),
                ("ActionID", action_id or ""),
                ("Response", result.get("Response", "Success")),
                ("Channel", result.get("Channel", action.get("Channel", ""))),
                ("Context", action.get("Context", "")),
                ("Exten", action.get("Exten", "")),
                ("Application", action.get("Application", "")),
                ("Data", action.get("Data", "")),
                ("Reason", result.get("Reason", "4")),
                ("Uniqueid", result.get("Uniqueid", f"1732461000.{self._originate_seq}")),
                ("CallerIDNum", action.get("CallerID", "<unknown>")),
                ("CallerIDName", "<unknown>"),
            ]
            session.writer.write(_frame(fields))
        elif name == "stopmixmonitor":
            if not action.get("Channel"):
                respond(("Response", "Error"), ("Message", "No channel specified"))
            elif self.stop_mixmonitor_error is not None:
                respond(("Response", "Error"), ("Message", self.stop_mixmonitor_error))
            else:
                respond(("Response", "Success"))
        elif name == "logoff":
            respond(("Response", "Goodbye"), ("Message", "Thanks for all the fish."))
            await session.writer.drain()
            return False
        else:
            respond(("Response", "Error"), ("Message", "Invalid/unknown command"))
        await session.writer.drain()
        return True

    # ------------------------------------------------------- playing a call
    def _find(self, name: str) -> PbxChannel | None:
        for channel in self.pbx_channels.values():
            if channel.alive and name in (channel.name, channel.uniqueid):
                return channel
        return None

    def _later(self, delay: float, step: Callable[..., Coroutine[Any, Any, Any]],
               *args: Any, **kwargs: Any) -> None:
        async def run() -> None:
            await asyncio.sleep(delay)
            await step(*args, **kwargs)

        task = asyncio.get_running_loop().create_task(run())
        self._timers.add(task)
        task.add_done_callback(self._timers.discard)

    async def _event(self, name: str, channel: PbxChannel | None,
                     *extra: tuple[str, str], privilege: str = "call,all",
                     before: Sequence[tuple[str, str]] = ()) -> None:
        if self.hold_events:
            return
        fields = [("Event", name), ("Privilege", privilege),
                  ("Timestamp", f"{time.time():.6f}"), *before]
        if channel is not None:
            fields += channel.snapshot()
        await self._write_all(_frame([*fields, *extra]), None)

    def _play(self, action: dict[str, str]) -> None:
        requested = action.get("Channel", "")
        endpoint = requested.partition("/")[2]
        dialled, _, trunk = endpoint.partition("@")
        channel_id = action["ChannelId"]
        outcome = self.call_outcomes.get(channel_id) or self.outcomes.get(dialled) or (
            self.default_outcome if trunk else self.agent_outcome)
        self._channel_seq += 1
        channel = PbxChannel(
            uniqueid=channel_id, name=f"PJSIP/{trunk or dialled}-{self._channel_seq:08x}",
            requested=requested, dialled=dialled, context=action.get("Context", ""),
            exten=action.get("Exten", ""), caller_id=action.get("CallerID", ""),
            variables=_variables(action.get("Variable", "")),
            action_id=action.get("ActionID", ""), outcome=outcome)
        channel.history.append((channel.context, channel.exten))
        self.pbx_channels[channel_id] = channel
        timeout_s = int(action.get("Timeout", "30000") or 30000) / 1000
        self._later(0, self._event, "Newchannel", channel)
        if outcome.result == "answer":
            self._later(outcome.ring_s, self._answer, channel)
        elif outcome.result == "ring":
            self._later(timeout_s, self._fail, channel, "no_answer")
        else:
            self._later(min(outcome.ring_s, timeout_s), self._fail, channel, outcome.result)

    async def _originate_response(self, channel: PbxChannel, success: bool,
                                  reason: int) -> None:
        fields = [("Response", "Success" if success else "Failure"),
                  ("Channel", channel.name if success else channel.requested),
                  ("Context", channel.history[0][0]), ("Exten", channel.history[0][1]),
                  ("Application", ""), ("Data", ""), ("Reason", str(reason)),
                  ("Uniqueid", channel.uniqueid if success else "<null>"),
                  ("CallerIDNum", "<unknown>"), ("CallerIDName", "<unknown>")]
        if self.hold_events:
            return
        head = [("Event", "OriginateResponse"), ("Privilege", "call,all"),
                ("Timestamp", f"{time.time():.6f}")]
        if channel.action_id:
            head.append(("ActionID", channel.action_id))
        await self._write_all(_frame([*head, *fields]), None)

    async def _answer(self, channel: PbxChannel) -> None:
        if not channel.alive:
            return
        channel.state, channel.answered = 6, True
        await self._event("Newstate", channel)
        await self._originate_response(channel, True, 4)
        outcome = channel.outcome
        if channel.context == "crm-dialer":
            self._later(outcome.amd_s, self._amd, channel)
        if outcome.hangup_after_s is not None:
            self._later(outcome.hangup_after_s, self._hangup_async, channel.uniqueid, 16)

    async def _amd(self, channel: PbxChannel) -> None:
        if not channel.alive or channel.context != "crm-dialer":
            return
        status = channel.outcome.amd
        cause = channel.outcome.amd_cause or DEFAULT_AMD_CAUSES.get(status or "", "")
        attempt = channel.variables.get("CRM_ATTEMPT_ID", channel.uniqueid)
        await self._event("UserEvent", channel, ("UserEvent", "CrmDialerAmd"),
                          ("AttemptId", attempt), ("AmdStatus", status or ""),
                          ("AmdCause", cause if status else ""), privilege="user,all")

    async def _fail(self, channel: PbxChannel, result: str) -> None:
        if not channel.alive or channel.answered:
            return
        reason, cause = REASONS.get(result, REASONS["failed"])
        await self._end(channel, cause)
        await self._originate_response(channel, False, reason)

    async def _end(self, channel: PbxChannel, cause: int) -> None:
        if not channel.alive:
            return
        channel.alive = False
        channel.hangup_cause = cause
        await self._event("Hangup", channel, ("Cause", str(cause)),
                          ("Cause-txt", CAUSE_TEXT.get(cause, "Unknown")))

    async def _hangup_async(self, uniqueid: str, cause: int) -> bool:
        channel = self._find(uniqueid)
        if channel is None:
            return False
        if channel.answered:
            await self._end(channel, cause)
        else:
            await self._fail(channel, "no_answer")
        return True

    def _redirect(self, channel: PbxChannel, context: str, exten: str) -> None:
        channel.context, channel.exten = context, exten
        channel.history.append((context, exten))
        if context == "crm-dialer-connect":
            name = f"crm-agent-{exten}"
            bridge = [("BridgeUniqueid", str(uuid.uuid5(uuid.NAMESPACE_URL, name))),
                      ("BridgeType", "base"), ("BridgeTechnology", "softmix"),
                      ("BridgeCreator", "ConfBridge"), ("BridgeName", name),
                      ("BridgeNumChannels", "2"), ("BridgeVideoSourceMode", "none")]
            self._later(0, self._event, "BridgeEnter", channel, before=bridge)
            self._later(0, self._event, "ConfbridgeJoin", channel, ("Admin", "No"),
                        ("Muted", "No"), before=[("Conference", name), *bridge])
        elif context == "crm-dialer-abandon":
            self._later(self.abandon_play_s, self._end, channel, 16)


async def _read_action(reader: asyncio.StreamReader) -> dict[str, str] | None:
    """One client action (lines up to an empty line); None at end of stream."""
    fields: dict[str, str] = {}
    while True:
        line = await reader.readline()
        if not line:
            return None
        text = line.decode("utf-8", "replace").rstrip("\r\n")
        if not text:
            if fields:
                return fields
            continue
        key, sep, value = text.partition(":")
        if sep:
            # Repeated keys (Variable: a=1 / Variable: b=2) are kept comma-joined for inspection.
            key, value = key.strip(), value.strip()
            fields[key] = f"{fields[key]},{value}" if key in fields else value
