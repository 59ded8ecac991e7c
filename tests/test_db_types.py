"""webphone/src/types/database.ts is the API the migrations build (stack/db_types.py).

The types are what the front end compiles against (supabase-js's createClient<Database>): a
migration that renames a column or an RPC argument must change them in the same commit, or
this fails; tsc then shows every place in webphone/ that used the old name.
"""

from __future__ import annotations

import difflib

import psycopg
import pytest

from stack import db_types

DIFF_LINES = 60


def test_committed_types_match_the_migrations(stack):
    current = db_types.generate(stack.database_url)
    committed = db_types.TYPES_FILE.read_text() if db_types.TYPES_FILE.exists() else ""
    if current != committed:
        diff = list(difflib.unified_diff(committed.splitlines(), current.splitlines(),
                                         "webphone/src/types/database.ts (committed)",
                                         "the database the migrations build", lineterm="", n=2))
        pytest.fail("webphone/src/types/database.ts is out of date with supabase/migrations/:"
                    " run scripts/schema and commit it with the migration.\n"
                    + "\n".join(diff[:DIFF_LINES]), pytrace=False)


def test_the_types_follow_a_change_of_the_api(stack, db):
    """The comparison would catch a drift: a column and an RPC argument added in a rolled-back
    transaction show up in the types generated from inside it."""
    before = db_types.generate(stack.database_url)
    with db.transaction() as tx:
        db.execute("alter table public.dispositions add column probe_note text")
        db.execute("create type public.probe_mood as enum ('calm', 'busy')")
        db.execute("create function public.probe_rpc(p_lead_id uuid, p_mood public.probe_mood"
                   " default 'calm') returns setof public.leads language sql stable"
                   " as 'select * from public.leads where id = p_lead_id'")
        # generate() opens its own connection: read the catalog through this one instead.
        during = db_types.generate_from(db)
        raise psycopg.Rollback(tx)
    assert "probe_note: string | null" in during and "probe_note" not in before
    assert 'probe_mood: "calm" | "busy"' in during
    assert ('probe_rpc: {\n        Args: {\n          p_lead_id: string\n'
            '          p_mood?: Database["public"]["Enums"]["probe_mood"]\n        }\n'
            '        Returns: Database["public"]["Tables"]["leads"]["Row"][]') in during
    assert db_types.generate(stack.database_url) == before
