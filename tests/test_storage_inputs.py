"""The Storage stand-in refuses what it must before reading a body, and answers every bad input
with a 4xx in Storage's error shape, never a 5xx (issue 12, items 7 and 8).

These talk to a stand-in process of their own, straight to its port (not through the gateway),
with its own data and temporary directories, so the tests can see that nothing reached disk.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest

from stack.config import PROJECT_DIR, StackConfig, free_port

BUCKET = "test-inputs"
LIMITED = "test-inputs-limited"
FUZZED = "test-inputs-fuzzed"  # its settings are what the fuzz below may change
LIMIT = 1 << 20
BIG = 40 * 1024 * 1024


@dataclass(frozen=True)
class StandIn:
    port: int
    data_dir: Path
    tmp_dir: Path
    secret: str

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/storage/v1"

    def token(self, role: str = "service_role", **claims: Any) -> str:
        now = int(time.time())
        return jwt.encode({"role": role, "iat": now, "exp": now + 600, **claims}, self.secret,
                          algorithm="HS256")

    def files_on_disk(self) -> list[Path]:
        """Every file under the data directory (objects, tmp) and the process's TMPDIR."""
        return sorted(p for d in (self.data_dir, self.tmp_dir) for p in d.rglob("*")
                      if p.is_file())


@pytest.fixture(scope="module")
def standin(stack: StackConfig) -> Iterator[StandIn]:
    root = Path(tempfile.mkdtemp(prefix="storage-inputs-"))
    data_dir, tmp_dir = root / "data", root / "tmp"
    tmp_dir.mkdir()
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(PROJECT_DIR), "TMPDIR": str(tmp_dir),
           "STORAGE_DATABASE_URL": stack.db_url("supabase_storage_admin"),
           "STORAGE_JWT_SECRET": stack.jwt_secret, "STORAGE_DATA_DIR": str(data_dir),
           "STORAGE_PORT": str(port)}
    log = open(root / "storage.log", "wb")  # noqa: SIM115 (closed below, after the process)
    process = subprocess.Popen([sys.executable, "-m", "stack.storage"], env=env, cwd=PROJECT_DIR,
                               stdout=log, stderr=subprocess.STDOUT)
    server = StandIn(port, data_dir, tmp_dir, stack.jwt_secret)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{server.url}/status", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None, (root / "storage.log").read_text()
            assert time.monotonic() < deadline, "the Storage stand-in did not start"
            time.sleep(0.2)
        service = {"Authorization": f"Bearer {server.token()}"}
        for bucket, limit in ((BUCKET, None), (LIMITED, LIMIT), (FUZZED, None)):
            created = httpx.post(f"{server.url}/bucket", headers=service, json={
                "id": bucket, "name": bucket, "public": False, "file_size_limit": limit})
            assert created.status_code == 200, created.text
        yield server
        for bucket in (BUCKET, LIMITED, FUZZED):
            httpx.post(f"{server.url}/bucket/{bucket}/empty", headers=service)
            httpx.delete(f"{server.url}/bucket/{bucket}", headers=service)
        server_log = (root / "storage.log").read_text()
        # A handler that failed on input would have logged it; none may. The only tracebacks
        # allowed are aiohttp's HTTP parser refusing a malformed message (a 400).
        assert "failed" not in server_log, server_log
        parser_refusals = re.findall(r"^aiohttp\.http_exceptions\.\w+: 400", server_log,
                                     re.MULTILINE)
        assert server_log.count("Traceback") == len(parser_refusals), server_log
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


# ---------------------------------------------------------------------------
# Raw HTTP, to control exactly what is sent and see when the server answers and closes
# ---------------------------------------------------------------------------

@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes
    closed: bool  # the server closed the connection after answering

    def json(self) -> Any:
        return json.loads(self.body)


def read_answer(sock: socket.socket, data: bytes = b"") -> tuple[Answer, bytes]:
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise AssertionError(f"connection closed before an answer: {data!r}")
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:])}
    length = int(headers.get("content-length", "0"))
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        rest += chunk
    return Answer(status, headers, rest[:length], False), rest[length:]


def closed_by_server(sock: socket.socket) -> bool:
    sock.settimeout(3)
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False


