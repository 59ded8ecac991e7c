"""The Auth stand-in's HTTP API (see stack/auth/__init__.py for what it stands in for).

Routes are served at the root; the gateway maps /auth/v1/ onto them, as Kong does.
"""

from __future__ import annotations

import json
import secrets
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
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
    bad_jwt,
    invalid_credentials,
    not_admin,
    validation,
)

ADMIN_ROLES = {"service_role", "supabase_admin"}
USER_COLUMNS = """
  id, aud, role, email, email_confirmed_at, phone, phone_confirmed_at, confirmed_at,
  last_sign_in_at, raw_app_meta_data, raw_user_meta_data, created_at, updated_at,
  banned_until, deleted_at, is_anonymous
"""


@dataclass(frozen=True)
class Settings:
    database_url: str
    jwt_secret: str
    issuer: str
    jwt_exp: int = 3600
    min_password_length: int = 6


SETTINGS = web.AppKey("settings", Settings)
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
    }


def access_token(settings: Settings, user: DictRow, session_id: uuid.UUID, issued: datetime) -> str:
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
        "amr": [{"method": "password", "timestamp": iat}],
        "session_id": str(session_id),
        "is_anonymous": bool(user["is_anonymous"]),
    }
    return jwt.encode(claims, settings.jwt_secret, algorithm="HS256")


def session_json(settings: Settings, user: DictRow, session_id: uuid.UUID,
                 refresh: str) -> dict[str, Any]:
    issued = datetime.now(UTC)
    return {
        "access_token": access_token(settings, user, session_id, issued),
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


async def json_body(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise AuthError(400, "bad_json", "Could not parse request body as JSON") from e
    if not isinstance(body, dict):
        raise AuthError(400, "bad_json", "Request body must be a JSON object")
    return body


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
    except jwt.PyJWTError as e:
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
        (session_id, user_id, request.headers.get("User-Agent"), request.remote or None),
    )
    await conn.execute(
        "insert into auth.refresh_tokens (token, user_id, revoked, created_at, updated_at,"
        " session_id) values (%s, %s, false, now(), now(), %s)",
        (token, str(user_id), session_id),
    )
    return session_id, token


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
    async with request.app[POOL].connection() as conn:
        user = await (await conn.execute(
            f"select {USER_COLUMNS}, encrypted_password = extensions.crypt(%s, encrypted_password)"
            " as password_ok from auth.users"
            " where lower(email) = lower(%s) and deleted_at is null and not is_sso_user",
            (password, email),
        )).fetchone()
        if user is None or not user["password_ok"]:
            raise invalid_credentials()
        if user["email_confirmed_at"] is None:
            raise AuthError(400, "email_not_confirmed", "Email not confirmed")
        if is_banned(user):
            raise AuthError(400, "user_banned", "User is banned")
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
                if user is None or is_banned(user):
                    raise AuthError(400, "user_not_found",
                                    "Invalid Refresh Token: User not found", oauth="invalid_grant")
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
        user, _ = await current_user(request, conn)
        if "email" in body or "phone" in body:
            raise AuthError(422, "feature_not_available",
                            "Changing email or phone is done by an administrator")
        if "password" in body:
            password = body["password"]
            if not isinstance(password, str) or len(password) < settings.min_password_length:
                raise AuthError(422, "weak_password",
                                f"Password should be at least {settings.min_password_length}"
                                " characters.")
            await conn.execute(
                "update auth.users set encrypted_password ="
                " extensions.crypt(%s, extensions.gen_salt('bf', 10)), updated_at = now()"
                " where id = %s", (password, user["id"]))
        if isinstance(body.get("data"), dict):
            await conn.execute(
                "update auth.users set raw_user_meta_data ="
                " coalesce(raw_user_meta_data, '{}') || %s, updated_at = now() where id = %s",
                (Jsonb(body["data"]), user["id"]))
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

def _ban_until(value: object) -> datetime | None:
    """GoTrue's ban_duration: 'none' lifts a ban; otherwise a Go duration such as '24h'."""
    if value in (None, "none"):
        return None
    if not isinstance(value, str) or not value[:-1].isdigit() or value[-1] not in "smh":
        raise validation("ban_duration must be 'none' or a duration like '24h'")
    seconds = int(value[:-1]) * {"s": 1, "m": 60, "h": 3600}[value[-1]]
    return datetime.now(UTC) + timedelta(seconds=seconds)


async def admin_list_users(request: web.Request) -> web.Response:
    require_admin(request)
    try:
        page = max(int(request.query.get("page", "1")), 1)
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
    email = body.get("email")
    if not isinstance(email, str) or "@" not in email:
        raise validation("Unable to validate email address: invalid format")
    password = body.get("password")
    if password is not None and (not isinstance(password, str)
                                 or len(password) < settings.min_password_length):
        raise AuthError(422, "weak_password",
                        f"Password should be at least {settings.min_password_length} characters.")
    app_meta = {"provider": "email", "providers": ["email"], **(body.get("app_metadata") or {})}
    user_meta = body.get("user_metadata") or {}
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
            "      else extensions.crypt(%s, extensions.gen_salt('bf', 10)) end,"
            " case when %s then now() end, %s, %s, %s, now(), now())"
            f" returning {USER_COLUMNS}",
            (uuid.uuid4(), email, password, password, bool(body.get("email_confirm")),
             Jsonb(app_meta), Jsonb(user_meta), _ban_until(body.get("ban_duration"))),
        )).fetchone()
    assert row is not None  # insert ... returning gives its row, or raises
    return reply(request, user_json(row))


