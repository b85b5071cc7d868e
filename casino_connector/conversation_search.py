"""Past conversations in the agent console: search, transcript, satisfaction of the day.

HTTP (agents only: ``Authorization: Bearer <agent token>``, else 401):

    GET /casino/agent/history?q=TEXT[&by=auto|player|reference|text][&offset=N]
        -> {by, results: [{reference, conversation_id, date, player_id, agent, outcome,
                           rating, comment, tickets, ...}], offset, more}
    GET /casino/agent/history/<conversation_id>
        -> {conversation_id, transcript, results, ratings}
    GET /casino/agent/satisfaction/today -> {day, count, average}

``by=auto`` reads the query: a player id (``P1003``), a reference (``H-12`` for a
handoff, ``T-2026-000123`` for a ticket, or a conversation id), else text. Results are
handoffs and tickets (``casino_support.conversation_search``), 50 a page at most.

A text search reads the tracker store of the running Rasa agent: on Rasa's SQL store, one
query with a bound, escaped ``LIKE`` pattern over the player's and the bot's messages
(never SQL built from the query), newest first and at most ``SCAN_ROWS`` rows, each then
checked in Python against the text the agents see (masked: an e-mail address or IBAN a
player typed is not found through the search); on another store, the trackers of the
latest ``SCAN_CONVERSATIONS`` conversations with a handoff or a ticket. Queries are 2 to
``MAX_QUERY_CHARS`` characters.

The transcript shows a quick reply the player clicked by its title (« Laisser un
ticket », not ``/contact_support_ticket``: ``transcript.transcript``).
"""
from __future__ import annotations

import asyncio
import json
import logging
from typing import TYPE_CHECKING, Any, Dict, Iterable, List, Optional

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import BotUttered, UserUttered
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy import select

from casino_support import conversation_search, satisfaction
from casino_support.masking import mask
from casino_support.models import Handoff, Ticket

from .transcript import NEUTRALISED_PREFIX, conversation_events, transcript

if TYPE_CHECKING:  # pragma: no cover
    from .agent_api import AgentDesk

logger = logging.getLogger(__name__)

MIN_QUERY_CHARS = 2
MAX_QUERY_CHARS = 100
SCAN_ROWS = 2000  # tracker events read at most for one text search
SCAN_CONVERSATIONS = 200  # trackers read at most when the store is not SQL
SEARCH_KINDS = ("auto", "player", "reference", "text")


def _fold(text: str) -> str:
    return text.casefold()


def like_pattern(term: str) -> str:
    """The ``LIKE`` pattern (escape character ``\\``) of ``term`` as Rasa's JSON stores
    it (non-ASCII letters as ``\\uXXXX``)."""
    encoded = json.dumps(term)[1:-1]
    escaped = encoded.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _visible_text(event_type: str, data: Dict[str, Any]) -> str:
    text = data.get("text") if isinstance(data.get("text"), str) else ""
    if event_type == "user" and text.startswith(NEUTRALISED_PREFIX):
        text = text[len(NEUTRALISED_PREFIX):]
    return mask(text)


def sql_store(rasa_agent: Any) -> Optional[SQLTrackerStore]:
    store = getattr(rasa_agent, "tracker_store", None)
    for _ in range(5):  # AwaitableTrackerStore / FailSafeTrackerStore wrap the real one
        if isinstance(store, SQLTrackerStore):
            return store
        store = getattr(store, "_tracker_store", None)
    return None


def matching_conversations_sql(store: SQLTrackerStore, term: str) -> List[str]:
    """Conversation ids whose messages contain ``term``, newest message first."""
    event = store.SQLEvent
    folded = _fold(term)
    found: List[str] = []
    with store.session_scope() as session:
        rows = session.execute(
            select(event.sender_id, event.type_name, event.data)
            .where(event.type_name.in_(("user", "bot")),
                   event.data.ilike(like_pattern(term), escape="\\"))
            .order_by(event.id.desc()).limit(SCAN_ROWS))
        for sender_id, type_name, data in rows:
            if sender_id in found:
                continue
            try:
                loaded = json.loads(data or "{}")
            except ValueError:
                continue
            if isinstance(loaded, dict) and folded in _fold(_visible_text(type_name, loaded)):
                found.append(sender_id)
    return found


