"""The socket.io input channel of the widget and the agent console (docs/escalation.md).

Enabled in ``credentials.yml`` as ``casino_connector.socketio_channel.CasinoSocketIOInput:``;
it runs inside the Rasa server process (modelled on ``rasa.core.channels.socketio``),
with these differences:

* the server issues and signs the conversation id (``sessions.py``); a socket is bound
  to one conversation and joins the room ``conv:<id>``: every player event uses the
  bound id, never one sent by the client;
* a typed ``/intent{...}`` is text, unless it is exactly a payload of the buttons the
  bot offered in its last turn; rate limits per conversation and per client address;
  an answer within 5 s (the rules shared with the REST channel: ``input_guard.py``);
* ``history_request`` reads the tracker store of the running Rasa agent (the bot's
  messages as sent, the player's masked: ``transcript.py``);
* the agent console (``agent_api.py``) shares the socket.io server and the blueprint;
* optional Redis client manager for several replicas, same-origin CORS by default;
* the pages: ``/casino/widget``, ``/casino/agent``, ``/casino/static/...``.

Environment: ``SUPPORT_SESSION_SECRET`` (see sessions.py), ``SOCKETIO_REDIS_URL``
(``redis://...``: messages reach sockets connected to other replicas),
``SUPPORT_ALLOWED_ORIGINS`` (comma list of other origins allowed to open a socket;
default: only pages served by this server).
"""
from __future__ import annotations

import asyncio
import logging
import os
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

import socketio
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from casino_support.database import get_database
from casino_support.catalogue import say
from casino_support.masking import install_log_masking

from . import agent_api, input_guard, sessions, waiting_offers
from .several_questions import with_questions
from .input_guard import (
    MSG_CARD_MASKED,
    MSG_SLOW,
    MSG_TECHNICAL,
    MSG_TOO_FAST,
    Processing,
    clean_text,
    is_paused,
    message_limits,
    player_metadata,
    rasa_text,
    without_card_numbers,
)
from .transcript import (
    button_list,
    conversation_events,
    for_the_player,
    transcript,
)

logger = logging.getLogger(__name__)

CHANNEL_NAME = "casino_socketio"
MAX_SOCKET_PACKET_BYTES = 1_000_000
STATIC_DIR = Path(__file__).resolve().parent / "static"
PROJECT_ROOT = STATIC_DIR.parent.parent
SOCKET_IO_CLIENT_FALLBACK = (PROJECT_ROOT / "node_modules" / "socket.io-client" / "dist"
                             / "socket.io.min.js")

MSG_NOT_TEXT = say("channel.not_text")
MSG_AGENT_SOCKET = say("channel.agent_socket")


def room_of(conversation_id: str) -> str:
    return f"conv:{conversation_id}"


# --- socket.io server -------------------------------------------------------------

def _same_origins(environ: Optional[Dict[str, Any]]) -> List[str]:
    """The origins of this server as the request names them (python-socketio's rule)."""
    environ = environ or {}
    host, scheme = environ.get("HTTP_HOST"), environ.get("wsgi.url_scheme", "http")
    if not host:
        return []
    origins = [f"{scheme}://{host}"]
    if "HTTP_X_FORWARDED_PROTO" in environ or "HTTP_X_FORWARDED_HOST" in environ:
        forwarded_scheme = environ.get("HTTP_X_FORWARDED_PROTO", scheme).split(",")[0].strip()
        forwarded_host = environ.get("HTTP_X_FORWARDED_HOST", host).split(",")[0].strip()
        origins.append(f"{forwarded_scheme}://{forwarded_host}")
    return origins


def allowed_origins_setting(raw: Optional[str] = None) -> Any:
    """``cors_allowed_origins`` for python-socketio.

    None (its default) accepts only the origin of this server; ``[]`` would switch the
    Origin check off, which lets any website open a socket in a visitor's name: never
    used. ``SUPPORT_ALLOWED_ORIGINS`` adds other origins to this server's own.
    """
    raw = os.environ.get("SUPPORT_ALLOWED_ORIGINS", "") if raw is None else raw
    extra = {origin.strip().rstrip("/") for origin in raw.split(",") if origin.strip()}
    if not extra:
        return None
    if "*" in extra:
        logger.warning("SUPPORT_ALLOWED_ORIGINS contains '*': any website may open a socket")
        return "*"

    def allowed(origin: Optional[str], environ: Optional[Dict[str, Any]] = None) -> bool:
        return origin in extra or origin in _same_origins(environ)

    return allowed


