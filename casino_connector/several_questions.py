"""Several questions in one message: split it into questions, let the NLU read each.

« salut, vous prenez paypal ? et c'est quoi le minimum de retrait ? » is one message and
one turn for Rasa, which reads one intent. Before the message reaches Rasa, the channels
cut it where a new question starts (a question mark, a new line, or a comma or « et »
followed by a question word), and when that gives several questions, parse each
with the model already loaded (``Agent.parse_message``: the same NLU pipeline, in this
process). The topic, retrieval key and entities of each go to the actions in the
message's metadata, ``questions``; the actions answer each in order
(actions/answering.py). What each question asks is learnt by the NLU; this module only
finds where one ends.

A message with one question costs one regular expression here, nothing more.
"""
from __future__ import annotations

import logging
import re
from typing import Any, Dict, List, Optional

logger = logging.getLogger(__name__)

# Intents that ask something the answer actions answer (topics and follow-ups).
QUESTION_INTENTS = frozenset({
    "register", "deposit", "deposit_failed", "withdraw", "late_payment", "account_access",
    "verify_account", "bonus", "contact_support", "operator_licence",
    "responsible_gambling", "follow_up",
})
MIN_CONFIDENCE = 0.5
MAX_PARTS = 6

# Where a question ends: a question mark, a semicolon, a new line. A sentence ending in a
# full stop is context for the question after it (« Je viens de m'inscrire. Je fais
# comment ? »), not a question of its own.
QUESTION_END = re.compile(r"(?:[?;]+|\n)+")
# A comma, « et », « puis » or « aussi » followed by a word that opens a question.
QUESTION_START = re.compile(
    r"(?:,\s*(?:et\s+|puis\s+|aussi\s+)?|\s+(?:et|puis|aussi)\s+)"
    r"(?=(?:quel(?:le)?s?|comment|combien|cmb|pourquoi|pk|pq|o[uù]\b|quand|qd|est[- ]ce|"
    r"c'?est|c\s+koi|ya\b|y\s+a|il\s+y\s+a|vous|je\s+peux|j'?peux|puis[- ]je|peut[- ]on|"
    r"on\s+peut|faut[- ]il|qu'?est)\b)",
    re.IGNORECASE)
WORD = re.compile(r"[^\W\d_]{2,}")


def split_questions(text: str) -> List[str]:
    """The parts of ``text`` that may each be a question (one part: nothing to split)."""
    if not text or text.startswith("/") or not text[0].isprintable():
        return [text]
    parts: List[str] = []
    for sentence in QUESTION_END.split(text):
        for part in QUESTION_START.split(sentence):
            part = part.strip(" ,")
            if len(WORD.findall(part)) >= 2:
                parts.append(part)
    return parts if 1 < len(parts) <= MAX_PARTS else [text]


def _question(parse: Dict[str, Any]) -> Optional[Dict[str, Any]]:
    intent = parse.get("intent") or {}
    name, confidence = intent.get("name"), intent.get("confidence") or 0.0
    if name not in QUESTION_INTENTS or confidence < MIN_CONFIDENCE:
        return None
    selector = (parse.get("response_selector") or {}).get("default") or {}
    key = (selector.get("response") or {}).get("intent_response_key")
    entities = [{"entity": e.get("entity"), "value": e.get("value")}
                for e in parse.get("entities") or []
                if isinstance(e.get("value"), str)]
    return {"intent": name, "key": key, "entities": entities}


async def with_questions(agent: Any, text: str, metadata: Dict[str, Any]) -> Dict[str, Any]:
    """``metadata`` plus ``questions`` when ``text`` holds several questions."""
    parts = split_questions(text)
    if len(parts) < 2 or agent is None:
        return metadata
    try:
        parses = [await agent.parse_message(part) for part in parts]
    except Exception:  # the whole message still goes to Rasa as usual
        logger.exception("several questions: a part could not be parsed")
        return metadata
    questions = [question for question in map(_question, parses) if question is not None]
    if len(questions) < 2:
        return metadata
    return {**metadata, "questions": questions}
