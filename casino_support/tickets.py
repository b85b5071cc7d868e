"""Support tickets: what the bot leaves for the team when no agent can answer now.

A ticket has a reference ``T-YYYY-NNNNNN`` (the operator's local year, then a number
sequential within that year) and a response target ``due_at`` counted in support
(opening) hours: ``config.tickets["response_target_hours"][priority]`` hours of live-chat
opening time after its creation (support.yml ``hours`` and ``holidays``). A ticket is
``open`` (the team's move), ``pending`` (waiting for the player) or ``solved``
(``casino_support.ticket_desk`` changes it, with replies and notes); it is ``overdue``
while ``open`` after ``due_at``. Older databases said ``closed`` for ``solved``: such
rows are read, and filtered, as ``solved``.

A new ticket with an address queues its acknowledgement e-mail (reference, response
target) in the same transaction (``casino_support.ticket_mail``).

Every function takes ``source``, an open ``Session`` (the caller commits) or a
``Database`` (the function commits). Datetimes are timezone-aware UTC; ``now`` defaults
to the current time; ``config`` to ``current_config()``. Bad input raises
``TicketError`` (a ``ValueError``); an unknown reference ``UnknownTicket``.
"""
from __future__ import annotations

import json
import logging
import math
import random
import re
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, List, Optional, Sequence, Union
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .audit import record_audit_event
from .catalogue import say
from .clock import aware_utc, resolve_now, to_db_time
from .config import SupportConfig, current_config
from .database import Database, use_session
from .escalation import PRIORITY_ORDER
from .identity import is_valid_player_id
from .models import TICKET_STATUSES, Player, Ticket
from .support_hours import WeeklyHours, chat_hours, describe_moment

Source = Union[Session, Database]
logger = logging.getLogger(__name__)

REFERENCE_PATTERN = re.compile(r"^T-(\d{4})-(\d{6,})$")
DEFAULT_RESPONSE_TARGET_HOURS = {"urgent": 1, "high": 4, "normal": 24}
MAX_SUMMARY_LENGTH = 255
MAX_DESCRIPTION_LENGTH = 4000
MAX_CATEGORY_LENGTH = 64
MAX_EMAIL_LENGTH = 254
MAX_CONVERSATION_ID_LENGTH = 128
MAX_TRANSCRIPT_MESSAGES = 500  # the latest ones are kept
MAX_REFERENCE_ATTEMPTS = 12
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")


class TicketError(ValueError):
    """The ticket cannot be created as asked."""


class UnknownTicket(LookupError):
    """No ticket with this reference."""

    def __init__(self, reference: Any):
        super().__init__(f"unknown ticket: {reference!r}")
        self.reference = reference


@dataclass(frozen=True)
class TicketInfo:
    reference: str  # "T-2026-000123"
    player_id: Optional[str]  # None: anonymous player
    email: Optional[str]
    category: str
    priority: str  # "urgent" / "high" / "normal"
    status: str  # "open" / "pending" / "solved"
    created_at: datetime
    due_at: Optional[datetime]  # response target (support hours)
    overdue: bool  # open and now > due_at
    summary: str
    description: Optional[str]
    conversation_id: Optional[str]
    transcript: List[Dict[str, Any]]
    account_snapshot: Optional[Dict[str, Any]]
    closed_at: Optional[datetime] = None  # when solved
    closed_by: Optional[str] = None  # "agent:alice"
    reason: Optional[str] = None  # the escalation reason (None: older tickets)

    def as_dict(self, details: bool = True) -> Dict[str, Any]:
        """JSON-ready (datetimes ISO 8601 UTC); ``details=False`` leaves out the
        description, transcript and account snapshot."""
        data = {
            "reference": self.reference, "player_id": self.player_id, "email": self.email,
            "category": self.category, "priority": self.priority, "status": self.status,
            "created_at": _iso(self.created_at), "due_at": _iso(self.due_at),
            "overdue": self.overdue, "summary": self.summary,
            "conversation_id": self.conversation_id, "closed_at": _iso(self.closed_at),
            "closed_by": self.closed_by, "reason": self.reason,
        }
        if details:
            data.update(description=self.description, transcript=self.transcript,
                        account_snapshot=self.account_snapshot)
        return data


# --- helpers ---------------------------------------------------------------------------

def _iso(value: Optional[datetime]) -> Optional[str]:
    return None if value is None else value.isoformat()


