"""The Storage stand-in's HTTP API (see stack/storage/__init__.py for what it stands in for).

Routes are served at the root; the gateway maps /storage/v1/ onto them.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import time
import urllib.parse
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from aiohttp import BodyPartReader, HttpVersion11, web
from aiohttp.typedefs import Handler
from psycopg import AsyncConnection, errors
from psycopg.rows import DictRow, dict_row
from psycopg.types.json import Jsonb
from psycopg_pool import AsyncConnectionPool

from stack import keys
from stack.storage.inputs import (
    JSON_BODY_LIMIT,
    StorageError,
    boolean,
    clean,
    file_size_limit,
    integer,
    invalid,
    json_object,
    mime_allowed,
    mime_types,
    parse_json,
    string,
    strings,
)

log = logging.getLogger(__name__)

OBJECT_COLUMNS = "id, bucket_id, name, owner_id, metadata, user_metadata, version," \
                 " created_at, updated_at, last_accessed_at"
# Storage's own rule for keys: no control characters, no empty or dot segments.
VALID_KEY = re.compile(r"^(?!/)(?!.*//)(?!.*(^|/)\.\.?(/|$))[^\x00-\x1f\x7f\\]{1,1024}(?<!/)$")


@dataclass(frozen=True)
class Settings:
    database_url: str
    jwt_secret: str
    data_dir: Path


SETTINGS = web.AppKey("settings", Settings)
# Every connection hands out rows as dicts (row_factory=dict_row, set when it connects).
POOL = web.AppKey("pool", AsyncConnectionPool[AsyncConnection[DictRow]])
# Each route's operation name, as Storage names it (src/http/routes/operations.ts).
OPERATIONS = web.AppKey("operations", dict[web.AbstractRoute, str])
CLAIMS = "storage.claims"  # the caller's verified JWT claims, set before the handler runs
# Uploads to a bucket without a file_size_limit stop here (Storage has a global limit too).
GLOBAL_FILE_SIZE_LIMIT = 1 << 30
# A multipart field other than the file (metadata, cacheControl) is small.
FORM_FIELD_LIMIT = 64 << 10


def error_response(e: StorageError) -> web.Response:
    body = {"statusCode": str(e.status), "error": e.error, "message": e.message}
    return web.json_response(body, status=e.status)


def not_found(what: str = "Object") -> StorageError:
    return StorageError(404, "not_found", f"{what} not found")


# ---------------------------------------------------------------------------
# Who is asking: every query runs as the JWT's role, with its claims
# ---------------------------------------------------------------------------

def authenticate(request: web.Request) -> dict[str, Any]:
    """The caller's claims from the Authorization bearer token (or the apikey header): HS256
    with the stack's secret, not expired, with a role Storage knows. Only headers are read."""
    header = request.headers.get("Authorization", "")
    token = header[7:] if header.lower().startswith("bearer ") else request.headers.get("apikey")
    if not token:
        raise StorageError(400, "Error", "headers must have required property 'authorization'")
    try:
        claims = keys.decode(token, request.config_dict[SETTINGS].jwt_secret)
    except jwt.ExpiredSignatureError as e:
        raise StorageError(400, "InvalidJWT", "jwt expired") from e
    except jwt.InvalidSignatureError as e:
        raise StorageError(400, "InvalidJWT", "invalid signature") from e
    except (jwt.PyJWTError, UnicodeError, ValueError) as e:
        raise StorageError(400, "InvalidJWT", f"jwt malformed: {e}") from e
    if claims.get("role") not in ("anon", "authenticated", "service_role"):
        raise StorageError(403, "Unauthorized", "unknown role")
    if not isinstance(claims.get("sub", ""), str):
        raise StorageError(400, "InvalidJWT", "jwt malformed: sub must be a string")
    return claims


def claims_of(request: web.Request) -> dict[str, Any]:
    claims: dict[str, Any] = request[CLAIMS]
    return claims


@contextlib.asynccontextmanager
async def as_caller(request: web.Request) -> AsyncIterator[AsyncConnection[DictRow]]:
    """A transaction that runs as the caller, the way Storage and PostgREST do."""
    claims = claims_of(request)
    async with request.config_dict[POOL].connection() as conn, conn.transaction():
        # As Supabase Storage scopes each request (src/internal/database/postgres/scope.ts):
        # policies may read the operation and the path as well as the claims.
        await conn.execute("select set_config('role', %s, true),"
                           " set_config('request.jwt.claims', %s, true),"
                           " set_config('request.method', %s, true),"
                           " set_config('request.path', %s, true),"
                           " set_config('storage.operation', %s, true)",
                           (claims["role"], json.dumps(claims), request.method,
                            request.raw_path.removeprefix(PREFIX),
                            request.config_dict[OPERATIONS].get(request.match_info.route, "")))
        try:
            yield conn
        except errors.InsufficientPrivilege as e:
            raise StorageError(403, "Unauthorized", e.diag.message_primary or str(e)) from e


