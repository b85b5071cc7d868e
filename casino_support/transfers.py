"""An agent hands a conversation to a named colleague or to a team queue.

- To a colleague: the colleague must be online and available (not away); the
  conversation stays active, now theirs (they have not spoken yet: only an agent who
  spoke is announced as ending it).
- To a team (``casino_support.teams``): the conversation waits again, for that team, and
  keeps its creation time, so it comes before newer requests of its priority.

Only the agent who holds the conversation, or a supervisor, may transfer it. Each transfer
is audited (``handoff_transferred``: who, from whom, to whom or which team).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Dict, Optional

from sqlalchemy import select, update

from . import agents
from .agents import check_agent_name
from .catalogue import say
from .clock import resolve_now
from .database import use_session
from .handoffs import (
    HandoffConflict, HandoffInfo, NotTaken, Source, _audit, _actor, _info, _position,
    _require_open,
)
from .models import Agent, Handoff
from .teams import teams


class TransferRefused(ValueError):
    """The transfer cannot be made (unknown team, colleague offline or away, oneself)."""


@dataclass(frozen=True)
class Transfer:
    handoff: HandoffInfo  # as it is now: active with the colleague, or waiting for the team
    previous_agent: str
    to_agent: Optional[str]
    to_team: Optional[str]
    team_label: Optional[str]


def transfer(source: Source, conversation_id: str, agent: str, *, to_agent: Optional[str] = None,
             to_team: Optional[str] = None, now: Optional[datetime] = None) -> Transfer:
    """Transfer the conversation ``agent`` holds to ``to_agent`` or to ``to_team``."""
    check_agent_name(agent)
    if (to_agent is None) == (to_team is None):
        raise TransferRefused(say("console.transfer.choose"))
    now = resolve_now(now)
    with use_session(source) as session:
        handoff = _require_open(session, conversation_id)
        if handoff.status != "active":
            raise NotTaken(conversation_id)
        holder = handoff.agent or ""
        if holder != agent and not agents.is_supervisor(session, agent):
            raise HandoffConflict(conversation_id, holder, agent)
        known_teams = teams()
        values: Dict[str, object]
        if to_team is not None:
            if to_team not in known_teams:
                raise TransferRefused(say("console.transfer.unknown_team"))
            values = dict(status="waiting", agent=None, taken_at=None, agent_replied_at=None,
                          team=to_team)
        else:
            assert to_agent is not None  # one of the two, checked above
            check_agent_name(to_agent)
            if to_agent == holder:
                raise TransferRefused(say("console.transfer.same_agent"))
            if to_agent not in agents.available_agents(session, now=now):
                raise TransferRefused(say("console.transfer.unavailable", agent=to_agent))
            values = dict(agent=to_agent, agent_replied_at=None)
        moved = session.execute(
            update(Handoff)
            .where(Handoff.id == handoff.id, Handoff.status == "active", Handoff.agent == holder)
            .values(**values)
            .execution_options(synchronize_session=False))
        session.refresh(handoff)
        if moved.rowcount != 1:  # handed back, closed, released or taken over meanwhile
            raise HandoffConflict(conversation_id, handoff.agent, agent)
        _audit(session, _actor(agent), "handoff_transferred", handoff, now, previous_agent=holder,
               to_agent=to_agent, to_team=to_team)
        return Transfer(_info(handoff, now, _position(session, handoff)), holder, to_agent, to_team,
                        known_teams.get(to_team) if to_team else None)


def agent_teams(source: Source) -> Dict[str, Optional[str]]:
    """Each active agent's team (None: no team)."""
    with use_session(source) as session:
        rows = session.execute(select(Agent.name, Agent.team).where(Agent.active.is_(True)))
        return {name: team for name, team in rows}


def set_agent_team(source: Source, name: str, team: Optional[str]) -> None:
    """Put an agent in a team (None: no team, takes any conversation)."""
    if team is not None and team not in teams():
        raise TransferRefused(say("console.transfer.unknown_team_named", team=team))
    with use_session(source) as session:
        changed = session.execute(update(Agent).where(Agent.name == name).values(team=team))
        if changed.rowcount != 1:
            raise LookupError(f"no agent {name!r}")
