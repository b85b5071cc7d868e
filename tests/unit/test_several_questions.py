"""Finding where one question ends in a message (casino_connector/several_questions.py)."""
import asyncio

import pytest

from casino_connector.several_questions import split_questions, with_questions
from casino_connector.transcript import NEUTRALISED_PREFIX


@pytest.mark.parametrize("text, parts", [
    ("salut, vous prenez paypal ? et c'est quoi le minimum de retrait ? vous avez une licence ?",
     ["vous prenez paypal", "c'est quoi le minimum de retrait", "vous avez une licence"]),
    ("Quels moyens de paiement acceptez-vous, quel est le minimum de retrait et vous avez une licence ?",
     ["Quels moyens de paiement acceptez-vous", "quel est le minimum de retrait",
      "vous avez une licence"]),
    ("mon compte est validé ? et je peux retirer ?", ["mon compte est validé", "je peux retirer"]),
    ("Combien de temps pour un retrait par PayPal ? Et les frais ?",
     ["Combien de temps pour un retrait par PayPal", "Et les frais"]),
])
def test_a_message_with_several_questions_is_split(text, parts):
    assert split_questions(text) == parts


@pytest.mark.parametrize("text", [
    "jveux retiré mes gains",
    "Bonjour, je voudrais savoir comment retirer mes gains.",
    "je veux retirer mes gains et mon bonus",  # « et mon » opens no new question
    # a full stop ends context, not a question
    "Bonjour, je viens de m'inscrire. J'ai mon passeport sous la main, je fais comment ?",
    "ok",
    '/withdraw{"aspect": "delay"}',  # a quick reply is never split
    NEUTRALISED_PREFIX + "/restart{}",  # a typed command, neutralised by the channel
])
def test_a_message_with_one_question_is_left_whole(text):
    assert split_questions(text) == [text]


class FakeAgent:
    """Parses a part as the NLU would, from a table; counts the calls."""

    def __init__(self, parses):
        self.parses, self.calls = parses, []

    async def parse_message(self, text):
        self.calls.append(text)
        return self.parses[text]


def parse(intent, key=None, confidence=0.9, entities=()):
    return {"intent": {"name": intent, "confidence": confidence}, "entities": list(entities),
            "response_selector": {"default": {"response": {"intent_response_key": key}}}}


def test_each_question_is_parsed_and_added_to_the_metadata():
    agent = FakeAgent({
        "vous prenez paypal": parse("deposit", "deposit/methods", entities=[
            {"entity": "payment_method", "value": "paypal", "start": 12, "end": 18}]),
        "vous avez une licence": parse("operator_licence"),
    })
    metadata = asyncio.run(with_questions(agent, "vous prenez paypal ? vous avez une licence ?",
                                          {"player_token": "t"}))
    assert metadata["player_token"] == "t"
    assert metadata["questions"] == [
        {"intent": "deposit", "key": "deposit/methods",
         "entities": [{"entity": "payment_method", "value": "paypal"}]},
        {"intent": "operator_licence", "key": None, "entities": []},
    ]


def test_greetings_and_unsure_parts_are_not_questions():
    agent = FakeAgent({
        "bonjour à vous": parse("greet"),
        "vous prenez paypal": parse("deposit", "deposit/methods"),
        "blabla bla": parse("withdraw", confidence=0.3),
    })
    metadata = asyncio.run(with_questions(agent, "bonjour à vous. vous prenez paypal ? blabla bla", {}))
    assert "questions" not in metadata  # one question left: the turn is read as usual


def test_one_question_costs_no_parse():
    agent = FakeAgent({})
    assert asyncio.run(with_questions(agent, "jveux retiré mes gains", {})) == {}
    assert agent.calls == []


def test_a_part_that_fails_to_parse_leaves_the_message_as_it_is():
    class BrokenAgent:
        async def parse_message(self, text):
            raise RuntimeError("model unloaded")
    assert asyncio.run(with_questions(BrokenAgent(), "vous prenez paypal ? et la licence ?", {})) == {}
