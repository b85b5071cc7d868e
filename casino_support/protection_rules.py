"""The rules of the player-protection tools: when a deposit limit, a break or a
self-exclusion takes effect and ends, and how long offers are held back after a signal.

Pure functions on typed values (no database, no wording); the settings come from
support.yml ``player_protection`` (``ProtectionRules.from_config``) with safe defaults, as
the MGA Player Protection Directive (Directive 2 of 2018) is commonly summarised:
- a deposit limit (day, week or month) that is set for the first time or lowered applies at
  once; a raised or removed one only after a 24-hour reflection period
  (``limit_raise_delay_hours``);
- a break ("time-out") lasts from 24 hours to 6 weeks (``break_min_hours``,
  ``break_max_days``) and cannot be shortened;
- a self-exclusion lasts at least 6 months (``self_exclusion_min_months``), up to
  ``self_exclusion_max_months`` or indefinitely, applies at once, and cannot be shortened or
  lifted from the chat (``ExclusionCannotBeShortened``); the player may still withdraw the
  balance;
- after a responsible-gambling signal (a limit, a break, distress, a self-exclusion) the
  player gets no offer for ``offers_held_back_days``; never during a break or exclusion.

Durations in days, weeks and months are counted on the operator's calendar (support.yml
``timezone``): « 6 mois » from 31 August ends on the last day of February, at the same wall
clock time, across daylight-saving changes; the 24-hour reflection period is 24 real hours.
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Mapping, Optional, Tuple
from zoneinfo import ZoneInfo

from .clock import aware_utc

PERIODS = ("day", "week", "month")


class ProtectionRuleError(ValueError):
    """A request the rules refuse (a duration out of range, an unknown period...)."""


class ExclusionCannotBeShortened(ProtectionRuleError):
    """A self-exclusion or break in force ends later than the one asked: it stands."""


@dataclass(frozen=True)
class ProtectionRules:
    timezone: str = "Europe/Paris"
    limit_raise_delay_hours: int = 24
    break_min_hours: int = 24
    break_max_days: int = 42
    self_exclusion_min_months: int = 6
    self_exclusion_max_months: Optional[int] = 60  # None: no upper bound but "indefinite"
    offers_held_back_days: int = 30

    @classmethod
    def from_config(cls, raw: Mapping[str, Any]) -> "ProtectionRules":
        """From support.yml's top-level mapping (``player_protection`` and ``timezone``)."""
        section = raw.get("player_protection") or {}
        if not isinstance(section, Mapping):
            raise ProtectionRuleError("support.yml player_protection must be a mapping")
        defaults = cls()
        values = {name: section.get(name, getattr(defaults, name)) for name in (
            "limit_raise_delay_hours", "break_min_hours", "break_max_days",
            "self_exclusion_min_months", "self_exclusion_max_months", "offers_held_back_days")}
        for name, value in values.items():
            if value is None and name == "self_exclusion_max_months":
                continue
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ProtectionRuleError(f"support.yml player_protection.{name}: a whole number ≥ 0")
        if values["self_exclusion_min_months"] < 6 or values["break_min_hours"] < 24:
            raise ProtectionRuleError("support.yml player_protection: a self-exclusion lasts at "
                                      "least 6 months and a break at least 24 hours")
        return cls(timezone=str(raw.get("timezone", defaults.timezone)), **values)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


# --- deposit limits -------------------------------------------------------------------------

@dataclass(frozen=True)
class LimitChange:
    period: str  # "day" / "week" / "month"
    current: Optional[Decimal]  # the limit in force (None: no limit)
    requested: Optional[Decimal]  # the limit asked for (None: remove the limit)
    kind: str  # "first" / "lower" / "raise" / "remove" / "same"
    effective_at: datetime  # aware UTC
    immediate: bool


def plan_limit_change(period: str, current: Optional[Decimal], requested: Optional[Decimal],
                      now: datetime, rules: ProtectionRules) -> LimitChange:
    """When a change of the ``period`` deposit limit from ``current`` to ``requested`` applies."""
    if period not in PERIODS:
        raise ProtectionRuleError(f"period must be one of {PERIODS}")
    if requested is not None and requested <= 0:
        raise ProtectionRuleError("a deposit limit is a positive amount")
    now = aware_utc(now)
    if requested is None and current is None:
        raise ProtectionRuleError("there is no limit to remove")
    if current is None:
        kind = "first"
    elif requested is None:
        kind = "remove"
    elif requested < current:
        kind = "lower"
    elif requested > current:
        kind = "raise"
    else:
        kind = "same"
    immediate = kind in ("first", "lower", "same")
    effective_at = now if immediate else now + timedelta(hours=rules.limit_raise_delay_hours)
    return LimitChange(period, current, requested, kind, effective_at, immediate)