def raw(standin: StandIn, head: str | bytes, body: bytes = b"", *,
        see_close: bool = True) -> Answer:
    """Send one request (head, then body if any) and read the answer; with see_close, wait
    (up to 3 s) to see whether the server closes the connection after it."""
    head_bytes = head.encode("latin-1") if isinstance(head, str) else head
    with socket.create_connection(("127.0.0.1", standin.port), timeout=10) as sock:
        sock.sendall(head_bytes + body)
        answer, _ = read_answer(sock)
        answer.closed = see_close and closed_by_server(sock)
    return answer


def upload_head(name: str, length: int, headers: dict[str, str],
                bucket: str = BUCKET) -> str:
    lines = [f"POST /storage/v1/object/{bucket}/{name} HTTP/1.1", "Host: 127.0.0.1",
             "Content-Type: application/octet-stream", f"Content-Length: {length}",
             *(f"{k}: {v}" for k, v in headers.items())]
    return "\r\n".join(lines) + "\r\n\r\n"


def assert_storage_error(status: int, body: Any, expected: int | None = None) -> None:
    assert 400 <= status < 500, (status, body)
    if expected is not None:
        assert status == expected, (status, body)
    assert isinstance(body, dict) and set(body) == {"statusCode", "error", "message"}, body
    assert body["statusCode"] == str(status), body
    assert isinstance(body["error"], str) and isinstance(body["message"], str), body


# ---------------------------------------------------------------------------
# Item 8: no JWT, no body
# ---------------------------------------------------------------------------

def bad_tokens(standin: StandIn) -> dict[str, dict[str, str]]:
    now = int(time.time())
    return {
        "no JWT": {},
        "bad signature": {"Authorization": "Bearer " + jwt.encode(
            {"role": "service_role", "exp": now + 600}, "not-the-secret-" * 3,
            algorithm="HS256")},
        "expired": {"Authorization": "Bearer " + standin.token(exp=now - 60)},
        "no expiry": {"Authorization": "Bearer " + jwt.encode(
            {"role": "service_role"}, standin.secret, algorithm="HS256")},
        "unknown role": {"Authorization": "Bearer " + standin.token(role="postgres")},
        "garbage": {"Authorization": "Bearer not.a.jwt"},
    }


@pytest.mark.parametrize("case", ["no JWT", "bad signature", "expired", "no expiry",
                                  "unknown role", "garbage"])
def test_an_unauthenticated_upload_is_refused_before_its_body(standin, case):
    headers = bad_tokens(standin)[case]
    before = standin.files_on_disk()
    # Headers only, announcing 40 MB that never come: the answer cannot wait for the body.
    started = time.monotonic()
    answer = raw(standin, upload_head(f"{case}.bin".replace(" ", "-"), BIG, headers))
    assert time.monotonic() - started < 5  # the closed_by_server wait is at most 3 s
    assert_storage_error(answer.status, answer.json())
    assert answer.status in (400, 403)
    assert answer.headers.get("connection", "").lower() == "close"
    assert answer.closed  # answered and closed, not left waiting for 40 MB

    # A client that does send the 40 MB (as a plain client would) is answered just as fast.
    started = time.monotonic()
    sent = httpx.post(f"{standin.url}/object/{BUCKET}/{case.replace(' ', '-')}-2.bin",
                      content=os.urandom(BIG), headers=headers, timeout=30)
    elapsed = time.monotonic() - started
    assert_storage_error(sent.status_code, sent.json())
    assert elapsed < 5, elapsed
    assert standin.files_on_disk() == before  # nothing written, not even a temporary file


def test_the_refusals_name_what_is_wrong(standin):
    tokens = bad_tokens(standin)
    messages = {case: raw(standin, upload_head("x.bin", BIG, tokens[case])).json()
                for case in ("no JWT", "bad signature", "expired", "unknown role")}
    assert messages["no JWT"]["message"] == "headers must have required property 'authorization'"
    assert messages["bad signature"] == {"statusCode": "400", "error": "InvalidJWT",
                                         "message": "invalid signature"}
    assert messages["expired"]["message"] == "jwt expired"
    assert messages["unknown role"]["statusCode"] == "403"