def _truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _check_text(value: Any, name: str) -> Optional[str]:
    if value is None:
        return None
    if not isinstance(value, str):
        raise TicketError(f"{name} must be text")
    return value.strip() or None


def check_email(email: Any) -> Optional[str]:
    """The e-mail address stripped, None when empty; ``TicketError`` when malformed."""
    email = _check_text(email, "e-mail")
    if email is None:
        return None
    if len(email) > MAX_EMAIL_LENGTH or not EMAIL_PATTERN.match(email):
        raise TicketError(f"invalid e-mail address: {email!r}")
    return email


def _check_priority(priority: Any) -> str:
    if priority not in PRIORITY_ORDER:
        raise TicketError(f"priority must be one of {', '.join(PRIORITY_ORDER)}: "
                          f"{priority!r}")
    return priority


LEGACY_STATUSES = {"closed": "solved"}  # what older versions wrote


def _check_status(status: Any) -> str:
    status = LEGACY_STATUSES.get(status, status) if isinstance(status, str) else status
    if status not in TICKET_STATUSES:
        raise TicketError(f"status must be one of {', '.join(TICKET_STATUSES)}: {status!r}")
    return status


def _transcript_json(transcript: Any) -> Optional[str]:
    if transcript is None:
        return None
    if not isinstance(transcript, (list, tuple)):
        raise TicketError("transcript must be a list of messages")
    messages = list(transcript)[-MAX_TRANSCRIPT_MESSAGES:]
    return json.dumps(messages, ensure_ascii=False, default=str)


def _snapshot_json(snapshot: Any) -> Optional[str]:
    if snapshot is None:
        return None
    if not isinstance(snapshot, dict):
        raise TicketError("account_snapshot must be a dict")
    return json.dumps(snapshot, ensure_ascii=False, sort_keys=True, default=str)


def _load_json(text: Optional[str], expected: type):
    if not text:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, expected) else None


def response_target_hours(priority: str, config: Optional[SupportConfig] = None) -> float:
    """support.yml ``tickets.response_target_hours[priority]`` (support hours)."""
    _check_priority(priority)
    config = config or current_config()
    targets = config.tickets.get("response_target_hours") or {}
    return float(targets.get(priority, DEFAULT_RESPONSE_TARGET_HOURS[priority]))


def response_due_at(created_at: datetime, priority: str,
                    config: Optional[SupportConfig] = None) -> datetime:
    """``created_at`` plus the priority's target, counted in opening hours (UTC)."""
    config = config or current_config()
    hours = response_target_hours(priority, config)
    opening = chat_hours(config)
    if not opening.spans:  # no live-chat hours at all: the target runs in calendar hours
        return resolve_now(created_at) + timedelta(hours=hours)
    return opening.add_open_hours(resolve_now(created_at), hours)


def _is_overdue(status: str, due_at: Optional[datetime], now: datetime) -> bool:
    """Open (the team's move) past its response target; not while waiting for the player."""
    return status == "open" and due_at is not None and now > due_at


def _info(ticket: Ticket, now: datetime) -> TicketInfo:
    due_at = aware_utc(ticket.due_at)
    status = LEGACY_STATUSES.get(ticket.status, ticket.status)
    return TicketInfo(
        reference=ticket.reference, player_id=ticket.player_id, email=ticket.email,
        category=ticket.category, priority=ticket.priority, status=status,
        created_at=aware_utc(ticket.created_at), due_at=due_at,
        overdue=_is_overdue(status, due_at, now), summary=ticket.summary,
        description=ticket.description, conversation_id=ticket.conversation_id,
        transcript=_load_json(ticket.transcript, list) or [],
        account_snapshot=_load_json(ticket.account_snapshot, dict),
        closed_at=aware_utc(ticket.closed_at), closed_by=ticket.closed_by,
        reason=ticket.reason,
    )


def format_reference(year: int, number: int) -> str:
    return f"T-{year:04d}-{number:06d}"


def _next_reference(session: Session, year: int) -> str:
    prefix = f"T-{year:04d}-"
    # Longest then greatest: right past 999999 too.
    last = session.execute(
        select(Ticket.reference).where(Ticket.reference.like(prefix + "%"))
        .order_by(func.length(Ticket.reference).desc(), Ticket.reference.desc())
        .limit(1)).scalar_one_or_none()
    match = REFERENCE_PATTERN.match(last or "")
    return format_reference(year, int(match.group(2)) + 1 if match else 1)


