"""What the back office's screens hear by Realtime (postgres_changes through realtime-py): an
admin follows their account request to done without ever receiving its link; every signed-in
user hears the permission matrix change; a deactivated user hears their own profile go
inactive (the webphone then signs them out). A supervisor hears no account request."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from realtime import RealtimeSubscribeStates

from stack.config import StackConfig
from supabase import Client
from tests.accounts.conftest import fresh_client
from tests.support.realtime_socket import connect, run, subscribe, unique, until


def listen(client: Any, table: str, got: list[dict], system: list[Any], event: str = "*"):
    channel = client.channel(unique(table))
    channel.on_postgres_changes(event, schema="public", table=table, callback=got.append)
    channel.on_system(system.append)
    return channel


def test_screens_hear_requests_grants_and_deactivation(stack: StackConfig, admin: Client,
                                                       sign_in, service_client, drain) -> None:
    email = f"rt-{time.monotonic_ns()}@demo.test"
    person_id = service_client.auth.admin.create_user({
        "email": email, "password": "realtime-pw-1", "email_confirm": True,
        "app_metadata": {"role": "agent"}}).user.id
    person = fresh_client(stack)
    person.auth.sign_in_with_password({"email": email, "password": "realtime-pw-1"})
    tokens = {
        "admin": admin.auth.get_session().access_token,
        "supervisor": sign_in("supervisor1@demo.test").auth.get_session().access_token,
        "agent": sign_in("agent1@demo.test").auth.get_session().access_token,
        "person": person.auth.get_session().access_token,
    }

    async def scenario() -> None:
        heard: dict[str, list[dict]] = {"admin": [], "supervisor": [], "grants": [],
                                        "profile": []}
        system: list[Any] = []
        clients = {who: await connect(stack, token) for who, token in tokens.items()}
        channels = [
            listen(clients["admin"], "account_requests", heard["admin"], system),
            listen(clients["supervisor"], "account_requests", heard["supervisor"], system),
            listen(clients["agent"], "role_permissions", heard["grants"], system),
            listen(clients["person"], "profiles", heard["profile"], system, "UPDATE"),
        ]
        for channel in channels:
            assert (await subscribe(channel))[0][0] == RealtimeSubscribeStates.SUBSCRIBED
        # Each binding is live once Realtime says so (the system message), not at the join.
        await until(lambda: len(system) >= len(channels), timeout=20,
                    what="every postgres_changes binding to be subscribed")
        assert all((m.extension, m.status) == ("postgres_changes", "ok") for m in system), system

        request = await asyncio.to_thread(lambda: admin.rpc("invite_user", {
            "p_email": f"rt-invite-{time.monotonic_ns()}@demo.test", "p_full_name": "RT",
            "p_role": "agent"}).execute().data)
        await asyncio.to_thread(drain)
        mine = lambda: [m["data"] for m in heard["admin"]  # noqa: E731
                        if m["data"]["record"].get("id") == request["id"]]
        await until(lambda: any(d["record"]["status"] == "done" for d in mine()), timeout=20,
                    what="the request's done")
        assert next(d["type"] for d in mine()) == "INSERT"
        assert all("action_link" not in d["record"] for d in mine())  # never the link
        assert all(d["record"]["status"] for d in mine())  # the other columns, yes

        await asyncio.to_thread(lambda: admin.table("role_permissions").insert(
            {"role": "supervisor", "permission": "leads.delete"}).execute())
        # RLS is checked against the row as it is when the change is polled (as apply_rls):
        # a grant removed before that is never delivered. So the insert first, then the removal.
        await until(lambda: heard["grants"], timeout=20, what="the new grant")
        await asyncio.to_thread(lambda: admin.table("role_permissions").delete().eq(
            "role", "supervisor").eq("permission", "leads.delete").execute())
        await until(lambda: len(heard["grants"]) >= 2, timeout=20,
                    what=f"the grant's removal (heard {heard['grants']})")
        changes = [(m["data"]["type"], m["data"]["record"] or m["data"]["old_record"])
                   for m in heard["grants"]]
        assert changes[0] == ("INSERT", {"role": "supervisor", "permission": "leads.delete"})
        assert changes[1][0] == "DELETE"

        await asyncio.to_thread(lambda: admin.rpc("deactivate_user",
                                                  {"p_user_id": person_id}).execute())
        await until(lambda: heard["profile"], timeout=20, what="the person's profile change")
        assert heard["profile"][0]["data"]["record"]["id"] == person_id
        assert heard["profile"][0]["data"]["record"]["active"] is False

        await asyncio.sleep(0.5)
        assert heard["supervisor"] == []  # no users.manage: no account request reaches them
        for client in clients.values():
            await client.close()

    run(scenario())
