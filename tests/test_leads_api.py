"""The leads screen through PostgREST with the official client: search (names without accents,
phones in any format and any part, e-mail), filters, keyset pages, the estimated count, and a bulk
action, as the contract in docs/interface.md (Leads) tells the webphone to ask for them."""

from __future__ import annotations

import re
import time
import unicodedata

import pytest
from postgrest.exceptions import APIError

from tests.support.crm_data import agent_id, make_agents, make_campaign, make_leads


def search_term(text: str) -> str:
    """What the webphone sends (docs/interface.md): lower-case, accents stripped (NFD without
    marks); a term that looks like a phone number as its digits (00 or + dropped)."""
    if re.fullmatch(r"[\d\s\-.()+/]+", text) and re.search(r"\d", text):
        digits = re.sub(r"\D", "", text)
        return digits[2:] if digits.startswith("00") else digits
    folded = unicodedata.normalize("NFD", text.strip().lower())
    return "".join(c for c in folded if unicodedata.category(c) != "Mn")


def names(rows: list[dict]) -> list[str]:
    return sorted(r["first_name"] for r in rows)


@pytest.fixture
def screen(db, sign_in):
    """A campaign of supervisor1's with five known leads (agent1 owns one), and its client."""
    agent = agent_id(db, "agent1@demo.test")
    campaign = make_campaign(db, agents=[agent])
    rows = [
        ("Íñigo", "Muñoz Peña", "+34612345678", "{+34911222333}", "Inigo.Munoz@Example.com",
         "new", 0, None, None, "feria", "2026-10-01 10:00+00"),
        ("Begoña", "Ibáñez", "+34699000111", "{}", None, "retry", 2, "busy", None, "web",
         "2026-10-02 10:00+00"),
        ("Lucía", "García", "+34699000222", "{}", "lucia@example.com", "lost", 3, "not_interested",
         None, "web", "2026-10-03 10:00+00"),
        ("Raúl", "Muñoz", "+34699000333", "{}", None, "new", 0, None, agent, "feria",
         "2026-10-04 10:00+00"),
        ("Ana", "López", "+34699000444", "{}", None, "retry", 1, "no_answer", None, "web",
         "2026-10-04 10:00+00"),
    ]
    ids = {}
    for first, last, phone, alternates, email, status, attempts, outcome, owner, source, created \
            in rows:
        ids[first] = make_leads(db, campaign, 1, first_name=first, last_name=last, phone=phone,
                                alternate_phones=alternates, email=email, status=status,
                                attempts=attempts, owner_id=owner, source=source,
                                created_at=created)[0]
        if outcome:
            db.execute("update public.leads set last_outcome = %s where id = %s",
                       (outcome, ids[first]))
    client = sign_in("supervisor1@demo.test")

    def leads():
        return client.table("leads").select("id,first_name,created_at").eq("campaign_id", campaign)

    return {"campaign": campaign, "ids": ids, "client": client, "leads": leads, "agent": agent}


@pytest.mark.parametrize(("typed", "expected"), [
    ("muñoz", ["Raúl", "Íñigo"]),
    ("MUNOZ PENA", ["Íñigo"]),
    ("begoña ibáñez", ["Begoña"]),
    ("inigo.munoz@example", ["Íñigo"]),
    ("LUCIA@EXAMPLE.COM", ["Lucía"]),
    ("+34 612 345 678", ["Íñigo"]),
    ("0034612345678", ["Íñigo"]),
    ("612-34-56", ["Íñigo"]),
    ("(699) 000", ["Ana", "Begoña", "Lucía", "Raúl"]),
    ("000 444", ["Ana"]),
    ("911 222 333", ["Íñigo"]),
    ("5678", ["Íñigo"]),
    ("nadie", []),
])
def test_search_names_phones_and_email(screen, typed, expected):
    rows = screen["leads"]().ilike("search_text", f"%{search_term(typed)}%").execute().data
    assert names(rows) == sorted(expected)


def test_search_text_is_what_the_database_keeps(screen):
    row = screen["client"].table("leads").select("search_text").eq("id", screen["ids"]["Íñigo"]
                                                                      ).execute().data[0]
    assert row["search_text"] == "inigo munoz pena inigo.munoz@example.com 34612345678 34911222333"


def test_filters(screen, sign_in):
    leads = screen["leads"]
    assert names(leads().in_("status", ["retry", "lost"]).execute().data) == [
        "Ana", "Begoña", "Lucía"]
    assert names(leads().is_("owner_id", "null").eq("status", "new").execute().data) == ["Íñigo"]
    assert names(leads().eq("owner_id", screen["agent"]).execute().data) == ["Raúl"]
    assert names(leads().gte("attempts", 2).execute().data) == ["Begoña", "Lucía"]
    assert names(leads().in_("last_outcome", ["busy", "no_answer"]).execute().data) == [
        "Ana", "Begoña"]
    in_range = leads().gte("created_at", "2026-10-02").lt("created_at", "2026-10-04")
    assert names(in_range.execute().data) == ["Begoña", "Lucía"]
    assert names(leads().eq("source", "feria").execute().data) == ["Raúl", "Íñigo"]
    assert names(leads().not_.is_("next_call_at", "null").lte("next_call_at", "2100-01-01")
                 .execute().data) == ["Ana", "Begoña", "Raúl", "Íñigo"]
    # Another campaign's supervisor sees none of them.
    other = sign_in("supervisor2@demo.test")
    hidden = other.table("leads").select("id").eq("campaign_id", screen["campaign"]).execute()
    assert hidden.data == []


