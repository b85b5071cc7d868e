"""The player's account: verification, bonus, withdrawals (the business rules).

Every function takes ``source``, either an open SQLAlchemy ``Session`` (from
``session_scope()``; the caller commits) or a ``Database`` (the function opens and
commits its own session). They return frozen dataclasses or plain dicts, never ORM
objects. Datetimes are timezone-aware UTC; ``now`` defaults to the current time and a
naive ``now`` is taken as UTC. ``config`` defaults to ``current_config()`` (support.yml).

A player id that is not in the database raises ``UnknownPlayer`` (``get_player``
returns None). Connection problems raise ``SupportDatabaseUnavailable``.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Dict, List, Optional, Tuple, Union

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from .audit import record_audit_event
from .clock import aware_utc, resolve_now, to_db_time
from .config import SupportConfig, current_config
from .database import Database, use_session
from .identity import is_valid_player_id
from .models import OPEN_WITHDRAWAL_STATUSES, Bonus, IdentityDocument, Player, Withdrawal

Source = Union[Session, Database]
ZERO = Decimal("0.00")

# What a withdrawal made while a bonus still has wagering left loses.
FORFEITED_BY_WITHDRAWAL = ("bonus", "bonus_winnings")

# Machine-readable reasons why a withdrawal is not possible now (WithdrawalEligibility).
BLOCKER_ACCOUNT_SUSPENDED = "account_suspended"
BLOCKER_SELF_EXCLUDED = "self_excluded"
BLOCKER_DOCUMENTS_MISSING = "documents_missing"
BLOCKER_DOCUMENT_REJECTED = "document_rejected"
BLOCKER_DOCUMENTS_PENDING = "documents_pending"
BLOCKER_BONUS_WAGERING = "bonus_wagering"
# Facts worth telling that do not block a withdrawal.
NOTICE_WITHDRAWAL_PENDING = "withdrawal_pending"
NOTICE_WITHDRAWAL_LATE = "withdrawal_late"


class UnknownPlayer(LookupError):
    """No player with this id."""

    def __init__(self, player_id: Any):
        super().__init__(f"unknown player: {player_id!r}")
        self.player_id = player_id


class NoActiveBonus(LookupError):
    """The player has no active bonus (nothing to cancel)."""

    def __init__(self, player_id: str):
        super().__init__(f"player {player_id} has no active bonus")
        self.player_id = player_id


# --- results -------------------------------------------------------------------

@dataclass(frozen=True)
class PlayerSummary:
    player_id: str
    display_name: str
    email: str
    country: str
    status: str  # "active" / "suspended"
    created_at: datetime
    self_excluded_until: Optional[date]
    self_excluded: bool  # at ``now``


@dataclass(frozen=True)
class DocumentStatus:
    doc_type: str  # "piece_identite" / "justificatif_domicile" / "rib"
    status: str  # "missing" / "pending" / "accepted" / "rejected"
    rejection_reason: Optional[str]
    uploaded_at: Optional[datetime]
    reviewed_at: Optional[datetime]


@dataclass(frozen=True)
class VerificationStatus:
    player_id: str
    documents: Tuple[DocumentStatus, ...]  # one per required type, support.yml order
    validated: bool  # every required document accepted
    missing: Tuple[str, ...]
    pending: Tuple[str, ...]
    rejected: Tuple[str, ...]

    def document(self, doc_type: str) -> Optional[DocumentStatus]:
        return next((doc for doc in self.documents if doc.doc_type == doc_type), None)


@dataclass(frozen=True)
class BonusStatus:
    bonus_id: int
    name: str
    amount: Decimal
    wagering_required: Decimal
    wagering_done: Decimal
    wagering_left: Decimal
    max_bet: Optional[Decimal]
    expires_at: Optional[datetime]
    days_left: Optional[int]  # whole days until expiry
    blocks_withdrawal: bool  # wagering left: a withdrawal now forfeits...
    withdrawal_forfeits: Tuple[str, ...]  # ...these: ("bonus", "bonus_winnings"), else ()


@dataclass(frozen=True)
class WithdrawalStatus:
    withdrawal_id: int
    reference: Optional[str]
    amount: Decimal
    method: str  # key of support.yml payment_methods, e.g. "virement"
    status: str  # "pending" / "processing" / ...
    requested_at: datetime
    age_days: int  # whole days since the request
    late: bool  # age_days > config.late_after_days


@dataclass(frozen=True)
class WithdrawalEligibility:
    player_id: str
    can_withdraw: bool
    blockers: Tuple[str, ...]  # BLOCKER_* values, most serious first
    notices: Tuple[str, ...]  # NOTICE_* values (do not block)
    account_status: str
    self_excluded: bool
    self_excluded_until: Optional[date]
    verification: VerificationStatus
    bonus: Optional[BonusStatus]
    pending_withdrawals: Tuple[WithdrawalStatus, ...]


@dataclass(frozen=True)
class CancelledBonus:
    bonus_id: int
    name: str
    amount: Decimal  # the bonus amount lost
    wagering_required: Decimal
    wagering_done: Decimal  # wagering done that no longer counts
    wagering_left: Decimal
    cancelled_at: datetime
    actor: str


# --- helpers -----------------------------------------------------------------------

def _find_player(session: Session, player_id: Any) -> Optional[Player]:
    if not is_valid_player_id(player_id):
        return None
    return session.get(Player, player_id)


def _require_player(session: Session, player_id: Any) -> Player:
    player = _find_player(session, player_id)
    if player is None:
        raise UnknownPlayer(player_id)
    return player


def _is_self_excluded(player: Player, now: datetime) -> bool:
    until = player.self_excluded_until
    return until is not None and now.date() <= until


def _days_between(start: datetime, end: datetime) -> int:
    return max(0, (end - start).days)


def _money(value: Optional[Decimal]) -> Optional[str]:
    return None if value is None else f"{value:.2f}"


def _iso(value: Optional[Union[date, datetime]]) -> Optional[str]:
    return None if value is None else value.isoformat()


# --- players -------------------------------------------------------------------------

def get_player(source: Source, player_id: Any,
               now: Optional[datetime] = None) -> Optional[PlayerSummary]:
    """The player's summary, or None when there is no such player."""
    now = resolve_now(now)
    with use_session(source) as session:
        player = _find_player(session, player_id)
        return None if player is None else _player_summary(player, now)


