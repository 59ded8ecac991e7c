"""Account requests: claim one, carry it out in Auth, write the outcome (see __init__.py).

Errors of the Auth admin API: a network error, a 5xx or a 429 is Retry (queued again, failed
once MAX_ATTEMPTS claims are used up); any other 4xx is Final, with Auth's message for the
requester. A database refusal while applying an invite (an extension taken since the request,
say) is Final too.
"""

from __future__ import annotations

import logging
import math
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from urllib.parse import urlencode

import psycopg
from supabase_auth.errors import AuthApiError, AuthError
from supabase_auth.types import GenerateLinkParams

from supabase import ClientOptions, create_client
from workers.accounts.settings import Settings
from workers.accounts.telemetry import Metrics
from workers.common import database
from workers.common.lease import ClaimLost, Final, LeaseQueue, Retry, Stopping
from workers.common.loop import WorkerLoop

log = logging.getLogger(__name__)

CHANNEL = "account_requests"


@dataclass(frozen=True)
class Request:
    id: uuid.UUID
    kind: str
    user_id: uuid.UUID | None
    email: str
    full_name: str
    role: str | None
    attempts: int

    @classmethod
    def of(cls, row: dict[str, Any]) -> Request:
        return cls(id=row["id"], kind=row["kind"], user_id=row["user_id"], email=row["email"],
                   full_name=row["full_name"], role=row["role"], attempts=row["attempts"])


@dataclass(frozen=True)
class Link:
    url: str
    expires_at: datetime


