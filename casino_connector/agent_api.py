"""The agent console's side of the connector: HTTP API and socket events.

HTTP (JSON; every route but login needs ``Authorization: Bearer <agent token>``, else
401 ``{"error": ...}``):

    POST /casino/agent/login                       {name, password} -> {token, name}
    GET  /casino/agent/queue                       [handoff, ...] (queue order)
    GET  /casino/agent/conversations/<id>          {conversation_id, handoff, transcript,
                                                    account}
    GET  /casino/agent/tickets[?status=open]       [ticket, ...] (newest first, 200 max)
    POST /casino/agent/tickets/<reference>/close   the closed ticket

Card numbers, IBANs and e-mail addresses typed by players are masked in what agents see
(transcripts, live messages, ticket summaries, descriptions and transcripts, queue
reasons: ``casino_support.masking``); a ticket's ``email`` field, the contact address
the agent answers to, is shown as it is.

Failed logins are limited per client address (``LOGIN_MAX_FAILURES`` per
``LOGIN_WINDOW_SECONDS``, then 429).

Socket (``auth: {agent_token}``, refused without a valid one): the socket joins the
room ``agents`` and receives ``queue``; events ``agent_take``, ``agent_reply``
``{conversation_id, text}``, ``agent_handback``, ``agent_close`` (each
``{conversation_id}``) answer ``{ok: true, ...}`` as acknowledgement, or
``{ok: false, error}`` (also emitted as ``error`` ``{code, message}``).
"""
from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections import defaultdict, deque
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Deque, Dict, List, Optional

from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.events import ActionExecuted, BotUttered, ConversationResumed, SlotSet
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from casino_support import accounts, agents, handoffs, tickets
from casino_support.masking import mask

from . import input_guard
from .transcript import append_events, conversation_events, iso_time, transcript

if TYPE_CHECKING:  # pragma: no cover
    from .socketio_channel import Connector

logger = logging.getLogger(__name__)

AGENTS_ROOM = "agents"
MAX_REPLY_CHARS = 4000
MAX_ID_CHARS = 128
QUEUE_REFRESH_SECONDS = 5
HEARTBEAT_SECONDS = 30
LOGIN_MAX_FAILURES = 5
LOGIN_WINDOW_SECONDS = 300
MAX_TICKETS = 200

MSG_HANDED_BACK = ("Le conseiller vous a rendu la main : je suis de nouveau "
                   "l'assistant automatique.")
MSG_CLOSED = ("Le conseiller a clôturé la conversation. Je reste disponible pour toute "
              "autre question.")


def jsonable(value: Any) -> Any:
    """Library results (dataclasses, datetimes, decimals) as JSON-ready values."""
    if hasattr(value, "as_dict") and callable(value.as_dict):
        return jsonable(value.as_dict())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return jsonable(dataclasses.asdict(value))
    if isinstance(value, dict):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [jsonable(item) for item in value]
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def masked_for_agents(value: Any) -> Any:
    """JSON-ready handoffs and tickets with the player's free text masked (summary,
    description, reason, transcript lines); the ticket's contact ``email`` stays."""
    if isinstance(value, list):
        return [masked_for_agents(item) for item in value]
    if not isinstance(value, dict):
        return value
    masked = dict(value)
    for key in ("summary", "description", "reason", "text"):
        if isinstance(masked.get(key), str):
            masked[key] = mask(masked[key])
    if isinstance(masked.get("transcript"), list):
        masked["transcript"] = masked_for_agents(masked["transcript"])
    return masked


def unauthorized(message: str = "agent token missing or invalid") -> HTTPResponse:
    return response.json({"error": message}, status=401)


def valid_id(value: Any) -> bool:
    return isinstance(value, str) and 0 < len(value) <= MAX_ID_CHARS and value.isprintable()


class NotTaken(Exception):
    """An agent replied to a conversation still waiting in the queue."""


