"""The Auth stand-in's HTTP API (see stack/auth/__init__.py for what it stands in for).

Routes are served at the root; the gateway maps /auth/v1/ onto them, as Kong does.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import logging
import re
import secrets
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import psycopg
from aiohttp import web
from aiohttp.typedefs import Handler
from psycopg import AsyncConnection
from psycopg.rows import DictRow, dict_row
from psycopg.types.json import Jsonb
from psycopg_pool import AsyncConnectionPool

from stack.auth.errors import (
    API_VERSION,
    API_VERSION_HEADER,
    AuthError,
    bad_json,
    bad_jwt,
    invalid_credentials,
    not_admin,
    rate_limited,
    validation,
)
from stack.auth.limits import RateLimits, SlidingWindow

log = logging.getLogger("stack.auth")

ADMIN_ROLES = {"service_role", "supabase_admin"}
USER_COLUMNS = """
  id, aud, role, email, email_confirmed_at, phone, phone_confirmed_at, confirmed_at,
  last_sign_in_at, raw_app_meta_data, raw_user_meta_data, created_at, updated_at,
  banned_until, deleted_at, is_anonymous, invited_at, confirmation_sent_at, recovery_sent_at
"""


@dataclass(frozen=True)
class Settings:
    database_url: str
    jwt_secret: str
    issuer: str
    jwt_exp: int = 3600
    min_password_length: int = 6
    rate_limits: RateLimits = field(default_factory=RateLimits)
    # [auth] site_url and additional_redirect_urls: where links may send the user.
    site_url: str = "http://127.0.0.1:3000"
    redirect_urls: tuple[str, ...] = ()
    # [auth.email] otp_expiry and otp_length: how long a one-time link lives, its OTP's digits.
    otp_exp: int = 3600
    otp_length: int = 6


class Limiters:
    """The sliding windows behind Settings.rate_limits (see stack/auth/limits.py)."""

    def __init__(self, limits: RateLimits) -> None:
        self.sign_in_sign_ups = SlidingWindow(limits.sign_in_sign_ups, limits.window_seconds)
        self.token_refresh = SlidingWindow(limits.token_refresh, limits.window_seconds)
        self.account_failures = SlidingWindow(limits.account_failures, limits.window_seconds)
        self.token_verifications = SlidingWindow(limits.token_verifications,
                                                 limits.window_seconds)


# GoTrue's bcrypt cost (Go's bcrypt.DefaultCost); the seed's hashes use it too.
BCRYPT_COST = 10
MAX_BODY_BYTES = 256 * 1024  # Auth's bodies are small: credentials, a token, some metadata
MAX_JSON_DEPTH = 32
EMAIL_MAX_LENGTH = 255  # auth.users.email is varchar(255)

SETTINGS = web.AppKey("settings", Settings)
LIMITERS = web.AppKey("limiters", Limiters)
# A bcrypt hash of a random secret, of the users' cost: an unknown e-mail is checked against it,
# so that it costs as much time as a wrong password (no telling which e-mails exist).
DUMMY_HASH = web.AppKey("dummy_hash", str)
# Every connection hands out rows as dicts (row_factory=dict_row, set when it connects).
POOL = web.AppKey("pool", AsyncConnectionPool[AsyncConnection[DictRow]])


# ---------------------------------------------------------------------------
# Shapes
# ---------------------------------------------------------------------------

def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def user_json(row: DictRow) -> dict[str, Any]:
    return {
        "id": str(row["id"]),
        "aud": row["aud"] or "",
        "role": row["role"] or "",
        "email": row["email"] or "",
        "email_confirmed_at": _iso(row["email_confirmed_at"]),
        "phone": row["phone"] or "",
        "phone_confirmed_at": _iso(row["phone_confirmed_at"]),
        "confirmed_at": _iso(row["confirmed_at"]),
        "last_sign_in_at": _iso(row["last_sign_in_at"]),
        "app_metadata": row["raw_app_meta_data"] or {},
        "user_metadata": row["raw_user_meta_data"] or {},
        "identities": [],
        "created_at": _iso(row["created_at"]),
        "updated_at": _iso(row["updated_at"]),
        "banned_until": _iso(row["banned_until"]),
        "is_anonymous": bool(row["is_anonymous"]),
        # GoTrue leaves these out when unset (omitempty).
        **{key: _iso(row[key]) for key in ("invited_at", "confirmation_sent_at", "recovery_sent_at")
           if row.get(key) is not None},
    }


def access_token(settings: Settings, user: DictRow, session_id: uuid.UUID, issued: datetime,
                 method: str = "password") -> str:
    iat = int(issued.timestamp())
    claims = {
        "iss": settings.issuer,
        "sub": str(user["id"]),
        "aud": user["aud"] or "authenticated",
        "exp": iat + settings.jwt_exp,
        "iat": iat,
        "email": user["email"] or "",
        "phone": user["phone"] or "",
        "app_metadata": user["raw_app_meta_data"] or {},
        "user_metadata": user["raw_user_meta_data"] or {},
        "role": user["role"] or "authenticated",
        "aal": "aal1",
        "amr": [{"method": method, "timestamp": iat}],
        "session_id": str(session_id),
        "is_anonymous": bool(user["is_anonymous"]),
    }
    return jwt.encode(claims, settings.jwt_secret, algorithm="HS256")


def session_json(settings: Settings, user: DictRow, session_id: uuid.UUID,
                 refresh: str, *, method: str = "password") -> dict[str, Any]:
    issued = datetime.now(UTC)
    return {
        "access_token": access_token(settings, user, session_id, issued, method),
        "token_type": "bearer",
        "expires_in": settings.jwt_exp,
        "expires_at": int(issued.timestamp()) + settings.jwt_exp,
        "refresh_token": refresh,
        "user": user_json(user),
    }


def reply(request: web.Request, body: object, status: int = 200) -> web.Response:
    headers = {}
    if request.headers.get(API_VERSION_HEADER, "") >= API_VERSION:
        headers[API_VERSION_HEADER] = API_VERSION
    return web.Response(status=status, text=json.dumps(body), content_type="application/json",
                        headers=headers)


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")  # Python's json would accept NaN and Infinity


def _check_strings(body: object) -> None:
    """Every string of the body, keys too, must be storable text: no NUL (PostgreSQL text and
    jsonb refuse it), no lone surrogate (not UTF-8); and the nesting stays shallow."""
    stack: list[tuple[object, str, int]] = [(body, "", 0)]
    while stack:
        value, path, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise bad_json(f"Request body is nested deeper than {MAX_JSON_DEPTH} levels")
        items: list[tuple[object, str]] = []
        if isinstance(value, dict):
            for key, item in value.items():
                items.append((key, f"{path}.{key}" if path else str(key)))
                items.append((item, f"{path}.{key}" if path else str(key)))
        elif isinstance(value, list):
            items = [(item, f"{path}[{i}]") for i, item in enumerate(value)]
        elif isinstance(value, str):
            name = path or "body"
            if "\x00" in value:
                raise validation(f"{name}: must not contain NUL characters")
            try:
                value.encode("utf-8")
            except UnicodeEncodeError as e:
                raise validation(f"{name}: is not valid UTF-8 text") from e
        stack.extend((item, item_path, depth + 1) for item, item_path in items)


async def json_body(request: web.Request) -> dict[str, Any]:
    """The request's JSON object, or a 4xx in GoTrue's shape: never a 5xx for what was sent."""
    try:
        raw = await request.read()
    except web.HTTPRequestEntityTooLarge as e:
        raise AuthError(413, "request_entity_too_large",
                        f"Request body is larger than {MAX_BODY_BYTES} bytes") from e
    try:
        body = json.loads(raw.decode("utf-8"), parse_constant=_no_constants)
    except UnicodeDecodeError as e:
        raise bad_json("Could not parse request body as JSON: not UTF-8") from e
    except RecursionError as e:
        raise bad_json(f"Request body is nested deeper than {MAX_JSON_DEPTH} levels") from e
    except ValueError as e:  # JSONDecodeError, NaN, an integer of more than 4300 digits
        raise bad_json("Could not parse request body as JSON") from e
    if not isinstance(body, dict):
        raise bad_json("Request body must be a JSON object")
    _check_strings(body)
    return body


def client_ip(request: web.Request) -> str:
    """The client's address: the first X-Forwarded-For address, as GoTrue takes it. The gateway
    overwrites that header with the address it was connected from, so it cannot be forged."""
    first = request.headers.get("X-Forwarded-For", "").split(",", 1)[0].strip()
    return first or request.remote or "unknown"


def _inet(address: str) -> str | None:
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def account_key(email: str) -> str:
    """The per-account limiter's key and the log's name for an account: a hash, so the log holds
    no e-mail address and a long made-up address costs no memory."""
    return "sha256:" + hashlib.sha256(email.strip().lower().encode()).hexdigest()[:16]


def refuse(request: web.Request, limit: str, retry_after: int, *, ip: str,
           account: str | None = None) -> AuthError:
    """Log a rate-limit refusal as one JSON line (they feed the authentication-errors alert)."""
    log.warning(json.dumps({"event": "over_request_rate_limit", "limit": limit, "ip": ip,
                            "account": account, "path": request.path,
                            "retry_after": retry_after}))
    return rate_limited(retry_after)


def limit_ip(request: web.Request, limit: str) -> str:
    """Count this request against the client IP's `limit`; 429 when it is over."""
    ip = client_ip(request)
    window: SlidingWindow = getattr(request.app[LIMITERS], limit)
    wait = window.hit(ip)
    if wait is not None:
        raise refuse(request, limit, wait, ip=ip)
    return ip


