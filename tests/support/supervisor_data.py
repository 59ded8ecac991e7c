"""Data for the supervisor's screens, made straight in the database (superuser): agents with
published states in a campaign of their own, pending sales, and a day's calls and sales for the
reports. Set-based inserts, so a thousand rows take a moment (the scroll bench uses them too)."""

from __future__ import annotations

import uuid

import psycopg

from tests.support.crm_data import SUPERVISOR1, make_agents, make_campaign

# (state, pause reason): the states an agent publishes with rpc/set_agent_state.
STATES = [("available", None), ("on_call", None), ("wrap_up", None), ("paused", "lunch")]


def make_floor(db: psycopg.Connection, count: int, *, supervisor: str = SUPERVISOR1,
               name: str = "Agente") -> tuple[str, list[tuple[str, str]]]:
    """`count` new agents of a new campaign run by `supervisor`, each with a published state
    (cycling through STATES). Returns the campaign and [(agent id, state)]."""
    agents = make_agents(db, count)
    db.execute("update public.profiles set full_name = %s || ' ' || lpad(n::text, 4, '0')"
               " from unnest(%s::uuid[]) with ordinality as a (id, n) where profiles.id = a.id",
               (name, agents))
    campaign = make_campaign(db, agents=[], supervisor=supervisor)
    db.execute("insert into public.campaign_members (campaign_id, user_id, member_role)"
               " select %s, unnest(%s::uuid[]), 'agent'", (campaign, agents))
    states = [STATES[n % len(STATES)] for n in range(count)]
    db.execute(
        "insert into public.agent_states (agent_id, state, reason, since)"
        " select a, s, r, now() - interval '90 seconds'"
        " from unnest(%s::uuid[], %s::text[], %s::text[]) as x (a, s, r)"
        " on conflict (agent_id) do update set state = excluded.state, reason = excluded.reason,"
        " since = excluded.since",
        (agents, [s for s, _ in states], [r for _, r in states]))
    return campaign, [(a, s) for a, (s, _) in zip(agents, states, strict=True)]


def make_pending_sales(db: psycopg.Connection, campaign: str, agent: str, count: int, *,
                       first_name: str = "Venta") -> list[str]:
    """`count` pending sales of the campaign's product by `agent`, one fresh lead each, oldest
    first a minute apart."""
    product, premium, frequency, currency = db.execute(
        "select p.id, p.premium, p.payment_frequency, p.currency from public.products as p"
        " inner join public.campaign_products as cp on cp.product_id = p.id"
        " where cp.campaign_id = %s limit 1", (campaign,)).fetchone()
    rows = db.execute(
        """with leads as (
             insert into public.leads (campaign_id, owner_id, status, first_name, last_name, phone,
               time_zone)
             select %(c)s, %(a)s, 'won', %(f)s || ' ' || n, 'Prueba',
               '+3468' || lpad((%(base)s + n)::text, 7, '0'), 'Europe/Madrid'
             from generate_series(1, %(n)s) as n
             returning id, first_name)
           insert into public.sales (lead_id, campaign_id, product_id, agent_id, premium,
             payment_frequency, currency, status, policy_number, sold_at)
           select l.id, %(c)s, %(p)s, %(a)s, %(premium)s, %(freq)s, %(cur)s, 'pending',
             'POL-' || substr(l.id::text, 1, 8),
             now() - make_interval(mins => %(n)s - split_part(l.first_name, ' ', 2)::int)
           from leads as l
           returning id""",
        {"c": campaign, "a": agent, "f": first_name, "n": count, "p": product,
         "premium": premium, "freq": frequency, "cur": currency,
         "base": uuid.uuid4().int % 9_000_000}).fetchall()
    return [str(r[0]) for r in rows]


def make_day_of_calls(db: psycopg.Connection, campaign: str, agent: str, hours: int = 14) -> None:
    """Answered calls of the campaign today, one to three in each of the last `hours` hours
    (the hourly chart's columns), with a lead each."""
    db.execute(
        """with slots as (
             select h, k from generate_series(0, %(hours)s - 1) as h,
               lateral generate_series(1, 1 + h %% 3) as k),
           leads as (
             insert into public.leads (campaign_id, owner_id, status, first_name, last_name, phone,
               time_zone)
             select %(c)s, %(a)s, 'lost', 'Informe', h || '-' || k,
               '+3469' || lpad((%(base)s + h * 10 + k)::text, 7, '0'), 'Europe/Madrid'
             from slots
             returning id, last_name)
           insert into public.calls (lead_id, campaign_id, agent_id, phone_number, status, outcome,
             started_at, answered_at, ended_at, ring_seconds, talk_seconds, duration_seconds,
             disposition, wrapped_up_at)
           select l.id, %(c)s, %(a)s, '+34600000000', 'ended', 'answered', t.s,
             t.s + interval '5 seconds', t.s + interval '65 seconds', 5, 60, 65, 'not_interested',
             t.s + interval '75 seconds'
           from leads as l,
             lateral (select greatest(date_trunc('day', now()), now()
               - make_interval(hours => split_part(l.last_name, '-', 1)::int)
               - interval '2 minutes' * split_part(l.last_name, '-', 2)::int) as s) as t""",
        {"c": campaign, "a": agent, "hours": hours, "base": uuid.uuid4().int % 9_000_000})
