"""The AMI bridge: Asterisk's own view of every call, mirrored into `calls`.

Modules: `events` parses the AMI stream into typed events, `model` folds them into one call
row per Linkedid (pure, no I/O), `store` batches the rows into `calls` (the merge rule itself is
SQL: private.mirror_pbx_calls), `ami` wires panoramisk to our reader, `bridge` runs the AMI
connection (reconnects, keep-alive, reconcile), `originate` takes click-to-call requests off
their queue, `recording_stop` stops a refused recording, `settings` and `telemetry` are the
environment and the metrics, `__main__` only wires.

Concurrency: asyncio. The bridge is one long-lived socket plus timers (keep-alive ping,
reconnect backoff, batch flush deadline); a single event loop owns the model, so it needs no
locks, and a flush that waits on the database never blocks reading AMI. The client library is
asyncio too.

AMI client library: panoramisk (1.4, asyncio), not pyst2 (0.5.1, threads), decided by running
both on Python 3.11 against tests/support/ami_server.py, a real TCP AMI endpoint:
- pyst2 is unfit. Its message thread dies on the first event carrying a `ChanVariable` header
  (it calls `dict.has_key`, gone since Python 3), which is exactly the header Asterisk adds to
  every event when manager.conf `channelvars` exports a variable such as CRM_CALL_ID; from then
  on no event arrives and every action blocks forever. A `Manager` cannot reconnect (its threads
  start once), so reconnecting means rebuilding it and its callbacks. It reads the socket one byte
  per system call (an unbuffered file): about 1,400 events/s measured, against the 5,000 events/s
  the bridge must sustain. It also prints to stdout and uses APIs deprecated in 3.10+.
- panoramisk works on 3.11 (not its fast_agi module, which calls `asyncio.coroutine`, removed
  in 3.11; the bridge does not use it): login, actions answered by ActionID as futures,
  event lists (CoreShowChannels) collected until `...Complete`,
  Originate with its OriginateResponse, a periodic Ping, reconnect with automatic re-login; about
  36,000 events/s through the same server (our EventReader parses about 25,000 events/s on one
  core here, and the model folds about 150,000). Its limits, each covered by the bridge:
  - its parser drops non-UTF-8 bytes, lines without ": " and frames without Event/Response
    silently, and buffers a frame of any size. The bridge passes its own `protocol_factory`
    (a documented Manager option): an `AMIProtocol` whose data_received feeds
    `events.EventReader` (bounded frames, every skip counted and logged) and hands panoramisk
    `Message` objects built from the parsed frames, so responses still resolve action futures;
  - reconnection uses a fixed delay, also after a refused login (a wrong secret is retried every
    2 s forever, logged only as a lost connection). The bridge sets the delay itself from
    `on_disconnect` (exponential backoff with jitter, capped) and logs a refused login as such;
  - Ping is sent but its answer never checked, so a half-open TCP connection would go unnoticed:
    the bridge awaits its own Ping with a timeout and closes the transport when it expires.
The other asyncio option, writing the AMI client ourselves, buys nothing over that.

Asterisk configuration the bridge relies on:
- manager.conf: `timestampevents = yes` (event times that survive replays and reordering) and a
  user with `read = call,dialplan,cdr,system`;
- cdr_manager.conf: `enabled = yes`; optionally `[mappings]` `linkedid => LinkedID`, so a CDR
  whose channel events were missed can still be placed;
- dialplan, where the webphone's calls enter (JsSIP sends the CRM's call id as a SIP header):
      same => n,Set(CRM_CALL_ID=${PJSIP_HEADER(read,X-CRM-Call-Id)})
      same => n,Set(CRM_RECORD=${PJSIP_HEADER(read,X-CRM-Record)})
      same => n,Dial(PJSIP/${EXTEN}@trunk,45,U(crm-record-answered))
  where crm-record-answered runs MixMonitor on the lead's leg once it answers, unless
  CRM_RECORD is "no" (the campaign does not record or the lead refused; the recordings worker
  discards a file made anyway). Its file name reaches us as the MIXMONITOR_FILENAME variable;
  workers/recordings takes it from there. tests/ami_bridge/sequences/README.md has the rest.

Recording stop (`recording_stop.py`): a lead may refuse recording mid-call, after MixMonitor
started; the bridge then sends `StopMixMonitor` for every leg of that call the model saw report
MIXMONITOR_FILENAME, so the voice of someone who refused is not recorded any longer.
StopMixMonitor is registered for the system and call classes: the manager.conf user's
`write = originate,system` already allows it.
"""
