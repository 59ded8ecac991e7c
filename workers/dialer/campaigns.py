"""One campaign as the dialer paces it: its Pacer, the floor as the Pacer sees it, the state
the supervisors see. Pure but for the clock values passed in (no I/O: `dialer` does it).

The floor (`private.dialer_floor`) becomes a `FloorSnapshot`; the Pacer's `Decision` becomes
the `dialer_campaign_state` row (`state()`). Handling times reach the Pacer when an agent who
talked is ready again: the talk time is the line's (connected to hang-up), the wrap-up time is
how long the floor showed the agent in `wrap_up`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from workers.dialer.pacing import (
    BusyAgent,
    Decision,
    FloorSnapshot,
    Ledger,
    Pacer,
    PacingSettings,
)

OFF = "off"


def pacing_settings(campaign: dict[str, Any], connect_within_s: float) -> PacingSettings:
    """The campaign's row as the Pacer's settings (ValueError: the Pacer refuses them)."""

    def number(key: str, default: float) -> float:
        value = campaign.get(key)
        return default if value is None else float(value)

    return PacingSettings(
        mode=str(campaign["dial_mode"]),
        abandon_target=number("abandon_target", 0.025),
        abandon_cap=number("abandon_cap", 0.03),
        max_lines_per_agent=number("max_lines_per_agent", 3.0),
        predictive_min_agents=int(number("predictive_min_agents", 5)),
        connect_within_s=connect_within_s,
    )


def _window(ledger: dict[str, Any], key: str) -> tuple[int, float]:
    """(live answers, abandoned) of a ledger window, the AMD false-positive estimate counted
    on both sides as dialer_compliance's rate does."""
    w = ledger.get(key) or {}
    fp = float(w.get("machine_false_positive_estimate") or 0)
    return int(w.get("live_answers") or 0) + round(fp), float(w.get("abandoned") or 0) + fp


def ledger_of(floor: dict[str, Any]) -> Ledger:
    ledger = floor.get("ledger") or {}
    live_24h, abandoned_24h = _window(ledger, "h24")
    live_30d, abandoned_30d = _window(ledger, "d30")
    return Ledger(live_answers_24h=live_24h, abandoned_24h=abandoned_24h,
                  live_answers_30d=live_30d, abandoned_30d=abandoned_30d)


@dataclass
class CampaignPacing:
    campaign_id: str
    settings: PacingSettings
    pacer: Pacer
    campaign: dict[str, Any]
    warmed: bool = False
    busy_before: dict[str, tuple[str, float]] = field(default_factory=dict)
    """agent_id -> (state, elapsed_s) at the last tick."""
    talked: dict[str, float] = field(default_factory=dict)
    """agent_id -> talk seconds of the call that agent is wrapping up."""
    last: Decision | None = None

    @classmethod
    def of(cls, campaign: dict[str, Any], settings: PacingSettings) -> CampaignPacing:
        return cls(campaign_id=str(campaign["id"]), settings=settings, pacer=Pacer(settings),
                   campaign=campaign)

    def warm(self, history: dict[str, Any], now_s: float, now_wall: float) -> int:
        """Feed the Pacer what the ledger remembers; returns how many items it took."""
        taken = 0
        for item in history.get("outcomes") or []:
            at = _epoch(item.get("at"), now_wall)
            result = str(item.get("result") or "")
            if result not in ("human", "machine", "busy", "no_answer", "failed"):
                continue
            self.pacer.observe_dial(now_s - (now_wall - at), result,
                                    float(item.get("ring_s") or 0.0))
            taken += 1
        for item in history.get("handling") or []:
            talk, wrap = item.get("talk_s"), item.get("wrap_s")
            if talk is None:
                continue
            at = _epoch(item.get("at"), now_wall)
            self.pacer.observe_handling(now_s - (now_wall - at), float(talk), float(wrap or 0))
            taken += 1
        self.warmed = True
        return taken

    def snapshot(self, floor: dict[str, Any], now_s: float) -> FloorSnapshot:
        lines = floor.get("lines") or {}
        busy = [BusyAgent(state=str(b["state"]), elapsed_s=float(b.get("elapsed_s") or 0))
                for b in floor.get("busy") or []]
        return FloorSnapshot(
            now_s=now_s,
            ready=int(floor.get("ready") or 0),
            busy=busy,
            paused=int(floor.get("paused") or 0),
            dialing=int(lines.get("dialing") or 0) + int(lines.get("analysing") or 0),
            waiting=int(lines.get("waiting") or 0),
            ledger=ledger_of(floor),
        )

    def track_handling(self, floor: dict[str, Any], now_s: float, tick_s: float) -> None:
        """An agent who was wrapping up and is no longer busy: one handling time observed."""
        now_busy = {str(b["agent_id"]): (str(b["state"]), float(b.get("elapsed_s") or 0))
                    for b in floor.get("busy") or [] if b.get("agent_id")}
        for agent_id, (state, elapsed) in self.busy_before.items():
            if agent_id in now_busy or state != "wrap_up":
                continue
            talk = self.talked.pop(agent_id, None)
            if talk is not None:
                self.pacer.observe_handling(now_s, talk, elapsed + tick_s / 2)
        self.busy_before = now_busy

    def state(self, decision: Decision | None, floor: dict[str, Any], lines: int,
              effective_mode: str | None = None) -> dict[str, Any]:
        """The dialer_campaign_state columns the worker writes."""
        busy = floor.get("busy") or []
        return {
            "effective_mode": effective_mode or (decision.effective_mode if decision else OFF),
            "fallback_reason": decision.fallback_reason if decision else None,
            "dial_ratio": round(decision.dial_ratio, 2) if decision else 0,
            "lines_in_progress": lines,
            "ready_agents": int(floor.get("ready") or 0),
            "talking_agents": sum(1 for b in busy if b.get("state") == "talking"),
            "wrap_up_agents": sum(1 for b in busy if b.get("state") == "wrap_up"),
            "paused_agents": int(floor.get("paused") or 0),
            "live_answer_rate": (round(decision.live_answer_rate, 4)
                                 if decision and decision.live_answer_rate is not None else None),
        }


def _epoch(value: Any, default: float) -> float:
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value).timestamp()
        except ValueError:
            return default
    if isinstance(value, datetime):
        return value.timestamp()
    return default
