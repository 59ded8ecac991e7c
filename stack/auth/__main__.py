"""Run the Auth stand-in: python -m stack.auth (configured by the environment, see Settings)."""

import logging
import os
import tomllib

from aiohttp import web

from stack.auth.app import Settings, build_app
from stack.auth.limits import CONFIG_TOML, load_rate_limits


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(message)s")
    auth: dict = {}
    if CONFIG_TOML.exists():
        with CONFIG_TOML.open("rb") as f:
            auth = tomllib.load(f).get("auth", {})
    email = auth.get("email", {})
    # supabase/config.toml's [auth] site_url and additional_redirect_urls; the stack sets
    # AUTH_SITE_URL to the webphone (GoTrue's GOTRUE_SITE_URL, GOTRUE_URI_ALLOW_LIST).
    site_url = os.environ.get("AUTH_SITE_URL") or auth.get("site_url", "http://127.0.0.1:3000")
    allow = os.environ.get("AUTH_URI_ALLOW_LIST")
    redirect_urls = tuple(u for u in allow.split(",") if u) if allow is not None \
        else tuple(auth.get("additional_redirect_urls", []))
    settings = Settings(
        database_url=os.environ["AUTH_DATABASE_URL"],
        jwt_secret=os.environ["AUTH_JWT_SECRET"],
        issuer=os.environ["AUTH_ISSUER"],
        jwt_exp=int(os.environ.get("AUTH_JWT_EXP", "3600")),
        # supabase/config.toml's [auth.rate_limit], AUTH_RATE_LIMIT_* overriding it.
        rate_limits=load_rate_limits(),
        site_url=site_url,
        redirect_urls=redirect_urls,
        # [auth.email] otp_expiry (GOTRUE_MAILER_OTP_EXP) and otp_length.
        otp_exp=int(os.environ.get("AUTH_MAILER_OTP_EXP") or email.get("otp_expiry", 3600)),
        otp_length=int(email.get("otp_length", 6)),
    )
    web.run_app(build_app(settings), host="127.0.0.1", port=int(os.environ["AUTH_PORT"]),
                print=None, access_log=None)


if __name__ == "__main__":
    main()