# ---------------------------------------------------------------------------
# Tokens and sessions
# ---------------------------------------------------------------------------

def claims_of(request: web.Request) -> dict[str, Any]:
    settings = request.app[SETTINGS]
    header = request.headers.get("Authorization", "")
    if not header.lower().startswith("bearer "):
        raise AuthError(401, "no_authorization", "This endpoint requires a Bearer token")
    try:
        return jwt.decode(header[7:], settings.jwt_secret, algorithms=["HS256"],
                          options={"verify_aud": False, "require": ["exp"]})
    except (jwt.PyJWTError, ValueError) as e:
        raise bad_jwt(str(e)) from e


async def current_user(request: web.Request,
                       conn: AsyncConnection[DictRow]) -> tuple[DictRow, dict[str, Any]]:
    """The signed-in user and their claims; the session in the token must still exist."""
    claims = claims_of(request)
    if claims.get("role") != "authenticated" or "sub" not in claims:
        raise AuthError(403, "bad_jwt", "invalid claim: missing sub claim")
    row = await (await conn.execute(
        f"select {USER_COLUMNS} from auth.users where id = %s and deleted_at is null",
        (claims["sub"],),
    )).fetchone()
    if row is None:
        raise AuthError(403, "user_not_found", "User from sub claim in JWT does not exist")
    if is_banned(row):  # GoTrue's requireAuthentication: a token issued before the ban
        raise AuthError(403, "user_banned", "User is banned")
    if claims.get("session_id"):
        exists = await (await conn.execute(
            "select 1 from auth.sessions where id = %s", (claims["session_id"],)
        )).fetchone()
        if not exists:
            raise AuthError(403, "session_not_found",
                            "Session from session_id claim in JWT does not exist")
    return row, claims


