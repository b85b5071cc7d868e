"""Conversation ids issued and signed by the server (docs/escalation.md, socket.io).

A widget never chooses its conversation: the server issues the id (uuid4 hex) and a
``session_token = id + "." + HMAC-SHA256(secret, id)`` that the widget keeps to get the
same conversation back after a reload. Anything but a valid token gives a new
conversation.

Environment:

``SUPPORT_SESSION_SECRET``
    The HMAC secret. Unset: a demo secret with a warning (development only).
    With ``SUPPORT_ENV=production`` an unset, demo or short (< 32 characters) secret
    raises ``InsecureConfiguration`` (as ``casino_support.identity`` does).
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import re
import uuid
from typing import Any, Optional, Tuple

from casino_support.identity import configured_secret

logger = logging.getLogger(__name__)

DEMO_SESSION_SECRET = "casino-support-demo-session-secret-NOT-FOR-PRODUCTION"
CONVERSATION_ID_PATTERN = re.compile(r"^[0-9a-f]{32}$")
TOKEN_PATTERN = re.compile(r"^([0-9a-f]{32})\.([0-9a-f]{64})$")



def session_secret(secret: Optional[str] = None) -> bytes:
    """``secret``, else env ``SUPPORT_SESSION_SECRET``, else the demo secret (dev only)."""
    return configured_secret("SUPPORT_SESSION_SECRET", DEMO_SESSION_SECRET, secret).encode("utf-8")


def _signature(conversation_id: str, secret: Optional[str] = None) -> str:
    return hmac.new(session_secret(secret), conversation_id.encode("ascii"),
                    hashlib.sha256).hexdigest()


def sign(conversation_id: str, secret: Optional[str] = None) -> str:
    """The session token of ``conversation_id``."""
    if not is_conversation_id(conversation_id):
        raise ValueError("not a conversation id issued by this server")
    return f"{conversation_id}.{_signature(conversation_id, secret)}"


def is_conversation_id(value: Any) -> bool:
    return isinstance(value, str) and bool(CONVERSATION_ID_PATTERN.match(value))


def new_session(secret: Optional[str] = None) -> Tuple[str, str]:
    """A new conversation: ``(conversation_id, session_token)``."""
    conversation_id = uuid.uuid4().hex
    return conversation_id, sign(conversation_id, secret)


def verify_session_token(token: Any, secret: Optional[str] = None) -> Optional[str]:
    """The conversation id proven by ``token``, or None for anything else."""
    if not isinstance(token, str) or len(token) > 200:
        return None
    match = TOKEN_PATTERN.match(token)
    if not match:
        return None
    conversation_id, signature = match.groups()
    if hmac.compare_digest(signature, _signature(conversation_id, secret)):
        return conversation_id
    return None


def resume_or_new_session(token: Any, secret: Optional[str] = None) -> Tuple[str, str, bool]:
    """``(conversation_id, session_token, resumed)``: the token's conversation if the
    token is valid, else a new one."""
    conversation_id = verify_session_token(token, secret)
    if conversation_id is not None:
        return conversation_id, sign(conversation_id, secret), True
    conversation_id, new_token = new_session(secret)
    return conversation_id, new_token, False
