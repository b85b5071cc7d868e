from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from casino_support.escalation import (
    OFFER_HUMAN,
    OFFER_TICKET,
    PRIORITY_ORDER,
    QUEUE,
    REASONS,
    TICKET,
    Escalation,
    UnknownEscalationReason,
    chat_open,
    escalation_for,
    higher_priority,
    priority_rank,
)

PARIS = ZoneInfo("Europe/Paris")


def paris(*args) -> datetime:
    return datetime(*args, tzinfo=PARIS)


def test_priority_order_most_urgent_first():
    assert PRIORITY_ORDER == ("urgent", "high", "normal")
    assert [priority_rank(p) for p in PRIORITY_ORDER] == [0, 1, 2]
    assert higher_priority("normal", "urgent") == "urgent"
    assert higher_priority("high", "normal") == "high"
    with pytest.raises(ValueError):
        priority_rank("critical")


@pytest.mark.parametrize("reason, priority, category, team, inside, outside", [
    ("human_request", "normal", "general", "support", QUEUE, TICKET),
    ("not_understood", "normal", "general", "support", OFFER_HUMAN, OFFER_TICKET),
    ("late_payment", "high", "payments", "payments", QUEUE, TICKET),
    ("responsible_gambling", "urgent", "responsible_gambling", "responsible_gambling",
     QUEUE, TICKET),
    ("angry_player", "high", "complaints", "support", OFFER_HUMAN, OFFER_TICKET),
])
def test_the_table_of_docs_escalation(reason, priority, category, team, inside, outside):
    rule = escalation_for(reason)
    assert isinstance(rule, Escalation)
    assert (rule.reason, rule.priority, rule.category, rule.team) == (
        reason, priority, category, team)
    assert (rule.inside_hours, rule.outside_hours) == (inside, outside)
    assert rule.helpline is (reason == "responsible_gambling")


def test_every_reason_has_a_known_priority():
    assert set(REASONS) == {"human_request", "not_understood", "late_payment",
                            "responsible_gambling", "angry_player"}
    assert all(escalation_for(r).priority in PRIORITY_ORDER for r in REASONS)


@pytest.mark.parametrize("reason", ["", "complain", None, ["human_request"], 3])
def test_unknown_reason_is_a_value_error(reason):
    with pytest.raises(UnknownEscalationReason) as caught:
        escalation_for(reason)
    assert isinstance(caught.value, ValueError)


def test_rules_are_frozen():
    with pytest.raises(Exception):
        escalation_for("late_payment").priority = "normal"


@pytest.mark.parametrize("moment, is_open", [
    (paris(2026, 3, 9, 8, 59), False),  # Monday before 9:00
    (paris(2026, 3, 9, 9, 0), True),
    (paris(2026, 3, 9, 22, 59), True),
    (paris(2026, 3, 9, 23, 0), False),  # Monday closes at 23:00
    (paris(2026, 3, 13, 23, 30), True),  # Friday until midnight
    (paris(2026, 3, 15, 9, 30), False),  # Sunday opens at 10:00
    (paris(2026, 3, 15, 19, 59), True),
    (paris(2026, 4, 6, 12, 0), False),  # Easter Monday: public holiday
    (paris(2026, 5, 1, 12, 0), False),  # 1st May
])
def test_chat_open_follows_support_yml(config, moment, is_open):
    assert chat_open(moment, config) is is_open


def test_chat_open_takes_utc_and_defaults_to_the_current_config():
    # 2026-03-09 21:30 UTC = 22:30 in Paris (winter time): open.
    assert chat_open(datetime(2026, 3, 9, 21, 30, tzinfo=timezone.utc)) is True
    assert chat_open(datetime(2026, 3, 9, 22, 30)) is False  # naive = UTC: 23:30 Paris
