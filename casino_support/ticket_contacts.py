"""The e-mail address a player gives the bot for a ticket, kept out of the tracker store.

The tracker store masks e-mail addresses (``[e-mail masqué]``) in everything it saves
(``casino_connector.tracker_store``); the address a player typed for a ticket is kept
here instead, by conversation, and ``action_create_ticket`` reads it when the ``email``
slot it gets back from the tracker store is masked. The ticket then keeps it (the team
answers to it). Rows are purged with their conversation (support.yml
``personal_data.retention_days.conversations``) and erased with the player's.
"""
from __future__ import annotations

from datetime import datetime
from typing import Optional, Union

from sqlalchemy import select
from sqlalchemy.orm import Session

from .clock import resolve_now, to_db_time
from .database import Database, use_session
from .catalogue import say
from .masking import EMAIL
from .models import TicketContact

Source = Union[Session, Database]
MAX_EMAIL_LENGTH = 254


def is_masked(value: object) -> bool:
    """True when ``value`` is an e-mail slot as the tracker store gives it back."""
    return isinstance(value, str) and say("masking.email") in value


def remember(source: Source, conversation_id: str, text: str,
             now: Optional[datetime] = None) -> Optional[str]:
    """Keep the first e-mail address of ``text`` for the conversation (not twice in a
    row); returns it, or None when ``text`` holds none."""
    match = EMAIL.search(text or "")
    if match is None or not conversation_id or len(match.group(0)) > MAX_EMAIL_LENGTH:
        return None
    email = match.group(0)
    with use_session(source) as session:
        if latest(session, conversation_id) != email:
            session.add(TicketContact(conversation_id=conversation_id[:128], email=email,
                                      created_at=to_db_time(resolve_now(now))))
    return email


def latest(source: Source, conversation_id: str) -> Optional[str]:
    """The last e-mail address the player gave in this conversation, or None."""
    with use_session(source) as session:
        return session.execute(
            select(TicketContact.email).where(TicketContact.conversation_id == conversation_id)
            .order_by(TicketContact.created_at.desc(), TicketContact.id.desc()).limit(1)
        ).scalar_one_or_none()
