import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from casino_support.accounts import (
    NoActiveBonus, UnknownPlayer, account_snapshot, bonus_status, cancel_bonus, get_player,
    late_withdrawals, verification_status, withdrawal_eligibility,
)
from casino_support.database import session_scope
from casino_support.formatting import format_amount
from casino_support.models import AuditEvent, Bonus, Player


def test_get_player(seeded, now):
    player = get_player(seeded, "P1001", now)
    assert player.player_id == "P1001"
    assert player.email.endswith("@example.com")
    assert player.status == "active" and not player.self_excluded


@pytest.mark.parametrize("player_id", ["P9999", "", None, 1001, "P1001' OR '1'='1"])
def test_unknown_player_is_none_not_a_crash(seeded, player_id):
    assert get_player(seeded, player_id) is None


@pytest.mark.parametrize("check", [
    lambda db, c, now: verification_status(db, "P9999", c),
    lambda db, c, now: bonus_status(db, "P9999", now),
    lambda db, c, now: withdrawal_eligibility(db, "P9999", now, c),
    lambda db, c, now: late_withdrawals(db, "P9999", now, c),
    lambda db, c, now: account_snapshot(db, "P9999", now, c),
    lambda db, c, now: cancel_bonus(db, "P9999", "bot", now),
])
def test_unknown_player_raises_unknown_player(seeded, config, now, check):
    with pytest.raises(UnknownPlayer):
        check(seeded, config, now)


def test_p1001_is_validated_and_may_withdraw(seeded, config, now):
    verification = verification_status(seeded, "P1001", config)
    assert verification.validated
    assert [d.status for d in verification.documents] == ["accepted"] * 3
    eligibility = withdrawal_eligibility(seeded, "P1001", now, config)
    assert eligibility.can_withdraw and eligibility.blockers == ()
    assert eligibility.bonus is None and eligibility.pending_withdrawals == ()


def test_p1002_missing_proof_of_address_blocks_withdrawal(seeded, config, now):
    verification = verification_status(seeded, "P1002", config)
    assert not verification.validated
    assert verification.missing == ("justificatif_domicile",)
    assert verification.document("piece_identite").status == "accepted"
    assert verification.document("rib").status == "accepted"
    eligibility = withdrawal_eligibility(seeded, "P1002", now, config)
    assert not eligibility.can_withdraw
    assert eligibility.blockers == ("documents_missing",)


def test_p1003_bonus_has_2300_left_and_blocks_withdrawal(seeded, config, now):
    bonus = bonus_status(seeded, "P1003", now)
    assert bonus.amount == Decimal("100.00")
    assert bonus.wagering_required == Decimal("3500.00")
    assert bonus.wagering_done == Decimal("1200.00")
    assert format_amount(bonus.wagering_left) == "2 300,00 €"
    assert bonus.max_bet == Decimal("5.00")
    assert bonus.days_left == 20
    assert bonus.blocks_withdrawal
    assert bonus.withdrawal_forfeits == ("bonus", "bonus_winnings")
    eligibility = withdrawal_eligibility(seeded, "P1003", now, config)
    assert eligibility.verification.validated
    assert eligibility.blockers == ("bonus_wagering",)
    assert not eligibility.can_withdraw


def test_bonus_is_not_active_after_its_expiry(seeded, now):
    assert bonus_status(seeded, "P1003", now + timedelta(days=21)) is None


def test_cancel_bonus_writes_an_audit_event_and_unblocks(seeded, config, now):
    cancelled = cancel_bonus(seeded, "P1003", actor="bot", now=now)
    assert cancelled.amount == Decimal("100.00")
    assert cancelled.wagering_done == Decimal("1200.00")
    assert cancelled.wagering_left == Decimal("2300.00")

    assert bonus_status(seeded, "P1003", now) is None
    eligibility = withdrawal_eligibility(seeded, "P1003", now, config)
    assert eligibility.can_withdraw and eligibility.blockers == ()

    with session_scope() as session:
        events = session.execute(select(AuditEvent)).scalars().all()
        bonus = session.execute(select(Bonus).where(Bonus.player_id == "P1003")).scalar_one()
        assert bonus.status == "cancelled"
        assert len(events) == 1
        event = events[0]
        assert (event.actor, event.player_id, event.action) == ("bot", "P1003",
                                                                 "bonus_cancelled")
        details = json.loads(event.details)
        assert details["amount_lost"] == "100.00"
        assert details["wagering_done_lost"] == "1200.00"


