"""How the conversation itself is said in French: what the bot says around the answers
(several questions, a follow-up without a topic, self-help that did not work) and the
quick replies it offers. The sentences are in the catalogue (``wording.fr.yml``, sections
``conversation``, ``buttons``, ``topic_names``, ``aspect_names``); the answers' own are chosen
in answers.py (general) and account_answers.py (the player's account).
"""
from __future__ import annotations

from typing import Dict, List, Optional, Sequence

from casino_support.answers import aspect_button, complaint_button
from casino_support.catalogue import say
from casino_support.questions import Question

ANYTHING_ELSE = say("conversation.anything_else")
UNKNOWN_PLAYER = say("conversation.unknown_player")
FOLLOW_UP_WITHOUT_TOPIC = say("conversation.follow_up_without_topic")

HUMAN_BUTTON = {"title": say("buttons.human"), "payload": "/human_handoff"}
TICKET_BUTTON = {"title": say("buttons.ticket"), "payload": "/contact_support_ticket"}
# After a complaint: the same ticket, which the complaint makes a written complaint.
COMPLAINT_BUTTON = complaint_button()

TOPIC_BUTTONS: List[Dict[str, str]] = [
    aspect_button(say(f"buttons.topics.{topic}"), topic, aspect)
    for topic, aspect in (("withdraw", "how"), ("deposit", "how"), ("verify_account", "how"),
                          ("bonus", "overview"))
]


def topic_name(topic: str) -> str:
    """What a topic is called (catalogue ``topic_names``); its own key when it has no name."""
    try:
        return say(f"topic_names.{topic}")
    except KeyError:
        return topic


def aspect_name(aspect: str) -> Optional[str]:
    """What an aspect is called (catalogue ``aspect_names``); None when it has no name."""
    try:
        return say(f"aspect_names.{aspect}") if aspect else None
    except KeyError:
        return None


def question_title(question: Question) -> str:
    """« Retrait (délais) », « Licence »: what a question is about, in a few words."""
    topic = topic_name(question.topic)
    aspect = aspect_name(question.aspect)
    return say("conversation.question_title", topic=topic, aspect=aspect) if aspect else topic


def question_heading(question: Question) -> str:
    """What heads one answer among several in one reply."""
    return say("conversation.question_heading", title=question_title(question))


def questions_left(questions: Sequence[Question]) -> str:
    titles = ", ".join(question_title(question) for question in questions)
    return say("conversation.questions_left", titles=titles)


def question_buttons(questions: Sequence[Question]) -> List[Dict[str, str]]:
    return [aspect_button(question_title(question), question.topic, question.aspect)
            for question in questions]


def _chat(chat_open: bool) -> str:
    return "chat_open" if chat_open else "chat_closed"


def self_help_failed(chat_open: bool) -> str:
    return say(f"conversation.self_help_failed.{_chat(chat_open)}")


def asked_again(chat_open: bool) -> str:
    """After the answer to a self-help question asked a second time."""
    return say(f"conversation.asked_again.{_chat(chat_open)}")


def person_buttons(chat_open: bool) -> List[Dict[str, str]]:
    return [HUMAN_BUTTON, TICKET_BUTTON] if chat_open else [TICKET_BUTTON]
