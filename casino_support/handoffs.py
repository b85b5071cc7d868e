"""The handoff queue: conversations waiting for, or talking with, a human agent.

A handoff goes ``waiting`` (in the queue, the bot paused) -> ``active`` (an agent took
it) -> ``handed_back`` (the bot answers again) or ``closed`` (ended). A conversation
has at most one open (waiting or active) handoff: ``enqueue`` returns it instead of
queueing the conversation twice.

The queue tells the truth: an open handoff exists only while a player waits for an
agent or talks with one (``queue_problems`` checks it).

* Nobody joins the queue before choosing to (the caller enqueues only when an agent is
  available, or when the player chose to wait). A ticket (``end(..., TICKET)``), the
  bot answering again (``bot_resumed``: a new session, a restart) and the player
  leaving (``sweep``: no widget connected for the presence grace) end it.
* No conversation is stranded with an agent who is gone: ``sweep`` (agent offline
  after the grace of a lost connection) and ``release_agent`` (logout) put it back in
  the queue, ahead of newer requests (it keeps its creation time), when an agent is
  available; otherwise it ends and the player is offered a ticket (``Released.offer``).
* Only an agent who wrote to the player is announced as ending the conversation
  (``HandoffInfo.agent_replied``, set by ``record_reply``).
* A supervisor may take over a conversation another agent holds
  (``take(..., takeover=True)``, audited ``handoff_taken_over``).

The queue is ordered by priority (urgent, high, normal), then by creation time: a
handoff whose priority is raised keeps its place in time. ``position`` is the 1-based
rank of a waiting handoff among the waiting ones (None when active or finished).

Every function takes ``source``, an open ``Session`` (the caller commits) or a
``Database`` (the function commits). Datetimes are timezone-aware UTC; ``now`` defaults
to the current time. Each change writes an audit event (actor ``bot`` for ``enqueue``,
``agent:NAME`` for the agents' actions).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Tuple, Union

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from . import agents
from .agents import check_agent_name
from .audit import record_audit_event
from .clock import aware_utc, resolve_now, to_db_time
from .database import Database, use_session
from .escalation import check_priority, priority_rank
from .identity import is_valid_player_id
from .models import OPEN_HANDOFF_STATUSES, Handoff
from .teams import team_of

Source = Union[Session, Database]

MAX_CONVERSATION_ID_LENGTH = 128
MAX_REASON_LENGTH = 255

# Why a handoff changed without an agent's action (audit ``why``, ``Released.why``).
AGENT_OFFLINE = "agent_offline"  # the agent's console was gone for the presence grace
AGENT_LOGOUT = "agent_logout"
PLAYER_LEFT = "player_left"  # no widget of the conversation for the presence grace
CHAT_CLOSED = "chat_closed"  # the live-chat hours ended while the player waited
BOT_RESUMED = "bot_resumed"  # the bot answers the player again (new session, restart)
TICKET = "ticket"  # the player chose a ticket

# What the player is offered then (``Released.offer``).
BACK_IN_QUEUE = "back_in_queue"  # waiting again, ahead of newer requests
OFFER_TICKET_OR_WAIT = "ticket_or_wait"  # chat open, nobody available: a ticket, or wait
OFFER_TICKET = "ticket"  # the chat is closed: a ticket
NOTHING = "nothing"  # the player has left

# Rasa's tracker events (``event`` names) that pause and resume the bot.
PAUSE_EVENT = "pause"
RESUME_EVENTS = ("resume", "restart", "session_started")


class HandoffError(Exception):
    """Base class of the handoff queue's refusals."""


class NoOpenHandoff(HandoffError, LookupError):
    """The conversation has no waiting or active handoff."""

    def __init__(self, conversation_id: Any):
        super().__init__(f"no open handoff for conversation {conversation_id!r}")
        self.conversation_id = conversation_id


class NotTaken(HandoffError):
    """An agent wrote to a conversation still waiting in the queue."""

    def __init__(self, conversation_id: str):
        super().__init__(f"conversation {conversation_id!r} is not taken yet")
        self.conversation_id = conversation_id


class NotSupervisor(HandoffError, PermissionError):
    """Only a supervisor may take over a conversation another agent holds."""

    def __init__(self, agent: str):
        super().__init__(f"agent {agent!r} is not a supervisor")
        self.agent = agent


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
    agent_replied: bool = False  # the agent holding (or who ended) it wrote to the player
    player_seen_at: Optional[datetime] = None  # last time a widget was connected
    team: str = "general"  # the team queue it waits in (casino_support.teams)

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
            "closed_at": _iso(self.closed_at), "agent_replied": self.agent_replied,
            "team": self.team,
        }


