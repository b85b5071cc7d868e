"""The player's own case first: which account facts answer a question, and in what order.

For a logged-in player, a question whose true answer depends on the account leads with
their facts (why a withdrawal is blocked, why a document was refused, their bonus
wagering and expiry, their late withdrawals, the end of their self-exclusion), then the
general answer when the question asked something more precise (a delay, a method...).
A self-excluded player or one on a break is never told how to deposit nor offered a bonus.
A responsible-gambling question (limits, a pause, distress...) is recorded as a signal
(player_protection); for ``offers_held_back_days`` after one, the answers keep the facts of
a bonus the player holds but no sentence that promotes an offer.

``own_answer`` reads the account through ``accounts`` in the caller's session and returns
the answer with what the dialogue needs to go on (late withdrawals to escalate, a bonus
that may be cancelled); the general answer when the account has nothing to add.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import List, Optional

from casino_support import account_answers, accounts, player_protection
from casino_support.accounts import PlayerSummary, UnknownPlayer, WithdrawalStatus
from casino_support.answers import Answer, Answers, answer_for, aspect_buttons, is_specific
from casino_support.audit import record_audit_event
from casino_support.catalogue import say
from casino_support.config import SupportConfig
from casino_support.player_protection import ProtectionStatus
from casino_support.questions import Question

# Topics a self-excluded player or one on a break gets that answer for, whatever the aspect;
# the topics whose answers may promote an offer.
NO_OFFER_TOPICS = ("deposit", "bonus", "register")
# Responsible-gambling questions recorded as a signal, and its kind: asking about a tool is
# not setting it (no "break" nor "self_exclusion" signal, those come with the real thing).
SIGNAL_OF_ASPECT = {"limits": "limit_request", "pause": "limit_request",
                    "self_exclusion": "limit_request", "distress": "distress",
                    "helpline": "distress"}
# Quick replies of the bonus topic that ask about an offer.
OFFER_BUTTON_ASPECTS = ("vip", "free_spins")
# Bonus aspects that the player's own bonus answers.
OWN_BONUS_ASPECTS = ("", "overview", "wagering", "expiry", "not_received")


def depends_on_account(question: Question) -> bool:
    """True when the true answer to ``question`` is in the player's account (an anonymous
    player is then told how to log in)."""
    aspect = question.aspect
    if question.topic in ("bonus_cancel", "late_payment"):
        return True
    if question.topic == "withdraw":
        return aspect in ("", "overview", "how", "blocked", "delay")
    if question.topic == "verify_account":
        return aspect in ("", "overview", "how", "rejected")
    if question.topic == "bonus":
        return aspect in OWN_BONUS_ASPECTS
    return question.topic == "responsible_gambling" and aspect == "come_back"


@dataclass
class OwnAnswer:
    """The player's own answer, and what the dialogue needs from the account."""

    answer: Answer
    late: List[WithdrawalStatus] = field(default_factory=list)
    bonus_cancellable: bool = False
    # The question the account showed was really asked (a "late" withdrawal that is in
    # fact blocked is a withdraw/blocked question), for the follow-ups; None: as asked.
    answered: Optional[Question] = None


def own_answer(session, player_id: str, question: Question, config: SupportConfig,
               now: datetime, conversation_id: Optional[str] = None) -> OwnAnswer:
    """The answer for this player (``UnknownPlayer`` when the account does not exist);
    ``conversation_id`` goes with a responsible-gambling signal into the audit trail."""
    player = accounts.get_player(session, player_id, now)
    if player is None:
        raise UnknownPlayer(player_id)
    question = _with_player_country(question, player)
    if question.topic == "responsible_gambling" and question.aspect in SIGNAL_OF_ASPECT:
        player_protection.record_signal(session, player.player_id,
                                        SIGNAL_OF_ASPECT[question.aspect], now=now,
                                        conversation_id=conversation_id)
    status = (player_protection.protection_status(session, player.player_id, now)
              if question.topic in NO_OFFER_TOPICS else None)
    closed = None if status is None else _closed(player, status, config)
    if closed is not None:
        return OwnAnswer(closed)
    general = answer_for(question, config, now)
    reader = _READERS.get(question.topic)
    own = OwnAnswer(general) if reader is None else reader(
        session, player, question, general, config, now)
    if status is not None and not status.offers_allowed and status.offers_held_back_until:
        return replace(own, answer=_without_offers(own.answer, question,
                                                   status.offers_held_back_until, config, now))
    return own


def _closed(player: PlayerSummary, status: ProtectionStatus,
            config: SupportConfig) -> Optional[Answer]:
    """The answer of a self-excluded player or one on a break (None: neither)."""
    if player.self_excluded or status.excluded:
        return account_answers.self_exclusion_answer(player, config)
    if status.break_until is not None:  # only a break in force is read
        return account_answers.break_answer(player, status.break_until, config)
    return None


