"""The workers' Storage client: the service role's, through the official client (storage3)."""

from __future__ import annotations

from storage3 import SyncStorageClient

from supabase import ClientOptions, create_client


def service_storage(supabase_url: str, service_role_key: str) -> SyncStorageClient:
    """Storage as the service role. It never signs in as anyone (a sign-in would replace its
    Authorization header), so no session is kept or refreshed."""
    options = ClientOptions(auto_refresh_token=False, persist_session=False)
    return create_client(supabase_url, service_role_key, options=options).storage
