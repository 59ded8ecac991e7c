"""The CRM's main flows through PostgREST with the official client, and next_lead under a race.

Each test builds its own campaign, open round the clock on every day, so the
results never depend on the hour the suite runs (the calling-hours rules
themselves are pinned with a controlled clock in supabase/tests/leads/).
"""

from __future__ import annotations

import json
import threading
import uuid
from collections import Counter

import psycopg
import pytest
from postgrest.exceptions import APIError

from tests.support.crm_data import agent_id, make_agents, make_campaign, make_leads

# ---------------------------------------------------------------------------
# next_lead under a race: 20 agents, 20 connections, one lead each at a time
# ---------------------------------------------------------------------------

def test_twenty_agents_at_once_never_get_the_same_lead(stack, db):
    agents = make_agents(db, 20)
    campaign = make_campaign(db, agents=agents)
    callable_leads = set(make_leads(db, campaign, 30))
    on_dnc = make_leads(db, campaign, 1)
    db.execute("insert into public.do_not_call (phone, campaign_id) select phone, campaign_id"
               " from public.leads where id = %s", (on_dnc[0],))
    exhausted = make_leads(db, campaign, 1, attempts=3)
    withdrawn = make_leads(db, campaign, 1, consent_contact=False)

    barrier = threading.Barrier(len(agents))
    handed: list[tuple[str, str]] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def work(agent: str) -> None:
        claims = json.dumps({"sub": agent, "role": "authenticated"})
        try:
            with psycopg.connect(stack.database_url) as conn:
                barrier.wait(timeout=30)  # everyone asks for the first lead at once
                while True:
                    with conn.transaction():
                        conn.execute("set local role authenticated")
                        conn.execute("select set_config('request.jwt.claims', %s, true)",
                                     (claims,))
                        lead = conn.execute("select id from public.next_lead(%s)",
                                            (campaign,)).fetchone()
                        if lead is None:
                            return
                        call = conn.execute("select id from public.start_call(%s)",
                                            (lead[0],)).fetchone()[0]
                        conn.execute("select public.end_call(%s, 'not_interested')", (call,))
                    with lock:
                        handed.append((agent, str(lead[0])))
        except BaseException as e:
            errors.append(e)

    threads = [threading.Thread(target=work, args=(a,)) for a in agents]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    leads_handed = Counter(lead for _, lead in handed)
    assert set(leads_handed) == callable_leads  # all of them, and nothing else
    assert max(leads_handed.values()) == 1  # never twice
    assert not set(leads_handed) & {*on_dnc, *exhausted, *withdrawn}
    owners = dict(db.execute("select id::text, owner_id::text from public.leads"
                             " where id = any(%s::uuid[])", (list(callable_leads),)).fetchall())
    assert all(owners[lead] == agent for agent, lead in handed)


# ---------------------------------------------------------------------------
# An agent's shift and a supervisor's validation, through PostgREST
# ---------------------------------------------------------------------------

@pytest.fixture
def shift(db):
    """agent1 and agent2 on a fresh campaign of supervisor1, with three leads."""
    agent1, agent2 = agent_id(db, "agent1@demo.test"), agent_id(db, "agent2@demo.test")
    campaign = make_campaign(db, agents=[agent1, agent2])
    leads = make_leads(db, campaign, 3)
    return {"campaign": campaign, "leads": leads, "agent1": agent1, "agent2": agent2}


def test_agent_calls_sells_and_supervisor_validates(sign_in, shift, db):
    agent = sign_in("agent1@demo.test")
    lead = agent.rpc("next_lead", {"p_campaign_id": shift["campaign"]}).execute().data[0]
    assert lead["owner_id"] == shift["agent1"]

    call = agent.rpc("start_call", {"p_lead_id": lead["id"]}).execute().data
    assert call["status"] == "calling"
    agent.table("calls").update({"status": "confirmed"}).eq("id", call["id"]).execute()
    ended = agent.rpc("end_call", {"p_call_id": call["id"], "p_disposition": "sale",
                                   "p_notes": "Seguro de vida, pago mensual"}).execute().data
    assert ended["status"] == "ended"
    assert ended["disposition"] == "sale"

    product = agent.table("campaign_products").select("product_id, products(premium, currency)"
                                                      ).eq("campaign_id", shift["campaign"]
                                                           ).execute().data[0]
    sale = agent.table("sales").insert({
        "lead_id": lead["id"], "campaign_id": shift["campaign"],
        "product_id": product["product_id"], "call_id": call["id"],
        "policy_number": f"POL-{uuid.uuid4().hex[:10].upper()}",
        "premium": product["products"]["premium"], "payment_frequency": "monthly",
        "currency": product["products"]["currency"],
    }).execute().data[0]
    assert sale["status"] == "pending"

    with pytest.raises(APIError) as refused:
        agent.rpc("validate_sale", {"p_sale_id": sale["id"], "p_approved": True}).execute()
    assert refused.value.code == "42501"
    with pytest.raises(APIError) as refused:
        agent.table("sales").update({"status": "validated"}).eq("id", sale["id"]).execute()
    assert refused.value.code == "42501"

    supervisor = sign_in("supervisor1@demo.test")
    validated = supervisor.rpc("validate_sale", {"p_sale_id": sale["id"],
                                                 "p_approved": True}).execute().data
    assert validated["status"] == "validated"
    with pytest.raises(APIError) as twice:
        supervisor.rpc("validate_sale", {"p_sale_id": sale["id"], "p_approved": False,
                                         "p_reason": "changed my mind"}).execute()
    assert twice.value.code == "PT409"

    mine = agent.table("sales").select("status").eq("id", sale["id"]).execute().data
    assert mine == [{"status": "validated"}]
    history = agent.table("lead_history").select("*").eq("lead_id", lead["id"]).execute().data
    assert history, "the lead's history wrote itself"
    statuses = supervisor.table("sale_status_history").select("*").eq(
        "sale_id", sale["id"]).execute().data
    assert statuses