def test_expect_100_continue_is_only_granted_to_a_valid_jwt(standin):
    """A client that asks first (curl does, for big bodies) is refused before it sends."""
    refused = raw(standin, upload_head("ask.bin", BIG, {"Expect": "100-continue"}))
    assert refused.status == 400 and refused.closed
    assert_storage_error(refused.status, refused.json())

    head = upload_head(f"ask-{uuid.uuid4().hex}.bin", 5, {
        "Expect": "100-continue", "Authorization": f"Bearer {standin.token()}"})
    with socket.create_connection(("127.0.0.1", standin.port), timeout=10) as sock:
        sock.sendall(head.encode())
        interim, rest = read_answer(sock)
        assert interim.status == 100
        sock.sendall(b"hello")
        final, _ = read_answer(sock, rest)
    assert final.status == 200, final.body
    assert json.loads(final.body)["Key"].startswith(f"{BUCKET}/ask-")


def test_every_route_that_takes_a_body_checks_the_jwt_first(standin):
    routes = [("POST", "/bucket"), ("PUT", f"/bucket/{BUCKET}"),
              ("POST", f"/bucket/{BUCKET}/empty"), ("DELETE", f"/bucket/{BUCKET}"),
              ("POST", "/object/move"), ("POST", "/object/copy"),
              ("POST", f"/object/list/{BUCKET}"), ("POST", f"/object/sign/{BUCKET}"),
              ("POST", f"/object/sign/{BUCKET}/a.txt"), ("DELETE", f"/object/{BUCKET}"),
              ("POST", f"/object/{BUCKET}/a.txt"), ("PUT", f"/object/{BUCKET}/a.txt"),
              ("DELETE", f"/object/{BUCKET}/a.txt")]
    for method, path in routes:
        answer = raw(standin, f"{method} /storage/v1{path} HTTP/1.1\r\nHost: x\r\n"
                              f"Content-Type: application/json\r\nContent-Length: {BIG}\r\n\r\n")
        assert answer.status == 400 and answer.closed, (method, path, answer)
        assert answer.json()["message"] == "headers must have required property 'authorization'"


# ---------------------------------------------------------------------------
# Bucket size limits while streaming
# ---------------------------------------------------------------------------

def test_a_declared_size_over_the_bucket_limit_is_refused_before_the_body(standin):
    before = standin.files_on_disk()
    answer = raw(standin, upload_head("declared.bin", LIMIT + 1,
                                      {"Authorization": f"Bearer {standin.token()}"},
                                      bucket=LIMITED))
    assert answer.status == 413 and answer.closed
    assert answer.json() == {"statusCode": "413", "error": "Payload too large",
                             "message": "The object exceeded the maximum allowed size"}
    assert standin.files_on_disk() == before


def chunks(total: int, size: int = 1 << 16) -> Iterator[bytes]:
    sent = 0
    while sent < total:
        yield os.urandom(min(size, total - sent))
        sent += size


def test_a_streamed_upload_stops_at_the_bucket_limit(standin, db):
    """No Content-Length (chunked), so the server must count; raw and multipart."""
    before = standin.files_on_disk()
    service = {"Authorization": f"Bearer {standin.token()}"}
    streamed = httpx.post(f"{standin.url}/object/{LIMITED}/chunked.bin", headers={
        **service, "Content-Type": "application/octet-stream"}, content=chunks(BIG), timeout=30)
    assert streamed.status_code == 413
    assert_storage_error(413, streamed.json())
    form = httpx.post(f"{standin.url}/object/{LIMITED}/form.bin", headers=service,
                      files={"file": ("form.bin", os.urandom(LIMIT + 1), "audio/ogg")},
                      timeout=30)
    assert form.status_code == 413
    assert_storage_error(413, form.json())
    assert standin.files_on_disk() == before  # no partial file left behind
    assert db.execute("select name from storage.objects where bucket_id = %s",
                      (LIMITED,)).fetchall() == []

    at_limit = httpx.post(f"{standin.url}/object/{LIMITED}/exact.bin", headers={
        **service, "Content-Type": "application/octet-stream"}, content=chunks(LIMIT))
    assert at_limit.status_code == 200, at_limit.text  # the limit itself is allowed


def test_a_body_cut_short_leaves_no_partial_file(standin):
    before = standin.files_on_disk()
    head = upload_head("cut-short.bin", 1000, {"Authorization": f"Bearer {standin.token()}"})
    with socket.create_connection(("127.0.0.1", standin.port), timeout=10) as sock:
        sock.sendall(head.encode() + b"x" * 100)
        sock.shutdown(socket.SHUT_WR)  # 100 of the 1000 bytes announced, then no more
        # aiohttp takes the half-close for a lost connection: it closes, nothing to answer.
        assert closed_by_server(sock)
    deadline = time.monotonic() + 3  # the handler's cleanup runs just after the close
    while standin.files_on_disk() != before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert standin.files_on_disk() == before


