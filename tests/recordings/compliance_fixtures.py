"""Test data for retention and erasure: stored recordings made without the upload path, and a
scan of the whole database for a person's values.

A stored recording here is what the worker would leave: an ended call whose recording_file
queued a public.recordings row, a real Opus object in the private bucket (uploaded as the
service role), and the row set stored with its path, size and checksum (as the superuser).
"""

from __future__ import annotations

import hashlib
import re
import subprocess
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import psycopg
from storage3.exceptions import StorageApiError

from stack.config import StackConfig
from supabase import Client
from workers.recordings.settings import Settings

BUCKET = "recordings"
PBX_MONITOR_DIR = "/var/spool/asterisk/monitor"
AGENT1 = "00000000-0000-4000-a000-000000000101"
ADMIN = "00000000-0000-4000-a000-000000000001"


def make_opus(path: Path, seconds: float = 1.0, frequency: int = 440) -> bytes:
    """A real Ogg/Opus file (ffmpeg's sine source), as the worker would store it."""
    subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                    f"sine=frequency={frequency}:duration={seconds}", "-c:a", "libopus",
                    "-b:a", "24k", str(path)], check=True)
    return path.read_bytes()


def worker_settings(stack: StackConfig, tmp: Path, **overrides) -> Settings:
    (tmp / "monitor").mkdir(exist_ok=True)
    (tmp / "work").mkdir(exist_ok=True)
    values = dict(database_url=stack.worker_database_url("recordings"), supabase_url=stack.url,
                  supabase_service_role_key=stack.service_role_key,
                  recordings_monitor_dir=str(tmp / "monitor"),
                  recordings_pbx_monitor_dir=PBX_MONITOR_DIR,
                  recordings_work_dir=str(tmp / "work"), worker_name="pytest-compliance")
    return Settings(**(values | overrides))


def set_retention(db: psycopg.Connection, campaign: str, days: int) -> None:
    db.execute("update public.campaigns set recording_retention_days = %s where id = %s",
               (days, campaign))


def insert_ended_call(db: psycopg.Connection, lead: str, started: datetime, *,
                      agent: str = AGENT1, recording_file: str | None = None,
                      notes: str = "", outcome: str = "answered",
                      disposition: str = "not_interested") -> str:
    """An ended, answered, wrapped-up call of `lead` (its campaign and number), consent given."""
    call = str(uuid.uuid4())
    db.execute("""
        insert into public.calls (id, started_at, lead_id, campaign_id, agent_id, phone_number,
          status, outcome, answered_at, ended_at, ring_seconds, talk_seconds, duration_seconds,
          disposition, wrapped_up_at, notes, recording_consent, pbx_linkedid)
        select %(id)s, %(started)s, l.id, l.campaign_id, %(agent)s, l.phone, 'ended',
          %(outcome)s, %(started)s + interval '5 s', %(started)s + interval '65 s', 5, 60, 65,
          %(disposition)s, %(started)s + interval '90 s', %(notes)s, true, %(linkedid)s
        from public.leads as l where l.id = %(lead)s""",
               {"id": call, "started": started, "agent": agent, "outcome": outcome,
                "disposition": disposition, "notes": notes, "lead": lead,
                "linkedid": f"pbx-{call[:8]}"})
    if recording_file is not None:
        # As the AMI bridge does once Asterisk reports MIXMONITOR_FILENAME: queues the recording.
        db.execute("update public.calls set recording_file = %s where id = %s",
                   (recording_file, call))
    return call


def object_path(db: psycopg.Connection, call: str) -> str:
    """The bucket path the worker gives a call: <campaign>/<yyyy>/<mm>/<dd>/<call>.opus (UTC)."""
    return db.execute("""
        select c.campaign_id || '/' || to_char(c.started_at at time zone 'UTC', 'YYYY/MM/DD')
          || '/' || c.id || '.opus'
        from public.calls as c where c.id = %s""", (call,)).fetchone()[0]


def store_recording(db: psycopg.Connection, storage: Client, call: str, audio: bytes) -> dict:
    """Upload `audio` as the call's object (service role) and mark the row stored (superuser)."""
    path = object_path(db, call)
    storage.storage.from_(BUCKET).upload(path, audio, {"content-type": "audio/ogg",
                                                       "upsert": "true"})
    db.execute("""
        update public.recordings set status = 'stored', object_path = %s, format = 'opus',
          bytes = %s, sha256 = %s, duration_seconds = 1, attempts = 1,
          stored_at = now(), source_removed_at = now()
        where call_id = %s""",
               (path, len(audio), hashlib.sha256(audio).hexdigest(), call))
    return {"call_id": call, "object_path": path, "bytes": len(audio)}


