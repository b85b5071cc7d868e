"""The training data is rich enough and the test data is kept apart from it."""
import re
import unicodedata
from collections import Counter
from pathlib import Path

import pytest
import yaml
from rasa.shared.nlu.training_data.loading import load_data
from rasa.shared.nlu.training_data.training_data import TrainingData

ROOT = Path(__file__).resolve().parents[2]
CONTRACT_INTENTS = {
    "greet", "goodbye", "thank", "affirm", "deny", "bot_challenge", "register", "deposit",
    "withdraw", "account_access", "verify_account", "bonus", "late_payment", "human_handoff",
    "contact_support", "responsible_gambling", "out_of_scope",
}
SMALL_TALK = {"greet", "goodbye", "thank", "affirm", "deny", "bot_challenge"}


def normalised(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(re.findall(r"\w+", text))


@pytest.fixture(scope="module")
def training():
    """Every NLU file of data/ (retrieval intents count for their topic: withdraw/delay)."""
    files = sorted(str(path) for path in (ROOT / "data").glob("nlu*.yml"))
    return TrainingData().merge(*[load_data(path) for path in files])


@pytest.fixture(scope="module")
def test_set():
    return load_data(str(ROOT / "tests" / "nlu" / "nlu_test_set.yml"))


@pytest.fixture(scope="module")
def aspect_test_set():
    """The aspects of each topic and the follow-ups (tests/nlu/aspect_test_set.yml)."""
    return load_data(str(ROOT / "tests" / "nlu" / "aspect_test_set.yml"))


@pytest.fixture(scope="module")
def independent_test_set():
    return load_data(str(ROOT / "tests" / "nlu" / "independent_test_set.yml"))


def story_user_texts():
    """The `user:` texts of the end-to-end test stories, entity markup removed."""
    from rasa.shared.nlu.training_data.entities_parser import replace_entities
    texts = []
    for name in ("test_stories.yml", "test_e2e_conversations.yml"):
        stories = yaml.safe_load((ROOT / "tests" / name).read_text())["stories"]
        texts += [replace_entities(step["user"].strip()) for story in stories
                  for step in story["steps"] if "user" in step]
    return texts


def test_every_contract_intent_is_in_the_domain_and_the_data(training):
    domain = yaml.safe_load((ROOT / "domain.yml").read_text())
    assert CONTRACT_INTENTS <= set(domain["intents"])
    assert set(domain["intents"]) == set(training.intents)


def test_enough_training_examples_per_intent(training):
    counts = Counter(example.get("intent") for example in training.training_examples)
    for intent in CONTRACT_INTENTS:
        needed = 15 if intent in SMALL_TALK else 40
        assert counts[intent] >= needed, f"{intent}: {counts[intent]} examples, {needed} needed"


def test_no_near_duplicate_training_examples(training):
    seen = Counter(normalised(example.get("text")) for example in training.training_examples)
    duplicates = [text for text, count in seen.items() if count > 1]
    assert not duplicates, duplicates[:10]


def test_test_set_covers_every_intent(training, test_set, aspect_test_set):
    counts = Counter(example.get("intent") for example in test_set.training_examples
                     + aspect_test_set.training_examples)
    for intent in training.intents:
        assert counts[intent] >= 10, f"{intent}: {counts[intent]} test examples"


def test_every_aspect_has_training_and_test_examples(training, aspect_test_set):
    trained = Counter(example.get_full_intent() for example in training.training_examples)
    tested = Counter(example.get_full_intent() for example in aspect_test_set.training_examples)
    keys = [key for key in trained if "/" in key]
    assert len(keys) > 60
    for key in keys:
        assert trained[key] >= 12, f"{key}: {trained[key]} training examples"
        assert tested[key] >= 5, f"{key}: {tested[key]} test examples"


def conversation_user_texts():
    texts = []
    for path in sorted((ROOT / "tests" / "conversations").glob("*.yml")):
        for conversation in yaml.safe_load(path.read_text())["conversations"]:
            texts += [turn["user"] for turn in conversation["turns"]]
    return texts


def test_no_test_utterance_is_in_the_training_data(training, test_set, independent_test_set,
                                                   aspect_test_set):
    trained = {normalised(example.get("text")) for example in training.training_examples}
    tested = [example.get("text") for example in test_set.training_examples
              + independent_test_set.training_examples + aspect_test_set.training_examples
              ] + story_user_texts() + conversation_user_texts()
    leaked = [text for text in tested if normalised(text) in trained]
    assert not leaked, leaked
