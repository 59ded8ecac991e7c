"""Driving wrk (Debian's HTTP load tool) against the stack, and reading its percentiles.

wrk prints p50/p75/p90/p99 only; a Lua `done` hook here prints the full set
(p50, p95, p99, max) and the counts as one JSON line, so nothing is parsed
from wrk's human-readable text.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

SCRIPT = r"""
local headers_list = {}
local bodies = {}
local method = "%(method)s"
local path = "%(path)s"
local n = 0

-- One request rotates through the prepared identities (agents), one per call.
init = function(args)
  local f = io.open("%(requests)s")
  for line in f:lines() do
    local token, body = line:match("^([^\t]*)\t?(.*)$")
    table.insert(headers_list, token)
    table.insert(bodies, body)
  end
  f:close()
  n = math.random(#headers_list)
end

request = function()
  n = n %% #headers_list + 1
  local headers = {
    ["apikey"] = "%(apikey)s",
    ["Authorization"] = "Bearer " .. headers_list[n],
    ["Content-Type"] = "application/json",
    ["Accept"] = "application/json",
  }
  local body = bodies[n]
  if body == "" then body = nil end
  return wrk.format(method, path, headers, body)
end

"""
# Appended to every script (bench/crm_api.py's too): the run's figures as one JSON line.
DONE = r"""
done = function(summary, latency, requests)
  io.write(string.format(
    '{"requests": %%d, "duration_us": %%d, "errors_status": %%d, "errors_connect": %%d,' ..
    ' "errors_timeout": %%d, "p50_us": %%d, "p95_us": %%d, "p99_us": %%d, "max_us": %%d}\n',
    summary.requests, summary.duration, summary.errors.status, summary.errors.connect,
    summary.errors.timeout, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max))
end
"""


@dataclass(frozen=True)
class Result:
    name: str
    requests: int
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    errors: int

    def line(self) -> str:
        return (f"{self.name:38} {self.rps:9.0f} req/s  p50 {self.p50_ms:6.2f} ms  "
                f"p95 {self.p95_ms:6.2f} ms  p99 {self.p99_ms:6.2f} ms  errors {self.errors}")


def run(name: str, url: str, path: str, *, apikey: str, tokens: list[str],
        bodies: list[str] | None = None, method: str = "GET", connections: int = 16,
        threads: int = 2, seconds: int = 15) -> Result:
    """Load url+path for `seconds` with `connections` clients, each request as the next token."""
    if not shutil.which("wrk"):
        raise RuntimeError("wrk is not installed (apt-get install wrk)")
    with tempfile.TemporaryDirectory() as tmp:
        requests = Path(tmp) / "requests.tsv"
        bodies = bodies or [""] * len(tokens)
        requests.write_text("".join(f"{t}\t{b}\n" for t, b in zip(tokens, bodies, strict=True)))
        script = Path(tmp) / "bench.lua"
        script.write_text((SCRIPT + DONE) % {"method": method, "path": path, "apikey": apikey,
                                             "requests": requests})
        out = subprocess.run(
            ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s",
             "-s", str(script), url],
            capture_output=True, text=True, check=True,
        ).stdout
    return parse(name, out)


def parse(name: str, out: str) -> Result:
    """The JSON line DONE printed in wrk's output, as a Result."""
    stats = json.loads(next(line for line in out.splitlines() if line.startswith("{")))
    seconds_run = stats["duration_us"] / 1e6
    errors = stats["errors_status"] + stats["errors_connect"] + stats["errors_timeout"]
    return Result(name, stats["requests"], stats["requests"] / seconds_run,
                  stats["p50_us"] / 1000, stats["p95_us"] / 1000, stats["p99_us"] / 1000,
                  stats["max_us"] / 1000, errors)