# ---------------------------------------------------------------------------
# Item 7: the five inputs the issue names
# ---------------------------------------------------------------------------

def service_headers(standin: StandIn) -> dict[str, str]:
    return {"Authorization": f"Bearer {standin.token()}", "Content-Type": "application/json"}


def test_json_nested_50000_levels_is_a_400(standin):
    deep = "[" * 50_000 + "]" * 50_000
    for path in (f"/object/list/{BUCKET}", "/bucket", f"/object/sign/{BUCKET}"):
        answer = httpx.post(f"{standin.url}{path}", content=deep,
                            headers=service_headers(standin))
        assert answer.status_code == 400
        assert answer.json() == {"statusCode": "400", "error": "Error",
                                 "message": "body is nested too deeply"}
    deep_object = '{"prefix":' * 50_000 + '""' + "}" * 50_000
    answer = httpx.post(f"{standin.url}/object/list/{BUCKET}", content=deep_object,
                        headers=service_headers(standin))
    assert answer.status_code == 400 and "nested" in answer.json()["message"]
    shallow_enough = '{"prefix": "", "sortBy": ' + '{"x": ' * 40 + "1" + "}" * 41
    answer = httpx.post(f"{standin.url}/object/list/{BUCKET}", content=shallow_enough,
                        headers=service_headers(standin))
    assert answer.json()["message"] == "body is nested deeper than 32 levels"


def test_list_with_a_limit_that_is_not_a_number_is_a_400(standin):
    answer = httpx.post(f"{standin.url}/object/list/{BUCKET}", headers=service_headers(standin),
                        json={"prefix": "", "limit": "abc"})
    assert answer.status_code == 400
    assert answer.json() == {"statusCode": "400", "error": "Error",
                             "message": "body/limit must be integer"}
    coerced = httpx.post(f"{standin.url}/object/list/{BUCKET}", headers=service_headers(standin),
                         json={"prefix": "", "limit": "5"})
    assert coerced.status_code == 200  # digits as a string, as Storage's validator coerces


def test_list_with_a_list_as_the_body_is_a_400(standin):
    for body in ([], [{"prefix": ""}], 5, "prefix", None):
        answer = httpx.post(f"{standin.url}/object/list/{BUCKET}", content=json.dumps(body),
                            headers=service_headers(standin))
        assert answer.status_code == 400
        assert answer.json()["message"] == "body must be object"


def test_list_with_a_nul_in_the_prefix_is_a_400(standin):
    answer = httpx.post(f"{standin.url}/object/list/{BUCKET}", headers=service_headers(standin),
                        json={"prefix": "a\u0000b"})
    assert answer.status_code == 400
    assert answer.json() == {"statusCode": "400", "error": "Error",
                             "message": "body/prefix must not contain control characters"}


def test_a_signed_url_with_crlf_in_download_is_a_400_and_injects_nothing(standin):
    service = {"Authorization": f"Bearer {standin.token()}"}
    name = f"signed-{uuid.uuid4().hex}.txt"
    assert httpx.post(f"{standin.url}/object/{BUCKET}/{name}", content=b"hi",
                      headers={**service, "Content-Type": "text/plain"}).status_code == 200
    signed = httpx.post(f"{standin.url}/object/sign/{BUCKET}/{name}", headers=service,
                        json={"expiresIn": 60}).json()["signedURL"]
    url = f"{standin.url}{signed}"
    injected = httpx.get(url + "&download=x.txt%0D%0ASet-Cookie:%20a=b")
    assert injected.status_code == 400
    assert "set-cookie" not in injected.headers
    assert injected.json() == {"statusCode": "400", "error": "Error",
                               "message": "querystring/download must not contain control"
                                          " characters"}
    # A name with quotes and non-ASCII is served, percent-encoded as Storage encodes it.
    fine = httpx.get(url + "&download=" + "r\u00e9sum\u00e9 \"1\";.txt")
    assert fine.status_code == 200 and fine.content == b"hi"
    assert fine.headers["content-disposition"] == (
        "attachment; filename=r%C3%A9sum%C3%A9%20%221%22%3B.txt;"
        " filename*=UTF-8''r%C3%A9sum%C3%A9%20%221%22%3B.txt")


