"""What the player asked: a topic and an aspect, as the NLU understood them.

The topic is the intent (contract 2: ``withdraw``, ``bonus``...); the aspect is the
retrieval key the ResponseSelector chose (``withdraw/delay`` -> ``delay``). A follow-up
that names only an aspect (``follow_up/delay``: « ça prend combien de jours ? ») is
answered for the topic of the previous answer: ``resolve_follow_up`` says which aspect of
that topic it means. Nothing here reads the player's words: they were understood by the
NLU, which learnt them from data/.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Dict, Mapping, Optional, Sequence, Tuple, Union

# The ResponseSelector's keys for a message, best first (``withdraw/delay``...), or only its
# best one.
RetrievalKeys = Union[str, Sequence[str], None]

OVERVIEW = "overview"
HOW = "how"
FOLLOW_UP = "follow_up"
NOT_WORKING = "not_working"

# Each topic's aspects (data/nlu_*.yml trains them; answers.py answers each).
TOPIC_ASPECTS: Dict[str, Tuple[str, ...]] = {
    "withdraw": (OVERVIEW, HOW, "delay", "methods", "fees", "limits", "blocked", "cancel"),
    "deposit": (OVERVIEW, HOW, "methods", "delay", "fees", "limits"),
    "verify_account": (OVERVIEW, HOW, "documents", "where_to_send", "delay", "rejected"),
    "bonus": (OVERVIEW, "welcome", "wagering", "expiry", "free_spins", "cashback", "vip",
              "not_received"),
    "account_access": (OVERVIEW, "login", "password", "code", "locked", "close",
                       "change_details"),
    "register": (OVERVIEW, HOW, "confirmation_email", "second_account", "conditions"),
    "responsible_gambling": (OVERVIEW, "limits", "pause", "reality_check", "self_exclusion",
                             "come_back", "distress", "helpline"),
    "contact_support": (OVERVIEW, "channels", "hours", "email", "phone", "complaint"),
}

# Responsible-gambling aspects escalated with top priority (the others are self-service).
URGENT_ASPECTS = ("distress", "self_exclusion")

# The aspect a topic is answered with when the NLU gave none (a quick reply without one):
# the topic's general answer; for responsible gambling, the safe one (distress: the
# helpline and a person first).
DEFAULT_ASPECT: Dict[str, str] = {
    "withdraw": HOW, "deposit": HOW, "verify_account": HOW, "bonus": "",
    "account_access": "login", "register": HOW, "responsible_gambling": "distress",
    "contact_support": "channels",
}

# Topics answered from support.yml (and the account): a follow-up may refer to them.
ANSWERED_TOPICS = (
    "register", "deposit", "deposit_failed", "withdraw", "late_payment", "account_access",
    "verify_account", "bonus", "bonus_cancel", "contact_support", "operator_licence",
    "responsible_gambling",
)

# Self-help answers (checklists): asked again right after, they did not work.
SELF_HELP: Tuple[Tuple[str, str], ...] = (
    ("deposit_failed", ""), ("account_access", "login"), ("account_access", "password"),
    ("account_access", "code"), ("account_access", "locked"),
    ("register", "confirmation_email"), ("bonus", "not_received"),
)
# A follow-up on the duration (« pour combien de temps ? ») keeps these aspects.
_DURATION_ASPECTS = ("limits", "pause", "reality_check", "self_exclusion")
# « comment ça marche ? », « on y gagne quoi ? », « je le règle où ? » after these stays
# on them (after the welcome offer, « comment ça marche ? » asks how the wagering works).
_KEPT_BY_HOW = {"bonus": ("vip", "cashback", "free_spins"),
                "responsible_gambling": ("pause", "reality_check", "self_exclusion")}

# follow_up/<key> after an answer on a topic -> the topic's aspect it asks about.
# (topic, key) first, then (None, key) for every topic; None: the topic's default aspect.
_FOLLOW_UPS: Dict[Tuple[Optional[str], str], Optional[str]] = {
    ("bonus", "until_when"): "expiry",
    ("bonus", "delay"): "expiry",
    ("bonus", "why"): "wagering",
    ("bonus", "limits"): "wagering",
    ("bonus", "how"): "wagering",
    ("bonus_cancel", "how"): None,
    ("responsible_gambling", "until_when"): "come_back",
    ("responsible_gambling", "how"): "limits",
    ("verify_account", "where"): "where_to_send",
    ("verify_account", "how"): "where_to_send",
    ("verify_account", "why"): "rejected",
    ("verify_account", "document"): "documents",
    ("verify_account", "until_when"): "delay",
    ("withdraw", "why"): "blocked",
    ("withdraw", "method"): "methods",
    ("withdraw", "until_when"): "delay",
    ("withdraw", "where"): HOW,
    ("deposit", "method"): "methods",
    ("deposit", "until_when"): "delay",
    ("deposit", "where"): HOW,
    ("deposit_failed", "delay"): None,
    ("late_payment", "delay"): None,
    ("late_payment", "why"): None,
    ("register", "document"): None,
    ("register", "where"): HOW,
    ("account_access", "how"): "login",
    ("account_access", "until_when"): "password",
    ("account_access", "delay"): "password",
    ("contact_support", "until_when"): "hours",
    ("contact_support", "delay"): "channels",
    (None, "document"): "documents",
    (None, "method"): "methods",
    (None, "where"): HOW,
    (None, "until_when"): "delay",
}


@dataclass(frozen=True)
class Question:
    """One question of the player: a topic, its aspect, and the entities named with it."""

    topic: str
    aspect: str = ""
    payment_method: Optional[str] = None
    document_type: Optional[str] = None
    country: Optional[str] = None
    # A follow-up: the player's own facts were just given, the general answer completes them.
    follow_up: bool = False

    @property
    def is_overview(self) -> bool:
        return self.aspect == OVERVIEW

    def with_aspect(self, aspect: str) -> "Question":
        return replace(self, aspect=aspect)


def is_self_help(question: Question) -> bool:
    return (question.topic, question.aspect) in SELF_HELP


def _ranked(keys: RetrievalKeys) -> Tuple[str, ...]:
    if keys is None:
        return ()
    if isinstance(keys, str):
        return (keys,)
    return tuple(key for key in keys if isinstance(key, str))


def aspect_of(topic: str, keys: RetrievalKeys) -> str:
    """The aspect of ``topic`` in the ResponseSelector's keys (``withdraw/delay`` ->
    ``delay``): the best-ranked key that names an aspect this topic has.

    A key of another topic counts when this topic has the same aspect (the
    ResponseSelector chose ``deposit/delay`` for a message the intent classifier read as
    ``withdraw``); with none, the topic's default aspect.
    """
    aspects = TOPIC_ASPECTS.get(topic, ())
    for key in _ranked(keys):
        aspect = key.partition("/")[2]
        if aspect in aspects:
            return aspect
    return DEFAULT_ASPECT.get(topic, "")


@dataclass(frozen=True)
class SelectorKeys:
    """What the ResponseSelector chose for a message: its keys, best first, and the
    confidence of the best."""

    keys: Tuple[str, ...] = ()
    confidence: float = 0.0


def selector_keys(parse: Mapping[str, Any]) -> SelectorKeys:
    """The ResponseSelector's keys in a parse as Rasa gives it (``response_selector``)."""
    selector = (parse.get("response_selector") or {}).get("default") or {}
    response = selector.get("response") or {}
    ranking = [item.get("intent_response_key") for item in selector.get("ranking") or []]
    keys = (key for key in [response.get("intent_response_key"), *ranking]
            if isinstance(key, str))
    confidence = response.get("confidence")
    return SelectorKeys(tuple(dict.fromkeys(keys)),
                        float(confidence) if isinstance(confidence, (int, float)) else 0.0)