async def admin_update_user(request: web.Request) -> web.Response:
    require_admin(request)
    body = await json_body(request)
    async with request.app[POOL].connection() as conn:
        user = await _user_or_404(conn, request.match_info["id"])
        sets, params = [], []
        if isinstance(body.get("email"), str):
            sets.append("email = lower(%s)")
            params.append(body["email"])
        if isinstance(body.get("password"), str):
            sets.append("encrypted_password = extensions.crypt(%s, extensions.gen_salt('bf', 10))")
            params.append(body["password"])
        if isinstance(body.get("app_metadata"), dict):
            sets.append("raw_app_meta_data = coalesce(raw_app_meta_data, '{}') || %s")
            params.append(Jsonb(body["app_metadata"]))
        if isinstance(body.get("user_metadata"), dict):
            sets.append("raw_user_meta_data = coalesce(raw_user_meta_data, '{}') || %s")
            params.append(Jsonb(body["user_metadata"]))
        if body.get("email_confirm") is True:
            sets.append("email_confirmed_at = coalesce(email_confirmed_at, now())")
        if "ban_duration" in body:
            sets.append("banned_until = %s")
            params.append(_ban_until(body["ban_duration"]))
        if sets:
            updated = await (await conn.execute(
                f"update auth.users set {', '.join(sets)}, updated_at = now() where id = %s"
                f" returning {USER_COLUMNS}", (*params, user["id"]))).fetchone()
            if updated is None:  # deleted meanwhile
                raise AuthError(404, "user_not_found", "User not found")
            user = updated
            if "ban_duration" in body and user["banned_until"]:
                await conn.execute("delete from auth.sessions where user_id = %s", (user["id"],))
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

@web.middleware
async def auth_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except AuthError as e:
        return e.response(request)


def build_app(settings: Settings) -> web.Application:
    app = web.Application(middlewares=[auth_errors])
    app[SETTINGS] = settings

    async def pool_context(app: web.Application) -> AsyncIterator[None]:
        # check: a connection that died with a PostgreSQL restart is replaced, not handed out.
        pool = AsyncConnectionPool(settings.database_url, min_size=1, max_size=10,
                                   connection_class=AsyncConnection[DictRow],
                                   kwargs={"autocommit": True, "row_factory": dict_row},
                                   open=False,
                                   check=AsyncConnectionPool.check_connection)
        await pool.open(wait=True, timeout=30)
        app[POOL] = pool
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
    return app