# ---------------------------------------------------------------------------
# Everything at every route
# ---------------------------------------------------------------------------

# Each JSON route with a body it accepts; the fuzz below spoils one thing at a time.
JSON_ROUTES: dict[str, tuple[str, str, dict[str, Any]]] = {
    "create bucket": ("POST", "/bucket", {"id": "fuzz-never", "name": "fuzz-never",
                                          "public": False, "file_size_limit": 10,
                                          "allowed_mime_types": ["audio/ogg"]}),
    "update bucket": ("PUT", f"/bucket/{FUZZED}", {"public": False, "file_size_limit": None,
                                                   "allowed_mime_types": None}),
    "move": ("POST", "/object/move", {"bucketId": BUCKET, "sourceKey": "fuzz/missing.txt",
                                      "destinationKey": "fuzz/elsewhere.txt",
                                      "destinationBucket": BUCKET}),
    "copy": ("POST", "/object/copy", {"bucketId": BUCKET, "sourceKey": "fuzz/missing.txt",
                                      "destinationKey": "fuzz/copy.txt"}),
    "list": ("POST", f"/object/list/{BUCKET}", {
        "prefix": "fuzz", "limit": 10, "offset": 0, "search": "",
        "sortBy": {"column": "name", "order": "asc"}}),
    "sign many": ("POST", f"/object/sign/{BUCKET}", {"expiresIn": 60,
                                                     "paths": ["fuzz/missing.txt"]}),
    "sign one": ("POST", f"/object/sign/{BUCKET}/fuzz/missing.txt", {"expiresIn": 60}),
    "remove": ("DELETE", f"/object/{BUCKET}", {"prefixes": ["fuzz/missing.txt"]}),
}

BAD_VALUES: list[Any] = ["a\u0000b", "a\nb", "\x7f", "\ud800", "abc", -1, 5, 1.5, 1e308,
                         True, [], {}, ["a\u0000"], [5], {"column": 5}, None, "x" * 5000]

BAD_BODIES: list[bytes] = [
    b"", b"[]", b"[1, 2]", b"5", b'"text"', b"null", b"true", b"{", b"{]", b"NaN",
    b'{"a": NaN}', b'{"a": Infinity}', b'{"a": 1e999}', b'{"prefix": "\xff\xfe"}',
    b"\xff\xfe\x00{", b'{"a\\u0000": 1}', b'{"x": "\\ud800"}',
    b"[" * 50_000 + b"]" * 50_000, b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
    b'{"a": ' + b"[" * 33 + b"]" * 33 + b"}",
]


def spoiled(body: dict[str, Any]) -> Iterator[tuple[str, bytes]]:
    for raw_body in BAD_BODIES:
        yield f"body {raw_body[:20]!r}", raw_body
    for key in body:
        for value in BAD_VALUES:
            yield f"{key}={value!r:.30}", json.dumps({**body, key: value}).encode()
    if "sortBy" in body:
        for value in BAD_VALUES:
            for field in ("column", "order"):
                sort = {**body["sortBy"], field: value}
                yield f"sortBy.{field}={value!r:.30}", json.dumps({**body, "sortBy": sort}).encode()


@pytest.mark.parametrize("route", list(JSON_ROUTES))
def test_bad_json_bodies_are_4xx_in_storages_shape(standin, db, route):
    method, path, body = JSON_ROUTES[route]
    buckets = {r[0] for r in db.execute("select id from storage.buckets")}
    failures = []
    with httpx.Client(base_url=standin.url, headers=service_headers(standin)) as client:
        for label, content in spoiled(body):
            answer = client.request(method, path, content=content)
            if answer.status_code >= 500 or (
                    answer.status_code >= 400 and not is_storage_error(answer)):
                failures.append((label, answer.status_code, answer.text[:200]))
        # Some spoilt bodies are still valid ("public": null): leave no bucket behind.
        for (created,) in db.execute("select id from storage.buckets where id <> all(%s)",
                                     (list(buckets),)):
            assert client.delete(f"/bucket/{created}").status_code == 200
    assert failures == []


def is_storage_error(answer: httpx.Response) -> bool:
    try:
        assert_storage_error(answer.status_code, answer.json())
    except (AssertionError, ValueError):
        return False
    return True


