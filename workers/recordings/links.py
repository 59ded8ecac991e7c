"""The signer: turns granted rpc/recording_url requests into short-lived signed URLs.

The database decides who may listen and logs every request; it never holds the Storage secret.
A grant is a public.recording_links row in status signing plus NOTIFY recording_links (a
wake-up only: the rows are the queue, so a signer that was down finds them waiting, and a poll
every RECORDINGS_POLL_INTERVAL catches a lost notification). The queue follows the workers'
lease protocol (workers/README.md): the signer claims one link at a time
(private.recording_link_claim, a short lease: several signers never sign the same link at
once), asks Storage as the service role for a URL valid RECORDINGS_URL_SECONDS (storage3
create_signed_url), and sets the row ready with url and expires_at
(private.recording_link_finish), or failed with the error (private.recording_link_fail). Signing
is one short call, so there is no heartbeat; a signer that dies mid-call leaves the link to be
claimed again after LEASE_SECONDS, or at once when it restarts.

A link whose recording went meanwhile (purged, erased) fails at once (Final). Storage being
unreachable (Retry) leaves the link waiting and ends the round until the next poll, unless the
link has waited GIVE_UP_SECONDS already: then it fails rather than keeping the requester
waiting. The requester reads the row (RLS: own rows only). Link rows are deleted
RECORDINGS_LINK_RETENTION_HOURS after they expired; the access log keeps the history.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import httpx
from storage3 import SyncStorageClient
from storage3.utils import StorageException

from workers.common.lease import ClaimLost, Final, LeaseQueue, Retry
from workers.common.loop import WorkerLoop
from workers.common.storage import describe, is_transient, storage_client
from workers.recordings.settings import Settings
from workers.recordings.telemetry import Metrics

log = logging.getLogger(__name__)

CHANNEL = "recording_links"
PRUNE = "select private.prune_recording_links(%s)"
GIVE_UP_SECONDS = 60  # a link Storage could not sign for this long is failed, not kept waiting
LEASE_SECONDS = 30  # longer than one signing call can take (the Storage client's timeout is 20 s)


class Signer(WorkerLoop):
    name = "recordings-links"
    channel = CHANNEL
    queue: LeaseQueue

    def __init__(self, settings: Settings, metrics: Metrics | None = None,
                 storage: SyncStorageClient | None = None) -> None:
        super().__init__(settings.database_url)
        self.settings = settings
        self.metrics = metrics or Metrics()
        self.queue = LeaseQueue("recording_link", settings.worker_id)
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
            except Retry as e:
                self.metrics.links.labels("retry").inc()
                log.warning("signing postponed", extra={"error": str(e)})
                break
            done += 1
        return done

    def sign_one(self) -> bool:
        """Sign the oldest waiting link; False when none waits. Retry when Storage is down."""
        rows = self.queue.claim(self.db, limit=1, p_stale_seconds=LEASE_SECONDS,
                                p_give_up_seconds=GIVE_UP_SECONDS)
        if not rows:
            return False
        link, claimed = rows[0], time.monotonic()
        context = {"link_id": str(link["id"]), "call_id": str(link["call_id"])}
        try:
            url = self.sign(link)
            self.queue.finish(self.db, link["id"], p_url=url,
                              p_url_seconds=self.settings.recordings_url_seconds)
        except ClaimLost:
            log.warning("link signed by another worker meanwhile", extra=context)
            return True
        except Final as e:
            self.queue.fail(self.db, link["id"], str(e), final=True)
            self.metrics.links.labels("failed").inc()
            log.warning("link failed", extra={**context, "error": str(e)})
            return True
        except Retry as e:
            self.queue.fail(self.db, link["id"], str(e), final=False)
            raise
        self.metrics.links.labels("ready").inc()
        self.metrics.link_seconds.observe(link["waited_seconds"] + time.monotonic() - claimed)
        log.info("link signed", extra=context)
        return True

    def sign(self, link: dict[str, Any]) -> str:
        """The signed URL of a claimed link, or why there is none (Final, Retry)."""
        # The recording may have gone since the grant (purged, erased): no URL for it.
        if (link["recording_status"] != "stored" or link["erase_requested_at"] is not None
                or link["stored_path"] != link["object_path"]):
            state = ("being erased" if link["erase_requested_at"] is not None
                     else link["recording_status"] or "none")
            raise Final(f"p_call_id: the recording of call {link['call_id']} is no longer"
                        f" available ({state})")
        try:
            signed = self.storage.from_(self.settings.recordings_bucket).create_signed_url(
                link["object_path"], self.settings.recordings_url_seconds)
        except (StorageException, httpx.HTTPError) as e:
            if is_transient(e) and not link["too_old"]:
                raise Retry(describe(e)) from e
            raise Final(f"storage: {describe(e)}") from e
        return str(signed["signedURL"])

    def prune(self) -> int:
        self.last_prune = time.monotonic()
        row = self.db.execute(PRUNE, (self.settings.recordings_link_retention_hours,)).fetchone()
        deleted = int(row[0]) if row else 0
        if deleted:
            self.metrics.links_pruned.inc(deleted)
            log.info("expired links deleted", extra={"links": deleted})
        return deleted
