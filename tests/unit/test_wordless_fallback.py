"""Messages without any word need a confident prediction, or they become nlu_fallback."""
import pytest
from rasa.shared.nlu.training_data.message import Message

from nlu_components.fallback import WordlessMessageFallbackClassifier, has_words


def classified(text: str, intent: str, confidence: float, second: float = 0.0) -> Message:
    message = Message(data={"text": text})
    message.set("intent", {"name": intent, "confidence": confidence})
    message.set("intent_ranking", [{"name": intent, "confidence": confidence},
                                   {"name": "greet", "confidence": second}])
    classifier = WordlessMessageFallbackClassifier(
        WordlessMessageFallbackClassifier.get_default_config()
        | {"threshold": 0.45, "ambiguity_threshold": 0.05, "wordless_threshold": 0.9})
    classifier.process([message])
    return message


@pytest.mark.parametrize("text", ["🎰🎰🎰", "????", "...", "مرحبا كيف حالك", "привет", "  ", "€"])
def test_a_wordless_message_needs_a_confident_prediction(text):
    assert not has_words(text)
    assert classified(text, "affirm", 0.65).get("intent")["name"] == "nlu_fallback"
    assert classified(text, "affirm", 0.95).get("intent")["name"] == "affirm"


@pytest.mark.parametrize("text", ["ok", "oui", "Ça marche", "100", "é"])
def test_a_message_with_words_keeps_rasas_threshold(text):
    assert has_words(text)
    assert classified(text, "affirm", 0.65).get("intent")["name"] == "affirm"
    assert classified(text, "affirm", 0.40).get("intent")["name"] == "nlu_fallback"


def test_ambiguity_still_gives_nlu_fallback():
    assert classified("oui", "affirm", 0.50, second=0.48).get("intent")["name"] == "nlu_fallback"