ALL_ROUTES: list[tuple[str, str]] = [
    ("GET", "/bucket"), ("GET", "/bucket/{bucket}"), ("PUT", "/bucket/{bucket}"),
    ("DELETE", "/bucket/{bucket}"), ("POST", "/bucket/{bucket}/empty"),
    ("POST", "/object/list/{bucket}"), ("POST", "/object/sign/{bucket}"),
    ("POST", "/object/sign/{bucket}/{name}"), ("GET", "/object/sign/{bucket}/{name}"),
    ("GET", "/object/public/{bucket}/{name}"), ("GET", "/object/authenticated/{bucket}/{name}"),
    ("GET", "/object/info/{bucket}/{name}"), ("DELETE", "/object/{bucket}"),
    ("POST", "/object/{bucket}/{name}"), ("PUT", "/object/{bucket}/{name}"),
    ("GET", "/object/{bucket}/{name}"), ("DELETE", "/object/{bucket}/{name}"),
    ("POST", "/object/move"), ("POST", "/object/copy"), ("POST", "/bucket"),
]
# Percent-encoded path segments: NUL, other controls, CR/LF, invalid UTF-8, a lone surrogate.
BAD_SEGMENTS = ["a%00b", "a%01b", "a%0D%0Ab", "%7F", "%FF%FE", "%ED%A0%80", "%C0%AF", "%"]
BAD_QUERIES = ["download=a%0D%0Ab", "download=%00", "download=%FF", "token=%00",
               "token=a%0Ab", "%00=1", "download=%E2%80%AE"]
# Header values (sent raw): controls the HTTP parser may let through, and long ones.
BAD_HEADERS = [("x-upsert", "tr\x01ue"), ("cache-control", "max-age=\x7f"),
               ("content-type", "text/\x01plain"), ("content-type", "multipart/form-data"),
               ("content-type", "multipart/form-data; boundary=x"), ("cache-control", "\xff"),
               ("x-upsert", "a" * 4000), ("content-type", "a" * 4000),
               ("content-type", "audio/\xe9"), ("authorization", "Bearer \xff\xfe"),
               ("authorization", "Bearer " + "a" * 4000), ("authorization", "Basic YTpi"),
               ("expect", "200-ok"), ("expect", "100-continue")]


@pytest.mark.parametrize(("method", "route"), ALL_ROUTES, ids=[f"{m} {p}" for m, p in ALL_ROUTES])
def test_bad_paths_queries_and_headers_are_4xx_at_every_route(standin, method, route):
    token = standin.token()
    failures = []

    def check(label: str, head: bytes, body: bytes = b"") -> None:
        answer = raw(standin, head, body, see_close=False)
        if answer.status >= 500:
            failures.append((label, answer.status, answer.body[:200]))
        elif answer.status >= 400 and answer.headers.get("content-type", "").startswith(
                "application/json"):
            try:
                assert_storage_error(answer.status, answer.json())
            except AssertionError as e:
                failures.append((label, answer.status, str(e)))
        elif answer.status >= 400 and not is_parser_refusal(answer):
            failures.append((label, answer.status, answer.body[:200]))

    def request(path: str, headers: dict[str, str] | None = None, body: bytes = b"{}") -> bytes:
        fields = {"host": "x", "authorization": f"Bearer {token}",
                  "content-type": "application/json", **(headers or {}),
                  "content-length": str(len(body))}
        lines = [f"{method} /storage/v1{path} HTTP/1.1", *(f"{k}: {v}" for k, v in
                                                            fields.items())]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body

    good = route.replace("{bucket}", BUCKET).replace("{name}", "fuzz/x.txt")
    for segment in BAD_SEGMENTS:
        for spoilt in {route.replace("{bucket}", segment).replace("{name}", "fuzz/x.txt"),
                       route.replace("{bucket}", BUCKET).replace("{name}", f"fuzz/{segment}")}:
            if spoilt != good:
                check(f"path {spoilt}", request(spoilt))
    for query in BAD_QUERIES:
        check(f"query {query}", request(f"{good}?{query}"))
    for name, value in BAD_HEADERS:
        check(f"header {name}={value[:20]!r}", request(good, {name: value}))
    check("no body", request(good, body=b""))
    assert failures == []


def is_parser_refusal(answer: Answer) -> bool:
    """aiohttp's HTTP parser refuses a malformed request (e.g. a control character in a header)
    before any route sees it: a plain-text 400, which is still a refusal, not a server error."""
    return answer.status == 400 and answer.headers.get("content-type", "").startswith("text/")