def object_exists(db: psycopg.Connection, storage: Client, path: str) -> bool:
    """Whether the object is in the bucket, asked both of Storage (download) and of its table."""
    in_table = db.execute("select exists (select 1 from storage.objects"
                          " where bucket_id = %s and name = %s)", (BUCKET, path)).fetchone()[0]
    try:
        storage.storage.from_(BUCKET).download(path)
        downloadable = True
    except StorageApiError:
        downloadable = False
    assert in_table == downloadable, f"{path}: storage.objects and Storage disagree"
    return in_table


def place_hold(admin: Client, *, call: str | None = None, lead: str | None = None) -> str:
    """A legal hold placed by an admin through PostgREST (table legal_holds)."""
    target = {"call_id": call} if call else {"lead_id": lead}
    row = admin.table("legal_holds").insert({**target, "reason": "Reclamación judicial 12/2021"}
                                            ).execute().data[0]
    return row["id"]


def release_hold(admin: Client, hold: str) -> None:
    rows = admin.table("legal_holds").update({"released_at": datetime.now().isoformat()}
                                             ).eq("id", hold).execute().data
    assert rows and rows[0]["released_at"] and rows[0]["released_by"]




# ---------------------------------------------------------------------------
# Where do a person's values appear? Every column of every table, whatever its type.
# ---------------------------------------------------------------------------

# Platform schemas: Supabase's own, not the application's (storage.objects names are added
# back below). Every other schema, present or future, is scanned.
PLATFORM_SCHEMAS = ("information_schema", "auth", "storage", "realtime", "_realtime",
                    "extensions", "supabase_migrations", "supabase_functions", "cron", "vault",
                    "graphql", "graphql_public", "net", "pgsodium", "pgsodium_masks",
                    "pgbouncer", "pgtle")

TABLES = """
    select n.nspname, c.relname,
      array_agg(a.attname order by a.attnum) as columns
    from pg_catalog.pg_class as c
    inner join pg_catalog.pg_namespace as n on c.relnamespace = n.oid
    inner join pg_catalog.pg_attribute as a on a.attrelid = c.oid
      and a.attnum > 0 and not a.attisdropped
    where
      c.relkind in ('r', 'm')
      and n.nspname <> all(%(skip)s) and n.nspname !~ '^pg_'
      and c.relpersistence <> 't'
    group by n.nspname, c.relname
    order by n.nspname, c.relname
"""


@dataclass(frozen=True)
class Hit:
    table: str
    column: str
    value: str


def pattern(values: list[str]) -> str:
    """A case-insensitive ARE matching any value as a whole (not inside a longer word/number)."""
    alternatives = "|".join(re.escape(v) for v in sorted(set(values), key=len, reverse=True))
    return f"(?i)(?:^|[^[:alnum:]])({alternatives})(?:$|[^[:alnum:]])"


def scan(db: psycopg.Connection, values: list[str]) -> tuple[list[Hit], list[str]]:
    """Every (table, column, value) where one of `values` appears, over every column of every
    table and materialized view outside the platform schemas (each column as text, so text,
    varchar, jsonb, arrays, domains, enums and composites alike), plus storage.objects names.
    Returns the hits and the tables scanned."""
    regex = pattern(values)
    tables = db.execute(TABLES, {"skip": list(PLATFORM_SCHEMAS)}).fetchall()
    targets = [(f'"{s}"."{t}"', list(cols)) for s, t, cols in tables]
    targets.append(('"storage"."objects"', ["name"]))
    hits: list[Hit] = []
    for table, columns in targets:
        # The whole row as text first (one regex per row); columns only where a row matched.
        row_text = f"({', '.join(f'{table_alias(c)}::text' for c in columns)})::text"
        if not db.execute(f"select exists (select 1 from {table} as t where {row_text} ~ %s)",
                          (regex,)).fetchone()[0]:
            continue
        for column in columns:
            found = db.execute(
                f"select distinct substring(t.{quote(column)}::text from %s) from {table} as t"
                f" where t.{quote(column)}::text ~ %s", (regex, regex)).fetchall()
            hits += [Hit(table, column, f[0]) for f in found]
    return hits, [t for t, _ in targets]


def quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def table_alias(column: str) -> str:
    return f"t.{quote(column)}"