def require_admin(request: web.Request) -> None:
    if claims_of(request).get("role") not in ADMIN_ROLES:
        raise not_admin()


def new_refresh_token() -> str:
    return secrets.token_urlsafe(24)


async def open_session(conn: AsyncConnection[DictRow], user_id: uuid.UUID,
                       request: web.Request) -> tuple[uuid.UUID, str]:
    session_id = uuid.uuid4()
    token = new_refresh_token()
    await conn.execute(
        "insert into auth.sessions (id, user_id, created_at, updated_at, aal, user_agent, ip)"
        " values (%s, %s, now(), now(), 'aal1', %s, %s)",
        (session_id, user_id, _header_text(request, "User-Agent"), _inet(client_ip(request))),
    )
    await conn.execute(
        "insert into auth.refresh_tokens (token, user_id, revoked, created_at, updated_at,"
        " session_id) values (%s, %s, false, now(), now(), %s)",
        (token, str(user_id), session_id),
    )
    return session_id, token


def _header_text(request: web.Request, name: str, limit: int = 1024) -> str | None:
    """A header as storable text: no NUL, no undecodable bytes, not unbounded."""
    value = request.headers.get(name)
    if value is None:
        return None
    return value.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")[:limit]


def is_banned(user: DictRow) -> bool:
    return user["banned_until"] is not None and user["banned_until"] > datetime.now(UTC)


