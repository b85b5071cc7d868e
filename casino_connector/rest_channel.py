"""The project's REST channel: Rasa's REST channel, guarded (docs/security.md).

Enabled in ``credentials.yml`` as ``casino_connector.rest_channel.CasinoRestInput:`` in
place of ``rest:``. Same name (``rest``), same URLs and formats as Rasa's:

    GET  /webhooks/rest/           {"status": "ok"}  (health check)
    POST /webhooks/rest/webhook    {"sender": "...", "message": "...",
                                    "metadata": {"player_token": "..."}}
                                   -> [{"recipient_id": "...", "text": "...", ...}, ...]

What it adds (``input_guard.py``, shared with the socket.io channel):

* a typed ``/intent{...}`` is text, unless it is exactly a payload of the buttons the bot
  offered in its last turn;
* a bad body is a 400 with a French ``{"error": ...}``, never a 500: JSON object
  expected, ``sender`` required (1 to 128 of ``A-Z a-z 0-9 _ - . : @ +``), ``message`` a
  string (cut to 2000 characters); only ``metadata.player_token`` reaches Rasa; the
  input channel is always ``rest`` (the client cannot name another);
* rate limits per conversation and per client address: over them, HTTP 429 with a
  French message in the usual list format and ``Retry-After``, nothing sent to Rasa;
* an answer within 5 s: after 4 s a French "still looking, send it again in a moment"
  while Rasa goes on with the message in the background (it stays in the tracker);
  when Rasa produced nothing and the conversation is not paused (action server down,
  an error), a French "technical problem" message.

``?stream=true`` (Rasa's streamed variant) is not offered: 400.
"""
from __future__ import annotations

import json
import logging
import re
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text, Tuple

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from casino_support.catalogue import say
from casino_support.masking import install_log_masking

from . import input_guard, waiting_offers
from .several_questions import with_questions
from .input_guard import (
    MSG_CARD_MASKED, MSG_SLOW_RETRY, MSG_TECHNICAL, MSG_TOO_FAST, Processing, clean_text,
    is_paused, message_limits, player_metadata, rasa_text)

logger = logging.getLogger(__name__)

CHANNEL_NAME = "rest"
MAX_BODY_BYTES = 1_000_000
SENDER_PATTERN = re.compile(r"^[A-Za-z0-9_.:@+-]{1,128}$")

ERR_BODY = say("channel.rest.body")
ERR_TOO_LARGE = say("channel.rest.too_large")
ERR_SENDER = say("channel.rest.sender")
ERR_MESSAGE = say("channel.rest.message")
ERR_STREAM = say("channel.rest.stream")

install_log_masking()  # user text in the Rasa server's logs is masked (casino_support.masking)


def error(message: str, status: int = 400) -> HTTPResponse:
    return response.json({"error": message}, status=status)


def parse_body(raw: bytes) -> Tuple[Optional[Dict[str, Any]], Optional[HTTPResponse]]:
    """``(fields, None)`` for a valid body (``sender``, ``text``, ``metadata``), else
    ``(None, the 400 answer)``."""
    try:
        body = json.loads(raw or b"")
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: deep nesting
        return None, error(ERR_BODY)
    if not isinstance(body, dict):
        return None, error(ERR_BODY)
    sender = body.get("sender")
    if isinstance(sender, int) and not isinstance(sender, bool):
        sender = str(sender)
    if not isinstance(sender, str) or not SENDER_PATTERN.match(sender):
        return None, error(ERR_SENDER)
    message = body.get("message")
    if not isinstance(message, str):
        return None, error(ERR_MESSAGE)
    return {"sender": sender, "text": clean_text(message),
            "metadata": player_metadata(body.get("metadata"))}, None


def bot_message(recipient_id: str, text: str) -> Dict[str, Any]:
    """A message in the format of Rasa's REST channel (CollectingOutputChannel)."""
    return {"recipient_id": recipient_id, "text": text}


class CasinoRestInput(RestInput):
    """Rasa's REST channel (same name, URLs and formats) with the project's guards."""

    @classmethod
    def name(cls) -> Text:
        return CHANNEL_NAME

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
                  ) -> Blueprint:
        install_log_masking()  # handlers added since the import (rasa run --log-file)
        limits = message_limits()
        webhook = Blueprint("casino_rest_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if request.args.get("stream", "").lower() == "true":
                return error(ERR_STREAM)
            if len(request.body or b"") > MAX_BODY_BYTES:
                return error(ERR_TOO_LARGE, 413)
            fields, refused = parse_body(request.body)
            if refused is not None:
                return refused
            sender, text = fields["sender"], fields["text"]
            if not text:
                return response.json([])
            address = input_guard.request_address(request)
            wait = limits.attempt(sender, address)
            if wait:
                return response.json([bot_message(sender, MSG_TOO_FAST)], status=429,
                                     headers={"Retry-After": str(int(wait) + 1)})
            text, card_masked = input_guard.without_card_numbers(text)
            try:
                answers = await self._answer(request, on_new_message, sender, text,
                                             fields["metadata"])
                if card_masked:
                    answers = [bot_message(sender, MSG_CARD_MASKED), *answers]
                return response.json(answers)
            except Exception:  # whatever broke, the player gets a French answer
                logger.exception("REST channel: conversation %s failed", sender)
                return response.json([bot_message(sender, MSG_TECHNICAL)])

        return webhook

    @staticmethod
    def _rasa_agent(request: Request) -> Any:
        agent = getattr(request.app.ctx, "agent", None)
        return agent if agent is not None and agent.is_ready() else None

    async def _answer(self, request: Request,
                      on_new_message: Callable[[UserMessage], Awaitable[Any]],
                      sender: str, text: str, metadata: Dict[str, Any]
                      ) -> List[Dict[str, Any]]:
        agent = self._rasa_agent(request)
        collector = CollectingOutputChannel()
        # a ticket offered to a player waiting long: keep waiting, or the bot answers again
        waiting = await waiting_offers.before_message(agent, sender, text)
        text = await rasa_text(agent, sender, text)
        metadata = await with_questions(agent, text, metadata)
        message = UserMessage(text, collector, sender, input_channel=CHANNEL_NAME,
                              metadata=metadata)
        processing = Processing(on_new_message(message), sender)
        if not await processing.finished_within(input_guard.SLOW_REPLY_SECONDS):
            # Rasa goes on in the background; this client will not get its answer
            return list(collector.messages) + [bot_message(sender, MSG_SLOW_RETRY)]
        if collector.messages:
            return list(collector.messages)
        if not processing.failed and await is_paused(agent, sender):
            if waiting == waiting_offers.KEEP:
                return [bot_message(sender, await waiting_offers.say_kept(agent, sender))]
            return []  # an agent holds the conversation
        return [bot_message(sender, MSG_TECHNICAL)]
