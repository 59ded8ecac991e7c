"""The gateway: one URL (SUPABASE_URL) in front of every service, as Kong is on Supabase.

nginx routes /rest/v1/ to PostgREST, /auth/v1/, /storage/v1/ and /realtime/v1/ to the
stand-ins (Realtime's WebSocket upgraded and kept open for an hour of silence at most),
checks the `apikey` header the way Kong's key-auth does, limits each session's
request rate and each route's body size (Limits), and serves the webphone (Vite's static
build) at /.
"""

from __future__ import annotations

import os
import subprocess
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from stack import processes
from stack.config import PROJECT_DIR, StackConfig

NGINX = "/usr/sbin/nginx"
CORS_HEADERS = ", ".join([
    "authorization", "x-client-info", "apikey", "content-type", "content-profile",
    "accept-profile", "prefer", "range", "x-supabase-api-version",
])
EXPOSED_HEADERS = "content-range, x-supabase-api-version, retry-after"
CORS = f"""
      add_header Access-Control-Allow-Origin * always;
      add_header Access-Control-Allow-Headers "{CORS_HEADERS}" always;
      add_header Access-Control-Allow-Methods "GET, POST, PATCH, PUT, DELETE, OPTIONS" always;
      add_header Access-Control-Expose-Headers "{EXPOSED_HEADERS}" always;"""


@dataclass(frozen=True)
class Limits:
    """What one session may ask of the API (docs/interface.md, "Limits").

    A session is one access token (keyed on its signature, so a refreshed token is a new key);
    a request without a user token (the anon key, a signed URL) counts against its client
    address. The service role key is not limited: it is the workers'.
    """
    # Everything under /rest/v1 and /storage/v1: far above an agent's pace (a request every
    # few seconds), low enough that a script cannot hammer the database.
    api_per_second: int = 20
    api_burst: int = 100
    storage_per_second: int = 20
    storage_burst: int = 100
    # Calls that write an audit row each (a recording request, an export): per minute.
    audit_per_minute: int = 30
    audit_burst: int = 20
    # Request bodies, per route (nginx client_max_body_size).
    rest_body: str = "1m"
    rpc_body: str = "64k"
    auth_body: str = "64k"
    storage_body: str = "200m"  # the recordings bucket's file_size_limit


LIMITS = Limits()
# How long nginx keeps a Realtime WebSocket without traffic either way.
REALTIME_SOCKET_TIMEOUT = "3600s"
# The RPCs that write an audit row per call, refusals included.
AUDITED_RPCS = ("recording_url", "request_report_export")


def _too_many(name: str, retry_after: int, body: str) -> str:
    return f"""
    location @{name} {{{CORS}
      add_header Retry-After {retry_after} always;
      return 429 '{body}';
    }}"""


def _too_large(name: str, body: str) -> str:
    return f"""
    location @{name} {{{CORS}
      return 413 '{body}';
    }}"""


# Kong answers a missing key and a wrong key with these bodies.
NO_KEY = '{"message":"No API key found in request"}'
BAD_KEY = '{"message":"Invalid authentication credentials"}'
# PostgREST's error shape for the REST routes, GoTrue's for Auth, Storage's for Storage.
REST_429 = ('{"code":"over_request_rate_limit","details":null,'
            '"hint":"Wait for the seconds in Retry-After.",'
            '"message":"Too many requests for this session"}')
REST_413 = ('{"code":"request_too_large","details":null,"hint":null,'
            '"message":"The request body is larger than this route accepts"}')
AUTH_413 = ('{"code":413,"error_code":"request_entity_too_large",'
            '"msg":"The request body is larger than this route accepts"}')
STORAGE_429 = ('{"statusCode":"429","error":"too_many_requests",'
               '"message":"Too many requests for this session"}')
STORAGE_413 = ('{"statusCode":"413","error":"Payload too large",'
               '"message":"The request body is larger than this route accepts"}')


