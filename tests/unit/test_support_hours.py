"""Support opening hours (casino_support/support_hours.py).

Clocks are fixed aware datetimes. Calendar used below (2026): 10 March is a Tuesday,
13 March a Friday; Paris switches to summer time on Sunday 29 March (UTC+1 -> UTC+2)
and back on Sunday 25 October; 6 April (Easter Monday), 14 July and 25 December are
French public holidays.
"""
from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from casino_support.config import SupportConfig
from casino_support.support_hours import (
    WeeklyHours, channel_hours, chat_hours, describe_moment, format_clock,
)

PARIS = ZoneInfo("Europe/Paris")
UTC = timezone.utc
WEEK = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def paris(year, month, day, hour=0, minute=0):
    return datetime(year, month, day, hour, minute, tzinfo=PARIS)


def utc(year, month, day, hour=0, minute=0):
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def hand_made(hours, holidays="FR"):
    """Hours given for some days; every other day closed."""
    return WeeklyHours.from_config({day: hours.get(day, []) for day in WEEK},
                                   "Europe/Paris", holidays)


@pytest.fixture
def chat(config):
    return chat_hours(config)


@pytest.fixture
def phone(config):
    return channel_hours(config, "phone")


# --- format_clock / describe_moment ----------------------------------------------------

@pytest.mark.parametrize("value, expected", [
    ("09:00", "9 h"),
    ("09:05", "9 h 05"),
    ("23:30", "23 h 30"),
    ("24:00", "minuit"),
    ("00:00", "minuit"),
])
def test_format_clock_in_french(value, expected):
    assert format_clock(value) == expected


def test_describe_moment_same_day_is_today():
    assert describe_moment(paris(2026, 3, 10, 9), paris(2026, 3, 10, 7)) == "aujourd'hui à 9 h"


def test_describe_moment_next_day_is_tomorrow():
    assert describe_moment(paris(2026, 3, 11, 10), paris(2026, 3, 10, 23, 30)) == "demain à 10 h"


def test_describe_moment_later_gives_weekday_and_date():
    assert (describe_moment(paris(2026, 3, 16, 9), paris(2026, 3, 13, 23))
            == "lundi 16 mars à 9 h")


def test_describe_moment_compares_days_in_the_moments_time_zone():
    assert describe_moment(paris(2026, 3, 11, 9), utc(2026, 3, 10, 23, 30)) == "aujourd'hui à 9 h"


# --- a weekday (support.yml: Monday-Thursday 09:00-23:00) -----------------------------

def test_open_on_a_weekday_afternoon(chat):
    assert chat.is_open(paris(2026, 3, 10, 15))


def test_closed_on_a_weekday_early_morning(chat):
    assert not chat.is_open(paris(2026, 3, 10, 7))


def test_closed_on_a_weekday_late_evening(chat):
    assert not chat.is_open(paris(2026, 3, 10, 23, 30))


def test_opening_minute_is_open(chat):
    assert chat.is_open(paris(2026, 3, 10, 9, 0))


def test_minute_before_opening_is_closed(chat):
    assert not chat.is_open(paris(2026, 3, 10, 8, 59))


def test_last_minute_before_closing_is_open(chat):
    assert chat.is_open(paris(2026, 3, 10, 22, 59))


def test_closing_minute_is_closed(chat):
    assert not chat.is_open(paris(2026, 3, 10, 23, 0))


def test_utc_moment_is_read_in_paris_time(chat):
    # 08:00 UTC is 09:00 in Paris in winter.
    assert chat.is_open(utc(2026, 3, 10, 8, 0))
    assert not chat.is_open(utc(2026, 3, 10, 7, 59))


def test_naive_moment_is_taken_as_utc(chat):
    assert chat.is_open(datetime(2026, 3, 10, 8, 0))
    assert not chat.is_open(datetime(2026, 3, 10, 7, 59))


def test_status_sentence_when_open_gives_closing_time(chat):
    assert chat.status_sentence(paris(2026, 3, 10, 15)) == "ouvert en ce moment, jusqu'à 23 h"


