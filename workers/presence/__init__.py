"""The presence worker: Realtime Presence into agent states (offline when gone, back when back).

Modules: `settings` (the environment, read once), `tracker` (who is present where and what to
write: pure logic, no I/O), `store` (the database calls as crm_presence), `watcher` (the Realtime
connection, the channels and the loop), `telemetry` (Prometheus metrics), `__main__` (wiring).

What it watches. The webphone tracks Presence on `presence:<campaign_id>` for every campaign
its agent works, while it is open: key = the agent's user id, meta {agent_id, online_at}. The
worker connects to Realtime with the service role key (private channels, RLS bypassed) and
joins the presence channel of every active campaign with agents (private.presence_roster(),
read again every PRESENCE_ROSTER_INTERVAL seconds; channels of campaigns no longer active are
left). A presence counts only when its key is a uuid equal to its meta's agent_id; others are
ignored with a log line.

What it writes. An agent of the roster who is present on none of their campaigns' channels for
PRESENCE_GRACE seconds (a reload leaves and joins again well within it) is marked offline
(private.presence_mark_offline: reason disconnected, since = when they were first seen absent,
their state kept for later). An agent who is present while offline in the database is marked
online (private.presence_mark_online restores available or paused as they were, and on_call or
wrap_up as wrap_up). Nobody is judged while a channel of theirs is not joined, nor within
PRESENCE_SETTLE seconds of its (re)join: after the worker or Realtime restarted, the webphones
need that long to track again. On start and after every rejoin, Realtime sends the channel's
whole presence state, so agents who left while the worker was away are found (reconciled) from
it: absent since the worker first saw them absent.

Crash story. Nothing is kept but in memory: the database has the states, Realtime the
presences. Both marks are idempotent (a repeated one changes nothing), so a worker killed
between deciding and writing, or after writing but before hearing the answer, does no harm when
it starts again. Two instances would write the same marks (idempotent too), so no lease is
needed; one is enough.

Concurrency: asyncio, one task. realtime-py's client is asyncio; its callbacks only update the
tracker, and the loop does every await (roster, connect, joins, marks) in turn, so no lock is
needed. The database calls are few and short, on psycopg's async connection.
"""
