"""Scrolling the supervisor's long lists: the live floor and the validation queue with 1,000 rows.

    .venv/bin/python -m bench.webphone_scroll [--rows 1000] [--keep]

Issue 13's budget: "the floor and the validation queue stay smooth with 1,000 rows
(virtualised: one frame under 16 ms while scrolling, measured with the browser's performance
API)". The bench starts its own stack (no workers), seeds 1,000 agents with published states
in a throwaway campaign run by supervisor1 (the floor) and 1,000 pending sales in another (the
validation queue), signs supervisor1 in, in headless Chromium at 1440x900, opens each screen and
scrolls its virtualised table from top to bottom and back, one step per animation frame.

Each frame's work starts with the scroll event of the previous step (the virtualiser's handler
and React's synchronous render of the rows now in view run in it), then the requestAnimationFrame
callback moves scrollTop by one more step, and a message posted from it runs once the frame's
style, layout and paint are done; performance.measure() records the span from the scroll event
to that message as the frame's work. The rAF-to-rAF intervals are reported beside it (the
display's pace: about 16.7 ms at 60 Hz, longer when a frame was dropped), and how many rows the
DOM held at most (virtualisation: a screenful, not 1,000). Figures in
bench/results/webphone_scroll.json, with the machine's load (the machine is shared).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path

import psycopg
from playwright.sync_api import Page, expect, sync_playwright

from stack import lifecycle
from stack.config import PROJECT_DIR, StackConfig
from tests.e2e.webphone import CHROMIUM_ARGS, VIEWPORT, launch, sign_in
from tests.support.crm_data import agent_id, make_campaign
from tests.support.supervisor_data import make_floor, make_pending_sales

DEFAULT_ROOT = Path("/tmp/bench-webphone-scroll")  # noqa: S108 (the bench's own stack)
RESULTS = PROJECT_DIR / "bench" / "results" / "webphone_scroll.json"
SUPERVISOR = "supervisor1@demo.test"
FRAME_BUDGET_MS = 16.0
STEP_PX = 120  # per frame: a brisk wheel scroll, a couple of rows each frame

MEASURE_JS = """
async ([selector, rowSelector, step]) => {
  const box = document.querySelector(selector);
  if (!box) throw new Error(`no ${selector}`);
  const work = [];
  const intervals = [];
  let maxRows = 0;
  let lastStart = null;
  // A frame's work starts with the scroll event (the virtualiser's handler and React's
  // render of the rows now in view run in it), or with the rAF callback if none came.
  let scrollAt = null;
  box.addEventListener('scroll', () => { if (scrollAt === null) scrollAt = performance.now(); },
    { capture: true, passive: true });
  const frame = (direction) => new Promise((resolve) => {
    requestAnimationFrame((stamp) => {
      if (lastStart !== null) intervals.push(stamp - lastStart);
      lastStart = stamp;
      const now = performance.now();
      const start = scrollAt !== null && scrollAt <= now ? scrollAt : now;
      scrollAt = null;
      box.scrollTop += direction * step;
      const channel = new MessageChannel();
      channel.port1.onmessage = () => {
        const end = performance.now();
        const m = performance.measure(`scroll-frame-${work.length}`, { start, end });
        work.push(m.duration);
        maxRows = Math.max(maxRows, box.querySelectorAll(rowSelector).length);
        resolve();
      };
      // A task posted now runs once this frame's style, layout and paint are done.
      channel.port2.postMessage(0);
    });
  });
  box.scrollTop = 0;
  await new Promise((r) => setTimeout(r, 300));
  for (const direction of [1, -1]) {
    let guard = 0;
    while (guard++ < 5000) {
      const before = box.scrollTop;
      await frame(direction);
      if (box.scrollTop === before) break;
    }
    lastStart = null;
  }
  performance.clearMeasures();
  const { scrollHeight, clientHeight } = box;
  return { work, intervals, maxRows, scrollHeight, clientHeight };
}
"""


def _stats(values: list[float]) -> dict:
    if not values:
        return {"max": None, "p95": None, "mean": None, "frames": 0}
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"max": round(ordered[-1], 2), "p95": round(p95, 2),
            "mean": round(sum(ordered) / len(ordered), 2), "frames": len(ordered)}


def measure_scroll(page: Page, container_selector: str,
                   row_selector: str = "tbody tr[data-index]", step_px: int = STEP_PX) -> dict:
    """Scroll the virtualised container top to bottom and back, one step per animation frame;
    each frame's work (performance.measure from the rAF callback to a message posted after the
    frame) and the rAF intervals: max/p95/mean ms, and the most rows the DOM held."""
    raw = page.evaluate(MEASURE_JS, [container_selector, row_selector, step_px])
    work = _stats(raw["work"])
    return {
        "frame_work_ms": work,
        "raf_interval_ms": _stats(raw["intervals"]),
        "max_ms": work["max"], "p95_ms": work["p95"], "mean_ms": work["mean"],
        "frames_over_budget": sum(1 for w in raw["work"] if w > FRAME_BUDGET_MS),
        "rows_in_dom_max": raw["maxRows"],
        "scroll_height_px": raw["scrollHeight"], "viewport_height_px": raw["clientHeight"],
    }


def loadavg() -> list[float]:
    return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]


def seed(config: StackConfig, rows: int) -> dict:
    with psycopg.connect(config.database_url, autocommit=True) as db:
        floor_campaign, _ = make_floor(db, rows, name="Banco")
        agent = agent_id(db, "agent5@demo.test")
        sales_campaign = make_campaign(db, agents=[agent])
        make_pending_sales(db, sales_campaign, agent, rows, first_name="Banco")
        return {"floor_campaign": floor_campaign, "sales_campaign": sales_campaign}


def run(config: StackConfig, rows: int) -> dict:
    results: dict = {}
    with sync_playwright() as p:
        browser = launch(p, CHROMIUM_ARGS)
        context = browser.new_context(viewport=VIEWPORT, locale="es-ES")
        page = context.new_page()
        page.goto(config.url + "/")
        sign_in(page, SUPERVISOR)
        expect(page.locator("[data-test='floor-screen']")).to_be_visible(timeout=30_000)
        agents = page.locator("[data-test='floor-stat-agents'] span").first
        expect(agents).to_have_text(str(min(rows + 8, 1000)), timeout=60_000)
        page.wait_for_timeout(500)
        results["floor"] = measure_scroll(page, "[data-test='floor-scroll']")
        results["floor"]["rows_total"] = int(agents.inner_text())

        page.locator("[data-test='nav-validation']").click()
        count = page.locator("[data-test='validation-count']")
        expect(count).to_have_text(str(min(rows, 1000)), timeout=60_000)
        page.wait_for_timeout(500)
        results["validation"] = measure_scroll(page, "[data-test='validation-scroll']")
        results["validation"]["rows_total"] = int(count.inner_text())
        browser.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT)
    parser.add_argument("--keep", action="store_true", help="leave the stack running")
    args = parser.parse_args()

    print(f"Stack in {args.root} (no workers)", flush=True)
    config = StackConfig.load_or_create(args.root, fixed_ports=False)
    lifecycle.up(config, workers=False, progress=lambda m: print(f"  - {m}", flush=True))
    try:
        print(f"Seeding {args.rows} agents with states and {args.rows} pending sales", flush=True)
        seeded = seed(config, args.rows)
        load_before = loadavg()
        measured = run(config, args.rows)
        load_after = loadavg()
    finally:
        if not args.keep:
            lifecycle.down(config, progress=lambda m: print(f"  - {m}", flush=True))
            shutil.rmtree(args.root, ignore_errors=True)

    verdict = {name: (m["p95_ms"] is not None and m["p95_ms"] < FRAME_BUDGET_MS)
               for name, m in measured.items()}
    result = {
        "bench": "webphone_scroll",
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "rows": args.rows, "step_px_per_frame": STEP_PX, "viewport": VIEWPORT,
        "frame_budget_ms": FRAME_BUDGET_MS,
        "results": measured,
        "p95_within_budget": verdict,
        "loadavg_before": load_before, "loadavg_after": load_after,
        "uptime": subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip(),
        "nproc": int(subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()),
        "seeded": seeded,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    for name, m in measured.items():
        print(f"{name:10s} rows {m['rows_total']:5d}  in DOM max {m['rows_in_dom_max']:3d}  "
              f"frame work ms: max {m['max_ms']}  p95 {m['p95_ms']}  mean {m['mean_ms']}  "
              f"(>{FRAME_BUDGET_MS:.0f} ms: {m['frames_over_budget']} of "
              f"{m['frame_work_ms']['frames']})  rAF interval p95 "
              f"{m['raf_interval_ms']['p95']}")
    print(f"load {load_before} -> {load_after}; {result['uptime']}")
    print(f"written {RESULTS.relative_to(PROJECT_DIR)}")


if __name__ == "__main__":
    main()