# ---------------------------------------------------------------------------
# Public endpoints
# ---------------------------------------------------------------------------

async def health(request: web.Request) -> web.Response:
    return reply(request, {"name": "GoTrue (embedded stand-in)", "version": "v2",
                           "description": "Supabase Auth stand-in for the embedded stack"})


async def public_settings(request: web.Request) -> web.Response:
    return reply(request, {"external": {"email": True, "phone": False},
                           "disable_signup": True, "mailer_autoconfirm": False,
                           "phone_autoconfirm": False, "sms_provider": ""})


async def signup(request: web.Request) -> web.Response:
    limit_ip(request, "sign_in_sign_ups")  # as GoTrue, before it looks at the request
    raise AuthError(422, "signup_disabled", "Signups not allowed for this instance")


async def token(request: web.Request) -> web.Response:
    grant = request.query.get("grant_type")
    body = await json_body(request)
    if grant == "password":
        return await password_grant(request, body)
    if grant == "refresh_token":
        return await refresh_grant(request, body)
    raise AuthError(400, "unsupported_grant_type", "unsupported_grant_type",
                    oauth="unsupported_grant_type")


async def password_grant(request: web.Request, body: dict[str, Any]) -> web.Response:
    email = body.get("email")
    password = body.get("password")
    if not isinstance(email, str) or not isinstance(password, str) or not email or not password:
        raise validation("An email address and a password are required")
    ip = limit_ip(request, "sign_in_sign_ups")
    account = account_key(email)
    failures = request.app[LIMITERS].account_failures
    wait = failures.retry_after(account)
    if wait is not None:  # even the right password, until the window has passed
        raise refuse(request, "account_failures", wait, ip=ip, account=account)
    async with request.app[POOL].connection() as conn:
        user = await (await conn.execute(
            f"select {USER_COLUMNS}, encrypted_password from auth.users"
            " where lower(email) = lower(%s) and deleted_at is null and not is_sso_user",
            (email,),
        )).fetchone()
        stored = user["encrypted_password"] if user else None
        has_hash = isinstance(stored, str) and stored.startswith("$2")
        # GoTrue answers a banned user before it checks the password.
        if user is not None and has_hash and is_banned(user):
            raise AuthError(400, "user_banned", "User is banned")
        # One bcrypt comparison whoever asks: an unknown e-mail, or a user without a password,
        # is compared with the dummy hash, so its answer takes as long as a wrong password's.
        checked = await (await conn.execute(
            "select extensions.crypt(%s, %s) = %s as ok",
            (password, *(2 * [stored if has_hash else request.app[DUMMY_HASH]])),
        )).fetchone()
        if user is None or not has_hash or checked is None or not checked["ok"]:
            failures.add(account)
            raise invalid_credentials()
        failures.clear(account)
        if user["email_confirmed_at"] is None:
            raise AuthError(400, "email_not_confirmed", "Email not confirmed")
        session_id, refresh = await open_session(conn, user["id"], request)
        await conn.execute(
            "update auth.users set last_sign_in_at = now(), updated_at = now() where id = %s",
            (user["id"],),
        )
        user["last_sign_in_at"] = datetime.now(UTC)
        return reply(request, session_json(request.app[SETTINGS], user, session_id, refresh))


