"""One-time links: GoTrue's POST /admin/generate_link, POST and GET /verify, POST /invite.

As Supabase Auth (internal/api/mail.go, verify.go, invite.go): a link's secret is a 6-digit OTP;
what is stored (auth.users.confirmation_token for invite and signup, recovery_token for recovery
and magiclink) and put in the link is its hash, hex(sha224(email + otp)). Verifying finds the
user by that hash, refuses a banned user or a link older than [auth.email] otp_expiry, consumes
the token (one use), confirms the e-mail and opens a session (amr "otp"). An invited user
without a password gets a random one, as GoTrue does; the application then asks for theirs
(PUT /user). There is no mailer here: POST /invite fails as GoTrue fails when it cannot send
the mail, and admins hand out generate_link's links instead.
"""

from __future__ import annotations

import fnmatch
import hashlib
import ipaddress
import re
import secrets
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit

from aiohttp import web
from psycopg import AsyncConnection
from psycopg.rows import DictRow
from psycopg.types.json import Jsonb

from stack.auth import app as core
from stack.auth.errors import AuthError, validation

LINK_TYPES = ("invite", "recovery", "magiclink", "signup")
OTP_EXPIRED = "Email link is invalid or has expired"
DUPLICATE_EMAIL = "A user with this email address has already been registered"
# checkmail.ValidateFormat's rule (GoTrue validates addresses with it), without quoted local parts.
_U = "\u00a0-\ud7ff\uf900-\ufdcf\ufdf0-\uffef"
_ATOM = f"[a-zA-Z0-9!#$%&'*+/=?^_`{{|}}~\\-{_U}]+"
_LABEL = f"[a-zA-Z0-9{_U}](?:[a-zA-Z0-9\\-.~{_U}]*[a-zA-Z0-9{_U}])?"
_TLD = f"[a-zA-Z{_U}](?:[a-zA-Z0-9\\-.~{_U}]*[a-zA-Z{_U}])?"
EMAIL_FORMAT = re.compile(f"^{_ATOM}(?:\\.{_ATOM})*@(?:{_LABEL}\\.)+{_TLD}\\.?$")


def token_hash(email: str, otp: str) -> str:
    """GoTrue's crypto.GenerateTokenHash."""
    return hashlib.sha224((email + otp).encode()).hexdigest()


def new_otp(digits: int) -> str:
    return "".join(secrets.choice("0123456789") for _ in range(digits))


def valid_email(value: object) -> str:
    """GoTrue's validateEmail: required, at most 255 bytes, checkmail's format; lower-cased."""
    if not isinstance(value, str) or value == "":
        raise validation("An email address is required")
    if len(value.encode()) > core.EMAIL_MAX_LENGTH:
        raise validation("An email address is too long")
    if not EMAIL_FORMAT.match(value):
        raise validation("Unable to validate email address: invalid format")
    return value.lower()


def redirect_valid(settings: core.Settings, url: str) -> bool:
    """GoTrue's IsRedirectURLValid: the site's own scheme and host (any port on loopback), a
    loopback address, or a match of the allow list (globs)."""
    if not url:
        return False
    try:
        base, ref = urlsplit(settings.site_url), urlsplit(url)
        ref_port, base_port = ref.port, base.port
    except ValueError:
        return False
    host = ref.hostname or ""
    loopback = host == "localhost" or _is_loopback(host)
    if host == base.hostname and ref.scheme == base.scheme and (ref_port == base_port or loopback):
        return True
    if host.isdigit():
        return False
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        pass
    bare = url.split("#", 1)[0]
    return any(fnmatch.fnmatchcase(bare, pattern) for pattern in settings.redirect_urls)


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def referrer(request: web.Request, settings: core.Settings, asked: object = None) -> str:
    """GoTrue's GetReferrer: a valid redirect_to (the body's, then the query's), else the
    Referer header if valid, else the site URL."""
    for candidate in (asked, request.query.get("redirect_to"), request.headers.get("Referer")):
        if isinstance(candidate, str) and redirect_valid(settings, candidate):
            return candidate
    return settings.site_url


def action_link(settings: core.Settings, hashed: str, link_type: str, redirect_to: str) -> str:
    """The mailer's link: <external URL>/verify?token=...&type=...&redirect_to=..."""
    return f"{settings.issuer}/verify?" + urlencode(
        {"token": hashed, "type": link_type, "redirect_to": redirect_to})


async def _user_by_email(conn: AsyncConnection[DictRow], email: str) -> DictRow | None:
    return await (await conn.execute(
        f"select {core.USER_COLUMNS}, encrypted_password from auth.users"
        " where lower(email) = %s and deleted_at is null and not is_sso_user for update",
        (email,))).fetchone()


async def _new_user(conn: AsyncConnection[DictRow], email: str, data: dict[str, Any] | None,
                    password: str | None) -> None:
    await conn.execute(
        "insert into auth.users (instance_id, id, aud, role, email, encrypted_password,"
        " raw_app_meta_data, raw_user_meta_data, created_at, updated_at)"
        " values ('00000000-0000-0000-0000-000000000000', %s, 'authenticated', 'authenticated',"
        " %s, case when %s::text is null then null"
        "          else extensions.crypt(%s, extensions.gen_salt('bf', %s)) end,"
        " %s, %s, now(), now())",
        (uuid.uuid4(), email, password, password, core.BCRYPT_COST,
         Jsonb({"provider": "email", "providers": ["email"]}), Jsonb(data or {})))