def limit_window(period: str, now: datetime, rules: ProtectionRules) -> Tuple[datetime, datetime]:
    """The operator-calendar window a ``period`` limit counts deposits in, as aware UTC:
    today, this week (Monday to Sunday), this month."""
    if period not in PERIODS:
        raise ProtectionRuleError(f"period must be one of {PERIODS}")
    local = aware_utc(now).astimezone(rules.zone)
    start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    if period == "week":
        start -= timedelta(days=start.weekday())
    elif period == "month":
        start = start.replace(day=1)
    start_date = start.date()
    if period == "day":
        end_date = start_date + timedelta(days=1)
    elif period == "week":
        end_date = start_date + timedelta(days=7)
    else:
        end_date = _add_months_to_date(start_date.replace(day=1), 1)
    begin = datetime(start_date.year, start_date.month, start_date.day, tzinfo=rules.zone)
    end = datetime(end_date.year, end_date.month, end_date.day, tzinfo=rules.zone)
    return aware_utc(begin), aware_utc(end)


# --- breaks and self-exclusion ---------------------------------------------------------------

@dataclass(frozen=True)
class Exclusion:
    kind: str  # "break" / "self_exclusion"
    starts_at: datetime  # aware UTC
    ends_at: Optional[datetime]  # aware UTC; None: indefinite (self-exclusion only)


def plan_break(now: datetime, rules: ProtectionRules, *, hours: int = 0, days: int = 0,
               weeks: int = 0, in_force_until: Optional[datetime] = None) -> Exclusion:
    """A break of ``hours`` + ``days`` + ``weeks`` from ``now`` (24 h to 6 weeks by default);
    days and weeks on the operator's calendar, hours as real hours."""
    now = aware_utc(now)
    total = timedelta(hours=hours, days=days, weeks=weeks)
    if total < timedelta(hours=rules.break_min_hours) or total > timedelta(days=rules.break_max_days):
        raise ProtectionRuleError(f"a break lasts from {rules.break_min_hours} hours to "
                                  f"{rules.break_max_days} days")
    local = now.astimezone(rules.zone)
    wall = local.replace(tzinfo=None) + timedelta(days=days, weeks=weeks)
    ends_at = _from_wall_clock(wall, rules) + timedelta(hours=hours)
    _not_shorter(ends_at, in_force_until)
    return Exclusion("break", now, ends_at)


def plan_self_exclusion(now: datetime, rules: ProtectionRules, *, months: Optional[int],
                        in_force_until: Optional[datetime] = None,
                        indefinite_in_force: bool = False) -> Exclusion:
    """A self-exclusion of ``months`` (None: indefinite) from ``now``, applied at once."""
    now = aware_utc(now)
    if indefinite_in_force:
        raise ExclusionCannotBeShortened("an indefinite self-exclusion is in force")
    if months is None:
        return Exclusion("self_exclusion", now, None)
    if months < rules.self_exclusion_min_months or (
            rules.self_exclusion_max_months is not None and months > rules.self_exclusion_max_months):
        raise ProtectionRuleError(f"a self-exclusion lasts from {rules.self_exclusion_min_months} "
                                  f"to {rules.self_exclusion_max_months} months")
    local = now.astimezone(rules.zone).replace(tzinfo=None)
    ends_at = _from_wall_clock(_add_months(local, months), rules)
    _not_shorter(ends_at, in_force_until)
    return Exclusion("self_exclusion", now, ends_at)


def _not_shorter(ends_at: datetime, in_force_until: Optional[datetime]) -> None:
    if in_force_until is not None and aware_utc(in_force_until) > ends_at:
        raise ExclusionCannotBeShortened(f"an exclusion is in force until {in_force_until.isoformat()}")


# --- offers ----------------------------------------------------------------------------------

def offers_allowed(now: datetime, rules: ProtectionRules, *, last_signal_at: Optional[datetime],
                   excluded_until: Optional[datetime] = None, indefinitely_excluded: bool = False
                   ) -> bool:
    """May the bot mention a bonus, cashback, VIP or promotion to this player now?"""
    now = aware_utc(now)
    if indefinitely_excluded or (excluded_until is not None and aware_utc(excluded_until) > now):
        return False
    if last_signal_at is None:
        return True
    return now >= aware_utc(last_signal_at) + timedelta(days=rules.offers_held_back_days)


def offers_held_back_until(last_signal_at: datetime, rules: ProtectionRules) -> datetime:
    return aware_utc(last_signal_at) + timedelta(days=rules.offers_held_back_days)


# --- calendar helpers ------------------------------------------------------------------------

def _add_months_to_date(day: Any, months: int) -> Any:
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def _add_months(wall: datetime, months: int) -> datetime:
    """``wall`` (naive local time) plus calendar ``months``, the day clipped to the month's end."""
    moved = _add_months_to_date(wall.date(), months)
    return wall.replace(year=moved.year, month=moved.month, day=moved.day)


def _from_wall_clock(wall: datetime, rules: ProtectionRules) -> datetime:
    """A naive local wall-clock time as aware UTC (a time skipped by DST moves forward)."""
    local = wall.replace(tzinfo=rules.zone)
    roundtrip = aware_utc(local).astimezone(rules.zone).replace(tzinfo=None)
    if roundtrip != wall:  # in the spring gap: the first valid instant after it
        local = (wall + timedelta(hours=1)).replace(tzinfo=rules.zone)
    return aware_utc(local)
