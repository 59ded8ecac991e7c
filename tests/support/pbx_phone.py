"""A stand-in for the PBX (Asterisk) in tests: the dialer's nailed-up call to an agent.

In production the dialer worker has Asterisk originate a call to the agent's
extension with `X-CRM-Dialer-Session: <session id>` (docs: issue 16 contract);
the webphone answers it by itself and the agent sits in a ConfBridge all shift.
There is no Asterisk here, so this places that call the same way:

- baresip (the PSTN stand-in's user agent, stack/pstn.py) makes the call and
  carries the media as a browser expects it: ICE, DTLS-SRTP, rtcp-mux,
  opus/G.711; it offers and the browser answers. It plays a 440 Hz tone (what
  it hears is dropped). It is driven over ctrl_tcp (JSON in netstrings):
  `dial`, `hangup`, and its call events: CALL_MENC says DTLS-SRTP is up,
  CALL_RTPESTAB that the browser's audio arrives.
- baresip 1.0.0 cannot add a header to a call it places, so its account sends
  every new request through a small relay, `_Edge`, on 127.0.0.1:<pbx_port>,
  the address Kamailio trusts as the PBX. The session id travels in the dialled
  URI as a URI header (`sip:1001@crm.local?X-CRM-Dialer-Session=<id>`, RFC 3261
  19.1.1); the relay turns it into the real header, adds its own Via and
  passes the request to Kamailio over UDP; the responses come back through it,
  so it sees every answer to the INVITE (the 200 OK, a 486...). In-dialog
  requests (ACK, BYE) follow the route set straight between baresip and Kamailio.

One PbxPhone at a time per stack (it owns pbx_port); several calls at once are
fine, but `hang_up` ends the latest one still up (baresip's current call).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import socket
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from urllib.parse import unquote

from stack.config import SIP_DOMAIN, StackConfig, free_port
from stack.pstn import BARESIP, BROWSER_MEDIA

SESSION_HEADER = "X-CRM-Dialer-Session"


@dataclass
class PbxCall:
    """One call the PBX placed: what the relay and baresip saw of it."""

    extension: str
    session_id: str
    uri: str
    sip_call_id: str | None = None
    responses: list[int] = field(default_factory=list)   # every answer to the INVITE, in order
    events: list[dict] = field(default_factory=list)     # baresip's events for this call

    @property
    def final(self) -> int | None:
        finals = [status for status in self.responses if status >= 200]
        return finals[0] if finals else None

    def event_types(self) -> list[str]:
        return [str(event.get("type")) for event in self.events]


class _Edge(threading.Thread):
    """The PBX's trusted SIP address: relays baresip's new requests to Kamailio with the
    session header (from the URI header), and Kamailio's answers back (stateless)."""

    def __init__(self, phone: PbxPhone) -> None:
        super().__init__(name="pbx-edge", daemon=True)
        self.phone = phone
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", phone.config.pbx_port))
        self.sock.settimeout(0.2)
        self.stopping = threading.Event()
        self.kamailio = ("127.0.0.1", phone.config.sip_udp_port)

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                data, source = self.sock.recvfrom(65535)
            except TimeoutError:
                continue
            except OSError:
                return
            text = data.decode("utf-8", errors="replace")
            if source == ("127.0.0.1", self.phone.sip_port) and not text.startswith("SIP/2.0"):
                self.sock.sendto(self._request_out(text).encode(), self.kamailio)
            elif source == self.kamailio and text.startswith("SIP/2.0"):
                self.sock.sendto(self._response_back(text).encode(),
                                 ("127.0.0.1", self.phone.sip_port))

    def stop(self) -> None:
        self.stopping.set()
        self.join(5)
        self.sock.close()

    def _branch(self, head: str) -> str:
        # The same branch for an INVITE and its CANCEL and ACK (of a failure): Kamailio
        # matches them to one transaction by it.
        theirs = re.search(r"^Via:[^\r\n]*branch=([^;\s,]+)", head, re.M | re.I)
        seed = theirs.group(1) if theirs else head
        return "z9hG4bK" + hashlib.sha1(seed.encode()).hexdigest()[:20]  # noqa: S324 (an id)

    def _request_out(self, text: str) -> str:
        head, _, body = text.partition("\r\n\r\n")
        start, *lines = head.split("\r\n")
        method, uri, version = start.split(" ", 2)
        base, _, uri_headers = uri.partition("?")
        extra = []
        for pair in filter(None, uri_headers.split("&")):
            name, _, value = pair.partition("=")
            extra.append(f"{unquote(name)}: {unquote(value)}")
        kept = []
        for line in lines:
            name = line.split(":", 1)[0].strip().lower()
            if name == "route":
                continue  # the outbound proxy's route: this relay
            if name in ("to", "t") and uri_headers:
                line = line.replace("?" + uri_headers, "")
            kept.append(line)
        via = (f"Via: SIP/2.0/UDP 127.0.0.1:{self.phone.config.pbx_port};"
               f"branch={self._branch(head)};rport")
        if method == "INVITE":
            self.phone._sent_invite(base, kept, extra)
        return "\r\n".join([f"{method} {base} {version}", via, *kept, *extra, "", body])

    def _response_back(self, text: str) -> str:
        head, _, body = text.partition("\r\n\r\n")
        start, *lines = head.split("\r\n")
        out, dropped = [], False
        for line in lines:
            if not dropped and re.match(r"(via|v)\s*:", line, re.I):
                dropped = True  # ours, the top one
                continue
            out.append(line)
        status = int(start.split(" ", 2)[1])
        call_id = next((line.split(":", 1)[1].strip() for line in lines
                        if re.match(r"(call-id|i)\s*:", line, re.I)), "")
        cseq = next((line.split(":", 1)[1] for line in lines
                     if re.match(r"cseq\s*:", line, re.I)), "")
        if cseq.split()[-1:] == ["INVITE"]:
            self.phone._invite_answered(call_id, status)
        return "\r\n".join([start, *out, "", body])


