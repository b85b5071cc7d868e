"""French formats for amounts, dates and durations (the words: catalogue ``dates``).

Plain ASCII spaces are used (thousands separator, before "€"): chat widgets and
terminals render them everywhere and tests can type them.

    >>> format_amount(Decimal("2300"))
    '2 300,00 €'
    >>> format_date(date(2026, 11, 1))
    '1er novembre 2026'
    >>> format_days(9)
    '9 jours'
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Optional, Union
from zoneinfo import ZoneInfo

from casino_support.catalogue import lines, say

CURRENCY_SYMBOLS = {"EUR": "€", "CHF": "CHF", "CAD": "$ CA", "USD": "$ US"}

Number = Union[Decimal, int, float, str]


def group_thousands(digits: str) -> str:
    """'1234567' -> '1 234 567'."""
    groups = []
    while len(digits) > 3:
        digits, tail = digits[:-3], digits[-3:]
        groups.insert(0, tail)
    groups.insert(0, digits)
    return " ".join(groups)


def format_amount(amount: Number, currency: str = "EUR") -> str:
    """An amount in French: ``Decimal("2300")`` -> ``"2 300,00 €"``."""
    value = Decimal(str(amount)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    sign = "-" if value < 0 else ""
    units, cents = f"{abs(value):.2f}".split(".")
    symbol = CURRENCY_SYMBOLS.get(currency.upper(), currency)
    return f"{sign}{group_thousands(units)},{cents} {symbol}"


def _local(value: Union[date, datetime], tz: Optional[str]) -> Union[date, datetime]:
    if tz and isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(ZoneInfo(tz))
    return value


def format_date(value: Union[date, datetime], tz: Optional[str] = None) -> str:
    """``date(2026, 11, 13)`` -> ``"13 novembre 2026"``; the 1st is "1er".

    An aware datetime is first converted to the time zone ``tz`` when given
    (e.g. ``config.timezone``).
    """
    value = _local(value, tz)
    day = say("dates.first_day") if value.day == 1 else str(value.day)
    return say("dates.date", day=day, month=lines("dates.months")[value.month - 1],
               year=value.year)


def format_time(value: datetime, tz: Optional[str] = None) -> str:
    """``14:05`` -> ``"14 h 05"``."""
    value = _local(value, tz)
    return say("hours.clock_minutes", hours=value.hour, minutes=f"{value.minute:02d}")


def format_datetime(value: datetime, tz: Optional[str] = None) -> str:
    """``"13 novembre 2026 à 14 h 05"`` (converted to ``tz`` when given)."""
    value = _local(value, tz)
    return say("dates.datetime", date=format_date(value), time=format_time(value))


def format_days(count: int) -> str:
    """``1`` -> ``"1 jour"``, ``9`` -> ``"9 jours"`` (0 and 1 are singular in French)."""
    return say("dates.days_one" if abs(count) < 2 else "dates.days_many", count=count)
