"""Kamailio and the dialer's nailed-up call (issue 16): only the PBX may send X-CRM-Dialer-Session.

The webphone answers by itself an INVITE carrying its own dialer session, so the
header must come from the PBX alone: Kamailio trusts the PBX by address
(127.0.0.1:<pbx_port>, here tests/support/pbx_phone.py, baresip behind a relay)
and relays its call to the agent's registered webphone (a hand-made WebSocket
client here); the same header from an agent's webphone, or from any other
address, is refused, and it is removed from requests within a call.
"""

from __future__ import annotations

import re
import secrets
import socket
import threading
from collections.abc import Iterator

import pytest
from websockets.sync.client import ClientConnection, connect

from stack.config import SIP_DOMAIN
from tests.support.pbx_phone import SESSION_HEADER, PbxPhone
from tests.support.sip_ws import SipResponse, _authorization, _parse, invite

SESSION = "6f1c1a52-1d49-4a6e-9f55-3f0f8f0e2b10"


def _via() -> str:
    return f"Via: SIP/2.0/WSS {secrets.token_hex(4)}.invalid;branch=z9hG4bK{secrets.token_hex(6)}"


class WsPhone:
    """A webphone's SIP side, reduced: registered over WebSocket, it stays connected and
    reads the requests Kamailio relays to it, and answers them as told."""

    def __init__(self, ws_url: str, extension: str, username: str, password: str) -> None:
        self.extension = extension
        self.dialog: dict[str, str] = {}
        self.ws: ClientConnection = connect(ws_url, subprotocols=["sip"], open_timeout=5)
        self.contact = f"<sip:{secrets.token_hex(4)}@{secrets.token_hex(4)}.invalid;transport=ws>"
        call_id, tag, uri = secrets.token_hex(8), secrets.token_hex(4), f"sip:{SIP_DOMAIN}"

        def register(cseq: int, authorization: str | None) -> str:
            lines = [
                f"REGISTER {uri} SIP/2.0",
                _via(),
                "Max-Forwards: 70",
                f"To: <sip:{extension}@{SIP_DOMAIN}>",
                f"From: <sip:{extension}@{SIP_DOMAIN}>;tag={tag}",
                f"Call-ID: {call_id}",
                f"CSeq: {cseq} REGISTER",
                f"Contact: {self.contact};expires=120",
                "Expires: 120",
                *([f"Authorization: {authorization}"] if authorization else []),
            ]
            return "\r\n".join([*lines, "Content-Length: 0", "", ""])

        self.ws.send(register(1, None))
        challenge = _parse(str(self.ws.recv(timeout=5)))
        assert challenge.status == 401, challenge
        self.ws.send(register(2, _authorization(challenge.headers["www-authenticate"],
                                                "REGISTER", uri, username, password)))
        registered = _parse(str(self.ws.recv(timeout=5)))
        assert registered.status == 200, registered

    def next_request(self, timeout: float = 10) -> str:
        """The next request Kamailio sends (ACKs of answers we gave are skipped)."""
        while True:
            message = str(self.ws.recv(timeout=timeout))
            if not message.startswith(("SIP/2.0", "ACK ")):
                return message

    def nothing_for(self, seconds: float) -> bool:
        try:
            message = str(self.ws.recv(timeout=seconds))
        except TimeoutError:
            return True
        raise AssertionError(f"{self.extension} got a request it should not have:\n{message}")

    def answer(self, request: str, status: int, reason: str) -> None:
        head = request.split("\r\n\r\n", 1)[0].split("\r\n")
        # A 2xx to an INVITE makes a dialog: its route set (Record-Route) and our Contact.
        names = "via|v|from|f|call-id|i|cseq" + ("|record-route" if 200 <= status < 300 else "")
        keep = [line for line in head[1:] if re.match(rf"({names})\s*:", line, re.I)]
        to = next(line for line in head[1:] if re.match(r"(to|t)\s*:", line, re.I))
        if ";tag=" not in to:
            to += f";tag={secrets.token_hex(4)}"
        contact = [f"Contact: {self.contact}"] if 200 <= status < 300 else []
        self.ws.send("\r\n".join([f"SIP/2.0 {status} {reason}", *keep, to, *contact,
                                  "Content-Length: 0", "", ""]))

    def call(self, extension: str, username: str, password: str) -> None:
        """An INVITE from this phone to `extension` (answering the proxy's challenge); the
        answer comes with read_answer, the dialog's requests go with in_dialog."""
        call_id, tag = secrets.token_hex(8), secrets.token_hex(4)
        uri = f"sip:{extension}@{SIP_DOMAIN}"
        self.dialog = {"call_id": call_id, "from": f"<sip:{self.extension}@{SIP_DOMAIN}>;tag={tag}"}

        def request(cseq: int, authorization: str | None) -> str:
            return "\r\n".join([
                f"INVITE {uri} SIP/2.0",
                _via(), "Max-Forwards: 70", f"To: <{uri}>", f"From: {self.dialog['from']}",
                f"Call-ID: {call_id}", f"CSeq: {cseq} INVITE", f"Contact: {self.contact}",
                *([f"Proxy-Authorization: {authorization}"] if authorization else []),
                "Content-Length: 0", "", ""])

        self.ws.send(request(1, None))
        challenge = _parse(str(self.ws.recv(timeout=5)))
        assert challenge.status == 407, challenge
        self.ws.send(request(2, _authorization(challenge.headers["proxy-authenticate"], "INVITE",
                                               uri, username, password)))

    def read_answer(self) -> str:
        """The final answer to our INVITE (provisional ones skipped)."""
        while True:
            message = str(self.ws.recv(timeout=10))
            if message.startswith("SIP/2.0 ") and not message.startswith("SIP/2.0 1"):
                return message

    def in_dialog(self, answer: str, method: str, cseq: int, headers: list[str]) -> None:
        """ACK or another request within the dialog the 200 OK `answer` made (RFC 3261 12.2.1)."""
        routes = list(reversed(header(answer, "Record-Route")))
        target = re.search(r"<([^>]+)>", header(answer, "Contact")[0])
        assert target, answer
        self.ws.send("\r\n".join([
            f"{method} {target.group(1)} SIP/2.0",
            _via(), "Max-Forwards: 70", *[f"Route: {r}" for r in routes],
            f"To: {header(answer, 'To')[0]}", f"From: {self.dialog['from']}",
            f"Call-ID: {self.dialog['call_id']}", f"CSeq: {cseq} {method}", *headers,
            "Content-Length: 0", "", ""]))

    def close(self) -> None:
        self.ws.close()


