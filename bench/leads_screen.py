"""The supervisor's leads screen in the browser with 1,000,000 leads.

    .venv/bin/python -m bench.leads_screen [--leads 1000000] [--pages 10] [--keep]

Issue 15: the leads list "stays fast with 1,000,000 leads" (keyset pages, virtual scrolling,
the estimated count). The bench starts its own stack (no workers; default root
/tmp/bench-leads-screen), generates the leads with set-based SQL in 10 campaigns (supervisor1
runs one of them; accented names, e-mails, Spanish mobile numbers, statuses, attempts, last
outcomes, creation dates over a year; inserted as superuser with session_replication_role =
replica: no trigger, no history rows), ANALYZEs, then in headless Chromium at 1440x900, as the
admin (every lead) and as supervisor1 (one campaign of 100,000):

  first page   /supervisor/leads opened: wall time until the first rows and the "≈ N" count
               are on screen, and the PostgREST request's duration (Resource Timing)
  next pages   the table scrolled to its end --pages times: wall time until the next 100 rows
               are in, and each request's duration
  scrolling    the loaded rows scrolled top to bottom and back one step per animation frame
               (bench.webphone_scroll's measure): frame work p95/max and the rows the DOM held
  search       a surname typed with other accents, then part of a phone number as typed
               (spaces): wall time until the list shows the matches, the request's duration
  filters      status new + the pool, sorted by next call; and the list sorted by attempts

Figures in bench/results/leads_screen.json, with the machine's load (it is shared).
"""

# ruff: noqa: E501 - the SQL and the summary line keep one clause per line

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import shutil
import statistics
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import psycopg
from playwright.sync_api import Browser, Page, expect, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from bench.webphone_scroll import loadavg, measure_scroll
from stack import lifecycle, postgres
from stack.config import PROJECT_DIR, StackConfig
from tests.e2e.webphone import CHROMIUM_ARGS, TIMEZONE, VIEWPORT, launch, sign_in
from tests.support.crm_data import SUPERVISOR1, make_campaign

DEFAULT_ROOT = Path("/tmp/bench-leads-screen")  # noqa: S108 (the bench's own stack)
RESULTS = PROJECT_DIR / "bench" / "results" / "leads_screen.json"
CAMPAIGNS = 10

GENERATE_SQL = """
insert into public.leads (campaign_id, first_name, last_name, phone, email, status, attempts,
  next_call_at, last_outcome, time_zone, created_at, updated_at, source)
select
  (%(campaigns)s::uuid[])[1 + g %% %(n_campaigns)s],
  (array['José','María','Begoña','Íñigo','Ramón','Lucía','Álvaro','Sofía','Jesús','Inés'])[1 + g %% 10],
  (array['Muñoz','Pérez','García','López','Martínez','Sánchez','Gómez','Díaz','Álvarez','Núñez',
         'Romero','Jiménez','Ibáñez','Peña','Castaño','Ortiz','Delgado','Ruiz','Moreno','Gil'])[1 + (g / 10) %% 20]
    || ' ' || (array['Vega','Soto','Cano','Prieto','Lozano','Nieto','Marín','Rubio','Molina','Ramos'])[1 + (g / 200) %% 10],
  '+3461' || lpad(g::text, 7, '0'),
  'lead' || g || '@example.com',
  (case when g %% 10 < 6 then 'new' when g %% 10 < 8 then 'retry' when g %% 10 = 8 then 'lost'
        else 'won' end)::public.lead_status,
  case when g %% 10 < 6 then 0 else 1 + g %% 4 end,
  case when g %% 10 < 8 then now() + (g %% 20000) * interval '1 minute' end,
  case when g %% 10 >= 6 then (array['no_answer','busy','voicemail','not_interested'])[1 + g %% 4] end,
  'Europe/Madrid',
  now() - (g %% 365) * interval '1 day' - (g %% 86400) * interval '1 second',
  now(),
  'bench'
from generate_series(0, %(leads)s - 1) as g
"""