# ---------------------------------------------------------------------------
# POST /admin/generate_link
# ---------------------------------------------------------------------------

async def generate_link(request: web.Request) -> web.Response:
    core.require_admin(request)
    body = await core.json_body(request)
    settings = request.app[core.SETTINGS]
    link_type = body.get("type")
    email = valid_email(body.get("email"))
    data = core._metadata(body, "data")
    redirect_to = referrer(request, settings, body.get("redirect_to"))
    if link_type not in LINK_TYPES:
        # email_change_current / email_change_new: changing e-mails is not offered here.
        raise validation(f"Invalid email action link type requested: {link_type}")
    otp = new_otp(settings.otp_length)
    hashed = token_hash(email, otp)
    async with request.app[core.POOL].connection() as conn, conn.transaction():
        user = await _user_by_email(conn, email)
        if user is None:
            if link_type in ("recovery",):
                raise AuthError(404, "user_not_found", "User with this email not found")
            if link_type == "magiclink":  # GoTrue signs an unknown address up instead
                link_type = "signup"
                body["password"] = secrets.token_urlsafe(48)
            if link_type == "signup":
                core._valid_password(settings, body.get("password"))
            await _new_user(conn, email, data,
                            body.get("password") if link_type == "signup" else None)
            user = await _user_by_email(conn, email)
            assert user is not None  # inserted just above, in this transaction
        elif link_type in ("invite", "signup") and user["email_confirmed_at"] is not None:
            raise AuthError(422, "email_exists", DUPLICATE_EMAIL)
        elif link_type == "signup" and data is not None:
            await conn.execute(
                "update auth.users set raw_user_meta_data = coalesce(raw_user_meta_data, '{}')"
                " || %s where id = %s", (Jsonb(data), user["id"]))
        if link_type in ("recovery", "magiclink"):
            sets = "recovery_token = %s, recovery_sent_at = now()"
        elif link_type == "invite":
            sets = "confirmation_token = %s, confirmation_sent_at = now(), invited_at = now()"
        else:
            sets = "confirmation_token = %s, confirmation_sent_at = now()"
        user = await (await conn.execute(
            f"update auth.users set {sets}, updated_at = now() where id = %s"
            f" returning {core.USER_COLUMNS}", (hashed, user["id"]))).fetchone()
    assert user is not None  # the row is locked by this transaction
    return core.reply(request, {
        **core.user_json(user),
        "action_link": action_link(settings, hashed, link_type, redirect_to),
        "email_otp": otp,
        "hashed_token": hashed,
        "verification_type": link_type,
        "redirect_to": redirect_to,
    })


# ---------------------------------------------------------------------------
# POST /invite: no mailer on this stack
# ---------------------------------------------------------------------------

async def invite(request: web.Request) -> web.Response:
    """GoTrue checks the address and the existing user, then fails to send the mail: its
    transaction rolls back (no user is created) and it answers 500 "Error sending invite
    email". The accounts worker uses generate_link instead."""
    core.require_admin(request)
    body = await core.json_body(request)
    email = valid_email(body.get("email"))
    core._metadata(body, "data")
    async with request.app[core.POOL].connection() as conn:
        user = await _user_by_email(conn, email)
    if user is not None and user["email_confirmed_at"] is not None:
        raise AuthError(422, "email_exists", DUPLICATE_EMAIL)
    raise AuthError(500, "unexpected_failure", "Error sending invite email")


# ---------------------------------------------------------------------------
# POST and GET /verify
# ---------------------------------------------------------------------------

CONFIRMATION_TYPES = ("signup", "invite")
RECOVERY_TYPES = ("recovery", "magiclink")


async def _verified_user(conn: AsyncConnection[DictRow], settings: core.Settings,
                         verify_type: str, hashed: str, email: str | None) -> tuple[DictRow, str]:
    """The user the token belongs to (locked), and the type it verified; 403 otherwise."""
    if verify_type == "email":
        column = "confirmation_token = %(h)s or recovery_token = %(h)s"
    elif verify_type in CONFIRMATION_TYPES:
        column = "confirmation_token = %(h)s"
    elif verify_type in RECOVERY_TYPES:
        column = "recovery_token = %(h)s"
    else:
        raise validation("Invalid email verification type")
    where = f"({column}) and deleted_at is null"
    if email is not None:  # the e-mail + OTP form: the OTP must be this address's
        where += " and lower(email) = %(e)s"
    user = await (await conn.execute(
        f"select {core.USER_COLUMNS}, encrypted_password, confirmation_token, recovery_token,"
        f" invited_at, confirmation_sent_at, recovery_sent_at from auth.users where {where}"
        " limit 1 for update", {"h": hashed, "e": email})).fetchone()
    message = OTP_EXPIRED if email is None else "Token has expired or is invalid"
    if user is None:
        raise AuthError(403, "otp_expired", message)
    if core.is_banned(user):
        raise AuthError(403, "user_banned", "User is banned")
    if verify_type == "email":
        verify_type = "magiclink" if user["recovery_token"] == hashed else "signup"
    sent_at = user["confirmation_sent_at"] if verify_type in CONFIRMATION_TYPES \
        else user["recovery_sent_at"]
    if sent_at is None or datetime.now(UTC) > sent_at + timedelta(seconds=settings.otp_exp):
        raise AuthError(403, "otp_expired", message)
    return user, verify_type


