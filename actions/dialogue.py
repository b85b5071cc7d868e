"""The conversation itself: its start (the bot says it is a bot) and what it did not understand."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import NOT_UNDERSTOOD, answers_failures, config, now, question_from, send
from actions.escalation import HUMAN_BUTTON, TICKET_BUTTON
from casino_support.answers import Answers


class ActionSessionStart(Action):
    """Opens each conversation by saying plainly that this is an automated assistant."""

    def name(self) -> Text:
        return "action_session_start"

    @answers_failures(events=lambda: [SessionStarted(), ActionExecuted("action_listen")])
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        dispatcher.utter_message(
            text=(f"Bonjour, je suis l'assistant automatique du support de "
                  f"{config().operator_name} : un programme, pas une personne. "
                  "Je réponds tout de suite, et je vous passe un conseiller humain si besoin.")
        )
        return [SessionStarted(), *_slot_events(tracker), ActionExecuted("action_listen")]


def _slot_events(tracker: Tracker) -> List[EventType]:
    keep = ("payment_method", "document_type", "email")
    return [SlotSet(key, value) for key, value in tracker.current_slot_values().items()
            if key in keep and value is not None]


def consecutive_misunderstandings(tracker: Tracker) -> int:
    """How many times in a row, just before now, the bot did not understand."""
    count = 0
    for event in reversed(tracker.events):
        if event.get("event") != "action":
            continue
        name = event.get("name")
        if name in ("action_listen", None):
            continue
        if name == "action_not_understood":
            count += 1
            continue
        break
    return count


class ActionNotUnderstood(Action):
    """Out of scope or unclear: ask to rephrase once, then point to a human."""

    def name(self) -> Text:
        return "action_not_understood"

    @answers_failures()
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        answers = Answers(config(), now())
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if consecutive_misunderstandings(tracker) >= 1:
            dispatcher.utter_message(
                text=("Je n'arrive pas à vous aider sur ce point, désolé. Un conseiller humain peut "
                      "prendre le relais, ou vous pouvez laisser un ticket."),
                buttons=[HUMAN_BUTTON, TICKET_BUTTON],
            )
            return []
        if intent == "out_of_scope":
            send(dispatcher, answers.out_of_scope(question_from(tracker)))
        else:
            dispatcher.utter_message(text=NOT_UNDERSTOOD)
        return []