def _player_summary(player: Player, now: datetime) -> PlayerSummary:
    return PlayerSummary(
        player_id=player.id, display_name=player.display_name, email=player.email,
        country=player.country, status=player.status,
        created_at=aware_utc(player.created_at),
        self_excluded_until=player.self_excluded_until,
        self_excluded=_is_self_excluded(player, now),
    )


# --- verification --------------------------------------------------------------------

def required_document_types(config: Optional[SupportConfig] = None) -> Tuple[str, ...]:
    """The document types of support.yml ``verification.documents``, in order."""
    config = config or current_config()
    return tuple(config.verification["documents"].keys())


def verification_status(source: Source, player_id: str,
                        config: Optional[SupportConfig] = None) -> VerificationStatus:
    """Each required document's status; ``validated`` when all are accepted."""
    doc_types = required_document_types(config)
    with use_session(source) as session:
        _require_player(session, player_id)
        return _verification(session, player_id, doc_types)


def _latest_documents(session: Session, player_id: str) -> Dict[str, IdentityDocument]:
    rows = session.execute(
        select(IdentityDocument).where(IdentityDocument.player_id == player_id)
        .order_by(IdentityDocument.id)
    ).scalars()
    return {row.doc_type: row for row in rows}  # the latest row of each type wins


def _document_status(doc_type: str, row: Optional[IdentityDocument]) -> DocumentStatus:
    if row is None:
        return DocumentStatus(doc_type, "missing", None, None, None)
    return DocumentStatus(doc_type, row.status, row.rejection_reason,
                          aware_utc(row.uploaded_at), aware_utc(row.reviewed_at))


def _verification(session: Session, player_id: str,
                  doc_types: Tuple[str, ...]) -> VerificationStatus:
    latest = _latest_documents(session, player_id)
    documents = tuple(_document_status(t, latest.get(t)) for t in doc_types)

    def having(status: str) -> Tuple[str, ...]:
        return tuple(doc.doc_type for doc in documents if doc.status == status)

    return VerificationStatus(
        player_id=player_id, documents=documents,
        validated=all(doc.status == "accepted" for doc in documents),
        missing=having("missing"), pending=having("pending"), rejected=having("rejected"),
    )


# --- bonus ------------------------------------------------------------------------------

def bonus_status(source: Source, player_id: str,
                 now: Optional[datetime] = None) -> Optional[BonusStatus]:
    """The active (not expired) bonus with its wagering, or None."""
    now = resolve_now(now)
    with use_session(source) as session:
        _require_player(session, player_id)
        row = _active_bonus(session, player_id, now)
        return None if row is None else _bonus_status(row, now)