class AccountRequests(WorkerLoop):
    name = "accounts-requests"
    channel = CHANNEL
    queue: LeaseQueue

    def __init__(self, settings: Settings, metrics: Metrics) -> None:
        super().__init__(settings.database_url)
        self.settings, self.metrics = settings, metrics
        self.queue = LeaseQueue("account_request", settings.worker_id)
        # The service role, never signed in as anyone: no session kept or refreshed.
        options = ClientOptions(auto_refresh_token=False, persist_session=False)
        self.admin = create_client(settings.supabase_url, settings.supabase_service_role_key,
                                   options=options).auth.admin

    def step(self) -> float:
        return 0 if self.run_once() else self.settings.poll_interval

    # -- one request -------------------------------------------------------------------------
    def run_once(self) -> bool:
        """Claim and carry out one request; False when the queue is empty."""
        rows = self.queue.claim(self.db, limit=1,
                                p_stale_seconds=math.ceil(self.settings.stale_after))
        if not rows:
            return False
        job = Request.of(rows[0])
        started = time.monotonic()
        context = {"request_id": str(job.id), "kind": job.kind}
        log.info("account request claimed", extra={**context, "attempt": job.attempts})
        try:
            if job.attempts > self.settings.max_attempts:
                raise Final(f"gave up after {job.attempts - 1} attempts: the worker carrying it"
                            " out stopped each time")
            link = self.carry_out(job)
            if self.stop.is_set():
                raise Stopping
            self.queue.finish(self.db, job.id,
                              p_action_link=link.url if link else None,
                              p_link_expires_at=link.expires_at if link else None)
        except ClaimLost:
            log.warning("account request taken over by another worker", extra=context)
            self.metrics.requests.labels(job.kind, "taken_over").inc()
            return True
        except Final as e:
            self.fail(job, str(e), final=True)
            return True
        except Retry as e:
            self.fail(job, str(e), final=e.counts and job.attempts >= self.settings.max_attempts)
            return True
        except Stopping:
            log.warning("account request given back", extra={**context,
                                                             "reason": "worker stopping"})
            self.metrics.requests.labels(job.kind, "requeued").inc()
            raise
        self.metrics.requests.labels(job.kind, "done").inc()
        self.metrics.request_seconds.labels(job.kind).observe(time.monotonic() - started)
        log.info("account request done", extra={
            **context, "duration_ms": round((time.monotonic() - started) * 1000)})
        return True

    def carry_out(self, job: Request) -> Link | None:
        if job.kind == "invite":
            return self.invite(job)
        if job.user_id is None:
            raise Final("user_id: the user no longer exists")
        if job.kind == "deactivate":
            self.auth(lambda: self.admin.update_user_by_id(
                str(job.user_id), {"ban_duration": self.settings.ban_duration}))
            return None
        if job.kind == "reactivate":
            self.auth(lambda: self.admin.update_user_by_id(str(job.user_id),
                                                           {"ban_duration": "none"}))
            return None
        if job.kind == "reset_password":
            user = self.auth(lambda: self.admin.get_user_by_id(str(job.user_id))).user
            return self.link("recovery", user.email or job.email)
        raise Final(f"kind: unknown request kind {job.kind!r}")

    def invite(self, job: Request) -> Link:
        """Create (or find, after a crash) the user, apply the profile, make the set-up link."""
        user_id = job.user_id or self.user_id(job.email)
        if user_id is None:
            created = self.auth(lambda: self.admin.create_user({
                "email": job.email,
                "email_confirm": False,
                "app_metadata": {"role": job.role},
                "user_metadata": {"full_name": job.full_name},
            }), allow=("email_exists",))
            # email_exists: made by an attempt whose answer was lost, or by someone else.
            user_id = uuid.UUID(created.user.id) if created else self.user_id(job.email)
            if user_id is None:
                raise Retry("email: Auth says the user exists but it cannot be found")
        if job.user_id is None:
            # A user someone else made and who signed in already is not this invite's to take.
            found = self.auth(lambda: self.admin.get_user_by_id(str(user_id))).user
            if found.email_confirmed_at is not None:
                raise Final(f"p_email: a user with e-mail {job.email} already exists")
        try:
            applied = self.db.execute(
                "select private.account_request_apply(%s, %s, %s)",
                (job.id, self.queue.worker, user_id)).fetchone()
        except psycopg.Error as e:
            if database.is_disconnect(e):
                raise
            raise Final(e.diag.message_primary or str(e)) from e
        if not applied or not applied[0]:
            raise ClaimLost(f"account_request {job.id}: the claim was lost")
        return self.link("invite", job.email)

    def user_id(self, email: str) -> uuid.UUID | None:
        row = self.db.execute("select private.account_user_id(%s)", (email,)).fetchone()
        return row[0] if row else None

    def link(self, link_type: Literal["invite", "recovery"], email: str) -> Link:
        """A one-time link from Auth, rewritten to the webphone's set-password page."""
        params: GenerateLinkParams = (
            {"type": "recovery", "email": email} if link_type == "recovery"
            else {"type": "invite", "email": email})
        made = self.auth(lambda: self.admin.generate_link(params))
        user = made.user
        sent = user.recovery_sent_at if link_type == "recovery" else user.confirmation_sent_at
        query = urlencode({"token_hash": made.properties.hashed_token,
                           "type": made.properties.verification_type})
        return Link(url=f"{self.settings.webphone_url.rstrip('/')}/set-password?{query}",
                    expires_at=(sent or datetime.now(UTC))
                    + timedelta(seconds=self.settings.link_ttl_seconds))

    def auth(self, call: Any, *, allow: tuple[str, ...] = ()) -> Any:
        """One Auth admin call: Retry on a network error, a 5xx or a 429; Final on another 4xx;
        None on an error whose code is in `allow`."""
        try:
            return call()
        except AuthApiError as e:
            self.metrics.auth_errors.labels(e.code or str(e.status)).inc()
            if e.code in allow:
                return None
            if e.status >= 500 or e.status == 429:
                raise Retry(f"auth: {e.status} {e.message}") from e
            raise Final(f"auth: {e.message}") from e
        except AuthError as e:  # AuthRetryableError: no answer (network, gateway)
            self.metrics.auth_errors.labels(e.code or "network").inc()
            raise Retry(f"auth: {e.message}") from e

    def fail(self, job: Request, error: str, *, final: bool) -> None:
        log.warning("account request failed" if final else "account request given back",
                    extra={"request_id": str(job.id), "kind": job.kind, "error": error})
        self.metrics.requests.labels(job.kind, "failed" if final else "requeued").inc()
        self.queue.fail(self.db, job.id, error, final=final)
