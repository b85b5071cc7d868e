"""Answers about the player's own account: validation, bonus, withdrawals, late payments.

Each action verifies the player's token for this turn. Without a valid token it gives the
general answer and how to log in, never account data. The account is read through the
support library (``in_support_database``); if the database is down, the player is told
so in French and still gets the general answer.

Action objects are shared by every conversation and ``run`` awaits the database: what
one run learns lives in its own ``Lookup``, never on ``self``.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import (
    ACCOUNT_UNAVAILABLE, answers_failures, ask_anything_else, config, in_support_database, now,
    question_from, send, tell_database_down,
)
from actions.escalation import escalate
from actions.player_identity import Identity, identify, login_hint
from casino_support import account_answers, accounts
from casino_support.accounts import NoActiveBonus, UnknownPlayer
from casino_support.answers import Answer, Question, answer_for
from casino_support.audit import record_audit_event
from casino_support.confirmations import UNCLEAR_ANSWER, clear_yes_or_no
from casino_support.database import SupportDatabaseUnavailable

logger = logging.getLogger(__name__)

UNKNOWN_PLAYER = ("Je ne retrouve pas votre compte joueur. Reconnectez-vous sur le site ; si cela "
                  "continue, un conseiller vérifiera.")
CANCEL_FAILED = ("Je n'ai pas pu annuler votre bonus (incident technique de notre côté). Rien "
                 "n'a été modifié ; réessayez dans quelques minutes.")


@dataclass
class Lookup:
    """What one run learnt from the account, besides the answer."""

    answer: Optional[Answer] = None
    late: List[Any] = field(default_factory=list)
    cancellable: bool = False


class AccountAnswerAction(Action):
    """General answer for everyone; the player's own situation when logged in."""

    topic: Text = ""

    def name(self) -> Text:
        return f"action_answer_{self.topic}"

    def personal_answer(self, session, player_id: Text, question: Question,
                        general: Answer, lookup: Lookup) -> Answer:
        raise NotImplementedError

    def events(self, identity: Identity, lookup: Lookup) -> List[EventType]:
        return []

    @answers_failures()
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        lookup = await self.answer(dispatcher, tracker)
        events = self.events(identify(tracker), lookup)
        if self.ends_with_anything_else(lookup):
            ask_anything_else(dispatcher, tracker)
        return events

    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> Lookup:
        """Send the player's own answer, else the general one; what was learnt."""
        question = question_from(tracker)
        general = answer_for(self.topic, question, config(), now())
        identity = identify(tracker)
        lookup = Lookup()
        if identity.known:
            def personal(session) -> Answer:
                return self.personal_answer(session, identity.player_id, question, general, lookup)
            try:
                lookup.answer = await in_support_database(personal)
            except SupportDatabaseUnavailable as error:
                tell_database_down(dispatcher, ACCOUNT_UNAVAILABLE, error)
            except UnknownPlayer:
                dispatcher.utter_message(text=UNKNOWN_PLAYER)
        if lookup.answer is not None:
            send(dispatcher, lookup.answer)
        else:
            lookup.late, lookup.cancellable = [], False
            send(dispatcher, general)
            if not identity.known:
                dispatcher.utter_message(text=login_hint(identity))
        return lookup

    def ends_with_anything_else(self, lookup: Lookup) -> bool:
        """False when the bot goes on with its own question (confirmation, escalation)."""
        return not lookup.late and not lookup.cancellable


def _with_specific(general: Answer, personal: Answer) -> Answer:
    """The player's situation, after the general answer when the question was specific."""
    if general.specific:
        return Answer(general.messages + personal.messages, personal.buttons or general.buttons)
    return personal


class AnswerVerifyAccount(AccountAnswerAction):
    topic = "verify_account"

    def personal_answer(self, session, player_id, question, general, lookup):
        verification = accounts.verification_status(session, player_id, config=config())
        return _with_specific(general, account_answers.verification_answer(verification, config()))


class AnswerWithdraw(AccountAnswerAction):
    topic = "withdraw"

    def personal_answer(self, session, player_id, question, general, lookup):
        eligibility = accounts.withdrawal_eligibility(session, player_id, now(), config())
        return _with_specific(general, account_answers.withdrawal_answer(eligibility, config(), now()))


