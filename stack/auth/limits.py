"""Rate limits of the Auth stand-in, as Supabase Auth applies them, plus one of its own.

Supabase Auth limits per client IP address (the first X-Forwarded-For address)
and per 5 minutes: `sign_in_sign_ups` (password sign-ins and sign-ups) and
`token_refresh` (refresh-token grants) and `token_verifications` (POST and GET
/verify: one-time links and OTPs), all set in supabase/config.toml's
`[auth.rate_limit]`. The stand-in reads them from there at start.

It adds a per-account limit that Supabase has no setting for: failed password
sign-ins per e-mail address. A floor of agents shares one NAT address, so the
per-IP limit must stay high, and alone it would let one address try a few
hundred passwords for one account; the per-account limit stops that.

Each limit is a sliding window: at most `limit` events in the last `window`
seconds per key. A refused request is not counted, so an attacker who keeps
trying gets `limit` guesses per window and no more, and the account's owner
gets back in when the window has passed.
"""

from __future__ import annotations

import contextlib
import math
import os
import time
import tomllib
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

CONFIG_TOML = Path(__file__).resolve().parents[2] / "supabase" / "config.toml"

# Supabase Auth's defaults for the two settings, used when config.toml lacks them.
SUPABASE_DEFAULTS = {"sign_in_sign_ups": 30, "token_refresh": 150, "token_verifications": 30}
DEFAULT_ACCOUNT_FAILURES = 10
DEFAULT_WINDOW_SECONDS = 300.0  # Supabase's "per 5 minutes"

# Environment overrides (the stack's processes inherit the caller's environment).
ENV_OVERRIDES = {
    "sign_in_sign_ups": "AUTH_RATE_LIMIT_SIGN_IN_SIGN_UPS",
    "token_refresh": "AUTH_RATE_LIMIT_TOKEN_REFRESH",
    "token_verifications": "AUTH_RATE_LIMIT_TOKEN_VERIFICATIONS",
    "account_failures": "AUTH_RATE_LIMIT_ACCOUNT_FAILURES",
    "window_seconds": "AUTH_RATE_LIMIT_WINDOW_SECONDS",
}


@dataclass(frozen=True)
class RateLimits:
    sign_in_sign_ups: int = SUPABASE_DEFAULTS["sign_in_sign_ups"]
    token_refresh: int = SUPABASE_DEFAULTS["token_refresh"]
    token_verifications: int = SUPABASE_DEFAULTS["token_verifications"]
    account_failures: int = DEFAULT_ACCOUNT_FAILURES
    window_seconds: float = DEFAULT_WINDOW_SECONDS


def _positive(name: str, value: object, *, whole: bool) -> float:
    number = math.nan
    if isinstance(value, int | float | str) and not isinstance(value, bool):
        with contextlib.suppress(ValueError):
            number = float(value)
    if not 0 < number < math.inf or (whole and not number.is_integer()):
        kind = "a positive whole number" if whole else "a positive number"
        raise ValueError(f"auth rate limit {name}: {value!r} is not {kind}")
    return number


def load_rate_limits(config_toml: Path = CONFIG_TOML,
                     env: Mapping[str, str] | None = None) -> RateLimits:
    """config.toml's [auth.rate_limit], then environment overrides; a bad value stops the start."""
    env = os.environ if env is None else env
    values: dict[str, object] = dict(SUPABASE_DEFAULTS)
    if config_toml.exists():
        with config_toml.open("rb") as f:
            section = tomllib.load(f).get("auth", {}).get("rate_limit", {})
        values |= {k: section[k] for k in SUPABASE_DEFAULTS if k in section}
    values |= {k: env[var] for k, var in ENV_OVERRIDES.items() if env.get(var)}
    return RateLimits(
        sign_in_sign_ups=int(_positive("sign_in_sign_ups", values["sign_in_sign_ups"],
                                       whole=True)),
        token_refresh=int(_positive("token_refresh", values["token_refresh"], whole=True)),
        token_verifications=int(_positive("token_verifications", values["token_verifications"],
                                          whole=True)),
        account_failures=int(_positive(
            "account_failures", values.get("account_failures", DEFAULT_ACCOUNT_FAILURES),
            whole=True)),
        window_seconds=_positive(
            "window_seconds", values.get("window_seconds", DEFAULT_WINDOW_SECONDS), whole=False),
    )


class SlidingWindow:
    """At most `limit` events per key in the last `window` seconds. One event loop: no locks."""

    SWEEP_EVERY = 1024  # forget idle keys now and then, so memory follows the active keys

    def __init__(self, limit: int, window: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._events: dict[str, deque[float]] = {}
        self._adds = 0

    def _recent(self, key: str, now: float) -> deque[float] | None:
        events = self._events.get(key)
        if events is None:
            return None
        while events and events[0] <= now - self.window:
            events.popleft()
        if not events:
            del self._events[key]
            return None
        return events

    def retry_after(self, key: str) -> int | None:
        """Seconds until the key may act again, or None if it may act now."""
        now = self._clock()
        events = self._recent(key, now)
        if events is None or len(events) < self.limit:
            return None
        return max(1, math.ceil(events[0] + self.window - now))

    def add(self, key: str) -> None:
        now = self._clock()
        self._events.setdefault(key, deque()).append(now)
        self._adds += 1
        if self._adds % self.SWEEP_EVERY == 0:
            for idle in [k for k, ev in self._events.items() if ev[-1] <= now - self.window]:
                del self._events[idle]

    def hit(self, key: str) -> int | None:
        """Count one event unless the key is over its limit; then the seconds to wait."""
        wait = self.retry_after(key)
        if wait is None:
            self.add(key)
        return wait

    def clear(self, key: str) -> None:
        self._events.pop(key, None)
