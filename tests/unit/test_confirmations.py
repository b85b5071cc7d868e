"""Cancelling a bonus cannot be undone: only a clear yes or no answers the question."""
import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.player_account import ValidateBonusCancelForm
from casino_support.confirmations import clear_yes_or_no


def message(intent: str, confidence: float):
    return {"text": "...", "intent": {"name": intent, "confidence": confidence}}


@pytest.mark.parametrize("intent, confidence, expected", [
    ("affirm", 1.0, True),        # the "Oui, annuler le bonus" button
    ("affirm", 0.97, True),       # "oui"
    ("deny", 0.9, False),         # "non merci"
    ("affirm", 0.48, None),       # keyboard mashing read as a yes
    ("deny", 0.6, None),
    ("bonus", 0.99, None),        # another question, not an answer
])
def test_clear_yes_or_no(intent, confidence, expected):
    assert clear_yes_or_no(message(intent, confidence)) is expected


def test_no_intent_is_no_answer():
    assert clear_yes_or_no({}) is None and clear_yes_or_no(None) is None


def validate(value, intent: str, confidence: float):
    latest = message(intent, confidence)
    tracker = Tracker("conversation-1", {"requested_slot": "bonus_cancel_confirmed"}, latest,
                      [{"event": "user", "text": "...", "parse_data": latest}], False, None,
                      {"name": "bonus_cancel_form"}, "action_listen")
    dispatcher = CollectingDispatcher()
    slots = ValidateBonusCancelForm().validate_bonus_cancel_confirmed(value, dispatcher, tracker, {})
    return slots["bonus_cancel_confirmed"], [m.get("text") for m in dispatcher.messages]


def test_the_form_keeps_a_clear_yes():
    assert validate(True, "affirm", 0.99) == (True, [])


def test_the_form_asks_again_after_an_unclear_yes():
    value, said = validate(True, "affirm", 0.48)
    assert value is None
    assert said and "oui" in said[0] and "non" in said[0]


def test_the_question_offers_the_safe_answer_first():
    """In `rasa shell` a key pressed on the button menu picks the first button."""
    import asyncio

    from actions.player_account import AskBonusCancelConfirmed

    dispatcher = CollectingDispatcher()
    tracker = Tracker("conversation-1", {}, {}, [], False, None, {}, "action_listen")
    asyncio.run(AskBonusCancelConfirmed().run(dispatcher, tracker, {}))
    payloads = [button["payload"] for button in dispatcher.messages[0]["buttons"]]
    assert payloads == ["/deny", "/affirm"]
