"""What every action needs: the clock, sending an answer, and what
the player is told when the support database (or anything else) fails.

The support database is reached only through ``in_support_database(work)``: ``work``
runs in a worker thread (the action server's event loop keeps serving the other
conversations) inside one transaction, and gives up after ``SUPPORT_DB_ACTION_TIMEOUT``
seconds (default 8). Whatever goes wrong there is ``SupportDatabaseUnavailable``.

Turning that into French is done here only: ``tell_database_down`` for an action that
goes on without the database (the general answer instead of the player's own), and the
``@answers_failures(...)`` decorator on an action's ``run``: the database down gives the
action's own message (``ACCOUNT_UNAVAILABLE`` or ``not_recorded(...)``, with a retry
button), any other error a French apology; both are logged, and the action server
answers 200, so the player is never left without a reply.
"""
from __future__ import annotations

import asyncio
import functools
import logging
import os
from datetime import datetime, timezone
from typing import Any, Callable, Dict, List, Optional, Sequence, Text, TypeVar

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from casino_support.answers import Answer
from casino_support.catalogue import say
from casino_support.config import SupportConfig, current_config
from casino_support.confirmations import UNCLEAR_ANSWER, clear_yes_or_no
from casino_support.database import SupportDatabaseUnavailable, session_scope
from casino_support.wording import ANYTHING_ELSE

logger = logging.getLogger(__name__)
T = TypeVar("T")


NOT_UNDERSTOOD = say("conversation.not_understood")


def now() -> datetime:
    return datetime.now(timezone.utc)


def config() -> SupportConfig:
    return current_config()


def send(dispatcher: CollectingDispatcher, answer: Answer) -> None:
    for index, message in enumerate(answer.messages):
        is_last = index == len(answer.messages) - 1
        if is_last and answer.buttons:
            dispatcher.utter_message(text=message, buttons=answer.buttons)
        else:
            dispatcher.utter_message(text=message)


def ask_anything_else(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    """'Autre chose ?' after an answer, unless the bot is in the middle of its own question."""
    if not tracker.active_loop_name:
        dispatcher.utter_message(text=ANYTHING_ELSE)


def metadata_of_latest_message(tracker: Tracker) -> Dict[Text, Any]:
    metadata = tracker.latest_message.get("metadata")
    return metadata if isinstance(metadata, dict) else {}


# --- the support database, and what the player hears when it fails -------------------------

DEFAULT_DATABASE_DEADLINE_SECONDS = 8.0
ACCOUNT_UNAVAILABLE = say("failures.account_unavailable")


def support_email() -> Text:
    """The support e-mail address of support.yml (what to do when the bot cannot help)."""
    try:
        return config().channels.get("email", {}).get("address") or say("failures.contact_form")
    except Exception:  # a broken support.yml must not hide the apology itself
        logger.exception("support.yml unreadable")
        return say("failures.contact_form_of_site")


def not_recorded(what: Text) -> Text:
    """``what`` (« votre ticket ») could not be saved: retry, or write to support."""
    return say("failures.not_recorded", what=what, contact=support_email())


def technical_error() -> Text:
    return say("failures.technical_error", contact=support_email())


def database_deadline_seconds() -> float:
    """Env ``SUPPORT_DB_ACTION_TIMEOUT`` (seconds), default 8."""
    try:
        value = float(os.environ.get("SUPPORT_DB_ACTION_TIMEOUT", ""))
    except ValueError:
        return DEFAULT_DATABASE_DEADLINE_SECONDS
    return value if value > 0 else DEFAULT_DATABASE_DEADLINE_SECONDS


async def in_support_database(work: Callable[[Any], T]) -> T:
    """``work(session)`` in a worker thread, in one transaction (committed when it returns).

    Raises ``SupportDatabaseUnavailable`` when the database fails or does not answer
    within the deadline (the thread is then abandoned; PostgreSQL's statement timeout
    ends it soon after). Business exceptions of ``work`` pass through unchanged.
    """
    def call() -> T:
        with session_scope() as session:
            return work(session)

    deadline = database_deadline_seconds()
    try:
        return await asyncio.wait_for(asyncio.to_thread(call), deadline)
    except asyncio.TimeoutError as error:
        raise SupportDatabaseUnavailable(
            f"support database gave no answer within {deadline:g} s") from error


def tell_database_down(dispatcher: CollectingDispatcher, text: Text,
                       error: Exception, buttons: Sequence[Dict[Text, Any]] = ()) -> None:
    """Log the failure (one line) and tell the player ``text``."""
    logger.warning("support database unavailable: %s", error)
    if buttons:
        dispatcher.utter_message(text=text, buttons=list(buttons))
    else:
        dispatcher.utter_message(text=text)


def answers_failures(when_database_down: Optional[Callable[[], Text]] = None,
                     buttons: Sequence[Dict[Text, Any]] = (),
                     events: Callable[[], List[Dict[Text, Any]]] = list):
    """Decorator for an action's ``run``: a failure becomes a French answer, not a 500.

    ``SupportDatabaseUnavailable`` → ``when_database_down()`` (default: the apology),
    with ``buttons`` (e.g. a retry); any other exception → ``technical_error()`` (logged with its traceback).
    What the action had already said stays; the run returns ``events()``.
    """
    def decorate(run):
        @functools.wraps(run)
        async def guarded(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                          domain: Dict[Text, Any]):
            try:
                return await run(self, dispatcher, tracker, domain)
            except SupportDatabaseUnavailable as error:
                tell_database_down(dispatcher, (when_database_down or technical_error)(), error,
                                   buttons)
            except Exception:
                logger.exception("action %s failed in conversation %s", self.name(),
                                 tracker.sender_id)
                dispatcher.utter_message(text=technical_error())
            return events()
        return guarded
    return decorate


def confirmation(value: Any, dispatcher: CollectingDispatcher, tracker: Tracker) -> Optional[bool]:
    """The answer to an irreversible change's question (a form's yes/no slot): only a clear
    yes or no counts (casino_support/confirmations.py); anything else is asked again."""
    if not isinstance(value, bool):
        return None
    answer = clear_yes_or_no(tracker.latest_message)
    if answer is None:
        dispatcher.utter_message(text=UNCLEAR_ANSWER)
    return answer
