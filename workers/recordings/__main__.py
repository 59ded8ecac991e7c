"""python -m workers.recordings [--loops ...] | purge [--dry-run] [--now ISO8601].

Without a command: the worker, its loops (uploads, retention, erasure) in threads.
`purge`: one retention pass now, printing the report as text and as JSON (--dry-run removes
nothing and says what would go and the bytes it would free; --now pretends another time).

Exit status (workers.common.supervisor): 0 after SIGTERM/SIGINT (or a purge done), 1 when a
loop died, 2 on bad settings or arguments.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from datetime import datetime

from workers.common import metrics, supervisor
from workers.common.supervisor import Runnable
from workers.recordings.settings import Settings

log = logging.getLogger("workers.recordings")

LOOPS = ("uploads", "retention", "erasure")


def moment(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text!r} needs a time zone (e.g. +00:00)")
    return value


def loop_names(text: str) -> list[str]:
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = sorted(set(names) - set(LOOPS))
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"unknown {unknown}; choose from {LOOPS}")
    return names


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m workers.recordings", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--loops", type=loop_names, default=list(LOOPS),
                        help="comma-separated loops to run (default: all of %(default)s)")
    commands = parser.add_subparsers(dest="command")
    purge = commands.add_parser("purge", help="one retention pass, then exit")
    purge.add_argument("--dry-run", action="store_true",
                       help="remove nothing; report what would be removed")
    purge.add_argument("--now", type=moment, default=None,
                       help="the time to purge as of (ISO 8601 with zone); default: now")
    return parser.parse_args(argv)


def purge(config: Settings, args: argparse.Namespace) -> int:
    from workers.recordings.retention import RetentionPurger

    report = RetentionPurger(config).purge_once(
        now=args.now, dry_run=args.dry_run or config.recordings_purge_dry_run)
    print(report.as_text())
    print(json.dumps(report.as_dict(), default=str, indent=2, sort_keys=True))
    return supervisor.EXIT_OK


def build_loops(config: Settings, names: list[str]) -> dict[str, Runnable]:
    from workers.recordings.erasure import Eraser
    from workers.recordings.retention import RetentionPurger
    from workers.recordings.telemetry import Metrics
    from workers.recordings.uploads import Uploader

    telemetry = Metrics()
    metrics.serve(telemetry.registry, config.metrics_port)
    loops: dict[str, Runnable] = {}
    if "uploads" in names:
        loops["uploads"] = Uploader(config, telemetry).run
    if "retention" in names:
        loops["retention"] = RetentionPurger(config).run
    if "erasure" in names:
        loops["erasure"] = Eraser(config).run
    return loops


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    try:
        config = supervisor.start(Settings)
    except supervisor.BadSettings:
        return supervisor.EXIT_BAD_SETTINGS
    if args.command == "purge":
        return purge(config, args)

    loops = build_loops(config, args.loops)
    log.info("recordings worker started", extra={"worker": config.worker_id,
                                                 "loops": list(loops),
                                                 "monitor_dir": config.recordings_monitor_dir})
    status = supervisor.supervise(loops)
    log.info("recordings worker stopped", extra={"exit_status": status})
    return status


if __name__ == "__main__":
    sys.exit(main())
