"""The presence worker with the webphone's own client: supabase-js in Node tracks Presence as the
webphone does (tests/presence/webphone_agent.mjs); killing the process is a closed tab."""

from __future__ import annotations

import contextlib
import os
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from stack.config import PROJECT_DIR, StackConfig
from tests.presence.conftest import GRACE, PASSWORD, SETTLE, state_of, wait_state
from tests.support.waiting import wait_for

SCRIPT = PROJECT_DIR / "tests" / "presence" / "webphone_agent.mjs"
MARGIN = 2.5


@contextlib.contextmanager
def js_webphone(stack: StackConfig, email: str, campaigns: list[str], out: Path
                ) -> Iterator[subprocess.Popen]:
    env = {**os.environ, "SUPABASE_URL": stack.url, "SUPABASE_ANON_KEY": stack.anon_key,
           "USER_EMAIL": email, "USER_PASSWORD": PASSWORD, "CAMPAIGNS": ",".join(campaigns)}
    with open(out, "wb") as log:
        proc = subprocess.Popen(["node", str(SCRIPT)], cwd=PROJECT_DIR, env=env, stdout=log,
                                stderr=subprocess.STDOUT)
    try:
        wait_for(lambda: all(f"tracked {c} ok" in out.read_text() for c in campaigns)
                 or proc.poll() is not None, timeout=20, what="supabase-js to track")
        assert proc.poll() is None, out.read_text()
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_supabase_js_webphone_closed_and_opened_again(stack, db, agents, worker, tmp_path):
    campaign, [(agent, _token)] = agents(1)
    email = db.execute("select email from public.profiles where id = %s", (agent,)).fetchone()[0]
    with worker.running():
        with js_webphone(stack, email, [campaign], tmp_path / "js-1.log") as proc:
            worker.wait_joined(campaign)
            time.sleep(SETTLE + GRACE + 1)
            assert state_of(db, agent)["state"] == "available", "tracked with supabase-js"
            proc.kill()  # the tab (its process) is gone; the OS closes the socket
            proc.wait()
        closed = datetime.now(UTC)
        wait_state(db, agent, "offline", timeout=GRACE + MARGIN)
        assert (datetime.now(UTC) - closed).total_seconds() >= GRACE - 0.5

        with js_webphone(stack, email, [campaign], tmp_path / "js-2.log"):
            row = wait_state(db, agent, "available", timeout=MARGIN + 1)
            assert row["state_before_offline"] is None