async def refresh_grant(request: web.Request, body: dict[str, Any]) -> web.Response:
    """Rotate a refresh token: the presented one is revoked and a child issued.

    Rotation is strict (no reuse interval): a revoked token presented again
    means someone holds a copy, so, as GoTrue does, the whole session ends and
    neither copy works any more.
    """
    presented = body.get("refresh_token")
    if not isinstance(presented, str) or not presented:
        raise validation("refresh_token required")
    limit_ip(request, "token_refresh")
    async with request.app[POOL].connection() as conn:
        async with conn.transaction():
            row = await (await conn.execute(
                "select id, user_id, revoked, session_id from auth.refresh_tokens"
                " where token = %s for update",
                (presented,),
            )).fetchone()
            if row is None or row["session_id"] is None:
                raise AuthError(400, "refresh_token_not_found",
                                "Invalid Refresh Token: Refresh Token Not Found",
                                oauth="invalid_grant")
            if not row["revoked"]:
                user = await (await conn.execute(
                    f"select {USER_COLUMNS} from auth.users where id = %s and deleted_at is null",
                    (row["user_id"],),
                )).fetchone()
                if user is None:
                    raise AuthError(400, "user_not_found",
                                    "Invalid Refresh Token: User not found", oauth="invalid_grant")
                if is_banned(user):  # GoTrue's wording (internal/tokens/service.go)
                    raise AuthError(400, "user_banned", "Invalid Refresh Token: User Banned")
                await conn.execute(
                    "update auth.refresh_tokens set revoked = true, updated_at = now()"
                    " where id = %s", (row["id"],))
                refresh = new_refresh_token()
                await conn.execute(
                    "insert into auth.refresh_tokens (token, user_id, revoked, created_at,"
                    " updated_at, parent, session_id) values (%s, %s, false, now(), now(), %s, %s)",
                    (refresh, row["user_id"], presented, row["session_id"]),
                )
                await conn.execute(
                    "update auth.sessions set refreshed_at = now(), updated_at = now()"
                    " where id = %s", (row["session_id"],))
                session = session_json(request.app[SETTINGS], user, row["session_id"], refresh)
        if row["revoked"]:
            await conn.execute("delete from auth.sessions where id = %s", (row["session_id"],))
            raise AuthError(400, "refresh_token_already_used",
                            "Invalid Refresh Token: Already Used", oauth="invalid_grant")
        return reply(request, session)


async def get_user(request: web.Request) -> web.Response:
    async with request.app[POOL].connection() as conn:
        user, _ = await current_user(request, conn)
        return reply(request, user_json(user))


async def update_user(request: web.Request) -> web.Response:
    body = await json_body(request)
    settings = request.app[SETTINGS]
    async with request.app[POOL].connection() as conn:
        user, claims = await current_user(request, conn)
        if "email" in body or "phone" in body:
            raise AuthError(422, "feature_not_available",
                            "Changing email or phone is done by an administrator")
        # Everything is checked before anything is written: a refusal changes nothing.
        password = _valid_password(settings, body["password"]) if "password" in body else None
        data = _metadata(body, "data")
        if password is not None:
            same = await (await conn.execute(
                "select encrypted_password is not null"
                " and extensions.crypt(%s, encrypted_password) = encrypted_password as same"
                " from auth.users where id = %s", (password, user["id"]))).fetchone()
            if same and same["same"]:
                raise AuthError(422, "same_password",
                                "New password should be different from the old password.")
            # As GoTrue's UpdatePassword: pending one-time links die, other sessions end.
            await conn.execute(
                "update auth.users set encrypted_password ="
                " extensions.crypt(%s, extensions.gen_salt('bf', %s)), updated_at = now(),"
                " confirmation_token = '', recovery_token = '' where id = %s",
                (password, BCRYPT_COST, user["id"]))
            await conn.execute(
                "delete from auth.sessions where user_id = %s and id is distinct from %s",
                (user["id"], claims.get("session_id")))
        if data is not None:
            await conn.execute(
                "update auth.users set raw_user_meta_data ="
                " coalesce(raw_user_meta_data, '{}') || %s, updated_at = now() where id = %s",
                (Jsonb(data), user["id"]))
        updated = await (await conn.execute(
            f"select {USER_COLUMNS} from auth.users where id = %s", (user["id"],))).fetchone()
        if updated is None:  # deleted by an admin meanwhile
            raise AuthError(403, "user_not_found", "User from sub claim in JWT does not exist")
        return reply(request, user_json(updated))


