"""supabase/schema.sql is the database the migrations build (stack/schema_snapshot.py).

The session stack is seeded; that must not matter, since the snapshot is
schema only (and leaves out the date-made call partitions the seed adds to).
"""

from __future__ import annotations

import difflib
import re

import pytest

from stack import schema_snapshot
from stack.schema_snapshot import APP_SCHEMAS, SNAPSHOT

DIFF_LINES = 60


def _diff(old: str, new: str, old_name: str, new_name: str) -> list[str]:
    return list(difflib.unified_diff(old.splitlines(), new.splitlines(), old_name, new_name,
                                     lineterm="", n=2))


def test_committed_snapshot_matches_the_migrations(stack):
    current = schema_snapshot.snapshot(stack.database_url)
    committed = SNAPSHOT.read_text() if SNAPSHOT.exists() else ""
    if current != committed:
        diff = _diff(committed, current, "supabase/schema.sql (committed)",
                     "the database the migrations build")
        shown = "\n".join(diff[:DIFF_LINES])
        more = f"\n... ({len(diff) - DIFF_LINES} more diff lines)" if len(diff) > DIFF_LINES else ""
        pytest.fail("supabase/schema.sql is out of date with supabase/migrations/: run"
                    f" scripts/schema and commit the file with the migration.\n{shown}{more}",
                    pytrace=False)


def test_every_schema_the_migrations_create_is_in_the_snapshot(db):
    """A new schema in a migration must join APP_SCHEMAS, or the snapshot would not show it."""
    created = {name for (name,) in db.execute(
        "select nspname from pg_namespace where nspowner = 'postgres'::regrole")}
    # Not the migrations' own: the Supabase CLI's migration history, and the
    # pgTAP helpers (supabase/tests/000-setup-test-helpers.sql).
    assert created - {"supabase_migrations", "tests"} <= set(APP_SCHEMAS)


# A throwaway schema, included only by passing it to the generator, so the
# stack the other tests share is left as it was. Its trigger names are chosen
# so that name order, locale order and firing order all differ.
PROBE = "schema_snapshot_probe"
PROBE_DDL = f"""
create schema {PROBE};
create table {PROBE}.fired (n integer generated always as identity, name text not null);
create table {PROBE}.probe (id integer primary key default 1);
create function {PROBE}.log() returns trigger language plpgsql as $$
begin
  insert into {PROBE}.fired (name) values (tg_name);
  if tg_when = 'BEFORE' and tg_level = 'ROW' then
    return new;
  end if;
  return null;
end;
$$;
create trigger a_after_statement after insert on {PROBE}.probe
for each statement execute function {PROBE}.log();
create constraint trigger b_deferred after insert on {PROBE}.probe
deferrable initially deferred for each row execute function {PROBE}.log();
create trigger c_after_row after insert on {PROBE}.probe
for each row execute function {PROBE}.log();
create trigger d_before_row before insert on {PROBE}.probe
for each row execute function {PROBE}.log();
create trigger e_before_statement before insert on {PROBE}.probe
for each statement execute function {PROBE}.log();
create trigger "Z_before_row" before insert on {PROBE}.probe
for each row execute function {PROBE}.log();
create trigger f_before_update before update on {PROBE}.probe
for each row execute function {PROBE}.log();
"""


@pytest.fixture
def probe(db):
    db.execute(PROBE_DDL)
    try:
        yield PROBE
    finally:
        db.execute(f"drop schema {PROBE} cascade")


def test_a_schema_change_shows_in_the_snapshot(stack, probe):
    """What the comparison above relies on: a new table and its triggers change the snapshot."""
    before = schema_snapshot.snapshot(stack.database_url)
    after = schema_snapshot.snapshot(stack.database_url, (*APP_SCHEMAS, probe))
    diff = _diff(before, after, "before", "after")
    assert diff, "a new table with triggers did not change the snapshot"
    removed = [line for line in diff if line.startswith("-") and not line.startswith("---")]
    assert not removed, "adding a table should only add lines:\n" + "\n".join(removed)
    assert f"CREATE TABLE {probe}.probe (" in after


def test_triggers_are_listed_in_the_order_postgresql_fires_them(stack, db, probe):
    """The snapshot's order for INSERT is the order the triggers really fire in."""
    text = schema_snapshot.snapshot(stack.database_url, (*APP_SCHEMAS, probe))
    block = re.split(r"\n\n-- (?!Triggers)", text.split(f"-- Table {probe}.probe\n", 1)[1])[0]
    listed = re.findall(r'^CREATE (?:CONSTRAINT )?TRIGGER ("[^"]+"|\S+) ', block, re.MULTILINE)
    listed = [name.strip('"') for name in listed]
    db.execute(f"insert into {probe}.probe default values")  # autocommit: deferred ones fire too
    fired = [name for (name,) in db.execute(f"select name from {probe}.fired order by n")]
    assert fired == ["e_before_statement", "Z_before_row", "d_before_row", "c_after_row",
                     "a_after_statement", "b_deferred"]
    assert [name for name in listed if name != "f_before_update"] == fired
    # The triggers sit in the table's own block, right after its definition.
    assert block.index("CREATE TABLE") < block.index("-- Triggers, in firing order")


