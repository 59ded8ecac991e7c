"""How the gateway serves the webphone (stack/gateway.py, `location /` and beside it).

nginx alone, on this stack's rendered config (no database: the API routes are not asked
here), over a fresh Vite build: what the browser and the service worker need to get a new
build on the next load and to install the app. index.html, sw.js and the manifest are
revalidated every time; the hashed chunks are cached for good; the manifest has its MIME
type and names icons that are there; config.json (each stack's settings) is never cached.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from stack import gateway, lifecycle
from stack.config import PROJECT_DIR, StackConfig

DIST = PROJECT_DIR / "webphone" / "dist"
IMMUTABLE = "public, max-age=31536000, immutable"


@pytest.fixture(scope="module")
def gw() -> Iterator[StackConfig]:
    root = Path(tempfile.mkdtemp(prefix="crm-test-gateway-"))
    config = StackConfig.load_or_create(root, fixed_ports=False)
    try:
        lifecycle.build_webphone(config)
        gateway.start(config)
        yield config
    finally:
        gateway.stop(config)
        shutil.rmtree(root, ignore_errors=True)


def get(config: StackConfig, path: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(config.url + path, timeout=5) as r:  # noqa: S310 (loopback)
            return r.status, {k.lower(): v for k, v in r.headers.items()}, r.read()
    except urllib.error.HTTPError as e:
        return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read()


@pytest.mark.parametrize("path", ["/", "/index.html", "/agent", "/supervisor/floor", "/sw.js",
                                  "/manifest.webmanifest", "/icon-192.png"])
def test_what_keeps_its_name_is_revalidated_on_every_load(gw, path):
    status, headers, _ = get(gw, path)
    assert status == 200
    assert headers["cache-control"] == "no-cache"


def test_the_app_routes_get_index_html_and_the_worker_is_javascript(gw):
    _, headers, body = get(gw, "/admin/users")
    assert headers["content-type"].startswith("text/html")
    assert b'id="app"' in body
    _, headers, body = get(gw, "/sw.js")
    assert headers["content-type"].startswith(("application/javascript", "text/javascript"))
    assert b"workbox:precaching" in body


def test_a_missing_register_script_is_not_cached_either(gw):
    # main.tsx registers the worker itself (injectRegister: false): no registerSW.js is built,
    # and whatever answers that name (the SPA fallback) is not kept.
    assert not (DIST / "registerSW.js").exists()
    _, headers, _ = get(gw, "/registerSW.js")
    assert headers["cache-control"] == "no-cache"


def test_hashed_chunks_are_immutable_and_an_old_one_is_a_404(gw):
    index = (DIST / "index.html").read_text()
    chunks = re.findall(r'(?:src|href)="(/assets/[^"]+)"', index)
    assert any(c.endswith(".js") for c in chunks) and any(c.endswith(".css") for c in chunks)
    for chunk in chunks:
        status, headers, _ = get(gw, chunk)
        assert status == 200, chunk
        assert headers["cache-control"] == IMMUTABLE
    status, headers, body = get(gw, "/assets/agent-routes-gone1234.js")
    assert status == 404
    assert b'id="app"' not in body


def test_the_manifest_has_its_type_and_its_icons_are_served(gw):
    status, headers, body = get(gw, "/manifest.webmanifest")
    assert status == 200
    assert headers["content-type"] == "application/manifest+json"
    manifest = json.loads(body)
    assert manifest["name"] == "Call Center CRM"
    assert manifest["lang"] == "es"
    assert manifest["start_url"] == "/"
    assert manifest["display"] == "standalone"
    sizes = {(i["sizes"], i.get("purpose", "any")) for i in manifest["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes
    for icon in manifest["icons"]:
        status, headers, body = get(gw, icon["src"])
        assert status == 200 and headers["content-type"] == "image/png"
        assert body.startswith(b"\x89PNG")


def test_the_settings_are_never_cached(gw):
    status, headers, body = get(gw, "/config.json")
    assert status == 200
    assert headers["cache-control"] == "no-store"
    assert json.loads(body)["supabaseUrl"] == gw.url


def test_the_worker_precaches_the_shell_and_not_the_api_or_the_settings(gw):
    _, _, body = get(gw, "/sw.js")
    worker = body.decode()
    precached = set(re.findall(r'url:"([^"]+)"', worker))
    assert {"index.html", "manifest.webmanifest", "icon-192.png", "icon-512.png",
            "icon-maskable-512.png"} <= precached
    assert any(u.startswith("assets/index-") and u.endswith(".js") for u in precached)
    assert not [u for u in precached if u.endswith(".map") or "config" in u]
    # The navigation fallback answers the app's routes only, never these.
    denylist = re.search(r"denylist:\[([^\]]*)\]", worker)
    assert denylist, "navigateFallbackDenylist missing"
    for path in ("/rest/", "/auth/", "/storage/", "/realtime/", "/config\\.json"):
        assert path.replace("/", "\\/") in denylist.group(1), path