def generate(db: psycopg.Connection, leads: int) -> dict:
    campaigns = [make_campaign(db, agents=[]) for _ in range(CAMPAIGNS - 1)]
    mine = make_campaign(db, agents=[], supervisor=SUPERVISOR1)
    # make_campaign names every campaign's supervisor; only one is supervisor1's.
    db.execute("delete from public.campaign_members where user_id = %s and campaign_id = any(%s)",
               (SUPERVISOR1, campaigns))
    campaigns.append(mine)
    started = time.monotonic()
    with db.transaction():
        db.execute("set local session_replication_role = replica")
        db.execute(GENERATE_SQL, {"campaigns": campaigns, "n_campaigns": CAMPAIGNS, "leads": leads})
    inserted = time.monotonic() - started
    db.execute("analyze public.leads")
    row = db.execute("select count(*) from public.leads").fetchone()
    total = row[0] if row else 0
    return {"campaigns": campaigns, "supervised_campaign": mine, "leads_total": total,
            "insert_s": round(inserted, 1), "with_analyze_s": round(time.monotonic() - started, 1)}


def _requests(page: Page) -> list[float]:
    """Durations (ms) of the PostgREST leads requests since the last call, then cleared."""
    durations = page.evaluate("""() => {
        const d = performance.getEntriesByType('resource')
          .filter((e) => e.name.includes('/rest/v1/leads?') || e.name.includes('/rest/v1/rpc/search_leads'))
          .map((e) => e.duration);
        performance.clearResourceTimings();
        return d;
    }""")
    return [round(x, 1) for x in durations]


def _loaded(page: Page) -> int:
    return int(page.locator("[data-test='leads-scroll']").get_attribute("data-loaded") or 0)


def _wait_list(page: Page, started: float, *, expect_rows: bool = True) -> float:
    """Wall ms from `started` until the list is read (rows shown, nothing loading)."""
    # A leads request has come back (Resource Timing lists it once done)...
    page.wait_for_function("""() => performance.getEntriesByType('resource')
        .some((e) => e.name.includes('/rest/v1/leads?') || e.name.includes('/rest/v1/rpc/search_leads'))""", timeout=60_000)
    if expect_rows:
        expect(page.locator("[data-test='lead-row']").first).to_be_visible(timeout=60_000)
    # ...and the list is not loading any more.
    page.wait_for_function("""() => {
        const box = document.querySelector("[data-test='leads-scroll']");
        return box && ![...box.querySelectorAll('td')].some((td) => td.textContent === 'Cargando…');
    }""", timeout=60_000)
    return round((time.monotonic() - started) * 1000, 1)


def _apply(page: Page, url: str) -> dict:
    _requests(page)
    started = time.monotonic()
    page.goto(url)
    wall = _wait_list(page, started)
    return {"wall_ms": wall, "request_ms": _requests(page),
            "count": page.locator("[data-test='leads-count']").get_attribute("data-count")}


def _search(page: Page, term: str) -> dict:
    _requests(page)
    box = page.locator("[data-test='leads-search']")
    box.fill(term)
    started = time.monotonic()
    page.locator("[data-test='leads-apply']").click()
    expect(page).to_have_url(re.compile(r"[?&]q="), timeout=10_000)
    wall = _wait_list(page, started)
    return {"term": term, "wall_ms": wall, "request_ms": _requests(page), "rows_loaded": _loaded(page),
            "count": page.locator("[data-test='leads-count']").get_attribute("data-count")}


def _pages(page: Page, pages: int) -> dict:
    walls: list[float] = []
    requests: list[float] = []
    box = page.locator("[data-test='leads-scroll']")
    for _ in range(pages):
        before = _loaded(page)
        _requests(page)
        started = time.monotonic()
        box.evaluate("(el) => { el.scrollTop = el.scrollHeight; }")
        page.wait_for_function(f"""() => Number(document.querySelector("[data-test='leads-scroll']")
            .getAttribute('data-loaded')) > {before}""", timeout=60_000)
        walls.append(round((time.monotonic() - started) * 1000, 1))
        requests.extend(_requests(page))
    return {"pages": pages, "rows_loaded": _loaded(page), "wall_ms": walls, "request_ms": requests,
            "wall_p50_ms": statistics.median(walls), "wall_max_ms": max(walls),
            "request_p50_ms": statistics.median(requests) if requests else None,
            "request_max_ms": max(requests) if requests else None}


