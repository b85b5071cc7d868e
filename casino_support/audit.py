"""The audit trail: who did what to an account (rows are never deleted)."""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Dict, Optional

from sqlalchemy.orm import Session

from .clock import resolve_now, to_db_time
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
