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
    ("Allo! C'est quoi le max par semaine, pis y'a-tu des frais?",  # Québec
     ["Allo! C'est quoi le max par semaine", "y'a-tu des frais"]),
    # what follows a question without asking anything is its context
    ("comment je change mon e-mail ? j'utilise plus l'ancien\nvous prenez paypal ?",
     ["comment je change mon e-mail. j'utilise plus l'ancien", "vous prenez paypal"]),
])
def test_a_message_with_several_questions_is_split(text, parts):
    assert split_questions(text) == parts


@pytest.mark.parametrize("text", [
    "jveux retiré mes gains",
    "Bonjour, je voudrais savoir comment retirer mes gains.",
    "je veux retirer mes gains et mon bonus",  # « et mon » opens no new question
    "comment je change mon e-mail ? j'utilise plus l'ancienne adresse",  # context after it
    "Allo! Je veux déposer des piasses, c'est quoi les options?",  # context before it
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
        {"intent": "deposit", "key": "deposit/methods", "keys": ["deposit/methods"],
         "key_confidence": 0.0, "entities": [{"entity": "payment_method", "value": "paypal"}]},
        {"intent": "operator_licence", "key": None, "keys": [], "key_confidence": 0.0,
         "entities": []},
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


def test_two_subjects_joined_by_et_are_two_questions_when_the_nlu_reads_two_topics():
    agent = FakeAgent({
        "c'est quoi le bonus de bienvenue": parse("bonus", "bonus/welcome"),
        "le dépôt minimum": parse("deposit", "deposit/limits"),
    })
    metadata = asyncio.run(with_questions(
        agent, "c'est quoi le bonus de bienvenue et le dépôt minimum ?", {}))
    assert [q["intent"] for q in metadata["questions"]] == ["bonus", "deposit"]


@pytest.mark.parametrize("left, right", [
    (parse("withdraw", "withdraw/delay"), parse("withdraw", "withdraw/fees")),  # one topic
    (parse("withdraw", "withdraw/delay"), parse("deposit", confidence=0.6)),  # unsure
    (parse("withdraw", "withdraw/delay"), parse("follow_up", "follow_up/fees")),
])
def test_two_subjects_stay_one_question_unless_the_nlu_is_sure_of_two_topics(left, right):
    agent = FakeAgent({"combien de temps pour retirer mes gains": left, "les frais": right})
    text = "combien de temps pour retirer mes gains et les frais"
    assert asyncio.run(with_questions(agent, text, {})) == {}
    assert len(agent.calls) == 2


def test_the_selectors_best_keys_are_passed_on():
    ranked = parse("follow_up", "verify_account/overview")
    ranked["response_selector"]["default"]["ranking"] = [
        {"intent_response_key": "verify_account/overview"},
        {"intent_response_key": "account_access/code"}]
    agent = FakeAgent({"et le code": ranked, "vous prenez paypal": parse("deposit")})
    metadata = asyncio.run(with_questions(agent, "vous prenez paypal ? et le code ?", {}))
    assert metadata["questions"][1]["keys"] == ["verify_account/overview", "account_access/code"]