def header(request: str, name: str) -> list[str]:
    head = request.split("\r\n\r\n", 1)[0]
    return [value.strip() for value in re.findall(rf"^{re.escape(name)}\s*:(.*)$", head,
                                                  re.M | re.I)]


@pytest.fixture
def creds(sign_in):
    def _creds(email: str) -> dict:
        return sign_in(email).rpc("sip_credentials").execute().data
    return _creds


@pytest.fixture
def phone(stack, creds) -> Iterator:
    """phone(email) -> that agent's webphone, registered; all closed afterwards."""
    phones: list[WsPhone] = []

    def _phone(email: str) -> WsPhone:
        c = creds(email)
        phones.append(WsPhone(stack.sip_ws_url, c["extension"], c["username"], c["password"]))
        return phones[-1]

    yield _phone
    for p in phones:
        p.close()


@pytest.fixture
def pbx(stack, tmp_path) -> Iterator[PbxPhone]:
    with PbxPhone(stack, tmp_path / "pbx") as phone:
        yield phone


def test_the_pbx_call_reaches_the_agents_webphone_with_the_session(pbx, phone):
    agent = phone("agent1@demo.test")
    call = pbx.dial(agent.extension, SESSION)
    request = agent.next_request()
    assert request.startswith("INVITE "), request
    assert f"sip:{agent.extension}@{SIP_DOMAIN}" in header(request, "To")[0]
    assert header(request, SESSION_HEADER) == [SESSION]
    # The offer is one a browser can answer: ICE, DTLS-SRTP, RTP and RTCP on one port.
    body = request.split("\r\n\r\n", 1)[1]
    for line in ("UDP/TLS/RTP/SAVPF", "a=fingerprint:", "a=ice-ufrag:", "a=rtcp-mux",
                 "opus/48000/2", "PCMU/8000"):
        assert line in body, line
    agent.answer(request, 180, "Ringing")
    agent.answer(request, 486, "Busy Here")
    pbx.wait_for(call, "final")
    assert call.responses[-2:] == [180, 486]
    pbx.wait_for(call, "CALL_CLOSED")


