"""The Storage stand-in's HTTP API (see stack/storage/__init__.py for what it stands in for).

Routes are served at the root; the gateway maps /storage/v1/ onto them.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
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
from aiohttp import BodyPartReader, web
from aiohttp.typedefs import Handler
from psycopg import AsyncConnection, errors
from psycopg.rows import DictRow, dict_row
from psycopg.types.json import Jsonb
from psycopg_pool import AsyncConnectionPool

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


class StorageError(Exception):
    """Storage's error body: {"statusCode": "<status>", "error": ..., "message": ...}."""

    def __init__(self, status: int, error: str, message: str):
        super().__init__(message)
        self.status, self.error, self.message = status, error, message

    def response(self) -> web.Response:
        body = {"statusCode": str(self.status), "error": self.error, "message": self.message}
        return web.json_response(body, status=self.status)


def not_found(what: str = "Object") -> StorageError:
    return StorageError(404, "not_found", f"{what} not found")


# ---------------------------------------------------------------------------
# Who is asking: every query runs as the JWT's role, with its claims
# ---------------------------------------------------------------------------

def claims_of(request: web.Request) -> dict[str, Any]:
    header = request.headers.get("Authorization", "")
    token = header[7:] if header.lower().startswith("bearer ") else request.headers.get("apikey")
    if not token:
        raise StorageError(400, "Error", "headers must have required property 'authorization'")
    try:
        claims = jwt.decode(token, request.config_dict[SETTINGS].jwt_secret, algorithms=["HS256"],
                            options={"verify_aud": False})
    except jwt.PyJWTError as e:
        raise StorageError(400, "InvalidJWT", str(e)) from e
    if claims.get("role") not in ("anon", "authenticated", "service_role"):
        raise StorageError(403, "Unauthorized", "unknown role")
    return claims


@contextlib.asynccontextmanager
async def as_caller(request: web.Request) -> AsyncIterator[AsyncConnection[DictRow]]:
    """A transaction that runs as the caller, the way Storage and PostgREST do."""
    claims = claims_of(request)
    async with request.config_dict[POOL].connection() as conn, conn.transaction():
        await conn.execute("select set_config('role', %s, true),"
                           " set_config('request.jwt.claims', %s, true)",
                           (claims["role"], json.dumps(claims)))
        try:
            yield conn
        except errors.InsufficientPrivilege as e:
            raise StorageError(403, "Unauthorized", e.diag.message_primary or str(e)) from e


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
    name = urllib.parse.unquote(raw[len(fixed):])
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


async def receive_body(request: web.Request, target: Path) -> Received:
    """Stream the upload (multipart field `file`, or the raw body) to target."""
    size, digest = 0, hashlib.md5()  # noqa: S324 (an ETag, not security)
    content_type = request.headers.get("Content-Type", "application/octet-stream")
    cache_control = request.headers.get("Cache-Control", "max-age=3600")
    metadata = None
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "wb") as out:
        if content_type.startswith("multipart/form-data"):
            reader = await request.multipart()
            async for part in reader:
                if not isinstance(part, BodyPartReader):
                    raise StorageError(400, "Error", "A form field may not itself be multipart")
                if part.name == "cacheControl":
                    cache_control = f"max-age={(await part.text()).strip()}"
                elif part.name == "metadata":
                    metadata = json.loads(await part.text())
                elif part.name == "file" or part.filename:
                    content_type = part.headers.get("Content-Type", "application/octet-stream")
                    while chunk := await part.read_chunk(1 << 16):
                        size += len(chunk)
                        digest.update(chunk)
                        out.write(chunk)
        else:
            async for chunk in request.content.iter_chunked(1 << 16):
                size += len(chunk)
                digest.update(chunk)
                out.write(chunk)
    return Received(size, content_type, cache_control, digest.hexdigest(), metadata)


async def upload(request: web.Request) -> web.Response:
    bucket_id, name = object_key(request)
    upsert = request.method == "PUT" or request.headers.get("x-upsert", "") == "true"
    tmp = request.config_dict[SETTINGS].data_dir / "tmp" / uuid.uuid4().hex
    try:
        body = await receive_body(request, tmp)
        bucket = await bucket_row(request, bucket_id)
        if bucket["file_size_limit"] and body.size > bucket["file_size_limit"]:
            raise StorageError(413, "Payload too large",
                               "The object exceeded the maximum allowed size")
        allowed = bucket["allowed_mime_types"]
        if allowed and not any(re.fullmatch(a.replace("*", ".*"), body.mimetype)
                               for a in allowed):
            raise StorageError(415, "invalid_mime_type",
                               f"mime type {body.mimetype} is not supported")
        async with as_caller(request) as conn:
            metadata = {"eTag": f'"{body.etag}"', "size": body.size, "mimetype": body.mimetype,
                        "cacheControl": body.cache_control, "contentLength": body.size,
                        "httpStatusCode": 200, "lastModified": time.strftime(
                            "%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())}
            claims = claims_of(request)
            owner = claims.get("sub")
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
        filename = request.query["download"] or row["name"].rsplit("/", 1)[-1]
        headers["Content-Disposition"] = f'attachment; filename="{filename}"'
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
    body = await request.json()
    prefixes = body.get("prefixes") if isinstance(body, dict) else None
    if not isinstance(prefixes, list) or not all(isinstance(p, str) for p in prefixes):
        raise StorageError(400, "Error", "body must have required property 'prefixes'")
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


async def list_objects(request: web.Request) -> web.Response:
    """One folder level under `prefix`: sub-folders (id null) then files, as Storage lists them."""
    bucket_id = request.match_info["bucket"]
    body = await request.json()
    prefix = (body.get("prefix") or "").strip("/")
    limit = min(int(body.get("limit") or 100), 1000)
    offset = int(body.get("offset") or 0)
    search = body.get("search") or ""
    sort: dict[str, Any] = body.get("sortBy") or {}
    column: str = sort["column"] if sort.get("column") in ("name", "created_at",
                                                          "updated_at") else "name"
    order = "desc" if str(sort.get("order", "asc")).lower() == "desc" else "asc"
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
             "like": start.replace("%", r"\%").replace("_", r"\_") + "%",
             "search": f"{search}%"})).fetchall()
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
    body = await request.json()
    bucket_id = body.get("bucketId")
    source, dest = body.get("sourceKey"), body.get("destinationKey")
    dest_bucket = body.get("destinationBucket") or bucket_id
    for key in (source, dest):
        if not isinstance(key, str) or not VALID_KEY.match(key):
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

