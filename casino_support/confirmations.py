"""When a player's yes or no to an irreversible change counts.

Cancelling a bonus cannot be undone, and keeping it changes nothing. So the answer to
"Confirmez-vous l'annulation de votre bonus ?" is read asymmetrically:
- a yes counts only when it is clear: a quick-reply button (Rasa gives its payload a
  confidence of 1.0) or a typed answer the NLU is sure of ("oui", "ouais vas-y");
- a no counts as soon as the NLU reads one, even with something after it (« non attends »,
  « nan attends je réfléchis », « non merci je le garde »): deny first in the intent ranking,
  or among its first three at 0.2 or more with no yes ranked above it.
Anything else (keyboard mashing read as "affirm" at 0.48, another question) is not an
answer: the question is asked again, or the other question answered first.
"""
from __future__ import annotations

from typing import Any, Mapping, Optional

from casino_support.catalogue import say

CLEAR_ANSWER_CONFIDENCE = 0.8
NO_IN_RANKING_CONFIDENCE = 0.2
NO_WITHIN_FIRST = 3
UNCLEAR_ANSWER = say("conversation.unclear_answer")


def clear_yes_or_no(latest_message: Optional[Mapping[str, Any]]) -> Optional[bool]:
    """True for a clear yes, False for a no the NLU read, None when it is not an answer."""
    message = latest_message or {}
    ranking = [entry for entry in (message.get("intent_ranking") or [message.get("intent") or {}])
               if isinstance(entry, Mapping) and isinstance(entry.get("confidence"), (int, float))]
    if not ranking:
        return None
    first = ranking[0]
    if first.get("name") == "affirm":
        return True if first["confidence"] >= CLEAR_ANSWER_CONFIDENCE else None
    for entry in ranking[:NO_WITHIN_FIRST]:
        if entry.get("name") == "affirm":
            return None
        if entry.get("name") == "deny" and (entry is first or entry["confidence"] >= NO_IN_RANKING_CONFIDENCE):
            return False
    return None