def test_the_other_campaigns_supervisor_sees_none_of_it(sign_in, shift):
    other = sign_in("supervisor2@demo.test")
    assert other.table("campaigns").select("id").eq("id", shift["campaign"]).execute().data == []
    assert other.table("leads").select("id").in_("id", shift["leads"]).execute().data == []


def test_an_agent_cannot_take_or_see_another_agents_lead(sign_in, shift):
    agent1, agent2 = sign_in("agent1@demo.test"), sign_in("agent2@demo.test")
    lead = agent1.rpc("next_lead", {"p_campaign_id": shift["campaign"]}).execute().data[0]
    assert agent2.table("leads").select("id").eq("id", lead["id"]).execute().data == []
    with pytest.raises(APIError) as refused:
        agent2.rpc("start_call", {"p_lead_id": lead["id"]}).execute()
    # Answered as an unknown lead would be (see test_guards.py).
    assert (refused.value.code, refused.value.message) == (
        "PT404", "p_lead_id: not found or not yours")
    with pytest.raises(APIError) as refused:
        agent1.table("leads").update({"owner_id": shift["agent2"]}).eq("id", lead["id"]).execute()
    assert refused.value.code == "42501"
    with pytest.raises(APIError) as refused:
        agent1.rpc("assign_lead", {"p_lead_id": lead["id"],
                                   "p_agent_id": shift["agent2"]}).execute()
    assert refused.value.code == "42501"
    with pytest.raises(APIError) as refused:
        agent1.table("lead_history").insert({"lead_id": lead["id"]}).execute()
    assert refused.value.code == "42501"


def test_the_supervisor_assigns_a_lead(sign_in, shift):
    supervisor = sign_in("supervisor1@demo.test")
    lead = supervisor.rpc("assign_lead", {"p_lead_id": shift["leads"][2],
                                          "p_agent_id": shift["agent2"]}).execute().data
    assert lead["owner_id"] == shift["agent2"]
    assert sign_in("agent2@demo.test").table("leads").select("id").eq(
        "id", shift["leads"][2]).execute().data


@pytest.mark.parametrize(("rpc", "args", "code"), [
    ("start_call", {"p_lead_id": str(uuid.uuid4())}, "PT404"),
    ("start_call", {"p_lead_id": "not-a-uuid"}, "22P02"),
    ("end_call", {"p_call_id": str(uuid.uuid4()), "p_disposition": "sale"}, "PT404"),
    ("next_lead", {"p_campaign_id": str(uuid.uuid4())}, "PT404"),
    ("validate_sale", {"p_sale_id": str(uuid.uuid4()), "p_approved": True}, "42501"),
])
def test_bad_input_is_a_clear_error(sign_in, rpc, args, code):
    with pytest.raises(APIError) as refused:
        sign_in("agent1@demo.test").rpc(rpc, args).execute()
    assert refused.value.code == code
    assert refused.value.message


def test_ending_a_call_twice_writes_nothing_the_second_time(sign_in, shift, db):
    agent = sign_in("agent1@demo.test")
    lead = agent.rpc("next_lead", {"p_campaign_id": shift["campaign"]}).execute().data[0]
    call = agent.rpc("start_call", {"p_lead_id": lead["id"]}).execute().data
    agent.rpc("end_call", {"p_call_id": call["id"], "p_disposition": "no_answer"}).execute()
    before = db.execute("select attempts, status::text, next_call_at from public.leads"
                        " where id = %s", (lead["id"],)).fetchone()
    with pytest.raises(APIError) as twice:
        agent.rpc("end_call", {"p_call_id": call["id"], "p_disposition": "sale"}).execute()
    assert twice.value.code == "PT409"
    after = db.execute("select attempts, status::text, next_call_at from public.leads"
                       " where id = %s", (lead["id"],)).fetchone()
    assert before == after


def test_an_unknown_disposition_names_the_field(sign_in, shift):
    agent = sign_in("agent1@demo.test")
    lead = agent.rpc("next_lead", {"p_campaign_id": shift["campaign"]}).execute().data[0]
    call = agent.rpc("start_call", {"p_lead_id": lead["id"]}).execute().data
    with pytest.raises(APIError) as refused:
        agent.rpc("end_call", {"p_call_id": call["id"], "p_disposition": "maybe"}).execute()
    assert refused.value.code == "22023"
    assert refused.value.message.startswith("p_disposition")


def test_a_lead_with_an_invalid_phone_is_refused(sign_in, shift):
    with pytest.raises(APIError) as refused:
        sign_in("supervisor1@demo.test").table("leads").insert({
            "campaign_id": shift["campaign"], "first_name": "Mal", "phone": "612345678",
            "time_zone": "Europe/Madrid"}).execute()
    assert refused.value.code == "23514"
    assert refused.value.message.startswith("phone:")
