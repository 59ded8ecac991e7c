"""Run the Auth stand-in: python -m stack.auth (configured by the environment, see Settings)."""

import logging
import os

from aiohttp import web

from stack.auth.app import Settings, build_app
from stack.auth.limits import load_rate_limits


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(message)s")
    settings = Settings(
        database_url=os.environ["AUTH_DATABASE_URL"],
        jwt_secret=os.environ["AUTH_JWT_SECRET"],
        issuer=os.environ["AUTH_ISSUER"],
        jwt_exp=int(os.environ.get("AUTH_JWT_EXP", "3600")),
        # supabase/config.toml's [auth.rate_limit], AUTH_RATE_LIMIT_* overriding it.
        rate_limits=load_rate_limits(),
    )
    web.run_app(build_app(settings), host="127.0.0.1", port=int(os.environ["AUTH_PORT"]),
                print=None, access_log=None)


if __name__ == "__main__":
    main()
