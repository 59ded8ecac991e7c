"""The recordings worker: Asterisk's recordings into Storage, retention, erasure.

Modules: `settings` (the environment, read once), `files` (Asterisk's file name to a safe local
path), `audio` (ffmpeg to Opus, bit-exact; ffprobe), `uploads` (claims, conversion, upload,
verification, then the local file goes; the crash sweep), `retention` (the scheduled purge and
its dry run), `erasure` (the recordings of erased leads), `telemetry` (Prometheus metrics),
`__main__` (only wires them together, plus the `purge` command).

Uploads. The AMI bridge stores each call's recording file name (MIXMONITOR_FILENAME) on the
call; a trigger queues a public.recordings row. Once the call has ended, the worker claims it
(private.recording_upload_claim: `for update skip locked`, so two workers never take the same
one), converts it to Opus in RECORDINGS_WORK_DIR, uploads it to the private bucket at the path
the claim fixed (<campaign>/<yyyy>/<mm>/<dd>/<call>.opus), downloads it back to compare size and
SHA-256, marks it stored (private.recording_upload_finish), and only then deletes the local
file. A call without consent is claimed as `discard`: the file is deleted, nothing uploaded.

Claims are leases, under the one protocol every worker queue follows (workers/README.md,
workers.common.lease): the uploads and erasure loops each have their queue's
private.<queue>_claim/renew/finish/fail/release functions. An upload claim names its worker and
carries a heartbeat, renewed by a thread while a long conversion or upload runs; a worker that
dies stops renewing, and after RECORDINGS_STALE_AFTER seconds any worker claims the recording
again. Every write after the claim checks the claim is still the writer's (ClaimLost
otherwise), so a worker presumed dead that comes back never overwrites the one that took over.
Each loop gives back the claims its worker name holds when it (re)connects and when it stops.

Idempotency and the crash story. Nothing is deleted before the stored object is verified, so a
crash at any point loses no recording:
- before or during the upload: the row stays `uploading`, the local file stays; the next claim
  converts again and uploads with upsert to the same path. The conversion is bit-exact (same
  input, same bytes), so the retry overwrites a half-written object with the very object the
  first attempt meant to store: never two copies, never a mix;
- after the upload, before finish: the same, the object is simply written once more;
- after finish, before the local file is deleted: the row is stored with source_removed_at
  null; the sweep (at start and periodically) deletes such leftovers (and those of declined
  recordings) and sets source_removed_at.
Files the worker refuses (a name outside the monitor directory, an empty or unreadable file)
fail for good and stay where they are for a person to look at; a file not there yet is waited
for until RECORDINGS_MISSING_GRACE seconds after the call.

Why the worker does not sign. rpc/recording_url decides and logs in SQL and leaves a
short-lived grant in the access log; the listener asks Storage to sign the object
(createSignedUrl), and Storage lets them only through the RLS policy on storage.objects that
uses that grant (migration 20261205000900). No service role is needed to listen.

Retention is not a queue: a pass every RECORDINGS_PURGE_INTERVAL (retention.py explains how a
legal hold placed mid-pass wins). Erasure is a queue (private.recording_erasure_claim, ...):
after rpc/erase_lead, the object and local files go, then the row says erased.

Concurrency: threads, one per concern (uploads, retention, erasure), each a
workers.common.loop.WorkerLoop with its own database connection and Storage client, run by
workers.common.supervisor (a loop that dies stops the worker: exit status 1). All of them spend
their time blocked in synchronous calls (ffmpeg in a subprocess, an HTTP upload, a LISTEN wait),
so threads with psycopg's and storage3's synchronous clients keep a long upload from delaying
an erasure without asyncio variants of every library. The threads share nothing but the stop
event and the (thread-safe) metrics; coordination between workers, on one machine or several,
happens in the database.
"""
