"""The player's satisfaction with a chat with an agent: a rating from 1 to 5 and an
optional comment, one per handoff.

When an agent who wrote to the player ends the chat (closes it or hands it back to the
bot: ``HandoffInfo.agent_replied``), the widget asks for a rating. ``rate`` stores it,
and refuses cleanly (``RatingRefused``, with a ``code``):

* ``invalid``: a rating that is not an integer from 1 to 5, a comment that is not text;
* ``not_rateable``: a handoff of another conversation (a forged id), one still open,
  one in which no agent wrote, one ended more than ``RATING_WINDOW`` ago;
* ``already_rated``: a second rating of the same handoff (unique ``handoff_id``: of two
  ratings sent at once, one is kept).

The comment is kept masked (card numbers, IBANs, e-mail addresses:
``casino_support.masking``) and cut to ``MAX_COMMENT_CHARS``. ``summary`` gives the
agents the day's average in the operator's time zone.

Every function takes ``source``, an open ``Session`` (the caller commits) or a
``Database`` (the function commits).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Dict, Iterable, List, Optional, Union
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .audit import record_audit_event
from .clock import aware_utc, resolve_now, to_db_time
from .database import Database, use_session
from .masking import mask
from .models import OPEN_HANDOFF_STATUSES, Handoff, SatisfactionRating

Source = Union[Session, Database]

MIN_RATING, MAX_RATING = 1, 5
MAX_COMMENT_CHARS = 1000
RATING_WINDOW = timedelta(hours=24)  # a chat may be rated within a day of its end


class RatingRefused(ValueError):
    """The rating cannot be stored; ``code``: ``invalid``, ``not_rateable`` or
    ``already_rated``."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class RatingInfo:
    handoff_id: int
    conversation_id: str
    player_id: Optional[str]
    agent: Optional[str]
    rating: int
    comment: Optional[str]
    created_at: datetime

    def as_dict(self) -> Dict[str, Any]:
        return {"handoff_id": self.handoff_id, "conversation_id": self.conversation_id,
                "player_id": self.player_id, "agent": self.agent, "rating": self.rating,
                "comment": self.comment, "created_at": self.created_at.isoformat()}


@dataclass(frozen=True)
class DaySummary:
    day: date
    count: int
    average: Optional[float]  # None when nobody rated that day

    def as_dict(self) -> Dict[str, Any]:
        return {"day": self.day.isoformat(), "count": self.count,
                "average": None if self.average is None else round(self.average, 2)}


def _info(row: SatisfactionRating) -> RatingInfo:
    return RatingInfo(row.handoff_id, row.conversation_id, row.player_id, row.agent,
                      row.rating, row.comment, aware_utc(row.created_at))


def check_rating(rating: Any) -> int:
    if isinstance(rating, bool) or not isinstance(rating, int) \
            or not MIN_RATING <= rating <= MAX_RATING:
        raise RatingRefused("invalid", f"rating: an integer from {MIN_RATING} to {MAX_RATING}")
    return rating


def check_comment(comment: Any) -> Optional[str]:
    if comment is None:
        return None
    if not isinstance(comment, str):
        raise RatingRefused("invalid", "comment: text expected")
    cleaned = "".join(ch for ch in comment if ch.isprintable() or ch in "\n\t").strip()
    return mask(cleaned[:MAX_COMMENT_CHARS]) or None


def _rateable(handoff: Optional[Handoff], conversation_id: str, now: datetime) -> bool:
    if handoff is None or handoff.conversation_id != conversation_id:
        return False
    if handoff.status in OPEN_HANDOFF_STATUSES or handoff.agent_replied_at is None:
        return False
    closed = aware_utc(handoff.closed_at)
    return closed is not None and now - closed <= RATING_WINDOW


