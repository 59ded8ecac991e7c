"""CRM test data made straight in the database (superuser): campaigns, leads, agents.

Every campaign made here is active and open 00:00-23:59:59 on every day, so
tests never depend on the hour they run (the seeded campaigns keep office
hours; the calling-hours rules themselves are pinned with a controlled clock
in supabase/tests/leads/).
"""

from __future__ import annotations

import random
import uuid

import psycopg

SUPERVISOR1 = "00000000-0000-4000-a000-000000000011"


def make_campaign(db: psycopg.Connection, *, agents: list[str], supervisor: str = SUPERVISOR1,
                  max_attempts: int = 3) -> str:
    """An active campaign open 00:00-23:59 every day, run by `supervisor`, worked by `agents`."""
    campaign = db.execute(
        "insert into public.campaigns (name, status, calling_hours_start, calling_hours_end,"
        " calling_days, max_attempts) values (%s, 'active', '00:00', '23:59:59',"
        " '{1,2,3,4,5,6,7}', %s) returning id",
        (f"Test {uuid.uuid4().hex[:8]}", max_attempts)).fetchone()[0]
    db.execute("insert into public.campaign_members (campaign_id, user_id, member_role)"
               " values (%s, %s, 'supervisor')", (campaign, supervisor))
    for agent in agents:
        db.execute("insert into public.campaign_members (campaign_id, user_id, member_role)"
                   " values (%s, %s, 'agent')", (campaign, agent))
    product = db.execute("select id from public.products order by code limit 1").fetchone()[0]
    db.execute("insert into public.campaign_products (campaign_id, product_id) values (%s, %s)",
               (campaign, product))
    return str(campaign)


def phone_ending(suffix: str = "") -> str:
    """A Spanish mobile number in E.164 ending in `suffix` (the PSTN stand-in's test lines:
    0486 busy, 0480 unavailable, 0408 no answer), random otherwise but never one of those."""
    while True:
        digits = f"{random.randrange(10**7):07d}"  # noqa: S311 - test data, not secrets
        number = f"+3461{digits[:7 - len(suffix)]}{suffix}"
        if suffix or number[-4:] not in ("0486", "0480", "0408"):
            return number


def make_leads(db: psycopg.Connection, campaign: str, count: int, **columns) -> list[str]:
    ids = []
    for _ in range(count):
        phone = phone_ending()
        values = {"campaign_id": campaign, "first_name": "Prueba", "last_name": "Carrera",
                  "phone": phone, "time_zone": "Europe/Madrid", **columns}
        names = ", ".join(values)
        marks = ", ".join(["%s"] * len(values))
        ids.append(str(db.execute(f"insert into public.leads ({names}) values ({marks})"
                                  " returning id", list(values.values())).fetchone()[0]))
    return ids


def make_agents(db: psycopg.Connection, count: int) -> list[str]:
    """Agents written straight into auth.users, stamped as Auth stamps them: the official
    clients refuse a user without created_at when an admin lists the users."""
    ids = []
    for n in range(count):
        user = str(uuid.uuid4())
        db.execute(
            "insert into auth.users (id, aud, role, email, raw_app_meta_data, created_at,"
            " updated_at) values (%s, 'authenticated', 'authenticated', %s,"
            " '{\"role\": \"agent\"}', now(), now())",
            (user, f"race-{n}-{user[:8]}@demo.test"))
        ids.append(user)
    return ids


def agent_id(db: psycopg.Connection, email: str) -> str:
    return str(db.execute("select id from public.profiles where email = %s",
                          (email,)).fetchone()[0])