def test_status_sentence_when_closed_gives_reopening(chat):
    assert (chat.status_sentence(paris(2026, 3, 10, 23, 30))
            == "fermé en ce moment ; réouverture demain à 9 h")


def test_next_opening_is_now_when_open(chat):
    moment = paris(2026, 3, 10, 15)
    assert chat.next_opening(moment) == moment


def test_next_opening_after_a_weekday_closing_is_next_morning(chat):
    assert chat.next_opening(paris(2026, 3, 10, 23, 30)) == paris(2026, 3, 11, 9)


# --- the weekend -------------------------------------------------------------------------

def test_saturday_opens_at_ten_not_nine(chat):
    assert not chat.is_open(paris(2026, 3, 14, 9, 30))
    assert chat.is_open(paris(2026, 3, 14, 10, 0))


def test_sunday_closes_at_eight_pm(chat):
    assert chat.is_open(paris(2026, 3, 15, 19, 59))
    assert not chat.is_open(paris(2026, 3, 15, 20, 0))


def test_next_opening_after_sunday_closing_is_monday_nine(chat):
    assert chat.next_opening(paris(2026, 3, 15, 20, 30)) == paris(2026, 3, 16, 9)


def test_status_sentence_on_sunday_night_reopens_tomorrow_monday(chat):
    assert (chat.status_sentence(paris(2026, 3, 15, 21))
            == "fermé en ce moment ; réouverture demain à 9 h")


# --- Friday "24:00" --------------------------------------------------------------------------

def test_friday_one_minute_before_midnight_is_open(chat):
    assert chat.is_open(paris(2026, 3, 13, 23, 59))


def test_friday_closing_is_announced_as_midnight(chat):
    assert chat.status_sentence(paris(2026, 3, 13, 23, 0)) == "ouvert en ce moment, jusqu'à minuit"


def test_saturday_midnight_is_closed(chat):
    assert not chat.is_open(paris(2026, 3, 14, 0, 0))


def test_saturday_midnight_reopens_at_ten(chat):
    assert chat.next_opening(paris(2026, 3, 14, 0, 0)) == paris(2026, 3, 14, 10)
    assert (chat.status_sentence(paris(2026, 3, 14, 0, 0))
            == "fermé en ce moment ; réouverture aujourd'hui à 10 h")


# --- French public holidays ----------------------------------------------------------------

@pytest.mark.parametrize("moment", [
    paris(2026, 12, 25, 12),  # Christmas, a Friday
    paris(2026, 7, 14, 12),   # national day, a Tuesday
    paris(2026, 4, 6, 12),    # Easter Monday
], ids=["noel", "14-juillet", "lundi-de-paques"])
def test_public_holiday_is_closed(chat, moment):
    assert not chat.is_open(moment)


@pytest.mark.parametrize("moment, name", [
    (paris(2026, 12, 25, 12), "noël"),
    (paris(2026, 7, 14, 12), "fête nationale"),
    (paris(2026, 4, 6, 12), "lundi de pâques"),
], ids=["noel", "14-juillet", "lundi-de-paques"])
def test_status_sentence_names_the_holiday_in_french(chat, moment, name):
    sentence = chat.status_sentence(moment)
    assert sentence.startswith("fermé en ce moment")
    assert f"({name}, jour férié)" in sentence.lower()


@pytest.mark.parametrize("moment, name", [
    (paris(2026, 12, 25, 12), "(Noël, jour férié)"),
    (paris(2026, 4, 6, 12), "(lundi de Pâques, jour férié)"),
], ids=["noel", "lundi-de-paques"])
def test_status_sentence_keeps_proper_nouns_capitalised(chat, moment, name):
    assert name in chat.status_sentence(moment)


def test_status_sentence_on_christmas_gives_reopening_the_next_day(chat):
    assert chat.status_sentence(paris(2026, 12, 25, 12)).endswith("; réouverture demain à 10 h")


def test_next_opening_skips_christmas(chat):
    # Thursday 24 December after closing: Friday 25 is a holiday, Saturday opens at 10:00.
    assert chat.next_opening(paris(2026, 12, 24, 23, 30)) == paris(2026, 12, 26, 10)


