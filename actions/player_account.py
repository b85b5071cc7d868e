"""Actions that go on after reading the account: a late withdrawal escalated to the
payments team, a bonus cancelled after an explicit confirmation.

The answers themselves come from actions/answering.py: the player's token is verified for
each turn; without a valid one, the general answer and how to log in, never account data.
Action objects are shared by every conversation: nothing of a run lives on ``self``.
"""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.answering import answer_turn
from actions.common import (
    answers_failures, ask_anything_else, config, confirmation, in_support_database, now, send,
    tell_database_down,
)
from actions.escalation import escalate
from actions.player_identity import identify, login_hint
from casino_support import account_answers, accounts
from casino_support.accounts import NoActiveBonus, UnknownPlayer
from casino_support.catalogue import say
from casino_support.confirmations import clear_yes_or_no
from casino_support.database import SupportDatabaseUnavailable
from casino_support.wording import ANYTHING_ELSE, UNKNOWN_PLAYER

logger = logging.getLogger(__name__)

CANCEL_FAILED = say("bonus_cancel.failed")


class AnswerLatePayment(Action):
    """Names the late withdrawals, then escalates them to the payments team."""

    def name(self) -> Text:
        return "action_answer_late_payment"

    @answers_failures(events=lambda: [SlotSet("handoff_outcome", None)])
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        turn = await answer_turn(dispatcher, tracker, "late_payment", anything_else=False)
        if not turn.late:
            if not turn.asked_back:
                dispatcher.utter_message(text=ANYTHING_ELSE)
            return turn.slot_events() + [SlotSet("handoff_outcome", None)]
        description = say("tickets.late_withdrawal", withdrawals=" ; ".join(
            account_answers.withdrawal_line(item, config()) for item in turn.late))
        return turn.slot_events() + await escalate(
            dispatcher, tracker, "late_payment", ticket_description=description)


class AnswerBonusCancel(Action):
    """States what cancelling loses; the form then asks for an explicit confirmation."""

    def name(self) -> Text:
        return "action_answer_bonus_cancel"

    @answers_failures(events=lambda: [SlotSet("bonus_cancellable", False)])
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        turn = await answer_turn(dispatcher, tracker, "bonus_cancel", anything_else=False)
        if not turn.bonus_cancellable and not turn.asked_back:
            dispatcher.utter_message(text=ANYTHING_ELSE)
        return turn.slot_events() + [SlotSet("bonus_cancellable", turn.bonus_cancellable),
                                     SlotSet("bonus_cancel_confirmed", None)]


class ValidateBonusCancelForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_bonus_cancel_form"

    async def extract_bonus_cancel_confirmed(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                             domain: DomainDict) -> Dict[Text, Any]:
        """While the question waits, a no the NLU ranked (« non attends ») is read as the answer
        first, even when another intent came out on top."""
        if tracker.get_slot("requested_slot") != "bonus_cancel_confirmed":
            return {}
        if clear_yes_or_no(tracker.latest_message) is False:
            return {"bonus_cancel_confirmed": False}
        return {}

    def validate_bonus_cancel_confirmed(self, value: Any, dispatcher: CollectingDispatcher,
                                        tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        """Only a clear yes or no counts: cancelling a bonus cannot be undone."""
        return {"bonus_cancel_confirmed": confirmation(value, dispatcher, tracker)}


class AskBonusCancelConfirmed(Action):
    """The form's question, with the two answers as quick replies."""

    def name(self) -> Text:
        return "action_ask_bonus_cancel_confirmed"

    @answers_failures()
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        dispatcher.utter_message(
            text=say("bonus_cancel.question"),
            # The safe answer first: in `rasa shell`, Enter on the button menu picks the first.
            buttons=[{"title": say("bonus_cancel.keep_button"), "payload": "/deny"},
                     {"title": say("bonus_cancel.cancel_button"), "payload": "/affirm"}],
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
            dispatcher.utter_message(text=say("bonus_cancel.kept"))
            ask_anything_else(dispatcher, tracker)
            return reset
        identity = identify(tracker)
        if not identity.known:
            dispatcher.utter_message(text=say("bonus_cancel.not_cancelled",
                                              login_hint=login_hint(identity)))
            return reset
        player_id = identity.player_id
        try:
            cancelled = await in_support_database(lambda session: accounts.cancel_bonus(
                session, player_id, actor=f"player:{player_id} via assistant", now=now()))
            send(dispatcher, account_answers.bonus_cancelled_answer(cancelled))
        except NoActiveBonus:
            dispatcher.utter_message(text=say("bonus_cancel.no_bonus_left"))
        except UnknownPlayer:
            dispatcher.utter_message(text=UNKNOWN_PLAYER)
        except SupportDatabaseUnavailable as error:
            tell_database_down(dispatcher, CANCEL_FAILED, error)
        ask_anything_else(dispatcher, tracker)
        return reset
