"""The gateway: one URL (SUPABASE_URL) in front of every service, as Kong is on Supabase.

nginx routes /rest/v1/ to PostgREST, /auth/v1/ and /storage/v1/ to the stand-ins,
checks the `apikey` header the way Kong's key-auth does, and serves the
static webphone at /.
"""

from __future__ import annotations

import os
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

from stack import processes
from stack.config import PROJECT_DIR, StackConfig

NGINX = "/usr/sbin/nginx"
CORS_HEADERS = ", ".join([
    "authorization", "x-client-info", "apikey", "content-type", "content-profile",
    "accept-profile", "prefer", "range", "x-supabase-api-version",
])


def render(config: StackConfig) -> str:
    prefix = config.root / "gateway"
    user = "user root;" if os.geteuid() == 0 else ""
    # Kong answers a missing key and a wrong key with these bodies.
    guard = """
      if ($http_apikey = "") { return 401 '{"message":"No API key found in request"}'; }
      if ($apikey_valid = 0) { return 401 '{"message":"Invalid authentication credentials"}'; }"""
    proxy = """
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $remote_addr;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-Host $http_host;"""
    return f"""# Written by stack/gateway.py; changes are overwritten at the next `up`.
{user}
worker_processes 1;
pid {config.run_dir}/gateway.pid;
error_log {config.log_dir}/gateway.log warn;

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
  client_max_body_size 50m;
  map_hash_bucket_size 512; # the keys are long JWTs

  map $http_apikey $apikey_valid {{
    default 0;
    "{config.anon_key}" 1;
    "{config.service_role_key}" 1;
  }}

  upstream rest {{ server 127.0.0.1:{config.rest_port}; keepalive 64; }}
  upstream auth {{ server 127.0.0.1:{config.auth_port}; keepalive 16; }}
  upstream storage {{ server 127.0.0.1:{config.storage_port}; keepalive 16; }}

  server {{
    listen 127.0.0.1:{config.gateway_port};
    default_type application/json;

    add_header Access-Control-Allow-Origin * always;
    add_header Access-Control-Allow-Headers "{CORS_HEADERS}" always;
    add_header Access-Control-Allow-Methods "GET, POST, PATCH, PUT, DELETE, OPTIONS" always;
    add_header Access-Control-Expose-Headers "content-range, x-supabase-api-version" always;

    location /rest/v1/ {{
      if ($request_method = OPTIONS) {{ return 204; }}{guard}{proxy}
      proxy_pass http://rest/;
    }}

    location /auth/v1/ {{
      if ($request_method = OPTIONS) {{ return 204; }}{guard}{proxy}
      proxy_pass http://auth/;
    }}

    # Like Kong, no key check here: Storage checks the JWT itself, and a
    # signed URL must work in a browser without headers. No URI on proxy_pass:
    # the path goes on exactly as sent, so Storage judges the object name.
    location /storage/v1/ {{
      if ($request_method = OPTIONS) {{ return 204; }}{proxy}
      proxy_request_buffering off;
      proxy_pass http://storage;
    }}

    # Each stack's own settings for the webphone (URLs and the anon key).
    location = /config.json {{
      alias {config.root / "webphone" / "config.json"};
      add_header Cache-Control "no-store" always;
    }}

    location / {{
      root {PROJECT_DIR / "webphone"};
      index index.html;
      try_files $uri $uri/ /index.html;
    }}
  }}
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
