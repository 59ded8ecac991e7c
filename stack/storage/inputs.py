"""What the Storage stand-in accepts from a request, checked before anything reaches the
database, the disk or a response header.

Every refusal is a StorageError (400 unless said otherwise) whose message names the field,
worded the way Storage's schema validator words them ("body/limit must be integer").
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

# NUL and the other C0 controls, DEL, and lone surrogates (which "\ud800" in JSON produces
# and no UTF-8 encoder accepts): none belongs in a name, a prefix, an id or a header.
_FORBIDDEN = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff]")
# Nesting deeper than this is no Storage body; refusing it keeps every walk and encoder safe.
MAX_DEPTH = 32
JSON_BODY_LIMIT = 1 << 20


class StorageError(Exception):
    """Storage's error body: {"statusCode": "<status>", "error": ..., "message": ...}."""

    def __init__(self, status: int, error: str, message: str):
        super().__init__(message)
        self.status, self.error, self.message = status, error, message


def invalid(field: str, problem: str) -> StorageError:
    return StorageError(400, "Error", f"{field} {problem}")


def clean(value: str, field: str) -> str:
    """A string free of control characters and lone surrogates, or a 400 naming the field."""
    found = _FORBIDDEN.search(value)
    if found and found[0] >= "\ud800":  # what undecodable bytes and "\ud800" escapes become
        raise invalid(field, "must be valid UTF-8")
    if found:
        raise invalid(field, "must not contain control characters")
    return value


def parse_json(raw: bytes, field: str = "body") -> Any:
    """JSON from bytes: valid UTF-8, no NaN/Infinity, at most MAX_DEPTH deep, every string
    (keys too) clean. Anything else is a 400, never an exception that escapes as a 500."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise invalid(field, "is not valid UTF-8") from e

    def no_constants(name: str) -> Any:
        raise ValueError(f"{name} is not JSON")

    try:
        value = json.loads(text, parse_constant=no_constants)
    except RecursionError as e:  # the decoder recurses once per level
        raise invalid(field, "is nested too deeply") from e
    except ValueError as e:  # JSONDecodeError is one
        raise invalid(field, "is not valid JSON") from e
    _walk(value, field)
    return value


def _walk(value: Any, field: str) -> None:
    """Depth and clean strings, without recursion (the value may be deep)."""
    stack: list[tuple[Any, str, int]] = [(value, field, 0)]
    while stack:
        item, where, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise invalid(field, f"is nested deeper than {MAX_DEPTH} levels")
        if isinstance(item, str):
            clean(item, where)
        elif isinstance(item, float) and not math.isfinite(item):  # 1e999 parses as inf
            raise invalid(where, "must be a finite number")
        elif isinstance(item, dict):
            for key, child in item.items():
                clean(key, f"{where} key")
                stack.append((child, f"{where}/{key}", depth + 1))
        elif isinstance(item, list):
            stack.extend((child, f"{where}/{i}", depth + 1) for i, child in enumerate(item))


def json_object(raw: bytes) -> dict[str, Any]:
    """The request body as a JSON object (Storage's bodies are all objects)."""
    if not raw:
        raise invalid("body", "must be object")
    value = parse_json(raw)
    if not isinstance(value, dict):
        raise invalid("body", "must be object")
    return value


def string(body: dict[str, Any], key: str, *, required: bool = False,
           default: str | None = None, at: str = "body") -> str | None:
    value = body.get(key)
    if value is None:
        if required:
            raise invalid(at, f"must have required property '{key}'")
        return default
    if not isinstance(value, str):
        raise invalid(f"{at}/{key}", "must be string")
    return value


def integer(body: dict[str, Any], key: str, *, minimum: int, default: int | None = None,
            required: bool = False, maximum: int | None = None) -> int | None:
    """An integer, as Storage's validator takes it: a JSON integer (10.0 too) or its digits
    as a string (the validator coerces those); never a bool, a fraction or a word."""
    value = body.get(key)
    if value is None:
        if required:
            raise invalid("body", f"must have required property '{key}'")
        return default
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif ((isinstance(value, float) and value.is_integer())
          or (isinstance(value, str) and re.fullmatch(r"-?[0-9]{1,18}", value))):
        number = int(value)
    if number is None:
        raise invalid(f"body/{key}", "must be integer")
    if number < minimum:
        raise invalid(f"body/{key}", f"must be >= {minimum}")
    if maximum is not None and number > maximum:
        raise invalid(f"body/{key}", f"must be <= {maximum}")
    return number


def strings(body: dict[str, Any], key: str, *, min_items: int = 0,
            required: bool = False) -> list[str] | None:
    value = body.get(key)
    if value is None:
        if required:
            raise invalid("body", f"must have required property '{key}'")
        return None
    if not isinstance(value, list):
        raise invalid(f"body/{key}", "must be array")
    for i, item in enumerate(value):
        if not isinstance(item, str):
            raise invalid(f"body/{key}/{i}", "must be string")
    if len(value) < min_items:
        raise invalid(f"body/{key}", f"must NOT have fewer than {min_items} items")
    return value


def boolean(body: dict[str, Any], key: str) -> bool | None:
    value = body.get(key)
    if value is not None and not isinstance(value, bool):
        raise invalid(f"body/{key}", "must be boolean")
    return value


_SIZE = re.compile(r"([0-9]+(?:\.[0-9]+)?)\s*(b|kb|mb|gb)?", re.IGNORECASE)
_UNITS = {"b": 1, "kb": 1 << 10, "mb": 1 << 20, "gb": 1 << 30}
BIGINT_MAX = (1 << 63) - 1


def file_size_limit(body: dict[str, Any]) -> int | None:
    """A bucket's file_size_limit: bytes as a number, or a string such as "20MB", or null."""
    value = body.get("file_size_limit")
    if value is None:
        return None
    if isinstance(value, str):
        match = _SIZE.fullmatch(value.strip())
        if not match:
            raise invalid("body/file_size_limit", "must be a number of bytes or a size like 20MB")
        size = int(float(match[1]) * _UNITS[(match[2] or "b").lower()])
        if size > BIGINT_MAX:
            raise invalid("body/file_size_limit", f"must be <= {BIGINT_MAX}")
        return size
    return integer(body, "file_size_limit", minimum=0, maximum=BIGINT_MAX)


_MIME = re.compile(r"[A-Za-z0-9!#$&^_.+*-]+/[A-Za-z0-9!#$&^_.+*-]+")


def mime_types(body: dict[str, Any]) -> list[str] | None:
    types = strings(body, "allowed_mime_types")
    for i, mime in enumerate(types or []):
        if not _MIME.fullmatch(mime):
            raise invalid(f"body/allowed_mime_types/{i}", "must be a MIME type such as audio/ogg")
    return types


def mime_allowed(mimetype: str, allowed: list[str] | None) -> bool:
    """Whether a bucket's allowed_mime_types (with * wildcards, as in audio/*) admit it."""
    if not allowed:
        return True
    mimetype = mimetype.split(";", 1)[0].strip()  # "audio/ogg; codecs=opus" is audio/ogg
    return any(re.fullmatch(re.escape(a).replace(r"\*", ".*"), mimetype, re.IGNORECASE)
               for a in allowed)
