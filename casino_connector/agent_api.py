"""The agent console's side of the connector: HTTP API and socket events.

HTTP (JSON; every route but login needs ``Authorization: Bearer <agent token>``, else
401 ``{"error": ...}``):

    POST /casino/agent/login                       {name, password} -> {token, name}
    GET  /casino/agent/queue                       [handoff, ...] (queue order)
    GET  /casino/agent/conversations/<id>          {conversation_id, handoff, transcript,
                                                    account}
    GET  /casino/agent/tickets[?status=open]       [ticket, ...] (newest first, 200 max)
    POST /casino/agent/tickets/<reference>/close   the ticket, solved
    (one ticket, replies by e-mail, notes, status: casino_connector.agent_tickets)

Card numbers, IBANs and e-mail addresses typed by players are masked in what agents see
(transcripts, live messages, ticket summaries, descriptions and transcripts, queue
reasons: ``casino_support.masking``); a ticket's ``email`` field, the contact address
the agent answers to, is shown as it is.

Failed logins are limited per client address (``LOGIN_MAX_FAILURES`` per
``LOGIN_WINDOW_SECONDS``, then 429).

HTTP, also: ``POST /casino/agent/logout`` (the agent is offline at once; the
conversations they held go back to the queue) -> ``{ok: true, released}``.

Socket (``auth: {agent_token}``, refused without a valid one): the socket joins the
rooms ``agents`` and ``agent:<name>`` and receives ``queue`` and ``agent_info``
``{name, supervisor, away}``; events ``agent_take`` (``{conversation_id, takeover?}``:
a supervisor with ``takeover: true`` takes it from the agent who holds it),
``agent_reply`` ``{conversation_id, text}``, ``agent_handback``, ``agent_close`` (each
``{conversation_id}``) and ``agent_status`` ``{status: "away" | "available"}`` answer
``{ok: true, ...}`` as acknowledgement, or ``{ok: false, error}`` (also emitted as
``error`` ``{code, message}``). After a logout elsewhere the agent's sockets get
``logged_out`` and are disconnected.

Desk tools (``agent_tools.py``): ``agent_typing`` ``{conversation_id, on}`` (the holder
only; the player's widget gets ``typing {on, sender: "agent"}``), ``agent_note``
``{conversation_id, text}`` (an internal note, agents only: ``conversation_note``),
``agent_canned_replies`` ``{conversation_id}`` (the canned replies, filled); taking a
conversation tells the player an agent joined. ``GET .../conversations/<id>`` also
gives ``notes``.

Past conversations (``GET /casino/agent/history``...: ``conversation_search.py``), the
player's rating after a chat (``satisfaction_events.py``) and the ticket offered to a
player waiting long with nobody coming (``waiting_offers.py``, from the periodic check).

Presence and the truth of the queue (rules in ``casino_support.handoffs``): every few
seconds (a quarter of the grace, at most ``QUEUE_REFRESH_SECONDS``) this process
refreshes the agents whose console and the players whose widget is connected here, then
``handoffs.sweep`` puts back in the queue the conversations of agents offline for the
grace (support.yml ``agent_desk.offline_after_seconds``), ends those whose player left or
whose chat closed, and the handoffs whose bot answers again are ended; each player is
told in French, and the agents get the new queue.
"""
from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections import defaultdict, deque
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Deque, Dict, List, Optional, Set, Tuple

from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.events import (
    ActionExecuted, BotUttered, ConversationResumed, Event, SlotSet)
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from casino_support import accounts, agents, handoffs, teams, tickets, transfers
from casino_support.catalogue import say
from casino_support.agent_profiles import display_first_name
from casino_support.clock import utc_now
from casino_support.escalation import chat_open
from casino_support.masking import mask
from casino_support.wording import TICKET_BUTTON

from . import agent_tickets, input_guard, waiting_offers
from .conversation_search import ConversationSearch
from .satisfaction_events import SatisfactionEvents
from .agent_tools import AgentTools
from .agent_transfers import TransferEvents
from .transcript import append_events, conversation_events, iso_time, transcript

if TYPE_CHECKING:  # pragma: no cover
    from .socketio_channel import Connector

logger = logging.getLogger(__name__)

AGENTS_ROOM = "agents"
MAX_REPLY_CHARS = 4000
MAX_ID_CHARS = 128
QUEUE_REFRESH_SECONDS = 5
LOGIN_MAX_FAILURES = 5
LOGIN_WINDOW_SECONDS = 300
MAX_TICKETS = 200

