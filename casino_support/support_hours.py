"""Support opening hours: weekly hours in the operator's time zone, public holidays closed.

All times handed in are timezone-aware datetimes (or naive UTC); results are in the
operator's time zone. Nothing here reads the clock: callers pass `now`.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from typing import Dict, List, Optional, Tuple
from zoneinfo import ZoneInfo

import holidays as holidays_lib

from casino_support.catalogue import lines, say
from casino_support.config import WEEKDAYS


def day_name(index: int) -> str:
    """0 -> « lundi » (catalogue ``hours.days``)."""
    return say(f"hours.days.{WEEKDAYS[index]}")


def _parse_clock(value: str) -> timedelta:
    hours, minutes = value.strip().split(":")
    hours, minutes = int(hours), int(minutes)
    if not (0 <= hours <= 24 and 0 <= minutes < 60) or (hours == 24 and minutes):
        raise ValueError(f"bad time {value!r}: expected HH:MM, 24:00 at most")
    return timedelta(hours=hours, minutes=minutes)


def format_clock(value: str) -> str:
    """'09:00' -> '9 h', '23:30' -> '23 h 30', '24:00' -> 'minuit'."""
    delta = _parse_clock(value)
    hours, minutes = divmod(int(delta.total_seconds()) // 60, 60)
    if hours in (0, 24) and minutes == 0:
        return say("hours.midnight")
    if minutes:
        return say("hours.clock_minutes", hours=hours, minutes=f"{minutes:02d}")
    return say("hours.clock", hours=hours)


@lru_cache(maxsize=16)
def _holiday_calendar(country: str, year: int):
    try:
        return holidays_lib.country_holidays(country, years=[year], language="fr")
    except (NotImplementedError, ValueError, KeyError):
        return holidays_lib.country_holidays(country, years=[year])


@dataclass(frozen=True)
class WeeklyHours:
    """Opening hours for one channel: a span per weekday, in one time zone."""

    spans: Dict[str, Tuple[timedelta, timedelta]]
    tz: ZoneInfo
    holiday_country: Optional[str] = None

    @classmethod
    def from_config(cls, hours: Dict[str, List[str]], tz_name: str, holiday_country=None):
        spans = {}
        for day in WEEKDAYS:
            span = hours.get(day) or []
            if span:
                start, end = _parse_clock(span[0]), _parse_clock(span[1])
                if end <= start:
                    raise ValueError(f"hours.{day}: the end must come after the start")
                spans[day] = (start, end)
        country = holiday_country if isinstance(holiday_country, str) and holiday_country else None
        return cls(spans=spans, tz=ZoneInfo(tz_name), holiday_country=country)

    # --- facts about one day ---------------------------------------------------
    def holiday_name(self, day: date) -> Optional[str]:
        if not self.holiday_country:
            return None
        return _holiday_calendar(self.holiday_country, day.year).get(day)

    def opening_span(self, day: date) -> Optional[Tuple[datetime, datetime]]:
        """The open interval of that local date, as aware datetimes, or None when closed."""
        if self.holiday_name(day):
            return None
        span = self.spans.get(WEEKDAYS[day.weekday()])
        if not span:
            return None
        midnight = datetime.combine(day, time(0))
        # Wall-clock times, then localised: correct across daylight-saving changes.
        start = (midnight + span[0]).replace(tzinfo=self.tz)
        end = (midnight + span[1]).replace(tzinfo=self.tz)
        return start, end

    # --- questions the bot asks --------------------------------------------------
    def local(self, moment: datetime) -> datetime:
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
        return moment.astimezone(self.tz)

    def is_open(self, moment: datetime) -> bool:
        now = self.local(moment)
        for day in (now.date() - timedelta(days=1), now.date()):
            span = self.opening_span(day)
            if span and span[0] <= now < span[1]:
                return True
        return False

    def next_opening(self, moment: datetime, horizon_days: int = 21) -> Optional[datetime]:
        """When the channel next opens (moment itself when open now)."""
        now = self.local(moment)
        if self.is_open(now):
            return now
        for offset in range(horizon_days + 1):
            span = self.opening_span(now.date() + timedelta(days=offset))
            if span and span[0] > now:
                return span[0]
        return None

    def closing_time(self, moment: datetime) -> Optional[datetime]:
        now = self.local(moment)
        for day in (now.date() - timedelta(days=1), now.date()):
            span = self.opening_span(day)
            if span and span[0] <= now < span[1]:
                return span[1]
        return None

    def add_open_hours(self, moment: datetime, hours: float) -> datetime:
        """The moment (UTC) when `hours` of opening time have passed after `moment`."""
        remaining = timedelta(hours=hours)
        cursor = self.local(moment)
        for _ in range(366):
            if self.is_open(cursor):
                end = self.closing_time(cursor)
                # Real elapsed time (UTC), not wall-clock time: right across DST changes.
                available = end.astimezone(timezone.utc) - cursor.astimezone(timezone.utc)
                if remaining <= available:
                    return cursor.astimezone(timezone.utc) + remaining
                remaining -= available
                cursor = end
            following = self.next_opening(cursor + timedelta(seconds=1))
            if following is None:
                break
            cursor = following
        raise ValueError("no opening hours in the coming year")

    # --- French wording ------------------------------------------------------------
    def weekly_summary(self) -> str:
        """'du lundi au jeudi de 9 h à 23 h ; le vendredi de 9 h à minuit ; fermé le dimanche'."""
        groups: List[Tuple[List[int], Optional[Tuple[timedelta, timedelta]]]] = []
        for index, day in enumerate(WEEKDAYS):
            span = self.spans.get(day)
            if groups and groups[-1][1] == span:
                groups[-1][0].append(index)
            else:
                groups.append(([index], span))
        parts = []
        for indexes, span in groups:
            if len(indexes) == 1:
                days = say("hours.one_day", day=day_name(indexes[0]))
            elif len(indexes) == 2:
                days = say("hours.two_days", first=day_name(indexes[0]),
                           second=day_name(indexes[1]))
            else:
                days = say("hours.day_range", first=day_name(indexes[0]),
                           last=day_name(indexes[-1]))
            if span is None:
                parts.append(say("hours.closed_on", days=days))
            else:
                start, end = (_delta_to_clock(x) for x in span)
                parts.append(say("hours.open_on", days=days, start=format_clock(start),
                                 end=format_clock(end)))
        if self.holiday_country:
            parts.append(say("hours.closed_on_holidays"))
        return " ; ".join(parts)

    def status_sentence(self, moment: datetime) -> str:
        """'ouvert en ce moment, jusqu'à 23 h' or 'fermé en ce moment ; réouverture lundi à 9 h'."""
        now = self.local(moment)
        if self.is_open(now):
            closing = self.closing_time(now)
            return say("hours.open_now", closing=_format_local_clock(closing))
        holiday = self.holiday_name(now.date())
        closed = (say("hours.closed_now_holiday", holiday=_in_sentence(holiday)) if holiday
                  else say("hours.closed_now"))
        following = self.next_opening(now)
        if following is None:
            return closed
        return say("hours.reopening", closed=closed, when=describe_moment(following, now))


