"""scripts/phone_time_zones.py and the migration it generated agree, and agree with phonenumbers."""

from __future__ import annotations

import subprocess
import sys

import phonenumbers
import pytest
from phonenumbers import timezone as pn_timezone

from stack.config import PROJECT_DIR

SCRIPT = PROJECT_DIR / "scripts" / "phone_time_zones.py"
MIGRATION = PROJECT_DIR / "supabase" / "migrations" / "20261204004000_phone_time_zones.sql"


def _generate(*args: str) -> str:
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--output", "-", *args],
        capture_output=True, text=True, check=True,
    )
    return result.stdout


def _pairs(sql: str) -> dict[str, set[str]]:
    """The "prefix zone" lines of a generated migration, as prefix -> zones."""
    data = sql.split("$data$\n", 1)[1].split("\n$data$", 1)[0]
    zones: dict[str, set[str]] = {}
    for line in data.splitlines():
        prefix, zone = line.split(" ")
        zones.setdefault(prefix, set()).add(zone)
    return zones


def test_the_migration_is_what_the_script_generates():
    """Regenerate after upgrading phonenumbers, as a NEW migration (--replace)."""
    assert _generate() == MIGRATION.read_text(encoding="utf-8"), (
        f"{MIGRATION.name} is not what scripts/phone_time_zones.py generates with phonenumbers "
        f"{phonenumbers.__version__}"
    )


def test_a_replacement_migration_empties_the_table_first():
    text = _generate("--replace")
    assert "truncate private.phone_time_zones;" in text
    assert "create table" not in text


@pytest.mark.parametrize(
    "number",
    ["+12125551234", "+14155550123", "+34928123456", "+34612345678", "+525512345678",
     "+35312345678", "+18005551234"],
)
def test_longest_prefix_gives_the_zones_phonenumbers_gives(number: str):
    """The SQL lookup (longest listed prefix of the digits) against phonenumbers' prefix lookup.

    phonenumbers' time_zones_for_number answers a mobile or toll-free number at
    the country level (a Spanish mobile: Canary and Madrid); the database does
    not know a number's type and takes the longest prefix for every number
    (a Spanish mobile, 346: Madrid). docs/interface.md says so.
    """
    table = _pairs(MIGRATION.read_text(encoding="utf-8"))
    digits = number[1:]
    prefix = next(digits[:n] for n in range(len(digits), 0, -1) if digits[:n] in table)
    expected = set(pn_timezone.time_zones_for_geographical_number(phonenumbers.parse(number)))
    assert table[prefix] == expected
