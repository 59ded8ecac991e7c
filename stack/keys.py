"""The API keys and user tokens, signed the way Supabase signs them (HS256 with the JWT secret)."""

from __future__ import annotations

import time
from typing import Any

import jwt
from jwt.types import Options

# Supabase's local keys carry iss "supabase-demo" and a ten-year expiry.
_TEN_YEARS = 10 * 365 * 24 * 3600


def api_key(jwt_secret: str, role: str) -> str:
    """The anon or service_role key: a long-lived JWT whose only right is its role."""
    issued = 1_760_000_000  # fixed, so the key is stable for a given secret
    claims = {"iss": "supabase-demo", "role": role, "iat": issued, "exp": issued + _TEN_YEARS}
    return jwt.encode(claims, jwt_secret, algorithm="HS256")


def decode(token: str, jwt_secret: str, *, audience: str | None = None) -> dict[str, Any]:
    options: Options = {"require": ["exp", "role"], "verify_aud": audience is not None}
    return jwt.decode(
        token, jwt_secret, algorithms=["HS256"], audience=audience, options=options,
        leeway=5,
    )


def now() -> int:
    return int(time.time())
