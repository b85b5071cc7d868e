"""What every action needs: the question asked, the clock, sending an answer."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Dict, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from casino_support.answers import Answer, Question
from casino_support.config import SupportConfig, current_config


ANYTHING_ELSE = "Puis-je vous aider pour autre chose ?"
NOT_UNDERSTOOD = ("Désolé, je n'ai pas bien compris. Pouvez-vous reformuler votre question en "
                  "quelques mots ?")


def now() -> datetime:
    return datetime.now(timezone.utc)


def config() -> SupportConfig:
    return current_config()


def latest_entity(tracker: Tracker, entity: Text) -> Optional[Text]:
    """An entity of the latest message, else None (a slot may hold an older one)."""
    values = [e.get("value") for e in tracker.latest_message.get("entities", [])
              if e.get("entity") == entity and isinstance(e.get("value"), str)]
    return values[0] if values else None


def question_from(tracker: Tracker) -> Question:
    return Question(
        text=tracker.latest_message.get("text") or "",
        payment_method=latest_entity(tracker, "payment_method"),
        document_type=latest_entity(tracker, "document_type"),
    )


def send(dispatcher: CollectingDispatcher, answer: Answer) -> None:
    for index, message in enumerate(answer.messages):
        is_last = index == len(answer.messages) - 1
        if is_last and answer.buttons:
            dispatcher.utter_message(text=message, buttons=answer.buttons)
        else:
            dispatcher.utter_message(text=message)


def ask_anything_else(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    """'Autre chose ?' after an answer, unless the bot is in the middle of its own question."""
    if not tracker.active_loop_name:
        dispatcher.utter_message(text=ANYTHING_ELSE)


def metadata_of_latest_message(tracker: Tracker) -> Dict[Text, Any]:
    metadata = tracker.latest_message.get("metadata")
    return metadata if isinstance(metadata, dict) else {}
