"""Run the Storage stand-in: python -m stack.storage (configured by the environment)."""

import logging
import os
from pathlib import Path

from aiohttp import web

from stack.storage.app import Settings, build_app


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(message)s")
    settings = Settings(
        database_url=os.environ["STORAGE_DATABASE_URL"],
        jwt_secret=os.environ["STORAGE_JWT_SECRET"],
        data_dir=Path(os.environ["STORAGE_DATA_DIR"]),
    )
    web.run_app(build_app(settings), host="127.0.0.1", port=int(os.environ["STORAGE_PORT"]),
                print=None, access_log=None)


if __name__ == "__main__":
    main()
