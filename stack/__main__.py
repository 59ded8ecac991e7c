"""python -m stack up|down|status|env|schema [--root DIR]: the embedded stack's command line.

`schema` writes supabase/schema.sql (stack/schema_snapshot.py) and the TypeScript types of
the API, webphone/src/types/database.ts (stack/db_types.py): from a fresh database built from
the migrations, or from --db-url; it never touches --root.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from stack import db_types, lifecycle, schema_snapshot
from stack.config import DEMO_PASSWORD, StackConfig


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m stack", description=__doc__)
    parser.add_argument("command", choices=["up", "down", "status", "env", "schema"])
    parser.add_argument("--root", type=Path, default=lifecycle.default_root(),
                        help="where the stack keeps its data, logs and PID files")
    parser.add_argument("--free-ports", action="store_true",
                        help="pick free ports when creating the stack (tests); default: 5432x")
    parser.add_argument("--db-url", help="schema: snapshot this database instead of a fresh one")
    parser.add_argument("--output", type=Path, default=schema_snapshot.SNAPSHOT,
                        help="schema: the file to write, or - for stdout"
                             " (default: supabase/schema.sql)")
    args = parser.parse_args(argv)

    def progress(message: str) -> None:
        print(f"  - {message}", file=sys.stderr, flush=True)

    if args.command == "schema":
        return schema(args.db_url, args.output, progress)
    config = StackConfig.load_or_create(args.root, fixed_ports=not args.free_ports)

    if args.command == "up":
        lifecycle.up(config, progress=progress)
        print(summary(config))
    elif args.command == "down":
        lifecycle.down(config, progress=progress)
    elif args.command == "status":
        states = lifecycle.status(config)
        for name, running in states.items():
            print(f"{name:10} {'running' if running else 'stopped'}")
        return 0 if all(states.values()) else 1
    else:
        print(config.env_file.read_text(), end="")
    return 0


def schema(db_url: str | None, output: Path, progress: Callable[[str], None]) -> int:
    """Snapshot a fresh database built from the migrations, or the one at db_url; and write
    its API types (only when the snapshot goes to its file, not to stdout)."""
    if db_url:
        text, types = schema_snapshot.snapshot(db_url), db_types.generate(db_url)
    else:
        with schema_snapshot.fresh_database(progress) as fresh_url:
            text, types = schema_snapshot.snapshot(fresh_url), db_types.generate(fresh_url)
    if str(output) == "-":
        print(text, end="")
        return 0
    for path, content, write in ((output, text, schema_snapshot.write),
                                 (db_types.TYPES_FILE, types, db_types.write)):
        if write(content, path):
            progress(f"wrote {path} ({len(content.splitlines())} lines)")
        else:
            progress(f"{path} is already up to date")
    return 0


def summary(config: StackConfig) -> str:
    return f"""
The call-center CRM is up.

  Webphone      {config.url}/
  Supabase URL  {config.url}   (REST /rest/v1, Auth /auth/v1)
  Database      {config.database_url}
  Settings      {config.env_file}

  Demo accounts (password: {DEMO_PASSWORD})
    admin@demo.test
    supervisor1@demo.test, supervisor2@demo.test
    agent1@demo.test ... agent8@demo.test

  Stop it with ./scripts/down; the data stays in {config.root}.
"""


if __name__ == "__main__":
    sys.exit(main())