def test_keyset_pages_cover_the_list_once_in_order(screen):
    """order by (created_at desc, id desc); the next page after (X, Y): created_at <= X (lets the
    index bound the scan) and (created_at < X or (created_at = X and id < Y))."""
    seen: list[dict] = []
    page = (screen["leads"]().order("created_at", desc=True).order("id", desc=True).limit(2)
            .execute().data)
    while page:
        seen += page
        last = page[-1]
        page = (screen["leads"]().lte("created_at", last["created_at"])
                .or_(f"created_at.lt.{last['created_at']},and(created_at.eq.{last['created_at']},"
                     f"id.lt.{last['id']})")
                .order("created_at", desc=True).order("id", desc=True).limit(2).execute().data)
    everything = (screen["leads"]().order("created_at", desc=True).order("id", desc=True)
                  .execute().data)
    assert [r["id"] for r in seen] == [r["id"] for r in everything]
    assert len(seen) == 5
    # Two leads share a created_at: the id breaks the tie, none is lost or repeated.
    assert sorted(names(seen)) == sorted(["Ana", "Begoña", "Lucía", "Raúl", "Íñigo"])


def test_estimated_count_is_the_planners_beyond_max_rows(db, sign_in):
    """count=estimated: exact up to max_rows (1000), the planner's estimate beyond, as on
    Supabase. 3,000 leads whose first and last names are the same word: the planner multiplies
    the two filters' selectivities, so its estimate differs from the exact count."""
    campaign = make_campaign(db, agents=[])
    db.execute("insert into public.leads (campaign_id, first_name, last_name, phone)"
               " select %s, 'Estimada', 'Estimada', '+3461300' || lpad(n::text, 4, '0')"
               " from generate_series(1, 3000) as n", (campaign,))
    db.execute("analyze public.leads")
    admin = sign_in("admin@demo.test")

    def total(count: str, **filters: str) -> tuple[int, float]:
        query = admin.table("leads").select("id", count=count).limit(5)  # type: ignore[arg-type]
        for column, value in filters.items():
            query = query.eq(column, value)
        started = time.perf_counter()
        result = query.execute()
        return int(result.count), time.perf_counter() - started

    try:
        exact, _ = total("exact", first_name="Estimada", last_name="Estimada")
        estimated, _ = total("estimated", first_name="Estimada", last_name="Estimada")
        assert exact == 3000
        assert estimated != exact and estimated > 1000  # the planner's figure, no count(*)
        small, _ = total("estimated", campaign_id="00000000-0000-4000-b000-000000000003")
        exact_small, _ = total("exact", campaign_id="00000000-0000-4000-b000-000000000003")
        assert small == exact_small <= 1000  # under max_rows: exact
    finally:
        db.execute("delete from public.leads where campaign_id = %s", (campaign,))


def test_a_bulk_action_through_the_api(screen, db, sign_in):
    client = screen["client"]
    selection = {"filter": {"campaign_id": screen["campaign"], "search": "MUÑOZ"}}
    result = client.rpc("bulk_assign_leads", {"p_selection": selection,
                                              "p_agent_id": screen["agent"]}).execute().data
    assert result == {"matched": 2, "changed": 1, "skipped": {"unchanged": 1}}
    assert db.execute("select owner_id::text from public.leads where id = %s",
                      (screen["ids"]["Íñigo"],)).fetchone()[0] == screen["agent"]
    via = db.execute("select via from public.lead_history where lead_id = %s order by id desc"
                     " limit 1", (screen["ids"]["Íñigo"],)).fetchone()[0]
    assert via == "rpc/bulk_assign_leads"
    with pytest.raises(APIError) as refused:
        sign_in("agent1@demo.test").rpc("bulk_unassign_leads", {"p_selection": selection}).execute()
    assert (refused.value.code, refused.value.message) == (
        "42501", "p_selection: unassigning leads needs leads.assign")
    with pytest.raises(APIError) as bad:
        client.rpc("bulk_unassign_leads", {"p_selection": {"filter": {"owner": "x"}}}).execute()
    assert (bad.value.code, bad.value.message) == ("22023", "p_selection.filter.owner: unknown key")
    agents = make_agents(db, 1)  # an agent of no campaign of supervisor1's
    assert client.rpc("bulk_assign_leads", {"p_selection": {"ids": [screen["ids"]["Ana"]]},
                                            "p_agent_id": agents[0]}).execute().data == {
        "matched": 1, "changed": 0, "skipped": {"agent_not_in_campaign": 1}}


def test_search_leads_rpc_filters_orders_and_counts_like_the_table(screen, sign_in):
    """rpc/search_leads (the trigram index under RLS): the same rows as the table's ilike, with
    PostgREST's filters, order, limit and estimated count on top."""
    client, campaign = screen["client"], screen["campaign"]
    result = (client.rpc("search_leads", {"p_search": "(699) 000"}, count="estimated")
              .eq("campaign_id", campaign).in_("status", ["retry", "new"])
              .order("created_at", desc=True).order("id", desc=True).limit(2).execute())
    assert names(result.data) == ["Ana", "Raúl"]  # the two newest (same created_at)
    assert result.count == 3  # Ana, Raúl, Begoña (exact under max_rows)
    for typed in ("muñoz", "inigo.munoz@example", "0034612345678", "911 222 333"):
        by_rpc = (client.rpc("search_leads", {"p_search": typed}).eq("campaign_id", campaign)
                  .execute())
        by_table = screen["leads"]().ilike("search_text", f"%{search_term(typed)}%").execute()
        assert names(by_rpc.data) == names(by_table.data) != []
    other = sign_in("supervisor2@demo.test")
    assert other.rpc("search_leads", {"p_search": "muñoz"}).eq("campaign_id", campaign
                                                              ).execute().data == []
    with pytest.raises(APIError) as short:
        client.rpc("search_leads", {"p_search": "ab"}).execute()
    assert (short.value.code, short.value.message) == (
        "22023", "p_search: at least 3 characters (or digits)")
