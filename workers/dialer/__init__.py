"""The dialer: progressive and predictive dialing through Asterisk's AMI, compliance in SQL.

Modules: `settings` (the environment, read once), `ami` (panoramisk wired to the bounded frame
reader of workers/common/ami.py, which the AMI bridge uses too), `lines` (one in-flight call and
an agent's nailed-up session, pure: which AMI fact moves them where), `store` (the database:
every call is a `private.dialer_*` function granted to `crm_dialer` alone), `campaigns` (the
per-campaign tick: floor -> Pacer -> leads -> Originate, and the state it publishes), `dialer`
(the running worker: AMI events to lines and sessions, the connect-or-abandon race, LISTEN
`dialer`, shutdown), `telemetry` (Prometheus), `__main__` (only wiring). The pacing itself
(`pacing.Pacer`) is pure and deterministic, shared with the simulator (`simulate`), and
documented in PACING.md.

The flow, per campaign in progressive or predictive mode (`private.dialer_campaigns`), every
TICK_S (1 s): `private.dialer_floor` (ready, busy and paused agents, lines in progress, the
ledger) -> `Pacer.decide` -> `private.dialer_take_leads(place)` (the `next_lead` queue, each
lead's `calls` row and its `dialer_attempts` row, `dialing`) -> AMI `Originate` per lead, async,
`ChannelId` = the attempt id (so the lead's channel Uniqueid is the attempt id: no lookup
table), ringing the campaign's `ring_timeout_s` (at least 15 s), the lead, call, campaign and
attempt ids as channel variables. Then `private.dialer_publish_state`. A paused campaign, or
one whose dialer is logged out of AMI, places nothing.

A line (`lines.Line`) then follows the PBX:
- `OriginateResponse` Failure (Reason 0 failed, 1 hung up, 3 no answer, 5 busy, 8 congestion),
  or a `Hangup` of a channel never answered -> `private.dialer_attempt_ended`;
- answered: the dialplan (`crm-dialer`, README.md) runs `AMD()` and raises `UserEvent
  CrmDialerAmd` (AttemptId, AmdStatus, AmdCause; AmdStatus empty when the campaign has AMD off)
  -> `private.dialer_attempt_answered`: `machine` (dispositioned voicemail: AMI Hangup) or
  `waiting` (a person is there and the 2 s start now);
- waiting: `private.dialer_claim_agent` (atomic in SQL: one agent, one call), retried every
  CLAIM_RETRY_S until CONNECT_WITHIN_S after the greeting; a claimed agent -> AMI `Redirect` of
  the lead's channel to `crm-dialer-connect`/<extension> (the ConfBridge the agent's nailed-up
  session sits in: a bridge, not a ring); no agent in time -> `Redirect` to
  `crm-dialer-abandon` (the campaign's recorded identification and opt-out message) and
  `private.dialer_attempt_abandoned` (ledger, lockout);
- `Hangup` of the lead's channel -> `private.dialer_attempt_ended` (a connected call becomes
  `completed`; the agent wraps up through `end_call` as in preview).
Each outcome feeds the campaign's Pacer (`observe_dial`, `observe_connect`, `observe_abandon`,
`observe_handling` when the agent who talked is ready again); a Pacer is warmed at start from
`private.dialer_history`.

Nailed-up sessions: `rpc/dialer_join` queues a `dialer_sessions` row and notifies `dialer`;
`private.dialer_session_requests` claims it and the worker originates `PJSIP/<extension>` into
`crm-dialer-agent` with `X-CRM-Dialer-Session: <session id>` (the webphone auto-answers only
that), `ChannelId` = the session id. Success -> `private.dialer_session_connected`; the
channel's Hangup -> `private.dialer_session_ended`; `rpc/dialer_leave` -> AMI Hangup of it.
`rpc/dialer_hangup` (the agent hangs up the lead) -> AMI Hangup of the lead's channel.

The crash story. Every fact is a row; the process holds only the in-flight lines' AMI state.
On start and on a clean stop `private.dialer_release(WORKER_NAME, STALE_WORKER_S)` fails the
attempts this worker (or any worker silent that long) left `dialing`/`analysing`/`waiting`
(calls closed `failed`, leads back to their retry, never counted twice), puts half-made sessions
back to `requested` and frees every agent claimed without a connected attempt. So a SIGKILL at
any instant leaves no agent claimed and no lead locked once a dialer starts again (same
WORKER_NAME: at once; another name: after STALE_WORKER_S). Calls already connected go on in
Asterisk; their Hangup (Uniqueid = attempt id) reaches whichever dialer runs then. A lost AMI
connection stops dialing (the Pacer is not asked while logged out); after the next login the
worker asks `CoreShowChannels` and ends the lines whose channel Asterisk no longer has.
SIGTERM: stop placing, let the lines in flight finish (connect or abandon as usual) for up to
SHUTDOWN_TIMEOUT_S, then release. Exit status as every worker: 0 clean, 1 a loop died, 2 bad
settings.

Concurrency: asyncio (one AMI socket, many concurrent lines, each a small state machine with
a 2 s deadline; timers everywhere). The database is three psycopg async connections: the ticks,
the lines' events (so a slow floor query never delays a claim), and LISTEN `dialer`.
"""
