"""Cancelling a bonus cannot be undone: only a clear yes cancels it; a no the NLU read keeps
it, even when something follows the no (« non attends »)."""
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
    ("deny", 0.6, False),         # a no that is not sure is still no: keeping changes nothing
    ("bonus", 0.99, None),        # another question, not an answer
])
def test_clear_yes_or_no(intent, confidence, expected):
    assert clear_yes_or_no(message(intent, confidence)) is expected


def ranked(*ranking):
    intents = [{"name": name, "confidence": confidence} for name, confidence in ranking]
    return {"text": "...", "intent": intents[0], "intent_ranking": intents}


@pytest.mark.parametrize("ranking, expected", [
    # « non attends », measured: the fallback first, the no second
    ([("nlu_fallback", 0.45), ("deny", 0.43), ("human_handoff_wait", 0.39)], False),
    # « nan attends »: "wait" read first, the no second at 0.24
    ([("human_handoff_wait", 0.61), ("deny", 0.24), ("inform", 0.04)], False),
    # a faint no far down is not an answer
    ([("bonus", 0.8), ("deny", 0.1), ("withdraw", 0.05)], None),
    ([("bonus", 0.5), ("withdraw", 0.2), ("greet", 0.1), ("deny", 0.3)], None),
    # a yes ranked above the no: not clear either way, asked again
    ([("nlu_fallback", 0.45), ("affirm", 0.34), ("deny", 0.3)], None),
    # a yes is never read from below another intent
    ([("nlu_fallback", 0.45), ("affirm", 0.44), ("register", 0.1)], None),
])
def test_a_no_is_read_from_the_ranking_a_yes_never(ranking, expected):
    assert clear_yes_or_no(ranked(*ranking)) is expected


def extract(ranking, requested_slot="bonus_cancel_confirmed"):
    import asyncio

    latest = ranked(*ranking)
    tracker = Tracker("conversation-1", {"requested_slot": requested_slot}, latest,
                      [{"event": "user", "text": "...", "parse_data": latest}], False, None,
                      {"name": "bonus_cancel_form"}, "action_listen")
    return asyncio.run(ValidateBonusCancelForm().extract_bonus_cancel_confirmed(
        CollectingDispatcher(), tracker, {}))


def test_the_form_reads_non_attends_as_its_answer():
    assert extract([("nlu_fallback", 0.45), ("deny", 0.43)]) == {"bonus_cancel_confirmed": False}


def test_the_form_reads_no_answer_before_its_question_is_asked():
    """« non je veux pas de ce bonus, annulez-le » opens the form: it is not the answer."""
    assert extract([("bonus_cancel", 0.7), ("deny", 0.25)], requested_slot=None) == {}


def test_another_question_is_not_an_answer():
    assert extract([("bonus", 0.9), ("withdraw", 0.05)]) == {}


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
