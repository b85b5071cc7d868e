"""French answers about the player's own account, from what accounts.py read.

Never invents: every amount, date, delay and status comes from the result objects or
from support.yml.
"""
from __future__ import annotations

from datetime import datetime
from typing import List, Optional, Sequence

from casino_support.accounts import (
    BLOCKER_ACCOUNT_SUSPENDED, BLOCKER_SELF_EXCLUDED, BonusStatus, CancelledBonus,
    PlayerSummary, VerificationStatus, WithdrawalEligibility, WithdrawalStatus,
)
from casino_support.answers import Answer, Answers, document_name, join_fr, listed
from casino_support.catalogue import say
from casino_support.config import SupportConfig
from casino_support.formatting import format_amount, format_date, format_days

FEMININE_DOCUMENTS = {"piece_identite"}


def status_word(doc_type: str, status: str) -> str:
    """The status of a document, agreeing with its name (« pièce d'identité validée »)."""
    keys = [f"account.document_status.{status}"]
    if doc_type in FEMININE_DOCUMENTS:
        keys.insert(0, f"account.document_status_feminine.{status}")
    for key in keys:
        try:
            return say(key)
        except KeyError:
            continue
    return status


def method_label(config: SupportConfig, key: str) -> str:
    method = config.payment_methods.get(key)
    return method.label if method else key


def _tz(config: SupportConfig) -> str:
    return config.timezone


# --- account validation -----------------------------------------------------------------

def verification_lines(verification: VerificationStatus) -> List[str]:
    result = []
    for doc in verification.documents:
        name, status = document_name(doc.doc_type), status_word(doc.doc_type, doc.status)
        if doc.status == "rejected" and doc.rejection_reason:
            result.append(say("account.document_rejected_line", document=name, status=status,
                              reason=doc.rejection_reason))
        else:
            result.append(say("account.document_line", document=name, status=status))
    return result


def verification_answer(verification: VerificationStatus, config: SupportConfig) -> Answer:
    settings = config.verification
    if verification.validated:
        return Answer([listed(say("account.verification.validated"),
                              verification_lines(verification))])
    messages = [listed(say("account.verification.not_validated"), verification_lines(verification))]
    to_send = [*verification.missing, *verification.rejected]
    if to_send:
        needed = [settings["documents"].get(doc, document_name(doc)) for doc in to_send]
        messages.append(say("account.verification.to_send", documents=join_fr(needed),
                            upload_path=settings["upload_path"], formats=settings["formats"],
                            hours=settings["review_hours"]))
    elif verification.pending:
        messages.append(say("account.verification.pending", hours=settings["review_hours"]))
    return Answer(messages)


# --- bonus ---------------------------------------------------------------------------------

def bonus_lines(bonus: BonusStatus, config: SupportConfig) -> List[str]:
    result = [
        say("account.bonus.amount", amount=format_amount(bonus.amount)),
        say("account.bonus.wagering", required=format_amount(bonus.wagering_required),
            done=format_amount(bonus.wagering_done), left=format_amount(bonus.wagering_left)),
    ]
    if bonus.max_bet is not None:
        result.append(say("account.bonus.max_bet", max_bet=format_amount(bonus.max_bet)))
    if bonus.expires_at is not None:
        result.append(say("account.bonus.expires", date=format_date(bonus.expires_at, _tz(config))))
    return result


def bonus_answer(bonus: Optional[BonusStatus], player: PlayerSummary,
                 config: SupportConfig) -> Answer:
    if player.self_excluded:
        return self_exclusion_answer(player, config)
    if bonus is None:
        return Answer([say("account.bonus.none")])
    messages = [listed(say("account.bonus.yours", name=bonus.name), bonus_lines(bonus, config))]
    if bonus.blocks_withdrawal:
        messages.append(say("account.bonus.blocks_withdrawal",
                            cancel_path=config.bonuses["cancel_path"]))
    return Answer(messages)


def bonus_cancel_prompt(bonus: BonusStatus, config: SupportConfig) -> str:
    return say("account.bonus.cancel_prompt", name=bonus.name, amount=format_amount(bonus.amount),
               done=format_amount(bonus.wagering_done), cancel_path=config.bonuses["cancel_path"])


def bonus_cancelled_answer(cancelled: CancelledBonus) -> Answer:
    return Answer([say("account.bonus.cancelled", name=cancelled.name,
                       amount=format_amount(cancelled.amount))])


def _until(day) -> str:
    """« jusqu'au 1er mars 2027 » when the end date is known."""
    if not day or day.year == 9999:  # player_protection.INDEFINITE_UNTIL: no end date to give
        return ""
    return say("account.self_exclusion.until", date=format_date(day))


