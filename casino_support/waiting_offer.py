"""A player waiting in the queue with nobody coming is offered a ticket.

After ``agent_desk.offer_ticket_after_minutes`` in ``support.yml`` (default 10; 0 or
``false``: never) in the queue without an agent taking the conversation, the player is
offered, once per handoff, to leave a ticket (created with the transcript, by the
ticket form) or to keep waiting. The agent desk's periodic check (``due_offers``) marks
the handoffs (``handoffs.ticket_offered_at``, conditionally: several replicas may run
it) and tells the players; at closing time, ``handoffs.sweep`` already ends the waiting
handoffs and offers a ticket.

While the offer is the bot's last word (its buttons are the ones just offered), the
player's answer decides (``answer_ends_the_wait``): « Continuer d'attendre » keeps the
place in the queue; anything else (the ticket button, or a question typed for the bot)
ends the queue entry (``handoffs.end(..., PLAYER_WENT_ON)``) and the bot answers again.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Iterable, List, Optional, Union

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from . import handoffs
from .clock import resolve_now, to_db_time
from .database import Database, use_session
from .models import Handoff

logger = logging.getLogger(__name__)

Source = Union[Session, Database]

DEFAULT_OFFER_AFTER_MINUTES = 10.0
PLAYER_WENT_ON = "player_went_on"  # ``handoffs.end`` why: the player chose the bot or a ticket
TICKET_PAYLOAD = "/contact_support_ticket"
KEEP_WAITING_PAYLOAD = "/human_handoff_wait"


def offer_after_seconds(raw_config: Optional[dict] = None) -> Optional[float]:
    """support.yml ``agent_desk.offer_ticket_after_minutes`` in seconds (default 10
    minutes, also when unreadable); None when switched off (0 or ``false``)."""
    try:
        if raw_config is None:
            from .config import current_config
            raw_config = current_config().raw
        value = (raw_config.get("agent_desk") or {}).get(
            "offer_ticket_after_minutes", DEFAULT_OFFER_AFTER_MINUTES)
        if value is False or value is None:
            return None
        minutes = float(value)
    except Exception:  # a broken setting must not stop the desk
        logger.warning("support.yml agent_desk.offer_ticket_after_minutes unreadable: "
                       "using %s minutes", DEFAULT_OFFER_AFTER_MINUTES)
        return DEFAULT_OFFER_AFTER_MINUTES * 60
    return minutes * 60 if minutes > 0 else None


def due_offers(source: Source, now: Optional[datetime] = None,
               after_seconds: Optional[float] = None) -> List[handoffs.HandoffInfo]:
    """The waiting handoffs whose player has waited ``after_seconds`` (default: the
    setting) and was not offered a ticket yet; each is marked as offered by this call
    only (conditional update), so each player is told once."""
    after = offer_after_seconds() if after_seconds is None else after_seconds
    if after is None:
        return []
    now = resolve_now(now)
    since = to_db_time(now - timedelta(seconds=after))
    with use_session(source) as session:
        rows = session.execute(
            select(Handoff).where(Handoff.status == "waiting",
                                  Handoff.ticket_offered_at.is_(None),
                                  Handoff.created_at <= since)
            .order_by(Handoff.created_at, Handoff.id)).scalars().all()
        offered = []
        for row in rows:
            marked = session.execute(
                update(Handoff).where(Handoff.id == row.id, Handoff.status == "waiting",
                                      Handoff.ticket_offered_at.is_(None))
                .values(ticket_offered_at=to_db_time(now))
                .execution_options(synchronize_session=False))
            if marked.rowcount == 1:
                session.refresh(row)
                offered.append(row.conversation_id)
        session.flush()
        infos = [handoffs.current_handoff(session, cid, now) for cid in offered]
        return [info for info in infos if info is not None]


def offered(source: Source, conversation_id: str) -> Optional[int]:
    """The id of the conversation's waiting handoff whose player was offered a ticket,
    else None (one indexed query: called with every player message)."""
    if not isinstance(conversation_id, str):
        return None
    with use_session(source) as session:
        return session.execute(
            select(Handoff.id).where(Handoff.conversation_id == conversation_id,
                                     Handoff.status == "waiting",
                                     Handoff.ticket_offered_at.is_not(None))
            .order_by(Handoff.created_at, Handoff.id).limit(1)).scalar()


def answer_ends_the_wait(text: str, offered_payloads: Iterable[str]) -> Optional[bool]:
    """The player's message after the offer: True when it ends the wait (the ticket, or
    anything but « keep waiting »), False for « keep waiting », None when the offer is
    not the bot's last word (its buttons are not the ones just offered)."""
    payloads = set(offered_payloads)
    if TICKET_PAYLOAD not in payloads or KEEP_WAITING_PAYLOAD not in payloads:
        return None
    return text.strip() != KEEP_WAITING_PAYLOAD


def end_wait(source: Source, conversation_id: str, handoff_id: int,
             now: Optional[datetime] = None) -> Optional[handoffs.HandoffInfo]:
    """The player went on with the bot (or took a ticket): the queue entry ends."""
    return handoffs.end(source, conversation_id, PLAYER_WENT_ON, now=now, actor="player",
                        handoff_id=handoff_id)
