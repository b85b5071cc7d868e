"""Answers that are the same for every player: built from support.yml only."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.common import answers_failures, ask_anything_else, config, now, question_from, send
from actions.escalation import HUMAN_BUTTON, TICKET_BUTTON
from casino_support.answers import answer_for


class GeneralAnswerAction(Action):
    """Answers one support topic from the configuration and the question's wording."""

    topic: Text = ""

    def name(self) -> Text:
        return f"action_answer_{self.topic}"

    @answers_failures()
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        send(dispatcher, answer_for(self.topic, question_from(tracker), config(), now()))
        ask_anything_else(dispatcher, tracker)
        return []


def _general_action(topic: Text) -> type:
    class_name = "Answer" + "".join(part.title() for part in topic.split("_"))
    return type(class_name, (GeneralAnswerAction,), {"topic": topic})


AnswerRegister = _general_action("register")
AnswerDeposit = _general_action("deposit")
AnswerDepositFailed = _general_action("deposit_failed")
AnswerAccountAccess = _general_action("account_access")
AnswerContactSupport = _general_action("contact_support")
AnswerOperatorLicence = _general_action("operator_licence")


class AnswerComplain(GeneralAnswerAction):
    """An angry player: an apology, and a human offered straight away."""

    topic = "complain"

    @answers_failures()
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        answer = answer_for(self.topic, question_from(tracker), config(), now())
        answer.buttons = [HUMAN_BUTTON, TICKET_BUTTON]
        send(dispatcher, answer)
        return []