def test_cancel_bonus_twice_raises_no_active_bonus(seeded, now):
    cancel_bonus(seeded, "P1003", actor="bot", now=now)
    with pytest.raises(NoActiveBonus):
        cancel_bonus(seeded, "P1003", actor="bot", now=now)
    with pytest.raises(NoActiveBonus):
        cancel_bonus(seeded, "P1001", actor="bot", now=now)


def test_functions_accept_an_open_session(seeded, config, now):
    with session_scope() as session:
        assert verification_status(session, "P1002", config).missing == (
            "justificatif_domicile",)
        cancel_bonus(session, "P1003", actor="agent:alice", now=now)
    assert bonus_status(seeded, "P1003", now) is None


def test_p1004_withdrawal_is_late_after_9_days_with_7(seeded, config_with, now):
    withdrawals = late_withdrawals(seeded, "P1004", now, config_with(late_after_days=7))
    assert len(withdrawals) == 1
    withdrawal = withdrawals[0]
    assert withdrawal.amount == Decimal("500.00")
    assert withdrawal.method == "virement"
    assert withdrawal.status == "pending"
    assert withdrawal.age_days == 9
    assert withdrawal.late


def test_p1004_withdrawal_is_not_late_with_10(seeded, config_with, now):
    [withdrawal] = late_withdrawals(seeded, "P1004", now, config_with(late_after_days=10))
    assert withdrawal.age_days == 9 and not withdrawal.late


def test_p1004_pending_withdrawal_does_not_block(seeded, config, now):
    eligibility = withdrawal_eligibility(seeded, "P1004", now, config)
    assert eligibility.can_withdraw
    assert eligibility.notices == ("withdrawal_pending", "withdrawal_late")
    assert late_withdrawals(seeded, "P1001", now, config) == []


def test_p1005_id_rejected_because_expired(seeded, config, now):
    verification = verification_status(seeded, "P1005", config)
    assert verification.rejected == ("piece_identite",)
    assert verification.document("piece_identite").rejection_reason == "document expiré"
    eligibility = withdrawal_eligibility(seeded, "P1005", now, config)
    assert eligibility.blockers == ("document_rejected",)


def test_p1006_is_self_excluded_until_next_year(seeded, config, now):
    player = get_player(seeded, "P1006", now)
    assert player.self_excluded
    assert player.self_excluded_until == date(now.year + 1, now.month, now.day)
    eligibility = withdrawal_eligibility(seeded, "P1006", now, config)
    assert "self_excluded" in eligibility.blockers
    after = now.replace(year=now.year + 1) + timedelta(days=1)
    assert not get_player(seeded, "P1006", after).self_excluded


def test_suspended_account_blocks(seeded, config, now):
    with session_scope() as session:
        session.get(Player, "P1001").status = "suspended"
    eligibility = withdrawal_eligibility(seeded, "P1001", now, config)
    assert eligibility.blockers == ("account_suspended",)


def test_pending_document_blocks(seeded, config, now):
    from casino_support.models import IdentityDocument
    with session_scope() as session:
        session.add(IdentityDocument(player_id="P1002", doc_type="justificatif_domicile",
                                     status="pending"))
    verification = verification_status(seeded, "P1002", config)
    assert verification.pending == ("justificatif_domicile",) and verification.missing == ()
    assert withdrawal_eligibility(seeded, "P1002", now, config).blockers == (
        "documents_pending",)


def test_account_snapshot_is_json_serialisable(seeded, config, now):
    snapshot = account_snapshot(seeded, "P1003", now, config)
    restored = json.loads(json.dumps(snapshot))
    assert restored["player_id"] == "P1003"
    assert restored["verification"]["validated"] is True
    assert restored["bonus"]["wagering_left"] == "2300.00"
    assert restored["blockers"] == ["bonus_wagering"]
    late = account_snapshot(seeded, "P1004", now, config)
    assert late["withdrawals"][0]["late"] is True
    assert late["withdrawals"][0]["amount"] == "500.00"
    excluded = account_snapshot(seeded, "P1006", now, config)
    assert excluded["self_excluded"] is True
    rejected = account_snapshot(seeded, "P1005", now, config)
    assert rejected["verification"]["documents"]["piece_identite"]["rejection_reason"] == (
        "document expiré")