def create_server() -> socketio.AsyncServer:
    options: Dict[str, Any] = {
        "async_mode": "sanic",
        "cors_allowed_origins": allowed_origins_setting(),
        # as the REST channel's body limit: a 100 KB paste is answered (cut to 2000
        # characters), a bigger packet closes the connection
        "max_http_buffer_size": MAX_SOCKET_PACKET_BYTES,
    }
    redis_url = os.environ.get("SOCKETIO_REDIS_URL", "").strip()
    if redis_url:
        options["client_manager"] = socketio.AsyncRedisManager(redis_url)
    return socketio.AsyncServer(**options)


# --- shared state -----------------------------------------------------------------

class Connector:
    """What the event handlers and routes share: the socket.io server and the Sanic app
    (for ``app.ctx.agent``, Rasa's running agent). The buttons the bot offered are read
    from the tracker store, which every replica shares, never from this process."""

    def __init__(self, sio: socketio.AsyncServer,
                 on_new_message: Optional[Callable[[UserMessage], Awaitable[Any]]] = None):
        self.sio = sio
        self.on_new_message = on_new_message
        self.app: Optional[Sanic] = None

    @property
    def rasa_agent(self) -> Any:
        """Rasa's agent once its model is loaded, else None."""
        agent = getattr(self.app.ctx, "agent", None) if self.app is not None else None
        if agent is None or not agent.is_ready():
            return None
        return agent

    async def db(self, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """``function(support_database, *args)`` in a worker thread (blocking I/O)."""
        return await asyncio.to_thread(function, get_database(), *args, **kwargs)

    async def emit_bot(self, conversation_id: str, payload: Dict[str, Any]) -> None:
        await self.sio.emit("bot_uttered", payload, room=room_of(conversation_id))


# --- output -----------------------------------------------------------------------

class CasinoSocketIOOutput(OutputChannel):
    """Emits each bot message as one ``bot_uttered`` to the room of the conversation."""

    @classmethod
    def name(cls) -> Text:
        return CHANNEL_NAME

    def __init__(self, connector: Connector):
        self.connector = connector
        self.sent: List[Dict[str, Any]] = []

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        payload: Dict[str, Any] = {"text": message.get("text") or "", "sender": "bot"}
        buttons = button_list(message.get("buttons"))
        quick_replies = button_list(message.get("quick_replies"))
        if buttons:
            payload["buttons"] = buttons
        if quick_replies:
            payload["quick_replies"] = quick_replies
        for key in ("image", "attachment", "custom"):
            if message.get(key):
                payload[key] = message[key]
        if len(payload) == 2 and not payload["text"]:
            return
        self.sent.append(payload)
        await self.connector.emit_bot(recipient_id, payload)

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        await self.send_response(recipient_id, {"text": text})


# --- input channel ----------------------------------------------------------------

class CasinoBlueprint(Blueprint):
    """Attaches socket.io to the Sanic app and keeps its routes at absolute paths."""

    def __init__(self, connector: Connector, socketio_path: str, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.ctx.connector = connector
        self.ctx.socketio_path = socketio_path

    def register(self, app: Sanic, options: Dict[Text, Any]) -> None:
        self.ctx.connector.app = app
        self.ctx.connector.sio.attach(app, self.ctx.socketio_path)
        # Rasa mounts channels under /webhooks/<name>; the pages and the agent API
        # live at /casino/... (Rasa's own "/" route stays Rasa's).
        super().register(app, {**options, "url_prefix": None})


class CasinoSocketIOInput(InputChannel):
    """The widget's and agent console's socket.io channel."""

    @classmethod
    def name(cls) -> Text:
        return CHANNEL_NAME

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        credentials = credentials or {}
        return cls(credentials.get("socketio_path", "/socket.io"))

    def __init__(self, socketio_path: str = "/socket.io"):
        sessions.session_secret()  # fail at start-up on an insecure production setting
        message_limits()  # and on a bad rate-limit setting
        self.socketio_path = socketio_path
        self.connector: Optional[Connector] = None

    def get_output_channel(self) -> Optional[OutputChannel]:
        if self.connector is None:
            return None
        return CasinoSocketIOOutput(self.connector)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        install_log_masking()  # user text in the Rasa server's logs is masked
        connector = Connector(create_server(), on_new_message)
        self.connector = connector
        blueprint = CasinoBlueprint(connector, self.socketio_path, "casino_connector")
        desk = agent_api.AgentDesk(connector)
        PlayerEvents(connector, desk).register()
        desk.register(blueprint)
        add_page_routes(blueprint)
        return blueprint


# --- player events ----------------------------------------------------------------

def socket_address(environ: Optional[Dict[str, Any]]) -> str:
    """The client address of a socket: its peer, or the client named by
    ``X-Forwarded-For`` when the peer is a trusted proxy (casino_support.rate_limits)."""
    environ = environ or {}
    request = environ.get("sanic.request")
    peer = getattr(request, "ip", None) or environ.get("REMOTE_ADDR")
    return message_limits().client_address(peer, environ.get("HTTP_X_FORWARDED_FOR"))


class PlayerEvents:
    def __init__(self, connector: Connector, desk: "agent_api.AgentDesk"):
        self.connector = connector
        self.sio = connector.sio
        self.desk = desk

    def register(self) -> None:
        self.sio.on("connect", self.connect)
        self.sio.on("disconnect", self.disconnect)
        self.sio.on("session_request", self.session_request)
        self.sio.on("user_uttered", self.user_uttered)
        self.sio.on("history_request", self.history_request)

    async def error(self, sid: str, code: str, message: str) -> None:
        await self.sio.emit("error", {"code": code, "message": message}, to=sid)

    async def connect(self, sid: str, environ: Dict[str, Any], auth: Any = None) -> bool:
        if isinstance(auth, dict) and "agent_token" in auth:
            return await self.desk.connect(sid, auth.get("agent_token"))
        await self.sio.save_session(sid, {"role": "player",
                                          "address": socket_address(environ)})
        return True

    async def disconnect(self, sid: str, *_: Any) -> None:
        await self.desk.disconnect(sid)

    async def _player_session(self, sid: str) -> Optional[Dict[str, Any]]:
        session = await self.sio.get_session(sid)
        if session.get("role") != "player":
            await self.error(sid, "not_a_player", MSG_AGENT_SOCKET)
            return None
        return session

    async def _bind(self, sid: str, session: Dict[str, Any], token: Any) -> str:
        conversation_id, session_token, _ = sessions.resume_or_new_session(token)
        previous = session.get("conversation_id")
        if previous and previous != conversation_id:
            await self.sio.leave_room(sid, room_of(previous))
        session["conversation_id"] = conversation_id
        await self.sio.save_session(sid, session)
        await self.sio.enter_room(sid, room_of(conversation_id))
        self.desk.player_bound(sid, conversation_id, previous)  # the player's presence
        await self.sio.emit("session_confirm", {"session_id": conversation_id,
                                                "session_token": session_token}, to=sid)
        return conversation_id

    async def session_request(self, sid: str, data: Any = None, *_: Any) -> None:
        session = await self._player_session(sid)
        if session is not None:
            token = data.get("session_token") if isinstance(data, dict) else None
            await self._bind(sid, session, token)

    async def _bound_conversation(self, sid: str) -> Optional[str]:
        session = await self._player_session(sid)
        if session is None:
            return None
        return session.get("conversation_id") or await self._bind(sid, session, None)

    async def _too_fast(self, sid: str, conversation_id: str) -> bool:
        """True (and the player told so) when the conversation or the client's address
        is over its rate limit; the message then never reaches Rasa."""
        session = await self.sio.get_session(sid)
        if not message_limits().attempt(conversation_id, session.get("address", "unknown")):
            return False
        await self.sio.emit("bot_uttered", {"text": MSG_TOO_FAST, "sender": "bot"}, to=sid)
        await self.sio.emit("typing", {"on": False}, to=sid)
        return True

    async def history_request(self, sid: str, *_: Any) -> None:
        conversation_id = await self._bound_conversation(sid)
        if conversation_id is None:
            return
        agent = self.connector.rasa_agent
        events = await conversation_events(agent, conversation_id) if agent else []
        await self.sio.emit("history", for_the_player(transcript(events, mask_bot_text=False)),
                            to=sid)
        await self.desk.satisfaction.ask_if_pending(sid, conversation_id)  # not rated yet

    async def user_uttered(self, sid: str, data: Any = None, *_: Any) -> None:
        conversation_id = await self._bound_conversation(sid)
        if conversation_id is None:
            return
        text = data.get("message") if isinstance(data, dict) else None
        if not isinstance(text, str):
            await self.error(sid, "invalid_message", MSG_NOT_TEXT)
            return
        text = clean_text(text)
        if not text or await self._too_fast(sid, conversation_id):
            return
        text, card_masked = without_card_numbers(text)
        if card_masked:
            await self.sio.emit("bot_uttered", {"text": MSG_CARD_MASKED, "sender": "bot"}, to=sid)
        typed = text
        # a ticket offered to a player waiting long: keep waiting, or the bot answers again
        waiting = await waiting_offers.before_message(self.connector.rasa_agent,
                                                      conversation_id, text)
        text = await rasa_text(self.connector.rasa_agent, conversation_id, text)
        output = CasinoSocketIOOutput(self.connector)
        metadata = await with_questions(self.connector.rasa_agent, text,
                                        player_metadata(data.get("customData")))
        message = UserMessage(text, output, conversation_id, input_channel=CHANNEL_NAME,
                              metadata=metadata)
        await self._process(conversation_id, message, output)
        if waiting == waiting_offers.KEEP and not output.sent:
            kept = await waiting_offers.say_kept(self.connector.rasa_agent, conversation_id)
            await self.connector.emit_bot(conversation_id, {"text": kept, "sender": "bot"})
            output.sent.append({"text": kept, "sender": "bot"})
        await self.desk.after_player_message(conversation_id, typed, output.sent)

    async def _process(self, conversation_id: str, message: UserMessage,
                       output: CasinoSocketIOOutput) -> None:
        room = room_of(conversation_id)
        await self.sio.emit("typing", {"on": True}, room=room)
        try:
            if not await self._answered(conversation_id, message, output):
                await self.connector.emit_bot(conversation_id,
                                              {"text": MSG_TECHNICAL, "sender": "bot"})
        finally:
            await self.sio.emit("typing", {"on": False}, room=room)

    async def _answered(self, conversation_id: str, message: UserMessage,
                        output: CasinoSocketIOOutput) -> bool:
        """Let Rasa handle the message; False when the player got nothing although the
        conversation is not paused (action server down, an error): say so."""
        processing = Processing(self.connector.on_new_message(message), conversation_id)
        if not await processing.finished_within(input_guard.SLOW_REPLY_SECONDS):
            if not output.sent:  # the answer follows when Rasa has it
                await self.connector.emit_bot(conversation_id,
                                              {"text": MSG_SLOW, "sender": "bot"})
            await processing.finished_within(None)
        if output.sent:
            return True
        try:
            return not processing.failed and await is_paused(self.connector.rasa_agent,
                                                             conversation_id)
        except Exception:  # the player must get an answer whatever broke
            logger.exception("conversation %s: tracker not readable", conversation_id)
            return False


# --- pages ------------------------------------------------------------------------

PAGE_HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin",
                "Cache-Control": "no-cache"}


def static_file(relative: str) -> Optional[Path]:
    """The file under static/ named by ``relative``, None if outside or missing."""
    if not relative or "\x00" in relative or "\\" in relative:
        return None
    root = STATIC_DIR.resolve()
    candidate = (root / relative).resolve()
    if not candidate.is_relative_to(root) or any(
            part.startswith(".") for part in candidate.relative_to(root).parts):
        return None
    if candidate.is_file():
        return candidate
    if relative == "vendor/socket.io.min.js" and SOCKET_IO_CLIENT_FALLBACK.is_file():
        return SOCKET_IO_CLIENT_FALLBACK
    return None


async def _send_file(relative: str) -> HTTPResponse:
    path = static_file(relative)
    if path is None:
        return response.json({"error": "not found"}, status=404)
    return await response.file(path, headers=dict(PAGE_HEADERS))


def add_page_routes(blueprint: Blueprint) -> None:
    @blueprint.route("/casino/widget", methods=["GET"])
    async def widget_page(_: Request) -> HTTPResponse:
        return await _send_file("widget.html")

    @blueprint.route("/casino/agent", methods=["GET"])
    async def agent_page(_: Request) -> HTTPResponse:
        return await _send_file("agent.html")

    @blueprint.route("/casino/static/<relative:path>", methods=["GET"])
    async def static_page(_: Request, relative: str) -> HTTPResponse:
        return await _send_file(relative)

    @blueprint.route("/casino/health", methods=["GET"])
    async def health(_: Request) -> HTTPResponse:
        return response.json({"status": "ok"})
