"""Who may connect and join: JWT checks and private-channel policies, as Realtime decides them.

Tokens: RealtimeWeb.ChannelsAuthorization (HS256 with the project's secret; `role` and `exp`
required; messages as Realtime words them). Policies: Realtime.Tenants.Authorization. Reading
inserts probe rows into realtime.messages as Realtime's own role (the table's owner, so RLS does
not apply), then, as the subscriber's role with its claims and `realtime.topic` set, selects them
back: a probe the policies let it see means read rights. Writing inserts a row as the subscriber
(in a savepoint); insufficient_privilege means no write rights. Both roll back.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, replace
from typing import Any

import jwt
import psycopg
from psycopg import AsyncConnection, errors
from psycopg_pool import AsyncConnectionPool


class TokenError(Exception):
    """code: Realtime's log code (InvalidJWTToken, MalformedJWT, JwtSignatureError);
    kind: what Realtime's socket answers at connect (see CONNECT_ERRORS); str: the message."""

    def __init__(self, code: str, kind: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.kind = kind


# RealtimeWeb.UserSocket.error_response: the HTTP answer to a refused WebSocket upgrade.
CONNECT_ERRORS = {
    "missing_api_key": (401, "API key is missing"),
    "expired_token": (401, "Token has expired"),
    "missing_claims": (401, "Fields `role` and `exp` are required in JWT"),
    "token_malformed": (401, "The token provided is not a valid JWT"),
    "signature_error": (401, "Failed to validate JWT signature"),
}
MISSING_CLAIMS = "Fields `role` and `exp` are required in JWT"


def verify(token: str, secret: str) -> dict[str, Any]:
    """The token's claims, or TokenError. No leeway on exp, as Joken's default."""
    try:
        claims = jwt.decode(token.strip(), secret, algorithms=["HS256"],
                            options={"verify_exp": False, "verify_aud": False,
                                     "verify_iat": False, "verify_nbf": False})
    except jwt.InvalidSignatureError as e:
        raise TokenError("JwtSignatureError", "signature_error",
                         "Failed to validate JWT signature") from e
    except (jwt.PyJWTError, UnicodeError, ValueError) as e:
        raise TokenError("MalformedJWT", "token_malformed",
                         "The token provided is not a valid JWT") from e
    if not isinstance(claims, dict) or "role" not in claims or "exp" not in claims:
        raise TokenError("InvalidJWTToken", "missing_claims", MISSING_CLAIMS)
    exp = claims["exp"]
    if not isinstance(exp, int | float) or isinstance(exp, bool) or exp <= 0:
        raise TokenError("InvalidJWTToken", "missing_claims", "Token expiration time is invalid")
    now = int(time.time())
    if int(exp) <= now:
        raise TokenError("InvalidJWTToken", "expired_token",
                         f"Token has expired {now - int(exp)} seconds ago")
    return claims


@dataclass(frozen=True)
class Policies:
    """Realtime.Tenants.Authorization.Policies: None means not evaluated yet."""
    broadcast_read: bool | None = None
    broadcast_write: bool | None = None
    presence_read: bool | None = None
    presence_write: bool | None = None


class PolicyError(Exception):
    """The policies themselves failed (RlsPolicyError in Realtime): treated as no rights."""


async def _as_subscriber(conn: AsyncConnection[Any], topic: str, claims: dict[str, Any],
                         headers: dict[str, str]) -> None:
    """Authorization.set_conn_config."""
    role = str(claims.get("role", ""))
    sub = claims.get("sub")
    await conn.execute(
        "select set_config('role', %s, true), set_config('realtime.topic', %s, true),"
        " set_config('request.jwt.claims', %s, true),"
        " set_config('request.jwt.claim.sub', %s, true),"
        " set_config('request.jwt.claim.role', %s, true),"
        " set_config('request.headers', %s, true)",
        (role, topic, json.dumps(claims), "" if sub is None else str(sub), role,
         json.dumps(headers)))


async def read_policies(pool: AsyncConnectionPool[Any], topic: str, claims: dict[str, Any],
                        policies: Policies, *, presence: bool,
                        headers: dict[str, str] | None = None) -> Policies:
    extensions = ["broadcast", "presence"] if presence else ["broadcast"]
    probes = {ext: uuid.uuid4() for ext in extensions}
    async with pool.connection() as conn:
        try:
            async with conn.transaction(force_rollback=True):
                async with conn.cursor() as cur:
                    await cur.executemany(
                        "insert into realtime.messages (id, topic, extension) values (%s, %s, %s)",
                        [(probe, topic, ext) for ext, probe in probes.items()])
                await _as_subscriber(conn, topic, claims, headers or {})
                found = await conn.execute(
                    "select id from realtime.messages where id = any(%s)", (list(probes.values()),))
                seen = {row[0] for row in await found.fetchall()}
        except psycopg.Error as e:
            raise PolicyError(str(e)) from e
    result = policies
    for ext, probe in probes.items():
        result = replace(result, **{f"{ext}_read": probe in seen})
    return result


async def write_policies(pool: AsyncConnectionPool[Any], topic: str, claims: dict[str, Any],
                         policies: Policies, *, presence: bool,
                         headers: dict[str, str] | None = None) -> Policies:
    extensions = ["broadcast", "presence"] if presence else ["broadcast"]
    result = replace(policies, broadcast_write=False, presence_write=False)
    async with pool.connection() as conn:
        try:
            async with conn.transaction(force_rollback=True):
                await _as_subscriber(conn, topic, claims, headers or {})
                for ext in extensions:
                    try:
                        async with conn.transaction():
                            await conn.execute(
                                "insert into realtime.messages (topic, extension) values (%s, %s)",
                                (topic, ext))
                        result = replace(result, **{f"{ext}_write": True})
                    except errors.InsufficientPrivilege:
                        pass
        except psycopg.Error as e:
            raise PolicyError(str(e)) from e
    return result
