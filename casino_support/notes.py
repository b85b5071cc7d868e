"""Internal notes: what an agent writes about a conversation for the other agents.

A note is kept in the support database (``conversation_notes``), shown in the agent
console beside the conversation's messages, and audited (``conversation_note_added``,
actor ``agent:NAME``). It is never sent to the player and never written to Rasa's
tracker, so neither the widget's history nor the REST channel can ever show it. Card
numbers, IBANs and e-mail addresses in a note are masked before it is stored.

Every function takes ``source``, an open ``Session`` (the caller commits) or a
``Database`` (the function commits).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Dict, List, Optional, Union

from sqlalchemy import select
from sqlalchemy.orm import Session

from .agents import check_agent_name
from .audit import record_audit_event
from .clock import aware_utc, resolve_now, to_db_time
from .database import Database, use_session
from .masking import mask
from .models import ConversationNote

Source = Union[Session, Database]

MAX_NOTE_CHARS = 2000
MAX_CONVERSATION_ID_LENGTH = 128
MAX_NOTES = 200  # per conversation, newest kept when listing


@dataclass(frozen=True)
class NoteInfo:
    note_id: int
    conversation_id: str
    player_id: Optional[str]
    agent: str
    text: str
    created_at: datetime

    def as_dict(self) -> Dict[str, Any]:
        return {"note_id": self.note_id, "conversation_id": self.conversation_id,
                "player_id": self.player_id, "agent": self.agent, "text": self.text,
                "at": self.created_at.isoformat()}


def _info(row: ConversationNote) -> NoteInfo:
    return NoteInfo(row.id, row.conversation_id, row.player_id, row.agent, row.text,
                    aware_utc(row.created_at))


def clean_note(text: Any) -> str:
    """The note as stored: stripped, masked, at most ``MAX_NOTE_CHARS``; ValueError when
    empty or not text."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError("note: text required")
    return mask(text.strip())[:MAX_NOTE_CHARS]  # masked whole: no card cut in two escapes


def add_note(source: Source, conversation_id: str, agent: str, text: Any,
             player_id: Optional[str] = None, now: Optional[datetime] = None) -> NoteInfo:
    """Store (and audit) ``agent``'s note on ``conversation_id``."""
    if (not isinstance(conversation_id, str) or not conversation_id
            or len(conversation_id) > MAX_CONVERSATION_ID_LENGTH):
        raise ValueError("note: invalid conversation id")
    check_agent_name(agent)
    stored = clean_note(text)
    now = resolve_now(now)
    with use_session(source) as session:
        row = ConversationNote(conversation_id=conversation_id, player_id=player_id,
                               agent=agent, text=stored, created_at=to_db_time(now))
        session.add(row)
        session.flush()
        record_audit_event(session, f"agent:{agent}", "conversation_note_added",
                           player_id=player_id,
                           details={"conversation_id": conversation_id, "note_id": row.id,
                                    "chars": len(stored)}, now=now)
        return _info(row)


def list_notes(source: Source, conversation_id: str, limit: int = MAX_NOTES) -> List[NoteInfo]:
    """The notes of ``conversation_id``, oldest first (the newest ``limit``)."""
    with use_session(source) as session:
        rows = session.execute(
            select(ConversationNote).where(ConversationNote.conversation_id == conversation_id)
            .order_by(ConversationNote.id.desc()).limit(limit)).scalars().all()
        return [_info(row) for row in reversed(rows)]
