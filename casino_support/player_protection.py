"""The player-protection tools of an account: deposit limits, breaks, self-exclusion, and
the responsible-gambling signals that hold offers back.

The rules (when a change applies, what may not be shortened) are in protection_rules.py;
this module reads and writes them for one player, audits every change (who, what, when,
from which conversation) and answers with typed results. A self-exclusion also sets
``players.self_excluded_until`` (the operator's date it ends), which the account checks
read.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Dict, List, Optional, Union

from sqlalchemy import select
from sqlalchemy.orm import Session

from .accounts import UnknownPlayer
from .audit import record_audit_event
from .clock import aware_utc, resolve_now, to_db_time
from .config import current_config
from .database import Database, use_session
from .models import DepositLimit, Player, PlayerExclusion, ProtectionSignal
from .protection_rules import (
    PERIODS, Exclusion, LimitChange, ProtectionRules, offers_allowed, offers_held_back_until,
    plan_break, plan_limit_change, plan_self_exclusion,
)

Source = Union[Session, Database]
INDEFINITE_UNTIL = date(9999, 12, 31)  # players.self_excluded_until of an indefinite exclusion
SIGNAL_KINDS = ("deposit_limit", "break", "self_exclusion", "distress", "limit_request")


@dataclass(frozen=True)
class LimitState:
    period: str
    amount: Optional[Decimal]  # in force now (None: no limit)
    pending_amount: Optional[Decimal] = None  # a raise or removal waiting for its reflection period
    pending_from: Optional[datetime] = None
    pending_removal: bool = False


@dataclass(frozen=True)
class ProtectionStatus:
    player_id: str
    limits: Dict[str, LimitState]
    break_until: Optional[datetime]
    excluded_until: Optional[datetime]  # self-exclusion in force, its end
    indefinitely_excluded: bool
    offers_allowed: bool
    offers_held_back_until: Optional[datetime]

    @property
    def excluded(self) -> bool:
        return self.indefinitely_excluded or self.excluded_until is not None

    def as_dict(self) -> Dict[str, Any]:
        """JSON-ready, for the agents' account panel."""
        def iso(value: Optional[datetime]) -> Optional[str]:
            return None if value is None else value.isoformat()

        def money(value: Optional[Decimal]) -> Optional[str]:
            return None if value is None else f"{value:.2f}"

        return {
            "deposit_limits": {period: {"amount": money(state.amount),
                                        "pending_amount": money(state.pending_amount),
                                        "pending_removal": state.pending_removal,
                                        "pending_from": iso(state.pending_from)}
                               for period, state in self.limits.items()
                               if state.amount is not None or state.pending_from is not None},
            "break_until": iso(self.break_until),
            "self_excluded_until": iso(self.excluded_until),
            "self_excluded_indefinitely": self.indefinitely_excluded,
            "offers_allowed": self.offers_allowed,
            "offers_held_back_until": iso(self.offers_held_back_until),
        }


def rules() -> ProtectionRules:
    return ProtectionRules.from_config(current_config().raw)


def _player(session: Session, player_id: Any) -> Player:
    player = session.get(Player, player_id) if isinstance(player_id, str) else None
    if player is None:
        raise UnknownPlayer(player_id)
    return player


def _limit_state(rows: List[DepositLimit], period: str, now: datetime) -> LimitState:
    """Newest request first: the first one in effect is the limit; a newer one not yet in
    effect is pending."""
    pending: Optional[DepositLimit] = None
    for row in rows:
        if row.period != period:
            continue
        if aware_utc(row.effective_at) <= now:
            return LimitState(period, row.amount, pending.amount if pending else None,
                              aware_utc(pending.effective_at) if pending else None,
                              bool(pending and pending.amount is None))
        if pending is None:
            pending = row
    return LimitState(period, None, pending.amount if pending else None,
                      aware_utc(pending.effective_at) if pending else None,
                      bool(pending and pending.amount is None))


