"""The Realtime stand-in's server (see stack/realtime/__init__.py for what it stands in for).

Routes are served at the root; the gateway maps /realtime/v1/ onto them:
  GET  /websocket          Phoenix socket (?apikey=<JWT>&vsn=1.0.0|2.0.0)
  POST /api/broadcast      REST broadcast (a batch of messages)
  POST /api/broadcast/{topic}/events/{event}   REST broadcast of one message (httpSend)
  GET  /api/ping           {"message": "Success"}, the readiness check
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
import secrets
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import psycopg
from aiohttp import WSMsgType, web
from psycopg_pool import AsyncConnectionPool

from stack.realtime import protocol
from stack.realtime.auth import (
    CONNECT_ERRORS,
    Policies,
    PolicyError,
    TokenError,
    read_policies,
    verify,
    write_policies,
)
from stack.realtime.changes import Binding, BindingError, BroadcastRow, ChangeFeed
from stack.realtime.protocol import Frame, UserBroadcast

log = logging.getLogger("stack.realtime")

TOPIC_PREFIX = "realtime:"


@dataclass(frozen=True)
class Settings:
    database_url: str
    jwt_secret: str
    # A socket that sends nothing (not even a heartbeat) for this long is closed (Phoenix's 60 s).
    idle_timeout: float = 60.0
    # Realtime's client_presence_rate_limit default: 5 presence messages per 30 s per channel.
    presence_max_calls: int = 5
    presence_window: float = 30.0
    # Realtime's tenant default max_channels_per_client.
    max_channels_per_client: int = 100
    # How often a joined channel re-checks its token (Realtime: every 5 minutes, or at exp).
    confirm_token_interval: float = 300.0
    # realtime.messages partitions: how often to create ahead and drop old ones.
    partition_interval: float = 3600.0
    # Start the WAL reader (stack/realtime/changes.py) for postgres_changes and database
    # broadcasts.
    changes: bool = True


def _ref() -> str:
    """A presence phx_ref: Phoenix's are short random base64 strings."""
    return secrets.token_urlsafe(9)


# ---------------------------------------------------------------------------
# Sockets and channels
# ---------------------------------------------------------------------------

@dataclass(eq=False)
class Connection:
    """One WebSocket. Frames leave through a queue, so callbacks (the WAL reader's) never wait."""
    ws: web.WebSocketResponse
    vsn: str
    apikey: str
    headers: dict[str, str]
    channels: dict[str, Channel] = field(default_factory=dict)
    queue: asyncio.Queue[str | bytes | None] = field(default_factory=asyncio.Queue)
    last_seen: float = 0.0
    closed: bool = False

    def send(self, frame: str | bytes | None) -> None:
        if not self.closed:
            self.queue.put_nowait(frame)

    def reply(self, frame: Frame, status: str, response: dict[str, Any]) -> None:
        self.send(protocol.reply(self.vsn, frame.join_ref, frame.ref, frame.topic, status,
                                 response))


@dataclass(eq=False)
class Channel:
    conn: Connection
    topic: str          # "realtime:<sub_topic>"
    sub_topic: str
    join_ref: str | None
    private: bool
    ack: bool
    self_broadcast: bool
    presence_key: str
    presence_enabled: bool
    access_token: str
    claims: dict[str, Any]
    policies: Policies | None = None
    bindings: list[dict[str, Any]] = field(default_factory=list)
    changes_error: str | None = None  # why its postgres_changes could not be subscribed
    tracked: tuple[str, dict[str, Any]] | None = None  # (phx_ref, meta)
    track_payload: dict[str, Any] | None = None
    presence_calls: int = 0
    presence_reset_at: float | None = None
    confirm_timer: asyncio.TimerHandle | None = None
    closed: bool = False

    @property
    def key(self) -> tuple[str, bool]:
        """Realtime keeps public and private channels of one name apart (tenant_topic)."""
        return (self.sub_topic, self.private)

    def push(self, event: str, payload: dict[str, Any]) -> None:
        """A push from the channel itself (carries the join_ref in vsn 2)."""
        self.conn.send(protocol.encode(self.conn.vsn, self.join_ref, None, self.topic, event,
                                       payload))

    def fastlane(self, event: str, payload: dict[str, Any]) -> None:
        """A message from pubsub straight to the socket (no join_ref)."""
        self.conn.send(protocol.encode(self.conn.vsn, None, None, self.topic, event, payload))

    def system(self, extension: str, status: str, message: str) -> None:
        self.push("system", {"extension": extension, "status": status, "message": message,
                             "channel": self.sub_topic})

    def can_read(self, what: str) -> bool:
        if not self.private:
            return True
        return self.policies is not None and getattr(self.policies, f"{what}_read") is True