def _expires_in(body: dict[str, Any]) -> int:
    try:
        seconds = int(body["expiresIn"])
    except (KeyError, TypeError, ValueError) as e:
        raise StorageError(400, "Error", "expiresIn must be a number of seconds") from e
    if seconds < 1:
        raise StorageError(400, "Error", "expiresIn must be at least 1")
    return seconds


def sign_token(settings: Settings, url: str, seconds: int) -> str:
    now = int(time.time())
    return jwt.encode({"url": url, "iat": now, "exp": now + seconds}, settings.jwt_secret,
                      algorithm="HS256")


async def sign_one(request: web.Request) -> web.Response:
    bucket_id, name = object_key(request)
    seconds = _expires_in(await request.json())
    async with as_caller(request) as conn:
        await visible_object(conn, bucket_id, name)  # the caller must be able to read it
    token = sign_token(request.config_dict[SETTINGS], f"{bucket_id}/{name}", seconds)
    return web.json_response({"signedURL": f"/object/sign/{bucket_id}/{name}?token={token}"})


async def sign_many(request: web.Request) -> web.Response:
    bucket_id = request.match_info["bucket"]
    body = await request.json()
    seconds = _expires_in(body)
    paths = body.get("paths")
    if not isinstance(paths, list):
        raise StorageError(400, "Error", "body must have required property 'paths'")
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
    try:
        claims = jwt.decode(token, request.config_dict[SETTINGS].jwt_secret, algorithms=["HS256"],
                            options={"require": ["exp", "url"]})
    except jwt.ExpiredSignatureError as e:
        raise StorageError(400, "InvalidJWT", "jwt expired") from e
    except jwt.PyJWTError as e:
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
    body = await request.json()
    bucket_id = body.get("id") or body.get("name")
    if not isinstance(bucket_id, str) or not re.fullmatch(r"[a-z0-9][a-z0-9._-]{1,62}", bucket_id):
        raise StorageError(400, "InvalidBucketName", f"Bucket name invalid: {bucket_id}")
    async with as_caller(request) as conn:
        try:
            await conn.execute(
                "insert into storage.buckets (id, name, owner_id, public, file_size_limit,"
                " allowed_mime_types) values (%s, %s, %s, %s, %s, %s)",
                (bucket_id, body.get("name") or bucket_id, claims_of(request).get("sub"),
                 bool(body.get("public")), body.get("file_size_limit"),
                 body.get("allowed_mime_types")))
        except errors.UniqueViolation as e:
            raise StorageError(409, "Duplicate", "The resource already exists") from e
    return web.json_response({"name": bucket_id})


async def update_bucket(request: web.Request) -> web.Response:
    body = await request.json()
    async with as_caller(request) as conn:
        row = await (await conn.execute(
            "update storage.buckets set public = coalesce(%s, public),"
            " file_size_limit = %s, allowed_mime_types = %s, updated_at = now()"
            " where id = %s returning id",
            (body.get("public"), body.get("file_size_limit"), body.get("allowed_mime_types"),
             request.match_info["bucket"]))).fetchone()
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

@web.middleware
async def storage_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except StorageError as e:
        return e.response()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return StorageError(400, "Error", "Body is not valid JSON").response()


async def health(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


PREFIX = "/storage/v1"


def build_app(settings: Settings) -> web.Application:
    """Served under /storage/v1 itself, so the gateway can pass paths on untouched."""
    root = web.Application(client_max_size=1 << 30)
    app = web.Application(middlewares=[storage_errors], client_max_size=1 << 30)
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
    r = app.router
    r.add_get("/status", health)
    r.add_get("/bucket", list_buckets)
    r.add_post("/bucket", create_bucket)
    r.add_get("/bucket/{bucket}", get_bucket)
    r.add_put("/bucket/{bucket}", update_bucket)
    r.add_delete("/bucket/{bucket}", delete_bucket)
    r.add_post("/bucket/{bucket}/empty", empty_bucket)
    r.add_post("/object/move", move_or_copy)
    r.add_post("/object/copy", move_or_copy)
    r.add_post("/object/list/{bucket}", list_objects)
    r.add_post("/object/sign/{bucket}", sign_many)
    r.add_post("/object/sign/{bucket}/{name:.+}", sign_one)
    r.add_get("/object/sign/{bucket}/{name:.+}", serve_signed)
    r.add_get("/object/public/{bucket}/{name:.+}", download_public)
    r.add_get("/object/authenticated/{bucket}/{name:.+}", download)
    r.add_get("/object/info/{bucket}/{name:.+}", info)
    r.add_delete("/object/{bucket}", remove)
    r.add_post("/object/{bucket}/{name:.+}", upload)
    r.add_put("/object/{bucket}/{name:.+}", upload)
    r.add_get("/object/{bucket}/{name:.+}", download)
    r.add_delete("/object/{bucket}/{name:.+}", remove_one)
    root.add_subapp(PREFIX, app)
    return root