def test_next_opening_skips_easter_monday(chat):
    assert chat.next_opening(paris(2026, 4, 5, 20, 30)) == paris(2026, 4, 7, 9)


def test_day_before_a_holiday_is_open_as_usual(chat):
    assert chat.is_open(paris(2026, 7, 13, 12))


def test_holidays_false_keeps_holidays_open():
    hours = hand_made({"friday": ["09:00", "18:00"]}, holidays=False)
    assert hours.is_open(paris(2026, 12, 25, 12))
    assert hours.holiday_name(paris(2026, 12, 25).date()) is None


def test_holidays_false_in_the_config_keeps_christmas_open(config):
    raw = {**config.raw, "holidays": False}
    assert chat_hours(SupportConfig(raw=raw)).is_open(paris(2026, 12, 25, 12))


def test_holiday_country_closes_holidays_in_hand_made_hours():
    hours = hand_made({"friday": ["09:00", "18:00"]}, holidays="FR")
    assert not hours.is_open(paris(2026, 12, 25, 12))
    assert hours.is_open(paris(2026, 12, 18, 12))


# --- daylight-saving changes ---------------------------------------------------------------

def test_spring_forward_sunday_opens_at_ten_wall_clock(chat):
    # 29 March 2026: Paris is UTC+2 from 02:00; 10:00 Paris is 08:00 UTC.
    assert not chat.is_open(utc(2026, 3, 29, 7, 59))
    assert chat.is_open(utc(2026, 3, 29, 8, 0))
    assert chat.next_opening(utc(2026, 3, 29, 6)) == utc(2026, 3, 29, 8)


def test_spring_forward_monday_opens_at_nine_wall_clock(chat):
    assert chat.next_opening(paris(2026, 3, 29, 21)) == utc(2026, 3, 30, 7)


def test_fall_back_sunday_opens_at_ten_wall_clock(chat):
    # 25 October 2026: Paris is UTC+1 again from 03:00; 10:00 Paris is 09:00 UTC.
    assert not chat.is_open(utc(2026, 10, 25, 8, 59))
    assert chat.is_open(utc(2026, 10, 25, 9, 0))
    assert chat.next_opening(utc(2026, 10, 25, 6)) == utc(2026, 10, 25, 9)


def test_fall_back_monday_opens_at_nine_wall_clock(chat):
    assert chat.next_opening(paris(2026, 10, 25, 21)) == utc(2026, 10, 26, 8)


def test_add_open_hours_across_spring_forward(chat):
    # Saturday 22:00 (UTC+1): 2 h until midnight, then 2 h from Sunday 10:00 (UTC+2).
    assert chat.add_open_hours(paris(2026, 3, 28, 22), 4) == utc(2026, 3, 29, 10)


def test_add_open_hours_across_fall_back(chat):
    # Saturday 22:00 (UTC+2): 2 h until midnight, then 2 h from Sunday 10:00 (UTC+1).
    assert chat.add_open_hours(paris(2026, 10, 24, 22), 4) == utc(2026, 10, 25, 11)


def test_add_open_hours_counts_real_hours_across_spring_forward_inside_a_span():
    round_the_clock = hand_made({day: ["00:00", "24:00"] for day in WEEK}, holidays=False)
    start = paris(2026, 3, 29, 0)  # 23:00 UTC the day before
    assert round_the_clock.add_open_hours(start, 3) == utc(2026, 3, 29, 2)


def test_add_open_hours_counts_real_hours_across_fall_back_inside_a_span():
    round_the_clock = hand_made({day: ["00:00", "24:00"] for day in WEEK}, holidays=False)
    start = paris(2026, 10, 25, 0)  # 22:00 UTC the day before
    assert round_the_clock.add_open_hours(start, 3) == utc(2026, 10, 25, 1)


# --- add_open_hours ------------------------------------------------------------------------

def test_add_open_hours_inside_one_day(chat):
    assert chat.add_open_hours(paris(2026, 3, 10, 10), 4) == paris(2026, 3, 10, 14)


