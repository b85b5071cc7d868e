"""The handoff queue: conversations waiting for, or talking with, a human agent.

A handoff goes ``waiting`` (in the queue, the bot paused) -> ``active`` (an agent took
it) -> ``handed_back`` (the bot answers again) or ``closed`` (the agent ended it). A
conversation has at most one open (waiting or active) handoff: ``enqueue`` returns it
instead of queueing the conversation twice.

The queue is ordered by priority (urgent, high, normal), then by creation time: a
handoff whose priority is raised keeps its place in time. ``position`` is the 1-based
rank of a waiting handoff among the waiting ones (None when active or finished).

Every function takes ``source``, an open ``Session`` (the caller commits) or a
``Database`` (the function commits). Datetimes are timezone-aware UTC; ``now`` defaults
to the current time. Each change writes an audit event (actor ``bot`` for ``enqueue``,
``agent:NAME`` for the agents' actions).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Dict, Iterable, List, Optional, Union

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from .agents import check_agent_name
from .audit import record_audit_event
from .clock import aware_utc, resolve_now, to_db_time
from .database import Database, use_session
from .escalation import check_priority, priority_rank
from .identity import is_valid_player_id
from .models import OPEN_HANDOFF_STATUSES, Handoff

Source = Union[Session, Database]

MAX_CONVERSATION_ID_LENGTH = 128
MAX_REASON_LENGTH = 255


class HandoffError(Exception):
    """Base class of the handoff queue's refusals."""


class NoOpenHandoff(HandoffError, LookupError):
    """The conversation has no waiting or active handoff."""

    def __init__(self, conversation_id: Any):
        super().__init__(f"no open handoff for conversation {conversation_id!r}")
        self.conversation_id = conversation_id


class HandoffConflict(HandoffError):
    """Another agent already holds this conversation."""

    def __init__(self, conversation_id: str, holder: Optional[str], agent: str):
        super().__init__(f"conversation {conversation_id!r} is already taken by agent "
                         f"{holder!r}, not {agent!r}")
        self.conversation_id = conversation_id
        self.holder = holder  # the agent who has it
        self.agent = agent  # the agent who asked


@dataclass(frozen=True)
class HandoffInfo:
    handoff_id: int
    conversation_id: str
    player_id: Optional[str]
    reason: Optional[str]
    priority: str  # "urgent" / "high" / "normal"
    status: str  # "waiting" / "active" / "handed_back" / "closed"
    agent: Optional[str]  # the agent who took (or ended) it
    created_at: datetime
    taken_at: Optional[datetime]
    closed_at: Optional[datetime]
    position: Optional[int]  # 1-based among waiting handoffs; None unless waiting
    waiting_seconds: int  # time spent waiting: until taken, closed, or now

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_HANDOFF_STATUSES

    def as_dict(self) -> Dict[str, Any]:
        """JSON-ready (datetimes as ISO 8601 UTC strings)."""
        return {
            "handoff_id": self.handoff_id, "conversation_id": self.conversation_id,
            "player_id": self.player_id, "reason": self.reason, "priority": self.priority,
            "status": self.status, "agent": self.agent, "position": self.position,
            "waiting_seconds": self.waiting_seconds,
            "created_at": _iso(self.created_at), "taken_at": _iso(self.taken_at),
            "closed_at": _iso(self.closed_at),
        }


# --- helpers -------------------------------------------------------------------------

def _iso(value: Optional[datetime]) -> Optional[str]:
    return None if value is None else value.isoformat()


def _check_conversation_id(conversation_id: Any) -> str:
    if (not isinstance(conversation_id, str) or not conversation_id.strip()
            or len(conversation_id) > MAX_CONVERSATION_ID_LENGTH):
        raise ValueError(f"conversation id: 1 to {MAX_CONVERSATION_ID_LENGTH} characters")
    return conversation_id


def _check_player_id(player_id: Any) -> Optional[str]:
    if player_id is None:
        return None
    if not is_valid_player_id(player_id):
        raise ValueError(f"invalid player id: {player_id!r}")
    return player_id


def _check_reason(reason: Any) -> Optional[str]:
    if reason is None:
        return None
    if not isinstance(reason, str):
        raise ValueError("reason must be a string")
    return reason.strip()[:MAX_REASON_LENGTH] or None


def _queue_key(handoff: Handoff):
    return (priority_rank(handoff.priority), handoff.created_at, handoff.id)


def _waiting_seconds(handoff: Handoff, now: datetime) -> int:
    end = handoff.taken_at or handoff.closed_at
    end = aware_utc(end) if end is not None else now
    return max(0, int((end - aware_utc(handoff.created_at)).total_seconds()))