async def logout(request: web.Request) -> web.Response:
    scope = request.query.get("scope", "global")
    if scope not in ("global", "local", "others"):
        raise validation("scope must be one of global, local, others")
    async with request.app[POOL].connection() as conn:
        user, claims = await current_user(request, conn)
        session_id = claims.get("session_id")
        if scope == "global":
            await conn.execute("delete from auth.sessions where user_id = %s", (user["id"],))
        elif scope == "local":
            await conn.execute("delete from auth.sessions where id = %s", (session_id,))
        else:
            await conn.execute("delete from auth.sessions where user_id = %s and id <> %s",
                               (user["id"], session_id))
    return web.Response(status=204)


# ---------------------------------------------------------------------------
# Admin user API (service role only)
# ---------------------------------------------------------------------------

MAX_BAN_SECONDS = 876000 * 3600  # far from datetime's and PostgreSQL's limits


GO_DURATION_UNITS = {"ns": 1e-9, "us": 1e-6, "\u00b5s": 1e-6, "\u03bcs": 1e-6, "ms": 1e-3,
                     "s": 1.0, "m": 60.0, "h": 3600.0}
GO_DURATION = re.compile(r"(\d*\.?\d*)(ns|us|\u00b5s|\u03bcs|ms|s|m|h)")


def go_duration_seconds(value: str) -> float | None:
    """Go's time.ParseDuration ("24h", "1h30m", "-1.5h", "0"), in seconds; None when invalid."""
    sign, rest = (-1.0, value[1:]) if value[:1] == "-" else (1.0, value.lstrip("+"))
    if rest == "0":
        return 0.0
    total, position = 0.0, 0
    while position < len(rest):
        match = GO_DURATION.match(rest, position)
        if match is None or match.group(1) in ("", "."):
            return None
        total += float(match.group(1)) * GO_DURATION_UNITS[match.group(2)]
        position = match.end()
    return sign * total if rest else None


def _ban_until(value: object, current: datetime | None = None) -> datetime | None:
    """GoTrue's ban_duration: 'none' lifts a ban, '' changes nothing, otherwise a Go duration
    from now ('24h', '876000h'; a negative one ends the ban at once)."""
    if value in (None, ""):
        return current
    if value == "none":
        return None
    seconds = go_duration_seconds(value) if isinstance(value, str) and value.isascii() else None
    if seconds is None:
        raise validation(f"ban_duration: invalid format for ban duration: time: invalid duration"
                         f" {json.dumps(value)[:80]}")
    if abs(seconds) > MAX_BAN_SECONDS:
        raise validation("ban_duration: at most 876000h (100 years)")
    return datetime.now(UTC) + timedelta(seconds=seconds)


def _valid_email(value: object) -> str:
    if (not isinstance(value, str) or "@" not in value or len(value) > EMAIL_MAX_LENGTH
            or any(c.isspace() for c in value)):
        raise validation("email: Unable to validate email address: invalid format")
    return value


def _valid_password(settings: Settings, value: object) -> str:
    if not isinstance(value, str) or len(value) < settings.min_password_length:
        raise AuthError(422, "weak_password",
                        f"Password should be at least {settings.min_password_length} characters.")
    return value


def _metadata(body: dict[str, Any], name: str) -> dict[str, Any] | None:
    value = body.get(name)
    if value is not None and not isinstance(value, dict):
        raise validation(f"{name}: must be a JSON object")
    return value


async def admin_list_users(request: web.Request) -> web.Response:
    require_admin(request)
    try:
        page = min(max(int(request.query.get("page", "1")), 1), 1_000_000)
        per_page = min(max(int(request.query.get("per_page", "50")), 1), 1000)
    except ValueError as e:
        raise validation("page and per_page must be numbers") from e
    async with request.app[POOL].connection() as conn:
        counted = await (await conn.execute(
            "select count(*) as n from auth.users where deleted_at is null")).fetchone()
        assert counted is not None  # count(*) always returns its one row
        total = counted["n"]
        rows = await (await conn.execute(
            f"select {USER_COLUMNS} from auth.users where deleted_at is null"
            " order by created_at, id limit %s offset %s",
            (per_page, (page - 1) * per_page))).fetchall()
    response = reply(request, {"users": [user_json(r) for r in rows], "aud": "authenticated"})
    response.headers["X-Total-Count"] = str(total)
    return response


