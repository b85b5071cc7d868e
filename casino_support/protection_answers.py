"""How the protection tools used from the chat are said: the questions of the form, the
confirmation (what changes and from when), and what was recorded.

Takes the typed values of protection_requests.py and the typed results of
protection_rules.py / player_protection.py; the sentences are in wording.fr.yml
(``protection.*``). Every quick reply that confirms is ``/affirm``, every one that keeps
things as they are is ``/deny``; the safe one comes first.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo
from typing import Dict, List, Mapping, Optional

from .answers import Answer
from .catalogue import say
from .formatting import format_amount, format_date, format_datetime
from .protection_requests import Duration
from .protection_rules import Exclusion, LimitChange, ProtectionRules

Button = Dict[str, str]


def _button(key: str, payload: str) -> Button:
    return {"title": say(f"protection.buttons.{key}"), "payload": payload}


CANCEL = _button("cancel", "/deny")


def length_text(duration: Duration) -> str:
    """« 24 heures », « 1 semaine », « 6 mois », « 2 ans », « durée indéterminée »."""
    if duration.indefinite:
        return say("protection.length.indefinite")
    parts: List[str] = []
    if duration.months:
        years, months = divmod(duration.months, 12)
        if years and not months:
            parts.append(_counted("years", years))
        else:
            parts.append(say("protection.length.months", count=duration.months))
    for unit, count in (("weeks", duration.weeks), ("days", duration.days), ("hours", duration.hours)):
        if count:
            parts.append(_counted(unit, count))
    return " ".join(parts)


def duration_value(duration: Optional[Duration]) -> Optional[str]:
    """How a length is kept in the form's slot (and sent by its quick replies): words that
    ``duration_of`` reads back to the same length (« 2 semaines », « Définitivement »)."""
    if duration is None:
        return None
    return say("protection.buttons.indefinite") if duration.indefinite else length_text(duration)


def _counted(unit: str, count: int) -> str:
    return say(f"protection.length.{unit}_{'one' if count < 2 else 'many'}", count=count)


def hours_text(hours: int) -> str:
    return _counted("hours", hours)


def break_bounds(rules: ProtectionRules) -> Mapping[str, str]:
    maximum = (Duration(weeks=rules.break_max_days // 7) if rules.break_max_days % 7 == 0
               else Duration(days=rules.break_max_days))
    return {"minimum": length_text(Duration(hours=rules.break_min_hours)),
            "maximum": length_text(maximum)}


def exclusion_bounds(rules: ProtectionRules) -> Mapping[str, str]:
    maximum = (Duration(months=rules.self_exclusion_max_months)
               if rules.self_exclusion_max_months else Duration(indefinite=True))
    return {"minimum": length_text(Duration(months=rules.self_exclusion_min_months)),
            "maximum": length_text(maximum)}


def period_text(period: str) -> str:
    return say(f"protection.period.{period}")


# --- the questions of the form ------------------------------------------------------------

def offer(kind: str) -> str:
    return say(f"protection.offer.{kind}")


def offer_longer(ends: str) -> str:
    return say("protection.offer.longer", date=ends)


def ask_period() -> Answer:
    return Answer([say("protection.ask.period")], [
        _button("day", '/inform{"limit_period": "day"}'),
        _button("week", '/inform{"limit_period": "week"}'),
        _button("month", '/inform{"limit_period": "month"}'), CANCEL])


def ask_amount(period: str, current: Optional[Decimal]) -> Answer:
    if current is None:
        return Answer([say("protection.ask.amount", period=period_text(period))], [CANCEL])
    return Answer([say("protection.ask.amount_with_current", period=period_text(period),
                       current=format_amount(current))], [CANCEL])


def ask_duration(kind: str, rules: ProtectionRules) -> Answer:
    if kind == "break":
        choices = [Duration(hours=rules.break_min_hours), Duration(weeks=1), Duration(weeks=2)]
        if rules.break_max_days % 7 == 0:
            choices.append(Duration(weeks=rules.break_max_days // 7))
        text = say("protection.ask.break_duration", **break_bounds(rules))
    else:
        choices = [Duration(months=rules.self_exclusion_min_months), Duration(months=12),
                   Duration(months=60), Duration(indefinite=True)]
        text = say("protection.ask.exclusion_duration", **exclusion_bounds(rules))
    buttons = [{"title": str(duration_value(choice)),
                "payload": '/inform{"duration": "%s"}' % duration_value(choice)}
               for choice in choices]
    return Answer([text], buttons + [CANCEL])


def out_of_range(kind: str, rules: ProtectionRules) -> str:
    bounds = break_bounds(rules) if kind == "break" else exclusion_bounds(rules)
    return say(f"protection.out_of_range.{kind}", **bounds)


def amount_out_of_range(maximum: Decimal) -> str:
    return say("protection.out_of_range.amount", maximum=format_amount(maximum))


# --- the confirmation and the result --------------------------------------------------------

CONFIRM_BUTTONS = [_button("keep", "/deny"), _button("confirm", "/affirm")]


def _limit_facts(change: LimitChange, tz: str, rules: ProtectionRules) -> Dict[str, str]:
    return {"amount": format_amount(change.requested or 0), "period": period_text(change.period),
            "period_name": say(f"protection.period_name.{change.period}"),
            "current": format_amount(change.current or 0),
            "date": format_datetime(change.effective_at, tz),
            "delay": hours_text(rules.limit_raise_delay_hours)}


def confirm_limit(change: LimitChange, tz: str, rules: ProtectionRules) -> Answer:
    return Answer([say(f"protection.confirm.{change.kind}", **_limit_facts(change, tz, rules))],
                  CONFIRM_BUTTONS)


def confirm_exclusion(exclusion: Exclusion, duration: Duration, tz: str) -> Answer:
    if exclusion.ends_at is None:
        return Answer([say("protection.confirm.self_exclusion_indefinite")], CONFIRM_BUTTONS)
    return Answer([say(f"protection.confirm.{exclusion.kind}", length=length_text(duration),
                       date=format_datetime(exclusion.ends_at, tz))], CONFIRM_BUTTONS)


def limit_recorded(change: LimitChange, tz: str, rules: ProtectionRules) -> str:
    key = "immediate" if change.immediate else "raise"
    return say(f"protection.done.{key}", **_limit_facts(change, tz, rules))


def exclusion_recorded(exclusion: Exclusion, tz: str, helpline: Mapping[str, str]) -> Answer:
    if exclusion.ends_at is None:
        first = say("protection.done.self_exclusion_indefinite")
    else:
        first = say(f"protection.done.{exclusion.kind}", date=format_datetime(exclusion.ends_at, tz))
    return Answer([first, say("protection.done.talk", name=helpline["name"], phone=helpline["phone"],
                              hours=helpline["hours"])])


def end_text(ends_at: datetime, tz: str) -> str:
    """When a break or exclusion ends: « 9 décembre 2026 à 3 h 20 »; one that ends at
    midnight (a whole day, as the account's ``self_excluded_until``) by its last day."""
    local = ends_at.astimezone(ZoneInfo(tz))
    if (local.hour, local.minute) == (0, 0):
        return format_date(local.date() - timedelta(days=1))
    return format_datetime(ends_at, tz)


def not_shorter(in_force_until: Optional[str]) -> str:
    if in_force_until is None:
        return say("protection.indefinite_in_force")
    return say("protection.not_shorter", date=in_force_until)