# The ResponseSelector's best key counts against the intent classifier's reading from this
# confidence on (its confidences spread over some 70 keys: 0.5 is a clear choice).
CONFIDENT_KEY = 0.5


def reading(intent: str, best_key: Optional[str], key_confidence: float,
            previous: Optional["Question"]) -> str:
    """What to answer the message as: the intent, unless the two classifiers disagree
    between a topic and a follow-up and the ResponseSelector is sure of its key.

    « et il faut quel âge minimum ? » read as a follow-up but keyed ``register/conditions``
    is a registration question; « normalement par virement c'est combien de temps ? »
    read as a deposit question but keyed ``follow_up/delay`` after a late withdrawal is a
    follow-up of it. Other intents (out of scope, greetings...) are never overridden:
    the ResponseSelector never saw them and is often sure of nonsense for them.
    """
    if not best_key or key_confidence < CONFIDENT_KEY:
        return intent
    topic = best_key.partition("/")[0]
    if intent == FOLLOW_UP and topic in TOPIC_ASPECTS:
        return topic
    if (topic == FOLLOW_UP and intent in TOPIC_ASPECTS and previous is not None
            and previous.topic != intent):
        return FOLLOW_UP
    return intent


def follow_up_question(previous: Optional[Question], keys: RetrievalKeys) -> Optional[Question]:
    """The question a follow-up (intent ``follow_up``) asks after ``previous``, from the
    ResponseSelector's keys best first: the first that is a ``follow_up/<key>``, or an
    aspect of the current topic itself (« et le code de vérification ? » after an answer
    on passwords: ``account_access/code``). None with no previous topic."""
    if previous is None:
        return None
    for key in _ranked(keys):
        topic, _, aspect = key.partition("/")
        if topic == FOLLOW_UP:
            return resolve_follow_up(previous.topic, aspect, previous.aspect)
        if topic == previous.topic and aspect in TOPIC_ASPECTS.get(topic, ()):
            return Question(topic, aspect, follow_up=True)
    return resolve_follow_up(previous.topic, HOW, previous.aspect)


def resolve_follow_up(previous_topic: Optional[str], key: str,
                      previous_aspect: Optional[str] = None) -> Optional[Question]:
    """The question a ``follow_up/<key>`` asks after an answer on ``previous_topic``
    (and ``previous_aspect``).

    None when there is no previous topic to refer to. ``not_working`` stays as such: the
    caller offers a human rather than the same self-help again.
    """
    if not previous_topic or previous_topic not in ANSWERED_TOPICS:
        return None
    if key == NOT_WORKING:
        return Question(previous_topic, NOT_WORKING, follow_up=True)
    if previous_topic == "responsible_gambling" and key == "delay":
        return Question(previous_topic, previous_aspect if previous_aspect in _DURATION_ASPECTS
                        else "self_exclusion", follow_up=True)
    aspects = TOPIC_ASPECTS.get(previous_topic, ())
    kept = _KEPT_BY_HOW.get(previous_topic, ())
    if key in (HOW, "why", "where") and previous_aspect and previous_aspect in kept:
        return Question(previous_topic, previous_aspect, follow_up=True)
    if (previous_topic, key) in _FOLLOW_UPS:
        aspect = _FOLLOW_UPS[(previous_topic, key)]
    elif key in aspects:
        aspect = key
    else:
        aspect = _FOLLOW_UPS.get((None, key))
    if aspect not in aspects:
        aspect = DEFAULT_ASPECT.get(previous_topic, "")
    return Question(previous_topic, aspect or "", follow_up=True)