async def _user_or_404(conn: AsyncConnection[DictRow], user_id: str) -> DictRow:
    try:
        uuid.UUID(user_id)
    except ValueError as e:
        raise AuthError(404, "user_not_found", "User not found") from e
    row = await (await conn.execute(
        f"select {USER_COLUMNS} from auth.users where id = %s and deleted_at is null",
        (user_id,))).fetchone()
    if row is None:
        raise AuthError(404, "user_not_found", "User not found")
    return row


async def admin_get_user(request: web.Request) -> web.Response:
    require_admin(request)
    async with request.app[POOL].connection() as conn:
        return reply(request, user_json(await _user_or_404(conn, request.match_info["id"])))


async def admin_create_user(request: web.Request) -> web.Response:
    require_admin(request)
    body = await json_body(request)
    settings = request.app[SETTINGS]
    email = _valid_email(body.get("email"))
    password = body.get("password")
    if password is not None:
        _valid_password(settings, password)
    app_meta = {"provider": "email", "providers": ["email"],
                **(_metadata(body, "app_metadata") or {})}
    user_meta = _metadata(body, "user_metadata") or {}
    async with request.app[POOL].connection() as conn:
        taken = await (await conn.execute(
            "select 1 from auth.users where lower(email) = lower(%s)", (email,))).fetchone()
        if taken:
            raise AuthError(422, "email_exists",
                            "A user with this email address has already been registered")
        row = await (await conn.execute(
            "insert into auth.users (instance_id, id, aud, role, email, encrypted_password,"
            " email_confirmed_at, raw_app_meta_data, raw_user_meta_data, banned_until,"
            " created_at, updated_at)"
            " values ('00000000-0000-0000-0000-000000000000', %s, 'authenticated',"
            " 'authenticated', lower(%s),"
            " case when %s::text is null then null"
            "      else extensions.crypt(%s, extensions.gen_salt('bf', %s)) end,"
            " case when %s then now() end, %s, %s, %s, now(), now())"
            f" returning {USER_COLUMNS}",
            (uuid.uuid4(), email, password, password, BCRYPT_COST, bool(body.get("email_confirm")),
             Jsonb(app_meta), Jsonb(user_meta), _ban_until(body.get("ban_duration"))),
        )).fetchone()
    assert row is not None  # insert ... returning gives its row, or raises
    return reply(request, user_json(row))


async def admin_update_user(request: web.Request) -> web.Response:
    require_admin(request)
    body = await json_body(request)
    settings = request.app[SETTINGS]
    async with request.app[POOL].connection() as conn:
        user = await _user_or_404(conn, request.match_info["id"])
        sets: list[str] = []
        params: list[Any] = []
        if body.get("email") is not None:
            sets.append("email = lower(%s)")
            params.append(_valid_email(body["email"]))
        if body.get("password") is not None:
            sets.append("encrypted_password = extensions.crypt(%s, extensions.gen_salt('bf', %s))")
            params += [_valid_password(settings, body["password"]), BCRYPT_COST]
        if (app_metadata := _metadata(body, "app_metadata")) is not None:
            sets.append("raw_app_meta_data = coalesce(raw_app_meta_data, '{}') || %s")
            params.append(Jsonb(app_metadata))
        if (user_metadata := _metadata(body, "user_metadata")) is not None:
            sets.append("raw_user_meta_data = coalesce(raw_user_meta_data, '{}') || %s")
            params.append(Jsonb(user_metadata))
        if body.get("email_confirm") is True:
            sets.append("email_confirmed_at = coalesce(email_confirmed_at, now())")
        if body.get("ban_duration") not in (None, ""):
            sets.append("banned_until = %s")
            params.append(_ban_until(body["ban_duration"]))
        if sets:
            updated = await (await conn.execute(
                f"update auth.users set {', '.join(sets)}, updated_at = now() where id = %s"
                f" returning {USER_COLUMNS}", (*params, user["id"]))).fetchone()
            if updated is None:  # deleted meanwhile
                raise AuthError(404, "user_not_found", "User not found")
            # A ban ends no session (GoTrue's User.Ban sets banned_until only): refreshes and
            # sign-ins are refused; whoever bans ends the sessions (workers/accounts does).
            user = updated
        return reply(request, user_json(user))


