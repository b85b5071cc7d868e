"""The answer actions: one per topic, all answering the same way (actions/answering.py).

Each reads what was asked this turn (topic, aspect, entities, the several questions of a
message, a follow-up's topic), answers from support.yml and, for a logged-in player, from
their account first; then keeps the topic and aspect for a follow-up.
"""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.answering import answer_turn
from actions.common import answers_failures, config, now, send
from casino_support.answers import answer_for
from casino_support.escalation import REASON_ANGRY_PLAYER
from casino_support.questions import Question
from casino_support.wording import COMPLAINT_BUTTON, HUMAN_BUTTON


class AnswerAction(Action):
    """Answers the questions of the turn; ``topic`` is the intent its rule reacts to."""

    topic: Text = ""

    def name(self) -> Text:
        return f"action_answer_{self.topic}"

    @answers_failures()
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        turn = await answer_turn(dispatcher, tracker, self.topic)
        return turn.slot_events()


def _answer_action(topic: Text) -> type:
    class_name = "Answer" + "".join(part.title() for part in topic.split("_"))
    return type(class_name, (AnswerAction,), {"topic": topic})


AnswerRegister = _answer_action("register")
AnswerDeposit = _answer_action("deposit")
AnswerDepositFailed = _answer_action("deposit_failed")
AnswerWithdraw = _answer_action("withdraw")
AnswerAccountAccess = _answer_action("account_access")
AnswerVerifyAccount = _answer_action("verify_account")
AnswerBonus = _answer_action("bonus")
AnswerContactSupport = _answer_action("contact_support")
AnswerOperatorLicence = _answer_action("operator_licence")
AnswerFollowUp = _answer_action("follow_up")


class AnswerComplain(AnswerAction):
    """An angry player: an apology, and a human offered straight away."""

    topic = "complain"

    @answers_failures()
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        answer = answer_for(Question(self.topic), config(), now())
        answer.buttons = [HUMAN_BUTTON, COMPLAINT_BUTTON]
        send(dispatcher, answer)
        # A ticket the player leaves now is a written complaint (category and clock).
        return [SlotSet("escalation_reason", REASON_ANGRY_PLAYER)]
