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
from typing import Any, Dict, List, Optional, Tuple

from casino_support.questions import selector_keys

logger = logging.getLogger(__name__)

# Intents that ask something the answer actions answer (topics and follow-ups).
QUESTION_INTENTS = frozenset({
    "register", "deposit", "deposit_failed", "withdraw", "late_payment", "account_access",
    "verify_account", "bonus", "contact_support", "operator_licence",
    "responsible_gambling", "follow_up",
})
MIN_CONFIDENCE = 0.5
MAX_PARTS = 6
# Two subjects joined by « et » are two questions only when the NLU is sure of both, on
# two different topics.
SECOND_SUBJECT_CONFIDENCE = 0.8
MAX_SECOND_SUBJECTS = 2
MAX_TWO_SUBJECTS_LENGTH = 300
# The ResponseSelector's best keys passed on for each question (actions/answering.py picks
# the best one that fits the topic).
KEYS_KEPT = 5

# Where a question ends: a question mark, a semicolon, a new line. A sentence ending in a
# full stop is context for the question after it (« Je viens de m'inscrire. Je fais
# comment ? »), not a question of its own.
QUESTION_END = re.compile(r"((?:[?;]+|\n)+)")
# Words that open a question (« pis », « y'a-tu »: Québec).
QUESTION_WORD = (
    r"(?:quel(?:le)?s?|comment|combien|cmb|pourquoi|pk|pq|o[uù]\b|quand|qd|est[- ]ce|"
    r"c'?est|c\s+koi|y'?a|y\s+a|il\s+y\s+a|vous|je\s+peux|j'?peux|puis[- ]je|peut[- ]on|"
    r"on\s+peut|faut[- ]il|qu'?est)\b")
# A comma, « et », « puis » or « aussi » followed by a word that opens a question.
QUESTION_START = re.compile(
    r"(?:,\s*(?:et\s+|puis\s+|pis\s+|aussi\s+)?|\s+(?:et|puis|pis|aussi)\s+)"
    rf"(?={QUESTION_WORD})", re.IGNORECASE)
ASKS = re.compile(rf"\b{QUESTION_WORD}", re.IGNORECASE)
# « c'est quoi le bonus de bienvenue et le dépôt minimum »: a second subject after « et »
# may be a second question; the NLU decides (``with_questions``).
SECOND_SUBJECT = re.compile(r"\s+et\s+(?=(?:le|la|les|l'|du|des)\b)", re.IGNORECASE)
WORD = re.compile(r"[^\W\d_]{2,}")


def split_questions(text: str) -> List[str]:
    """The parts of ``text`` that may each be a question (one part: nothing to split).

    A part that asks nothing (no question mark, no question word) is context for the
    question next to it, not a question of its own: « je veux déposer, c'est quoi les
    options ? » is one question, and so is « comment je change mon e-mail ? j'utilise plus
    l'ancien ».
    """
    if not text or text.startswith("/") or not text[0].isprintable():
        return [text]
    pieces = QUESTION_END.split(text)
    parts: List[Tuple[str, bool]] = []  # (part, whether it asks something)
    for index in range(0, len(pieces), 2):
        ended_by_question_mark = "?" in (pieces[index + 1] if index + 1 < len(pieces) else "")
        sentence = [part.strip(" ,") for part in QUESTION_START.split(pieces[index])]
        for number, part in enumerate(sentence):
            if len(WORD.findall(part)) < 2:
                continue
            last = number == len(sentence) - 1
            asks = (number > 0 or (last and ended_by_question_mark)
                    or ASKS.search(part) is not None)
            parts.append((part, asks))
    questions = _with_context(parts)
    return questions if 1 < len(questions) <= MAX_PARTS else [text]


def _with_context(parts: List[Tuple[str, bool]]) -> List[str]:
    """The parts that ask something, each with the context around it: what comes before
    the first question goes with it, what follows a question goes with that question."""
    questions: List[str] = []
    context: List[str] = []
    for part, asks in parts:
        if asks:
            questions.append(". ".join([*context, part]))
            context = []
        elif questions:
            questions[-1] = f"{questions[-1]}. {part}"
        else:
            context.append(part)
    return questions


def second_subjects(text: str) -> List[List[str]]:
    """Ways to read ``text`` as two questions joined by « et » and a second subject."""
    candidates = []
    for match in SECOND_SUBJECT.finditer(text):
        left, right = text[:match.start()].strip(" ,"), text[match.end():].strip(" ,?")
        if len(WORD.findall(left)) >= 2 and len(WORD.findall(right)) >= 2:
            candidates.append([left, right])
    return candidates[:MAX_SECOND_SUBJECTS]


def _question(parse: Dict[str, Any], min_confidence: float = MIN_CONFIDENCE
              ) -> Optional[Dict[str, Any]]:
    intent = parse.get("intent") or {}
    name, confidence = intent.get("name"), intent.get("confidence") or 0.0
    if name not in QUESTION_INTENTS or confidence < min_confidence:
        return None
    selector = selector_keys(parse)
    entities = [{"entity": e.get("entity"), "value": e.get("value")}
                for e in parse.get("entities") or []
                if isinstance(e.get("value"), str)]
    return {"intent": name, "key": selector.keys[0] if selector.keys else None,
            "keys": list(selector.keys[:KEYS_KEPT]), "key_confidence": selector.confidence,
            "entities": entities}


async def _questions(agent: Any, parts: List[str], min_confidence: float
                     ) -> List[Dict[str, Any]]:
    parses = [await agent.parse_message(part) for part in parts]
    return [question for question in (_question(parse, min_confidence) for parse in parses)
            if question is not None]


async def with_questions(agent: Any, text: str, metadata: Dict[str, Any]) -> Dict[str, Any]:
    """``metadata`` plus ``questions`` when ``text`` holds several questions."""
    if agent is None:
        return metadata
    parts = split_questions(text)
    try:
        if len(parts) > 1:
            questions = await _questions(agent, parts, MIN_CONFIDENCE)
        else:
            questions = await _two_subjects(agent, text)
    except Exception:  # the whole message still goes to Rasa as usual
        logger.exception("several questions: a part could not be parsed")
        return metadata
    if len(questions) < 2:
        return metadata
    return {**metadata, "questions": questions}


async def _two_subjects(agent: Any, text: str) -> List[Dict[str, Any]]:
    """The two questions of « X et le Y », when the NLU reads two different topics."""
    if len(text) > MAX_TWO_SUBJECTS_LENGTH:
        return []
    for halves in second_subjects(text):
        questions = await _questions(agent, halves, SECOND_SUBJECT_CONFIDENCE)
        topics = {question["intent"] for question in questions}
        if len(questions) == 2 and len(topics) == 2 and "follow_up" not in topics:
            return questions
    return []
