"""The accounts worker end to end, against the Auth stand-in through the official clients: an
admin's request through PostgREST, the worker's pass, the link the admin reads, the person's
first sign-in through supabase-js; deactivation, reactivation, reset links; a crash mid-invite."""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

import psycopg
import pytest
from postgrest.exceptions import APIError
from supabase_auth.errors import AuthApiError

from stack import lifecycle, processes
from stack.config import StackConfig
from supabase import Client
from tests.accounts.conftest import fresh_client, link_of, request_row, set_password_js
from tests.support.waiting import wait_for
from workers.accounts.requests import AccountRequests


def invite(admin: Client, email: str, role: str = "agent", campaigns: list[str] | None = None,
           extension: str | None = None, name: str = "Nueva Persona") -> dict:
    return admin.rpc("invite_user", {"p_email": email, "p_full_name": name, "p_role": role,
                                     "p_campaign_ids": campaigns or [],
                                     "p_sip_extension": extension}).execute().data


def token_of(link: str) -> tuple[str, str]:
    query = parse_qs(urlsplit(link).query)
    return query["token_hash"][0], query["type"][0]


def free_extension(db: psycopg.Connection) -> str:
    taken = {r[0] for r in db.execute("select sip_extension from public.profiles"
                                      " where sip_extension is not null")}
    return next(str(n) for n in range(7000, 8000) if str(n) not in taken)


def test_invite_then_first_sign_in(stack: StackConfig, admin: Client, drain, db, email: str,
                                   campaigns: list[str]) -> None:
    extension = free_extension(db)
    request = invite(admin, email, "supervisor", campaigns, extension, "Sara Supervisora")
    assert request["status"] == "queued" and request["kind"] == "invite"
    assert request_row(admin, request["id"])["status"] == "queued"
    assert link_of(admin, request["id"]) is None  # not made yet

    assert drain() == 1
    row = request_row(admin, request["id"])
    assert row["status"] == "done", row
    assert row["user_id"] and row["error"] is None and row["link_expires_at"]
    link = link_of(admin, request["id"])
    assert link.startswith(f"{stack.url}/set-password?token_hash=")
    token_hash, link_type = token_of(link)
    assert link_type == "invite"

    # Created unconfirmed, with the role in app_metadata; the profile as asked.
    user = db.execute("select email_confirmed_at, invited_at, raw_app_meta_data ->> 'role',"
                      " raw_user_meta_data ->> 'full_name' from auth.users where id = %s",
                      (row["user_id"],)).fetchone()
    assert user[0] is None and user[1] is not None
    assert user[2:] == ("supervisor", "Sara Supervisora")
    members = db.execute("select campaign_id::text, member_role::text from public.campaign_members"
                         " where user_id = %s order by 1", (row["user_id"],)).fetchall()
    assert members == [(c, "supervisor") for c in sorted(campaigns)]

    page = set_password_js(stack, token_hash, link_type, email, "first-password-2026")
    assert page["verify"] == {"error": None, "email": email, "confirmed": True, "session": True}
    assert page["update"]["error"] is None
    assert page["profile"]["rows"] == [{"email": email, "full_name": "Sara Supervisora",
                                        "role": "supervisor", "sip_extension": extension,
                                        "active": True}]
    assert page["again"]["error"]["code"] == "otp_expired"  # one use
    assert page["signIn"] == {"error": None, "email": email}

    # And with the Python client as well, from a fresh start.
    session = fresh_client(stack).auth.sign_in_with_password(
        {"email": email, "password": "first-password-2026"})
    assert session.user.email == email
    audit = db.execute("select count(*) from public.admin_audit_log"
                       " where table_name = 'account_requests' and record_key ->> 'id' = %s",
                       (request["id"],)).fetchone()[0]
    assert audit == 1


def test_the_link_is_the_requesters_only(stack: StackConfig, admin: Client, drain,
                                         service_client, email: str) -> None:
    request = invite(admin, email)
    drain()
    service_client.auth.admin.create_user({"email": f"x-{email}", "password": "other-admin-pw",
                                           "email_confirm": True,
                                           "app_metadata": {"role": "admin"}})
    other_admin = fresh_client(stack)
    other_admin.auth.sign_in_with_password({"email": f"x-{email}", "password": "other-admin-pw"})
    assert request_row(other_admin, request["id"])["status"] == "done"  # the row, yes
    with pytest.raises(APIError) as refused:
        link_of(other_admin, request["id"])
    assert refused.value.code == "PT404"
    with pytest.raises(APIError) as star:
        other_admin.table("account_requests").select("*").execute()
    assert star.value.code == "42501"


