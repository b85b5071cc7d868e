"""The clock of a written complaint: when the operator must answer, and from which date the
player may take it further (support.yml ``operator.complaints``).

A complaint is opened on a day of the operator's calendar (support.yml ``timezone``); the
operator answers by the end of the ``response_days``-th day after it. From the next day,
or as soon as the player disputes the answer, the player may escalate: first to the
licensing authority's player support (``authority_support``), then to the alternative
dispute resolution body (``adr``). Pure and typed; the ticket that carries the complaint is
in tickets.py (category ``complaints``).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Dict, Mapping, Optional
from zoneinfo import ZoneInfo

from .clock import aware_utc

STAGE_OPERATOR = "operator"  # the operator has time to answer
STAGE_AUTHORITY = "authority"  # past due or disputed: the authority's player support, then the ADR


class ComplaintSettingsError(ValueError):
    """support.yml operator.complaints is missing a key or holds a wrong value."""


@dataclass(frozen=True)
class Body:
    name: str
    url: str


@dataclass(frozen=True)
class ComplaintSettings:
    timezone: str
    response_days: int
    authority: Body
    adr: Optional[Body]

    @classmethod
    def from_config(cls, raw: Mapping[str, Any]) -> "ComplaintSettings":
        section = ((raw.get("operator") or {}).get("complaints")) or {}
        days = section.get("response_days")
        if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= 60:
            raise ComplaintSettingsError("operator.complaints.response_days: 1 to 60 days")
        authority = _body(section.get("authority_support"), "authority_support")
        if authority is None:
            raise ComplaintSettingsError("operator.complaints.authority_support: name and url")
        return cls(str(raw.get("timezone", "Europe/Paris")), days, authority,
                   _body(section.get("adr"), "adr"))


def _body(value: Any, key: str) -> Optional[Body]:
    if value is None:
        return None
    if not isinstance(value, Mapping) or not value.get("name") or not value.get("url"):
        raise ComplaintSettingsError(f"operator.complaints.{key}: name and url")
    return Body(str(value["name"]), str(value["url"]))


@dataclass(frozen=True)
class ComplaintClock:
    opened_at: datetime  # aware UTC
    answer_by: date  # the operator's last day to answer (operator's calendar)
    answer_due_at: datetime  # aware UTC: the end of that day
    escalate_from: date  # the first day the player may escalate without a dispute

    def overdue(self, now: datetime, answered: bool = False) -> bool:
        return not answered and aware_utc(now) >= self.answer_due_at

    def stage(self, now: datetime, *, answered: bool = False, disputed: bool = False) -> str:
        return STAGE_AUTHORITY if disputed or self.overdue(now, answered) else STAGE_OPERATOR


def complaint_clock(opened_at: datetime, settings: ComplaintSettings) -> ComplaintClock:
    zone = ZoneInfo(settings.timezone)
    opened = aware_utc(opened_at)
    answer_by = opened.astimezone(zone).date() + timedelta(days=settings.response_days)
    escalate_from = answer_by + timedelta(days=1)
    due = aware_utc(datetime.combine(escalate_from, time(0, 0), tzinfo=zone))
    return ComplaintClock(opened, answer_by, due, escalate_from)


def complaint_facts(opened_at: datetime, solved: bool, now: datetime,
                    raw_config: Mapping[str, Any]) -> Dict[str, Any]:
    """What agents and the player are told of a complaint's clock (JSON-ready): the answer
    date, the first day the player may escalate, whether it is overdue, and the bodies."""
    settings = ComplaintSettings.from_config(raw_config)
    clock = complaint_clock(opened_at, settings)
    return {
        "answer_by": clock.answer_by.isoformat(),
        "escalate_from": clock.escalate_from.isoformat(),
        "overdue": clock.overdue(now, answered=solved),
        "authority": settings.authority.name, "authority_url": settings.authority.url,
        "adr": settings.adr.name if settings.adr else None,
        "adr_url": settings.adr.url if settings.adr else None,
    }