def run_as(browser: Browser, config: StackConfig, email: str, pages: int, phone_part: str) -> dict:
    context = browser.new_context(viewport=VIEWPORT, locale="es-ES", timezone_id=TIMEZONE)
    page = context.new_page()
    page.goto(config.url + "/")
    sign_in(page, email)
    expect(page.locator("[data-test='nav-leads']")).to_be_visible(timeout=30_000)
    base = config.url + "/supervisor/leads"
    out: dict = {"who": email}

    def step(name: str, measure: Callable[[], dict]) -> None:
        # One step timing out is recorded as such; the others still run.
        try:
            out[name] = measure()
        except PlaywrightTimeoutError as e:
            out[name] = {"error": str(e).splitlines()[0]}

    step("first_page", lambda: _apply(page, base))
    step("next_pages", lambda: _pages(page, pages))
    page.wait_for_timeout(300)
    step("scrolling", lambda: measure_scroll(page, "[data-test='leads-scroll']", "tbody tr[data-test='lead-row']"))
    step("search_name", lambda: _search(page, "IBAÑEZ marín"))
    step("search_phone", lambda: _search(page, phone_part))
    step("status_pool_by_next_call", lambda: _apply(page, base + "?status=new&owner=pool&sort=next_call_at&dir=asc"))
    step("sorted_by_attempts", lambda: _apply(page, base + "?sort=attempts&dir=desc"))
    step("sorted_by_attempts_next_page", lambda: _pages(page, 2))
    context.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--pages", type=int, default=10)
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT)
    parser.add_argument("--keep", action="store_true", help="leave the stack running")
    parser.add_argument("--phase", choices=("all", "generate", "measure"), default="all",
                        help="generate: seed and keep the stack; measure: reuse a kept one")
    args = parser.parse_args()

    print(f"Stack in {args.root} (no workers)", flush=True)
    config = StackConfig.load_or_create(args.root, fixed_ports=False)
    seeded_file = args.root / "leads_screen_seeded.json"
    if args.phase != "measure":
        lifecycle.up(config, workers=False, progress=lambda m: print(f"  - {m}", flush=True))
    try:
        if args.phase == "measure":
            seeded = json.loads(seeded_file.read_text())
            # The kept stack gets the migrations and the webphone as they are now.
            lifecycle.supabase_cli(config, "db", "push", "--yes", "--include-all")
            postgres.psql(config, "-c", "notify pgrst, 'reload schema'")
            lifecycle.build_webphone(config)
        else:
            print(f"Generating {args.leads} leads", flush=True)
            with psycopg.connect(config.database_url, autocommit=True) as db:
                seeded = generate(db, args.leads)
            seeded_file.write_text(json.dumps(seeded))
            print(f"  {seeded['leads_total']} leads in {seeded['with_analyze_s']} s", flush=True)
        if args.phase == "generate":
            return
        load_before = loadavg()
        # Part of a number typed with spaces: +34610123400 to +34610123499, 100 leads.
        phone_part = "610 12 34"
        results = {}
        with sync_playwright() as p:
            browser = launch(p, CHROMIUM_ARGS)
            for who, email in (("admin", "admin@demo.test"), ("supervisor", "supervisor1@demo.test")):
                print(f"Measuring as {email}", flush=True)
                results[who] = run_as(browser, config, email, args.pages, phone_part)
            browser.close()
        load_after = loadavg()
    finally:
        if not args.keep and args.phase != "generate":
            lifecycle.down(config, progress=lambda m: print(f"  - {m}", flush=True))
            shutil.rmtree(args.root, ignore_errors=True)

    result = {
        "bench": "leads_screen",
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "leads": seeded["leads_total"], "viewport": VIEWPORT, "page_size": 100,
        "results": results,
        "loadavg_before": load_before, "loadavg_after": load_after,
        "uptime": subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip(),
        "nproc": int(subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()),
        "seeded": {k: v for k, v in seeded.items() if k != "campaigns"},
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    for who, r in results.items():
        print(who, json.dumps({k: (v.get("wall_ms") or v.get("wall_p50_ms") or v.get("p95_ms") or v.get("error"))
                               for k, v in r.items() if isinstance(v, dict)}, ensure_ascii=False))


if __name__ == "__main__":
    main()
