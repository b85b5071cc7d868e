"""The player-protection rules: dates of effect across DST and month ends, raising vs
lowering a limit, breaks and self-exclusions that cannot be shortened, offers held back."""
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from casino_support.protection_rules import (
    ExclusionCannotBeShortened, ProtectionRuleError, ProtectionRules, limit_window,
    offers_allowed, plan_break, plan_limit_change, plan_self_exclusion,
)

PARIS = ZoneInfo("Europe/Paris")
RULES = ProtectionRules()


def paris(*args):
    return datetime(*args, tzinfo=PARIS).astimezone(timezone.utc)


def local(value):
    return value.astimezone(PARIS).replace(tzinfo=None)


@pytest.mark.parametrize("current, requested, kind, immediate", [
    (None, Decimal("100"), "first", True),
    (Decimal("200"), Decimal("50"), "lower", True),
    (Decimal("50"), Decimal("200"), "raise", False),
    (Decimal("50"), None, "remove", False),
    (Decimal("50"), Decimal("50"), "same", True),
])
def test_a_lower_limit_applies_at_once_a_higher_one_after_24_hours(current, requested, kind, immediate):
    now = paris(2026, 3, 10, 15, 0)
    change = plan_limit_change("week", current, requested, now, RULES)
    assert (change.kind, change.immediate) == (kind, immediate)
    assert change.effective_at == (now if immediate else now + timedelta(hours=24))


def test_the_24_hour_reflection_is_24_real_hours_across_the_autumn_change():
    now = paris(2026, 10, 24, 12, 0)  # Saturday, CEST; the clocks go back that night
    change = plan_limit_change("day", Decimal("20"), Decimal("80"), now, RULES)
    assert change.effective_at - now == timedelta(hours=24)
    assert local(change.effective_at) == datetime(2026, 10, 25, 11, 0)  # 11:00 CET


def test_the_raise_delay_comes_from_support_yml():
    rules = ProtectionRules.from_config({"timezone": "Europe/Paris",
                                         "player_protection": {"limit_raise_delay_hours": 72}})
    change = plan_limit_change("month", Decimal("20"), Decimal("80"), paris(2026, 1, 5, 9, 0), rules)
    assert change.effective_at - paris(2026, 1, 5, 9, 0) == timedelta(hours=72)


@pytest.mark.parametrize("setting", [{"self_exclusion_min_months": 3}, {"break_min_hours": 1},
                                     {"offers_held_back_days": -1}, {"break_max_days": "six"}])
def test_support_yml_cannot_weaken_the_minimums_or_hold_nonsense(setting):
    with pytest.raises(ProtectionRuleError):
        ProtectionRules.from_config({"timezone": "Europe/Paris", "player_protection": setting})


def test_limits_and_amounts_must_make_sense():
    with pytest.raises(ProtectionRuleError):
        plan_limit_change("year", None, Decimal("10"), paris(2026, 1, 1, 0, 0), RULES)
    with pytest.raises(ProtectionRuleError):
        plan_limit_change("day", None, Decimal("0"), paris(2026, 1, 1, 0, 0), RULES)
    with pytest.raises(ProtectionRuleError):
        plan_limit_change("day", None, None, paris(2026, 1, 1, 0, 0), RULES)


@pytest.mark.parametrize("period, now, start, end", [
    ("day", (2026, 3, 29, 1, 30), (2026, 3, 29, 0, 0), (2026, 3, 30, 0, 0)),   # a 23-hour day
    ("week", (2026, 12, 3, 18, 0), (2026, 11, 30, 0, 0), (2026, 12, 7, 0, 0)),  # Monday to Monday
    ("month", (2026, 2, 28, 23, 59), (2026, 2, 1, 0, 0), (2026, 3, 1, 0, 0)),
    ("month", (2026, 12, 31, 23, 0), (2026, 12, 1, 0, 0), (2027, 1, 1, 0, 0)),
])
def test_a_limit_counts_deposits_in_the_operators_calendar(period, now, start, end):
    begin, finish = limit_window(period, paris(*now), RULES)
    assert (local(begin), local(finish)) == (datetime(*start), datetime(*end))
    if period == "day" and now[:3] == (2026, 3, 29):
        assert finish - begin == timedelta(hours=23)


def test_a_one_week_break_ends_at_the_same_wall_clock_time_across_dst():
    now = paris(2026, 3, 25, 20, 0)  # CET; summer time starts on the 29th
    pause = plan_break(now, RULES, weeks=1)
    assert local(pause.ends_at) == datetime(2026, 4, 1, 20, 0)
    assert pause.ends_at - now == timedelta(days=7) - timedelta(hours=1)


@pytest.mark.parametrize("duration", [{"hours": 23}, {"days": 43}, {"weeks": 7}])
def test_a_break_lasts_24_hours_to_6_weeks(duration):
    with pytest.raises(ProtectionRuleError):
        plan_break(paris(2026, 5, 1, 10, 0), RULES, **duration)


def test_six_months_from_the_31st_of_august_end_on_the_last_day_of_february():
    exclusion = plan_self_exclusion(paris(2026, 8, 31, 10, 15), RULES, months=6)
    assert local(exclusion.ends_at) == datetime(2027, 2, 28, 10, 15)
    leap = plan_self_exclusion(paris(2027, 8, 31, 10, 15), RULES, months=6)
    assert local(leap.ends_at) == datetime(2028, 2, 29, 10, 15)


def test_a_self_exclusion_lasts_at_least_six_months_or_is_indefinite():
    with pytest.raises(ProtectionRuleError):
        plan_self_exclusion(paris(2026, 1, 1, 0, 0), RULES, months=3)
    forever = plan_self_exclusion(paris(2026, 1, 1, 0, 0), RULES, months=None)
    assert forever.ends_at is None and forever.starts_at == paris(2026, 1, 1, 0, 0)


def test_an_exclusion_in_force_cannot_be_shortened_from_the_chat():
    now = paris(2026, 6, 1, 12, 0)
    until = paris(2027, 6, 1, 12, 0)
    with pytest.raises(ExclusionCannotBeShortened):
        plan_self_exclusion(now, RULES, months=6, in_force_until=until)
    with pytest.raises(ExclusionCannotBeShortened):
        plan_break(now, RULES, days=2, in_force_until=until)
    with pytest.raises(ExclusionCannotBeShortened):
        plan_self_exclusion(now, RULES, months=12, indefinite_in_force=True)
    longer = plan_self_exclusion(now, RULES, months=24, in_force_until=until)
    assert longer.ends_at > until


def test_offers_are_held_back_after_a_signal_and_during_an_exclusion():
    signal = paris(2026, 1, 10, 9, 0)
    assert not offers_allowed(signal + timedelta(days=29), RULES, last_signal_at=signal)
    assert offers_allowed(signal + timedelta(days=30), RULES, last_signal_at=signal)
    assert offers_allowed(signal, RULES, last_signal_at=None)
    later = signal + timedelta(days=400)
    assert not offers_allowed(later, RULES, last_signal_at=signal,
                              excluded_until=later + timedelta(days=1))
    assert not offers_allowed(later, RULES, last_signal_at=None, indefinitely_excluded=True)
