"""Answers about the player's own account: validation, bonus, withdrawals, late payments.

Each action verifies the player's token for this turn. Without a valid token it gives the
general answer and how to log in, never account data. The account is read through the
support library; if the database is down, the player is told so in French.
"""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import ask_anything_else, config, now, question_from, send
from actions.escalation import escalate
from actions.player_identity import Identity, identify, login_hint
from casino_support import account_answers, accounts
from casino_support.accounts import NoActiveBonus, UnknownPlayer
from casino_support.answers import Answer, Question, answer_for
from casino_support.audit import record_audit_event
from casino_support.database import SupportDatabaseUnavailable, session_scope

logger = logging.getLogger(__name__)

DATABASE_DOWN = ("Je ne peux pas consulter votre compte pour le moment (incident technique de "
                 "notre côté). Réessayez dans quelques minutes ; en attendant, voici la réponse "
                 "générale.")
UNKNOWN_PLAYER = ("Je ne retrouve pas votre compte joueur. Reconnectez-vous sur le site ; si cela "
                  "continue, un conseiller vérifiera.")


class AccountAnswerAction(Action):
    """General answer for everyone; the player's own situation when logged in."""

    topic: Text = ""

    def name(self) -> Text:
        return f"action_answer_{self.topic}"

    def personal_answer(self, session, player_id: Text, question: Question,
                        general: Answer) -> Answer:
        raise NotImplementedError

    def events(self, identity: Identity, answered: bool) -> List[EventType]:
        return []

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        question = question_from(tracker)
        general = answer_for(self.topic, question, config(), now())
        identity = identify(tracker)
        personal: Optional[Answer] = None
        if identity.known:
            try:
                with session_scope() as session:
                    personal = self.personal_answer(session, identity.player_id, question, general)
            except SupportDatabaseUnavailable:
                logger.exception("support database unavailable")
                dispatcher.utter_message(text=DATABASE_DOWN)
            except UnknownPlayer:
                dispatcher.utter_message(text=UNKNOWN_PLAYER)
        if personal is not None:
            send(dispatcher, personal)
        else:
            send(dispatcher, general)
            if not identity.known:
                dispatcher.utter_message(text=login_hint(identity))
        events = self.events(identity, personal is not None)
        if self.ends_with_anything_else(events):
            ask_anything_else(dispatcher, tracker)
        return events

    def ends_with_anything_else(self, events: List[EventType]) -> bool:
        """False when the bot goes on with its own question (confirmation, escalation)."""
        if getattr(self, "_late", None):
            return False
        return not any(isinstance(e, dict) and e.get("name") == "bonus_cancellable" and e.get("value")
                       for e in events)


def _with_specific(general: Answer, personal: Answer) -> Answer:
    """The player's situation, after the general answer when the question was specific."""
    if general.specific:
        return Answer(general.messages + personal.messages, personal.buttons or general.buttons)
    return personal


class AnswerVerifyAccount(AccountAnswerAction):
    topic = "verify_account"

    def personal_answer(self, session, player_id, question, general):
        verification = accounts.verification_status(session, player_id, config=config())
        return _with_specific(general, account_answers.verification_answer(verification, config()))


class AnswerWithdraw(AccountAnswerAction):
    topic = "withdraw"

    def personal_answer(self, session, player_id, question, general):
        eligibility = accounts.withdrawal_eligibility(session, player_id, now(), config())
        return _with_specific(general, account_answers.withdrawal_answer(eligibility, config(), now()))


class AnswerLatePayment(AccountAnswerAction):
    """Names the late withdrawals, then escalates them to the payments team."""

    topic = "late_payment"

    async def run(self, dispatcher, tracker, domain):
        self._late = []
        events = await super().run(dispatcher, tracker, domain)
        if not self._late:
            return events + [SlotSet("handoff_outcome", None)]
        description = "Retrait en retard : " + " ; ".join(
            account_answers.withdrawal_line(item, config()) for item in self._late)
        return events + escalate(dispatcher, tracker, "late_payment", ticket_description=description)

    def personal_answer(self, session, player_id, question, general):
        withdrawals = accounts.late_withdrawals(session, player_id, now(), config())
        late = [item for item in withdrawals if item.late]
        self._late = late
        if late:
            record_audit_event(
                session, actor="assistant", action="late_withdrawal_flagged", player_id=player_id,
                details={"withdrawals": [item.withdrawal_id for item in late]},
            )
        return account_answers.late_payment_answer(withdrawals, config(), now())


WAGERING_QUESTION = r"mise|miser|wager|rollover|reste|combien|condition"


class AnswerBonus(AccountAnswerAction):
    topic = "bonus"

    def personal_answer(self, session, player_id, question, general):
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

    def personal_answer(self, session, player_id, question, general):
        bonus = accounts.bonus_status(session, player_id, now())
        if bonus is None:
            self._cancellable = False
            return Answer(["Vous n'avez aucun bonus actif : il n'y a rien à annuler.",
                           general.messages[0]])
        self._cancellable = True
        return Answer([account_answers.bonus_cancel_prompt(bonus)])

    async def run(self, dispatcher, tracker, domain):
        self._cancellable = False
        return await super().run(dispatcher, tracker, domain)

    def events(self, identity, answered):
        return [SlotSet("bonus_cancellable", bool(answered and self._cancellable)),
                SlotSet("bonus_cancel_confirmed", None)]


class ValidateBonusCancelForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_bonus_cancel_form"

    def validate_bonus_cancel_confirmed(self, value: Any, dispatcher: CollectingDispatcher,
                                        tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        return {"bonus_cancel_confirmed": value if isinstance(value, bool) else None}


class AskBonusCancelConfirmed(Action):
    """The form's question, with the two answers as quick replies."""

    def name(self) -> Text:
        return "action_ask_bonus_cancel_confirmed"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        dispatcher.utter_message(
            text="Confirmez-vous l'annulation de votre bonus ?",
            buttons=[{"title": "Oui, annuler le bonus", "payload": "/affirm"},
                     {"title": "Non, garder le bonus", "payload": "/deny"}],
        )
        return []


class ActionCancelBonus(Action):
    """Cancels the bonus after the player confirmed, checking the token and the account again."""

    def name(self) -> Text:
        return "action_cancel_bonus"

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
        try:
            with session_scope() as session:
                cancelled = accounts.cancel_bonus(session, identity.player_id,
                                                  actor=f"player:{identity.player_id} via assistant",
                                                  now=now())
            send(dispatcher, account_answers.bonus_cancelled_answer(cancelled))
        except NoActiveBonus:
            dispatcher.utter_message(text="Vous n'avez plus de bonus actif : rien à annuler.")
        except UnknownPlayer:
            dispatcher.utter_message(text=UNKNOWN_PLAYER)
        except SupportDatabaseUnavailable:
            logger.exception("support database unavailable")
            dispatcher.utter_message(text="Je n'ai pas pu annuler votre bonus (incident technique). "
                                          "Rien n'a été modifié ; réessayez dans quelques minutes.")
        ask_anything_else(dispatcher, tracker)
        return reset
