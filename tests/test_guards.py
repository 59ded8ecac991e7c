"""Size limits and existence oracles, over HTTP (issue 12, items 6 and 9).

The same refusals the pgTAP files pin (supabase/tests/rules/text_limits_test.sql,
supabase/tests/rls/not_found_or_not_yours_test.sql), seen the way a client sees
them: through the gateway and PostgREST, with the official client or raw HTTP
where the status and the exact body matter.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

import httpx
import psycopg
import pytest
from postgrest.exceptions import APIError

from stack.config import StackConfig
from supabase import Client
from tests.support.crm_data import agent_id, make_campaign, make_leads

AN_ERROR_BODY_AT_MOST = 1024  # bytes: a refusal never echoes a huge input back


def _http(stack: StackConfig, client: Client, method: str, path: str, body: dict) -> httpx.Response:
    """A raw request as the signed-in client: status, headers and body exactly as sent."""
    token = client.auth.get_session().access_token
    return httpx.request(method, f"{stack.url}/rest/v1/{path}", json=body, timeout=60,
                         headers={"apikey": stack.anon_key, "Authorization": f"Bearer {token}"})


# ---------------------------------------------------------------------------
# Item 6: lengths
# ---------------------------------------------------------------------------

def test_a_million_character_full_name_is_refused_with_a_short_error(stack, sign_in, db):
    agent = sign_in("agent1@demo.test")
    me = agent_id(db, "agent1@demo.test")
    before = db.execute("select full_name from public.profiles where id = %s", (me,)).fetchone()[0]

    huge = _http(stack, agent, "PATCH", f"profiles?id=eq.{me}", {"full_name": "x" * 1_000_000})
    # 4xx either way: the database's limit (400), or the gateway's body cap once it has one (413).
    assert 400 <= huge.status_code < 500, huge.status_code
    assert len(huge.content) < AN_ERROR_BODY_AT_MOST, huge.content[:200]
    if huge.status_code == 400:
        assert huge.json()["code"] == "23514"
        assert "profiles_full_name_length" in huge.json()["message"]

    # Just over the limit always reaches the database: the column's constraint is named.
    with pytest.raises(APIError) as refused:
        agent.table("profiles").update({"full_name": "y" * 201}).eq("id", me).execute()
    assert refused.value.code == "23514"
    assert refused.value.message == (
        'new row for relation "profiles" violates check constraint "profiles_full_name_length"')
    assert db.execute("select full_name from public.profiles where id = %s",
                      (me,)).fetchone()[0] == before

    at_limit = agent.table("profiles").update({"full_name": "z" * 200}).eq("id", me).execute()
    assert at_limit.data[0]["full_name"] == "z" * 200
    agent.table("profiles").update({"full_name": before}).eq("id", me).execute()


def test_a_huge_rpc_argument_comes_back_as_a_short_prefix(stack, sign_in):
    agent = sign_in("agent1@demo.test")
    response = _http(stack, agent, "POST", "rpc/has_permission",
                     {"p_permission": "q" * 60_000})  # under the 64 KiB RPC body cap
    assert response.status_code == 400
    assert len(response.content) < AN_ERROR_BODY_AT_MOST
    body = response.json()
    assert body["code"] == "22023"
    assert body["message"] == f"p_permission: unknown permission '{'q' * 64}...'"


# ---------------------------------------------------------------------------
# Item 9: an id out of reach is answered as an unknown one
# ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def other_campaign(stack) -> dict[str, str]:
    """Campaign B (supervisor2, agent7) with a lead, a call and a sale nobody of A may reach."""
    with psycopg.connect(stack.database_url, autocommit=True) as db:
        supervisor2 = agent_id(db, "supervisor2@demo.test")
        agent7 = agent_id(db, "agent7@demo.test")
        campaign = make_campaign(db, agents=[agent7], supervisor=supervisor2)
        [lead] = make_leads(db, campaign, 1, owner_id=agent7)
        call = str(db.execute(
            "insert into public.calls (lead_id, campaign_id, agent_id, phone_number)"
            " select id, campaign_id, owner_id, phone from public.leads where id = %s returning id",
            (lead,)).fetchone()[0])
        product = str(db.execute("select product_id from public.campaign_products"
                                 " where campaign_id = %s", (campaign,)).fetchone()[0])
        sale = str(db.execute(
            "insert into public.sales (lead_id, product_id, agent_id) values (%s, %s, %s)"
            " returning id",
            (lead, product, agent7)).fetchone()[0])
    return {"campaign": campaign, "lead": lead, "call": call, "sale": sale, "product": product}


Body = Callable[[dict[str, str], Callable[[str], str]], dict]
CASES: list[tuple[str, str, str, Body]] = [
    # (who, method, path, body(other_campaign, id_or_unknown))
    ("agent1@demo.test", "POST", "rpc/start_call", lambda o, x: {"p_lead_id": x("lead")}),
    ("agent1@demo.test", "POST", "rpc/end_call",
     lambda o, x: {"p_call_id": x("call"), "p_disposition": "no_answer"}),
    ("agent1@demo.test", "POST", "rpc/hangup_call",
     lambda o, x: {"p_call_id": x("call"), "p_outcome": "no_answer"}),
    ("agent1@demo.test", "POST", "rpc/next_lead", lambda o, x: {"p_campaign_id": x("campaign")}),
    ("supervisor1@demo.test", "POST", "rpc/assign_lead",
     lambda o, x: {"p_lead_id": x("lead"), "p_agent_id": None}),
    ("supervisor1@demo.test", "POST", "rpc/validate_sale",
     lambda o, x: {"p_sale_id": x("sale"), "p_approved": True}),
    ("supervisor1@demo.test", "POST", "rpc/recording_url", lambda o, x: {"p_call_id": x("call")}),
    ("supervisor1@demo.test", "POST", "rpc/report_campaign_stats",
     lambda o, x: {"p_from": "2026-11-01", "p_to": "2026-11-30", "p_campaign_id": x("campaign")}),
    ("supervisor1@demo.test", "POST", "sales",
     lambda o, x: {"lead_id": x("lead"), "product_id": o["product"]}),
]


@pytest.mark.parametrize(("who", "method", "path", "body"), CASES,
                         ids=[f"{c[2]}-{c[0].split('@')[0]}" for c in CASES])
def test_another_campaigns_id_is_answered_as_an_unknown_one(stack, sign_in, other_campaign,
                                                            who, method, path, body):
    client = sign_in(who)
    unknown = str(uuid.uuid4())
    foreign = _http(stack, client, method, path,
                    body(other_campaign, lambda key: other_campaign[key]))
    missing = _http(stack, client, method, path, body(other_campaign, lambda key: unknown))
    assert (foreign.status_code, foreign.json()) == (missing.status_code, missing.json())
    assert foreign.status_code == 404 and foreign.json()["code"] == "PT404"
    assert foreign.json()["message"].endswith(": not found or not yours")
    for value in other_campaign.values():
        assert value not in foreign.text
