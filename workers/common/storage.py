"""The workers' Storage client (the service role's, through the official client, storage3), and
how to read its errors: transient (retry in a moment) or not, and a short description."""

from __future__ import annotations

import contextlib
from typing import Protocol

import httpx
from storage3 import SyncStorageClient
from storage3.exceptions import StorageApiError

from supabase import ClientOptions, create_client


class StorageSettings(Protocol):
    """What a worker's settings must hold to reach Storage."""

    @property
    def supabase_url(self) -> str: ...

    @property
    def supabase_service_role_key(self) -> str: ...


def service_storage(supabase_url: str, service_role_key: str) -> SyncStorageClient:
    """Storage as the service role. It never signs in as anyone (a sign-in would replace its
    Authorization header), so no session is kept or refreshed."""
    options = ClientOptions(auto_refresh_token=False, persist_session=False)
    return create_client(supabase_url, service_role_key, options=options).storage


def storage_client(settings: StorageSettings) -> SyncStorageClient:
    """service_storage() from a worker's settings (SUPABASE_URL, SUPABASE_SERVICE_ROLE_KEY)."""
    return service_storage(settings.supabase_url, settings.supabase_service_role_key)


def is_transient(error: BaseException) -> bool:
    """Network trouble or a server-side error: the same request may well work in a moment."""
    if isinstance(error, httpx.TransportError):
        return True
    if isinstance(error, StorageApiError):
        with contextlib.suppress(TypeError, ValueError):
            status = int(error.status)
            return status >= 500 or status in (408, 429)
    return False


def describe(error: BaseException) -> str:
    """A one-line description of a Storage error: status and code, or the exception's type."""
    if isinstance(error, StorageApiError):
        return f"{error.status} {error.code}: {error.message}"
    return f"{type(error).__name__}: {error}".rstrip(": ")