async def json_body(request: web.Request) -> dict[str, Any]:
    """The body as a JSON object, read only up to JSON_BODY_LIMIT bytes."""
    if (request.content_length or 0) > JSON_BODY_LIMIT:
        raise StorageError(413, "Payload too large", "The request body exceeded 1 MiB")
    raw = bytearray()
    async for chunk in request.content.iter_any():
        raw += chunk
        if len(raw) > JSON_BODY_LIMIT:  # a chunked body declares no length
            raise StorageError(413, "Payload too large", "The request body exceeded 1 MiB")
    return json_object(bytes(raw))


def object_key(request: web.Request) -> tuple[str, str]:
    """Bucket and object name from the path exactly as the client sent it.

    Routers normalise paths ('a//b' to 'a/b', dot segments resolved), which
    would silently store an object under another name than asked: read the
    raw path instead, and refuse what Storage refuses.
    """
    bucket = request.match_info["bucket"]
    resource = request.match_info.route.resource
    assert resource is not None  # every object route is added by path, so it has one
    fixed = resource.canonical.split("{bucket}")[0] + bucket + "/"
    raw = request.raw_path.split("?", 1)[0]
    if not raw.startswith(fixed):
        raise StorageError(400, "InvalidKey", f"Invalid key: {raw}")
    try:
        name = urllib.parse.unquote(raw[len(fixed):], errors="strict")
    except UnicodeDecodeError as e:
        raise StorageError(400, "InvalidKey", "Invalid key: not valid UTF-8") from e
    if not VALID_KEY.match(name):
        raise StorageError(400, "InvalidKey", f"Invalid key: {name}")
    return bucket, name


def blob_path(request: web.Request, object_id: uuid.UUID | str) -> Path:
    return request.config_dict[SETTINGS].data_dir / "objects" / str(object_id)


async def bucket_row(request: web.Request, bucket_id: str) -> DictRow:
    """A bucket's rules, looked up as the service itself (not under the caller's RLS)."""
    async with request.config_dict[POOL].connection() as conn:
        row = await (await conn.execute(
            "select id, public, file_size_limit, allowed_mime_types from storage.buckets"
            " where id = %s", (bucket_id,))).fetchone()
    if row is None:
        raise not_found("Bucket")
    return row


# ---------------------------------------------------------------------------
# Objects
# ---------------------------------------------------------------------------

@dataclass
class Received:
    size: int
    mimetype: str
    cache_control: str
    etag: str
    user_metadata: dict[str, Any] | None


def too_large() -> StorageError:
    return StorageError(413, "Payload too large", "The object exceeded the maximum allowed size")


def check_mime(mimetype: str, bucket: DictRow) -> str:
    clean(mimetype, "headers/content-type")
    if not mime_allowed(mimetype, bucket["allowed_mime_types"]):
        raise StorageError(415, "invalid_mime_type", f"mime type {mimetype} is not supported")
    return mimetype


async def small_field(part: BodyPartReader) -> bytes:
    """A form field other than the file, read only up to FORM_FIELD_LIMIT."""
    data = bytearray()
    while chunk := await part.read_chunk(1 << 14):
        data += chunk
        if len(data) > FORM_FIELD_LIMIT:
            raise invalid(f"form/{part.name}", f"must be at most {FORM_FIELD_LIMIT} bytes")
    return bytes(data)