def test_deactivate_refuses_at_once_and_reactivate(stack: StackConfig, admin: Client, drain,
                                                   service_client, db) -> None:
    email = f"deact-{time.monotonic_ns()}@demo.test"
    user = service_client.auth.admin.create_user({
        "email": email, "password": "deact-password-1", "email_confirm": True,
        "app_metadata": {"role": "agent"}}).user
    person = fresh_client(stack)
    person.auth.sign_in_with_password({"email": email, "password": "deact-password-1"})
    old_refresh = person.auth.get_session().refresh_token
    assert person.table("profiles").select("id").execute().data == [{"id": user.id}]

    request = admin.rpc("deactivate_user", {"p_user_id": user.id}).execute().data
    assert request["kind"] == "deactivate"
    # At once, before the worker: their token is refused by every request.
    with pytest.raises(APIError) as refused:
        person.table("profiles").select("id").execute()
    assert refused.value.code == "session_not_found"
    assert db.execute("select active from public.profiles where id = %s",
                      (user.id,)).fetchone()[0] is False

    assert drain() == 1
    assert request_row(admin, request["id"])["status"] == "done"
    banned_until = db.execute("select banned_until from auth.users where id = %s",
                              (user.id,)).fetchone()[0]
    assert banned_until.year >= 2100
    with pytest.raises(AuthApiError) as signin:
        fresh_client(stack).auth.sign_in_with_password(
            {"email": email, "password": "deact-password-1"})
    assert (signin.value.code, signin.value.message) == ("user_banned", "User is banned")
    with pytest.raises(AuthApiError) as refresh:
        fresh_client(stack).auth.refresh_session(old_refresh)
    assert refresh.value.code in ("refresh_token_not_found", "user_banned")

    # Nobody deactivates themselves.
    admin_id = admin.auth.get_user().user.id
    with pytest.raises(APIError) as self_refused:
        admin.rpc("deactivate_user", {"p_user_id": admin_id}).execute()
    assert self_refused.value.code == "42501"

    request = admin.rpc("reactivate_user", {"p_user_id": user.id}).execute().data
    assert drain() == 1
    assert request_row(admin, request["id"])["status"] == "done"
    again = fresh_client(stack)
    again.auth.sign_in_with_password({"email": email, "password": "deact-password-1"})
    assert again.table("profiles").select("active").execute().data == [{"active": True}]


def test_a_sign_in_before_the_ban_is_refused_and_ended(stack: StackConfig, admin: Client,
                                                       drain, service_client, db) -> None:
    email = f"slip-{time.monotonic_ns()}@demo.test"
    user = service_client.auth.admin.create_user({
        "email": email, "password": "slip-password-1", "email_confirm": True,
        "app_metadata": {"role": "agent"}}).user
    admin.rpc("deactivate_user", {"p_user_id": user.id}).execute()
    slipped = fresh_client(stack)  # the worker has not banned them yet
    slipped.auth.sign_in_with_password({"email": email, "password": "slip-password-1"})
    with pytest.raises(APIError) as refused:
        slipped.table("leads").select("id").limit(1).execute()
    assert refused.value.code == "user_deactivated"
    drain()
    assert db.execute("select count(*) from auth.sessions where user_id = %s",
                      (user.id,)).fetchone()[0] == 0