@dataclass(frozen=True)
class Released:
    """A handoff that left its agent or the queue without an agent's action."""

    handoff: HandoffInfo  # as it is now: waiting again (with its position), or closed
    why: str  # AGENT_OFFLINE, AGENT_LOGOUT, PLAYER_LEFT or CHAT_CLOSED
    previous_agent: Optional[str]  # the agent who held it, if one did
    offer: str  # BACK_IN_QUEUE, OFFER_TICKET_OR_WAIT, OFFER_TICKET or NOTHING


@dataclass(frozen=True)
class PauseState:
    """Whether the bot is paused in a conversation, and since when (its last pause)."""

    paused: bool
    paused_at: Optional[datetime]


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
        agent_replied=handoff.agent_replied_at is not None,
        player_seen_at=aware_utc(handoff.player_seen_at),
        team=team_of(handoff.team, handoff.reason),
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
         now: Optional[datetime] = None, takeover: bool = False) -> HandoffInfo:
    """The agent takes the conversation: waiting -> active.

    Taking again one's own active handoff returns it unchanged. Raises
    ``HandoffConflict`` when another agent has it, ``NoOpenHandoff`` when there is
    nothing to take. With ``takeover``, a supervisor takes it from the agent who holds
    it (``NotSupervisor`` for anyone else).
    """
    check_agent_name(agent)
    now = resolve_now(now)
    with use_session(source) as session:
        handoff = _require_open(session, conversation_id)
        if handoff.status == "active":
            if handoff.agent == agent:
                return _info(handoff, now)
            if not takeover:
                raise HandoffConflict(conversation_id, handoff.agent, agent)
            return _take_over(session, handoff, agent, now)
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


def _take_over(session: Session, handoff: Handoff, supervisor: str,
               now: datetime) -> HandoffInfo:
    if not agents.is_supervisor(session, supervisor):
        raise NotSupervisor(supervisor)
    previous = handoff.agent
    moved = session.execute(
        update(Handoff)
        .where(Handoff.id == handoff.id, Handoff.status == "active", Handoff.agent == previous)
        .values(agent=supervisor, agent_replied_at=None)
        .execution_options(synchronize_session=False))
    session.refresh(handoff)
    if moved.rowcount != 1:  # handed back, closed or released meanwhile
        if handoff.status == "active":
            raise HandoffConflict(handoff.conversation_id, handoff.agent, supervisor)
        raise NoOpenHandoff(handoff.conversation_id)
    _audit(session, _actor(supervisor), "handoff_taken_over", handoff, now, agent=supervisor,
           previous_agent=previous)
    return _info(handoff, now)


def record_reply(source: Source, conversation_id: str, agent: str,
                 now: Optional[datetime] = None) -> HandoffInfo:
    """The agent is about to write to the player: allowed only to the agent who holds
    the conversation (``NotTaken`` while it waits, ``HandoffConflict`` for another
    agent, ``NoOpenHandoff``). Remembers that this agent spoke."""
    check_agent_name(agent)
    now = resolve_now(now)
    with use_session(source) as session:
        handoff = _require_open(session, conversation_id)
        if handoff.status != "active":
            raise NotTaken(conversation_id)
        if handoff.agent != agent:
            raise HandoffConflict(conversation_id, handoff.agent, agent)
        if handoff.agent_replied_at is None:
            session.execute(
                update(Handoff)
                .where(Handoff.id == handoff.id, Handoff.status == "active",
                       Handoff.agent == agent, Handoff.agent_replied_at.is_(None))
                .values(agent_replied_at=to_db_time(now))
                .execution_options(synchronize_session=False))
            session.refresh(handoff)
            if handoff.status != "active" or handoff.agent != agent:  # released meanwhile
                raise HandoffConflict(conversation_id, handoff.agent, agent)
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


# --- without an agent's action: tickets, the bot answering again, presence -----------------

def _close_open_rows(session: Session, conversation_id: str, now: datetime) -> List[Handoff]:
    """Close the conversation's open rows (conditionally: a row another process changed
    meanwhile is left alone); the rows this call closed, oldest first."""
    closed = []
    for row in _open_rows(session, conversation_id):
        result = session.execute(
            update(Handoff).where(Handoff.id == row.id, Handoff.status == row.status)
            .values(status="closed", closed_at=to_db_time(now))
            .execution_options(synchronize_session=False))
        session.refresh(row)
        if result.rowcount == 1:
            closed.append(row)
    return closed