def _info(handoff: Handoff, now: datetime, position: Optional[int] = None) -> HandoffInfo:
    return HandoffInfo(
        handoff_id=handoff.id, conversation_id=handoff.conversation_id,
        player_id=handoff.player_id, reason=handoff.reason, priority=handoff.priority,
        status=handoff.status, agent=handoff.agent,
        created_at=aware_utc(handoff.created_at), taken_at=aware_utc(handoff.taken_at),
        closed_at=aware_utc(handoff.closed_at),
        position=position if handoff.status == "waiting" else None,
        waiting_seconds=_waiting_seconds(handoff, now),
    )


def _open_rows(session: Session, conversation_id: Optional[str] = None) -> List[Handoff]:
    """Open handoffs, oldest first (normally one per conversation; duplicates written by
    two processes at the same instant are tolerated: the oldest one counts)."""
    query = (select(Handoff).where(Handoff.status.in_(OPEN_HANDOFF_STATUSES))
             .order_by(Handoff.created_at, Handoff.id))
    if conversation_id is not None:
        query = query.where(Handoff.conversation_id == conversation_id)
    return list(session.execute(query).scalars())


def _one_per_conversation(rows: Iterable[Handoff]) -> List[Handoff]:
    seen, kept = set(), []
    for row in rows:  # oldest first
        if row.conversation_id not in seen:
            seen.add(row.conversation_id)
            kept.append(row)
    return kept


def _ordered_queue(session: Session) -> List[Handoff]:
    return sorted(_one_per_conversation(_open_rows(session)), key=_queue_key)


def _position(session: Session, handoff: Handoff) -> Optional[int]:
    if handoff.status != "waiting":
        return None
    waiting = [row for row in _ordered_queue(session) if row.status == "waiting"]
    for index, row in enumerate(waiting, start=1):
        if row.id == handoff.id:
            return index
    return None


def _require_open(session: Session, conversation_id: str) -> Handoff:
    rows = _open_rows(session, conversation_id)
    if not rows:
        raise NoOpenHandoff(conversation_id)
    return rows[0]


def _audit(session: Session, actor: str, action: str, handoff: Handoff, now: datetime,
           **extra: Any) -> None:
    details = {"handoff_id": handoff.id, "conversation_id": handoff.conversation_id,
               "priority": handoff.priority, "reason": handoff.reason, **extra}
    record_audit_event(session, actor, action, player_id=handoff.player_id,
                       details=details, now=now)


def _actor(agent: str) -> str:
    return f"agent:{agent}"


# --- the player's side -------------------------------------------------------------------

def enqueue(source: Source, conversation_id: str, player_id: Optional[str],
            reason: Optional[str], priority: str = "normal",
            now: Optional[datetime] = None, actor: str = "bot") -> HandoffInfo:
    """Put the conversation in the queue; returns its handoff with its ``position``.

    Idempotent while the conversation has a waiting or active handoff: that one is
    returned, its priority raised (and its reason replaced) when ``priority`` is more
    urgent, its player id filled in when it had none. It keeps its creation time.
    """
    conversation_id = _check_conversation_id(conversation_id)
    player_id = _check_player_id(player_id)
    reason = _check_reason(reason)
    check_priority(priority)
    now = resolve_now(now)
    with use_session(source) as session:
        rows = _open_rows(session, conversation_id)
        if rows:
            handoff = rows[0]
            if priority_rank(priority) < priority_rank(handoff.priority):
                previous = handoff.priority
                handoff.priority = priority
                handoff.reason = reason or handoff.reason
                _audit(session, actor, "handoff_priority_raised", handoff, now,
                       previous_priority=previous)
            if handoff.player_id is None and player_id is not None:
                handoff.player_id = player_id
            session.flush()
        else:
            handoff = Handoff(conversation_id=conversation_id, player_id=player_id,
                              reason=reason, priority=priority, status="waiting",
                              created_at=to_db_time(now))
            session.add(handoff)
            session.flush()
            _audit(session, actor, "handoff_enqueued", handoff, now)
        return _info(handoff, now, _position(session, handoff))


def current_handoff(source: Source, conversation_id: str,
                    now: Optional[datetime] = None) -> Optional[HandoffInfo]:
    """The conversation's waiting or active handoff (with its position), else None."""
    if not isinstance(conversation_id, str):
        return None
    now = resolve_now(now)
    with use_session(source) as session:
        rows = _open_rows(session, conversation_id)
        if not rows:
            return None
        return _info(rows[0], now, _position(session, rows[0]))


