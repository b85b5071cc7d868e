"""The agent console's desk tools (issue 11): what every live-chat desk has.

Socket events (acknowledged like the other agent events, ``{ok: true, ...}`` or
``{ok: false, error, message}``; registered on ``AgentDesk``):

* ``agent_typing`` ``{conversation_id, on}``: only the agent holding the conversation;
  the player's widget (room ``conv:<id>``, nobody else) gets ``typing {on, sender:
  "agent"}`` and shows « Le conseiller écrit… ». The console throttles it; here at most
  one event per agent and conversation every ``TYPING_MIN_INTERVAL`` seconds goes on
  (a stop always does).
* ``agent_note`` ``{conversation_id, text}``: an internal note (``casino_support.notes``),
  stored, audited and sent to the agents' consoles as ``conversation_note``; never to the
  player, never in the tracker.
* ``agent_canned_replies`` ``{conversation_id}`` -> ``{replies: [{shortcut, title, text,
  missing}]}``: the canned replies with the conversation's placeholders filled
  (``casino_support.canned_replies``).

And, when an agent takes a conversation, the player is told « Un conseiller, Julie, a
rejoint la conversation » (``announce_joined``; the display first name, never the login).
"""
from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Dict, List, Optional, Tuple

from casino_support import canned_replies, handoffs, notes
from casino_support.agent_profiles import display_first_name
from casino_support.catalogue import say

from .transcript import conversation_events, title_of_payload

if TYPE_CHECKING:  # pragma: no cover
    from .agent_api import AgentDesk

logger = logging.getLogger(__name__)

TYPING_MIN_INTERVAL = 1.0  # seconds between two "typing on" of one agent and conversation

Action = Callable[[str, str, Any], Awaitable[Dict[str, Any]]]


def joined_message(first_name: Optional[str]) -> str:
    """What the player is told when an agent takes the conversation."""
    if first_name:
        return say("agent_desk.joined_named", conseiller=first_name)
    return say("agent_desk.joined")


def holds(handoff: Optional[handoffs.HandoffInfo], name: str) -> bool:
    return handoff is not None and handoff.status == "active" and handoff.agent == name


class AgentTools:
    """Typing, notes, canned replies and the « joined » message, for ``AgentDesk``."""

    def __init__(self, desk: "AgentDesk"):
        self.desk = desk
        self.connector = desk.connector
        self.sio = desk.sio
        self._last_typing: Dict[Tuple[str, str], float] = {}

    def actions(self) -> Dict[str, Action]:
        return {"agent_typing": self.typing, "agent_note": self.note,
                "agent_canned_replies": self.canned}

    async def _require_holder(self, name: str, conversation_id: str
                              ) -> handoffs.HandoffInfo:
        handoff = await self.connector.db(handoffs.current_handoff, conversation_id)
        if handoff is None:
            raise handoffs.NoOpenHandoff(conversation_id)
        if handoff.status != "active":
            raise handoffs.NotTaken(conversation_id)
        if handoff.agent != name:
            raise handoffs.HandoffConflict(conversation_id, handoff.agent, name)
        return handoff

    # --- typing -------------------------------------------------------------------

    async def typing(self, name: str, conversation_id: str, data: Any) -> Dict[str, Any]:
        on = isinstance(data, dict) and data.get("on") is True
        key = (name, conversation_id)
        now = time.monotonic()
        if on and now - self._last_typing.get(key, float("-inf")) < TYPING_MIN_INTERVAL:
            return {"sent": False}
        if not on:  # a late stop (the conversation closed meanwhile) is no error
            if not holds(await self.connector.db(handoffs.current_handoff, conversation_id),
                         name):
                return {"sent": False}
        else:
            await self._require_holder(name, conversation_id)
        if on:
            self._last_typing[key] = now
            if len(self._last_typing) > 10_000:  # forget the old ones
                self._last_typing = {k: v for k, v in self._last_typing.items()
                                     if now - v < 60}
        else:
            self._last_typing.pop(key, None)
        from .socketio_channel import room_of  # (imports this module)

        await self.sio.emit("typing", {"on": on, "sender": "agent"},
                            room=room_of(conversation_id))
        return {"sent": True}

    # --- notes --------------------------------------------------------------------

    async def note(self, name: str, conversation_id: str, data: Any) -> Dict[str, Any]:
        text = data.get("text") if isinstance(data, dict) else None
        handoff = await self.connector.db(handoffs.current_handoff, conversation_id)
        player_id = handoff.player_id if handoff else None
        info = await self.connector.db(notes.add_note, conversation_id, name, text,
                                       player_id=player_id)
        note = info.as_dict()
        from .agent_api import AGENTS_ROOM  # (imports this module)

        await self.sio.emit("conversation_note", note, room=AGENTS_ROOM)
        return {"note": note}

    async def notes_of(self, conversation_id: str) -> List[Dict[str, Any]]:
        found = await self.connector.db(notes.list_notes, conversation_id)
        return [note.as_dict() for note in found]

    # --- canned replies -----------------------------------------------------------

    async def canned(self, name: str, conversation_id: str, _: Any) -> Dict[str, Any]:
        try:
            replies = await self.connector.db(canned_replies.replies_for, conversation_id,
                                              name)
        except canned_replies.CannedRepliesError as error:
            raise ValueError(str(error)) from error  # the operator's file is broken
        return {"replies": replies}

    # --- button titles ------------------------------------------------------------

    async def player_text(self, conversation_id: str, text: str) -> Tuple[str, bool]:
        """What the agents see of a player's message: a clicked quick reply's title."""
        rasa_agent = self.connector.rasa_agent
        if not text.startswith("/") or rasa_agent is None:
            return text, False
        try:
            events = await conversation_events(rasa_agent, conversation_id)
        except Exception:
            logger.exception("agent desk: tracker of %s unreadable", conversation_id)
            return text, False
        title = title_of_payload(events, text)
        return (title, True) if title else (text, False)

    # --- joined -------------------------------------------------------------------

    async def announce_joined(self, name: str, conversation_id: str) -> None:
        """Tell the player (widget, tracker, agents) that an agent took the conversation."""
        try:
            first_name = await self.connector.db(display_first_name, name)
            await self.desk.say_to_player(conversation_id, joined_message(first_name))
        except Exception:  # the take itself stands
            logger.exception("agent desk: could not tell %s an agent joined", conversation_id)
