"""Who is where, and what to write: the presence worker's decisions, without any I/O.

The watcher feeds the tracker what it learns (the roster from the database, which presence
channels are joined, who is present on each) and asks it, once a tick, what to write. Times are
seconds since the epoch (time.time()), so the time an agent left can be written as is.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

# The state of an agent whose row exists but whose value the tracker does not know (the worker's
# own mark_online found the agent no longer offline): anything but offline.
UNKNOWN = "unknown"


@dataclass(frozen=True)
class Offline:
    agent_id: str
    left_at: float  # when the agent was first seen absent everywhere


@dataclass(frozen=True)
class Online:
    agent_id: str


Decision = Offline | Online


@dataclass
class Agent:
    campaigns: frozenset[str]
    state: str | None  # None: never published a state (nothing to mark)


@dataclass(frozen=True)
class Malformed:
    """A presence that names no agent the way the contract says (key = meta.agent_id = user id)."""

    campaign_id: str
    key: str
    presence_ref: str
    why: str


def valid_presences(campaign_id: str, state: Mapping[str, Iterable[Mapping[str, Any]]]
                    ) -> tuple[set[str], list[Malformed]]:
    """The agent ids present on one channel, from realtime-py's presence state (key -> its
    presences, each {presence_ref, **meta}), and the presences that were ignored and why.

    A presence counts when its key is a uuid and its meta's agent_id is that same uuid; anything
    else (no agent_id, another agent's id, a key that is no uuid, a meta that is no object) is
    ignored: a client cannot keep someone else online by tracking under their key."""
    present: set[str] = set()
    malformed: list[Malformed] = []
    for key, presences in state.items():
        try:
            agent_id = str(uuid.UUID(key))
        except (TypeError, ValueError, AttributeError):
            agent_id = None
        for presence in presences:
            ref = str(presence.get("presence_ref", "")) if isinstance(presence, Mapping) else ""
            why = None
            if agent_id is None:
                why = "key is not a uuid"
            elif not isinstance(presence, Mapping):
                why = "meta is not an object"
            elif not isinstance(presence.get("agent_id"), str):
                why = "meta has no agent_id"
            elif presence["agent_id"].lower() != agent_id:
                why = "meta.agent_id is not the key"
            if why is None and agent_id is not None:
                present.add(agent_id)
            elif why is not None:
                malformed.append(Malformed(campaign_id, str(key)[:64], ref[:64], why))
    return present, malformed


class Tracker:
    """Presence per campaign channel, and per agent the time since they are absent everywhere.

    An agent is judged only while every channel of their campaigns is joined: a channel that is
    down (Realtime restarting, a join refused) hides whether they are there. An agent absent
    from all of them is marked offline once absent for `grace` seconds, and not before `settle`
    seconds after the latest (re)join of their channels, the time the webphones need to come back
    after Realtime itself restarted. An agent who is present and offline in the database is
    marked online at once.
    """

    def __init__(self, *, grace: float, settle: float) -> None:
        self.grace, self.settle = grace, settle
        self.agents: dict[str, Agent] = {}
        self.joined_at: dict[str, float] = {}     # campaign -> time of the channel's last join
        self.present: dict[str, set[str]] = {}    # campaign -> agents present on its channel
        self.absent_since: dict[str, float] = {}  # agent -> first seen absent everywhere

    # -- what the watcher learns -------------------------------------------------------------
    def set_roster(self, rows: Iterable[tuple[str, Iterable[str], str | None]]) -> None:
        """(agent_id, campaign_ids, state) for each agent watched (private.presence_roster)."""
        self.agents = {str(agent): Agent(frozenset(str(c) for c in campaigns), state)
                       for agent, campaigns, state in rows}
        for gone in set(self.absent_since) - set(self.agents):
            del self.absent_since[gone]

    def campaigns(self) -> set[str]:
        """The campaigns whose presence channels must be joined."""
        return {c for agent in self.agents.values() for c in agent.campaigns}

    def channel_joined(self, campaign_id: str, now: float) -> None:
        self.joined_at[campaign_id] = now
        self.present.setdefault(campaign_id, set())

    def channel_down(self, campaign_id: str) -> None:
        """Not joined (any more): what it said about presence no longer holds."""
        self.joined_at.pop(campaign_id, None)
        self.present.pop(campaign_id, None)

    def set_present(self, campaign_id: str, agents: set[str], now: float) -> None:
        """The agents present on one channel now; those who just left every channel are absent
        since `now`."""
        before = self.present.get(campaign_id, set())
        self.present[campaign_id] = set(agents)
        for agent in before - agents:
            if not self.is_present(agent):
                self.absent_since[agent] = now

    def is_present(self, agent_id: str) -> bool:
        return any(agent_id in agents for agents in self.present.values())

    # -- what to write -----------------------------------------------------------------------
    def decide(self, now: float) -> list[Decision]:
        decisions: list[Decision] = []
        for agent_id, agent in self.agents.items():
            if self.is_present(agent_id):
                self.absent_since.pop(agent_id, None)
                if agent.state == "offline":
                    decisions.append(Online(agent_id))
                continue
            joins = [self.joined_at.get(c) for c in agent.campaigns]
            if not joins or any(j is None for j in joins):
                continue  # some channel of theirs is not joined: cannot tell
            since = self.absent_since.setdefault(agent_id, now)
            latest_join = max(j for j in joins if j is not None)
            if (agent.state not in (None, "offline") and now - since >= self.grace
                    and now - latest_join >= self.settle):
                decisions.append(Offline(agent_id, since))
        return decisions

    def applied(self, decision: Decision, result: Any) -> None:
        """What the database answered: mark_offline's boolean (false: already offline, or no
        row), mark_online's restored state (null: the agent was not offline any more)."""
        agent = self.agents.get(decision.agent_id)
        if agent is None:
            return
        if isinstance(decision, Offline):
            agent.state = "offline"
        else:
            agent.state = result if isinstance(result, str) else UNKNOWN