def open_queue(source: Source, now: Optional[datetime] = None) -> List[HandoffInfo]:
    """Waiting and active handoffs, by priority (urgent, high, normal) then age."""
    now = resolve_now(now)
    with use_session(source) as session:
        result, position = [], 0
        for handoff in _ordered_queue(session):
            if handoff.status == "waiting":
                position += 1
                result.append(_info(handoff, now, position))
            else:
                result.append(_info(handoff, now))
        return result


def waiting_count(source: Source) -> int:
    """How many conversations are waiting for an agent."""
    return sum(1 for item in open_queue(source) if item.status == "waiting")


def list_handoffs(source: Source, now: Optional[datetime] = None,
                  include_finished: bool = True, limit: int = 200) -> List[HandoffInfo]:
    """``open_queue()``, then (``include_finished``) the latest finished handoffs,
    most recently created first (at most ``limit`` of them)."""
    now = resolve_now(now)
    with use_session(source) as session:
        result = open_queue(session, now)
        if include_finished:
            query = (select(Handoff)
                     .where(Handoff.status.not_in(OPEN_HANDOFF_STATUSES))
                     .order_by(Handoff.created_at.desc(), Handoff.id.desc()).limit(limit))
            result.extend(_info(row, now) for row in session.execute(query).scalars())
        return result


# --- the agents' side --------------------------------------------------------------------

def take(source: Source, conversation_id: str, agent: str,
         now: Optional[datetime] = None) -> HandoffInfo:
    """The agent takes the conversation: waiting -> active.

    Taking again one's own active handoff returns it unchanged. Raises
    ``HandoffConflict`` when another agent has it, ``NoOpenHandoff`` when there is
    nothing to take.
    """
    check_agent_name(agent)
    now = resolve_now(now)
    with use_session(source) as session:
        handoff = _require_open(session, conversation_id)
        if handoff.status == "active":
            if handoff.agent != agent:
                raise HandoffConflict(conversation_id, handoff.agent, agent)
            return _info(handoff, now)
        # Conditional update: of two agents clicking at once, only one gets it.
        taken = session.execute(
            update(Handoff)
            .where(Handoff.id == handoff.id, Handoff.status == "waiting")
            .values(status="active", agent=agent, taken_at=to_db_time(now))
            .execution_options(synchronize_session=False))
        session.refresh(handoff)
        if taken.rowcount != 1:
            if handoff.status == "active" and handoff.agent == agent:
                return _info(handoff, now)
            if handoff.status == "active":
                raise HandoffConflict(conversation_id, handoff.agent, agent)
            raise NoOpenHandoff(conversation_id)
        _audit(session, _actor(agent), "handoff_taken", handoff, now, agent=agent)
        return _info(handoff, now)


def hand_back(source: Source, conversation_id: str, agent: str,
              now: Optional[datetime] = None) -> HandoffInfo:
    """The agent gives the conversation back to the bot: -> ``handed_back``."""
    return _finish(source, conversation_id, agent, "handed_back", now)


def close(source: Source, conversation_id: str, agent: str,
          now: Optional[datetime] = None) -> HandoffInfo:
    """The agent ends the conversation: -> ``closed``."""
    return _finish(source, conversation_id, agent, "closed", now)


def _finish(source: Source, conversation_id: str, agent: str, status: str,
            now: Optional[datetime]) -> HandoffInfo:
    """End the open handoff. An active one only by its agent (``HandoffConflict``
    otherwise); a waiting one by any agent (the player left, the bot can answer)."""
    check_agent_name(agent)
    now = resolve_now(now)
    with use_session(source) as session:
        rows = _open_rows(session, conversation_id)
        if not rows:
            raise NoOpenHandoff(conversation_id)
        handoff = rows[0]
        if handoff.status == "active" and handoff.agent != agent:
            raise HandoffConflict(conversation_id, handoff.agent, agent)
        expected = handoff.status
        finished = session.execute(
            update(Handoff)
            .where(Handoff.id == handoff.id, Handoff.status == expected)
            .values(status=status, agent=handoff.agent or agent, closed_at=to_db_time(now))
            .execution_options(synchronize_session=False))
        session.refresh(handoff)
        if finished.rowcount != 1:  # changed meanwhile by someone else
            if handoff.status == "active" and handoff.agent != agent:
                raise HandoffConflict(conversation_id, handoff.agent, agent)
            raise NoOpenHandoff(conversation_id)
        # Duplicates (see _open_rows) end with it.
        for duplicate in rows[1:]:
            duplicate.status = status
            duplicate.closed_at = to_db_time(now)
            duplicate.agent = duplicate.agent or agent
        action = "handoff_handed_back" if status == "handed_back" else "handoff_closed"
        _audit(session, _actor(agent), action, handoff, now, agent=agent,
               previous_status=expected)
        session.flush()
        return _info(handoff, now)
