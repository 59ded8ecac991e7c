"""GoTrue's error responses, in both shapes its clients understand.

Clients that send `X-Supabase-Api-Version: 2024-01-01` (supabase-js, supabase-py)
get `{"code": "<error_code>", "message": ...}`; older ones get
`{"code": <status>, "error_code": ..., "msg": ...}`. Token-endpoint errors also
carry OAuth2's `error` / `error_description` (wrong password: invalid_grant).
"""

from __future__ import annotations

import json

from aiohttp import web

API_VERSION_HEADER = "X-Supabase-Api-Version"
API_VERSION = "2024-01-01"


class AuthError(Exception):
    def __init__(self, status: int, error_code: str, message: str, *, oauth: str | None = None,
                 headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.error_code = error_code
        self.message = message
        self.oauth = oauth
        self.headers = headers or {}

    def response(self, request: web.Request) -> web.Response:
        if request.headers.get(API_VERSION_HEADER, "") >= API_VERSION:
            body: dict = {"code": self.error_code, "message": self.message}
            headers = {API_VERSION_HEADER: API_VERSION, **self.headers}
        else:
            body = {"code": self.status, "error_code": self.error_code, "msg": self.message}
            headers = dict(self.headers)
        if self.oauth:
            body |= {"error": self.oauth, "error_description": self.message}
        return web.Response(status=self.status, text=json.dumps(body),
                            content_type="application/json", headers=headers)


def invalid_credentials() -> AuthError:
    return AuthError(400, "invalid_credentials", "Invalid login credentials", oauth="invalid_grant")


def bad_jwt(detail: str) -> AuthError:
    return AuthError(401, "bad_jwt", f"invalid JWT: unable to parse or verify signature, {detail}")


def not_admin() -> AuthError:
    return AuthError(403, "not_admin", "User not allowed")


def validation(message: str) -> AuthError:
    return AuthError(400, "validation_failed", message)


def bad_json(message: str = "Could not parse request body as JSON") -> AuthError:
    return AuthError(400, "bad_json", message)


def rate_limited(retry_after: int) -> AuthError:
    """GoTrue's answer to a client over a rate limit; Retry-After says when to try again."""
    return AuthError(429, "over_request_rate_limit", "Request rate limit reached",
                     headers={"Retry-After": str(retry_after)})
