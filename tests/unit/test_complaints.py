"""The complaint clock: the operator's answer date, the first day the player may escalate,
in the operator's calendar, and the escalation path from support.yml."""
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from casino_support.complaints import (
    STAGE_AUTHORITY, STAGE_OPERATOR, ComplaintSettings, ComplaintSettingsError, complaint_clock,
)

PARIS = ZoneInfo("Europe/Paris")


def settings(**complaints):
    base = {"response_days": 10,
            "authority_support": {"name": "MGA", "url": "https://www.mga.org.mt/"},
            "adr": {"name": "ADR", "url": "https://adr.example/"}}
    base.update(complaints)
    return ComplaintSettings.from_config({"timezone": "Europe/Paris",
                                          "operator": {"complaints": base}})


def test_the_operator_answers_within_the_days_of_support_yml_then_the_player_may_escalate():
    opened = datetime(2026, 12, 1, 22, 30, tzinfo=timezone.utc)  # 23:30 in Paris, 1 December
    clock = complaint_clock(opened, settings())
    assert clock.answer_by == date(2026, 12, 11) and clock.escalate_from == date(2026, 12, 12)
    assert clock.answer_due_at == datetime(2026, 12, 12, 0, 0, tzinfo=PARIS).astimezone(timezone.utc)
    assert clock.stage(clock.answer_due_at - timedelta(seconds=1)) == STAGE_OPERATOR
    assert clock.stage(clock.answer_due_at) == STAGE_AUTHORITY
    assert not clock.overdue(clock.answer_due_at, answered=True)


def test_a_complaint_opened_after_midnight_in_paris_counts_from_that_day():
    opened = datetime(2026, 12, 1, 23, 30, tzinfo=timezone.utc)  # 00:30 on 2 December in Paris
    assert complaint_clock(opened, settings()).answer_by == date(2026, 12, 12)


def test_a_disputed_answer_goes_to_the_authority_at_once():
    clock = complaint_clock(datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc), settings())
    assert clock.stage(clock.opened_at + timedelta(days=1), answered=True, disputed=True) == STAGE_AUTHORITY


def test_the_deadline_crosses_the_spring_change_in_the_operators_calendar():
    clock = complaint_clock(datetime(2026, 3, 20, 12, 0, tzinfo=timezone.utc), settings())
    assert clock.answer_by == date(2026, 3, 30)
    assert clock.answer_due_at == datetime(2026, 3, 30, 22, 0, tzinfo=timezone.utc)  # CEST midnight


def test_the_escalation_path_comes_from_support_yml():
    read = settings()
    assert (read.authority.name, read.adr.url) == ("MGA", "https://adr.example/")
    from casino_support.config import load_config

    real = ComplaintSettings.from_config(load_config().raw)
    assert real.response_days == 10 and "mga.org.mt" in real.authority.url and real.adr is not None


@pytest.mark.parametrize("change", [{"response_days": 0}, {"response_days": "10"},
                                    {"authority_support": None}, {"adr": {"name": "x"}}])
def test_broken_settings_are_refused(change):
    with pytest.raises(ComplaintSettingsError):
        settings(**change)