def test_add_open_hours_spans_the_sunday_closing_night(chat):
    # Sunday 19:00 -> 20:00 is 1 h, Monday 09:00 -> 12:00 the other 3 h.
    assert chat.add_open_hours(paris(2026, 3, 15, 19), 4) == paris(2026, 3, 16, 12)


def test_add_open_hours_from_a_closed_moment_starts_at_the_opening(chat):
    assert chat.add_open_hours(paris(2026, 3, 10, 7), 1) == paris(2026, 3, 10, 10)


def test_add_open_hours_skips_a_holiday(chat):
    # Monday 13 July 22:00: 1 h that evening, 14 July closed, 1 h on Wednesday 15.
    assert chat.add_open_hours(paris(2026, 7, 13, 22), 2) == paris(2026, 7, 15, 10)


def test_add_open_hours_with_no_opening_raises():
    with pytest.raises(ValueError):
        hand_made({}).add_open_hours(paris(2026, 3, 10, 12), 1)


# --- weekly_summary --------------------------------------------------------------------------

def test_weekly_summary_of_support_yml(chat):
    assert chat.weekly_summary() == (
        "du lundi au jeudi de 9 h à 23 h ; le vendredi de 9 h à minuit ; "
        "le samedi de 10 h à minuit ; le dimanche de 10 h à 20 h ; fermé les jours fériés"
    )


def test_weekly_summary_groups_closed_days():
    hours = hand_made({day: ["09:30", "18:00"] for day in WEEK[:5]})
    assert hours.weekly_summary() == (
        "du lundi au vendredi de 9 h 30 à 18 h ; fermé le samedi et le dimanche ; "
        "fermé les jours fériés"
    )


def test_weekly_summary_without_holiday_closing_does_not_mention_holidays():
    hours = hand_made({"monday": ["09:00", "17:00"]}, holidays=False)
    assert "férié" not in hours.weekly_summary()


# --- channels --------------------------------------------------------------------------------

def test_phone_has_its_own_hours(phone):
    assert phone.weekly_summary() == (
        "du lundi au vendredi de 10 h à 19 h ; fermé le samedi et le dimanche ; "
        "fermé les jours fériés"
    )


def test_phone_opens_later_than_chat(chat, phone):
    moment = paris(2026, 3, 10, 9, 30)
    assert chat.is_open(moment) and not phone.is_open(moment)


def test_phone_closes_at_seven_pm(phone):
    assert phone.is_open(paris(2026, 3, 10, 18, 59))
    assert not phone.is_open(paris(2026, 3, 10, 19, 0))


@pytest.mark.parametrize("moment", [paris(2026, 3, 14, 12), paris(2026, 3, 15, 12)],
                         ids=["saturday", "sunday"])
def test_phone_is_closed_on_weekends(phone, moment):
    assert not phone.is_open(moment)


def test_phone_reopens_on_monday_after_the_weekend(phone):
    assert phone.next_opening(paris(2026, 3, 13, 19, 30)) == paris(2026, 3, 16, 10)


def test_phone_is_closed_on_public_holidays(phone):
    assert not phone.is_open(paris(2026, 7, 14, 12))


def test_chat_channel_follows_the_live_chat_hours(config, chat):
    assert channel_hours(config, "chat").weekly_summary() == chat.weekly_summary()


def test_email_has_no_opening_hours(config):
    assert channel_hours(config, "email") is None


# --- invalid hours -----------------------------------------------------------------------

@pytest.mark.parametrize("span", [
    ["18:00", "09:00"],  # end before start
    ["09:00", "09:00"],  # empty span
    ["09:00", "25:00"],
    ["09:00", "24:30"],
    ["09:60", "18:00"],
    ["9h", "18h"],
], ids=["end-before-start", "empty", "25h", "24h30", "60-minutes", "not-hh-mm"])
def test_invalid_hours_raise_value_error(span):
    with pytest.raises(ValueError):
        hand_made({"monday": span})


def test_invalid_hours_in_the_config_raise_value_error(config):
    raw = {**config.raw, "hours": {**config.hours, "monday": ["23:00", "09:00"]}}
    with pytest.raises(ValueError):
        chat_hours(SupportConfig(raw=raw))
