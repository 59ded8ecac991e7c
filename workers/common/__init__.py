"""What every worker needs and nothing more.

`settings` (the environment, read once, into a dataclass), `logs` (JSON lines on stderr),
`database` (connect with backoff), `metrics` (a /metrics endpoint), `loop` (WorkerLoop: the loop
each worker thread runs), `lease` (the lease protocol every queue follows: LeaseQueue, Heartbeat,
ClaimLost, Stopping, Retry, Final), `supervisor` (runs a worker's loops, one exit status
convention), `storage` (the service role's Storage client and how to read its errors).
workers/README.md shows how they fit together.
"""