# -- the normaliser alone, on a hand-made pg_dump ---------------------------

DUMP = """\
--
-- PostgreSQL database dump
--

\\restrict AbCdEf123

-- Dumped from database version 15.18 (Debian 15.18-0+deb12u1)
-- Dumped by pg_dump version 15.18 (Debian 15.18-0+deb12u1)

SET statement_timeout = 0;
SELECT pg_catalog.set_config('search_path', '', false);

--
-- Name: things; Type: TABLE; Schema: public; Owner: postgres
--

CREATE TABLE public.things (
    id integer NOT NULL
);


ALTER TABLE public.things OWNER TO postgres;

SET default_table_access_method = heap;

--
-- Name: things things_pkey; Type: CONSTRAINT; Schema: public; Owner: postgres
--

ALTER TABLE ONLY public.things
    ADD CONSTRAINT things_pkey PRIMARY KEY (id);


--
-- Name: things after_all; Type: TRIGGER; Schema: public; Owner: postgres
--

CREATE TRIGGER after_all AFTER INSERT ON public.things FOR EACH STATEMENT EXECUTE FUNCTION f();


--
-- Name: things zz_before; Type: TRIGGER; Schema: public; Owner: postgres
--

CREATE TRIGGER zz_before BEFORE INSERT ON public.things FOR EACH ROW EXECUTE FUNCTION f();


--
-- Name: TABLE things; Type: ACL; Schema: public; Owner: postgres
--

GRANT SELECT ON TABLE public.things TO authenticated;


--
-- PostgreSQL database dump complete
--

\\unrestrict AbCdEf123

"""


def test_the_normaliser_drops_what_varies_between_runs():
    text = schema_snapshot.render_entries(schema_snapshot.parse(DUMP))
    for noise in ("restrict", "Dumped", "SET ", "set_config", "OWNER TO", "Owner:", "\n\n\n"):
        assert noise not in text
    other_version = DUMP.replace("15.18 (Debian 15.18-0+deb12u1)", "15.19").replace(
        "AbCdEf123", "XyZ987")
    assert schema_snapshot.render_entries(schema_snapshot.parse(other_version)) == text


def test_the_normaliser_groups_a_table_with_its_triggers_in_firing_order():
    text = schema_snapshot.render_entries(schema_snapshot.parse(DUMP))
    order = [text.index(s) for s in ("-- Table public.things", "CREATE TABLE public.things",
                                     "CREATE TRIGGER zz_before", "CREATE TRIGGER after_all",
                                     "ADD CONSTRAINT things_pkey", "GRANT SELECT")]
    assert order == sorted(order)


@pytest.mark.parametrize(("sql", "phase"), [
    ("CREATE TRIGGER t BEFORE INSERT ON s.x FOR EACH STATEMENT EXECUTE FUNCTION f()", 0),
    ("CREATE TRIGGER t BEFORE UPDATE OF a ON s.x FOR EACH ROW WHEN ((old.a <> new.a))"
     " EXECUTE FUNCTION f()", 1),
    ("CREATE TRIGGER t INSTEAD OF INSERT ON s.v FOR EACH ROW EXECUTE FUNCTION f()", 2),
    ("CREATE TRIGGER t AFTER DELETE ON s.x FOR EACH ROW EXECUTE FUNCTION f()", 3),
    ("CREATE CONSTRAINT TRIGGER t AFTER INSERT ON s.x NOT DEFERRABLE INITIALLY IMMEDIATE"
     " FOR EACH ROW EXECUTE FUNCTION f()", 3),
    ("CREATE TRIGGER t AFTER UPDATE ON s.x REFERENCING NEW TABLE AS n FOR EACH STATEMENT"
     " EXECUTE FUNCTION f()", 4),
    ("CREATE TRIGGER t AFTER TRUNCATE ON s.x FOR EACH STATEMENT EXECUTE FUNCTION f('a')", 4),
    ('CREATE CONSTRAINT TRIGGER "FOR EACH ROW" AFTER INSERT ON s.x DEFERRABLE INITIALLY'
     " DEFERRED FOR EACH ROW EXECUTE FUNCTION f()", 5),
])
def test_firing_phase(sql, phase):
    assert schema_snapshot.firing_order(sql)[0] == phase
