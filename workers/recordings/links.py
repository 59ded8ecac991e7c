"""The signer: turns granted rpc/recording_url requests into short-lived signed URLs.

The database decides who may listen and logs every request; it never holds the Storage secret.
A grant is a public.recording_links row in status signing plus NOTIFY recording_links (a
wake-up only: the rows are the queue, so a signer that was down finds them waiting, and a poll
every RECORDINGS_POLL_INTERVAL catches a lost notification). The signer takes one row at a
time with `for update skip locked` (several signers never sign the same link), asks Storage as
the service role for a URL valid RECORDINGS_URL_SECONDS (storage3 create_signed_url), and sets
the row ready with url and expires_at, or failed with the error. The requester reads the row
(RLS: own rows only). Link rows are deleted RECORDINGS_LINK_RETENTION_HOURS after they expired;
the access log keeps the history.
"""

from __future__ import annotations

import logging
import threading
import time

import httpx
from psycopg.rows import dict_row
from storage3 import SyncStorageClient
from storage3.utils import StorageException

from workers.common.loop import WorkerLoop
from workers.recordings.settings import Settings
from workers.recordings.telemetry import Metrics
from workers.recordings.uploads import describe, is_transient, storage_client

log = logging.getLogger(__name__)

CHANNEL = "recording_links"
NEXT = """
    select
      l.id, l.call_id, l.object_path, l.created_at, r.status as recording_status,
      r.object_path as stored_path, r.erase_requested_at,
      clock_timestamp() - l.created_at > make_interval(secs => %(give_up)s) as too_old
    from public.recording_links as l
    left join public.recordings as r on l.call_id = r.call_id
    where l.status = 'signing'
    order by l.created_at
    limit 1
    for update of l skip locked
"""
# expires_at: from the whole second before Storage signed (it stamps iat in whole seconds),
# so it is never later than the token's own expiry.
READY = """
    update public.recording_links set
      status = 'ready', url = %(url)s, signed_at = clock_timestamp(),
      expires_at = date_trunc('second', %(asked_at)s::timestamptz)
        + make_interval(secs => %(seconds)s)
    where id = %(id)s
    returning extract(epoch from signed_at - created_at)
"""
FAILED = "update public.recording_links set status = 'failed', error = %s where id = %s"
PRUNE = """
    delete from public.recording_links
    where coalesce(expires_at, created_at) < now() - make_interval(hours => %s)
"""
GIVE_UP_SECONDS = 60  # a link Storage could not sign for this long is failed, not kept waiting


class Later(Exception):
    """Storage is unreachable for now: leave the link signing and try again after a pause."""


class Signer(WorkerLoop):
    name = "recordings-links"
    channel = CHANNEL

    def __init__(self, settings: Settings, metrics: Metrics | None = None,
                 storage: SyncStorageClient | None = None) -> None:
        super().__init__(settings.database_url)
        self.settings = settings
        self.metrics = metrics or Metrics()
        self.storage = storage or storage_client(settings)
        self.last_prune = float("-inf")

    def step(self) -> float:
        if time.monotonic() - self.last_prune >= 60:
            self.prune()
        busy = self.sign_pending(self.stop)
        return 0 if busy else self.settings.recordings_poll_interval

    # -- signing -----------------------------------------------------------------------------
    def sign_pending(self, stop: threading.Event | None = None) -> int:
        """Sign every waiting link; the number handled. Stops early when Storage is down."""
        done = 0
        while stop is None or not stop.is_set():
            try:
                if not self.sign_one():
                    break
            except Later as e:
                self.metrics.links.labels("retry").inc()
                log.warning("signing postponed", extra={"error": str(e)})
                break
            done += 1
        return done

    def sign_one(self) -> bool:
        """Sign the oldest waiting link; False when none waits."""
        with self.conn.transaction(), self.conn.cursor(row_factory=dict_row) as cur:
            link = cur.execute(NEXT, {"give_up": GIVE_UP_SECONDS}).fetchone()
            if link is None:
                return False
            context = {"link_id": str(link["id"]), "call_id": str(link["call_id"])}
            # The recording may have gone since the grant (purged, erased): no URL for it.
            if (link["recording_status"] != "stored" or link["erase_requested_at"] is not None
                    or link["stored_path"] != link["object_path"]):
                state = ("being erased" if link["erase_requested_at"] is not None
                         else link["recording_status"] or "none")
                error = (f"p_call_id: the recording of call {link['call_id']} is no longer"
                         f" available ({state})")
                cur.execute(FAILED, (error, link["id"]))
                self.metrics.links.labels("failed").inc()
                log.warning("link refused", extra={**context, "error": error})
                return True
            asked_at = cur.execute("select clock_timestamp()").fetchone()["clock_timestamp"]
            try:
                signed = self.storage.from_(self.settings.recordings_bucket).create_signed_url(
                    link["object_path"], self.settings.recordings_url_seconds)
                url = signed["signedURL"]
            except (StorageException, httpx.HTTPError) as e:
                if is_transient(e) and not link["too_old"]:
                    raise Later(describe(e)) from e
                error = f"storage: {describe(e)}"
                cur.execute(FAILED, (error, link["id"]))
                self.metrics.links.labels("failed").inc()
                log.error("link could not be signed", extra={**context, "error": error})
                return True
            waited = cur.execute(READY, {"url": url, "asked_at": asked_at, "id": link["id"],
                                         "seconds": self.settings.recordings_url_seconds}
                                 ).fetchone()
        self.metrics.links.labels("ready").inc()
        self.metrics.link_seconds.observe(max(float(next(iter(waited.values()))), 0.0))
        log.info("link signed", extra=context)
        return True

    def prune(self) -> int:
        self.last_prune = time.monotonic()
        deleted = self.conn.execute(PRUNE, (self.settings.recordings_link_retention_hours,)
                                    ).rowcount
        if deleted:
            self.metrics.links_pruned.inc(deleted)
            log.info("expired links deleted", extra={"links": deleted})
        return deleted