def end(source: Source, conversation_id: str, why: str, now: Optional[datetime] = None,
        actor: str = "bot", handoff_id: Optional[int] = None) -> Optional[HandoffInfo]:
    """End the conversation's open handoff without an agent (``why``: ``TICKET``,
    ``BOT_RESUMED``...): -> ``closed``. With ``handoff_id``, only while that one is the
    open one. The ended handoff, None when none was open."""
    if not isinstance(conversation_id, str):
        return None
    now = resolve_now(now)
    with use_session(source) as session:
        previous = {row.id: row.status for row in _open_rows(session, conversation_id)}
        if not previous or (handoff_id is not None and next(iter(previous)) != handoff_id):
            return None
        closed = _close_open_rows(session, conversation_id, now)
        if not closed:
            return None
        _audit(session, actor, "handoff_closed", closed[0], now, why=why,
               previous_status=previous[closed[0].id])
        return _info(closed[0], now)


def touch_players(source: Source, conversation_ids: Iterable[str],
                  now: Optional[datetime] = None) -> int:
    """A widget of each of these conversations is connected at ``now`` (player
    presence, for their open handoffs). Returns how many handoffs were refreshed."""
    ids = sorted({cid for cid in conversation_ids if isinstance(cid, str)})
    if not ids:
        return 0
    with use_session(source) as session:
        result = session.execute(
            update(Handoff)
            .where(Handoff.conversation_id.in_(ids),
                   Handoff.status.in_(OPEN_HANDOFF_STATUSES))
            .values(player_seen_at=to_db_time(resolve_now(now)))
            .execution_options(synchronize_session=False))
        return result.rowcount


_Change = Tuple[Handoff, str, Optional[str], str]  # row, why, previous agent, offer


def _lose_agent(session: Session, row: Handoff, why: str, now: datetime, actor: str,
                chat_is_open: bool, agent_available: bool) -> Optional[_Change]:
    """The agent holding ``row`` is gone: back in the queue (it keeps its creation time,
    so it comes before newer requests) when the chat is open and an agent is available,
    else ended with a ticket offered."""
    previous = row.agent
    if chat_is_open and agent_available:
        result = session.execute(
            update(Handoff)
            .where(Handoff.id == row.id, Handoff.status == "active", Handoff.agent == previous)
            .values(status="waiting", agent=None, taken_at=None, agent_replied_at=None)
            .execution_options(synchronize_session=False))
        session.refresh(row)
        if result.rowcount != 1:
            return None
        _audit(session, actor, "handoff_requeued", row, now, why=why, previous_agent=previous)
        return row, why, previous, BACK_IN_QUEUE
    offer = OFFER_TICKET_OR_WAIT if chat_is_open else OFFER_TICKET
    return _close_for(session, row, why, now, actor, offer, previous)


def _close_for(session: Session, row: Handoff, why: str, now: datetime, actor: str,
               offer: str, previous_agent: Optional[str] = None) -> Optional[_Change]:
    status = row.status
    closed = _close_open_rows(session, row.conversation_id, now)
    if not closed or closed[0].id != row.id:
        return None
    _audit(session, actor, "handoff_closed", row, now, why=why, previous_status=status,
           previous_agent=previous_agent)
    return row, why, previous_agent, offer


def _released(session: Session, changes: Iterable[Optional[_Change]],
              now: datetime) -> List[Released]:
    return [Released(_info(row, now, _position(session, row)), why, previous, offer)
            for row, why, previous, offer in (c for c in changes if c is not None)]


def sweep(source: Source, now: Optional[datetime] = None,
          offline_after_seconds: Optional[float] = None,
          chat_is_open: bool = True) -> List[Released]:
    """Keep the queue true, after a console or a widget went away (run every few
    seconds by the agent desk; safe to run from several processes at once: each change
    is made by one of them only):

    * the player left (a widget was connected once, none for the grace): ended;
    * its agent is offline (no console for the grace, or logged out): back in the queue
      if the chat is open and an agent is available, else ended with a ticket offered;
    * it is waiting and the chat has closed: ended with a ticket offered.

    ``offline_after_seconds`` defaults to ``agents.offline_after_seconds()``.
    Returns what changed, for telling the players.
    """
    now = resolve_now(now)
    grace = (agents.offline_after_seconds() if offline_after_seconds is None
             else offline_after_seconds)
    gone_before = now - timedelta(seconds=grace)
    with use_session(source) as session:
        online = set(agents.online_agents(session, now, grace))
        available = bool(agents.available_agents(session, now, grace))
        changes: List[Optional[_Change]] = []
        for row in _ordered_queue(session):
            seen = aware_utc(row.player_seen_at)
            if seen is not None and seen < gone_before:
                changes.append(_close_for(session, row, PLAYER_LEFT, now, "system", NOTHING,
                                          row.agent))
            elif row.status == "active" and row.agent not in online:
                changes.append(_lose_agent(session, row, AGENT_OFFLINE, now, "system",
                                           chat_is_open, available))
            elif row.status == "waiting" and not chat_is_open:
                changes.append(_close_for(session, row, CHAT_CLOSED, now, "system",
                                          OFFER_TICKET))
        session.flush()
        return _released(session, changes, now)


