"""The widget's satisfaction survey after a chat with an agent (``casino_support.satisfaction``).

Server -> widget ``satisfaction_request`` ``{handoff_id, question, scale, labels: [5],
comment_label, send, choose_first}``: when an agent who wrote to the player closes the
chat or hands it back to the bot, and again on the widget's ``history_request`` while
that chat is not rated (a reload keeps the survey).

Widget -> server ``satisfaction`` ``{handoff_id, rating: 1..5, comment?}``, acknowledged
``{ok: true, message}`` or ``{ok: false, error, message}`` (``invalid``,
``not_rateable``, ``already_rated``, ``not_a_player``, ``unavailable``). The handoff must
belong to the conversation the socket is bound to (a forged id is refused). The agents
get ``satisfaction`` ``{conversation_id, handoff_id, rating, comment, agent, today}``.
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Dict

from casino_support import satisfaction
from casino_support.catalogue import say
from casino_support.handoffs import HandoffInfo

if TYPE_CHECKING:  # pragma: no cover
    from .agent_api import AgentDesk

logger = logging.getLogger(__name__)


def request_payload(handoff_id: int) -> Dict[str, Any]:
    """What the widget shows: the question, five buttons, an optional comment."""
    return {
        "handoff_id": handoff_id,
        "question": say("satisfaction.question"),
        "scale": say("satisfaction.scale"),
        "labels": [say("satisfaction.rating_label", rating=rating) for rating in
                   range(satisfaction.MIN_RATING, satisfaction.MAX_RATING + 1)],
        "comment_label": say("satisfaction.comment_label"),
        "send": say("satisfaction.send"),
        "choose_first": say("satisfaction.choose_first"),
    }


class SatisfactionEvents:
    def __init__(self, desk: "AgentDesk"):
        self.desk = desk
        self.connector = desk.connector
        self.sio = desk.sio

    def register(self) -> None:
        self.sio.on("satisfaction", self.rated)

    async def ask(self, handoff: HandoffInfo) -> None:
        """The chat with an agent ended: ask the player, when that agent wrote to them."""
        if not handoff.agent_replied:
            return
        from .socketio_channel import room_of

        try:
            await self.sio.emit("satisfaction_request", request_payload(handoff.handoff_id),
                                room=room_of(handoff.conversation_id))
        except Exception:
            logger.exception("satisfaction: could not ask conversation %s",
                             handoff.conversation_id)

    async def ask_if_pending(self, sid: str, conversation_id: str) -> None:
        """After a reload: the survey again while the chat is not rated."""
        try:
            pending = await self.connector.db(satisfaction.pending_handoff, conversation_id)
            if pending is not None:
                await self.sio.emit("satisfaction_request", request_payload(pending), to=sid)
        except Exception:
            logger.exception("satisfaction: pending survey of %s unreadable", conversation_id)

    async def rated(self, sid: str, data: Any = None, *_: Any) -> Dict[str, Any]:
        session = await self.sio.get_session(sid)
        conversation_id = session.get("conversation_id")
        if session.get("role") != "player" or not conversation_id:
            return {"ok": False, "error": "not_a_player",
                    "message": say("satisfaction.not_rateable")}
        data = data if isinstance(data, dict) else {}
        try:
            rating = await self.connector.db(
                satisfaction.rate, conversation_id, data.get("handoff_id"),
                data.get("rating"), data.get("comment"))
        except satisfaction.RatingRefused as refused:
            message = (say("satisfaction.choose_first") if refused.code == "invalid"
                       else say("satisfaction.already_rated") if refused.code == "already_rated"
                       else say("satisfaction.not_rateable"))
            return {"ok": False, "error": refused.code, "message": message}
        except Exception:
            logger.exception("satisfaction: rating of %s not stored", conversation_id)
            return {"ok": False, "error": "unavailable",
                    "message": say("satisfaction.unavailable")}
        try:
            today = (await self.connector.db(satisfaction.summary)).as_dict()
            await self.sio.emit("satisfaction", {**rating.as_dict(), "today": today},
                                room="agents")
        except Exception:
            logger.exception("satisfaction: agents not told")
        return {"ok": True, "message": say("satisfaction.thanks")}