async def _verify(request: web.Request, verify_type: str, hashed: str,
                  email: str | None = None) -> dict[str, Any]:
    """Consume the token and open a session; the session's JSON (GoTrue's AccessTokenResponse)."""
    settings = request.app[core.SETTINGS]
    async with request.app[core.POOL].connection() as conn, conn.transaction():
        user, verified = await _verified_user(conn, settings, verify_type, hashed, email)
        if verified in CONFIRMATION_TYPES:
            if not user["encrypted_password"] and user["invited_at"] is not None:
                # GoTrue gives an invited user a random password; the app asks for theirs.
                await conn.execute(
                    "update auth.users set encrypted_password ="
                    " extensions.crypt(%s, extensions.gen_salt('bf', %s)) where id = %s",
                    (secrets.token_urlsafe(48), core.BCRYPT_COST, user["id"]))
            await conn.execute(
                "update auth.users set confirmation_token = '',"
                " email_confirmed_at = coalesce(email_confirmed_at, now()) where id = %s",
                (user["id"],))
        else:
            await conn.execute(
                "update auth.users set recovery_token = '', recovery_sent_at = null,"
                " email_confirmed_at = coalesce(email_confirmed_at, now()) where id = %s",
                (user["id"],))
        session_id, refresh = await core.open_session(conn, user["id"], request)
        fresh = await (await conn.execute(
            "update auth.users set last_sign_in_at = now(), updated_at = now() where id = %s"
            f" returning {core.USER_COLUMNS}", (user["id"],))).fetchone()
    assert fresh is not None  # locked by this transaction
    return core.session_json(settings, fresh, session_id, refresh, method="otp")


async def verify_post(request: web.Request) -> web.Response:
    body = await core.json_body(request)
    verify_type = body.get("type") or ""
    token = body.get("token") or ""
    hashed = body.get("token_hash") or ""
    email = body.get("email") or ""
    if not isinstance(verify_type, str) or not verify_type:
        raise validation("Verify requires a verification type")
    if not isinstance(token, str) or not isinstance(hashed, str) or bool(token) == bool(hashed):
        raise validation("Verify requires either a token or a token hash")
    core.limit_ip(request, "token_verifications")
    if token:
        if body.get("phone") or not email:
            raise validation("Only an email address or phone number should be provided on verify")
        try:
            address = valid_email(email)
        except AuthError as e:
            raise AuthError(422, "validation_failed", "Invalid email format") from e
        if verify_type not in (*CONFIRMATION_TYPES, *RECOVERY_TYPES, "email"):
            raise validation("Unsupported verification type")
        session = await _verify(request, verify_type, token_hash(address, token), address)
    else:
        if email or body.get("phone") or body.get("redirect_to"):
            raise validation("Only the token_hash and type should be provided")
        session = await _verify(request, verify_type, hashed)
    return core.reply(request, session)


async def verify_get(request: web.Request) -> web.StreamResponse:
    """The link a mail would carry: verify, then 303 to redirect_to with the session (or the
    error) in the fragment, as GoTrue's implicit flow does."""
    settings = request.app[core.SETTINGS]
    verify_type = request.query.get("type", "")
    token = request.query.get("token", "")
    target = referrer(request, settings)
    if not verify_type:
        raise validation("Verify requires a verification type")
    if not token:
        raise validation("Verify requires a token or a token hash")
    core.limit_ip(request, "token_verifications")
    try:
        session = await _verify(request, verify_type, token)
    except AuthError as e:
        oauth = {400: "invalid_request", 401: "unauthorized_client", 403: "access_denied",
                 500: "server_error"}.get(e.status)
        fragment = {**({"error": oauth} if oauth else {}), "error_code": e.error_code,
                    "error_description": e.message, "sb": ""}
        raise web.HTTPSeeOther(f"{target}#{urlencode(sorted(fragment.items()))}") from e
    fragment = {"type": verify_type, "access_token": session["access_token"],
                "token_type": session["token_type"], "expires_in": str(session["expires_in"]),
                "expires_at": str(session["expires_at"]),
                "refresh_token": session["refresh_token"], "sb": ""}
    raise web.HTTPSeeOther(f"{target}#{urlencode(sorted(fragment.items()))}")


def add_routes(app: web.Application) -> None:
    app.router.add_post("/admin/generate_link", generate_link)
    app.router.add_post("/invite", invite)
    app.router.add_post("/verify", verify_post)
    app.router.add_get("/verify", verify_get)
