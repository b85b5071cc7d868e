"""The conversation itself: its start (the bot says it is a bot) and what it did not understand."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.answering import answer_turn
from actions.common import (
    NOT_UNDERSTOOD, answers_failures, config, metadata_of_latest_message, now, send,
)
from casino_support.answers import Answers
from casino_support.catalogue import say
from casino_support.questions import Question
from casino_support.wording import HUMAN_BUTTON, TICKET_BUTTON


class ActionSessionStart(Action):
    """Opens each conversation by saying plainly that this is an automated assistant."""

    def name(self) -> Text:
        return "action_session_start"

    @answers_failures(events=lambda: [SessionStarted(), ActionExecuted("action_listen")])
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        dispatcher.utter_message(
            text=say("conversation.greeting", operator=config().operator_name)
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


# A message the NLU is unsure of, whose likeliest reading is a follow-up, is one when a topic
# is under way (« le minimum », « le délai avec skrill » after an answer on withdrawals).
FOLLOW_UP_INTENTS = ("follow_up", "inform")
MIN_FOLLOW_UP_CONFIDENCE = 0.2


def unsure_follow_up(tracker: Tracker) -> bool:
    """The message was not understood, but reads best as a follow-up of the current topic."""
    if not tracker.get_slot("topic"):
        return False
    ranking = [item for item in tracker.latest_message.get("intent_ranking") or []
               if item.get("name") != "nlu_fallback"]
    return bool(ranking) and ranking[0].get("name") in FOLLOW_UP_INTENTS and (
        ranking[0].get("confidence") or 0) >= MIN_FOLLOW_UP_CONFIDENCE


def questions_understood_in_parts(tracker: Tracker) -> List[Text]:
    """The intents of the questions the channel found in the message, one by one."""
    parts = metadata_of_latest_message(tracker).get("questions")
    if not isinstance(parts, list):
        return []
    return [str(part.get("intent")) for part in parts
            if isinstance(part, dict) and part.get("intent") != "follow_up"]


# « merci au revoir »: thanks and goodbye at once is no misunderstanding.
LEAVING_INTENTS = {"thank", "goodbye"}


def leaving(tracker: Tracker) -> bool:
    """The NLU hesitated between thanks and goodbye: the player is leaving."""
    ranking = [item.get("name") for item in tracker.latest_message.get("intent_ranking") or []
               if item.get("name") != "nlu_fallback"][:2]
    return len(ranking) == 2 and set(ranking) == LEAVING_INTENTS


class ActionNotUnderstood(Action):
    """Out of scope or unclear: a follow-up of the current topic if it reads best as one;
    else ask to rephrase once, then point to a human."""

    def name(self) -> Text:
        return "action_not_understood"

    @answers_failures()
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        answers = Answers(config(), now())
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if intent == "nlu_fallback" and leaving(tracker):
            dispatcher.utter_message(response="utter_goodbye")
            return []
        if intent == "nlu_fallback" and unsure_follow_up(tracker):
            turn = await answer_turn(dispatcher, tracker, "follow_up")
            return turn.slot_events()
        understood_parts = questions_understood_in_parts(tracker)
        if understood_parts:  # the whole was unclear, its questions one by one were not
            turn = await answer_turn(dispatcher, tracker, understood_parts[0])
            return turn.slot_events()
        if consecutive_misunderstandings(tracker) >= 1:
            dispatcher.utter_message(
                text=say("conversation.cannot_help"),
                buttons=[HUMAN_BUTTON, TICKET_BUTTON],
            )
            return []
        if intent == "out_of_scope":
            send(dispatcher, answers.out_of_scope(Question("out_of_scope")))
        else:
            dispatcher.utter_message(text=NOT_UNDERSTOOD)
        return []