async def admin_delete_user(request: web.Request) -> web.Response:
    require_admin(request)
    body = await json_body(request) if request.can_read_body else {}
    async with request.app[POOL].connection() as conn:
        user = await _user_or_404(conn, request.match_info["id"])
        if body.get("should_soft_delete"):
            await conn.execute(
                "update auth.users set deleted_at = now(), email = null, encrypted_password = null"
                " where id = %s", (user["id"],))
            await conn.execute("delete from auth.sessions where user_id = %s", (user["id"],))
        else:
            await conn.execute("delete from auth.users where id = %s", (user["id"],))
    return reply(request, {})


# ---------------------------------------------------------------------------
# Wiring
# ---------------------------------------------------------------------------

HTTP_ERROR_CODES = {404: "not_found", 405: "method_not_allowed",
                    413: "request_entity_too_large"}


@web.middleware
async def auth_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except AuthError as e:
        return e.response(request)
    except (psycopg.DataError, psycopg.IntegrityError) as e:
        if (isinstance(e, psycopg.errors.UniqueViolation)
                and "email" in (e.diag.constraint_name or "")):  # two admins, one address
            return AuthError(422, "email_exists",
                             "A user with this email address has already been registered"
                             ).response(request)
        # Input the checks above let through and the database refused (an app_metadata.role
        # that is not a role, say): the client's mistake, so a 4xx that says what was wrong.
        return validation(f"Database rejected the input: {e.diag.message_primary}"
                          ).response(request)
    except web.HTTPException as e:
        if e.status < 400:
            raise
        # aiohttp's own refusals (unknown path, wrong method) in GoTrue's shape.
        return AuthError(e.status, HTTP_ERROR_CODES.get(e.status, "validation_failed"),
                         e.reason).response(request)


def build_app(settings: Settings) -> web.Application:
    app = web.Application(middlewares=[auth_errors], client_max_size=MAX_BODY_BYTES)
    app[SETTINGS] = settings
    app[LIMITERS] = Limiters(settings.rate_limits)

    async def pool_context(app: web.Application) -> AsyncIterator[None]:
        # check: a connection that died with a PostgreSQL restart is replaced, not handed out.
        pool = AsyncConnectionPool(settings.database_url, min_size=1, max_size=10,
                                   connection_class=AsyncConnection[DictRow],
                                   kwargs={"autocommit": True, "row_factory": dict_row},
                                   open=False,
                                   check=AsyncConnectionPool.check_connection)
        await pool.open(wait=True, timeout=30)
        app[POOL] = pool
        async with pool.connection() as conn:
            row = await (await conn.execute(
                "select extensions.crypt(%s, extensions.gen_salt('bf', %s)) as hash",
                (secrets.token_urlsafe(32), BCRYPT_COST))).fetchone()
        assert row is not None  # a select without from gives its one row
        app[DUMMY_HASH] = row["hash"]
        yield
        await pool.close()

    app.cleanup_ctx.append(pool_context)
    app.router.add_get("/health", health)
    app.router.add_get("/settings", public_settings)
    app.router.add_post("/signup", signup)
    app.router.add_post("/token", token)
    app.router.add_get("/user", get_user)
    app.router.add_put("/user", update_user)
    app.router.add_post("/logout", logout)
    app.router.add_get("/admin/users", admin_list_users)
    app.router.add_post("/admin/users", admin_create_user)
    app.router.add_get("/admin/users/{id}", admin_get_user)
    app.router.add_put("/admin/users/{id}", admin_update_user)
    app.router.add_delete("/admin/users/{id}", admin_delete_user)
    from stack.auth import links  # it builds on this module's helpers

    links.add_routes(app)
    return app
