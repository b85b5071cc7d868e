"""Rasa's FallbackClassifier, stricter with messages that have no word in them.

A message without a single Latin letter or digit ("🎰🎰🎰", "????", "...", a line of
Arabic or Cyrillic) gives the featurizers almost nothing: the classifier then answers
with what it learnt for the shortest examples, often ``affirm`` with a confidence around
0.65. Inside a confirmation ("Voulez-vous vraiment annuler votre bonus ?") that would be
a "oui" the player never wrote. Such messages must therefore reach
``wordless_threshold`` (0.9 by default) to keep their intent; below it they become
``nlu_fallback``, like any message under ``threshold``.
"""
from __future__ import annotations

import re
from typing import Any, Dict, Text, Tuple

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.fallback_classifier import FallbackClassifier
from rasa.shared.nlu.constants import INTENT, PREDICTED_CONFIDENCE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

WORDLESS_THRESHOLD_KEY = "wordless_threshold"
# A letter of French (or any Latin-script) text, or a digit.
LATIN_LETTER_OR_DIGIT = re.compile(r"[0-9A-Za-z\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u024F]")


def has_words(text: Any) -> bool:
    """True when ``text`` holds at least one Latin letter or digit."""
    return isinstance(text, str) and LATIN_LETTER_OR_DIGIT.search(text) is not None


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class WordlessMessageFallbackClassifier(FallbackClassifier):
    """``nlu_fallback`` below ``threshold``, or below ``wordless_threshold`` for a message
    with no Latin letter or digit; ambiguity handled as Rasa's FallbackClassifier does."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {**FallbackClassifier.get_default_config(), WORDLESS_THRESHOLD_KEY: 0.9}

    def _nlu_confidence_below_threshold(self, message: Message) -> Tuple[bool, float]:
        below, confidence = super()._nlu_confidence_below_threshold(message)
        if below or has_words(message.get(TEXT)):
            return below, confidence
        intent = message.get(INTENT) or {}
        confidence = intent.get(PREDICTED_CONFIDENCE_KEY) or 0.0
        return confidence < self.component_config[WORDLESS_THRESHOLD_KEY], confidence