def _talk(player: PlayerSummary, config: SupportConfig) -> str:
    helpline = config.helpline(player.country)
    return say("account.self_exclusion.talk", name=helpline["name"], phone=helpline["phone"],
               hours=helpline["hours"])


def self_exclusion_answer(player: PlayerSummary, config: SupportConfig) -> Answer:
    return Answer([
        say("account.self_exclusion.closed", until=_until(player.self_excluded_until)),
        _talk(player, config),
    ])


def break_answer(player: PlayerSummary, until: datetime, config: SupportConfig) -> Answer:
    """A break in force: deposits and offers closed until it ends, the balance withdrawable."""
    return Answer([
        say("account.break.closed", date=format_date(until, _tz(config))),
        _talk(player, config),
    ])


def offers_held_back_sentence(until: datetime, config: SupportConfig) -> str:
    """No promotion until ``until``, after a responsible-gambling signal."""
    return say("account.offers_held_back", date=format_date(until, _tz(config)))


# --- withdrawals ------------------------------------------------------------------------------

def withdrawal_line(item: WithdrawalStatus, config: SupportConfig) -> str:
    try:
        status = say(f"account.withdrawal_status.{item.status}")
    except KeyError:
        status = item.status
    facts = dict(amount=format_amount(item.amount), method=method_label(config, item.method),
                 date=format_date(item.requested_at, _tz(config)), age=format_days(item.age_days),
                 status=status)
    if item.late:
        return say("account.withdrawal.line_late", late_after=format_days(config.late_after_days),
                   **facts)
    return say("account.withdrawal.line", **facts)


def withdrawal_answer(eligibility: WithdrawalEligibility, config: SupportConfig,
                      now: datetime) -> Answer:
    verification = eligibility.verification
    if BLOCKER_SELF_EXCLUDED in eligibility.blockers:
        return Answer([say("account.self_exclusion.withdraw",
                           until=_until(eligibility.self_excluded_until),
                           reach_support=Answers(config, now).reach_support())])
    if BLOCKER_ACCOUNT_SUSPENDED in eligibility.blockers:
        return Answer([say("account.suspended", reach_support=Answers(config, now).reach_support())])
    messages: List[str] = []
    if not verification.validated:
        messages.append(listed(say("account.withdrawal.not_yet"), verification_lines(verification)))
        messages.extend(verification_answer(verification, config).messages[1:])
    else:
        bonus = eligibility.bonus
        if bonus is not None and bonus.blocks_withdrawal:
            messages.append(say("account.withdrawal.bonus_warning",
                                left=format_amount(bonus.wagering_left), name=bonus.name,
                                amount=format_amount(bonus.amount)))
        else:
            messages.append(say("account.withdrawal.may_withdraw",
                                minimum=format_amount(config.limits["withdraw_min"])))
    if eligibility.pending_withdrawals:
        messages.append(listed(say("account.withdrawal.pending"), [
            withdrawal_line(item, config) for item in eligibility.pending_withdrawals]))
    return Answer(messages)


def normal_withdrawal_delay(withdrawals: Sequence[WithdrawalStatus], config: SupportConfig) -> str:
    """What the delay of these withdrawals' methods normally is (« normalement, c'est
    combien de temps ? » is the next question of a player whose withdrawal is late)."""
    methods = config.payment_methods
    delays = [say("common.method_delay", method=methods[key].label,
                  delay=methods[key].withdraw_delay)
              for key in dict.fromkeys(item.method for item in withdrawals)
              if key in methods and methods[key].withdraw_delay]
    if not delays:
        return ""
    return "\n" + say("account.withdrawal.normal_delay",
                      days=config.withdrawals["processing_days"], delays=" ; ".join(delays))


def late_payment_answer(withdrawals: Sequence[WithdrawalStatus], config: SupportConfig,
                        now: datetime) -> Answer:
    answers = Answers(config, now)
    late_after = config.late_after_days
    if not withdrawals:
        return Answer([say("account.late_payment.none"), answers.withdrawal_delays()])
    late = [item for item in withdrawals if item.late]
    on_time = [item for item in withdrawals if not item.late]
    messages = []
    if late:
        messages.append(
            listed(say("account.late_payment.late", late_after=format_days(late_after)),
                   [withdrawal_line(item, config) for item in late])
            + normal_withdrawal_delay(late, config)
        )
        messages.append(say("account.late_payment.payments_team",
                            reach_support=answers.reach_support()))
    if on_time:
        messages.append(
            listed(say("account.late_payment.on_time"),
                   [withdrawal_line(item, config) for item in on_time])
            + "\n" + say("account.late_payment.processing",
                         days=config.withdrawals["processing_days"])
        )
    return Answer(messages)