def _active_bonus(session: Session, player_id: str, now: datetime) -> Optional[Bonus]:
    query = (select(Bonus)
             .where(Bonus.player_id == player_id, Bonus.status == "active")
             .order_by(Bonus.created_at.desc(), Bonus.id.desc()))
    for row in session.execute(query).scalars():
        if row.expires_at is None or aware_utc(row.expires_at) > now:
            return row
    return None


def _bonus_status(row: Bonus, now: datetime) -> BonusStatus:
    left = max(row.wagering_required - row.wagering_done, ZERO)
    expires_at = aware_utc(row.expires_at)
    blocks = left > 0
    return BonusStatus(
        bonus_id=row.id, name=row.name, amount=row.amount,
        wagering_required=row.wagering_required, wagering_done=row.wagering_done,
        wagering_left=left, max_bet=row.max_bet, expires_at=expires_at,
        days_left=None if expires_at is None else _days_between(now, expires_at),
        blocks_withdrawal=blocks,
        withdrawal_forfeits=FORFEITED_BY_WITHDRAWAL if blocks else (),
    )


def cancel_bonus(source: Source, player_id: str, actor: str,
                 now: Optional[datetime] = None) -> CancelledBonus:
    """Cancel the active bonus and audit what was lost.

    Raises ``NoActiveBonus`` when there is none (or another request cancelled it first).
    """
    now = resolve_now(now)
    with use_session(source) as session:
        _require_player(session, player_id)
        row = _active_bonus(session, player_id, now)
        if row is None or not _mark_cancelled(session, row.id, now):
            raise NoActiveBonus(player_id)
        cancelled = _cancelled_bonus(row, now, actor)
        record_audit_event(session, actor, "bonus_cancelled", player_id,
                           _cancel_details(cancelled), now)
        session.flush()
        return cancelled


def _mark_cancelled(session: Session, bonus_id: int, now: datetime) -> bool:
    result = session.execute(
        update(Bonus).where(Bonus.id == bonus_id, Bonus.status == "active")
        .values(status="cancelled", ended_at=to_db_time(now))
        .execution_options(synchronize_session="fetch")
    )
    return result.rowcount == 1


def _cancelled_bonus(row: Bonus, now: datetime, actor: str) -> CancelledBonus:
    return CancelledBonus(
        bonus_id=row.id, name=row.name, amount=row.amount,
        wagering_required=row.wagering_required, wagering_done=row.wagering_done,
        wagering_left=max(row.wagering_required - row.wagering_done, ZERO),
        cancelled_at=now, actor=actor,
    )


def _cancel_details(cancelled: CancelledBonus) -> Dict[str, Any]:
    return {
        "bonus_id": cancelled.bonus_id, "name": cancelled.name,
        "amount_lost": _money(cancelled.amount),
        "wagering_required": _money(cancelled.wagering_required),
        "wagering_done_lost": _money(cancelled.wagering_done),
        "wagering_left": _money(cancelled.wagering_left),
        "forfeited": list(FORFEITED_BY_WITHDRAWAL),
    }


# --- withdrawals ------------------------------------------------------------------------

def late_withdrawals(source: Source, player_id: str, now: Optional[datetime] = None,
                     config: Optional[SupportConfig] = None) -> List[WithdrawalStatus]:
    """The player's open (pending / processing) withdrawals, oldest first.

    Each carries its age in days and ``late`` (age > support.yml
    ``withdrawals.late_after_days``). Filter on ``late`` for the late ones only.
    """
    now = resolve_now(now)
    late_after = (config or current_config()).late_after_days
    with use_session(source) as session:
        _require_player(session, player_id)
        return _open_withdrawals(session, player_id, now, late_after)


def _open_withdrawals(session: Session, player_id: str, now: datetime,
                      late_after_days: int) -> List[WithdrawalStatus]:
    rows = session.execute(
        select(Withdrawal)
        .where(Withdrawal.player_id == player_id,
               Withdrawal.status.in_(OPEN_WITHDRAWAL_STATUSES))
        .order_by(Withdrawal.requested_at, Withdrawal.id)
    ).scalars()
    return [_withdrawal_status(row, now, late_after_days) for row in rows]


def _withdrawal_status(row: Withdrawal, now: datetime,
                       late_after_days: int) -> WithdrawalStatus:
    requested_at = aware_utc(row.requested_at)
    age = _days_between(requested_at, now)
    return WithdrawalStatus(
        withdrawal_id=row.id, reference=row.reference, amount=row.amount,
        method=row.method, status=row.status, requested_at=requested_at,
        age_days=age, late=age > late_after_days,
    )


