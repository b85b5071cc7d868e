"""Past conversations for the agents: found by player, by reference or (with the
conversation ids the tracker store matched, ``casino_connector.conversation_search``)
by the text of their messages.

A result is a handoff (``H-<id>``: date, player, agent, outcome, satisfaction rating,
the tickets of its conversation), or a ticket whose conversation never reached the
queue (outside hours). Newest first, at most ``MAX_RESULTS`` a page (``offset`` for the
next ones). Everything is read with bound parameters (SQLAlchemy expressions), never
built from the query text.

Every function takes ``source``, an open ``Session`` or a ``Database``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Dict, List, Optional, Sequence, Union

from sqlalchemy import false, select
from sqlalchemy.orm import Session

from .clock import aware_utc
from .database import Database, use_session
from .identity import is_valid_player_id
from .models import Handoff, Ticket
from .satisfaction import ratings_of

Source = Union[Session, Database]

MAX_RESULTS = 50
MAX_OFFSET = 1000
HANDOFF_REFERENCE = re.compile(r"^\s*H-(\d{1,12})\s*$", re.IGNORECASE)
TICKET_REFERENCE = re.compile(r"^\s*T-\d{4}-\d{1,12}\s*$", re.IGNORECASE)


def handoff_reference(handoff_id: int) -> str:
    return f"H-{handoff_id}"


@dataclass(frozen=True)
class SearchResult:
    kind: str  # "handoff" or "ticket"
    reference: str  # "H-12" or the ticket's reference
    conversation_id: Optional[str]
    date: datetime
    player_id: Optional[str]
    agent: Optional[str]
    outcome: str  # the handoff's status, or "ticket"
    handoff_id: Optional[int] = None
    rating: Optional[int] = None
    comment: Optional[str] = None
    tickets: List[str] = field(default_factory=list)

    def as_dict(self) -> Dict[str, Any]:
        return {"kind": self.kind, "reference": self.reference,
                "conversation_id": self.conversation_id, "date": self.date.isoformat(),
                "player_id": self.player_id, "agent": self.agent, "outcome": self.outcome,
                "handoff_id": self.handoff_id, "rating": self.rating, "comment": self.comment,
                "tickets": list(self.tickets)}


@dataclass(frozen=True)
class SearchPage:
    results: List[SearchResult]
    offset: int
    more: bool  # there are results after this page

    def as_dict(self) -> Dict[str, Any]:
        return {"results": [r.as_dict() for r in self.results], "offset": self.offset,
                "more": self.more}


def kind_of(query: str) -> str:
    """How an agent's query reads: ``player``, ``reference`` or ``text``."""
    if HANDOFF_REFERENCE.match(query) or TICKET_REFERENCE.match(query):
        return "reference"
    if re.fullmatch(r"\s*[A-Za-z]\d+\s*", query) and is_valid_player_id(query.strip()):
        return "player"
    return "text"


def _bounds(limit: int, offset: int) -> tuple:
    limit = max(1, min(int(limit), MAX_RESULTS))
    offset = max(0, min(int(offset), MAX_OFFSET))
    return limit, offset


def search(source: Source, *, player_id: Optional[str] = None,
           reference: Optional[str] = None,
           conversation_ids: Optional[Sequence[str]] = None,
           limit: int = MAX_RESULTS, offset: int = 0) -> SearchPage:
    """Exactly one of ``player_id``, ``reference``, ``conversation_ids`` (a text search:
    the conversations whose messages matched, in the order given, newest first)."""
    limit, offset = _bounds(limit, offset)
    wanted = offset + limit + 1
    with use_session(source) as session:
        handoff_query = select(Handoff)
        ticket_query = select(Ticket).where(Ticket.conversation_id.is_not(None))
        if player_id is not None:
            player_id = player_id.strip()
            if not is_valid_player_id(player_id):
                return SearchPage([], offset, False)
            spellings = sorted({player_id, player_id.upper()})  # « p1003 » typed for P1003
            handoff_query = handoff_query.where(Handoff.player_id.in_(spellings))
            ticket_query = ticket_query.where(Ticket.player_id.in_(spellings))
        elif reference is not None:
            reference = reference.strip()
            by_handoff = HANDOFF_REFERENCE.match(reference)
            if by_handoff:
                handoff_query = handoff_query.where(Handoff.id == int(by_handoff.group(1)))
                ticket_query = ticket_query.where(false())
            else:
                ticket = session.execute(select(Ticket).where(
                    Ticket.reference == reference.upper())).scalar()
                conversation = ticket.conversation_id if ticket is not None else reference
                handoff_query = handoff_query.where(Handoff.conversation_id == conversation)
                ticket_query = ticket_query.where(Ticket.conversation_id == conversation)
        elif conversation_ids is not None:
            ids = [cid for cid in conversation_ids if isinstance(cid, str)][:MAX_OFFSET]
            if not ids:
                return SearchPage([], offset, False)
            handoff_query = handoff_query.where(Handoff.conversation_id.in_(ids))
            ticket_query = ticket_query.where(Ticket.conversation_id.in_(ids))
        else:
            raise ValueError("search: player_id, reference or conversation_ids")
        handoff_rows = session.execute(
            handoff_query.order_by(Handoff.created_at.desc(), Handoff.id.desc())
            .limit(wanted)).scalars().all()
        ticket_rows = session.execute(
            ticket_query.order_by(Ticket.created_at.desc(), Ticket.id.desc())
            .limit(wanted)).scalars().all()
        # the tickets of the conversations found
        conversations = {row.conversation_id for row in handoff_rows}
        tickets_of: Dict[str, List[str]] = {}
        if conversations:
            for ticket in session.execute(select(Ticket.conversation_id, Ticket.reference).where(
                    Ticket.conversation_id.in_(sorted(conversations)))
                    .order_by(Ticket.created_at)):
                tickets_of.setdefault(ticket.conversation_id, []).append(ticket.reference)
        ratings = ratings_of(session, [row.id for row in handoff_rows])
        results: List[SearchResult] = []
        for row in handoff_rows:
            rating = ratings.get(row.id)
            results.append(SearchResult(
                "handoff", handoff_reference(row.id), row.conversation_id,
                aware_utc(row.created_at), row.player_id, row.agent, row.status, row.id,
                rating.rating if rating else None, rating.comment if rating else None,
                tickets_of.get(row.conversation_id, [])))
        for ticket in ticket_rows:
            if ticket.conversation_id in conversations:
                continue  # listed with its conversation's handoff
            results.append(SearchResult(
                "ticket", ticket.reference, ticket.conversation_id,
                aware_utc(ticket.created_at), ticket.player_id, None, "ticket",
                tickets=[ticket.reference]))
    if conversation_ids is not None:  # the order of the text matches: newest message first
        rank = {cid: index for index, cid in enumerate(conversation_ids)}
        results.sort(key=lambda r: (rank.get(r.conversation_id, len(rank)),
                                    -r.date.timestamp()))
    else:
        results.sort(key=lambda r: r.date, reverse=True)
    page = results[offset:offset + limit]
    return SearchPage(page, offset, len(results) > offset + limit)
