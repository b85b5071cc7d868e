"""The account's protection tools: limits, breaks, self-exclusion and signals, as stored,
audited and read back (the auditor's view)."""
import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from casino_support import player_protection as protection
from casino_support.accounts import UnknownPlayer, get_player
from casino_support.database import session_scope
from casino_support.protection_rules import ExclusionCannotBeShortened, ProtectionRuleError

ACTOR = "player:P1001 via assistant"


def audit(action):
    from casino_support.models import AuditEvent

    with session_scope() as session:
        return [(e.actor, e.player_id, json.loads(e.details)) for e in session.execute(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)).scalars()]


def test_a_first_limit_applies_at_once_and_is_audited_with_its_conversation(seeded, now):
    change = protection.set_deposit_limit(seeded, "P1001", "week", Decimal("100"), actor=ACTOR,
                                          conversation_id="conv-7", now=now)
    assert (change.kind, change.effective_at) == ("first", now)
    status = protection.protection_status(seeded, "P1001", now)
    assert status.limits["week"].amount == Decimal("100") and status.limits["day"].amount is None
    [(actor, player, details)] = audit("deposit_limit_set")
    assert (actor, player, details["period"], details["requested"], details["kind"],
            details["conversation_id"]) == (ACTOR, "P1001", "week", "100.00", "first", "conv-7")


def test_a_raise_waits_24_hours_and_a_lower_request_cancels_it(seeded, now):
    protection.set_deposit_limit(seeded, "P1001", "day", Decimal("50"), actor=ACTOR, now=now)
    raised = protection.set_deposit_limit(seeded, "P1001", "day", Decimal("200"), actor=ACTOR,
                                          now=now + timedelta(hours=1))
    assert raised.kind == "raise" and raised.effective_at == now + timedelta(hours=25)
    waiting = protection.protection_status(seeded, "P1001", now + timedelta(hours=2)).limits["day"]
    assert (waiting.amount, waiting.pending_amount, waiting.pending_from) == (
        Decimal("50"), Decimal("200"), now + timedelta(hours=25))
    later = protection.protection_status(seeded, "P1001", now + timedelta(hours=25)).limits["day"]
    assert (later.amount, later.pending_amount) == (Decimal("200"), None)
    # lowered before the raise applied: the lower limit at once, the raise forgotten
    protection.set_deposit_limit(seeded, "P1001", "week", Decimal("300"), actor=ACTOR, now=now)
    protection.set_deposit_limit(seeded, "P1001", "week", Decimal("900"), actor=ACTOR,
                                 now=now + timedelta(hours=1))
    protection.set_deposit_limit(seeded, "P1001", "week", Decimal("100"), actor=ACTOR,
                                 now=now + timedelta(hours=2))
    week = protection.protection_status(seeded, "P1001", now + timedelta(days=3)).limits["week"]
    assert (week.amount, week.pending_amount) == (Decimal("100"), None)


def test_removing_a_limit_also_waits(seeded, now):
    protection.set_deposit_limit(seeded, "P1001", "month", Decimal("500"), actor=ACTOR, now=now)
    removal = protection.set_deposit_limit(seeded, "P1001", "month", None, actor=ACTOR, now=now)
    assert removal.kind == "remove" and not removal.immediate
    state = protection.protection_status(seeded, "P1001", now + timedelta(hours=1)).limits["month"]
    assert state.amount == Decimal("500") and state.pending_removal
    assert protection.protection_status(seeded, "P1001", now + timedelta(days=2)).limits["month"].amount is None


def test_a_break_holds_offers_back_and_cannot_be_shortened(seeded, now):
    pause = protection.take_break(seeded, "P1001", weeks=2, actor=ACTOR, conversation_id="c", now=now)
    status = protection.protection_status(seeded, "P1001", now + timedelta(days=1))
    assert status.break_until == pause.ends_at and not status.offers_allowed
    with pytest.raises(ExclusionCannotBeShortened):
        protection.take_break(seeded, "P1001", days=2, actor=ACTOR, now=now + timedelta(days=1))
    assert [d["conversation_id"] for _, _, d in audit("break_set")] == ["c"]


def test_a_self_exclusion_sets_the_accounts_end_date_and_stands(seeded, now):
    exclusion = protection.self_exclude(seeded, "P1001", months=12, actor=ACTOR, now=now)
    player = get_player(seeded, "P1001", now)
    assert player.self_excluded and player.self_excluded_until == date(2027, 3, 10)
    assert exclusion.ends_at.date() == date(2027, 3, 10)
    with pytest.raises(ExclusionCannotBeShortened):
        protection.self_exclude(seeded, "P1001", months=6, actor=ACTOR, now=now + timedelta(days=1))
    with pytest.raises(ProtectionRuleError):
        protection.self_exclude(seeded, "P1001", months=2, actor=ACTOR, now=now)
    forever = protection.self_exclude(seeded, "P1001", months=None, actor=ACTOR, now=now)
    status = protection.protection_status(seeded, "P1001", now + timedelta(days=5000))
    assert forever.ends_at is None and status.indefinitely_excluded and not status.offers_allowed
    assert status.as_dict()["self_excluded_indefinitely"] is True


def test_offers_come_back_after_the_configured_days_without_a_signal(seeded, now):
    protection.record_signal(seeded, "P1001", "distress", conversation_id="c", now=now)
    assert not protection.protection_status(seeded, "P1001", now + timedelta(days=29)).offers_allowed
    back = protection.protection_status(seeded, "P1001", now + timedelta(days=30))
    assert back.offers_allowed and back.offers_held_back_until is None
    with pytest.raises(ValueError):
        protection.record_signal(seeded, "P1001", "bored", now=now)


def test_unknown_players_are_refused(seeded, now):
    with pytest.raises(UnknownPlayer):
        protection.set_deposit_limit(seeded, "P9999", "day", Decimal("10"), actor="x", now=now)
    with pytest.raises(UnknownPlayer):
        protection.protection_status(seeded, None, now)