def _without_offers(answer: Answer, question: Question, until: datetime,
                    config: SupportConfig, now: datetime) -> Answer:
    """``answer`` without the sentences that promote an offer: on the bonus topic, one
    sentence says none is proposed until ``until``; elsewhere they are just left out."""
    offers = Answers(config, now).offer_sentences()
    held_back = account_answers.offers_held_back_sentence(until, config)
    messages: List[str] = []
    for message in answer.messages:
        if message not in offers:
            messages.append(message)
        elif question.topic == "bonus" and held_back not in messages:
            messages.append(held_back)
    if question.topic == "bonus" and held_back not in messages:
        messages.append(held_back)
    offer_buttons = aspect_buttons("bonus", OFFER_BUTTON_ASPECTS)
    return Answer(messages, [button for button in answer.buttons if button not in offer_buttons])


def _with_player_country(question: Question, player: PlayerSummary) -> Question:
    """The helpline of the player's country unless the message named another."""
    if question.country or not player.country:
        return question
    return replace(question, country=player.country)


def _first(personal: Answer, general: Answer, question: Question) -> Answer:
    """The player's facts first; the general answer after them when the question was precise
    (a precise follow-up: the general answer alone, the facts were just given)."""
    if question.follow_up and is_specific(question):
        return general
    if is_specific(question):
        return Answer(personal.messages + general.messages, personal.buttons or general.buttons)
    return Answer(personal.messages, personal.buttons)


def _withdraw(session, player, question, general, config, now) -> OwnAnswer:
    eligibility = accounts.withdrawal_eligibility(session, player.player_id, now, config)
    personal = account_answers.withdrawal_answer(eligibility, config, now)
    # Blocked by the documents: what follows is about them (« je l'envoie où ? »).
    documents = (Question("verify_account", "how")
                 if not eligibility.verification.validated
                 and question.aspect in ("", "overview", "how", "blocked") else None)
    if eligibility.self_excluded or question.aspect == "blocked":
        return OwnAnswer(personal, answered=documents)
    return OwnAnswer(_first(personal, general, question), answered=documents)


def _verify_account(session, player, question, general, config, now) -> OwnAnswer:
    verification = accounts.verification_status(session, player.player_id, config=config)
    personal = account_answers.verification_answer(verification, config)
    if question.aspect in ("rejected", "how", "overview", "") and not question.document_type:
        return OwnAnswer(personal)
    return OwnAnswer(_first(personal, general, question))


def _bonus(session, player, question, general, config, now) -> OwnAnswer:
    bonus = accounts.bonus_status(session, player.player_id, now)
    personal = account_answers.bonus_answer(bonus, player, config)
    if bonus is not None and question.aspect in OWN_BONUS_ASPECTS:
        return OwnAnswer(personal)  # their own figures answer it better than the general rule
    return OwnAnswer(_first(personal, general, question))


def _bonus_cancel(session, player, question, general, config, now) -> OwnAnswer:
    bonus = accounts.bonus_status(session, player.player_id, now)
    if bonus is None:
        return OwnAnswer(Answer([say("account.bonus.nothing_to_cancel"),
                                 general.messages[0]]))
    return OwnAnswer(Answer([account_answers.bonus_cancel_prompt(bonus, config)]), bonus_cancellable=True)


def _late_payment(session, player, question, general, config, now) -> OwnAnswer:
    withdrawals = accounts.late_withdrawals(session, player.player_id, now, config)
    if not withdrawals:
        eligibility = accounts.withdrawal_eligibility(session, player.player_id, now, config)
        if eligibility.blockers:  # nothing pending: the withdrawal is blocked, not late
            return OwnAnswer(account_answers.withdrawal_answer(eligibility, config, now),
                             answered=Question("withdraw", "blocked"))
    late = [item for item in withdrawals if item.late]
    if late:
        record_audit_event(
            session, actor="assistant", action="late_withdrawal_flagged",
            player_id=player.player_id,
            details={"withdrawals": [item.withdrawal_id for item in late]},
        )
    return OwnAnswer(account_answers.late_payment_answer(withdrawals, config, now), late=late)


def _responsible_gambling(session, player, question, general, config, now) -> OwnAnswer:
    if not player.self_excluded:
        return OwnAnswer(general)
    personal = account_answers.self_exclusion_answer(player, config)
    if question.aspect == "come_back":
        return OwnAnswer(personal)
    return OwnAnswer(Answer(personal.messages[:1] + general.messages))


_READERS = {
    "withdraw": _withdraw,
    "verify_account": _verify_account,
    "bonus": _bonus,
    "bonus_cancel": _bonus_cancel,
    "late_payment": _late_payment,
    "responsible_gambling": _responsible_gambling,
}
