"""A minimal SIP-over-WebSocket client (RFC 7118) for testing Kamailio's registrar and proxy.

Only what a REGISTER or an INVITE with digest authentication needs, as JsSIP sends it:
Via over WS with a *.invalid host, and the answer to a 401 challenge
(RFC 2617, qop=auth when offered). The webphone's own tests use JsSIP itself.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass

from websockets.sync.client import connect


@dataclass
class SipResponse:
    status: int
    reason: str
    headers: dict[str, str]


def _parse(raw: str) -> SipResponse:
    head, *lines = raw.split("\r\n")
    _, status, reason = head.split(" ", 2)
    headers = {}
    for line in lines:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    return SipResponse(int(status), reason, headers)


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()  # noqa: S324 (SIP digest is MD5)


def _authorization(challenge: str, method: str, uri: str, username: str, password: str) -> str:
    """The answer to a digest challenge (RFC 2617, qop=auth when offered)."""
    params = dict(re.findall(r'(\w+)="?([^",]+)"?', challenge))
    ha1 = _md5(f"{username}:{params['realm']}:{password}")
    ha2 = _md5(f"{method}:{uri}")
    fields = {"username": username, "realm": params["realm"], "nonce": params["nonce"],
              "uri": uri, "algorithm": "MD5"}
    if "auth" in params.get("qop", "").split(","):
        cnonce, nc = secrets.token_hex(8), "00000001"
        fields |= {"qop": "auth", "nc": nc, "cnonce": cnonce}
        fields["response"] = _md5(f"{ha1}:{params['nonce']}:{nc}:{cnonce}:auth:{ha2}")
    else:
        fields["response"] = _md5(f"{ha1}:{params['nonce']}:{ha2}")
    unquoted = {"qop", "nc", "algorithm"}
    return "Digest " + ", ".join(
        f"{k}={v}" if k in unquoted else f'{k}="{v}"' for k, v in fields.items())


def register(ws_url: str, domain: str, extension: str, username: str, password: str,
             *, timeout: float = 5.0) -> SipResponse:
    """REGISTER sip:<extension>@<domain>, answering one challenge. Returns the final response."""
    call_id = secrets.token_hex(8)
    tag = secrets.token_hex(4)
    contact = f"<sip:{secrets.token_hex(4)}@{secrets.token_hex(4)}.invalid;transport=ws>"
    uri = f"sip:{domain}"

    def request(cseq: int, authorization: str | None) -> str:
        lines = [
            f"REGISTER {uri} SIP/2.0",
            f"Via: SIP/2.0/WSS {secrets.token_hex(4)}.invalid;branch=z9hG4bK{secrets.token_hex(6)}",
            "Max-Forwards: 70",
            f"To: <sip:{extension}@{domain}>",
            f"From: <sip:{extension}@{domain}>;tag={tag}",
            f"Call-ID: {call_id}",
            f"CSeq: {cseq} REGISTER",
            f"Contact: {contact};expires=60",
            "Expires: 60",
        ]
        if authorization:
            lines.append(f"Authorization: {authorization}")
        return "\r\n".join([*lines, "Content-Length: 0", "", ""])

    with connect(ws_url, subprotocols=["sip"], open_timeout=timeout) as ws:
        ws.send(request(1, None))
        first = _parse(ws.recv(timeout=timeout))
        if first.status != 401:
            return first
        authorization = _authorization(first.headers["www-authenticate"], "REGISTER", uri,
                                       username, password)
        ws.send(request(2, authorization))
        return _parse(ws.recv(timeout=timeout))


def invite(ws_url: str, domain: str, extension: str, username: str, password: str,
           number: str, *, headers: list[str] | None = None,
           timeout: float = 10.0) -> list[SipResponse]:
    """A hand-made INVITE sip:<number>@<domain> from <extension>, with `headers` ("Name: value")
    added, as the webphone sends it (no SDP: the proxy's decision does not look at it),
    answering one proxy challenge. Returns every response to the authenticated INVITE, up to
    and including the final one."""
    call_id = secrets.token_hex(8)
    tag = secrets.token_hex(4)
    contact = f"<sip:{secrets.token_hex(4)}@{secrets.token_hex(4)}.invalid;transport=ws>"
    uri = f"sip:{number}@{domain}"

    def request(cseq: int, authorization: str | None) -> str:
        lines = [
            f"INVITE {uri} SIP/2.0",
            f"Via: SIP/2.0/WSS {secrets.token_hex(4)}.invalid;branch=z9hG4bK{secrets.token_hex(6)}",
            "Max-Forwards: 70",
            f"To: <{uri}>",
            f"From: <sip:{extension}@{domain}>;tag={tag}",
            f"Call-ID: {call_id}",
            f"CSeq: {cseq} INVITE",
            f"Contact: {contact}",
            *(headers or []),
        ]
        if authorization:
            lines.append(f"Proxy-Authorization: {authorization}")
        return "\r\n".join([*lines, "Content-Length: 0", "", ""])

    with connect(ws_url, subprotocols=["sip"], open_timeout=timeout) as ws:
        ws.send(request(1, None))
        first = _parse(ws.recv(timeout=timeout))
        if first.status not in (401, 407):
            return [first]
        challenge = first.headers.get("proxy-authenticate") or first.headers["www-authenticate"]
        ws.send(request(2, _authorization(challenge, "INVITE", uri, username, password)))
        responses = [_parse(ws.recv(timeout=timeout))]
        while responses[-1].status < 200:
            responses.append(_parse(ws.recv(timeout=timeout)))
        return responses