def withdrawal_eligibility(source: Source, player_id: str, now: Optional[datetime] = None,
                           config: Optional[SupportConfig] = None) -> WithdrawalEligibility:
    """Can the player withdraw now? Everything that blocks it, and what is pending."""
    now = resolve_now(now)
    config = config or current_config()
    with use_session(source) as session:
        player = _require_player(session, player_id)
        verification = _verification(session, player_id, required_document_types(config))
        row = _active_bonus(session, player_id, now)
        bonus = None if row is None else _bonus_status(row, now)
        pending = tuple(_open_withdrawals(session, player_id, now, config.late_after_days))
        self_excluded = _is_self_excluded(player, now)
        blockers = _blockers(player.status, self_excluded, verification, bonus)
        return WithdrawalEligibility(
            player_id=player_id, can_withdraw=not blockers, blockers=blockers,
            notices=_notices(pending), account_status=player.status,
            self_excluded=self_excluded, self_excluded_until=player.self_excluded_until,
            verification=verification, bonus=bonus, pending_withdrawals=pending,
        )


def _blockers(account_status: str, self_excluded: bool, verification: VerificationStatus,
              bonus: Optional[BonusStatus]) -> Tuple[str, ...]:
    checks = (
        (account_status == "suspended", BLOCKER_ACCOUNT_SUSPENDED),
        (self_excluded, BLOCKER_SELF_EXCLUDED),
        (bool(verification.missing), BLOCKER_DOCUMENTS_MISSING),
        (bool(verification.rejected), BLOCKER_DOCUMENT_REJECTED),
        (bool(verification.pending), BLOCKER_DOCUMENTS_PENDING),
        (bonus is not None and bonus.blocks_withdrawal, BLOCKER_BONUS_WAGERING),
    )
    return tuple(name for failed, name in checks if failed)


def _notices(pending: Tuple[WithdrawalStatus, ...]) -> Tuple[str, ...]:
    notices = []
    if pending:
        notices.append(NOTICE_WITHDRAWAL_PENDING)
    if any(item.late for item in pending):
        notices.append(NOTICE_WITHDRAWAL_LATE)
    return tuple(notices)


# --- snapshot ---------------------------------------------------------------------------

def account_snapshot(source: Source, player_id: str, now: Optional[datetime] = None,
                     config: Optional[SupportConfig] = None) -> Dict[str, Any]:
    """A JSON-serialisable summary of the account (tickets, agent console).

    Amounts are strings with two decimals ("500.00"), datetimes ISO 8601 in UTC.
    """
    now = resolve_now(now)
    config = config or current_config()
    with use_session(source) as session:
        player = _player_summary(_require_player(session, player_id), now)
        eligibility = withdrawal_eligibility(session, player_id, now, config)
        from .player_protection import protection_status  # it reads accounts too

        protection = protection_status(session, player_id, now).as_dict()
    return {
        "player_id": player.player_id,
        "display_name": player.display_name,
        "email": player.email,
        "country": player.country,
        "account_status": player.status,
        "self_excluded": player.self_excluded,
        "self_excluded_until": _iso(player.self_excluded_until),
        "verification": _verification_dict(eligibility.verification),
        "bonus": _bonus_dict(eligibility.bonus),
        "withdrawals": [_withdrawal_dict(w) for w in eligibility.pending_withdrawals],
        "can_withdraw": eligibility.can_withdraw,
        "blockers": list(eligibility.blockers),
        "notices": list(eligibility.notices),
        "generated_at": _iso(now),
        "protection": protection,
    }


def _verification_dict(verification: VerificationStatus) -> Dict[str, Any]:
    return {
        "validated": verification.validated,
        "documents": {doc.doc_type: {"status": doc.status,
                                     "rejection_reason": doc.rejection_reason}
                      for doc in verification.documents},
        "missing": list(verification.missing),
        "pending": list(verification.pending),
        "rejected": list(verification.rejected),
    }


def _bonus_dict(bonus: Optional[BonusStatus]) -> Optional[Dict[str, Any]]:
    if bonus is None:
        return None
    return {
        "name": bonus.name, "amount": _money(bonus.amount),
        "wagering_required": _money(bonus.wagering_required),
        "wagering_done": _money(bonus.wagering_done),
        "wagering_left": _money(bonus.wagering_left),
        "max_bet": _money(bonus.max_bet), "expires_at": _iso(bonus.expires_at),
        "blocks_withdrawal": bonus.blocks_withdrawal,
    }


def _withdrawal_dict(item: WithdrawalStatus) -> Dict[str, Any]:
    return {
        "reference": item.reference, "amount": _money(item.amount), "method": item.method,
        "status": item.status, "requested_at": _iso(item.requested_at),
        "age_days": item.age_days, "late": item.late,
    }