class JoinError(Exception):
    """A refused join; str is the reply's reason ("<Code>: <message>")."""


# ---------------------------------------------------------------------------
# The server
# ---------------------------------------------------------------------------

class Server:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.pool: AsyncConnectionPool[Any] | None = None
        self.feed: ChangeFeed | None = None  # the WAL reader, unless settings.changes is off
        self.topics: dict[tuple[str, bool], set[Channel]] = {}
        self.presences: dict[tuple[str, bool], dict[str, dict[str, dict[str, Any]]]] = {}
        self.connections: set[Connection] = set()
        self.tasks: list[asyncio.Task[None]] = []

    # -- lifecycle ----------------------------------------------------------
    async def start(self) -> None:
        self.pool = AsyncConnectionPool(self.settings.database_url, min_size=1, max_size=8,
                                        open=False, kwargs={"autocommit": True})
        await self.pool.open(wait=True, timeout=30)
        try:
            await self.upkeep_partitions()
        except Exception:  # the next round retries; sockets need not wait for it
            log.exception("partition upkeep failed")
        self.tasks.append(asyncio.create_task(self._partition_loop()))
        if self.settings.changes:
            self.feed = ChangeFeed(self.settings.database_url, on_broadcast=self.on_broadcast)
            await self.feed.start()

    async def stop(self) -> None:
        for task in self.tasks:
            task.cancel()
        for conn in list(self.connections):
            conn.send(None)
        if self.feed is not None:
            await self.feed.stop()
        if self.pool is not None:
            await self.pool.close()

    # -- partitions of realtime.messages -------------------------------------
    async def upkeep_partitions(self) -> None:
        """Realtime.Tenants.create_messages_partitions (yesterday to three days ahead) and
        Realtime.Messages.delete_old_messages (drop days that ended over 72 hours ago)."""
        assert self.pool is not None
        now = dt.datetime.now(dt.UTC)
        today = now.date()
        limit = (now - dt.timedelta(hours=72)).date()
        async with self.pool.connection() as conn:
            for offset in range(-1, 4):
                day = today + dt.timedelta(days=offset)
                name = f"messages_{day:%Y_%m_%d}"
                try:
                    async with conn.transaction():
                        await conn.execute(
                            f"create table if not exists realtime.{name} partition of"
                            f" realtime.messages for values from ('{day}') to"
                            f" ('{day + dt.timedelta(days=1)}')")
                except Exception as e:  # Realtime logs PartitionCreationFailed
                    log.error("PartitionCreationFailed: %s: %s", name, e)
            cur = await conn.execute(
                "select child.relname from pg_inherits"
                " join pg_class parent on pg_inherits.inhparent = parent.oid"
                " join pg_class child on pg_inherits.inhrelid = child.oid"
                " join pg_namespace n on n.oid = child.relnamespace"
                " where parent.relname = 'messages' and n.nspname = 'realtime'")
            for (relname,) in await cur.fetchall():
                try:
                    day = dt.date.fromisoformat(relname.removeprefix("messages_").replace("_", "-"))
                except ValueError:
                    continue
                if day < limit:
                    await conn.execute(f'drop table if exists realtime."{relname}"')

    async def _partition_loop(self) -> None:
        while True:
            await asyncio.sleep(self.settings.partition_interval)
            try:
                await self.upkeep_partitions()
            except Exception:
                log.exception("partition upkeep failed")

    # -- fan-out --------------------------------------------------------------
    def broadcast(self, key: tuple[str, bool], content: dict[str, Any] | UserBroadcast,
                  sender: Channel | None = None) -> None:
        cache: dict[tuple[str, str], str | bytes | None] = {}
        for ch in list(self.topics.get(key, ())):
            if ch is sender and not ch.self_broadcast:
                continue
            if not ch.can_read("broadcast"):
                continue
            k = (ch.conn.vsn, ch.topic)
            if k not in cache:
                cache[k] = protocol.encode_broadcast(ch.conn.vsn, ch.topic, content)
            if (frame := cache[k]) is not None:
                ch.conn.send(frame)

    def on_broadcast(self, row: BroadcastRow) -> None:
        """A realtime.messages row from the WAL reader (database Broadcast)."""
        if row.binary_payload is not None:
            content = UserBroadcast(row.event or "", protocol.ENCODING_BINARY,
                                    bytes(row.binary_payload), {"id": str(row.id)})
        elif row.payload is not None:
            content = UserBroadcast(row.event or "", protocol.ENCODING_JSON,
                                    protocol.dumps(row.payload).encode(), {"id": str(row.id)})
        else:
            return
        self.broadcast((row.topic, bool(row.private)), content)

    # -- presence ---------------------------------------------------------------
    def presence_state(self, key: tuple[str, bool]) -> dict[str, Any]:
        state: dict[str, Any] = {}
        for presence_key, metas in self.presences.get(key, {}).items():
            if metas:
                state[presence_key] = {"metas": list(metas.values())}
        return state

    def presence_diff(self, key: tuple[str, bool], joins: dict[str, Any],
                      leaves: dict[str, Any]) -> None:
        payload = {"joins": joins, "leaves": leaves}
        for ch in list(self.topics.get(key, ())):
            if ch.can_read("presence"):
                ch.fastlane("presence_diff", payload)

    def track(self, ch: Channel, payload: dict[str, Any]) -> None:
        metas = self.presences.setdefault(ch.key, {}).setdefault(ch.presence_key, {})
        ref = _ref()
        meta = {**payload, "phx_ref": ref}
        leaves: dict[str, Any] = {}
        if ch.tracked is not None:
            old_ref, old_meta = ch.tracked
            metas.pop(old_ref, None)
            meta["phx_ref_prev"] = old_ref
            leaves = {ch.presence_key: {"metas": [old_meta]}}
        metas[ref] = meta
        ch.tracked = (ref, meta)
        self.presence_diff(ch.key, {ch.presence_key: {"metas": [meta]}}, leaves)

    def untrack(self, ch: Channel) -> None:
        if ch.tracked is None:
            return
        ref, meta = ch.tracked
        ch.tracked = None
        ch.track_payload = None
        keyed = self.presences.get(ch.key, {})
        metas = keyed.get(ch.presence_key, {})
        metas.pop(ref, None)
        if not metas:
            keyed.pop(ch.presence_key, None)
        if not keyed:
            self.presences.pop(ch.key, None)
        self.presence_diff(ch.key, {}, {ch.presence_key: {"metas": [meta]}})

    # -- channel membership ------------------------------------------------------
    def remove(self, ch: Channel) -> None:
        """Tear a channel down: presence leaves, subscriptions end."""
        if ch.closed:
            return
        ch.closed = True
        if ch.confirm_timer is not None:
            ch.confirm_timer.cancel()
        members = self.topics.get(ch.key)
        if members is not None:
            members.discard(ch)
            if not members:
                self.topics.pop(ch.key, None)
        if ch.conn.channels.get(ch.topic) is ch:
            del ch.conn.channels[ch.topic]
        self.untrack(ch)
        if self.feed is not None and ch.bindings:
            self.feed.unsubscribe(ch)

    def close_channel(self, ch: Channel) -> None:
        """The channel stops normally: Phoenix sends phx_close with the join_ref as ref."""
        self.remove(ch)
        ch.conn.send(protocol.encode(ch.conn.vsn, ch.join_ref, ch.join_ref, ch.topic, "phx_close",
                                     {}))

    def shutdown(self, ch: Channel, message: str) -> None:
        """RealtimeChannel.shutdown_response: a system error, then the channel stops."""
        if ch.closed:
            return
        ch.system("system", "error", message)
        self.close_channel(ch)

    # -- tokens ---------------------------------------------------------------
    def confirm_token(self, token: str) -> dict[str, Any]:
        return verify(token, self.settings.jwt_secret)

    def schedule_confirm(self, ch: Channel) -> None:
        if ch.confirm_timer is not None:
            ch.confirm_timer.cancel()
        exp = float(ch.claims["exp"])
        loop = asyncio.get_running_loop()
        delay = min(self.settings.confirm_token_interval,
                    max(0.0, exp - dt.datetime.now(dt.UTC).timestamp()))
        ch.confirm_timer = loop.call_later(delay + 0.05, self._confirm, ch)

    def _confirm(self, ch: Channel) -> None:
        if ch.closed:
            return
        try:
            ch.claims = self.confirm_token(ch.access_token)
        except TokenError as e:
            self.shutdown(ch, str(e))
            return
        if self.feed is not None and ch.bindings:
            self.feed.set_claims(ch, ch.claims)
        self.schedule_confirm(ch)

    # -- the socket ---------------------------------------------------------------
    async def handle_socket(self, request: web.Request) -> web.StreamResponse:
        vsn = request.query.get("vsn", protocol.VSN_1)
        if vsn not in protocol.VERSIONS:
            return web.json_response(
                {"error": f"The client's requested transport version \"{vsn}\" does not match"
                          " server's version requirements"}, status=403)
        token = request.headers.get("x-api-key") or request.query.get("apikey")
        if not token:
            status, message = CONNECT_ERRORS["missing_api_key"]
            return web.json_response({"error": message}, status=status)
        try:
            self.confirm_token(token)
        except TokenError as e:
            status, message = CONNECT_ERRORS[e.kind]
            return web.json_response({"error": message}, status=status)
        ws = web.WebSocketResponse(autoping=True, max_msg_size=4 << 20)
        await ws.prepare(request)
        loop = asyncio.get_running_loop()
        headers = {k.lower(): v for k, v in request.headers.items() if k.lower().startswith("x-")}
        conn = Connection(ws, vsn, token, headers, last_seen=loop.time())
        self.connections.add(conn)
        writer = asyncio.create_task(self._writer(conn))
        idle = asyncio.create_task(self._idle_watch(conn))
        try:
            async for msg in ws:
                conn.last_seen = loop.time()
                if msg.type == WSMsgType.TEXT:
                    raw: str | bytes = msg.data
                elif msg.type == WSMsgType.BINARY:
                    raw = msg.data
                else:
                    break
                try:
                    frame = protocol.decode(vsn, raw)
                except protocol.ProtocolError as e:
                    log.warning("dropping a socket: %s", e)
                    break
                try:
                    await self.handle_frame(conn, frame)
                except Exception as e:
                    self.crashed(conn, frame, e)
        finally:
            conn.closed = True
            self.connections.discard(conn)
            for ch in list(conn.channels.values()):
                self.remove(ch)
            idle.cancel()
            conn.queue.put_nowait(None)
            with contextlib.suppress(Exception):
                await asyncio.wait_for(writer, 5)
            await ws.close()
        return ws

    def crashed(self, conn: Connection, frame: Frame, error: Exception) -> None:
        """A handler failed. In Realtime a channel is a process: a crash in a join is the
        join's error reply (UnknownErrorOnChannel), a crash in a joined channel ends it with
        phx_error; the socket and its other channels carry on."""
        log.exception("error handling %s on %s", frame.event, frame.topic)
        if frame.event == "phx_join":
            conn.reply(frame, "error", {"reason": f"UnknownErrorOnChannel: {error}"})
            return
        ch = conn.channels.get(frame.topic)
        if ch is not None:
            self.remove(ch)
            conn.send(protocol.encode(conn.vsn, ch.join_ref, ch.join_ref, ch.topic, "phx_error",
                                      {}))

    async def _writer(self, conn: Connection) -> None:
        while True:
            frame = await conn.queue.get()
            if frame is None:
                await conn.ws.close()
                return
            try:
                if isinstance(frame, bytes):
                    await conn.ws.send_bytes(frame)
                else:
                    await conn.ws.send_str(frame)
            except (ConnectionError, RuntimeError):
                return

    async def _idle_watch(self, conn: Connection) -> None:
        loop = asyncio.get_running_loop()
        timeout = self.settings.idle_timeout
        while True:
            remaining = conn.last_seen + timeout - loop.time()
            if remaining <= 0:
                log.info("closing a socket silent for %.0f s", timeout)
                conn.closed = True
                await conn.ws.close()
                return
            await asyncio.sleep(remaining)

    async def handle_frame(self, conn: Connection, frame: Frame) -> None:
        if frame.topic == "phoenix" and frame.event == "heartbeat":
            conn.reply(frame, "ok", {})
            return
        if frame.event == "phx_join":
            await self.join(conn, frame)
            return
        ch = conn.channels.get(frame.topic)
        if ch is None:
            conn.reply(frame, "error", {"reason": "unmatched topic"})
            return
        if frame.event == "phx_leave":
            conn.reply(frame, "ok", {})
            self.close_channel(ch)
        elif frame.event == "access_token":
            await self.refresh_token(ch, frame)
        elif frame.event == "broadcast":
            await self.client_broadcast(ch, frame)
        elif frame.event == "presence":
            await self.client_presence(ch, frame)
        else:
            log.info("Unexpected message from client of type `%s`", frame.event)

    # -- join ------------------------------------------------------------------
    async def join(self, conn: Connection, frame: Frame) -> None:
        topic = frame.topic
        if not topic.startswith(TOPIC_PREFIX):
            conn.reply(frame, "error", {"reason": "unmatched topic"})
            return
        old = conn.channels.get(topic)
        if old is not None:
            # Phoenix: a duplicate join closes the existing channel first.
            self.close_channel(old)
        params = frame.payload if isinstance(frame.payload, dict) else {}
        try:
            ch = await self._join(conn, frame, params)
        except JoinError as e:
            conn.reply(frame, "error", {"reason": str(e)})
            return
        conn.channels[topic] = ch
        self.topics.setdefault(ch.key, set()).add(ch)
        self.schedule_confirm(ch)
        conn.reply(frame, "ok", {"postgres_changes": ch.bindings})
        if ch.changes_error is not None:
            ch.system("postgres_changes", "error", ch.changes_error)
        elif ch.bindings:
            ch.system("postgres_changes", "ok", "Subscribed to PostgreSQL")
        if ch.presence_enabled and ch.can_read("presence"):
            ch.push("presence_state", self.presence_state(ch.key))

    async def _join(self, conn: Connection, frame: Frame, params: dict[str, Any]) -> Channel:
        sub_topic = frame.topic[len(TOPIC_PREFIX):]
        if not sub_topic:
            raise JoinError("TopicNameRequired: You must provide a topic name")
        config = params.get("config")
        config = config if isinstance(config, dict) else {}

        def section(name: str) -> dict[str, Any]:
            value = config.get(name)
            return value if isinstance(value, dict) else {}

        broadcast, presence = section("broadcast"), section("presence")
        private = config.get("private") is True
        if len(conn.channels) >= self.settings.max_channels_per_client:
            raise JoinError("ChannelRateLimitReached: Too many channels")
        token = params.get("access_token") or params.get("user_token")
        if not isinstance(token, str) or token.startswith("sb_"):
            token = conn.apikey
        try:
            claims = self.confirm_token(token)
        except TokenError as e:
            raise JoinError(f"{e.code}: {e}") from e
        key = presence.get("key")
        ch = Channel(
            conn=conn, topic=frame.topic, sub_topic=sub_topic, join_ref=frame.join_ref or frame.ref,
            private=private, ack=broadcast.get("ack") is True,
            self_broadcast=broadcast.get("self") is True,
            presence_key=key if isinstance(key, str) and key else str(uuid.uuid1()),
            presence_enabled=presence.get("enabled") is True, access_token=token, claims=claims)
        if private:
            try:
                ch.policies = await self._read_policies(ch, Policies())
            except psycopg.OperationalError as e:
                log.error("UnableToConnectToProject: %s", e)
                raise JoinError("UnableToConnectToProject: Realtime was unable to connect to the"
                                " project database") from e
            if not (ch.policies.broadcast_read or ch.policies.presence_read):
                raise JoinError("Unauthorized: You do not have permissions to read from this"
                                f" Channel topic: {sub_topic}")
        changes = config.get("postgres_changes")
        if isinstance(changes, list) and changes:
            await self._subscribe_changes(ch, [c for c in changes if c is not None])
        return ch

    async def _read_policies(self, ch: Channel, policies: Policies,
                             presence: bool | None = None) -> Policies:
        assert self.pool is not None
        try:
            return await read_policies(
                self.pool, ch.sub_topic, ch.claims, policies,
                presence=ch.presence_enabled if presence is None else presence,
                headers=ch.conn.headers)
        except PolicyError as e:
            log.error("RlsPolicyError: %s", e)
            return Policies(broadcast_read=False, presence_read=False)

    async def _subscribe_changes(self, ch: Channel, changes: list[Any]) -> None:
        """Realtime answers the join with every binding and its id whatever happens; a binding
        it cannot subscribe (no such table in the publication, a bad filter) comes after the
        reply as a `system` error of extension postgres_changes, and nothing is delivered."""
        bindings: list[Binding] = []
        replies: list[dict[str, Any]] = []
        for params in changes:
            if not isinstance(params, dict):
                raise JoinError("InvalidJoinPayload: postgres_changes must be objects")
            filter_ = params.get("filter")
            binding_id = self.feed.new_id() if self.feed is not None else len(replies) + 1
            replies.append({**params, "id": binding_id})
            if self.feed is None:
                continue
            binding = Binding(
                id=binding_id, schema=str(params.get("schema") or "public"),
                table=str(params.get("table") or "*"),
                event=str(params.get("event") or "*").upper(),
                filter=filter_ if isinstance(filter_, str) and filter_ else None)
            if ch.changes_error is None:
                try:
                    await self.feed.validate(binding)
                except BindingError as e:
                    ch.changes_error = str(e)
            bindings.append(binding)
        ch.bindings = replies
        if self.feed is None:
            ch.changes_error = "Realtime was unable to connect to the project database"
            return
        if ch.changes_error is not None:
            return

        def deliver(ids: list[int], data: dict[str, Any]) -> None:
            if not ch.closed:
                ch.fastlane("postgres_changes", {"ids": ids, "data": data})

        self.feed.subscribe(ch, bindings, ch.claims, deliver)

    # -- access_token -----------------------------------------------------------
    async def refresh_token(self, ch: Channel, frame: Frame) -> None:
        payload = frame.payload if isinstance(frame.payload, dict) else {}
        token = payload.get("access_token")
        if not isinstance(token, str) or token.startswith("sb_") or token == ch.access_token:
            return
        previous = ch.policies
        ch.access_token = token
        try:
            ch.claims = self.confirm_token(token)
        except TokenError as e:
            self.shutdown(ch, str(e))
            return
        if ch.private:
            try:
                ch.policies = await self._read_policies(ch, Policies())
            except psycopg.OperationalError as e:
                log.error("UnableToConnectToProject: %s", e)
                self.shutdown(ch, "Realtime was unable to connect to the project database")
                return
            if not (ch.policies.broadcast_read or ch.policies.presence_read):
                self.shutdown(ch, "You do not have permissions to read from this Channel topic:"
                                  f" {ch.sub_topic}")
                return
            if previous is not None and (
                    (previous.broadcast_read and not ch.policies.broadcast_read)
                    or (previous.presence_read and not ch.policies.presence_read)):
                self.shutdown(ch, "You no longer have permission to read from this Channel"
                                  f" topic: {ch.sub_topic}")
                return
        if self.feed is not None and ch.bindings:
            self.feed.set_claims(ch, ch.claims)
        self.schedule_confirm(ch)

    # -- broadcast from a client ---------------------------------------------------
    async def client_broadcast(self, ch: Channel, frame: Frame) -> None:
        if ch.private:
            policies = ch.policies or Policies()
            if policies.broadcast_write is None:
                assert self.pool is not None
                try:
                    policies = await write_policies(self.pool, ch.sub_topic, ch.claims, policies,
                                                    presence=False, headers=ch.conn.headers)
                except PolicyError as e:
                    log.error("RlsPolicyError: %s", e)
                    return
                ch.policies = policies
            if not policies.broadcast_write:
                return
        self.broadcast(ch.key, frame.payload, sender=ch)
        if ch.ack:
            ch.conn.reply(frame, "ok", {})

    # -- presence from a client -------------------------------------------------------
    async def client_presence(self, ch: Channel, frame: Frame) -> None:
        payload = frame.payload if isinstance(frame.payload, dict) else {}
        event = payload.get("event")
        if not isinstance(event, str):
            ch.conn.reply(frame, "ok", {})
            return
        if not self._presence_call_allowed(ch):
            log.error("ClientPresenceRateLimitReached: client_rate_limit_exceeded")
            self.shutdown(ch, "Client presence rate limit exceeded")
            return
        event = event.lower()
        if event == "track":
            if ch.private and (ch.policies is None or ch.policies.presence_write is None):
                assert self.pool is not None
                policies = ch.policies or Policies()
                if policies.presence_read is None:
                    policies = await self._read_policies(ch, policies, presence=True)
                try:
                    policies = await write_policies(self.pool, ch.sub_topic, ch.claims, policies,
                                                    presence=True, headers=ch.conn.headers)
                except PolicyError as e:
                    log.error("RlsPolicyError: %s", e)
                    ch.conn.reply(frame, "error", {})
                    return
                ch.policies = policies
            if ch.private and not (ch.policies and ch.policies.presence_write):
                log.error("UnableToHandlePresence: unauthorized")
                ch.conn.reply(frame, "error", {})
                return
            meta = payload.get("payload", {})
            if not isinstance(meta, dict):
                ch.conn.reply(frame, "error", {"reason": "Presence track payload must be a map"})
                return
            ch.conn.reply(frame, "ok", {})
            if meta != ch.track_payload:
                ch.presence_enabled = True
                ch.track_payload = meta
                self.track(ch, meta)
        elif event == "untrack":
            ch.conn.reply(frame, "ok", {})
            self.untrack(ch)
        else:
            log.error("UnknownPresenceEvent: %s", event)
            ch.conn.reply(frame, "error", {})

    def _presence_call_allowed(self, ch: Channel) -> bool:
        """Realtime's limit_client_presence_event: a fixed window per channel."""
        now = asyncio.get_running_loop().time()
        if ch.presence_reset_at is None or now > ch.presence_reset_at:
            ch.presence_calls = 1
            ch.presence_reset_at = now + self.settings.presence_window
            return True
        if ch.presence_calls >= self.settings.presence_max_calls:
            return False
        ch.presence_calls += 1
        return True

    # -- REST broadcast ---------------------------------------------------------------
    def _rest_claims(self, request: web.Request) -> dict[str, Any] | None:
        header = request.headers.get("Authorization", "")
        token = header[7:] if header.lower().startswith("bearer ") else request.headers.get(
            "apikey")
        if not token:
            return None
        try:
            return self.confirm_token(token)
        except TokenError:
            return None

    async def _may_write(self, claims: dict[str, Any], topic: str,
                         headers: dict[str, str]) -> bool:
        assert self.pool is not None
        try:
            policies = await write_policies(self.pool, topic, claims, Policies(), presence=False,
                                            headers=headers)
        except PolicyError as e:
            log.error("RlsPolicyError: %s", e)
            return False
        return policies.broadcast_write is True

    async def rest_broadcast(self, request: web.Request) -> web.Response:
        """BroadcastController / BatchBroadcast: public messages go out; private ones only to
        topics the caller may write to (silently skipped otherwise). 202 either way."""
        claims = self._rest_claims(request)
        if claims is None:
            return web.json_response({"message": "Unauthorized"}, status=401)
        try:
            body = await request.json()
        except ValueError:
            return web.json_response({"errors": {"messages": ["can't be blank"]}}, status=422)
        messages = body.get("messages") if isinstance(body, dict) else None
        if not isinstance(messages, list) or not messages:
            return web.json_response({"errors": {"messages": ["can't be blank"]}}, status=422)
        for m in messages:
            if not (isinstance(m, dict) and isinstance(m.get("topic"), str)
                    and isinstance(m.get("event"), str) and isinstance(m.get("payload"), dict)):
                return web.json_response(
                    {"errors": {"messages": [{"topic": ["can't be blank"],
                                              "event": ["can't be blank"],
                                              "payload": ["can't be blank"]}]}}, status=422)
        headers = {k.lower(): v for k, v in request.headers.items()}
        allowed: dict[str, bool] = {}
        for m in messages:
            private = m.get("private") is True
            if private:
                if m["topic"] not in allowed:
                    allowed[m["topic"]] = await self._may_write(claims, m["topic"], headers)
                if not allowed[m["topic"]]:
                    continue
            content: dict[str, Any] = {"payload": m["payload"], "event": m["event"],
                                       "type": "broadcast"}
            if m.get("id"):
                content["meta"] = {"id": m["id"]}
            self.broadcast((m["topic"], private), content)
        return web.Response(status=202)

    async def rest_broadcast_one(self, request: web.Request) -> web.Response:
        """BroadcastSingleController: one message, JSON or binary body."""
        claims = self._rest_claims(request)
        if claims is None:
            return web.json_response({"message": "Unauthorized"}, status=401)
        topic, event = request.match_info["topic"], request.match_info["event"]
        private = request.query.get("private") == "true"
        body = await request.read()
        if request.content_type == "application/octet-stream":
            content = UserBroadcast(event, protocol.ENCODING_BINARY, body)
        else:
            try:
                json.loads(body)
            except ValueError:
                return web.json_response({"message": "Invalid JSON payload"}, status=422)
            content = UserBroadcast(event, protocol.ENCODING_JSON, body)
        headers = {k.lower(): v for k, v in request.headers.items()}
        if private and not await self._may_write(claims, topic, headers):
            return web.Response(status=202)
        self.broadcast((topic, private), content)
        return web.Response(status=202)


SERVER = web.AppKey("server", Server)


# ---------------------------------------------------------------------------
# The application
# ---------------------------------------------------------------------------

def build_app(settings: Settings) -> web.Application:
    app = web.Application()
    server = Server(settings)
    app[SERVER] = server

    async def lifespan(_app: web.Application) -> AsyncIterator[None]:
        await server.start()
        yield
        await server.stop()

    async def ping(_request: web.Request) -> web.Response:
        return web.json_response({"message": "Success"})

    app.cleanup_ctx.append(lifespan)
    for prefix in ("", "/realtime/v1"):
        app.router.add_get(f"{prefix}/websocket", server.handle_socket)
        app.router.add_post(f"{prefix}/api/broadcast", server.rest_broadcast)
        app.router.add_post(f"{prefix}/api/broadcast/{{topic}}/events/{{event}}",
                            server.rest_broadcast_one)
        app.router.add_get(f"{prefix}/api/ping", ping)
    return app
