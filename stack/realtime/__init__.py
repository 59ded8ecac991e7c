"""A stand-in for Supabase Realtime on the embedded stack. Not product code.

Supabase's Realtime server (Elixir) cannot be built on these machines, so this aiohttp service
speaks the part of its protocol the official clients use (realtime-py's async client, vsn
1.0.0; supabase-js's realtime-js, vsn 2.0.0): Phoenix channels over one WebSocket at
/websocket?apikey=<JWT>&vsn=..., both serializers (JSON objects; JSON arrays plus Realtime's
binary broadcast frames), joins with replies by ref/join_ref, heartbeats (a socket silent for
60 s is closed), `access_token` refresh, token expiry (a `system` error, then `phx_close`),
Broadcast client to client (self, ack) and from the database (rows of realtime.messages, read
from the WAL by stack/realtime/changes.py), REST broadcast (/api/broadcast), Presence
(track/untrack, presence_state, presence_diff, Realtime's per-channel client rate limit),
postgres_changes (through changes.py), and private channels authorized the way Realtime does it:
RLS policies on realtime.messages, tried as the subscriber in a transaction rolled back. It
keeps realtime.messages' daily partitions (yesterday to three days ahead; drops days older than
72 hours). Refusals carry Realtime's "<Code>: <message>" reasons.

It leaves out: multi-tenancy and the tenant API (one project, the stack's JWT secret), JWKS and
asymmetric keys, Broadcast replay, `replication_ready`, Phoenix's long-poll transport, cluster
distribution, the tenant-wide rate limits (events, joins, presence events per second,
concurrent users) and payload size limits; only the per-client presence limit and the
per-client channel limit are enforced. State (channels, presence) lives in one process: a
restart drops every socket, and clients rejoin as they do after a Realtime deploy.
"""
