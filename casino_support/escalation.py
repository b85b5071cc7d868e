"""Escalation rules: why a conversation goes to a human, with which priority and team.

The table of ``docs/escalation.md``:

| reason                 | priority | category               | team                   | inside chat hours | outside      |
|------------------------|----------|------------------------|------------------------|-------------------|--------------|
| ``human_request``      | normal   | ``general``            | ``support``            | queue             | ticket       |
| ``not_understood``     | normal   | ``general``            | ``support``            | offer a human     | offer ticket |
| ``late_payment``       | high     | ``payments``           | ``payments``           | queue             | ticket       |
| ``responsible_gambling`` | urgent | ``responsible_gambling`` | ``responsible_gambling`` | queue (first) | ticket   |
| ``angry_player``       | high     | ``complaints``         | ``support``            | offer a human     | offer ticket |

A ticket's category is the team that can act on it (``ticket_category``): the reason's
own category for a late payment, responsible gambling or a complaint (an angry player: the
ticket is a written complaint, with its clock, casino_support.complaints); otherwise what the NLU read in the
player's own description of the problem (its intent: a withdrawal or a payment not
received: ``payments``; documents, verification, login: ``accounts``; a complaint:
``complaints``), then the topic the bot was answering, else ``general``.

A responsible-gambling escalation always gives the helpline (``helpline=True``), at any
hour. The queue is ordered by ``PRIORITY_ORDER`` (urgent, high, normal), then by
waiting time. ``chat_open`` says whether live chat with agents is open (support.yml
``hours`` and ``holidays``).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Dict, Optional

from .clock import resolve_now
from .config import SupportConfig, current_config
from .models import PRIORITIES
from .support_hours import chat_hours

PRIORITY_ORDER = PRIORITIES  # ("urgent", "high", "normal"): most urgent first

REASON_HUMAN_REQUEST = "human_request"
REASON_NOT_UNDERSTOOD = "not_understood"
REASON_LATE_PAYMENT = "late_payment"
REASON_RESPONSIBLE_GAMBLING = "responsible_gambling"
REASON_ANGRY_PLAYER = "angry_player"

# What to do with the escalation (Escalation.inside_hours / .outside_hours).
QUEUE = "queue"  # join the handoff queue now
OFFER_HUMAN = "offer_human"  # propose a human; queue if the player accepts
TICKET = "ticket"  # create a ticket (asking only for what is missing)
OFFER_TICKET = "offer_ticket"  # propose a ticket; create it if the player accepts


class UnknownEscalationReason(ValueError):
    """No escalation rule for this reason."""

    def __init__(self, reason):
        super().__init__(f"unknown escalation reason: {reason!r} "
                         f"(known: {', '.join(ESCALATIONS)})")
        self.reason = reason


@dataclass(frozen=True)
class Escalation:
    reason: str  # REASON_* value
    priority: str  # "urgent" / "high" / "normal"
    category: str  # ticket category
    team: str  # "support" / "payments" / "responsible_gambling"
    inside_hours: str = QUEUE  # QUEUE or OFFER_HUMAN
    outside_hours: str = TICKET  # TICKET or OFFER_TICKET
    helpline: bool = False  # always give the responsible-gambling helpline


ESCALATIONS: Dict[str, Escalation] = {
    REASON_HUMAN_REQUEST: Escalation(REASON_HUMAN_REQUEST, "normal", "general", "support",
                                     QUEUE, TICKET),
    REASON_NOT_UNDERSTOOD: Escalation(REASON_NOT_UNDERSTOOD, "normal", "general", "support",
                                      OFFER_HUMAN, OFFER_TICKET),
    REASON_LATE_PAYMENT: Escalation(REASON_LATE_PAYMENT, "high", "payments", "payments",
                                    QUEUE, TICKET),
    REASON_RESPONSIBLE_GAMBLING: Escalation(REASON_RESPONSIBLE_GAMBLING, "urgent",
                                            "responsible_gambling", "responsible_gambling",
                                            QUEUE, TICKET, helpline=True),
    REASON_ANGRY_PLAYER: Escalation(REASON_ANGRY_PLAYER, "high", "complaints", "support",
                                    OFFER_HUMAN, OFFER_TICKET),
}
REASONS = tuple(ESCALATIONS)


def escalation_for(reason: str) -> Escalation:
    """The rule for ``reason``; raises ``UnknownEscalationReason`` (a ValueError)."""
    try:
        return ESCALATIONS[reason]
    except (KeyError, TypeError):
        raise UnknownEscalationReason(reason) from None


def check_priority(priority) -> str:
    if priority not in PRIORITY_ORDER:
        raise ValueError(f"priority must be one of {', '.join(PRIORITY_ORDER)}: "
                         f"{priority!r}")
    return priority


def priority_rank(priority: str) -> int:
    """0 for urgent, 1 for high, 2 for normal (sort key); ValueError otherwise."""
    return PRIORITY_ORDER.index(check_priority(priority))


def higher_priority(first: str, second: str) -> str:
    """The more urgent of two priorities."""
    return first if priority_rank(first) <= priority_rank(second) else second


def chat_open(now: Optional[datetime] = None,
              config: Optional[SupportConfig] = None) -> bool:
    """True when live chat with agents is open at ``now`` (support.yml hours, holidays)."""
    return chat_hours(config or current_config()).is_open(resolve_now(now))


# --- ticket categories ------------------------------------------------------------------

CATEGORY_PAYMENTS = "payments"
CATEGORY_RESPONSIBLE_GAMBLING = "responsible_gambling"
CATEGORY_COMPLAINTS = "complaints"
CATEGORY_ACCOUNTS = "accounts"
CATEGORY_GENERAL = "general"
TICKET_CATEGORIES = (CATEGORY_PAYMENTS, CATEGORY_RESPONSIBLE_GAMBLING, CATEGORY_COMPLAINTS,
                     CATEGORY_ACCOUNTS, CATEGORY_GENERAL)

# The topic the bot was answering when the player asked for a human (slot ``topic``), or the
# intent the NLU read in the player's description of the problem.
TOPIC_CATEGORIES = {
    "withdraw": CATEGORY_PAYMENTS, "deposit": CATEGORY_PAYMENTS,
    "deposit_failed": CATEGORY_PAYMENTS, "late_payment": CATEGORY_PAYMENTS,
    "verify_account": CATEGORY_ACCOUNTS, "account_access": CATEGORY_ACCOUNTS,
    "register": CATEGORY_ACCOUNTS,
    "responsible_gambling": CATEGORY_RESPONSIBLE_GAMBLING,
    "complain": CATEGORY_COMPLAINTS,
}


def is_complaint(reason: Optional[str], topic: Optional[str], aspect: Optional[str]) -> bool:
    """A ticket left after a complaint (« je veux porter réclamation »: the intent
    ``complain``, or ``contact_support`` asked about its ``complaint`` aspect) is a written
    complaint, whatever it is about."""
    return (reason == REASON_ANGRY_PLAYER or topic == "complain"
            or (topic == "contact_support" and aspect == "complaint"))


def ticket_category(reason: Optional[str], description_intent: Optional[str] = None,
                    topic: Optional[str] = None, complaint: bool = False) -> str:
    """The category of a ticket opened for ``reason`` (an escalation reason), from the
    intent the NLU read in the player's own description of the problem and the ``topic``
    the bot was answering: ``payments``, ``responsible_gambling``, ``complaints``,
    ``accounts`` or ``general``."""
    rule = ESCALATIONS.get(reason) if isinstance(reason, str) else None
    if rule is not None and rule.category in (CATEGORY_PAYMENTS, CATEGORY_RESPONSIBLE_GAMBLING,
                                              CATEGORY_COMPLAINTS):
        return rule.category
    if complaint:
        return CATEGORY_COMPLAINTS
    if isinstance(description_intent, str) and description_intent in TOPIC_CATEGORIES:
        return TOPIC_CATEGORIES[description_intent]
    if isinstance(topic, str) and topic in TOPIC_CATEGORIES:
        return TOPIC_CATEGORIES[topic]
    return CATEGORY_GENERAL