class LoginLimiter:
    """At most ``max_failures`` failed logins per address within ``window`` seconds.

    The address is the client's as the message rate limits see it: the peer, or behind
    a reverse proxy listed in ``SUPPORT_TRUSTED_PROXIES`` the client it forwarded
    (``input_guard.request_address``).
    """

    MAX_ADDRESSES = 10_000

    def __init__(self, max_failures: int = LOGIN_MAX_FAILURES,
                 window: float = LOGIN_WINDOW_SECONDS):
        self.max_failures, self.window = max_failures, window
        self._failures: Dict[str, Deque[float]] = defaultdict(deque)

    def _recent(self, address: str, now: float) -> Deque[float]:
        failures = self._failures[address]
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        if not failures:
            del self._failures[address]
            return deque()
        return failures

    def retry_after(self, address: str, now: Optional[float] = None) -> int:
        """Seconds to wait before trying again, 0 when allowed."""
        now = time.monotonic() if now is None else now
        failures = self._recent(address, now)
        if len(failures) < self.max_failures:
            return 0
        return max(1, int(failures[0] + self.window - now) + 1)

    def failed(self, address: str, now: Optional[float] = None) -> None:
        now = time.monotonic() if now is None else now
        if len(self._failures) > self.MAX_ADDRESSES:  # forget the stale addresses
            for stale in [a for a, f in self._failures.items() if f[-1] <= now - self.window]:
                del self._failures[stale]
        self._failures[address].append(now)


