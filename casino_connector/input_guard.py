"""What both chat channels (REST and socket.io) check and do around Rasa (docs/security.md).

* A typed message that starts with ``/`` is text, unless it is exactly a payload of the
  buttons the bot offered in its last turn (Rasa would read ``/intent{...}`` as an
  intent with entities, past the NLU, and set slots from it).
* A message is cut to ``MAX_MESSAGE_CHARS``; only ``player_token`` passes as metadata.
* A card number typed by a player never reaches Rasa, so it is in no tracker, transcript
  or log: it is masked first (``[carte masquée ****1111]``) and the player is told never
  to share it (``MSG_CARD_MASKED``).
* Rate limits per conversation and per client address (``casino_support.rate_limits``).
* The player always gets an answer: the processing runs as a task of its own; after
  ``SLOW_REPLY_SECONDS`` the channel says it is still looking while Rasa goes on (the
  message stays in the tracker, the late answer reaches the widget); when Rasa produced
  nothing and the conversation is not paused (action server down, an error), the
  channel says so in French.
"""
from __future__ import annotations

import asyncio
import logging
import re
from typing import Any, Awaitable, Dict, Iterable, Optional, Set, Tuple

from rasa.shared.core.events import (
    ConversationPaused, ConversationResumed, Restarted, UserUttered)

from casino_support.catalogue import say
from casino_support.masking import mask_card_numbers
from casino_support.rate_limits import MessageLimits

from .transcript import NEUTRALISED_PREFIX, conversation_events, last_offered_payloads

logger = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 2000
MAX_PLAYER_TOKEN_CHARS = 4096
# Rasa waits up to 5 minutes for a custom action (rasa.core.constants.DEFAULT_REQUEST_TIMEOUT):
# the player hears from us well before 5 s.
SLOW_REPLY_SECONDS = 4.0

MSG_TECHNICAL = say("channel.technical")
MSG_SLOW = say("channel.slow")
MSG_SLOW_RETRY = say("channel.slow_retry")
MSG_TOO_FAST = say("channel.too_fast")
MSG_CARD_MASKED = say("channel.card_masked")


LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")


def clean_text(text: str) -> str:
    """The text Rasa gets: trimmed, at most ``MAX_MESSAGE_CHARS`` characters, a lone
    surrogate (``"\\ud800"`` in JSON: not a character, the tracker store could not save
    it) replaced by U+FFFD."""
    return LONE_SURROGATE.sub("\ufffd", text.strip()[:MAX_MESSAGE_CHARS].strip())


def without_card_numbers(text: str) -> Tuple[str, bool]:
    """``text`` with its card numbers masked, and whether there was one."""
    masked = mask_card_numbers(text)
    return masked, masked != text


def as_rasa_text(text: str, offered_payloads: Iterable[str]) -> str:
    """``text`` as Rasa must read it: a typed ``/...`` that is not exactly an offered
    payload gets a zero-width prefix, so that Rasa takes it as text."""
    if text.startswith("/") and text not in set(offered_payloads):
        return NEUTRALISED_PREFIX + text
    return text


async def rasa_text(agent: Any, conversation_id: str, text: str) -> str:
    """``as_rasa_text`` with the payloads offered in the conversation's tracker."""
    if not text.startswith("/"):
        return text
    offered = []
    if agent is not None:
        offered = last_offered_payloads(await conversation_events(agent, conversation_id))
    return as_rasa_text(text, offered)


def player_metadata(metadata: Any) -> Dict[str, Any]:
    """Only ``player_token`` passes from the client's metadata to Rasa."""
    if isinstance(metadata, dict):
        token = metadata.get("player_token")
        if (isinstance(token, str) and 0 < len(token) <= MAX_PLAYER_TOKEN_CHARS
                and token.isascii()):  # a JWT is ASCII; anything else is not stored
            return {"player_token": token}
    return {}


_limits: Optional[MessageLimits] = None


def message_limits() -> MessageLimits:
    """The limits of this process, shared by the channels (read from the environment)."""
    global _limits
    if _limits is None:
        _limits = MessageLimits.from_env()
    return _limits


def request_address(request: Any) -> str:
    """The client address of a Sanic request: the peer, or the client a trusted proxy
    (``SUPPORT_TRUSTED_PROXIES``) forwarded. Used by the rate limits and the agent login
    limit alike."""
    forwarded = ",".join(request.headers.getall("x-forwarded-for", []))
    return message_limits().client_address(request.ip, forwarded)


async def is_paused(agent: Any, conversation_id: str) -> bool:
    """True when the bot is silent on purpose: an agent holds the conversation, or held it
    when the player's last message arrived (the agent may have handed it back while that
    message was being handled; the message reached the agent all the same)."""
    if agent is None:
        return False
    tracker = await agent.tracker_store.retrieve(conversation_id)
    if tracker is None:
        return False
    return tracker.is_paused() or paused_at_last_user_message(tracker.events)


def paused_at_last_user_message(events: Iterable[Any]) -> bool:
    paused = paused_then = False
    for event in events:
        if isinstance(event, ConversationPaused):
            paused = True
        elif isinstance(event, (ConversationResumed, Restarted)):
            paused = False
        elif isinstance(event, UserUttered):
            paused_then = paused
    return paused_then


# --- the processing of one message --------------------------------------------------------

_running: Set["asyncio.Task[Any]"] = set()  # asyncio keeps only weak references to tasks


class Processing:
    """Rasa handling one message, as a task that outlives the request or event that
    started it (a client that goes away or a slow reply cancels nothing)."""

    def __init__(self, handling: Awaitable[Any], conversation_id: str):
        self.conversation_id = conversation_id
        self.task = asyncio.ensure_future(handling)
        _running.add(self.task)
        self.task.add_done_callback(self._finished)

    def _finished(self, task: "asyncio.Task[Any]") -> None:
        _running.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.error("conversation %s: message not processed", self.conversation_id,
                         exc_info=task.exception())

    async def finished_within(self, seconds: Optional[float]) -> bool:
        """Wait up to ``seconds`` (None: until the end); True when the task is over."""
        await asyncio.wait({self.task}, timeout=seconds)  # never cancels the task
        return self.task.done()

    @property
    def failed(self) -> bool:
        return self.task.done() and (self.task.cancelled() or self.task.exception() is not None)