def render_server(config: StackConfig, *, port: int, rest_port: int,
                  limits: Limits | None = LIMITS) -> str:
    """One gateway server. limits=None: no rate limits (the API benchmark's "off" line)."""
    guard = f"""
      if ($http_apikey = "") {{ return 401 '{NO_KEY}'; }}
      if ($apikey_valid = 0) {{ return 401 '{BAD_KEY}'; }}"""
    # X-Forwarded-For and X-Real-IP are replaced, never appended to: what a client sends in
    # them is dropped. X-CRM-Gateway proves to the database that the address is the gateway's
    # (private.client_address, migration 20261204007000_request_guards.sql).
    proxy = f"""
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $remote_addr;
      proxy_set_header X-Real-IP $remote_addr;
      proxy_set_header X-CRM-Gateway "{config.gateway_token}";
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-Host $http_host;"""

    def rate(zone: str, burst: int, page: str) -> str:
        return f"""
      limit_req zone={zone} burst={burst} nodelay;
      error_page 429 = @{page};"""

    api = audit = storage_rate = ""
    if limits is not None:
        api = rate("api_session", limits.api_burst, "rest_429")
        audit = rate("api_audit", limits.audit_burst, "audit_429")
        storage_rate = rate("storage_session", limits.storage_burst, "storage_429")
    body = limits or LIMITS
    dist = PROJECT_DIR / "webphone" / "dist"
    audited = "".join(f"""
    location = /rest/v1/rpc/{rpc} {{
      if ($request_method = OPTIONS) {{ return 204; }}{guard}{proxy}{audit}{api}
      client_max_body_size {body.rpc_body};
      error_page 413 = @rest_413;
      proxy_pass http://rest_{rest_port}/rpc/{rpc};
    }}
""" for rpc in AUDITED_RPCS)
    return f"""
  server {{
    listen 127.0.0.1:{port};
    default_type application/json;
{CORS}

    location /rest/v1/ {{
      if ($request_method = OPTIONS) {{ return 204; }}{guard}{proxy}{api}
      client_max_body_size {body.rest_body};
      error_page 413 = @rest_413;
      proxy_pass http://rest_{rest_port}/;
    }}

    location /rest/v1/rpc/ {{
      if ($request_method = OPTIONS) {{ return 204; }}{guard}{proxy}{api}
      client_max_body_size {body.rpc_body};
      error_page 413 = @rest_413;
      proxy_pass http://rest_{rest_port}/rpc/;
    }}
{audited}
    location /auth/v1/ {{
      if ($request_method = OPTIONS) {{ return 204; }}{guard}{proxy}
      client_max_body_size {body.auth_body};
      error_page 413 = @auth_413;
      proxy_pass http://auth/;
    }}
    # Kong's auth-v1-open route: a one-time link (invite, recovery) is opened by a browser,
    # without a key, so /auth/v1/verify needs none.
    location = /auth/v1/verify {{
      if ($request_method = OPTIONS) {{ return 204; }}{proxy}
      client_max_body_size {body.auth_body};
      error_page 413 = @auth_413;
      proxy_pass http://auth/verify;
    }}

    # Storage checks the JWT itself; the key is checked here as for /rest/v1, so that a
    # request without one never reaches Storage. No URI on proxy_pass: the path goes on
    # exactly as sent, so Storage judges the object name.
    location /storage/v1/ {{
      if ($request_method = OPTIONS) {{ return 204; }}{guard}{proxy}{storage_rate}
      client_max_body_size {body.storage_body};
      error_page 413 = @storage_413;
      proxy_request_buffering off;
      proxy_pass http://storage;
    }}

    # A signed URL or a public object is fetched by a browser's link, without headers:
    # GET and HEAD need no key there; anything else (signing a URL) does.
    location ~ ^/storage/v1/object/(sign|public)/ {{
      if ($request_method = OPTIONS) {{ return 204; }}
      if ($storage_link_key = missing) {{ return 401 '{NO_KEY}'; }}
      if ($storage_link_key = invalid) {{ return 401 '{BAD_KEY}'; }}{proxy}{storage_rate}
      client_max_body_size {body.rpc_body};
      error_page 413 = @storage_413;
      proxy_pass http://storage;
    }}
    # Realtime: the Phoenix socket at /realtime/v1/websocket carries its key in the query
    # string (?apikey=), which Kong's key-auth reads too (key_in_query): the same answers as
    # the header guard. Realtime then checks the JWT itself. nginx's default 60 s read timeout
    # would cut a socket between two heartbeats (25-30 s apart) at the slightest delay, so an
    # hour: Realtime closes sockets silent for 60 s itself.
    location /realtime/v1/websocket {{
      if ($realtime_key = missing) {{ return 401 '{NO_KEY}'; }}
      if ($realtime_key = invalid) {{ return 401 '{BAD_KEY}'; }}
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection "upgrade";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $remote_addr;
      proxy_set_header X-Real-IP $remote_addr;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_read_timeout {REALTIME_SOCKET_TIMEOUT};
      proxy_send_timeout {REALTIME_SOCKET_TIMEOUT};
      proxy_buffering off;
      proxy_pass http://realtime/websocket;
    }}

    # Realtime's REST API (broadcast): keyed like /rest/v1.
    location /realtime/v1/api/ {{
      if ($request_method = OPTIONS) {{ return 204; }}{guard}{proxy}{api}
      client_max_body_size {body.rpc_body};
      error_page 413 = @rest_413;
      proxy_pass http://realtime/api/;
    }}
{_too_many("rest_429", 1, REST_429)}
{_too_many("audit_429", max(1, -(-60 // body.audit_per_minute)), REST_429)}
{_too_many("storage_429", 1, STORAGE_429)}
{_too_large("rest_413", REST_413)}
{_too_large("auth_413", AUTH_413)}
{_too_large("storage_413", STORAGE_413)}

    # Each stack's own settings for the webphone (URLs and the anon key).
    location = /config.json {{
      alias {config.root / "webphone" / "config.json"};
      add_header Cache-Control "no-store" always;
    }}

    # The webphone (Vite's build): the app's own routes (/agent, /supervisor...) fall back
    # to its index.html. index.html, the service worker (sw.js, registerSW.js), the manifest
    # and the icons keep their names from one build to the next: no-cache, so the browser
    # asks each time (a 304 when unchanged) and a new build reaches it on the next load.
    location / {{
      root {dist};
      index index.html;
      try_files $uri /index.html;
      add_header Cache-Control "no-cache" always;
    }}

    location = /manifest.webmanifest {{
      root {dist};
      types {{ }}
      default_type application/manifest+json;
      add_header Cache-Control "no-cache" always;
    }}

    # Vite's chunks carry their content's hash in their names: cached for good. A chunk
    # of an older build is a 404, not index.html under a .js name.
    location /assets/ {{
      root {dist};
      try_files $uri =404;
      add_header Cache-Control "public, max-age=31536000, immutable" always;
    }}
  }}
"""