# --- creating -------------------------------------------------------------------------

def create_ticket(source: Source, *, conversation_id: Optional[str],
                  player_id: Optional[str], email: Optional[str], category: str,
                  priority: str, summary: str, description: Optional[str],
                  transcript: Optional[Sequence[Dict[str, Any]]],
                  account_snapshot: Optional[Dict[str, Any]],
                  now: Optional[datetime] = None,
                  config: Optional[SupportConfig] = None,
                  actor: str = "bot", reason: Optional[str] = None,
                  acknowledge: bool = True) -> TicketInfo:
    """Create an open ticket and return it with its reference and ``due_at``.

    A ticket needs a player id or an e-mail address (``TicketError`` otherwise); a
    player's e-mail is taken from the account when not given. The summary is cut to
    255 characters (the description when the summary is empty), the description to
    4000, the transcript to its latest 500 messages. The reference is the next one of
    the year; two tickets created at once never share one (retried on a unique-key
    conflict). ``reason``: the escalation reason (kept with the ticket).
    ``acknowledge``: queue the acknowledgement e-mail (``casino_support.ticket_mail``).
    """
    conversation_id = _check_text(conversation_id, "conversation id")
    if conversation_id is not None and len(conversation_id) > MAX_CONVERSATION_ID_LENGTH:
        raise TicketError(f"conversation id: at most {MAX_CONVERSATION_ID_LENGTH} characters")
    if player_id is not None and not is_valid_player_id(player_id):
        raise TicketError(f"invalid player id: {player_id!r}")
    email = check_email(email)
    if player_id is None and email is None:
        raise TicketError("a ticket needs a player id or an e-mail address to answer to")
    category = _check_text(category, "category")
    if category is None or len(category) > MAX_CATEGORY_LENGTH:
        raise TicketError(f"category: 1 to {MAX_CATEGORY_LENGTH} characters")
    priority = _check_priority(priority)
    description = _check_text(description, "description")
    if description is not None:
        description = _truncate(description, MAX_DESCRIPTION_LENGTH)
    summary = _check_text(summary, "summary") or (description or "").split("\n")[0].strip()
    if not summary:
        raise TicketError("a ticket needs a summary")
    summary = _truncate(summary, MAX_SUMMARY_LENGTH)
    transcript_json = _transcript_json(transcript)
    snapshot_json = _snapshot_json(account_snapshot)

    now = resolve_now(now)
    config = config or current_config()
    due_at = response_due_at(now, priority, config)
    year = now.astimezone(ZoneInfo(config.timezone)).year
    values = dict(player_id=player_id, email=email, category=category, priority=priority,
                  status="open", created_at=to_db_time(now), due_at=to_db_time(due_at),
                  summary=summary, description=description, transcript=transcript_json,
                  account_snapshot=snapshot_json, conversation_id=conversation_id,
                  reason=_check_text(reason, "reason"))

    def insert(session: Session) -> TicketInfo:
        if values["email"] is None and player_id is not None:
            player = session.get(Player, player_id)
            values["email"] = player.email if player is not None else None
        ticket = Ticket(reference=_next_reference(session, year), **values)
        session.add(ticket)
        session.flush()  # IntegrityError here when the reference was just taken
        record_audit_event(session, actor, "ticket_created", player_id=player_id, now=now,
                           details={"reference": ticket.reference, "category": category,
                                    "priority": priority,
                                    "conversation_id": conversation_id,
                                    "due_at": _iso(due_at)})
        session.flush()
        info = _info(ticket, now)
        if acknowledge:
            from .ticket_mail import queue_acknowledgement  # it reads this module

            try:
                queue_acknowledgement(session, info, now=now, config=config)
            except (KeyError, TypeError, ValueError):  # the wording: the ticket still counts
                logger.exception("ticket %s: acknowledgement not queued", info.reference)
        return info

    for attempt in range(1, MAX_REFERENCE_ATTEMPTS + 1):
        try:
            if isinstance(source, Database):
                with source.session_scope() as session:
                    return insert(session)
            with source.begin_nested():  # a conflict undoes this ticket only
                return insert(source)
        except IntegrityError:
            if attempt == MAX_REFERENCE_ATTEMPTS:
                raise
            time.sleep(random.uniform(0, 0.005 * attempt))
    raise AssertionError("unreachable")  # pragma: no cover