class PbxPhone:
    """The PBX of the dialer, for tests: `dial(extension, session_id)`, `hang_up()`.

    Use as a context manager; `home` holds baresip's config and its log."""

    def __init__(self, config: StackConfig, home: Path) -> None:
        self.config = config
        self.home = home
        self.calls: list[PbxCall] = []
        self._lock = threading.Condition()
        self._process: subprocess.Popen[bytes] | None = None
        self._ctrl: socket.socket | None = None
        self._edge: _Edge | None = None
        self._replies: dict[str, dict] = {}
        self._token = 0
        # baresip listens on UDP and TCP at sip_port and TLS at sip_port + 1.
        self.sip_port = free_port()
        self.ctrl_port = free_port()
        while self.ctrl_port in (self.sip_port, self.sip_port + 1):
            self.ctrl_port = free_port()

    # -- lifecycle ------------------------------------------------------------
    def __enter__(self) -> PbxPhone:
        self.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    @property
    def log(self) -> Path:
        return self.home / "baresip.log"

    def start(self) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        (self.home / "config").write_text(f"""# Written by tests/support/pbx_phone.py
poll_method epoll
sip_listen 127.0.0.1:{self.sip_port}
call_max_calls 8
audio_source ausine,440
audio_player aufile,/dev/null
audio_alert aufile,/dev/null
{BROWSER_MEDIA}module_app account.so
module_app menu.so
module_app ctrl_tcp.so
ctrl_tcp_listen 127.0.0.1:{self.ctrl_port}
""")
        # Every new request goes out through the relay (outbound proxy) at the trusted port.
        (self.home / "accounts").write_text(
            f"<sip:pbx@127.0.0.1:{self.sip_port}>;regint=0;answermode=manual;"
            "mediaenc=dtls_srtp;medianat=ice;audio_codecs=opus/48000/2,PCMU,PCMA;"
            f"outbound=\"sip:127.0.0.1:{self.config.pbx_port};lr\"\n")
        self._edge = _Edge(self)
        self._edge.start()
        log = self.log.open("wb")
        self._process = subprocess.Popen([BARESIP, "-f", str(self.home)], cwd=self.home,
                                         stdin=subprocess.DEVNULL, stdout=log,
                                         stderr=subprocess.STDOUT)
        log.close()
        deadline = time.monotonic() + 10
        while True:
            try:
                self._ctrl = socket.create_connection(("127.0.0.1", self.ctrl_port), timeout=1)
                break
            except OSError:
                if self._process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"baresip (the PBX stand-in) did not start:\n"
                                       f"{self.log.read_text(errors='replace')}") from None
                time.sleep(0.1)
        self._ctrl.settimeout(None)
        threading.Thread(target=self._read_ctrl, name="pbx-ctrl", daemon=True).start()

    def stop(self) -> None:
        if self._ctrl:
            with contextlib.suppress(OSError):
                self._ctrl.close()
            self._ctrl = None
        if self._process and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(5)
        self._process = None
        if self._edge:
            self._edge.stop()
            self._edge = None

    # -- calls ----------------------------------------------------------------
    def dial(self, extension: str, session_id: str | None) -> PbxCall:
        """Call `extension` through Kamailio with X-CRM-Dialer-Session: session_id (none if
        None), as the dialer's Originate does. Returns at once; wait on the PbxCall."""
        uri = f"sip:{extension}@{SIP_DOMAIN}"
        if session_id is not None:
            uri += f"?{SESSION_HEADER}={session_id}"
        call = PbxCall(extension, session_id or "", uri)
        with self._lock:
            self.calls.append(call)
        reply = self._command("dial", uri)
        if not reply.get("ok"):
            raise RuntimeError(f"baresip refused to dial {uri}: {reply}")
        return call

    def hang_up(self) -> None:
        """End the latest call still up (baresip's current call): a BYE, or a CANCEL."""
        reply = self._command("hangup", "")
        if not reply.get("ok"):
            raise RuntimeError(f"baresip could not hang up: {reply}")

    def wait_for(self, call: PbxCall, what: str, timeout: float = 15) -> None:
        """Wait until `call` has the baresip event `what` (CALL_ESTABLISHED, CALL_MENC,
        CALL_RTPESTAB, CALL_CLOSED...) or, for "final", a final answer to its INVITE."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while not self._has(call, what):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"no {what} for the call to {call.extension} within {timeout} s: "
                        f"answers {call.responses}, events {call.event_types()}")
                self._lock.wait(left)

    def _has(self, call: PbxCall, what: str) -> bool:
        if what == "final":
            return call.final is not None
        return what in call.event_types()

    # -- what the relay and baresip report --------------------------------------
    def _sent_invite(self, uri: str, lines: list[str], extra: list[str]) -> None:
        call_id = next((line.split(":", 1)[1].strip() for line in lines
                        if re.match(r"(call-id|i)\s*:", line, re.I)), None)
        session = next((h.split(":", 1)[1].strip() for h in extra
                        if h.lower().startswith(SESSION_HEADER.lower() + ":")), "")
        with self._lock:
            for call in self.calls:
                if call.sip_call_id is None and call.session_id == session and \
                        call.uri.split("?")[0] == uri:
                    call.sip_call_id = call_id
                    break

    def _invite_answered(self, call_id: str, status: int) -> None:
        with self._lock:
            for call in self.calls:
                if call.sip_call_id == call_id:
                    call.responses.append(status)
            self._lock.notify_all()

    def _command(self, command: str, params: str, timeout: float = 10) -> dict:
        assert self._ctrl, "the PBX stand-in is not running"
        with self._lock:
            self._token += 1
            token = str(self._token)
        message = json.dumps({"command": command, "params": params, "token": token}).encode()
        self._ctrl.sendall(f"{len(message)}:".encode() + message + b",")
        deadline = time.monotonic() + timeout
        with self._lock:
            while token not in self._replies:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"baresip did not answer {command!r}")
                self._lock.wait(left)
            return self._replies.pop(token)

    def _read_ctrl(self) -> None:
        buffer = b""
        ctrl = self._ctrl
        while ctrl:
            try:
                chunk = ctrl.recv(65536)
            except OSError:
                return
            if not chunk:
                return
            buffer += chunk
            while b":" in buffer:  # netstrings: <length>:<json>,
                length, _, rest = buffer.partition(b":")
                size = int(length)
                if len(rest) < size + 1:
                    break
                self._on_message(json.loads(rest[:size]))
                buffer = rest[size + 1:]

    def _on_message(self, message: dict) -> None:
        with self._lock:
            if message.get("response"):
                self._replies[str(message.get("token"))] = message
            elif message.get("event"):
                # baresip's events name the call by the URI it dialled (no call id in 1.0.0).
                peer = str(message.get("peeruri", ""))
                call = next((c for c in self.calls
                             if c.uri == peer and "CALL_CLOSED" not in c.event_types()), None)
                if call:
                    call.events.append(message)
            self._lock.notify_all()
