"""When a player's yes or no to an irreversible change counts.

Cancelling a bonus cannot be undone. The answer to "Confirmez-vous l'annulation de votre
bonus ?" therefore counts only when it is clear: a quick-reply button (Rasa gives its
payload a confidence of 1.0) or a typed answer the NLU is sure of ("oui", "non merci").
Anything less (keyboard mashing read as "affirm" at 0.48, say) and the question is asked
again.
"""
from __future__ import annotations

from typing import Any, Mapping, Optional

CLEAR_ANSWER_CONFIDENCE = 0.8
UNCLEAR_ANSWER = ("Je ne suis pas sûr d'avoir compris votre réponse. Répondez « oui » ou "
                  "« non », ou utilisez les boutons.")


def clear_yes_or_no(latest_message: Optional[Mapping[str, Any]]) -> Optional[bool]:
    """True for a clear yes, False for a clear no, None when the answer is not clear."""
    intent = (latest_message or {}).get("intent") or {}
    confidence = intent.get("confidence")
    if not isinstance(confidence, (int, float)) or confidence < CLEAR_ANSWER_CONFIDENCE:
        return None
    return {"affirm": True, "deny": False}.get(intent.get("name"))