@pytest.mark.parametrize("name", ["a%0D%0Ab.txt", "a%0Ab.txt", "a%00b.txt", "%FF.txt"])
def test_names_with_line_breaks_or_bad_bytes_are_invalid_keys(standin, name):
    answer = httpx.post(f"{standin.url}/object/{BUCKET}/{name}", content=b"x",
                        headers={"Authorization": f"Bearer {standin.token()}"})
    assert answer.status_code == 400
    assert answer.json()["error"] == "InvalidKey"


def test_unknown_routes_and_methods_are_storage_errors(standin):
    service = {"Authorization": f"Bearer {standin.token()}"}
    for url in (f"{standin.url}/nowhere", f"http://127.0.0.1:{standin.port}/elsewhere"):
        missing = httpx.get(url, headers=service)
        assert missing.status_code == 404
        assert_storage_error(404, missing.json())
    wrong = httpx.patch(f"{standin.url}/bucket", headers=service)
    assert wrong.status_code == 405
    assert_storage_error(405, wrong.json())


def test_a_json_body_over_a_mebibyte_is_refused_unread(standin):
    answer = raw(standin, f"POST /storage/v1/object/list/{BUCKET} HTTP/1.1\r\nHost: x\r\n"
                          f"Authorization: Bearer {standin.token()}\r\n"
                          f"Content-Type: application/json\r\nContent-Length: {BIG}\r\n\r\n")
    assert answer.status == 413 and answer.closed
    assert_storage_error(413, answer.json())


def test_bad_multipart_uploads_are_4xx(standin):
    service = {"Authorization": f"Bearer {standin.token()}"}
    url = f"{standin.url}/object/{BUCKET}/fuzz/form-{uuid.uuid4().hex}.bin"
    cases = {
        "no boundary": (b"--x\r\n\r\n", "multipart/form-data"),
        "garbage": (b"not a form at all", "multipart/form-data; boundary=abc"),
    }
    for label, (content, ctype) in cases.items():
        answer = httpx.post(url, content=content, headers={**service, "Content-Type": ctype})
        assert 400 <= answer.status_code < 500, (label, answer.text)
        assert_storage_error(answer.status_code, answer.json())
    for metadata in ("[" * 50_000 + "]" * 50_000, "[1]", "{\"a\": \"\\u0000\"}", "{"):
        answer = httpx.post(url, headers=service, files={
            "file": ("f.bin", b"x", "application/octet-stream"),
            "metadata": (None, metadata)})
        assert answer.status_code == 400, (metadata[:10], answer.text)
        assert answer.json()["message"].startswith("form/metadata"), answer.text
    answer = httpx.post(url, headers=service, files={
        "file": ("f.bin", b"x", "application/octet-stream"), "cacheControl": (None, "60\x00")})
    assert answer.status_code == 400
    assert answer.json()["message"] == "form/cacheControl must not contain control characters"
    assert [p for p in standin.files_on_disk() if p.parent.name == "tmp"] == []


def test_the_five_inputs_of_the_issue_through_the_gateway(stack, service_client):
    """The same five, as a client meets them: through the gateway, with the service key."""
    url = f"{stack.url}/storage/v1"
    key = stack.service_role_key
    headers = {"apikey": key, "Authorization": f"Bearer {key}",
               "Content-Type": "application/json"}
    bodies = {"deep": b"[" * 50_000 + b"]" * 50_000,
              "limit abc": json.dumps({"prefix": "", "limit": "abc"}).encode(),
              "a list": b'[{"prefix": ""}]',
              "NUL in prefix": json.dumps({"prefix": "a\u0000b"}).encode()}
    for label, content in bodies.items():
        answer = httpx.post(f"{url}/object/list/recordings", content=content, headers=headers)
        assert answer.status_code == 400, (label, answer.text)
        assert_storage_error(400, answer.json())
    files = service_client.storage.from_("recordings")
    name = f"inputs-test/{uuid.uuid4().hex}.opus"
    files.upload(name, b"OggS", {"content-type": "audio/ogg"})
    try:
        signed = files.create_signed_url(name, 60)["signedURL"]
        injected = httpx.get(signed + "&download=a%0D%0ASet-Cookie:%20x=y")
        assert injected.status_code == 400 and "set-cookie" not in injected.headers
        assert_storage_error(400, injected.json())
    finally:
        files.remove([name])