def render(config: StackConfig, *, servers: str | None = None,
           rest_ports: tuple[int, ...] | None = None, prefix: Path | None = None,
           run_dir: Path | None = None, log_dir: Path | None = None) -> str:
    """nginx.conf: the http block (keys, rate-limit zones, upstreams) and its servers.

    By default one server, the stack's gateway; the API benchmark passes its own servers
    (limits on and off, each PostgREST) to compare them side by side.
    """
    prefix = prefix or config.root / "gateway"
    run_dir = run_dir or config.run_dir
    log_dir = log_dir or config.log_dir
    user = "user root;" if os.geteuid() == 0 else ""
    rest_ports = rest_ports or (config.rest_port,)
    if servers is None:
        servers = render_server(config, port=config.gateway_port, rest_port=config.rest_port)
    upstreams = "\n".join(
        f"  upstream rest_{port} {{ server 127.0.0.1:{port}; keepalive 64; }}"
        for port in rest_ports)
    limits = LIMITS
    return f"""# Written by stack/gateway.py; changes are overwritten at the next `up`.
{user}
worker_processes 1;
pid {run_dir}/gateway.pid;
error_log {log_dir}/gateway.log warn;

events {{ worker_connections 2048; }}

http {{
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  access_log off;
  client_body_temp_path {prefix}/tmp/body;
  proxy_temp_path {prefix}/tmp/proxy;
  fastcgi_temp_path {prefix}/tmp/fastcgi;
  uwsgi_temp_path {prefix}/tmp/uwsgi;
  scgi_temp_path {prefix}/tmp/scgi;
  client_max_body_size 1m;
  map_hash_bucket_size 512; # the keys are long JWTs

  map $http_apikey $apikey_valid {{
    default 0;
    "{config.anon_key}" 1;
    "{config.service_role_key}" 1;
  }}

  # Whom a request counts against (Limits): the session, i.e. its access token's
  # signature; the client address for the anon key or no token; nobody for the
  # service role key (the workers).
  map $http_authorization $session_key {{
    default $binary_remote_addr;
    "Bearer {config.anon_key}" $binary_remote_addr;
    "Bearer {config.service_role_key}" "";
    "~^Bearer [\\w-]+\\.[\\w-]+\\.(?<token_signature>[\\w-]+)$" $token_signature;
  }}
  # A signed URL or a public object is fetched by a link (GET, HEAD) without a key;
  # any other method there needs one, as everywhere else.
  map "$request_method:$apikey_valid:$http_apikey" $storage_link_key {{
    "~^(GET|HEAD):" ok;
    "~^[A-Z]+:1:" ok;
    "~^[A-Z]+:0:$" missing;
    default invalid;
  }}
  # The Realtime socket's key, from the apikey header or the query string (Kong's key-auth).
  map $arg_apikey $arg_apikey_valid {{
    default 0;
    "{config.anon_key}" 1;
    "{config.service_role_key}" 1;
  }}
  map "$apikey_valid$arg_apikey_valid:$http_apikey$arg_apikey" $realtime_key {{
    "~^00:$" missing;
    "~^00:" invalid;
    default ok;
  }}
  limit_req_zone $session_key zone=api_session:10m rate={limits.api_per_second}r/s;
  limit_req_zone $session_key zone=api_audit:2m rate={limits.audit_per_minute}r/m;
  limit_req_zone $session_key zone=storage_session:10m rate={limits.storage_per_second}r/s;
  limit_req_status 429;
  limit_req_log_level warn;

{upstreams}
  upstream auth {{ server 127.0.0.1:{config.auth_port}; keepalive 16; }}
  upstream storage {{ server 127.0.0.1:{config.storage_port}; keepalive 16; }}
  upstream realtime {{ server 127.0.0.1:{config.realtime_port}; keepalive 16; }}
{servers}
}}
"""


def _ready(config: StackConfig) -> bool:
    try:
        urllib.request.urlopen(f"{config.url}/rest/v1/", timeout=1)  # noqa: S310 (loopback)
    except urllib.error.HTTPError as e:
        return e.code == 401  # up, and asking for the apikey
    return False


def start(config: StackConfig) -> None:
    prefix = config.root / "gateway"
    for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (prefix / "tmp" / sub).mkdir(parents=True, exist_ok=True)
    config.run_dir.mkdir(parents=True, exist_ok=True)
    config.log_dir.mkdir(parents=True, exist_ok=True)
    conf: Path = prefix / "nginx.conf"
    conf.write_text(render(config))
    if processes.read_pid(config.run_dir / "gateway.pid"):
        subprocess.run([NGINX, "-p", str(prefix), "-c", str(conf), "-s", "reload"], check=True,
                       capture_output=True)
    else:
        result = subprocess.run([NGINX, "-p", str(prefix), "-c", str(conf)],
                                capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError(f"nginx failed to start:\n{result.stderr}")
    processes.wait_for(lambda: _ready(config), what="the gateway",
                       log=config.log_dir / "gateway.log")


def stop(config: StackConfig) -> bool:
    return processes.stop(config.run_dir / "gateway.pid")