def test_the_pbx_call_to_an_extension_with_no_webphone_is_unavailable(pbx, creds):
    extension = creds("agent3@demo.test")["extension"]
    call = pbx.dial(extension, SESSION)
    pbx.wait_for(call, "final")
    assert call.final == 480


def test_the_pbx_hangs_up_a_ringing_call(pbx, phone):
    agent = phone("agent1@demo.test")
    call = pbx.dial(agent.extension, SESSION)
    invite_request = agent.next_request()
    agent.answer(invite_request, 180, "Ringing")
    pbx.wait_for(call, "CALL_RINGING")
    pbx.hang_up()
    cancel = agent.next_request()
    assert cancel.startswith("CANCEL "), cancel
    agent.answer(cancel, 200, "OK")
    agent.answer(invite_request, 487, "Request Terminated")
    pbx.wait_for(call, "final")
    assert call.final == 487


@pytest.mark.parametrize("name", [SESSION_HEADER, SESSION_HEADER.lower()])
def test_an_agent_cannot_send_a_dialer_session_to_a_colleague(stack, phone, creds, name):
    victim = phone("agent1@demo.test")
    caller = creds("agent2@demo.test")
    responses = invite(stack.sip_ws_url, SIP_DOMAIN, caller["extension"], caller["username"],
                       caller["password"], victim.extension, headers=[f"{name}: {SESSION}"])
    assert (responses[-1].status, responses[-1].reason) == (
        403, "Forbidden: only the PBX places dialer calls")
    assert victim.nothing_for(1)


def test_a_call_between_colleagues_without_it_still_rings(stack, phone, creds):
    callee = phone("agent1@demo.test")
    caller = creds("agent2@demo.test")
    result: list[list[SipResponse]] = []
    thread = threading.Thread(target=lambda: result.append(invite(
        stack.sip_ws_url, SIP_DOMAIN, caller["extension"], caller["username"],
        caller["password"], callee.extension)))
    thread.start()
    request = callee.next_request()
    assert request.startswith("INVITE "), request
    assert header(request, SESSION_HEADER) == []
    callee.answer(request, 486, "Busy Here")
    thread.join(10)
    assert result and result[0][-1].status == 486, result


def _udp_invite(kamailio_port: int, extension: str, bind_port: int = 0) -> str:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", bind_port))
        port = s.getsockname()[1]
        s.settimeout(5)
        request = "\r\n".join([
            f"INVITE sip:{extension}@{SIP_DOMAIN} SIP/2.0",
            f"Via: SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bK{secrets.token_hex(6)};rport",
            "Max-Forwards: 70",
            f"To: <sip:{extension}@{SIP_DOMAIN}>",
            f"From: <sip:pbx@127.0.0.1:{port}>;tag={secrets.token_hex(4)}",
            f"Call-ID: {secrets.token_hex(8)}",
            "CSeq: 1 INVITE",
            f"Contact: <sip:pbx@127.0.0.1:{port}>",
            f"{SESSION_HEADER}: {SESSION}",
            "Content-Length: 0", "", ""])
        s.sendto(request.encode(), ("127.0.0.1", kamailio_port))
        while True:
            response = s.recv(65535).decode()
            if not response.startswith("SIP/2.0 1"):
                return response.split("\r\n", 1)[0]


def test_only_the_pbx_address_is_trusted(stack, phone):
    agent = phone("agent1@demo.test")
    assert _udp_invite(stack.sip_udp_port, agent.extension) == "SIP/2.0 403 Forbidden"
    assert agent.nothing_for(1)


def test_the_header_is_removed_from_a_request_within_a_call(stack, phone, creds):
    """A re-INVITE or INFO inside a call between colleagues cannot carry it either."""
    callee = phone("agent1@demo.test")
    caller_creds = creds("agent2@demo.test")
    caller = phone("agent2@demo.test")
    caller.call(callee.extension, caller_creds["username"], caller_creds["password"])
    invite_request = callee.next_request()
    callee.answer(invite_request, 200, "OK")
    answer = caller.read_answer()
    assert answer.startswith("SIP/2.0 200 "), answer
    caller.in_dialog(answer, "ACK", 2, [])
    caller.in_dialog(answer, "INFO", 3, [f"{SESSION_HEADER}: {SESSION}", "X-Other: kept"])
    info = callee.next_request()
    assert info.startswith("INFO "), info
    assert header(info, SESSION_HEADER) == []
    assert header(info, "X-Other") == ["kept"]
