"""Cuts very long messages, and drops markup, before the NLU reads them.

A 100 KB message would keep spaCy and the character n-gram featurizer busy for a
minute, holding the conversation and the server. Players never need more than a few
sentences: the NLU reads the first `max_characters` (the tracker keeps the whole text).
Control characters are replaced by spaces for the same reason.

HTML tags pasted or typed by a player (``<b>``, ``<script>``, ``<img src=x ...>``) are
not words of a question: their letters would only resemble real words to the character
n-grams (``script`` looks like ``inscrire``). The NLU reads the text without them; what is
between tags stays (``<b>mon retrait</b>`` is read as ``mon retrait``).
"""
from __future__ import annotations

import re
from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# An opening, closing or self-closing tag, a comment or a doctype: "<" then a letter, "/"
# or "!" (so "< 10 €" and "<3" are not tags), up to the next ">".
MARKUP_TAG = re.compile(r"<[/!]?[A-Za-z][^<>]{0,2000}>|<!--.*?-->", re.DOTALL)


def without_markup(text: Text) -> Text:
    """``text`` with its HTML tags replaced by spaces."""
    if "<" not in text:
        return text
    return MARKUP_TAG.sub(" ", text)


def limited_text(text: Text, max_characters: int) -> Text:
    """At most ``max_characters`` of ``text`` (cut at a space when one is near the end),
    then without control characters and markup."""
    if len(text) > max_characters:
        cut = text[:max_characters]
        space = cut.rfind(" ")
        text = cut[:space] if space > max_characters // 2 else cut
    return without_markup(CONTROL_CHARACTERS.sub(" ", text))


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER], is_trainable=False)
class MessageLengthLimiter(GraphComponent):
    """Keeps at most `max_characters` of a message's text, without markup or control
    characters, for the components after it."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"max_characters": 2000}

    def __init__(self, config: Dict[Text, Any]) -> None:
        self.max_characters = int(config["max_characters"])

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "MessageLengthLimiter":
        return cls(config)

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            if isinstance(text, str):
                limited = limited_text(text, self.max_characters)
                if limited != text:
                    message.set(TEXT, limited)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data
