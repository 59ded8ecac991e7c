"""The model's rows as `calls` will hold them, for comparing with the sequences' expected rows.

The model sends intervals (ring, talk, whole call) and the database counts their seconds
(private.seconds_between: whole seconds, floored, never negative). This is that rule again, as
a test oracle only: the database tests check the real SQL against the same expected files, and
supabase/tests/calls/pbx_mirror_test.sql checks the rule itself.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from workers.ami_bridge.model import CallRow


def whole_seconds(start: datetime | None, end: datetime | None) -> int | None:
    if start is None or end is None:
        return None
    return max(0, math.floor((end - start).total_seconds()))


def as_stored(row: CallRow) -> dict[str, Any]:
    """row.as_dict(), with ring/talk/duration seconds in place of the instants that bound them."""
    out = row.as_dict()
    for key in ("ring_started_at", "ring_ended_at", "talk_ended_at"):
        del out[key]
    talk = whole_seconds(row.answered_at, row.talk_ended_at) or 0
    out["ring_seconds"] = whole_seconds(row.ring_started_at, row.ring_ended_at)
    out["talk_seconds"] = talk if row.status == "ended" else None
    out["duration_seconds"] = whole_seconds(row.started_at, row.ended_at)
    return out
