"""python -m stack up|down|status|env [--root DIR]: the embedded stack's command line."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from stack import lifecycle
from stack.config import DEMO_PASSWORD, StackConfig


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m stack", description=__doc__)
    parser.add_argument("command", choices=["up", "down", "status", "env"])
    parser.add_argument("--root", type=Path, default=lifecycle.default_root(),
                        help="where the stack keeps its data, logs and PID files")
    parser.add_argument("--free-ports", action="store_true",
                        help="pick free ports when creating the stack (tests); default: 5432x")
    args = parser.parse_args(argv)
    config = StackConfig.load_or_create(args.root, fixed_ports=not args.free_ports)

    def progress(message: str) -> None:
        print(f"  - {message}", file=sys.stderr, flush=True)

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
