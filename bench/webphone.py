"""The webphone's budgets (issue 13): JavaScript per route, and Lighthouse on the local stack.

    .venv/bin/python -m bench.webphone [--root /tmp/bench-webphone] [--keep]
                                       [--bundle-only] [--preset desktop|mobile]

(a) JavaScript per route, gzip (level 9, per file), from Vite's build manifest
    (webphone/dist/.vite/manifest.json, `build.manifest` in vite.config.ts): what a browser
    loads for each route with an empty cache: the initial chunk with its static imports and
    what it loads at start (workbox-window, which registers the service worker), plus the
    route's lazy chunk and its static imports, each file once. Routes: the sign-in, the
    agent's desk, the supervisor's screens, the admin's screens. Target: the agent's desk
    under 250 KB, before the supervisor's and admin's chunks (none of theirs in it). Also
    reported, not budgeted: what the desk fetches next, once on screen: JsSIP as the phone
    starts (agent+phone) and the wrap-up and sale forms with the first lead.
(b) Lighthouse (npm `lighthouse`, Node API, bench/lighthouse.mjs) with Debian's Chromium
    headless, on the sign-in page and on the agent's desk signed in, both cold loads;
    performance and accessibility scores and the largest contentful paint. Targets:
    performance >= 90, accessibility >= 95. The desktop preset by default: the webphone is
    used on the call centre's desktop PCs on the office network (and tablets on Wi-Fi),
    not on phones over 4G, which the mobile preset simulates (slow 4G, 4x CPU slowdown);
    --preset mobile gives those figures too.

It brings up its own stack (the build is part of `up`), prints the figures with the load
average (a shared machine: Lighthouse's performance score moves with it), and writes
bench/results/webphone.json. --bundle-only builds and measures (a) without a stack.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path

from stack import lifecycle
from stack.config import DEMO_PASSWORD, PROJECT_DIR, StackConfig

RESULTS = PROJECT_DIR / "bench" / "results" / "webphone.json"
DEFAULT_ROOT = Path("/tmp/bench-webphone")  # noqa: S108 (a bench stack, as the others')
DIST = PROJECT_DIR / "webphone" / "dist"
MANIFEST = DIST / ".vite" / "manifest.json"
LIGHTHOUSE = PROJECT_DIR / "bench" / "lighthouse.mjs"
CHROMIUM = "/usr/bin/chromium"

# Each route's lazy chunk, by its source in the manifest (routes.tsx).
ROUTES = {
    "sign-in": "src/app/screens/sign-in/SignIn.tsx",
    "agent": "src/app/screens/agent/agent-routes.tsx",
    "supervisor": "src/app/screens/supervisor/supervisor-routes.tsx",
    "admin": "src/app/screens/admin/admin-routes.tsx",
}
# Dynamic imports of the entry that every page loads at once (main.tsx's registerSW).
STARTUP_DYNAMIC = ("workbox-window",)
# What the desk fetches once it is on screen: the SIP library as the phone starts (an agent
# with an extension), the wrap-up and sale forms with the first lead. Reported beside the
# budget, which is the desk's first load.
AGENT_FOLLOW_UPS = {
    "agent+phone": ("jssip",),
    "agent+phone+lead": ("jssip", "WrapUpForm", "SaleForm"),
}
AGENT_BUDGET = 250 * 1024
PERFORMANCE_TARGET = 90
ACCESSIBILITY_TARGET = 95
# An agent of the seed: after the merge the desk registers their phone (the bench stack's own).
DESK_AGENT = "agent1@demo.test"


def log(message: str = "") -> None:
    print(message, flush=True)


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def loadavg() -> list[float]:
    return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]


# ---------------------------------------------------------------------------- (a) bundles


def static_closure(manifest: dict, key: str) -> list[str]:
    """key and every chunk it imports statically, transitively (manifest keys)."""
    seen: list[str] = []
    todo = [key]
    while todo:
        k = todo.pop()
        if k in seen:
            continue
        seen.append(k)
        todo.extend(manifest[k].get("imports", []))
    return seen


def route_files(manifest: dict) -> dict[str, list[str]]:
    """Per route, the JS files (dist-relative) a cold load of it fetches, each once."""
    entry = next(k for k, v in manifest.items() if v.get("isEntry"))
    initial = static_closure(manifest, entry)
    for dyn in manifest[entry].get("dynamicImports", []):
        if any(name in dyn for name in STARTUP_DYNAMIC):
            initial += [k for k in static_closure(manifest, dyn) if k not in initial]
    routes = {}
    for route, src in ROUTES.items():
        keys = list(initial)
        if src in manifest:
            keys += [k for k in static_closure(manifest, src) if k not in keys]
        routes[route] = [manifest[k]["file"] for k in keys if manifest[k]["file"].endswith(".js")]
        if route == "agent":
            for name, wanted in AGENT_FOLLOW_UPS.items():
                more = list(keys)
                for dyn in manifest[src].get("dynamicImports", []):
                    if any(w in dyn for w in wanted):
                        more += [k for k in static_closure(manifest, dyn) if k not in more]
                routes[name] = [manifest[k]["file"] for k in more
                                if manifest[k]["file"].endswith(".js")]
    return routes


def gzip_size(path: Path) -> int:
    return len(gzip.compress(path.read_bytes(), compresslevel=9))


def measure_bundles() -> dict:
    manifest = json.loads(MANIFEST.read_text())
    routes = route_files(manifest)
    out: dict = {"routes": {}, "budget_gzip_bytes": {"agent": AGENT_BUDGET}}
    for route, files in routes.items():
        sizes = {f: gzip_size(DIST / f) for f in files}
        raw = sum((DIST / f).stat().st_size for f in files)
        out["routes"][route] = {"files": sizes, "gzip_bytes": sum(sizes.values()),
                                "raw_bytes": raw}
    shared = set(routes["agent"]) | set(routes["sign-in"])
    others = {f for r in ("supervisor", "admin") for f in routes[r]} - shared
    leaked = [f for f in routes["agent"]
              if Path(f).name.startswith(("supervisor-routes-", "admin-routes-"))]
    out["agent_without_other_roles"] = not leaked
    out["agent_ok"] = out["routes"]["agent"]["gzip_bytes"] < AGENT_BUDGET and not leaked
    out["other_roles_only_files"] = sorted(others)
    return out


def print_bundles(b: dict) -> None:
    log("\nJavaScript per route (cold load, gzip -9, from dist/.vite/manifest.json)")
    log(f"  {'route':<12}{'gzip KB':>9}{'raw KB':>9}  files")
    for route, r in b["routes"].items():
        files = ", ".join(f"{Path(f).name} {s / 1024:.1f}" for f, s in r["files"].items())
        log(f"  {route:<12}{r['gzip_bytes'] / 1024:>9.1f}{r['raw_bytes'] / 1024:>9.1f}  {files}")
    verdict = "PASS" if b["agent_ok"] else "FAIL"
    log(f"  agent's desk budget {AGENT_BUDGET // 1024} KB gzip, "
        f"no supervisor/admin chunk: {verdict}")


# ---------------------------------------------------------------------------- (b) Lighthouse


def run_lighthouse(config: StackConfig, preset: str) -> dict:
    env = {**os.environ, "CHROME_PATH": CHROMIUM}
    cmd = ["node", str(LIGHTHOUSE), "--url", config.url, "--email", DESK_AGENT,
           "--password", DEMO_PASSWORD, "--preset", preset]
    result = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=PROJECT_DIR,
                            timeout=600)
    if result.returncode != 0:
        raise RuntimeError(f"lighthouse failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    out = json.loads(result.stdout)
    for page in out["pages"]:
        page["performance_ok"] = page["performance"] >= PERFORMANCE_TARGET
        page["accessibility_ok"] = page["accessibility"] >= ACCESSIBILITY_TARGET
    return out


def print_lighthouse(lh: dict) -> None:
    log(f"\nLighthouse {lh['lighthouse']} ({lh['preset']} preset), {lh['chromium']}, cold loads")
    log(f"  {'page':<12}{'perf':>6}{'a11y':>6}{'b.p.':>6}"
        f"{'LCP ms':>9}{'FCP ms':>9}{'TBT ms':>8}{'CLS':>7}")
    for p in lh["pages"]:
        log(f"  {p['page']:<12}{p['performance']:>6}{p['accessibility']:>6}"
            f"{p['best_practices']:>6}{p['lcp_ms'] or 0:>9.0f}{p['fcp_ms'] or 0:>9.0f}"
            f"{p['tbt_ms'] or 0:>8.0f}{p['cls'] or 0:>7.3f}")
        for audit in p["accessibility_failing"]:
            log(f"      a11y: {audit['id']}: {audit['title']} {audit['targets'][:3]}")
        if p.get("signed_in") is False:
            log("      (not signed in: the audit saw the sign-in, not the desk)")
    verdicts = [f"{p['page']} {'PASS' if p['performance_ok'] and p['accessibility_ok'] else 'FAIL'}"
                for p in lh["pages"]]
    log(f"  targets: performance >= {PERFORMANCE_TARGET}, "
        f"accessibility >= {ACCESSIBILITY_TARGET}: {', '.join(verdicts)}")


# ---------------------------------------------------------------------------- main


def git_commit() -> str:
    return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                          text=True, cwd=PROJECT_DIR).stdout.strip()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.webphone", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--bundle-only", action="store_true",
                        help="build and measure the JavaScript per route, no stack, no Lighthouse")
    parser.add_argument("--preset", choices=("desktop", "mobile"), default="desktop")
    parser.add_argument("--results", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    record: dict = {
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "commit": git_commit(),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                    "uptime_before": uptime(), "loadavg_before": loadavg()},
    }
    log(f"Load: {record['machine']['uptime_before']}")
    config = None
    try:
        if args.bundle_only:
            log("Building the webphone (Vite)")
            subprocess.run(lifecycle.WEBPHONE_BUILD, check=True, cwd=PROJECT_DIR,
                           stdin=subprocess.DEVNULL, capture_output=True)
        else:
            log(f"Bench stack in {args.root}")
            config = StackConfig.load_or_create(args.root, fixed_ports=False)
            lifecycle.up(config, workers=False, progress=lambda m: log(f"  - {m}"))
        record["bundles"] = measure_bundles()
        print_bundles(record["bundles"])
        ok = record["bundles"]["agent_ok"]
        if config is not None:
            record["machine"]["uptime_lighthouse"] = uptime()
            log(f"\nLighthouse ({args.preset}) on {config.url} ...  "
                f"load: {record['machine']['uptime_lighthouse']}")
            record["lighthouse"] = run_lighthouse(config, args.preset)
            print_lighthouse(record["lighthouse"])
            ok = ok and all(p["performance_ok"] and p["accessibility_ok"]
                            for p in record["lighthouse"]["pages"])
    finally:
        if config is not None:
            if args.keep:
                log(f"Stack left up (--keep): python -m stack down --root {config.root}")
            else:
                lifecycle.down(config, progress=lambda m: log(f"  - {m}"))
                shutil.rmtree(config.root, ignore_errors=True)
    record["machine"]["uptime_after"] = uptime()
    record["machine"]["loadavg_after"] = loadavg()
    record["targets_met"] = ok
    log(f"\nLoad: {record['machine']['uptime_after']}")
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps(record, indent=2) + "\n")
    log(f"Written {args.results}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
