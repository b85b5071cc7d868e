"""A player waiting with nobody coming is offered a ticket (``casino_support.waiting_offer``).

The agent desk's periodic check calls ``offer_due``: each handoff waiting for
``agent_desk.offer_ticket_after_minutes`` gets, once, a bot message with two buttons
(« Laisser un ticket », « Continuer d'attendre »); the bot stays paused and the player
keeps their place. Both channels call ``before_message`` with each player message:
while that offer is the bot's last word, « Continuer d'attendre » keeps the place (the
player is told so, ``say_kept``), and anything else ends the queue entry and resumes
the bot, which then answers the message (the ticket button starts the ticket form,
which joins the transcript).
"""
from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any, Optional

from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.events import ActionExecuted, BotUttered, ConversationResumed, SlotSet

from casino_support import handoffs, waiting_offer
from casino_support.catalogue import say
from casino_support.clock import utc_now
from casino_support.database import get_database

from .transcript import append_events, last_offered_payloads

if TYPE_CHECKING:  # pragma: no cover
    from .agent_api import AgentDesk

logger = logging.getLogger(__name__)

KEEP = "keep"  # the player keeps waiting
ENDED = "ended"  # the queue entry ended: the bot answers this message


def offer_buttons():
    return [{"title": say("waiting_offer.ticket_button"),
             "payload": waiting_offer.TICKET_PAYLOAD},
            {"title": say("waiting_offer.keep_waiting_button"),
             "payload": waiting_offer.KEEP_WAITING_PAYLOAD}]


async def offer_due(desk: "AgentDesk") -> int:
    """Tell each player who has waited long enough (chat open, Rasa ready)."""
    if desk.connector.rasa_agent is None:
        return 0
    due = await desk.connector.db(waiting_offer.due_offers)
    for handoff in due:
        try:
            await desk.say_to_player(handoff.conversation_id,
                                     say("waiting_offer.offer", position=handoff.position or 1),
                                     buttons=offer_buttons())
            minutes = max(1, round((utc_now() - handoff.created_at).total_seconds() / 60))
            await desk.forward(handoff.conversation_id, "bot",
                               say("waiting_offer.note_for_agents", minutes=minutes))
        except Exception:
            logger.exception("waiting offer: could not tell %s", handoff.conversation_id)
    return len(due)


async def before_message(rasa_agent: Any, conversation_id: str, text: str) -> Optional[str]:
    """``KEEP``, ``ENDED`` or None (no offer pending: nothing to do). The tracker is read
    first (the offer is pending only while the bot is paused and its last buttons are
    the offer's): the support database is asked only then, so a message costs no query
    of it, and a database that is down delays nobody else."""
    if rasa_agent is None:
        return None
    try:
        tracker = await rasa_agent.tracker_store.retrieve(conversation_id)
        if tracker is None or not tracker.is_paused():
            return None
        ends = waiting_offer.answer_ends_the_wait(text, last_offered_payloads(tracker.events))
        if ends is None:
            return None
        offered = await asyncio.to_thread(waiting_offer.offered, get_database(), conversation_id)
        if offered is None:  # an agent took it meanwhile, or it ended
            return None
        if not ends:
            return KEEP
        await asyncio.to_thread(waiting_offer.end_wait, get_database(), conversation_id,
                                offered)
        await append_events(rasa_agent, conversation_id, [
            ConversationResumed(), SlotSet("handoff_outcome", None),
            ActionExecuted(ACTION_LISTEN_NAME)])
        return ENDED
    except Exception:  # the player's message must go on whatever broke here
        logger.exception("waiting offer: answer of %s not handled", conversation_id)
        return None


async def say_kept(rasa_agent: Any, conversation_id: str) -> str:
    """The player keeps waiting: the bot (still paused) says so; kept in the tracker.
    Returns the text, for the channel to send."""
    current = await asyncio.to_thread(handoffs.current_handoff, get_database(), conversation_id)
    position = current.position if current is not None and current.position else 1
    text = say("waiting_offer.kept", position=position)
    await append_events(rasa_agent, conversation_id, [BotUttered(text)])
    return text
