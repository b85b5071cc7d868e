"""What the tracker store saves: card numbers, IBANs and e-mail addresses masked.

The channels already mask card numbers before Rasa (``input_guard``); this is the last
line, for every channel (``rasa shell`` included) and for what the bot or a slot holds:
the text of user and bot messages, the parsed message (its text and entities) and slot
values are saved with ``casino_support.masking.mask``. The live turn is not changed (the
NLU and the actions of that turn saw what the player typed); the next turn reads the
masked conversation back.

The e-mail address a player gives for a ticket is kept apart, by conversation
(``casino_support.ticket_contacts``), before it is masked: ``action_create_ticket``
creates the ticket with it.
"""
from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any, Dict, FrozenSet, List, Tuple

from casino_support.config import current_config
from casino_support.masking import EMAIL, mask

logger = logging.getLogger(__name__)

EMAIL_SLOT = "email"


def _masked(value: Any) -> Any:
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, list):
        return [_masked(item) for item in value]
    if isinstance(value, dict):
        return {key: _masked(item) for key, item in value.items()}
    return value


@lru_cache(maxsize=1)
def operator_addresses() -> FrozenSet[str]:
    """The operator's own e-mail addresses (support.yml: the e-mail channel, the mail
    sender and reply-to): not personal data, kept in the bot's messages."""
    try:
        raw = current_config().raw
    except Exception:  # no configuration: mask everything
        return frozenset()
    values = [((raw.get("channels") or {}).get("email") or {}).get("address"),
              (raw.get("mail") or {}).get("from_address"), (raw.get("mail") or {}).get("reply_to")]
    found = set()
    for value in values:
        if isinstance(value, str):
            found.update(EMAIL.findall(value))
    return frozenset(address.lower() for address in found)


def masked_event_data(data: Dict[str, Any]) -> Tuple[Dict[str, Any], List[str]]:
    """``data`` (an event's ``as_dict()``) masked, and the raw values of the ``email``
    slot it set (to keep for a ticket)."""
    kind = data.get("event")
    emails: List[str] = []
    data = dict(data)
    if kind == "user" and isinstance(data.get("text"), str):
        data["text"] = mask(data["text"])
    if kind == "bot" and isinstance(data.get("text"), str):  # the support address stays
        data["text"] = mask(data["text"], keep_emails=operator_addresses())
    if kind == "user" and isinstance(data.get("parse_data"), dict):
        parsed = dict(data["parse_data"])
        if isinstance(parsed.get("text"), str):
            parsed["text"] = mask(parsed["text"])
        if isinstance(parsed.get("entities"), list):
            parsed["entities"] = [
                dict(entity, **{key: _masked(entity[key]) for key in ("value", "text")
                                if key in entity}) if isinstance(entity, dict) else entity
                for entity in parsed["entities"]]
        data["parse_data"] = parsed
    if kind == "slot":
        if data.get("name") == EMAIL_SLOT and isinstance(data.get("value"), str):
            emails.append(data["value"])
        data["value"] = _masked(data.get("value"))
    return data, emails


def remember_ticket_emails(conversation_id: str, emails: List[str]) -> None:
    """Keep the e-mail addresses of the ``email`` slot in the support database; a
    database that is down loses them (the bot then asks for the address again)."""
    if not emails:
        return
    from casino_support.database import SupportDatabaseUnavailable, get_database
    from casino_support.ticket_contacts import is_masked, remember

    try:
        with get_database().session_scope() as session:
            for email in emails:
                if not is_masked(email):
                    remember(session, conversation_id, email)
    except SupportDatabaseUnavailable as error:
        logger.warning("conversation %s: ticket e-mail not kept (%s)", conversation_id, error)
