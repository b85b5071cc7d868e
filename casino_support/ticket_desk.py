"""What the team does on a ticket: reply by e-mail, write an internal note, change the
status; and the ticket as the console shows it.

Statuses: ``open`` (the team's move) -> ``pending`` (waiting for the player) ->
``solved``; any change is allowed (a solved ticket can be reopened). Each action is a
row of ``ticket_events`` (``reply`` / ``note`` / ``status``, author, text, time) and an
audit event (``ticket_reply``, ``ticket_note``, ``ticket_status_changed``). A reply is
written to the mail outbox in the same transaction (``casino_support.ticket_mail``): it
is sent by the background sender, never lost when the SMTP server is down.

Deadlines are shown in the operator's time zone (support.yml ``timezone``), with the
zone's name: ``local_time``.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Dict, List, Optional, Union
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from .agents import check_agent_name
from .audit import record_audit_event
from .clock import resolve_now, to_db_time
from .complaints import complaint_facts
from .config import SupportConfig, current_config
from .database import Database, use_session
from .escalation import CATEGORY_COMPLAINTS
from .models import TICKET_STATUSES, Ticket, TicketEvent
from .ticket_mail import list_mails, queue_reply
from .tickets import TicketError, UnknownTicket, _check_status, _find, _info

Source = Union[Session, Database]

MAX_TEXT_LENGTH = 8000


@dataclass(frozen=True)
class TicketEventInfo:
    id: int
    kind: str  # "reply" / "note" / "status"
    author: str  # "agent:alice"
    text: Optional[str]
    at: datetime
    mail_id: Optional[int] = None

    def as_dict(self) -> Dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "author": self.author, "text": self.text,
                "at": self.at.isoformat(), "mail_id": self.mail_id}


def local_time(moment: Optional[datetime], config: Optional[SupportConfig] = None
               ) -> Optional[str]:
    """« 02/12/2026 14:00 CET (Europe/Paris) »: the operator's time, with the zone's name."""
    if moment is None:
        return None
    config = config or current_config()
    local = resolve_now(moment).astimezone(ZoneInfo(config.timezone))
    return f"{local:%d/%m/%Y %H:%M} {local.tzname()} ({config.timezone})"


def _ticket(session: Session, reference: Any) -> Ticket:
    ticket = _find(session, reference) if isinstance(reference, str) else None
    if ticket is None:
        raise UnknownTicket(reference)
    return ticket


def _text(text: Any, what: str) -> str:
    if not isinstance(text, str) or not text.strip():
        raise TicketError(f"{what}: text required")
    if len(text) > MAX_TEXT_LENGTH:
        raise TicketError(f"{what}: at most {MAX_TEXT_LENGTH} characters")
    return text.strip()


def _event(session: Session, ticket: Ticket, kind: str, agent: str, text: Optional[str],
           now: datetime, mail_id: Optional[int] = None) -> TicketEventInfo:
    event = TicketEvent(ticket_id=ticket.id, kind=kind, author=f"agent:{agent}", text=text,
                        at=to_db_time(now), mail_id=mail_id)
    session.add(event)
    session.flush()
    return _event_info(event)


def _event_info(event: TicketEvent) -> TicketEventInfo:
    return TicketEventInfo(id=event.id, kind=event.kind, author=event.author, text=event.text,
                           at=resolve_now(event.at), mail_id=event.mail_id)


def set_status(source: Source, reference: str, agent: str, status: str,
               now: Optional[datetime] = None) -> Any:
    """The agent sets the ticket's status (the same status: returned unchanged);
    ``solved`` records when and by whom, reopening clears it. Returns the ``TicketInfo``.
    Raises ``UnknownTicket``, ``TicketError`` (an unknown status)."""
    check_agent_name(agent)
    status = _check_status(status)
    now = resolve_now(now)
    with use_session(source) as session:
        ticket = _ticket(session, reference)
        previous = _check_status(ticket.status)
        if previous != status:
            ticket.status = status
            if status == "solved":
                ticket.closed_at, ticket.closed_by = to_db_time(now), f"agent:{agent}"
            else:
                ticket.closed_at, ticket.closed_by = None, None
            _event(session, ticket, "status", agent, f"{previous} -> {status}", now)
            record_audit_event(session, f"agent:{agent}", "ticket_status_changed",
                               player_id=ticket.player_id, now=now,
                               details={"reference": ticket.reference,
                                        "previous_status": previous, "status": status})
            session.flush()
        return _info(ticket, now)


def add_note(source: Source, reference: str, agent: str, text: str,
             now: Optional[datetime] = None) -> TicketEventInfo:
    """An internal note (never sent to the player)."""
    check_agent_name(agent)
    text = _text(text, "note")
    now = resolve_now(now)
    with use_session(source) as session:
        ticket = _ticket(session, reference)
        event = _event(session, ticket, "note", agent, text, now)
        record_audit_event(session, f"agent:{agent}", "ticket_note",
                           player_id=ticket.player_id, now=now,
                           details={"reference": ticket.reference, "event_id": event.id})
        return event


def reply(source: Source, reference: str, agent: str, text: str,
          now: Optional[datetime] = None,
          config: Optional[SupportConfig] = None) -> TicketEventInfo:
    """The agent's e-mail reply: a ``reply`` event and its mail in the outbox, in one
    transaction. ``TicketError`` when the ticket has no address to answer to."""
    check_agent_name(agent)
    text = _text(text, "reply")
    now = resolve_now(now)
    config = config or current_config()
    with use_session(source) as session:
        ticket = _ticket(session, reference)
        if not ticket.email:
            raise TicketError("this ticket has no e-mail address to answer to")
        mail_id = queue_reply(session, _info(ticket, now), text, now=now, config=config)
        event = _event(session, ticket, "reply", agent, text, now, mail_id=mail_id)
        record_audit_event(session, f"agent:{agent}", "ticket_reply",
                           player_id=ticket.player_id, now=now,
                           details={"reference": ticket.reference, "event_id": event.id,
                                    "mail_id": mail_id})
        return event


def ticket_events(source: Source, reference: str) -> List[TicketEventInfo]:
    """The replies, notes and status changes of the ticket, oldest first."""
    with use_session(source) as session:
        ticket = _ticket(session, reference)
        rows = session.execute(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id)
                               .order_by(TicketEvent.at, TicketEvent.id)).scalars()
        return [_event_info(row) for row in rows]


def ticket_view(source: Source, reference: str, now: Optional[datetime] = None,
                config: Optional[SupportConfig] = None) -> Dict[str, Any]:
    """The ticket as the console shows it: its fields, transcript and account snapshot,
    ``events`` (replies, notes, status changes), ``mails`` (outbox state), and the
    times in the operator's zone (``due_local``, ``created_local``)."""
    now = resolve_now(now)
    config = config or current_config()
    with use_session(source) as session:
        info = _info(_ticket(session, reference), now)
        data = info.as_dict()
        data["events"] = [event.as_dict() for event in ticket_events(session, reference)]
        data["mails"] = [mail.as_dict() for mail in list_mails(session, info.reference)]
    data.update(timezone=config.timezone, due_local=local_time(info.due_at, config),
                created_local=local_time(info.created_at, config),
                statuses=list(TICKET_STATUSES))
    if info.category == CATEGORY_COMPLAINTS:  # the written complaint's own clock
        data["complaint"] = complaint_facts(info.created_at, info.status == "solved", now,
                                            config.raw)
    return data
