"""Profiles and permissions through PostgREST, with the official client as the demo accounts."""

from __future__ import annotations

import pytest
from postgrest.exceptions import APIError

from tests.conftest import ADMIN, AGENTS, SUPERVISORS

# The default grants of docs/interface.md ("Default permissions"), compliance.manage aside (the
# compliance tests cover it); scoping to own campaigns is the tables' business.
EXPECTED = {
    "admin": {"users.manage", "permissions.manage", "products.manage", "campaigns.manage",
              "leads.assign", "leads.import", "leads.export", "leads.delete",
              "sales.validate", "recordings.listen", "reports.view"},
    "supervisor": {"leads.assign", "leads.import", "leads.export", "sales.validate",
                   "recordings.listen", "reports.view"},
    "agent": set(),
}
ACCOUNT_OF_ROLE = {"admin": ADMIN, "supervisor": SUPERVISORS[0], "agent": AGENTS[0]}


def test_an_agent_reads_its_own_profile_and_its_supervisors_but_no_other_agent(sign_in):
    client = sign_in("agent1@demo.test")
    rows = client.table("profiles").select("email, role").order("email").execute().data
    assert rows == [{"email": "agent1@demo.test", "role": "agent"},
                    {"email": "supervisor1@demo.test", "role": "supervisor"}]
    other = client.table("profiles").select("*").eq("email", "agent2@demo.test").execute()
    assert other.data == []


def test_an_admin_reads_every_profile(sign_in):
    rows = sign_in(ADMIN).table("profiles").select("email").execute().data
    assert {r["email"] for r in rows} >= {ADMIN, *SUPERVISORS, *AGENTS}


@pytest.mark.parametrize("table", ["profiles", "permissions", "role_permissions"])
def test_anon_sees_nothing(anon_client, table):
    with pytest.raises(APIError) as refused:
        anon_client.table(table).select("*").execute()
    assert refused.value.code == "42501"


def test_anon_cannot_ask_for_permissions(anon_client):
    with pytest.raises(APIError) as refused:
        anon_client.rpc("has_permission", {"p_permission": "reports.view"}).execute()
    assert refused.value.code == "42501"


def test_a_user_cannot_change_their_own_role(sign_in, db):
    client = sign_in("agent4@demo.test")
    with pytest.raises(APIError) as refused:
        client.table("profiles").update({"role": "admin"}).eq("email", "agent4@demo.test").execute()
    assert refused.value.code == "42501"
    assert "users.manage" in refused.value.message
    role = db.execute("select role::text from public.profiles where email = 'agent4@demo.test'")
    assert role.fetchone()[0] == "agent"


def test_a_supervisor_cannot_promote_itself_either(sign_in):
    client = sign_in(SUPERVISORS[1])
    with pytest.raises(APIError) as refused:
        client.table("profiles").update({"role": "admin"}).eq("email", SUPERVISORS[1]).execute()
    assert refused.value.code == "42501"


def test_a_user_can_change_their_own_name_and_language(sign_in, db):
    client = sign_in("agent5@demo.test")
    updated = (client.table("profiles").update({"full_name": "María J. Ramírez", "locale": "en"})
               .eq("email", "agent5@demo.test").execute().data)
    assert updated[0]["full_name"] == "María J. Ramírez"
    assert updated[0]["locale"] == "en"
    db.execute("update public.profiles set locale = 'es', full_name = 'María José Ramírez'"
               " where email = 'agent5@demo.test'")


def test_an_admin_changes_a_role_and_the_rights_follow(sign_in, db):
    admin = sign_in(ADMIN)
    agent = sign_in("agent6@demo.test")
    assert agent.rpc("has_permission", {"p_permission": "reports.view"}).execute().data is False
    try:
        admin.table("profiles").update({"role": "supervisor"}).eq(
            "email", "agent6@demo.test").execute()
        assert agent.rpc("has_permission", {"p_permission": "reports.view"}).execute().data
    finally:
        db.execute("update public.profiles set role = 'agent' where email = 'agent6@demo.test'")


@pytest.mark.parametrize("role", ["admin", "supervisor", "agent"])
def test_has_permission_for_each_role(sign_in, role):
    client = sign_in(ACCOUNT_OF_ROLE[role])
    for permission in EXPECTED["admin"]:
        held = client.rpc("has_permission", {"p_permission": permission}).execute().data
        assert held is (permission in EXPECTED[role]), (role, permission)


def test_has_permission_refuses_an_unknown_key(sign_in):
    with pytest.raises(APIError) as refused:
        sign_in(ADMIN).rpc("has_permission", {"p_permission": "reports.veiw"}).execute()
    assert refused.value.code == "22023"
    assert "p_permission" in refused.value.message


def test_only_permission_managers_edit_grants(sign_in, db):
    grant = {"role": "agent", "permission": "reports.view"}
    with pytest.raises(APIError) as refused:
        sign_in(SUPERVISORS[0]).table("role_permissions").insert(grant).execute()
    assert refused.value.code == "42501"
    admin = sign_in(ADMIN)
    try:
        admin.table("role_permissions").insert(grant).execute()
        assert sign_in(AGENTS[6]).rpc("has_permission",
                                      {"p_permission": "reports.view"}).execute().data
    finally:
        admin.table("role_permissions").delete().eq("role", "agent").eq(
            "permission", "reports.view").execute()
    assert db.execute("select count(*) from public.role_permissions where role = 'agent'"
                      ).fetchone()[0] == 0