def _status(session: Session, player: Player, now: datetime, protection: ProtectionRules
            ) -> ProtectionStatus:
    limits = list(session.execute(select(DepositLimit).where(DepositLimit.player_id == player.id)
                                  .order_by(DepositLimit.requested_at.desc(), DepositLimit.id.desc()))
                  .scalars())
    exclusions = list(session.execute(select(PlayerExclusion)
                                      .where(PlayerExclusion.player_id == player.id)).scalars())
    in_force = [e for e in exclusions if aware_utc(e.starts_at) <= now
                and (e.ends_at is None or aware_utc(e.ends_at) > now)]
    breaks = [aware_utc(e.ends_at) for e in in_force if e.kind == "break" and e.ends_at]
    self_exclusions = [e for e in in_force if e.kind == "self_exclusion"]
    indefinite = any(e.ends_at is None for e in self_exclusions) or (
        player.self_excluded_until == INDEFINITE_UNTIL)
    excluded_until = max((aware_utc(e.ends_at) for e in self_exclusions if e.ends_at), default=None)
    account_until = _account_exclusion_end(player, protection)  # set by the operator's back office
    if account_until is not None and account_until > now and not indefinite:
        excluded_until = max(excluded_until or account_until, account_until)
    last_signal = session.execute(select(ProtectionSignal.at)
                                  .where(ProtectionSignal.player_id == player.id)
                                  .order_by(ProtectionSignal.at.desc()).limit(1)).scalar()
    last_signal_at = aware_utc(last_signal)
    allowed = offers_allowed(now, protection, last_signal_at=last_signal_at,
                             excluded_until=max([*breaks, *([excluded_until] if excluded_until else [])],
                                                default=None),
                             indefinitely_excluded=indefinite)
    held_until = None if last_signal_at is None else offers_held_back_until(last_signal_at, protection)
    return ProtectionStatus(
        player.id, {period: _limit_state(limits, period, now) for period in PERIODS},
        max(breaks, default=None), None if indefinite else excluded_until, indefinite,
        allowed, held_until if held_until and held_until > now else None)


def _account_exclusion_end(player: Player, protection: ProtectionRules) -> Optional[datetime]:
    """The end of ``players.self_excluded_until`` (that whole day, in the operator's zone)."""
    until = player.self_excluded_until
    if until is None or until == INDEFINITE_UNTIL:
        return None
    day_after = until + timedelta(days=1)
    return aware_utc(datetime(day_after.year, day_after.month, day_after.day, tzinfo=protection.zone))


def protection_status(source: Source, player_id: str, now: Optional[datetime] = None
                      ) -> ProtectionStatus:
    now = resolve_now(now)
    with use_session(source) as session:
        return _status(session, _player(session, player_id), now, rules())


def _signal(session: Session, player_id: str, kind: str, now: datetime,
            conversation_id: Optional[str]) -> None:
    session.add(ProtectionSignal(player_id=player_id, kind=kind, at=to_db_time(now),
                                 conversation_id=conversation_id))


def record_signal(source: Source, player_id: str, kind: str, *, conversation_id: Optional[str] = None,
                  now: Optional[datetime] = None, actor: str = "bot") -> None:
    """A responsible-gambling signal in a conversation (distress, a limit asked about...)."""
    if kind not in SIGNAL_KINDS:
        raise ValueError(f"kind must be one of {SIGNAL_KINDS}")
    now = resolve_now(now)
    with use_session(source) as session:
        _player(session, player_id)
        _signal(session, player_id, kind, now, conversation_id)
        record_audit_event(session, actor, "protection_signal", player_id=player_id,
                           details={"kind": kind, "conversation_id": conversation_id}, now=now)


def _plan_limit(session: Session, player: Player, period: str, amount: Optional[Decimal],
                now: datetime, protection: ProtectionRules) -> LimitChange:
    current = _status(session, player, now, protection).limits.get(period)
    return plan_limit_change(period, current.amount if current else None, amount, now, protection)


def preview_deposit_limit(source: Source, player_id: str, period: str, amount: Optional[Decimal],
                          now: Optional[datetime] = None) -> LimitChange:
    """What ``set_deposit_limit`` would do now (when it applies), without changing anything:
    what the player is asked to confirm."""
    now = resolve_now(now)
    with use_session(source) as session:
        return _plan_limit(session, _player(session, player_id), period, amount, now, rules())


