"""The database as DBAs and CI see it: pgTAP, supabase db lint, migration list, policy files."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import psycopg
import pytest

from stack import lifecycle
from stack.config import PROJECT_DIR

PGTAP_FILES = sorted((PROJECT_DIR / "supabase" / "tests").rglob("*.sql"))
POLICY_FILES = sorted((PROJECT_DIR / "supabase" / "policies").glob("*.sql"))
MIGRATIONS = sorted((PROJECT_DIR / "supabase" / "migrations").glob("*.sql"))


HELPERS = PROJECT_DIR / "supabase" / "tests" / "000-setup-test-helpers.sql"


@pytest.fixture(scope="module")
def pgtap(stack):
    """pgTAP and the tests.* helpers, as `supabase test db` would have them."""
    with psycopg.connect(stack.database_url, autocommit=True) as conn:
        conn.execute("create extension if not exists pgtap with schema extensions")
        # The workers' roles run pgTAP's functions in the files that impersonate them.
        conn.execute("grant usage on schema extensions to crm_ami_bridge, crm_reporting,"
                     " crm_recordings, crm_presence, crm_accounts, crm_lead_import, crm_dialer")
    _pg_prove(stack, HELPERS)
    return stack


def _pg_prove(stack, path: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PGPASSWORD": stack.db_password}
    return subprocess.run(
        ["pg_prove", "--verbose", "--failures", "-h", "127.0.0.1", "-p", str(stack.pg_port),
         "-U", "postgres", "-d", "postgres", str(path)],
        capture_output=True, text=True, env=env,
    )


def test_there_are_pgtap_files():
    assert PGTAP_FILES, "supabase/tests/ holds no pgTAP file"


@pytest.mark.parametrize("path", PGTAP_FILES, ids=lambda p: str(p.relative_to(PROJECT_DIR)))
def test_pgtap(pgtap, path: Path):
    """Each file as `supabase test db` runs it: pg_prove, as postgres, rolled back."""
    result = _pg_prove(pgtap, path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Result: PASS" in result.stdout


def test_supabase_db_lint_finds_no_error(stack):
    """plpgsql_check over every function of the schemas we own."""
    result = subprocess.run(
        [str(lifecycle.SUPABASE_CLI), "db", "lint", "--db-url",
         stack.db_url("postgres", sslmode=True), "--schema", "public,private",
         "--level", "warning", "--fail-on", "error", "--workdir", str(PROJECT_DIR)],
        capture_output=True, text=True, stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_migration_list_agrees(stack):
    out = lifecycle.supabase_cli(stack, "migration", "list")
    for path in MIGRATIONS:
        version = path.name.split("_", 1)[0]
        row = next((line for line in out.splitlines() if version in line), None)
        assert row is not None, f"{path.name} missing from `supabase migration list`:\n{out}"
        local, remote = (cell.strip(" `") for cell in row.split("|")[:2])
        assert local == remote == version, row


def _policies(conn: psycopg.Connection, schema: str, table: str) -> set[tuple]:
    return set(conn.execute(
        "select policyname, permissive, roles::text, cmd, qual, with_check from pg_policies"
        " where schemaname = %s and tablename = %s", (schema, table)).fetchall())


def _policy_table(path: Path) -> tuple[str, str]:
    """public.<stem> for supabase/policies/<table>.sql; <schema>_<table>.sql (realtime_messages.sql)
    for a platform table, whose schema the file's policies name."""
    tables = set(re.findall(r'create policy "[^"]+"\s+on (\w+)\.(\w+) ', path.read_text()))
    assert len(tables) == 1, f"{path.name}: policies on {tables or 'no table'}"
    schema, table = tables.pop()
    expected = table if schema == "public" else f"{schema}_{table}"
    assert path.stem == expected, f"{path.name}: {schema}.{table}'s policies go in {expected}.sql"
    return schema, table


@pytest.mark.parametrize("path", POLICY_FILES, ids=lambda p: p.name)
def test_policy_file_matches_the_migrated_database(stack, path: Path):
    """supabase/policies/<table>.sql is the readable truth; the migrations must say the same."""
    schema, table = _policy_table(path)
    with psycopg.connect(stack.database_url) as conn:
        migrated = _policies(conn, schema, table)
        for (name, *_rest) in migrated:
            conn.execute(f'drop policy "{name}" on {schema}.{table}')
        conn.execute(path.read_text())
        from_file = _policies(conn, schema, table)
        conn.rollback()
    assert migrated, f"{schema}.{table} has no policy"
    assert from_file == migrated


def test_every_public_table_has_rls_and_a_policy_file(db):
    tables = db.execute(
        "select c.relname, c.relrowsecurity from pg_class as c"
        " join pg_namespace as n on n.oid = c.relnamespace"
        " where n.nspname = 'public' and c.relkind in ('r', 'p') and not c.relispartition"
    ).fetchall()
    assert tables
    for name, rls in tables:
        assert rls, f"public.{name} has RLS off"
        assert (PROJECT_DIR / "supabase" / "policies" / f"{name}.sql").exists(), name
