"""The Auth stand-in's one-time links and bans, as Supabase Auth (GoTrue) answers them, through
the official clients (supabase-py's auth.admin.generate_link, update_user_by_id, verify_otp;
supabase-js in tests/accounts/) and raw HTTP where the shape itself is the contract."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import time
import uuid
from datetime import datetime
from urllib.parse import parse_qs, urlsplit

import httpx
import psycopg
import pytest
from supabase_auth.errors import AuthApiError

from stack.config import StackConfig
from supabase import Client, ClientOptions, create_client


def claims(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def fresh(stack: StackConfig) -> Client:
    return create_client(stack.url, stack.anon_key,
                         options=ClientOptions(auto_refresh_token=False, persist_session=False))


@pytest.fixture
def address() -> str:
    return f"link-{uuid.uuid4().hex[:10]}@demo.test"


@pytest.fixture
def cleanup(service_client: Client):
    made: list[str] = []
    yield made
    for user_id in made:
        service_client.auth.admin.delete_user(user_id)


def test_generate_link_invite_creates_an_invited_user(stack: StackConfig, service_client: Client,
                                                      db: psycopg.Connection, address: str,
                                                      cleanup: list[str]) -> None:
    made = service_client.auth.admin.generate_link({
        "type": "invite", "email": address.upper(),
        "options": {"data": {"full_name": "Invitada"}}})
    cleanup.append(made.user.id)
    props = made.properties
    assert re.fullmatch(r"\d{6}", props.email_otp)
    assert props.hashed_token == hashlib.sha224(f"{address}{props.email_otp}".encode()).hexdigest()
    assert props.verification_type == "invite"
    assert props.redirect_to == f"{stack.url}/"  # the site URL: no redirect_to was given
    link = urlsplit(props.action_link)
    assert f"{link.scheme}://{link.netloc}{link.path}" == f"{stack.url}/auth/v1/verify"
    assert parse_qs(link.query) == {"token": [props.hashed_token], "type": ["invite"],
                                    "redirect_to": [f"{stack.url}/"]}
    assert made.user.email == address and made.user.invited_at is not None
    assert made.user.email_confirmed_at is None
    assert made.user.user_metadata == {"full_name": "Invitada"}
    assert db.execute("select full_name from public.profiles where id = %s",
                      (made.user.id,)).fetchone()[0] == "Invitada"

    again = service_client.auth.admin.generate_link({"type": "invite", "email": address})
    assert again.user.id == made.user.id  # an unconfirmed user is invited again, not duplicated
    assert again.properties.hashed_token != props.hashed_token
    with pytest.raises(AuthApiError) as replaced:
        fresh(stack).auth.verify_otp({"token_hash": props.hashed_token, "type": "invite"})
    assert replaced.value.code == "otp_expired"  # only the newest link works

    session = fresh(stack).auth.verify_otp({"token_hash": again.properties.hashed_token,
                                            "type": "invite"})
    assert session.user.email_confirmed_at is not None
    assert claims(session.session.access_token)["amr"][0]["method"] == "otp"
    with pytest.raises(AuthApiError) as confirmed:
        service_client.auth.admin.generate_link({"type": "invite", "email": address})
    assert (confirmed.value.code, confirmed.value.status) == ("email_exists", 422)


def test_generate_link_recovery_and_magiclink(stack: StackConfig, service_client: Client,
                                              address: str, cleanup: list[str]) -> None:
    with pytest.raises(AuthApiError) as unknown:
        service_client.auth.admin.generate_link({"type": "recovery", "email": address})
    assert (unknown.value.status, unknown.value.code, unknown.value.message) == (
        404, "user_not_found", "User with this email not found")

    user = service_client.auth.admin.create_user(
        {"email": address, "password": "recover-me-1", "email_confirm": True}).user
    cleanup.append(user.id)
    redirect = f"{stack.url}/set-password"
    made = service_client.auth.admin.generate_link(
        {"type": "recovery", "email": address, "options": {"redirect_to": redirect}})
    assert made.properties.verification_type == "recovery"
    assert made.properties.redirect_to == redirect
    assert made.user.recovery_sent_at is not None
    elsewhere = service_client.auth.admin.generate_link(
        {"type": "recovery", "email": address, "options": {"redirect_to": "https://evil.test/x"}})
    assert elsewhere.properties.redirect_to == f"{stack.url}/"  # not allowed: the site URL

    # The e-mail + OTP form of verify works too, with the newest OTP.
    session = fresh(stack).auth.verify_otp(
        {"email": address, "token": elsewhere.properties.email_otp, "type": "recovery"})
    assert session.user.id == user.id

    magic = service_client.auth.admin.generate_link({"type": "magiclink", "email": address})
    assert magic.properties.verification_type == "magiclink"
    newcomer = f"new-{address}"
    signup = service_client.auth.admin.generate_link({"type": "magiclink", "email": newcomer})
    cleanup.append(signup.user.id)
    assert signup.properties.verification_type == "signup"  # GoTrue signs an unknown one up


def test_generate_link_refusals(stack: StackConfig, service_client: Client, sign_in,
                                address: str) -> None:
    headers = {"apikey": stack.anon_key, "Authorization": f"Bearer {stack.service_role_key}",
               "X-Supabase-Api-Version": "2024-01-01"}
    url = f"{stack.url}/auth/v1/admin/generate_link"
    bad_type = httpx.post(url, headers=headers, json={"type": "email_change_new", "email": address})
    assert bad_type.status_code == 400 and bad_type.json()["code"] == "validation_failed"
    no_email = httpx.post(url, headers=headers, json={"type": "invite"})
    assert no_email.json() == {"code": "validation_failed",
                               "message": "An email address is required"}
    bad_email = httpx.post(url, headers=headers, json={"type": "invite", "email": "nope"})
    assert bad_email.json()["message"] == "Unable to validate email address: invalid format"
    user_token = sign_in("agent1@demo.test").auth.get_session().access_token
    forbidden = httpx.post(url, json={"type": "invite", "email": address},
                           headers={**headers, "Authorization": f"Bearer {user_token}"})
    assert (forbidden.status_code, forbidden.json()["code"]) == (403, "not_admin")


def test_verify_is_one_use_and_expires(stack: StackConfig, service_client: Client,
                                       db: psycopg.Connection, address: str,
                                       cleanup: list[str]) -> None:
    made = service_client.auth.admin.generate_link({"type": "invite", "email": address})
    cleanup.append(made.user.id)
    token_hash = made.properties.hashed_token
    with pytest.raises(AuthApiError) as wrong_type:
        fresh(stack).auth.verify_otp({"token_hash": token_hash, "type": "recovery"})
    assert wrong_type.value.code == "otp_expired"
    db.execute("update auth.users set confirmation_sent_at = now() - interval '2 days'"
               " where id = %s", (made.user.id,))
    with pytest.raises(AuthApiError) as expired:
        fresh(stack).auth.verify_otp({"token_hash": token_hash, "type": "invite"})
    assert (expired.value.status, expired.value.code, expired.value.message) == (
        403, "otp_expired", "Email link is invalid or has expired")

    made = service_client.auth.admin.generate_link({"type": "invite", "email": address})
    response = fresh(stack).auth.verify_otp({"token_hash": made.properties.hashed_token,
                                             "type": "invite"})
    assert response.session is not None and response.session.refresh_token
    user = db.execute("select encrypted_password is not null, confirmation_token from auth.users"
                      " where id = %s", (made.user.id,)).fetchone()
    assert user == (True, "")  # a random password (GoTrue's), the token consumed
    with pytest.raises(AuthApiError) as reused:
        fresh(stack).auth.verify_otp({"token_hash": made.properties.hashed_token,
                                      "type": "invite"})
    assert reused.value.code == "otp_expired"

    verify = f"{stack.url}/auth/v1/verify"
    headers = {"apikey": stack.anon_key, "X-Supabase-Api-Version": "2024-01-01"}
    both = httpx.post(verify, headers=headers,
                      json={"type": "invite", "token_hash": "x", "email": address})
    assert both.json() == {"code": "validation_failed",
                           "message": "Only the token_hash and type should be provided"}
    untyped = httpx.post(verify, headers=headers, json={"token_hash": "x"})
    assert untyped.json()["message"] == "Verify requires a verification type"


def test_get_verify_redirects_without_a_key(stack: StackConfig, service_client: Client,
                                            address: str, cleanup: list[str]) -> None:
    made = service_client.auth.admin.generate_link(
        {"type": "invite", "email": address,
         "options": {"redirect_to": f"{stack.url}/set-password"}})
    cleanup.append(made.user.id)
    opened = httpx.get(made.properties.action_link)  # a browser: no apikey
    assert opened.status_code == 303
    target = urlsplit(opened.headers["location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == f"{stack.url}/set-password"
    fragment = parse_qs(target.fragment, keep_blank_values=True)
    assert fragment["type"] == ["invite"] and fragment["token_type"] == ["bearer"]
    assert fragment["access_token"][0] and fragment["refresh_token"][0]
    again = httpx.get(made.properties.action_link)
    fragment = parse_qs(urlsplit(again.headers["location"]).fragment)
    assert fragment["error"] == ["access_denied"] and fragment["error_code"] == ["otp_expired"]


def test_invite_needs_a_mailer(stack: StackConfig, service_client: Client, db, address) -> None:
    with pytest.raises(AuthApiError) as failed:
        service_client.auth.admin.invite_user_by_email(address)
    assert (failed.value.status, failed.value.code, failed.value.message) == (
        500, "unexpected_failure", "Error sending invite email")
    assert db.execute("select count(*) from auth.users where email = %s",
                      (address,)).fetchone()[0] == 0  # rolled back, as GoTrue does


def test_a_ban_refuses_sign_in_refresh_and_links(stack: StackConfig, service_client: Client,
                                                 db: psycopg.Connection, address: str,
                                                 cleanup: list[str]) -> None:
    user = service_client.auth.admin.create_user(
        {"email": address, "password": "banned-pw-1", "email_confirm": True}).user
    cleanup.append(user.id)
    person = fresh(stack)
    person.auth.sign_in_with_password({"email": address, "password": "banned-pw-1"})
    session = person.auth.get_session()

    banned = service_client.auth.admin.update_user_by_id(user.id, {"ban_duration": "1h30m"})
    assert banned.user.banned_until is not None
    until = datetime.fromisoformat(str(banned.user.banned_until).replace("Z", "+00:00"))
    assert 5300 < until.timestamp() - time.time() < 5500
    assert db.execute("select count(*) from auth.sessions where user_id = %s",
                      (user.id,)).fetchone()[0] == 1  # a ban ends no session (GoTrue's User.Ban)

    with pytest.raises(AuthApiError) as signin:
        fresh(stack).auth.sign_in_with_password({"email": address, "password": "wrong-anyway"})
    assert (signin.value.status, signin.value.code, signin.value.message) == (
        400, "user_banned", "User is banned")  # before the password is even checked
    with pytest.raises(AuthApiError) as refresh:
        fresh(stack).auth.refresh_session(session.refresh_token)
    assert (refresh.value.status, refresh.value.code, refresh.value.message) == (
        400, "user_banned", "Invalid Refresh Token: User Banned")
    with pytest.raises(AuthApiError) as me:
        fresh(stack).auth.get_user(session.access_token)
    assert (me.value.status, me.value.code) == (403, "user_banned")
    link = service_client.auth.admin.generate_link({"type": "recovery", "email": address})
    with pytest.raises(AuthApiError) as verify:
        fresh(stack).auth.verify_otp({"token_hash": link.properties.hashed_token,
                                      "type": "recovery"})
    assert (verify.value.status, verify.value.code) == (403, "user_banned")

    lifted = service_client.auth.admin.update_user_by_id(user.id, {"ban_duration": "none"})
    assert lifted.user.banned_until is None
    fresh(stack).auth.sign_in_with_password({"email": address, "password": "banned-pw-1"})
    headers = {"apikey": stack.service_role_key,
               "Authorization": f"Bearer {stack.service_role_key}"}
    bad = httpx.put(f"{stack.url}/auth/v1/admin/users/{user.id}", headers=headers,
                    json={"ban_duration": "forever"})
    assert bad.status_code == 400 and "invalid format for ban duration" in bad.json()["msg"]


def test_a_new_password_ends_the_other_sessions(stack: StackConfig, service_client: Client,
                                                db: psycopg.Connection, address: str,
                                                cleanup: list[str]) -> None:
    user = service_client.auth.admin.create_user(
        {"email": address, "password": "first-pw-1", "email_confirm": True}).user
    cleanup.append(user.id)
    laptop, phone = fresh(stack), fresh(stack)
    laptop.auth.sign_in_with_password({"email": address, "password": "first-pw-1"})
    phone.auth.sign_in_with_password({"email": address, "password": "first-pw-1"})
    with pytest.raises(AuthApiError) as same:
        laptop.auth.update_user({"password": "first-pw-1"})
    assert (same.value.code, same.value.status) == ("same_password", 422)
    laptop.auth.update_user({"password": "second-pw-2"})
    sessions = db.execute("select id::text from auth.sessions where user_id = %s",
                          (user.id,)).fetchall()
    # As GoTrue's UpdatePassword: the phone's session ended, the laptop's kept.
    kept = claims(laptop.auth.get_session().access_token)["session_id"]
    assert [s[0] for s in sessions] == [kept]
