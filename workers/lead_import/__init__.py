"""The lead import worker: uploaded CSV/XLSX files become leads of a campaign.

Modules: `settings` (the environment, read once), `imports` (the loop: claims an import,
downloads its file, previews it or imports it), `parser` (the process that reads the file and
sends ready batches), `reader` (CSV with its encoding and delimiter detected, XLSX streamed),
`rows` (header names to lead fields, one row checked: phone to E.164 with phonenumbers, e-mail,
birth date, required fields, the database's length limits), `telemetry` (Prometheus metrics),
`__main__` (only wiring).

The flow. A supervisor uploads the file to the private bucket `lead-imports` under their own
folder and calls rpc/start_lead_import: a `public.lead_imports` row, `queued` (or `previewing`).
The worker claims it under the lease protocol (workers/README.md; private.lead_import_claim,
`for update skip locked`), downloads the object (service role) to a temporary file, streaming,
and then either previews it (the first rows, checked, written as `preview`: `previewed`, until
rpc/confirm_lead_import queues it) or imports it: a parser process reads the file and checks
every row, and the loop writes each batch with private.lead_import_write_batch. That function,
in ONE transaction, inserts the batch's new leads (the leads triggers apply as to any insert:
time zone from the phone, validation, history with `via` = lead_import and the importer as
changed_by), or updates the existing ones (`duplicates: update`), records every refused row
(the parser's: missing or invalid fields; its own: duplicates in the file or the campaign,
do-not-call) in `lead_import_errors`, and moves the checkpoint `processed_rows` and the counts.
At the end the refused rows go to `<uploader>/errors/<import id>.csv` in the bucket and the row
is `done` (or `cancelled`).

The crash story. A batch and its checkpoint commit together or not at all, and the function
writes only when the checkpoint is still where the batch starts (`p_from_row`) and the claim is
still this worker's. So a worker killed at any point (SIGKILL mid-batch, the machine gone) leaves
the rows of the committed batches and nothing of the one in flight; its lease goes stale after
LEAD_IMPORT_STALE_AFTER seconds, any worker claims the import again, skips the first
`processed_rows` data rows of the file without checking them, and goes on: every row is
imported exactly once. A duplicate of a row that an earlier attempt imported is still a
duplicate *in the file* (the lead carries this import's id). A worker that only lost its lease
(a long pause) and comes back finds its next batch refused (null: the claim or the checkpoint
moved) and stops (ClaimLost). A stop (SIGTERM) ends after the batch in flight; the claim goes
back (release) and the next worker resumes from the checkpoint. A cancel (rpc/cancel_lead_import
on a running import) is seen in the answer to the next batch: the worker stops there, uploads the
error report and marks it `cancelled`; the rows already imported stay.

Concurrency: one WorkerLoop thread (a lease heartbeat thread beside it while an import runs)
and, during an import, one parser process. The file's rows are CPU work in Python (csv,
phonenumbers: ~26 µs a number) and the batch writes are CPU work in PostgreSQL; in one process
they would take turns, so the parser runs in a process of its own a few batches ahead
(a bounded queue), and the two overlap on two cores. Several workers may run: each import is
one worker's at a time (the lease).
"""