MIN_TICK_SECONDS = 0.5

# Said by the bot when an agent who wrote to the player ends the conversation...
MSG_HANDED_BACK = say("escalation.handed_back")
MSG_CLOSED = say("escalation.closed_by_agent")
# ... and when no agent spoke: nobody is announced.
MSG_BACK_TO_BOT = say("escalation.back_to_bot")
# The player's agent is gone (handoffs.Released.offer).
MSG_AGENT_GONE_FIRST = say("escalation.agent_gone.first")
MSG_AGENT_GONE_NOBODY = say("escalation.agent_gone.nobody")
MSG_AGENT_GONE_CLOSED = say("escalation.agent_gone.chat_closed")
MSG_CHAT_CLOSED = say("escalation.chat_closed_meanwhile")
MSG_PLAYER_LEFT = say("escalation.player_left")
# Notes for the agents' transcript.
NOTE_PLAYER_LEFT = say("console.player_left")
NOTE_BOT_RESUMED = say("console.bot_resumed")
WAIT_BUTTON = {"title": say("escalation.buttons.wait"), "payload": "/human_handoff_wait"}
AGENT_STATUSES = ("available", "away")


def agent_room(name: str) -> str:
    return f"agent:{name}"


def tick_seconds() -> float:
    """How often the desk refreshes presence and sweeps: a quarter of the grace (so a
    connected console is never taken for gone), at most ``QUEUE_REFRESH_SECONDS``."""
    return max(MIN_TICK_SECONDS, min(QUEUE_REFRESH_SECONDS, agents.offline_after_seconds() / 4))


def chat_is_open() -> bool:
    try:
        return chat_open(utc_now())
    except Exception:  # a broken support.yml must not stop the presence checks
        logger.exception("agent desk: support hours unreadable, taking the chat as open")
        return True