async def receive_body(request: web.Request, target: Path, bucket: DictRow,
                       limit: int) -> Received:
    """Stream the upload (multipart field `file`, or the raw body) to target, refusing it
    (413) as soon as it passes limit, and a type the bucket does not allow before any byte."""
    size, digest = 0, hashlib.md5()  # noqa: S324 (an ETag, not security)
    content_type = request.headers.get("Content-Type", "application/octet-stream")
    cache_control = request.headers.get("Cache-Control", "max-age=3600")
    metadata = None
    multipart = content_type.lower().startswith("multipart/form-data")
    if not multipart:
        check_mime(content_type, bucket)
        if (request.content_length or 0) > limit:  # refused without reading a byte
            raise too_large()
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "wb") as out:
        async def write(chunk: bytes) -> None:
            nonlocal size
            size += len(chunk)
            if size > limit:
                raise too_large()
            digest.update(chunk)
            out.write(chunk)

        if multipart:
            try:
                reader = await request.multipart()
                async for part in reader:
                    if not isinstance(part, BodyPartReader):
                        raise invalid("form", "fields may not themselves be multipart")
                    if part.name == "cacheControl":
                        seconds = (await small_field(part)).decode("utf-8", "replace").strip()
                        cache_control = f"max-age={clean(seconds, 'form/cacheControl')}"
                    elif part.name == "metadata":
                        metadata = parse_json(await small_field(part), "form/metadata")
                        if not isinstance(metadata, dict):
                            raise invalid("form/metadata", "must be object")
                    elif part.name == "file" or part.filename:
                        content_type = check_mime(
                            part.headers.get("Content-Type", "application/octet-stream"), bucket)
                        while chunk := await part.read_chunk(1 << 16):
                            await write(chunk)
            except (ValueError, AssertionError, KeyError) as e:
                # aiohttp's multipart reader says so for a missing boundary or a malformed part
                raise invalid("body", f"is not a valid multipart form: {e}") from e
        else:
            async for chunk in request.content.iter_chunked(1 << 16):
                await write(chunk)
    return Received(size, content_type, cache_control, digest.hexdigest(), metadata)


