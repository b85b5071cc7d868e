"""The audit trail: who did what to an account (rows are never deleted).

``record_audit_event`` writes an event; ``read_audit_events`` reads them back (the
``support-desk audit`` command), oldest first. Reading is not itself audited.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from .clock import aware_utc, resolve_now, to_db_time
from .database import Database, use_session
from .models import AuditEvent


def record_audit_event(session: Session, actor: str, action: str,
                       player_id: Optional[str] = None,
                       details: Optional[Dict[str, Any]] = None,
                       now: Optional[datetime] = None) -> None:
    """Add an ``AuditEvent`` (``details`` stored as JSON text) to the session."""
    session.add(AuditEvent(
        at=to_db_time(resolve_now(now)),
        actor=actor,
        player_id=player_id,
        action=action,
        details=json.dumps(details or {}, ensure_ascii=False, sort_keys=True, default=str),
    ))


@dataclass(frozen=True)
class AuditRecord:
    """One audit event as read back: ``at`` aware UTC, ``details`` decoded."""

    id: int
    at: datetime
    actor: str
    player_id: Optional[str]
    action: str
    details: Dict[str, Any]

    def as_dict(self) -> Dict[str, Any]:
        """JSON-ready: ``at`` ISO-8601 UTC (``...Z``), ``details`` an object."""
        return {"at": self.at.isoformat().replace("+00:00", "Z"), "actor": self.actor,
                "player_id": self.player_id, "action": self.action, "details": self.details}


def _decode_details(text: Optional[str]) -> Dict[str, Any]:
    if not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        return {"raw": text}  # not written by record_audit_event: shown as it is
    return value if isinstance(value, dict) else {"value": value}


def _record(row: AuditEvent) -> AuditRecord:
    return AuditRecord(id=row.id, at=aware_utc(row.at), actor=row.actor,
                       player_id=row.player_id, action=row.action,
                       details=_decode_details(row.details))


def _conversation_pattern(conversation_id: str) -> str:
    """A LIKE pattern (escape ``\\``) for the ``"conversation_id": "..."`` pair as
    ``record_audit_event`` writes it; the exact match is checked on the decoded details."""
    needle = f'"conversation_id": {json.dumps(conversation_id, ensure_ascii=False)}'
    escaped = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def read_audit_events(source: Union[Session, Database], player_id: Optional[str] = None,
                      actions: Sequence[str] = (), conversation_id: Optional[str] = None,
                      since: Optional[datetime] = None, limit: int = 200) -> List[AuditRecord]:
    """The audit events matching every filter given, ordered by ``at`` then ``id`` (oldest
    first), at most ``limit`` of them.

    ``actions``: any of these actions; ``conversation_id``: ``details.conversation_id``;
    ``since``: at or after this time (naive: UTC). The query is parameterised; the
    conversation is pre-selected in SQL and checked exactly on the decoded details, reading
    further pages only when some candidates did not match.
    """
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise ValueError("limit must be a positive integer")
    conditions = []
    if player_id is not None:
        conditions.append(AuditEvent.player_id == player_id)
    if actions:
        conditions.append(AuditEvent.action.in_(list(actions)))
    if since is not None:
        conditions.append(AuditEvent.at >= to_db_time(since))
    if conversation_id is not None:
        conditions.append(AuditEvent.details.like(_conversation_pattern(conversation_id),
                                                  escape="\\"))
    query = select(AuditEvent).where(*conditions).order_by(AuditEvent.at, AuditEvent.id)
    records: List[AuditRecord] = []
    after: Optional[Tuple[datetime, int]] = None
    with use_session(source) as session:
        while True:
            page = query if after is None else query.where(or_(
                AuditEvent.at > after[0], and_(AuditEvent.at == after[0], AuditEvent.id > after[1])))
            rows = session.execute(page.limit(limit)).scalars().all()
            for row in rows:
                record = _record(row)
                if conversation_id is None or record.details.get("conversation_id") == conversation_id:
                    records.append(record)
                    if len(records) == limit:
                        return records
            if len(rows) < limit:
                return records
            after = (rows[-1].at, rows[-1].id)