def released_message(item: handoffs.Released
                     ) -> Tuple[str, List[Dict[str, str]], bool]:
    """What the player is told when their handoff changed without an agent's action:
    ``(text, buttons, the bot answers again)``."""
    if item.offer == handoffs.BACK_IN_QUEUE:
        position = item.handoff.position
        text = (MSG_AGENT_GONE_FIRST if position in (None, 1)
                else say("escalation.agent_gone.queued", position=position))
        return text, [], False
    if item.offer == handoffs.OFFER_TICKET_OR_WAIT:
        return MSG_AGENT_GONE_NOBODY, [TICKET_BUTTON, WAIT_BUTTON], True
    if item.offer == handoffs.OFFER_TICKET:
        text = MSG_CHAT_CLOSED if item.why == handoffs.CHAT_CLOSED else MSG_AGENT_GONE_CLOSED
        return text, [TICKET_BUTTON], True
    return MSG_PLAYER_LEFT, [], True


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
        self._agent_sids: Dict[str, Set[str]] = {}  # agent -> console sockets here
        self._player_sids: Dict[str, Set[str]] = {}  # conversation -> widget sockets here
        self._last_queue: Any = None
        self._task: Optional[asyncio.Task] = None
        self.tools = AgentTools(self)  # typing, notes, canned replies, « joined »
        self.transfers = TransferEvents(self)  # to a colleague or a team queue

    # --- registration ---------------------------------------------------------------

    def register(self, blueprint: Blueprint) -> None:
        for event in ("agent_take", "agent_reply", "agent_handback", "agent_close",
                      "agent_status", *self.tools.actions(), *self.transfers.actions()):
            self.sio.on(event, self._event_handler(event))
        self.satisfaction = SatisfactionEvents(self)  # the player's rating after a chat
        self.satisfaction.register()
        self._add_routes(blueprint)
        ConversationSearch(self).add_routes(blueprint)  # past conversations
        self.tickets = agent_tickets.TicketDesk(self)  # tickets: routes, mail outbox sender
        self.tickets.register(blueprint)
        blueprint.listener("after_server_start")(self._start)
        blueprint.listener("before_server_stop")(self._stop)

    async def _start(self, *_: Any) -> None:
        self._task = asyncio.ensure_future(self._periodic())

    async def _stop(self, *_: Any) -> None:
        if self._task is not None:
            self._task.cancel()
        await self.sio.shutdown()

    async def _periodic(self) -> None:
        while True:
            await asyncio.sleep(tick_seconds())
            try:
                await self.keep_queue_true()
            except Exception:
                logger.exception("agent desk: periodic refresh failed")

    async def keep_queue_true(self) -> None:
        """Presence of the consoles and widgets connected here, then what changed
        because someone is gone (``handoffs.sweep``) or the bot answers again."""
        now, open_chat = utc_now(), chat_is_open()
        queue = await self.connector.db(handoffs.open_queue)
        present = [h.conversation_id for h in queue if h.conversation_id in self._player_sids]
        consoles = list(self._agent_sids)

        ready = self.connector.rasa_agent is not None  # to tell the players

        def refresh_and_sweep(database: Any) -> List[handoffs.Released]:
            agents.heartbeat(database, consoles, now)
            handoffs.touch_players(database, present, now)
            return handoffs.sweep(database, now, chat_is_open=open_chat) if ready else []

        released = await self.connector.db(refresh_and_sweep)
        for item in released:
            await self.tell_released(item)
        done = {item.handoff.conversation_id for item in released}
        resumed = await self.end_where_the_bot_answers(
            [h for h in queue if h.conversation_id not in done])
        if ready and open_chat:  # waiting long with nobody coming: a ticket offered
            await waiting_offers.offer_due(self)
        await self.broadcast_queue(force=bool(released or resumed))

    async def end_where_the_bot_answers(self, queue: List[handoffs.HandoffInfo]) -> int:
        """End the open handoffs whose conversation is no longer paused (a new session
        after a long silence, a restart): the bot answers that player again."""
        rasa_agent = self.connector.rasa_agent
        if rasa_agent is None:
            return 0
        ended = 0
        for handoff in queue:
            events = await conversation_events(rasa_agent, handoff.conversation_id)
            state = handoffs.pause_state(
                {"event": event.type_name, "timestamp": event.timestamp} for event in events)
            if handoffs.bot_resumed(handoff, state) and await self.connector.db(
                    handoffs.end, handoff.conversation_id, handoffs.BOT_RESUMED,
                    actor="system", handoff_id=handoff.handoff_id):
                ended += 1
                await self.forward(handoff.conversation_id, "bot", NOTE_BOT_RESUMED)
        return ended

    async def tell_released(self, item: handoffs.Released) -> None:
        conversation_id = item.handoff.conversation_id
        text, buttons, bot_answers = released_message(item)
        try:
            if bot_answers:
                await self.resume_bot(conversation_id, text, buttons)
            else:
                await self.say_to_player(conversation_id, text)
            if item.offer == handoffs.NOTHING:
                await self.forward(conversation_id, "bot", NOTE_PLAYER_LEFT)
        except Exception:
            logger.exception("agent desk: could not tell conversation %s", conversation_id)

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

    def player_bound(self, sid: str, conversation_id: str, previous: Optional[str]) -> None:
        """A widget socket now shows ``conversation_id`` (player presence)."""
        if previous:
            self._player_gone(sid, previous)
        self._player_sids.setdefault(conversation_id, set()).add(sid)

    def _player_gone(self, sid: str, conversation_id: str) -> None:
        sids = self._player_sids.get(conversation_id)
        if sids is not None:
            sids.discard(sid)
            if not sids:
                del self._player_sids[conversation_id]

    async def after_player_message(self, conversation_id: str, text: str,
                                   bot_messages: List[Dict[str, Any]]) -> None:
        """Forward a conversation with an open handoff to the agents (its widget is
        connected: player presence); refresh the queue."""
        try:
            if await self.connector.db(handoffs.current_handoff, conversation_id):
                await self.connector.db(handoffs.touch_players, [conversation_id])
                shown, clicked = await self.tools.player_text(conversation_id, text)
                await self.forward(conversation_id, "user", shown, button=clicked)
                for message in bot_messages:
                    await self.forward(conversation_id, "bot", message.get("text", ""))
            await self.broadcast_queue()
        except Exception:
            logger.exception("agent desk: could not forward conversation %s", conversation_id)

    async def forward(self, conversation_id: str, sender: str, text: str,
                      agent: Optional[str] = None, button: bool = False) -> None:
        message = {"conversation_id": conversation_id, "sender": sender, "text": mask(text),
                   "at": iso_time(time.time())}
        if agent:
            message["agent"] = agent
        if button:  # a quick reply the player clicked: its title, not its payload
            message["button"] = True
        await self.sio.emit("conversation_message", message, room=AGENTS_ROOM)

    async def say_to_player(self, conversation_id: str, text: str,
                            before: Optional[List[Event]] = None,
                            buttons: Optional[List[Dict[str, str]]] = None,
                            after: Optional[List[Event]] = None) -> None:
        """The bot tells the player ``text`` (kept in the tracker, sent to the widget,
        shown to the agents)."""
        data = {"buttons": buttons} if buttons else {}
        await append_events(self._rasa(), conversation_id,
                            [*(before or []), BotUttered(text, data=data), *(after or [])])
        payload: Dict[str, Any] = {"text": text, "sender": "bot"}
        if buttons:
            payload["buttons"] = buttons
        await self.connector.emit_bot(conversation_id, payload)
        await self.forward(conversation_id, "bot", text)

    async def resume_bot(self, conversation_id: str, text: str,
                         buttons: Optional[List[Dict[str, str]]] = None) -> None:
        """The bot answers the player again, and says so. Without action_listen, the
        messages kept while paused would look like consecutive user turns to the
        policies."""
        await self.say_to_player(
            conversation_id, text, before=[ConversationResumed()], buttons=buttons,
            after=[SlotSet("handoff_outcome", None), ActionExecuted(ACTION_LISTEN_NAME)])

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
        await self.sio.enter_room(sid, agent_room(agent.name))
        self._agent_sids.setdefault(agent.name, set()).add(sid)
        await self.sio.emit("queue", await self.queue(), to=sid)
        await self.sio.emit("agent_info", self._agent_info(agent), to=sid)
        return True

    @staticmethod
    def _agent_info(agent: agents.AgentInfo) -> Dict[str, Any]:
        return {"name": agent.name, "supervisor": agent.supervisor, "away": agent.away,
                "team": agent.team, "teams": teams.teams()}

    async def disconnect(self, sid: str) -> None:
        try:
            session = await self.sio.get_session(sid)
        except KeyError:
            return
        if session.get("role") == "player":
            if session.get("conversation_id"):
                self._player_gone(sid, session["conversation_id"])
            return
        name = session.get("agent") if session.get("role") == "agent" else None
        sids = self._agent_sids.get(name) if name else None
        if not sids or sid not in sids:  # not an agent, or logged out (already offline)
            return
        sids.discard(sid)
        if not sids:
            del self._agent_sids[name]
            try:  # the grace of a lost connection starts now
                await self.connector.db(agents.heartbeat, [name])
            except Exception:
                logger.exception("agent desk: could not record %s's disconnection", name)

    def _event_handler(self, event: str):
        actions = {"agent_take": self.take, "agent_reply": self.reply,
                   "agent_handback": self.hand_back, "agent_close": self.close,
                   "agent_status": self.set_status, **self.tools.actions(),
                   **self.transfers.actions()}

        async def handler(sid: str, data: Any = None, *_: Any) -> Dict[str, Any]:
            session = await self.sio.get_session(sid)
            if session.get("role") != "agent":
                return await self._fail(sid, "not_an_agent", say("console.not_an_agent"))
            try:  # an expired token or a disabled account stops working at once
                name = (await self.connector.db(agents.agent_from_token,
                                                session.get("token"))).name
            except agents.InvalidAgentToken:
                answer = await self._fail(sid, "session_expired", say("console.session_expired"))
                await self.sio.disconnect(sid)
                return answer
            conversation_id = data.get("conversation_id") if isinstance(data, dict) else None
            if event != "agent_status" and not valid_id(conversation_id):
                return await self._fail(sid, "invalid_conversation",
                                        say("console.invalid_conversation"))
            try:
                result = await actions[event](name, conversation_id, data)
            except handoffs.HandoffConflict as error:
                return await self._fail(sid, "conflict",
                                        say("console.conflict", holder=error.holder))
            except handoffs.NotTaken:
                return await self._fail(sid, "not_taken", say("console.not_taken"))
            except handoffs.NotSupervisor:
                return await self._fail(sid, "forbidden", say("console.forbidden"))
            except transfers.TransferRefused as error:
                return await self._fail(sid, "refused", str(error))
            except handoffs.NoOpenHandoff:
                return await self._fail(sid, "no_open_handoff", say("console.no_open_handoff"))
            except ValueError as error:
                return await self._fail(sid, "invalid", str(error))
            except Exception:
                logger.exception("agent desk: %s failed", event)
                return await self._fail(sid, "server_error", say("console.server_error"))
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

    async def take(self, name: str, conversation_id: str, data: Any) -> Dict[str, Any]:
        takeover = isinstance(data, dict) and data.get("takeover") is True
        before = await self.connector.db(handoffs.current_handoff, conversation_id)
        handoff = await self.connector.db(handoffs.take, conversation_id, name,
                                          takeover=takeover)
        if before is not None and before.status == "active" and before.agent != name:
            await self.forward(conversation_id, "bot", say("console.taken_over", supervisor=name))
        if before is None or before.status != "active" or before.agent != name:
            await self.tools.announce_joined(name, conversation_id)
        await self.broadcast_queue(force=True)
        return {"handoff": masked_for_agents(jsonable(handoff))}

    async def reply(self, name: str, conversation_id: str, data: Dict[str, Any]
                    ) -> Dict[str, Any]:
        text = data.get("text")
        if not isinstance(text, str) or not text.strip():
            raise ValueError("reply: text required")
        text = text.strip()[:MAX_REPLY_CHARS]
        rasa_agent = self._rasa()
        await self.connector.db(handoffs.record_reply, conversation_id, name)
        shown = await self.connector.db(display_first_name, name)  # never the login
        await append_events(rasa_agent, conversation_id,
                            [BotUttered(text, metadata={"agent": name, "agent_shown": shown})])
        await self.connector.emit_bot(conversation_id,
                                      {"text": text, "sender": "agent", "agent": shown})
        await self.forward(conversation_id, "agent", text, agent=name)
        return {}

    async def hand_back(self, name: str, conversation_id: str, _: Any) -> Dict[str, Any]:
        return await self._finish(handoffs.hand_back, MSG_HANDED_BACK, name, conversation_id)

    async def close(self, name: str, conversation_id: str, _: Any) -> Dict[str, Any]:
        return await self._finish(handoffs.close, MSG_CLOSED, name, conversation_id)

    async def _finish(self, function: Any, text: str, name: str, conversation_id: str
                      ) -> Dict[str, Any]:
        self._rasa()
        handoff = await self.connector.db(function, conversation_id, name)
        # Only an agent who wrote to the player is announced as ending the conversation.
        await self.resume_bot(conversation_id, text if handoff.agent_replied else MSG_BACK_TO_BOT)
        await self.satisfaction.ask(handoff)  # when that agent wrote to the player
        await self.broadcast_queue(force=True)
        return {"handoff": masked_for_agents(jsonable(handoff))}

    async def set_status(self, name: str, _: Any, data: Any) -> Dict[str, Any]:
        status = data.get("status") if isinstance(data, dict) else None
        if status not in AGENT_STATUSES:
            raise ValueError(say("console.bad_status"))
        await self.connector.db(agents.set_away, name, status == "away")
        info = self._agent_info(await self.connector.db(agents.get_agent, name))
        await self.sio.emit("agent_info", info, room=agent_room(name))
        return info

    async def logout(self, name: str) -> Dict[str, Any]:
        """Offline at once: the agent's conversations go back to the queue (or end with a
        ticket offered), the agent's consoles are told and disconnected."""
        open_chat = chat_is_open()

        def log_out(database: Any) -> List[handoffs.Released]:
            agents.mark_offline(database, name)
            return handoffs.release_agent(database, name, chat_is_open=open_chat)

        released = await self.connector.db(log_out)
        sids = self._agent_sids.pop(name, set())
        await self.sio.emit("logged_out", {}, room=agent_room(name))
        for sid in sids:
            await self.sio.disconnect(sid)
        for item in released:
            await self.tell_released(item)
        await self.broadcast_queue(force=True)
        return {"ok": True, "released": len(released)}

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
        agent = await self.connector.db(agents.get_agent, name)
        return response.json({"token": token, "name": name,
                              "supervisor": bool(agent and agent.supervisor)})

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
                "transcript": transcript(events), "account": account,
                "notes": await self.tools.notes_of(conversation_id)}

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
            return response.json(agent_tickets.with_local_times(
                masked_for_agents(jsonable(found))))

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

        async def logout(_: Request, name: str) -> HTTPResponse:
            return response.json(await desk.logout(name))

        blueprint.add_route(login, "/casino/agent/login", methods=["POST"], name="agent_login")
        blueprint.add_route(guarded(logout), "/casino/agent/logout", methods=["POST"],
                            name="agent_logout")
        blueprint.add_route(guarded(queue), "/casino/agent/queue", methods=["GET"],
                            name="agent_queue")
        blueprint.add_route(guarded(conversation), "/casino/agent/conversations/<conversation_id>",
                            methods=["GET"], name="agent_conversation")
        blueprint.add_route(guarded(tickets_list), "/casino/agent/tickets", methods=["GET"],
                            name="agent_tickets")
        blueprint.add_route(guarded(ticket_close), "/casino/agent/tickets/<reference>/close",
                            methods=["POST"], name="agent_ticket_close")