def _in_sentence(holiday: str) -> str:
    """'Lundi de Pâques' -> 'lundi de Pâques'; 'Noël' stays capitalised."""
    first = holiday.split(" ", 1)[0]
    if first.lower() in ("lundi", "jour", "fête"):
        return first.lower() + holiday[len(first):]
    return holiday


def _delta_to_clock(delta: timedelta) -> str:
    minutes = int(delta.total_seconds()) // 60
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _format_local_clock(moment: datetime) -> str:
    if moment.hour == 0 and moment.minute == 0:
        return say("hours.midnight")
    return format_clock(f"{moment.hour:02d}:{moment.minute:02d}")


def describe_moment(moment: datetime, now: datetime) -> str:
    """'aujourd'hui à 9 h', 'demain à 10 h', 'lundi 23 novembre à 9 h'."""
    clock = _format_local_clock(moment)
    if moment.tzinfo is not None and now.tzinfo is not None:
        now = now.astimezone(moment.tzinfo)
    days = (moment.date() - now.date()).days
    if days == 0:
        return say("hours.today", clock=clock)
    if days == 1:
        return say("hours.tomorrow", clock=clock)
    return say("hours.on_date", weekday=day_name(moment.weekday()), day=moment.day,
               month=lines("dates.months")[moment.month - 1], clock=clock)


def chat_hours(config) -> WeeklyHours:
    return WeeklyHours.from_config(config.hours, config.timezone, config.holidays)


def channel_hours(config, channel: str) -> Optional[WeeklyHours]:
    """A channel's own hours; the live-chat hours when it has none; None for e-mail/forms."""
    settings = config.channels.get(channel, {})
    if "hours" in settings:
        return WeeklyHours.from_config(settings["hours"], config.timezone, config.holidays)
    if channel == "chat":
        return chat_hours(config)
    return None