class AnswerLatePayment(AccountAnswerAction):
    """Names the late withdrawals, then escalates them to the payments team."""

    topic = "late_payment"

    @answers_failures(events=lambda: [SlotSet("handoff_outcome", None)])
    async def run(self, dispatcher, tracker, domain):
        lookup = await self.answer(dispatcher, tracker)
        if not lookup.late:
            ask_anything_else(dispatcher, tracker)
            return [SlotSet("handoff_outcome", None)]
        description = "Retrait en retard : " + " ; ".join(
            account_answers.withdrawal_line(item, config()) for item in lookup.late)
        return await escalate(dispatcher, tracker, "late_payment", ticket_description=description)

    def personal_answer(self, session, player_id, question, general, lookup):
        withdrawals = accounts.late_withdrawals(session, player_id, now(), config())
        late = [item for item in withdrawals if item.late]
        lookup.late = late
        if late:
            record_audit_event(
                session, actor="assistant", action="late_withdrawal_flagged", player_id=player_id,
                details={"withdrawals": [item.withdrawal_id for item in late]},
            )
        return account_answers.late_payment_answer(withdrawals, config(), now())


WAGERING_QUESTION = r"mise|miser|wager|rollover|reste|combien|condition"


class AnswerBonus(AccountAnswerAction):
    topic = "bonus"

    def personal_answer(self, session, player_id, question, general, lookup):
        player = accounts.get_player(session, player_id, now())
        if player is None:
            raise UnknownPlayer(player_id)
        bonus = accounts.bonus_status(session, player_id, now())
        personal = account_answers.bonus_answer(bonus, player, config())
        if player.self_excluded:
            return personal  # no offers at all to a self-excluded player
        if bonus is not None and question.mentions(WAGERING_QUESTION):
            return personal  # their own figures answer it better than the general example
        return _with_specific(general, personal)


class AnswerBonusCancel(AccountAnswerAction):
    """States what cancelling loses; the form then asks for an explicit confirmation."""

    topic = "bonus_cancel"

    def personal_answer(self, session, player_id, question, general, lookup):
        bonus = accounts.bonus_status(session, player_id, now())
        if bonus is None:
            return Answer(["Vous n'avez aucun bonus actif : il n'y a rien à annuler.",
                           general.messages[0]])
        lookup.cancellable = True
        return Answer([account_answers.bonus_cancel_prompt(bonus)])

    def events(self, identity, lookup):
        return [SlotSet("bonus_cancellable", lookup.cancellable),
                SlotSet("bonus_cancel_confirmed", None)]


class ValidateBonusCancelForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_bonus_cancel_form"

    def validate_bonus_cancel_confirmed(self, value: Any, dispatcher: CollectingDispatcher,
                                        tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        """Only a clear yes or no counts: cancelling a bonus cannot be undone."""
        if not isinstance(value, bool):
            return {"bonus_cancel_confirmed": None}
        answer = clear_yes_or_no(tracker.latest_message)
        if answer is None:
            dispatcher.utter_message(text=UNCLEAR_ANSWER)
        return {"bonus_cancel_confirmed": answer}


class AskBonusCancelConfirmed(Action):
    """The form's question, with the two answers as quick replies."""

    def name(self) -> Text:
        return "action_ask_bonus_cancel_confirmed"

    @answers_failures()
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        dispatcher.utter_message(
            text="Confirmez-vous l'annulation de votre bonus ?",
            # The safe answer first: in `rasa shell`, Enter on the button menu picks the first.
            buttons=[{"title": "Non, garder le bonus", "payload": "/deny"},
                     {"title": "Oui, annuler le bonus", "payload": "/affirm"}],
        )
        return []


class ActionCancelBonus(Action):
    """Cancels the bonus after the player confirmed, checking the token and the account again."""

    def name(self) -> Text:
        return "action_cancel_bonus"

    @answers_failures(lambda: CANCEL_FAILED, events=lambda: [
        SlotSet("bonus_cancel_confirmed", None), SlotSet("bonus_cancellable", None)])
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        reset = [SlotSet("bonus_cancel_confirmed", None), SlotSet("bonus_cancellable", None)]
        if tracker.get_slot("bonus_cancel_confirmed") is not True:
            dispatcher.utter_message(text="Très bien, votre bonus est conservé. Rien n'a été modifié.")
            ask_anything_else(dispatcher, tracker)
            return reset
        identity = identify(tracker)
        if not identity.known:
            dispatcher.utter_message(text="Rien n'a été annulé. " + login_hint(identity))
            return reset
        player_id = identity.player_id
        try:
            cancelled = await in_support_database(lambda session: accounts.cancel_bonus(
                session, player_id, actor=f"player:{player_id} via assistant", now=now()))
            send(dispatcher, account_answers.bonus_cancelled_answer(cancelled))
        except NoActiveBonus:
            dispatcher.utter_message(text="Vous n'avez plus de bonus actif : rien à annuler.")
        except UnknownPlayer:
            dispatcher.utter_message(text=UNKNOWN_PLAYER)
        except SupportDatabaseUnavailable as error:
            tell_database_down(dispatcher, CANCEL_FAILED, error)
        ask_anything_else(dispatcher, tracker)
        return reset