def pending_handoff(source: Source, conversation_id: str,
                    now: Optional[datetime] = None) -> Optional[int]:
    """The conversation's latest handoff that may be rated and is not yet (ended by an
    agent who wrote to the player, within ``RATING_WINDOW``), else None."""
    if not isinstance(conversation_id, str):
        return None
    now = resolve_now(now)
    with use_session(source) as session:
        latest = session.execute(
            select(Handoff).where(Handoff.conversation_id == conversation_id)
            .order_by(Handoff.created_at.desc(), Handoff.id.desc()).limit(1)).scalar()
        if not _rateable(latest, conversation_id, now):
            return None
        rated = session.execute(select(SatisfactionRating.id).where(
            SatisfactionRating.handoff_id == latest.id)).first()
        return None if rated else latest.id


def rate(source: Source, conversation_id: str, handoff_id: Any, rating: Any,
         comment: Any = None, now: Optional[datetime] = None) -> RatingInfo:
    """Store the player's rating of ``handoff_id``, a handoff of ``conversation_id``
    (the conversation the player's socket is bound to, never one the client names)."""
    rating = check_rating(rating)
    comment = check_comment(comment)
    if isinstance(handoff_id, bool) or not isinstance(handoff_id, int):
        raise RatingRefused("not_rateable", "handoff id: an integer expected")
    now = resolve_now(now)
    with use_session(source) as session:
        handoff = session.get(Handoff, handoff_id)
        if not _rateable(handoff, conversation_id, now):
            raise RatingRefused("not_rateable", "this chat cannot be rated")
        if session.execute(select(SatisfactionRating.id).where(
                SatisfactionRating.handoff_id == handoff_id)).first():
            raise RatingRefused("already_rated", "this chat was already rated")
        row = SatisfactionRating(handoff_id=handoff_id, conversation_id=conversation_id,
                                 player_id=handoff.player_id, agent=handoff.agent,
                                 rating=rating, comment=comment, created_at=to_db_time(now))
        try:
            with session.begin_nested():
                session.add(row)
                session.flush()
        except IntegrityError:  # rated at the same instant by another request
            raise RatingRefused("already_rated", "this chat was already rated") from None
        record_audit_event(session, "player", "handoff_rated", player_id=handoff.player_id,
                           details={"handoff_id": handoff_id, "conversation_id": conversation_id,
                                    "agent": handoff.agent, "rating": rating}, now=now)
        return _info(row)


def ratings_of(source: Source, handoff_ids: Iterable[int]) -> Dict[int, RatingInfo]:
    """The ratings of these handoffs, by handoff id (those rated)."""
    ids = sorted({i for i in handoff_ids if isinstance(i, int)})
    if not ids:
        return {}
    with use_session(source) as session:
        rows = session.execute(select(SatisfactionRating)
                               .where(SatisfactionRating.handoff_id.in_(ids))).scalars()
        return {row.handoff_id: _info(row) for row in rows}


def ratings_of_conversation(source: Source, conversation_id: str) -> List[RatingInfo]:
    with use_session(source) as session:
        rows = session.execute(select(SatisfactionRating)
                               .where(SatisfactionRating.conversation_id == conversation_id)
                               .order_by(SatisfactionRating.created_at)).scalars()
        return [_info(row) for row in rows]


def _operator_zone() -> ZoneInfo:
    try:
        from .config import current_config
        return ZoneInfo(current_config().timezone)
    except Exception:  # a broken support.yml must not stop the console
        return ZoneInfo("Europe/Paris")


def summary(source: Source, now: Optional[datetime] = None,
            zone: Optional[ZoneInfo] = None) -> DaySummary:
    """How many chats were rated today (the operator's day) and their average rating."""
    now = resolve_now(now)
    zone = zone or _operator_zone()
    day = now.astimezone(zone).date()
    start = datetime.combine(day, time(0), tzinfo=zone).astimezone(timezone.utc)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).astimezone(timezone.utc)
    with use_session(source) as session:
        count, average = session.execute(
            select(func.count(SatisfactionRating.id), func.avg(SatisfactionRating.rating))
            .where(SatisfactionRating.created_at >= to_db_time(start),
                   SatisfactionRating.created_at < to_db_time(end))).one()
    return DaySummary(day, int(count or 0), None if not count else float(average))