# --- reading and closing ----------------------------------------------------------------

def list_tickets(source: Source, status: Optional[str] = None,
                 now: Optional[datetime] = None,
                 limit: Optional[int] = None) -> List[TicketInfo]:
    """Tickets, newest first (optionally of one ``status``), with their ``overdue`` flag."""
    now = resolve_now(now)
    query = select(Ticket).order_by(Ticket.created_at.desc(), Ticket.id.desc())
    if status is not None:
        wanted = _check_status(status)
        query = query.where(Ticket.status.in_(
            [wanted, *[old for old, new in LEGACY_STATUSES.items() if new == wanted]]))
    if limit is not None:
        query = query.limit(limit)
    with use_session(source) as session:
        return [_info(ticket, now) for ticket in session.execute(query).scalars()]


def get_ticket(source: Source, reference: Any,
               now: Optional[datetime] = None) -> Optional[TicketInfo]:
    """The ticket, or None when there is no such reference."""
    if not isinstance(reference, str):
        return None
    now = resolve_now(now)
    with use_session(source) as session:
        ticket = _find(session, reference)
        return None if ticket is None else _info(ticket, now)


def _find(session: Session, reference: str) -> Optional[Ticket]:
    return session.execute(select(Ticket).where(Ticket.reference == reference.strip()
                                                .upper())).scalar_one_or_none()


def close_ticket(source: Source, reference: str, agent: str,
                 now: Optional[datetime] = None) -> TicketInfo:
    """The agent marks the ticket solved (already solved: returned unchanged).

    Raises ``UnknownTicket``. (``casino_support.ticket_desk.set_status`` does the same
    for every status.)"""
    from .ticket_desk import set_status

    return set_status(source, reference, agent, "solved", now=now)


# --- French wording ----------------------------------------------------------------------

def open_seconds_between(hours: WeeklyHours, start: datetime, end: datetime) -> float:
    """Seconds of opening time between ``start`` and ``end``."""
    start, end = resolve_now(start), resolve_now(end)
    if end <= start:
        return 0.0
    total = 0.0
    day = hours.local(start).date() - timedelta(days=1)
    last = hours.local(end).date()
    while day <= last:
        span = hours.opening_span(day)
        if span:
            # Compared in UTC: right across daylight-saving changes.
            low = max(start, span[0].astimezone(timezone.utc))
            high = min(end, span[1].astimezone(timezone.utc))
            if high > low:
                total += (high - low).total_seconds()
        day += timedelta(days=1)
    return total


def _describe_duration(seconds: float) -> str:
    """Whole hours (minutes under one hour), rounded up: a promise never understates."""
    if seconds >= 3600 - 60:
        count = max(1, math.ceil((seconds - 60) / 3600))
        return say("dates.hours_one") if count == 1 else say("dates.hours_many", count=count)
    minutes = max(1, int(-(-seconds // 60)))
    return say("dates.minutes_one") if minutes == 1 else say("dates.minutes_many", count=minutes)


def describe_response_target(due_at: datetime, now: Optional[datetime] = None,
                             config: Optional[SupportConfig] = None,
                             hours: Optional[float] = None) -> str:
    """'sous 24 heures d'ouverture, au plus tard le lundi 23 novembre à 13 h'.

    ``hours`` is the target in opening hours; by default the opening time left between
    ``now`` and ``due_at`` (the target itself right after the ticket's creation).
    """
    config = config or current_config()
    now = resolve_now(now)
    due_at = resolve_now(due_at)
    tz = ZoneInfo(config.timezone)
    if due_at <= now:
        return say("tickets.target.asap")
    opening = chat_hours(config)
    local_due, local_now = due_at.astimezone(tz), now.astimezone(tz)
    moment = describe_moment(local_due, local_now)
    if (local_due.date() - local_now.date()).days > 1:  # not today nor tomorrow: a date
        moment = say("tickets.target.on_date", moment=moment)
    if not opening.spans:
        seconds = hours * 3600 if hours is not None else (due_at - now).total_seconds()
        return say("tickets.target.within", duration=_describe_duration(seconds), moment=moment)
    seconds = (hours * 3600 if hours is not None
               else open_seconds_between(opening, now, due_at))
    return say("tickets.target.within_opening", duration=_describe_duration(seconds),
               moment=moment)