def release_agent(source: Source, agent: str, now: Optional[datetime] = None,
                  chat_is_open: bool = True, why: str = AGENT_LOGOUT) -> List[Released]:
    """The agent logged out: each conversation they held goes back to the queue, or
    ends with a ticket offered (as in ``sweep``)."""
    check_agent_name(agent)
    now = resolve_now(now)
    with use_session(source) as session:
        available = bool(set(agents.available_agents(session, now)) - {agent})
        rows = [row for row in _ordered_queue(session)
                if row.status == "active" and row.agent == agent]
        changes = [_lose_agent(session, row, why, now, _actor(agent), chat_is_open, available)
                   for row in rows]
        session.flush()
        return _released(session, changes, now)


# --- the bot's side of the truth: is the conversation paused? -------------------------------

def pause_state(events: Iterable[Mapping[str, Any]]) -> PauseState:
    """From a conversation's tracker events, oldest first, as Rasa's JSON has them
    (``{"event": "pause", "timestamp": 1767225600.0, ...}``; only these two keys are
    read): whether the bot is paused now, and when it last was."""
    paused, paused_at = False, None
    for event in events:
        kind = event.get("event")
        if kind == PAUSE_EVENT:
            paused = True
            stamp = event.get("timestamp")
            if isinstance(stamp, (int, float)) and not isinstance(stamp, bool):
                paused_at = datetime.fromtimestamp(stamp, tz=timezone.utc)
        elif kind in RESUME_EVENTS:
            paused = False
    return PauseState(paused, paused_at)


def bot_resumed(handoff: HandoffInfo, state: PauseState) -> bool:
    """True when the bot answers the player again although the handoff is open: the
    conversation was paused for it (at or after its creation) and is no longer (a new
    session after a long silence, a restart). A handoff whose pause is not saved yet
    (the action that queued it is still running) is not taken for one."""
    return (handoff.is_open and not state.paused and state.paused_at is not None
            and state.paused_at >= handoff.created_at)


# --- the invariants -------------------------------------------------------------------------

def queue_problems(source: Source, now: Optional[datetime] = None,
                   offline_after_seconds: Optional[float] = None,
                   pause_of: Optional[Callable[[str], Optional[PauseState]]] = None
                   ) -> List[str]:
    """What makes the queue untrue now, one sentence per problem ([] when it tells the
    truth): a conversation with several open entries; a waiting entry with an agent, an
    active one without; an entry held by an agent who is offline (or unknown, disabled,
    logged out); an entry whose player left (no widget for the grace). With
    ``pause_of(conversation_id)`` (e.g. ``pause_state`` of its tracker events; None
    for an unknown conversation), also an entry whose conversation is not paused: the
    bot answers that player, who is then neither waiting for nor talking with an agent.

    The agent desk fixes agents and players gone within a few seconds (``sweep``): call
    this when the servers have been idle for that long (e.g. at the end of a soak)."""
    now = resolve_now(now)
    grace = (agents.offline_after_seconds() if offline_after_seconds is None
             else offline_after_seconds)
    with use_session(source) as session:
        rows = _open_rows(session)
        online = set(agents.online_agents(session, now, grace))
    problems = [f"{cid}: {count} open queue entries"
                for cid, count in Counter(row.conversation_id for row in rows).items()
                if count > 1]
    for row in _one_per_conversation(rows):
        where = f"{row.conversation_id} ({row.status})"
        if row.status == "waiting" and row.agent:
            problems.append(f"{where}: waiting, yet agent {row.agent!r} is named")
        if row.status == "active" and not row.agent:
            problems.append(f"{where}: active without an agent")
        elif row.status == "active" and row.agent not in online:
            problems.append(f"{where}: held by agent {row.agent!r}, who is offline")
        seen = aware_utc(row.player_seen_at)
        if seen is not None and seen < now - timedelta(seconds=grace):
            problems.append(f"{where}: the player left at {seen.isoformat()}")
        if pause_of is not None:
            state = pause_of(row.conversation_id)
            if state is None or not state.paused:
                problems.append(f"{where}: listed while the bot answers the player "
                                "(the conversation is not paused)")
    return problems