class AgentDesk:
    """Routes, socket events, presence and queue broadcasts for the agents."""

    def __init__(self, connector: "Connector"):
        self.connector = connector
        self.sio = connector.sio
        self.limiter = LoginLimiter()
        self._connected: Dict[str, int] = defaultdict(int)  # agent -> sockets here
        self._last_queue: Any = None
        self._task: Optional[asyncio.Task] = None

    # --- registration ---------------------------------------------------------------

    def register(self, blueprint: Blueprint) -> None:
        for event in ("agent_take", "agent_reply", "agent_handback", "agent_close"):
            self.sio.on(event, self._event_handler(event))
        self._add_routes(blueprint)
        blueprint.listener("after_server_start")(self._start)
        blueprint.listener("before_server_stop")(self._stop)

    async def _start(self, *_: Any) -> None:
        self._task = asyncio.ensure_future(self._periodic())

    async def _stop(self, *_: Any) -> None:
        if self._task is not None:
            self._task.cancel()
        await self.sio.shutdown()

    async def _periodic(self) -> None:
        ticks = 0
        while True:
            await asyncio.sleep(QUEUE_REFRESH_SECONDS)
            ticks += 1
            try:
                await self.broadcast_queue()
                if ticks % (HEARTBEAT_SECONDS // QUEUE_REFRESH_SECONDS) == 0:
                    for name in [n for n, count in self._connected.items() if count]:
                        try:
                            await self.connector.db(agents.mark_online, name)
                        except agents.UnknownAgent:  # disabled meanwhile
                            pass
            except Exception:
                logger.exception("agent desk: periodic refresh failed")

    # --- queue -----------------------------------------------------------------------

    async def queue(self) -> List[Dict[str, Any]]:
        return masked_for_agents(jsonable(await self.connector.db(handoffs.open_queue)))

    async def broadcast_queue(self, force: bool = False) -> None:
        """Send ``queue`` to the agents when it changed (waiting times aside)."""
        queue = await self.queue()
        key = [{k: v for k, v in item.items() if k != "waiting_seconds"} for item in queue]
        if force or key != self._last_queue:
            self._last_queue = key
            await self.sio.emit("queue", queue, room=AGENTS_ROOM)

    # --- the player's conversation, seen by the agents ------------------------------

    async def after_player_message(self, conversation_id: str, text: str,
                                   bot_messages: List[Dict[str, Any]]) -> None:
        """Forward a conversation with an open handoff to the agents; refresh the queue."""
        try:
            if await self.connector.db(handoffs.current_handoff, conversation_id):
                await self.forward(conversation_id, "user", text)
                for message in bot_messages:
                    await self.forward(conversation_id, "bot", message.get("text", ""))
            await self.broadcast_queue()
        except Exception:
            logger.exception("agent desk: could not forward conversation %s", conversation_id)

    async def forward(self, conversation_id: str, sender: str, text: str,
                      agent: Optional[str] = None) -> None:
        message = {"conversation_id": conversation_id, "sender": sender, "text": mask(text),
                   "at": iso_time(time.time())}
        if agent:
            message["agent"] = agent
        await self.sio.emit("conversation_message", message, room=AGENTS_ROOM)

    # --- socket ------------------------------------------------------------------------

    async def connect(self, sid: str, token: Any) -> bool:
        try:
            agent = await self.connector.db(agents.agent_from_token, token)
            await self.connector.db(agents.mark_online, agent.name)
        except Exception as error:
            logger.info("agent socket refused: %s", error)
            return False
        await self.sio.save_session(sid, {"role": "agent", "agent": agent.name,
                                          "token": token})
        await self.sio.enter_room(sid, AGENTS_ROOM)
        self._connected[agent.name] += 1
        await self.sio.emit("queue", await self.queue(), to=sid)
        return True

    async def disconnect(self, sid: str) -> None:
        try:
            session = await self.sio.get_session(sid)
        except KeyError:
            return
        name = session.get("agent") if session.get("role") == "agent" else None
        if not name:
            return
        self._connected[name] -= 1
        if self._connected[name] <= 0:
            del self._connected[name]
            try:
                await self.connector.db(agents.mark_offline, name)
            except Exception:
                logger.exception("agent desk: could not mark %s offline", name)

    def _event_handler(self, event: str):
        actions = {"agent_take": self.take, "agent_reply": self.reply,
                   "agent_handback": self.hand_back, "agent_close": self.close}

        async def handler(sid: str, data: Any = None, *_: Any) -> Dict[str, Any]:
            session = await self.sio.get_session(sid)
            if session.get("role") != "agent":
                return await self._fail(sid, "not_an_agent", "Réservé aux conseillers.")
            try:  # an expired token or a disabled account stops working at once
                name = (await self.connector.db(agents.agent_from_token,
                                                session.get("token"))).name
            except agents.InvalidAgentToken:
                answer = await self._fail(sid, "session_expired",
                                          "Session expirée : reconnectez-vous.")
                await self.sio.disconnect(sid)
                return answer
            conversation_id = data.get("conversation_id") if isinstance(data, dict) else None
            if not valid_id(conversation_id):
                return await self._fail(sid, "invalid_conversation",
                                        "Identifiant de conversation invalide.")
            try:
                await self.connector.db(agents.mark_online, name)  # heartbeat
                result = await actions[event](name, conversation_id, data)
            except handoffs.HandoffConflict as error:
                return await self._fail(sid, "conflict", f"Conversation déjà prise par "
                                                         f"{error.holder}.")
            except NotTaken:
                return await self._fail(sid, "not_taken",
                                        "Prenez d'abord la conversation pour y répondre.")
            except handoffs.NoOpenHandoff:
                return await self._fail(sid, "no_open_handoff",
                                        "Cette conversation n'est pas dans la file.")
            except ValueError as error:
                return await self._fail(sid, "invalid", str(error))
            except Exception:
                logger.exception("agent desk: %s failed", event)
                return await self._fail(sid, "server_error", "Erreur du serveur.")
            return {"ok": True, **result}

        return handler

    async def _fail(self, sid: str, code: str, message: str) -> Dict[str, Any]:
        await self.sio.emit("error", {"code": code, "message": message}, to=sid)
        return {"ok": False, "error": code, "message": message}

    # --- agent actions --------------------------------------------------------------------

    def _rasa(self) -> Any:
        agent = self.connector.rasa_agent
        if agent is None:
            raise RuntimeError("the Rasa agent is not ready")
        return agent

    async def take(self, name: str, conversation_id: str, _: Any) -> Dict[str, Any]:
        handoff = await self.connector.db(handoffs.take, conversation_id, name)
        await self.broadcast_queue(force=True)
        return {"handoff": masked_for_agents(jsonable(handoff))}

    async def reply(self, name: str, conversation_id: str, data: Dict[str, Any]
                    ) -> Dict[str, Any]:
        text = data.get("text")
        if not isinstance(text, str) or not text.strip():
            raise ValueError("reply: text required")
        text = text.strip()[:MAX_REPLY_CHARS]
        handoff = await self.connector.db(handoffs.current_handoff, conversation_id)
        if handoff is None:
            raise handoffs.NoOpenHandoff(conversation_id)
        if handoff.status != "active":
            raise NotTaken(conversation_id)
        if handoff.agent != name:
            raise handoffs.HandoffConflict(conversation_id, handoff.agent, name)
        await append_events(self._rasa(), conversation_id,
                            [BotUttered(text, metadata={"agent": name})])
        await self.connector.emit_bot(conversation_id,
                                      {"text": text, "sender": "agent", "agent": name})
        await self.forward(conversation_id, "agent", text, agent=name)
        return {}

    async def hand_back(self, name: str, conversation_id: str, _: Any) -> Dict[str, Any]:
        return await self._finish(handoffs.hand_back, MSG_HANDED_BACK, name, conversation_id)

    async def close(self, name: str, conversation_id: str, _: Any) -> Dict[str, Any]:
        return await self._finish(handoffs.close, MSG_CLOSED, name, conversation_id)

    async def _finish(self, function: Any, text: str, name: str, conversation_id: str
                      ) -> Dict[str, Any]:
        rasa_agent = self._rasa()
        handoff = await self.connector.db(function, conversation_id, name)
        # The bot listens again: without action_listen, the messages kept while paused
        # would look like consecutive user turns to the policies.
        await append_events(rasa_agent, conversation_id,
                            [ConversationResumed(), BotUttered(text),
                             SlotSet("handoff_outcome", None), ActionExecuted(ACTION_LISTEN_NAME)])
        await self.connector.emit_bot(conversation_id, {"text": text, "sender": "bot"})
        await self.forward(conversation_id, "bot", text)
        await self.broadcast_queue(force=True)
        return {"handoff": masked_for_agents(jsonable(handoff))}

    # --- HTTP -----------------------------------------------------------------------------

    async def authenticated(self, request: Request) -> Optional[str]:
        header = request.headers.get("Authorization", "")
        if not header.lower().startswith("bearer "):
            return None
        try:
            agent = await self.connector.db(agents.agent_from_token, header[7:].strip())
        except Exception:
            return None
        return agent.name

    async def login(self, request: Request) -> HTTPResponse:
        address = input_guard.request_address(request)
        wait = self.limiter.retry_after(address)
        if wait:
            return response.json({"error": "too many failed logins, try again later"},
                                 status=429, headers={"Retry-After": str(wait)})
        try:
            body = request.json
        except Exception:
            body = None
        if not isinstance(body, dict):
            return response.json({"error": "JSON body {name, password} expected"}, status=400)
        name, password = body.get("name"), body.get("password")
        token = None
        if isinstance(name, str) and isinstance(password, str):
            token = await self.connector.db(agents.login_agent, name, password)
        if not token:
            self.limiter.failed(address)
            return response.json({"error": "invalid name or password"}, status=401)
        return response.json({"token": token, "name": name})

    async def conversation(self, conversation_id: str) -> Dict[str, Any]:
        rasa_agent = self.connector.rasa_agent
        events = await conversation_events(rasa_agent, conversation_id) if rasa_agent else []
        handoff = await self.connector.db(handoffs.current_handoff, conversation_id)
        account = None
        if handoff is not None and handoff.player_id:
            try:
                account = jsonable(await self.connector.db(accounts.account_snapshot,
                                                           handoff.player_id))
            except accounts.UnknownPlayer:
                account = None
        return {"conversation_id": conversation_id,
                "handoff": masked_for_agents(jsonable(handoff)),
                "transcript": transcript(events), "account": account}

    def _add_routes(self, blueprint: Blueprint) -> None:
        desk = self

        def guarded(handler):
            async def route(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
                name = await desk.authenticated(request)
                if name is None:
                    return unauthorized()
                try:
                    return await handler(request, name, *args, **kwargs)
                except Exception:
                    logger.exception("agent API: %s failed", request.path)
                    return response.json({"error": "server error"}, status=500)
            route.__name__ = handler.__name__
            return route

        async def queue(_: Request, __: str) -> HTTPResponse:
            return response.json(await desk.queue())

        async def conversation(_: Request, __: str, conversation_id: str) -> HTTPResponse:
            if not valid_id(conversation_id):
                return response.json({"error": "invalid conversation id"}, status=400)
            return response.json(await desk.conversation(conversation_id))

        async def tickets_list(request: Request, __: str) -> HTTPResponse:
            status = request.args.get("status") or None
            try:
                found = await desk.connector.db(tickets.list_tickets, status=status,
                                                limit=MAX_TICKETS)
            except ValueError:
                return response.json({"error": "invalid status"}, status=400)
            return response.json(masked_for_agents(jsonable(found)))

        async def ticket_close(_: Request, name: str, reference: str) -> HTTPResponse:
            if not valid_id(reference):
                return response.json({"error": "invalid reference"}, status=400)
            try:
                ticket = await desk.connector.db(tickets.close_ticket, reference, name)
            except LookupError:
                return response.json({"error": "no such ticket"}, status=404)
            return response.json(masked_for_agents(jsonable(ticket)))

        async def login(request: Request) -> HTTPResponse:
            return await desk.login(request)

        blueprint.add_route(login, "/casino/agent/login", methods=["POST"], name="agent_login")
        blueprint.add_route(guarded(queue), "/casino/agent/queue", methods=["GET"],
                            name="agent_queue")
        blueprint.add_route(guarded(conversation), "/casino/agent/conversations/<conversation_id>",
                            methods=["GET"], name="agent_conversation")
        blueprint.add_route(guarded(tickets_list), "/casino/agent/tickets", methods=["GET"],
                            name="agent_tickets")
        blueprint.add_route(guarded(ticket_close), "/casino/agent/tickets/<reference>/close",
                            methods=["POST"], name="agent_ticket_close")
