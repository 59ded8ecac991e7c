"""Reading a worker's settings from the environment, once, into one typed object."""

from __future__ import annotations

import os
import socket
from dataclasses import MISSING, fields, is_dataclass
from typing import TypeVar, get_type_hints

T = TypeVar("T")


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names the variable."""


def from_env(cls: type[T], environ: dict[str, str] | None = None) -> T:
    """Build dataclass `cls` from environment variables named like its fields, upper-cased.

    str, int, float and bool fields are parsed; a field without a default is required.
    """
    assert is_dataclass(cls)
    env = os.environ if environ is None else environ
    hints = get_type_hints(cls)
    values: dict[str, object] = {}
    for field in fields(cls):
        name = field.name.upper()
        if name not in env:
            if field.default is MISSING and field.default_factory is MISSING:
                raise SettingsError(f"{name}: required setting is missing")
            continue
        raw, kind = env[name], hints[field.name]
        try:
            if kind is bool:
                if raw.lower() not in ("1", "true", "yes", "0", "false", "no"):
                    raise ValueError(raw)
                values[field.name] = raw.lower() in ("1", "true", "yes")
            elif kind in (int, float):
                values[field.name] = kind(raw)
            else:
                values[field.name] = raw
        except ValueError as e:
            raise SettingsError(f"{name}: {raw!r} is not a valid {kind.__name__}") from e
    return cls(**values)


def worker_id(worker_name: str) -> str:
    """Who this process is, in claims and logs: WORKER_NAME if set, or host:pid."""
    return worker_name or f"{socket.gethostname()}:{os.getpid()}"