def test_reset_link_sets_a_new_password(stack: StackConfig, admin: Client, drain,
                                        service_client) -> None:
    email = f"reset-{time.monotonic_ns()}@demo.test"
    user = service_client.auth.admin.create_user({
        "email": email, "password": "old-password-1", "email_confirm": True,
        "app_metadata": {"role": "agent"}}).user
    request = admin.rpc("reset_user_password", {"p_user_id": user.id}).execute().data
    assert drain() == 1
    token_hash, link_type = token_of(link_of(admin, request["id"]))
    assert link_type == "recovery"

    person = fresh_client(stack)  # supabase-py's verify_otp, as the page would in Python
    person.auth.verify_otp({"token_hash": token_hash, "type": "recovery"})
    person.auth.update_user({"password": "new-password-2"})
    fresh_client(stack).auth.sign_in_with_password({"email": email, "password": "new-password-2"})
    with pytest.raises(AuthApiError) as old:
        fresh_client(stack).auth.sign_in_with_password(
            {"email": email, "password": "old-password-1"})
    assert old.value.code == "invalid_credentials"


class Crash(BaseException):
    """The worker process dying mid-request: nothing runs after it, no claim is given back."""


@pytest.mark.parametrize("crash_after", ["create_user", "apply"])
def test_a_crash_mid_invite_is_redone_without_a_second_user(
    stack: StackConfig, admin: Client, worker: Callable[..., AccountRequests], db, email: str,
    campaigns: list[str], crash_after: str, monkeypatch: pytest.MonkeyPatch,
) -> None:
    request = invite(admin, email, "agent", campaigns[:1])
    first = worker(stale_after=1.0)
    if crash_after == "create_user":
        create = first.admin.create_user

        def create_then_die(attributes):  # the answer never reaches the worker
            create(attributes)
            raise Crash

        monkeypatch.setattr(first.admin, "create_user", create_then_die)
    else:
        def die(*_args, **_kwargs):
            raise Crash

        monkeypatch.setattr(first.admin, "generate_link", die)
    with pytest.raises(Crash):
        first.run_once()
    assert db.execute("select status, attempts from public.account_requests where id = %s",
                      (request["id"],)).fetchone() == ("running", 1)

    second = worker(stale_after=1.0)
    assert not second.run_once()  # the lease is still fresh
    time.sleep(1.2)
    assert second.run_once()
    row = request_row(admin, request["id"])
    assert (row["status"], row["attempts"], row["error"]) == ("done", 2, None)
    users = db.execute("select id from auth.users where lower(email) = %s", (email,)).fetchall()
    assert len(users) == 1 and str(users[0][0]) == row["user_id"]
    assert db.execute("select count(*) from public.campaign_members where user_id = %s",
                      (row["user_id"],)).fetchone()[0] == 1
    page = set_password_js(stack, *token_of(link_of(admin, request["id"])), email, "redone-pw-1")
    assert page["signIn"]["error"] is None


def test_an_address_taken_since_the_request_fails_for_good(stack: StackConfig, admin: Client,
                                                           drain, service_client,
                                                           email: str) -> None:
    request = invite(admin, email)
    service_client.auth.admin.create_user({"email": email, "password": "taken-pw-1",
                                           "email_confirm": True})
    assert drain() == 1
    row = request_row(admin, request["id"])
    assert row["status"] == "failed"
    assert row["error"] == f"p_email: a user with e-mail {email} already exists"
    assert link_of(admin, request["id"]) is None


def test_auth_down_is_retried_then_failed(stack: StackConfig, admin: Client,
                                          worker: Callable[..., AccountRequests], db,
                                          email: str) -> None:
    request = invite(admin, email)
    loop = worker(supabase_url="http://127.0.0.1:9", max_attempts=2)  # nothing listens there
    assert loop.run_once()
    assert db.execute("select status, attempts from public.account_requests where id = %s",
                      (request["id"],)).fetchone() == ("queued", 1)
    assert loop.run_once()
    row = request_row(admin, request["id"])
    assert row["status"] == "failed" and row["error"].startswith("auth: ")


def test_the_worker_as_a_process_is_woken_by_the_request(stack: StackConfig, admin: Client,
                                                         db, email: str) -> None:
    lifecycle.start_accounts_worker(stack, POLL_INTERVAL="600")
    try:
        request = invite(admin, email)
        wait_for(lambda: request_row(admin, request["id"])["status"] == "done", timeout=15,
                 what="the running worker to carry out the invite")
        assert db.execute("select usename from pg_stat_activity"
                          " where application_name = 'accounts-requests'").fetchone()[0] \
            == "crm_accounts"
    finally:
        assert processes.stop(stack.run_dir / "accounts.pid")
