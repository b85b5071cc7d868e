"""Answering the questions of a turn: one, a follow-up, or several in one message.

What was asked comes from the NLU only: the intent (the topic), the ResponseSelector's
retrieval key (the aspect), the entities, and, for a message holding several questions,
the parse of each question that the channel added (``metadata["questions"]``,
casino_connector/several_questions.py). The topic and aspect of the last answer are kept
in the ``topic`` and ``aspect`` slots, so that a follow-up that names only an aspect
(« et les frais ? ») is answered for them.

For a logged-in player, every question is answered from their account first
(casino_support/own_case.py), all in one database call.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Callable, Dict, List, Optional, Sequence, Text, Union

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import (
    ACCOUNT_UNAVAILABLE, config, in_support_database, metadata_of_latest_message, now, send,
    tell_database_down,
)
from actions.player_identity import identify, login_hint
from casino_support import wording
from casino_support.accounts import UnknownPlayer, WithdrawalStatus
from casino_support.answers import Answer, answer_for
from casino_support.database import SupportDatabaseUnavailable
from casino_support.own_case import OwnAnswer, depends_on_account, own_answer
from casino_support.questions import (
    FOLLOW_UP, NOT_WORKING, Question, aspect_of, follow_up_question, is_self_help, reading,
    selector_keys,
)
from casino_support.support_hours import chat_hours

MAX_QUESTIONS_PER_TURN = 3
INFORM = "inform"


@dataclass
class TurnAnswers:
    """What the bot said this turn, and what the dialogue needs to go on."""

    questions: List[Question] = field(default_factory=list)
    late: List[WithdrawalStatus] = field(default_factory=list)
    bonus_cancellable: bool = False
    asked_back: bool = False  # the bot ended with a question of its own (buttons)

    def slot_events(self) -> List[EventType]:
        if not self.questions:
            return []
        last = self.questions[-1]
        return [SlotSet("topic", last.topic), SlotSet("aspect", last.aspect)]


# --- what was asked ------------------------------------------------------------------------

def _entity(entities: Sequence[Dict[Text, Any]], name: Text) -> Optional[Text]:
    values = [e.get("value") for e in entities
              if e.get("entity") == name and isinstance(e.get("value"), str)]
    return values[0] if values else None


def _information_follow_up(entities: Sequence[Dict[Text, Any]]) -> Text:
    """Information alone (« par virement ») asks about the method or document it names."""
    if _entity(entities, "payment_method"):
        return "method"
    if _entity(entities, "document_type"):
        return "document"
    return "how"


def question_of(intent: Text, keys: Union[Text, Sequence[Text], None],
                entities: Sequence[Dict[Text, Any]],
                previous: Optional[Question], key_confidence: float = 0.0
                ) -> Optional[Question]:
    """One question from an NLU parse (``keys``: the ResponseSelector's, best first, the
    first with ``key_confidence``); None for a follow-up with no topic to refer to."""
    button_aspect = _entity(entities, "aspect")  # a quick reply the bot offered
    if not button_aspect:
        best = keys if isinstance(keys, str) else (keys[0] if keys else None)
        intent = reading(intent, best, key_confidence, previous)
    question: Optional[Question]
    if intent == FOLLOW_UP:
        question = follow_up_question(previous, keys)
    elif intent == INFORM:
        question = follow_up_question(previous, f"{FOLLOW_UP}/{_information_follow_up(entities)}")
    else:
        question = Question(intent, aspect_of(intent, f"{intent}/{button_aspect}"
                                              if button_aspect else keys))
    if question is None:
        return None
    return Question(question.topic, question.aspect,
                    payment_method=_entity(entities, "payment_method"),
                    document_type=_entity(entities, "document_type"),
                    country=_entity(entities, "country"))


def previous_question(tracker: Tracker) -> Optional[Question]:
    """The question the bot answered last (slots ``topic`` and ``aspect``)."""
    topic = tracker.get_slot("topic")
    return Question(topic, tracker.get_slot("aspect") or "") if topic else None


def questions_of_turn(tracker: Tracker, topic: Text) -> List[Question]:
    """The questions of the latest message, in order: several when the channel split it.

    A country named anywhere in the message counts for each of its questions (the
    helpline of « je suis en Suisse, je joue trop, vous avez un numéro ? »).
    """
    message = tracker.latest_message
    country = _entity(message.get("entities") or [], "country")
    parts = metadata_of_latest_message(tracker).get("questions")
    questions: List[Question] = []
    if isinstance(parts, list) and len(parts) > 1:
        for part in parts:
            if not isinstance(part, dict):
                continue
            context = questions[-1] if questions else previous_question(tracker)
            confidence = part.get("key_confidence")
            question = question_of(str(part.get("intent")), part.get("keys") or part.get("key"),
                                   part.get("entities") or [], context,
                                   float(confidence) if isinstance(confidence, (int, float))
                                   else 0.0)
            if question is not None and question not in questions:
                questions.append(question)
    if not questions:
        selector = selector_keys(message)
        question = question_of(topic, selector.keys, message.get("entities") or [],
                               previous_question(tracker), selector.confidence)
        questions = [question] if question is not None else []
    return [replace(q, country=q.country or country) for q in questions]


def repeated(tracker: Tracker, question: Question, intent: Text) -> bool:
    """The same self-help question asked again right after its answer: it did not work."""
    return (intent == question.topic and is_self_help(question)
            and previous_question(tracker) == Question(question.topic, question.aspect)
            and _previous_user_intent(tracker) == question.topic)


def _previous_user_intent(tracker: Tracker) -> Optional[Text]:
    users = [e for e in tracker.events if e.get("event") == "user"]
    if len(users) < 2:
        return None
    return ((users[-2].get("parse_data") or {}).get("intent") or {}).get("name")


# --- answering -------------------------------------------------------------------------------

async def answer_turn(dispatcher: CollectingDispatcher, tracker: Tracker, topic: Text,
                      anything_else: bool = True) -> TurnAnswers:
    """Answer the questions of the latest message (``topic``: the intent of the message)."""
    if topic == FOLLOW_UP and (tracker.latest_message.get("intent") or {}).get("name") == INFORM:
        topic = INFORM
    questions = questions_of_turn(tracker, topic)
    turn = TurnAnswers()
    if not questions:
        dispatcher.utter_message(text=wording.FOLLOW_UP_WITHOUT_TOPIC,
                                 buttons=wording.TOPIC_BUTTONS)
        turn.asked_back = True
        return turn
    if len(questions) == 1 and questions[0].aspect == NOT_WORKING:
        _offer_a_person(dispatcher, wording.self_help_failed)
        turn.questions, turn.asked_back = questions, True
        return turn
    asked_again = len(questions) == 1 and repeated(tracker, questions[0], topic)
    answered, left = questions[:MAX_QUESTIONS_PER_TURN], questions[MAX_QUESTIONS_PER_TURN:]
    answers = await _answers(dispatcher, tracker, answered, turn)
    for question, answer in zip(answered, answers):
        if len(answered) > 1:
            answer = Answer([f"{wording.question_heading(question)} " + answer.messages[0],
                             *answer.messages[1:]], answer.buttons)
        send(dispatcher, answer)
        turn.asked_back = turn.asked_back or bool(answer.buttons)
    turn.questions = answered
    if asked_again:
        _offer_a_person(dispatcher, wording.asked_again)
        turn.asked_back = True
    elif left:
        dispatcher.utter_message(text=wording.questions_left(left),
                                 buttons=wording.question_buttons(left))
        turn.asked_back = True
    elif anything_else and not turn.asked_back and not tracker.active_loop_name:
        dispatcher.utter_message(text=wording.ANYTHING_ELSE)
    return turn


async def _answers(dispatcher: CollectingDispatcher, tracker: Tracker,
                   questions: List[Question], turn: TurnAnswers) -> List[Answer]:
    """Each question's answer: the player's own first when logged in, else the general one."""
    moment, settings = now(), config()
    general = [answer_for(question, settings, moment) for question in questions]
    identity = identify(tracker)
    if not identity.known:
        if any(depends_on_account(question) for question in questions):
            general[-1] = Answer(general[-1].messages + [login_hint(identity)], general[-1].buttons)
        return general
    player_id = str(identity.player_id)

    def read(session) -> List[OwnAnswer]:
        return [own_answer(session, player_id, question, settings, moment, tracker.sender_id)
                for question in questions]
    try:
        own = await in_support_database(read)
    except SupportDatabaseUnavailable as error:
        tell_database_down(dispatcher, ACCOUNT_UNAVAILABLE, error)
        return general
    except UnknownPlayer:
        dispatcher.utter_message(text=wording.UNKNOWN_PLAYER)
        return general
    for index, item in enumerate(own):
        if item.answered is not None:
            questions[index] = item.answered
        turn.late.extend(item.late)
        turn.bonus_cancellable = turn.bonus_cancellable or item.bonus_cancellable
    return [item.answer for item in own]


def _offer_a_person(dispatcher: CollectingDispatcher, sentence: Callable[[bool], Text]) -> None:
    """Self-help did not work: a human now (chat open) or a ticket."""
    is_open = chat_hours(config()).is_open(now())
    dispatcher.utter_message(text=sentence(is_open), buttons=wording.person_buttons(is_open))