def set_deposit_limit(source: Source, player_id: str, period: str, amount: Optional[Decimal], *,
                      actor: str, conversation_id: Optional[str] = None,
                      now: Optional[datetime] = None) -> LimitChange:
    """Set, lower, raise or (``amount`` None) remove the player's ``period`` deposit limit."""
    now = resolve_now(now)
    protection = rules()
    with use_session(source) as session:
        player = _player(session, player_id)
        change = _plan_limit(session, player, period, amount, now, protection)
        session.add(DepositLimit(player_id=player.id, period=period, amount=amount,
                                 requested_at=to_db_time(now), effective_at=to_db_time(change.effective_at),
                                 actor=actor, conversation_id=conversation_id))
        _signal(session, player.id, "deposit_limit", now, conversation_id)
        record_audit_event(session, actor, "deposit_limit_set", player_id=player.id, now=now, details={
            "period": period, "previous": None if change.current is None else f"{change.current:.2f}",
            "requested": None if amount is None else f"{amount:.2f}", "kind": change.kind,
            "effective_at": change.effective_at.isoformat(), "conversation_id": conversation_id})
        return change


def _exclusion_in_force(status: ProtectionStatus) -> Optional[datetime]:
    return max([d for d in (status.break_until, status.excluded_until) if d], default=None)


def take_break(source: Source, player_id: str, *, hours: int = 0, days: int = 0, weeks: int = 0,
               actor: str, conversation_id: Optional[str] = None,
               now: Optional[datetime] = None) -> Exclusion:
    """A break from now: no play, no deposit, no offer until it ends; cannot be shortened."""
    return _exclude(source, player_id, "break", actor, conversation_id, now,
                    lambda when, protection, status: plan_break(
                        when, protection, hours=hours, days=days, weeks=weeks,
                        in_force_until=_exclusion_in_force(status)))


def self_exclude(source: Source, player_id: str, *, months: Optional[int], actor: str,
                 conversation_id: Optional[str] = None, now: Optional[datetime] = None) -> Exclusion:
    """A self-exclusion of ``months`` (None: indefinite), at once; the balance may still be
    withdrawn."""
    return _exclude(source, player_id, "self_exclusion", actor, conversation_id, now,
                    lambda when, protection, status: plan_self_exclusion(
                        when, protection, months=months, in_force_until=_exclusion_in_force(status),
                        indefinite_in_force=status.indefinitely_excluded))


def preview_break(source: Source, player_id: str, *, hours: int = 0, days: int = 0, weeks: int = 0,
                  now: Optional[datetime] = None) -> Exclusion:
    """The break ``take_break`` would record now (its end), without changing anything;
    ``ProtectionRuleError`` when the rules refuse it."""
    return _exclude(source, player_id, "break", "", None, now,
                    lambda when, protection, status: plan_break(
                        when, protection, hours=hours, days=days, weeks=weeks,
                        in_force_until=_exclusion_in_force(status)), record=False)


def preview_self_exclusion(source: Source, player_id: str, *, months: Optional[int],
                           now: Optional[datetime] = None) -> Exclusion:
    """The self-exclusion ``self_exclude`` would record now, without changing anything."""
    return _exclude(source, player_id, "self_exclusion", "", None, now,
                    lambda when, protection, status: plan_self_exclusion(
                        when, protection, months=months, in_force_until=_exclusion_in_force(status),
                        indefinite_in_force=status.indefinitely_excluded), record=False)


def _exclude(source: Source, player_id: str, kind: str, actor: str, conversation_id: Optional[str],
             now: Optional[datetime], plan: Any, record: bool = True) -> Exclusion:
    now = resolve_now(now)
    protection = rules()
    with use_session(source) as session:
        player = _player(session, player_id)
        exclusion: Exclusion = plan(now, protection, _status(session, player, now, protection))
        if not record:
            return exclusion
        session.add(PlayerExclusion(player_id=player.id, kind=kind, starts_at=to_db_time(exclusion.starts_at),
                                    ends_at=to_db_time(exclusion.ends_at), requested_at=to_db_time(now),
                                    actor=actor, conversation_id=conversation_id))
        if kind == "self_exclusion":
            player.self_excluded_until = (INDEFINITE_UNTIL if exclusion.ends_at is None else
                                          exclusion.ends_at.astimezone(protection.zone).date())
        _signal(session, player.id, kind, now, conversation_id)
        record_audit_event(session, actor, f"{kind}_set", player_id=player.id, now=now, details={
            "starts_at": exclusion.starts_at.isoformat(),
            "ends_at": None if exclusion.ends_at is None else exclusion.ends_at.isoformat(),
            "conversation_id": conversation_id})
        return exclusion