async def upload(request: web.Request) -> web.Response:
    bucket_id, name = object_key(request)
    upsert = request.method == "PUT" or request.headers.get("x-upsert", "") == "true"
    # The bucket's rules come first, so a body it would refuse is never read.
    bucket = await bucket_row(request, bucket_id)
    limit = min(bucket["file_size_limit"] or GLOBAL_FILE_SIZE_LIMIT, GLOBAL_FILE_SIZE_LIMIT)
    tmp = request.config_dict[SETTINGS].data_dir / "tmp" / uuid.uuid4().hex
    try:
        body = await receive_body(request, tmp, bucket, limit)
        async with as_caller(request) as conn:
            metadata = {"eTag": f'"{body.etag}"', "size": body.size, "mimetype": body.mimetype,
                        "cacheControl": body.cache_control, "contentLength": body.size,
                        "httpStatusCode": 200, "lastModified": time.strftime(
                            "%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())}
            owner = claims_of(request).get("sub")
            existing = await (await conn.execute(
                "select id from storage.objects where bucket_id = %s and name = %s",
                (bucket_id, name))).fetchone()
            if existing and not upsert:
                raise StorageError(409, "Duplicate", "The resource already exists")
            if request.method == "PUT" and not existing:
                raise not_found()
            version = uuid.uuid4().hex
            if existing:
                row = await (await conn.execute(
                    "update storage.objects set metadata = %s, user_metadata = %s, version = %s,"
                    " owner_id = %s, updated_at = now() where id = %s returning id",
                    (Jsonb(metadata), Jsonb(body.user_metadata), version, owner,
                     existing["id"]))).fetchone()
            else:
                row = await (await conn.execute(
                    "insert into storage.objects (bucket_id, name, owner, owner_id, metadata,"
                    " user_metadata, version) values (%s, %s, %s, %s, %s, %s, %s) returning id",
                    (bucket_id, name, owner if owner else None, owner, Jsonb(metadata),
                     Jsonb(body.user_metadata), version))).fetchone()
            if row is None:  # an update the policies hide (an insert they refuse raises)
                raise StorageError(403, "Unauthorized",
                                   "new row violates row-level security policy")
            os.replace(tmp, blob_path(request, row["id"]))
        return web.json_response({"Key": f"{bucket_id}/{name}", "Id": str(row["id"])})
    except errors.InsufficientPrivilege as e:
        raise StorageError(403, "Unauthorized", e.diag.message_primary or str(e)) from e
    finally:
        tmp.unlink(missing_ok=True)


async def visible_object(conn: AsyncConnection[DictRow], bucket_id: str, name: str) -> DictRow:
    row = await (await conn.execute(
        f"select {OBJECT_COLUMNS} from storage.objects where bucket_id = %s and name = %s",
        (bucket_id, name))).fetchone()
    if row is None:
        raise not_found()
    return row


def file_response(request: web.Request, row: DictRow) -> web.StreamResponse:
    path = blob_path(request, row["id"])
    if not path.exists():
        raise not_found()
    meta = row["metadata"] or {}
    headers = {"Content-Type": meta.get("mimetype", "application/octet-stream"),
               "Cache-Control": meta.get("cacheControl", "no-cache"),
               "ETag": meta.get("eTag", "")}
    if "download" in request.query:
        # Checked for control characters by the middleware; percent-encoded as Storage does,
        # so nothing the client chose can end the header or start another.
        filename = urllib.parse.quote(
            request.query["download"] or row["name"].rsplit("/", 1)[-1], safe="-_.!~*'()")
        headers["Content-Disposition"] = f"attachment; filename={filename};" \
                                         f" filename*=UTF-8''{filename}"
    return web.FileResponse(path, headers=headers)


async def download(request: web.Request) -> web.StreamResponse:
    bucket_id, name = object_key(request)
    async with as_caller(request) as conn:
        row = await visible_object(conn, bucket_id, name)
    return file_response(request, row)


async def download_public(request: web.Request) -> web.StreamResponse:
    bucket_id, name = object_key(request)
    async with request.config_dict[POOL].connection() as conn:
        bucket = await (await conn.execute(
            "select public from storage.buckets where id = %s", (bucket_id,))).fetchone()
        if not bucket or not bucket["public"]:
            raise not_found()
        row = await visible_object(conn, bucket_id, name)
    return file_response(request, row)


def object_json(row: DictRow) -> dict[str, Any]:
    return {"id": str(row["id"]), "name": row["name"], "bucket_id": row["bucket_id"],
            "version": row["version"], "metadata": row["metadata"],
            "user_metadata": row["user_metadata"],
            "created_at": row["created_at"].isoformat(),
            "updated_at": row["updated_at"].isoformat(),
            "last_accessed_at": row["last_accessed_at"].isoformat()}


async def info(request: web.Request) -> web.Response:
    bucket_id, name = object_key(request)
    async with as_caller(request) as conn:
        row = await visible_object(conn, bucket_id, name)
    meta = row["metadata"] or {}
    return web.json_response({**object_json(row), "size": meta.get("size"),
                              "content_type": meta.get("mimetype"),
                              "etag": meta.get("eTag"), "cache_control": meta.get("cacheControl")})


async def remove(request: web.Request) -> web.Response:
    bucket_id = request.match_info["bucket"]
    prefixes = strings(await json_body(request), "prefixes", min_items=1, required=True)
    async with as_caller(request) as conn:
        rows = await (await conn.execute(
            f"delete from storage.objects where bucket_id = %s and name = any(%s)"
            f" returning {OBJECT_COLUMNS}", (bucket_id, prefixes))).fetchall()
    for row in rows:
        blob_path(request, row["id"]).unlink(missing_ok=True)
    return web.json_response([object_json(r) for r in rows])


async def remove_one(request: web.Request) -> web.Response:
    bucket_id, name = object_key(request)
    async with as_caller(request) as conn:
        row = await (await conn.execute(
            "delete from storage.objects where bucket_id = %s and name = %s returning id",
            (bucket_id, name))).fetchone()
    if row is None:
        raise not_found()
    blob_path(request, row["id"]).unlink(missing_ok=True)
    return web.json_response({"message": "Successfully deleted"})


def like_prefix(text: str) -> str:
    """A LIKE pattern for "starts with text": its own wildcards and escapes taken literally."""
    return text.replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_") + "%"


async def list_objects(request: web.Request) -> web.Response:
    """One folder level under `prefix`: sub-folders (id null) then files, as Storage lists them."""
    bucket_id = request.match_info["bucket"]
    body = await json_body(request)
    prefix = (string(body, "prefix", default="") or "").strip("/")
    limit = min(integer(body, "limit", minimum=1, default=100) or 100, 1000)
    offset = integer(body, "offset", minimum=0, default=0) or 0
    search = string(body, "search", default="") or ""
    sort = body.get("sortBy") or {}
    if not isinstance(sort, dict):
        raise invalid("body/sortBy", "must be object")
    column = string(sort, "column", default="name", at="body/sortBy")
    if column not in ("name", "created_at", "updated_at", "last_accessed_at"):
        raise invalid("body/sortBy/column", "must be equal to one of the allowed values")
    order = string(sort, "order", default="asc", at="body/sortBy")
    if order not in ("asc", "desc"):
        raise invalid("body/sortBy/order", "must be equal to one of the allowed values")
    start = f"{prefix}/" if prefix else ""
    async with as_caller(request) as conn:
        rows = await (await conn.execute(
            f"""
            with level as (
              select split_part(substr(name, length(%(start)s) + 1), '/', 1) as entry,
                     position('/' in substr(name, length(%(start)s) + 1)) > 0 as is_folder,
                     {OBJECT_COLUMNS}
              from storage.objects
              where bucket_id = %(bucket)s and name like %(like)s
            )
            select distinct on (entry) entry, is_folder, id, name, metadata, created_at,
                   updated_at, last_accessed_at
            from level
            where entry ilike %(search)s
            order by entry, is_folder desc
            """,
            {"start": start, "bucket": bucket_id,
             "like": like_prefix(start), "search": like_prefix(search)})).fetchall()
    entries: list[dict[str, Any]] = []
    for r in rows:
        if r["is_folder"]:
            entries.append({"name": r["entry"], "id": None, "updated_at": None,
                            "created_at": None, "last_accessed_at": None, "metadata": None})
        else:
            entries.append({"name": r["entry"], "id": str(r["id"]),
                            "updated_at": r["updated_at"].isoformat(),
                            "created_at": r["created_at"].isoformat(),
                            "last_accessed_at": r["last_accessed_at"].isoformat(),
                            "metadata": r["metadata"]})
    key = {"name": "name"}.get(column, column)
    entries.sort(key=lambda e: (e["id"] is not None, e.get(key) or e["name"]),
                 reverse=order == "desc")
    return web.json_response(entries[offset:offset + limit])


async def move_or_copy(request: web.Request) -> web.Response:
    body = await json_body(request)
    bucket_id = string(body, "bucketId", required=True)
    source = string(body, "sourceKey", required=True)
    dest = string(body, "destinationKey", required=True)
    dest_bucket = string(body, "destinationBucket") or bucket_id
    assert bucket_id is not None and source is not None and dest is not None  # required
    for key in (source, dest):
        if not VALID_KEY.match(key):
            raise StorageError(400, "InvalidKey", f"Invalid key: {key}")
    copying = request.path.endswith("/copy")
    async with as_caller(request) as conn:
        row = await visible_object(conn, bucket_id, source)
        if copying:
            new = await (await conn.execute(
                "insert into storage.objects (bucket_id, name, owner, owner_id, metadata,"
                " user_metadata, version) select %s, %s, owner, owner_id, metadata,"
                " user_metadata, version from storage.objects where id = %s returning id",
                (dest_bucket, dest, row["id"]))).fetchone()
            if new is None:  # the source row, just read, is gone
                raise not_found()
            blob = blob_path(request, row["id"]).read_bytes()
            blob_path(request, new["id"]).write_bytes(blob)
            return web.json_response({"Key": f"{dest_bucket}/{dest}", "Id": str(new["id"])})
        moved = await (await conn.execute(
            "update storage.objects set bucket_id = %s, name = %s, updated_at = now()"
            " where id = %s returning id", (dest_bucket, dest, row["id"]))).fetchone()
        if moved is None:
            raise StorageError(403, "Unauthorized", "new row violates row-level security policy")
    return web.json_response({"message": "Successfully moved"})


# ---------------------------------------------------------------------------
# Signed URLs
# ---------------------------------------------------------------------------

# Ten years: past this a signed URL is no expiry at all (and exp stays a plain integer).
MAX_EXPIRES_IN = 10 * 365 * 24 * 3600


def _expires_in(body: dict[str, Any]) -> int:
    seconds = integer(body, "expiresIn", minimum=1, maximum=MAX_EXPIRES_IN, required=True)
    assert seconds is not None  # required
    return seconds


def sign_token(settings: Settings, url: str, seconds: int) -> str:
    now = int(time.time())
    return jwt.encode({"url": url, "iat": now, "exp": now + seconds}, settings.jwt_secret,
                      algorithm="HS256")


async def sign_one(request: web.Request) -> web.Response:
    bucket_id, name = object_key(request)
    seconds = _expires_in(await json_body(request))
    async with as_caller(request) as conn:
        await visible_object(conn, bucket_id, name)  # the caller must be able to read it
    token = sign_token(request.config_dict[SETTINGS], f"{bucket_id}/{name}", seconds)
    return web.json_response({"signedURL": f"/object/sign/{bucket_id}/{name}?token={token}"})


async def sign_many(request: web.Request) -> web.Response:
    bucket_id = request.match_info["bucket"]
    body = await json_body(request)
    seconds = _expires_in(body)
    paths = strings(body, "paths", min_items=1, required=True)
    assert paths is not None  # required
    async with as_caller(request) as conn:
        visible = {r["name"] for r in await (await conn.execute(
            "select name from storage.objects where bucket_id = %s and name = any(%s)",
            (bucket_id, paths))).fetchall()}
    result = []
    for path in paths:
        if path in visible:
            token = sign_token(request.config_dict[SETTINGS], f"{bucket_id}/{path}", seconds)
            result.append({"error": None, "path": path,
                           "signedURL": f"/object/sign/{bucket_id}/{path}?token={token}"})
        else:
            result.append({"error": "Either the object does not exist or you do not have"
                                    " access to it", "path": path, "signedURL": None})
    return web.json_response(result)


async def serve_signed(request: web.Request) -> web.StreamResponse:
    bucket_id, name = object_key(request)
    token = request.query.get("token", "")
    if not token:
        raise StorageError(400, "Error", "querystring must have required property 'token'")
    try:
        claims = jwt.decode(token, request.config_dict[SETTINGS].jwt_secret, algorithms=["HS256"],
                            options={"require": ["exp", "url"]})
    except jwt.ExpiredSignatureError as e:
        raise StorageError(400, "InvalidJWT", "jwt expired") from e
    except (jwt.PyJWTError, UnicodeError, ValueError) as e:
        raise StorageError(400, "InvalidJWT", str(e)) from e
    if claims["url"] != f"{bucket_id}/{name}":
        raise StorageError(400, "InvalidSignature", "The url do not match the signature")
    async with request.config_dict[POOL].connection() as conn:
        row = await visible_object(conn, bucket_id, name)
    return file_response(request, row)


# ---------------------------------------------------------------------------
# Buckets
# ---------------------------------------------------------------------------

def bucket_json(row: DictRow) -> dict[str, Any]:
    return {"id": row["id"], "name": row["name"], "owner": row["owner_id"] or "",
            "public": row["public"], "file_size_limit": row["file_size_limit"],
            "allowed_mime_types": row["allowed_mime_types"],
            "created_at": row["created_at"].isoformat(),
            "updated_at": row["updated_at"].isoformat()}


BUCKET_COLUMNS = "id, name, owner_id, public, file_size_limit, allowed_mime_types," \
                 " created_at, updated_at"


async def list_buckets(request: web.Request) -> web.Response:
    async with as_caller(request) as conn:
        rows = await (await conn.execute(
            f"select {BUCKET_COLUMNS} from storage.buckets order by name")).fetchall()
    return web.json_response([bucket_json(r) for r in rows])


async def get_bucket(request: web.Request) -> web.Response:
    async with as_caller(request) as conn:
        row = await (await conn.execute(
            f"select {BUCKET_COLUMNS} from storage.buckets where id = %s",
            (request.match_info["bucket"],))).fetchone()
    if row is None:
        raise not_found("Bucket")
    return web.json_response(bucket_json(row))


async def create_bucket(request: web.Request) -> web.Response:
    body = await json_body(request)
    name = string(body, "name")
    bucket_id = string(body, "id") or name
    if not bucket_id or not re.fullmatch(r"[a-z0-9][a-z0-9._-]{1,62}", bucket_id):
        raise StorageError(400, "InvalidBucketName", f"Bucket name invalid: {bucket_id}")
    public, size_limit, types = boolean(body, "public"), file_size_limit(body), mime_types(body)
    async with as_caller(request) as conn:
        try:
            await conn.execute(
                "insert into storage.buckets (id, name, owner_id, public, file_size_limit,"
                " allowed_mime_types) values (%s, %s, %s, %s, %s, %s)",
                (bucket_id, name or bucket_id, claims_of(request).get("sub"),
                 bool(public), size_limit, types))
        except errors.UniqueViolation as e:
            raise StorageError(409, "Duplicate", "The resource already exists") from e
    return web.json_response({"name": bucket_id})


async def update_bucket(request: web.Request) -> web.Response:
    body = await json_body(request)
    public, size_limit, types = boolean(body, "public"), file_size_limit(body), mime_types(body)
    async with as_caller(request) as conn:
        row = await (await conn.execute(
            "update storage.buckets set public = coalesce(%s, public),"
            " file_size_limit = %s, allowed_mime_types = %s, updated_at = now()"
            " where id = %s returning id",
            (public, size_limit, types, request.match_info["bucket"]))).fetchone()
    if row is None:
        raise not_found("Bucket")
    return web.json_response({"message": "Successfully updated"})


async def empty_bucket(request: web.Request) -> web.Response:
    async with as_caller(request) as conn:
        rows = await (await conn.execute(
            "delete from storage.objects where bucket_id = %s returning id",
            (request.match_info["bucket"],))).fetchall()
    for row in rows:
        blob_path(request, row["id"]).unlink(missing_ok=True)
    return web.json_response({"message": "Successfully emptied"})


async def delete_bucket(request: web.Request) -> web.Response:
    async with as_caller(request) as conn:
        left = await (await conn.execute(
            "select 1 from storage.objects where bucket_id = %s limit 1",
            (request.match_info["bucket"],))).fetchone()
        if left:
            raise StorageError(409, "InvalidRequest", "The bucket you tried to delete is not empty")
        row = await (await conn.execute(
            "delete from storage.buckets where id = %s returning id",
            (request.match_info["bucket"],))).fetchone()
    if row is None:
        raise not_found("Bucket")
    return web.json_response({"message": "Successfully deleted"})


# ---------------------------------------------------------------------------
# Wiring
# ---------------------------------------------------------------------------

async def health(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


# The routes that take no JWT: a signed URL's token is its proof, a public bucket needs none.
OPEN_HANDLERS = frozenset({health, serve_signed, download_public})
# Request headers whose values the stand-in stores or acts on.
CHECKED_HEADERS = ("content-type", "cache-control", "x-upsert")
CHECKED = "storage.checked"


def check_request(request: web.Request) -> None:
    """What can be judged from the request line and headers alone, before any byte of the
    body: the route exists, path parameters, query and headers are clean, and (unless the
    route is open) the caller's JWT holds."""
    if request.get(CHECKED):
        return
    match = request.match_info
    if match.http_exception is not None:
        e = match.http_exception
        raise StorageError(e.status, "not_found" if e.status == 404 else e.reason,
                           f"Route {request.method}:{request.path} {e.reason.lower()}")
    for key, value in match.items():
        if key != "name":  # object_key reads the name from the raw path
            clean(value, f"params/{key}")
    try:
        query = urllib.parse.parse_qsl(request.rel_url.raw_query_string, keep_blank_values=True,
                                       errors="strict")
    except UnicodeDecodeError as e:
        raise invalid("querystring", "is not valid UTF-8") from e
    for key, value in query:
        clean(key, "querystring")
        clean(value, f"querystring/{key}")
    for header in CHECKED_HEADERS:
        if header in request.headers:
            clean(request.headers[header], f"headers/{header}")
    if match.handler not in OPEN_HANDLERS:
        request[CLAIMS] = authenticate(request)
    request[CHECKED] = True


def refusal(request: web.Request, e: StorageError) -> web.Response:
    response = error_response(e)
    if not request.content.at_eof():
        # The body is left unread: say so, and the connection closes after this answer
        # (lingering_time=0) instead of draining whatever the client still sends.
        response.force_close()
    return response


async def expect_continue(request: web.Request) -> web.StreamResponse | None:
    """`Expect: 100-continue`: the client waits for our word before sending the body, so
    refuse here, and only invite the body once the request passes check_request."""
    if request.headers.get("Expect", "").lower() != "100-continue":
        return refusal(request, StorageError(417, "Error", "headers/expect must be 100-continue"))
    try:
        check_request(request)
    except StorageError as e:
        return refusal(request, e)
    if request.version == HttpVersion11:
        await request.writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        request.writer.output_size = 0  # as aiohttp's own handler: the answer is yet to come
    return None


@web.middleware
async def storage_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every refusal in Storage's shape, decided on the headers before the handler reads a
    byte of the body; nothing a client sends may end in a 5xx."""
    try:
        check_request(request)
        response = await handler(request)
    except StorageError as e:
        return refusal(request, e)
    except web.HTTPException as e:  # aiohttp's own (413 from read(), 405...)
        if e.status < 400:
            raise
        return refusal(request, StorageError(e.status, e.reason, e.text or e.reason))
    except errors.DataError as e:
        # Input the database will not take (a NUL psycopg refuses, a number out of range) is
        # still input: the checks above should catch it first, this is the net below them.
        return refusal(request, StorageError(400, "InvalidRequest",
                                             e.diag.message_primary or str(e)))
    except ConnectionError:
        # The client went away mid-body: likely nobody to read this, and not our failure.
        return refusal(request, StorageError(400, "Error", "body ended before it was complete"))
    except Exception:
        log.exception("Storage stand-in: %s %s failed", request.method, request.path)
        return refusal(request, StorageError(500, "Internal", "Internal Server Error"))
    if not request.content.at_eof():
        response.force_close()
    return response


PREFIX = "/storage/v1"


def build_app(settings: Settings) -> web.Application:
    """Served under /storage/v1 itself, so the gateway can pass paths on untouched.

    lingering_time=0: when a handler answers without reading the whole body (a refusal),
    aiohttp closes the connection instead of reading and discarding the rest for seconds.
    """
    # The middleware sits on the root, so a path outside /storage/v1 gets Storage's shape too.
    root = web.Application(middlewares=[storage_errors], client_max_size=JSON_BODY_LIMIT,
                           handler_args={"lingering_time": 0})
    app = web.Application(client_max_size=JSON_BODY_LIMIT)
    root[SETTINGS] = settings
    for sub in ("objects", "tmp"):
        (settings.data_dir / sub).mkdir(parents=True, exist_ok=True)

    async def pool_context(app: web.Application) -> AsyncIterator[None]:
        # check: a connection that died with a PostgreSQL restart is replaced, not handed out.
        pool = AsyncConnectionPool(settings.database_url, min_size=1, max_size=10, open=False,
                                   connection_class=AsyncConnection[DictRow],
                                   kwargs={"row_factory": dict_row},
                                   check=AsyncConnectionPool.check_connection)
        await pool.open(wait=True, timeout=30)
        root[POOL] = pool
        yield
        await pool.close()

    root.cleanup_ctx.append(pool_context)
    # {name:[\s\S]+}: any character, a newline too, so that object_key judges every name
    # (an InvalidKey 400) rather than the router turning some into a 404.
    routes: list[tuple[str, str, Handler, str]] = [
        ("GET", "/status", health, ""),
        ("GET", "/bucket", list_buckets, "storage.bucket.list"),
        ("POST", "/bucket", create_bucket, "storage.bucket.create"),
        ("GET", "/bucket/{bucket}", get_bucket, "storage.bucket.get"),
        ("PUT", "/bucket/{bucket}", update_bucket, "storage.bucket.update"),
        ("DELETE", "/bucket/{bucket}", delete_bucket, "storage.bucket.delete"),
        ("POST", "/bucket/{bucket}/empty", empty_bucket, "storage.bucket.empty"),
        ("POST", "/object/move", move_or_copy, "storage.object.move"),
        ("POST", "/object/copy", move_or_copy, "storage.object.copy"),
        ("POST", "/object/list/{bucket}", list_objects, "storage.object.list"),
        ("POST", "/object/sign/{bucket}", sign_many, "storage.object.sign_many"),
        ("POST", r"/object/sign/{bucket}/{name:[\s\S]+}", sign_one, "storage.object.sign"),
        ("GET", r"/object/sign/{bucket}/{name:[\s\S]+}", serve_signed,
         "storage.object.get_signed"),
        ("GET", r"/object/public/{bucket}/{name:[\s\S]+}", download_public,
         "storage.object.get_public"),
        ("GET", r"/object/authenticated/{bucket}/{name:[\s\S]+}", download,
         "storage.object.get_authenticated"),
        ("GET", r"/object/info/{bucket}/{name:[\s\S]+}", info,
         "storage.object.info_authenticated"),
        ("DELETE", "/object/{bucket}", remove, "storage.object.delete_many"),
        ("POST", r"/object/{bucket}/{name:[\s\S]+}", upload, "storage.object.upload"),
        ("PUT", r"/object/{bucket}/{name:[\s\S]+}", upload, "storage.object.upload_update"),
        ("GET", r"/object/{bucket}/{name:[\s\S]+}", download,
         "storage.object.get_authenticated"),
        ("DELETE", r"/object/{bucket}/{name:[\s\S]+}", remove_one, "storage.object.delete"),
    ]
    operations: dict[web.AbstractRoute, str] = {}
    for method, path, handler, operation in routes:
        route = app.router.add_route(method, path, handler, expect_handler=expect_continue)
        operations[route] = operation
    root[OPERATIONS] = operations
    root.add_subapp(PREFIX, app)
    return root