def _recent_conversations(database: Any) -> List[str]:
    from casino_support.database import use_session

    with use_session(database) as session:
        handoff_ids = session.execute(
            select(Handoff.conversation_id).order_by(Handoff.created_at.desc())
            .limit(SCAN_CONVERSATIONS)).scalars().all()
        ticket_ids = session.execute(
            select(Ticket.conversation_id).where(Ticket.conversation_id.is_not(None))
            .order_by(Ticket.created_at.desc()).limit(SCAN_CONVERSATIONS)).scalars().all()
    return list(dict.fromkeys([*handoff_ids, *ticket_ids]))[:SCAN_CONVERSATIONS]


def events_match(events: Iterable[Any], term: str) -> bool:
    folded = _fold(term)
    for event in events:
        if isinstance(event, (UserUttered, BotUttered)):
            kind = "user" if isinstance(event, UserUttered) else "bot"
            if folded in _fold(_visible_text(kind, {"text": event.text})):
                return True
    return False


class ConversationSearch:
    def __init__(self, desk: "AgentDesk"):
        self.desk = desk
        self.connector = desk.connector

    async def matching_conversations(self, term: str) -> List[str]:
        rasa_agent = self.connector.rasa_agent
        if rasa_agent is None:
            return []
        store = sql_store(rasa_agent)
        if store is not None:
            return await asyncio.to_thread(matching_conversations_sql, store, term)
        found = []
        for conversation_id in await self.connector.db(_recent_conversations):
            if events_match(await conversation_events(rasa_agent, conversation_id), term):
                found.append(conversation_id)
        return found

    async def search(self, query: str, by: str, offset: int) -> Dict[str, Any]:
        kind = conversation_search.kind_of(query) if by == "auto" else by
        if kind == "player":
            page = await self.connector.db(conversation_search.search, player_id=query,
                                           offset=offset)
        elif kind == "reference":
            page = await self.connector.db(conversation_search.search, reference=query,
                                           offset=offset)
        else:
            ids = await self.matching_conversations(query)
            page = await self.connector.db(conversation_search.search, conversation_ids=ids,
                                           offset=offset)
        return {"by": kind, **page.as_dict()}

    async def history(self, conversation_id: str) -> Dict[str, Any]:
        rasa_agent = self.connector.rasa_agent
        events = await conversation_events(rasa_agent, conversation_id) if rasa_agent else []
        page = await self.connector.db(conversation_search.search, reference=conversation_id)
        ratings = await self.connector.db(satisfaction.ratings_of_conversation,
                                          conversation_id)
        return {"conversation_id": conversation_id, "transcript": transcript(events),
                "results": page.as_dict()["results"],
                "ratings": [rating.as_dict() for rating in ratings]}

    # --- routes -----------------------------------------------------------------------

    def add_routes(self, blueprint: Blueprint) -> None:
        from .agent_api import unauthorized, valid_id

        search = self

        def guarded(handler):
            async def route(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
                if await search.desk.authenticated(request) is None:
                    return unauthorized()
                try:
                    return await handler(request, *args, **kwargs)
                except Exception:
                    logger.exception("agent API: %s failed", request.path)
                    return response.json({"error": "server error"}, status=500)
            route.__name__ = handler.__name__
            return route

        async def history_search(request: Request) -> HTTPResponse:
            query = (request.args.get("q") or "").strip()
            by = request.args.get("by") or "auto"
            if by not in SEARCH_KINDS:
                return response.json({"error": "by: auto, player, reference or text"},
                                     status=400)
            if not MIN_QUERY_CHARS <= len(query) <= MAX_QUERY_CHARS or not query.isprintable():
                return response.json({"error": f"q: {MIN_QUERY_CHARS} to {MAX_QUERY_CHARS} "
                                               "printable characters"}, status=400)
            try:
                offset = int(request.args.get("offset") or 0)
            except ValueError:
                return response.json({"error": "offset: an integer"}, status=400)
            return response.json(await search.search(query, by, max(0, offset)))

        async def history_conversation(_: Request, conversation_id: str) -> HTTPResponse:
            if not valid_id(conversation_id):
                return response.json({"error": "invalid conversation id"}, status=400)
            return response.json(await search.history(conversation_id))

        async def satisfaction_today(_: Request) -> HTTPResponse:
            summary = await search.connector.db(satisfaction.summary)
            return response.json(summary.as_dict())

        blueprint.add_route(guarded(history_search), "/casino/agent/history", methods=["GET"],
                            name="agent_history_search")
        blueprint.add_route(guarded(history_conversation),
                            "/casino/agent/history/<conversation_id>", methods=["GET"],
                            name="agent_history_conversation")
        blueprint.add_route(guarded(satisfaction_today), "/casino/agent/satisfaction/today",
                            methods=["GET"], name="agent_satisfaction_today")
