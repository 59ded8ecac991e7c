"""Run the Realtime stand-in: python -m stack.realtime (configured by the environment)."""

import logging
import os

from aiohttp import web

from stack.realtime.app import Settings, build_app


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(message)s")
    settings = Settings(
        database_url=os.environ["REALTIME_DATABASE_URL"],
        jwt_secret=os.environ["REALTIME_JWT_SECRET"],
        idle_timeout=float(os.environ.get("REALTIME_IDLE_TIMEOUT", "60")),
        presence_max_calls=int(os.environ.get("REALTIME_PRESENCE_MAX_CALLS", "5")),
        presence_window=float(os.environ.get("REALTIME_PRESENCE_WINDOW", "30")),
        changes=os.environ.get("REALTIME_CHANGES", "1") != "0",
    )
    web.run_app(build_app(settings), host="127.0.0.1", port=int(os.environ["REALTIME_PORT"]),
                print=None, access_log=None, shutdown_timeout=2)


if __name__ == "__main__":
    main()
