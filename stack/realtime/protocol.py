"""Phoenix's two wire formats as Supabase Realtime speaks them.

vsn 1.0.0 (realtime-py): JSON objects {topic, event, payload, ref}; Phoenix's V1 serializer
never writes join_ref. vsn 2.0.0 (supabase-js): JSON arrays [join_ref, ref, topic, event,
payload], plus Realtime's binary broadcast frames (RealtimeWeb.Socket.V2Serializer): the client
sends "user broadcast push" frames (kind 3) and receives "user broadcast" frames (kind 4).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

VSN_1 = "1.0.0"
VSN_2 = "2.0.0"
VERSIONS = (VSN_1, VSN_2)

# Frame kinds of Realtime's V2 serializer.
KIND_PUSH = 0
KIND_USER_BROADCAST_PUSH = 3
KIND_USER_BROADCAST = 4
ENCODING_BINARY = 0
ENCODING_JSON = 1


class ProtocolError(ValueError):
    """A frame this server cannot read; Phoenix drops the socket for it."""


@dataclass(frozen=True)
class UserBroadcast:
    """A broadcast whose user payload travels as bytes: from a binary push, or from a
    realtime.messages row. metadata is what Realtime adds ({"id": ...} for database rows)."""
    event: str
    encoding: int  # ENCODING_JSON or ENCODING_BINARY
    body: bytes
    metadata: dict[str, Any] | None = None


@dataclass(frozen=True)
class Frame:
    """One message from a client. payload is a dict, or a UserBroadcast for a binary push."""
    join_ref: str | None
    ref: str | None
    topic: str
    event: str
    payload: dict[str, Any] | UserBroadcast


def dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)


def decode(vsn: str, raw: str | bytes) -> Frame:
    if isinstance(raw, bytes):
        if vsn != VSN_2:
            raise ProtocolError("binary frames need vsn 2.0.0")
        return _decode_binary(raw)
    try:
        data = json.loads(raw)
    except ValueError as e:
        raise ProtocolError(f"invalid JSON: {e}") from e
    if vsn == VSN_1:
        if not isinstance(data, dict):
            raise ProtocolError("expected a JSON object")
        join_ref, ref = data.get("join_ref"), data.get("ref")
        topic, event, payload = data.get("topic"), data.get("event"), data.get("payload")
    else:
        if not isinstance(data, list) or len(data) < 5:
            raise ProtocolError("expected V2 array")
        join_ref, ref, topic, event, payload = data[:5]
    if not isinstance(topic, str) or not isinstance(event, str):
        raise ProtocolError("topic and event must be strings")
    if not isinstance(payload, dict):
        raise ProtocolError("payload must be an object")
    return Frame(_text(join_ref), _text(ref), topic, event, payload)


def _decode_binary(raw: bytes) -> Frame:
    if len(raw) < 7 or raw[0] != KIND_USER_BROADCAST_PUSH:
        raise ProtocolError("unsupported binary frame")
    sizes = raw[1:6]
    encoding = raw[6]
    offset = 7
    parts: list[bytes] = []
    for size in sizes:
        parts.append(raw[offset:offset + size])
        offset += size
    if offset > len(raw):
        raise ProtocolError("truncated binary frame")
    join_ref, ref, topic, event, metadata = (p.decode() for p in parts)
    body = raw[offset:]
    meta = json.loads(metadata) if metadata else None
    return Frame(join_ref or None, ref or None, topic, "broadcast",
                 UserBroadcast(event, ENCODING_BINARY if encoding == 0 else ENCODING_JSON, body,
                               meta))


def encode(vsn: str, join_ref: str | None, ref: str | None, topic: str, event: str,
           payload: dict[str, Any]) -> str:
    """A message, reply or push from the server."""
    if vsn == VSN_1:
        return dumps({"topic": topic, "event": event, "payload": payload, "ref": ref})
    return dumps([join_ref, ref, topic, event, payload])


def reply(vsn: str, join_ref: str | None, ref: str | None, topic: str, status: str,
          response: dict[str, Any]) -> str:
    return encode(vsn, join_ref, ref, topic, "phx_reply", {"status": status, "response": response})


def encode_broadcast(vsn: str, topic: str,
                     content: dict[str, Any] | UserBroadcast) -> str | bytes | None:
    """A broadcast as Realtime's dispatcher sends it to one socket (None: this socket cannot
    represent it: a binary payload to a vsn 1.0.0 socket)."""
    if isinstance(content, dict):
        return encode(vsn, None, None, topic, "broadcast", content)
    if vsn == VSN_2:
        metadata = dumps(content.metadata).encode() if content.metadata else b""
        topic_b, event_b = topic.encode(), content.event.encode()
        if max(len(topic_b), len(event_b), len(metadata)) > 255:
            return None
        header = bytes([KIND_USER_BROADCAST, len(topic_b), len(event_b), len(metadata),
                        content.encoding])
        return header + topic_b + event_b + metadata + content.body
    if content.encoding != ENCODING_JSON:
        return None
    payload: dict[str, Any] = {"event": content.event, "payload": json.loads(content.body),
                               "type": "broadcast"}
    if content.metadata:
        payload["meta"] = content.metadata
    return encode(vsn, None, None, topic, "broadcast", payload)
