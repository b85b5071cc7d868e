"""Who the player is: signed player tokens (DESIGN.md, contract 3).

The casino's website signs a token for the logged-in player and the widget sends it as
message metadata (``{"player_token": "..."}``). The token is a JWT signed with HS256
using the secret in env ``PLAYER_JWT_SECRET``; claim ``sub`` is the player id and
``exp`` is required. ``verify_player_token`` is the only way to learn a player id: never
trust an id the user typed, an entity, a slot or the session id.

Environment:

``PLAYER_JWT_SECRET``
    The shared HS256 secret (at least 32 characters in production). When unset, the
    development secret ``DEMO_PLAYER_JWT_SECRET`` is used and a warning is logged once.
``SUPPORT_ENV``
    ``production`` refuses the demo secret (unset, or equal to the demo value), a
    secret shorter than 32 characters, and ``SUPPORT_DEV_PLAYER``: each raises
    ``InsecureConfiguration``.
``SUPPORT_DEV_PLAYER``
    Development only. ``rasa shell`` sends no metadata: this names the player (e.g.
    ``P1003``) that ``dev_player_id()`` returns for such channels.
"""
from __future__ import annotations

import logging
import os
import re
from datetime import datetime, timedelta
from typing import Any, Mapping, Optional

import jwt

from .clock import resolve_now

logger = logging.getLogger(__name__)

ALGORITHM = "HS256"
DEMO_PLAYER_JWT_SECRET = "casino-support-demo-secret-NOT-FOR-PRODUCTION"
MIN_PRODUCTION_SECRET_LENGTH = 32
MAX_TOKEN_LENGTH = 4096
LEEWAY_SECONDS = 30  # clock skew tolerated between the website and the bot
PLAYER_ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,32}$")

_demo_secret_warnings: set = set()  # variables already warned about
_dev_player_warned = False


class InvalidPlayerToken(Exception):
    """The token does not prove who the player is.

    ``reason`` is one of ``"missing"``, ``"malformed"``, ``"expired"``,
    ``"bad_signature"``.
    """

    def __init__(self, reason: str, message: Optional[str] = None):
        super().__init__(message or reason)
        self.reason = reason


class InsecureConfiguration(RuntimeError):
    """A development shortcut (demo secret, weak secret, dev player) in production."""


def is_production(environ: Optional[Mapping[str, str]] = None) -> bool:
    """True when env ``SUPPORT_ENV`` (of ``environ``, default the process's) is
    ``production``."""
    environ = os.environ if environ is None else environ
    return environ.get("SUPPORT_ENV", "").strip().lower() == "production"


def is_valid_player_id(value: Any) -> bool:
    return isinstance(value, str) and bool(PLAYER_ID_PATTERN.match(value))


def configured_secret(variable: str, demo_secret: str, secret: Optional[str] = None) -> str:
    """``secret``, else env ``variable``, else ``demo_secret`` with a warning (once).

    Raises ``InsecureConfiguration`` in production for an unset, demo or short secret.
    Used for the player, agent and session secrets.
    """
    secret = secret or os.environ.get(variable) or None
    if is_production():
        check_production_secret(secret, demo_secret, variable)
        return secret
    if secret is None:
        if variable not in _demo_secret_warnings:
            _demo_secret_warnings.add(variable)
            logger.warning("%s is not set: using the demo secret (development only; "
                           "SUPPORT_ENV=production refuses it)", variable)
        return demo_secret
    return secret


def player_jwt_secret(secret: Optional[str] = None) -> str:
    """The player-token secret: ``secret``, else env ``PLAYER_JWT_SECRET``, else the demo one."""
    return configured_secret("PLAYER_JWT_SECRET", DEMO_PLAYER_JWT_SECRET, secret)


def check_production_secret(secret: Optional[str], demo_secret: str, variable: str) -> None:
    """In production, refuse an unset, demo or short secret (raises InsecureConfiguration)."""
    if not secret or secret == demo_secret:
        raise InsecureConfiguration(
            f"SUPPORT_ENV=production: set {variable} (the demo secret is refused)")
    if len(secret) < MIN_PRODUCTION_SECRET_LENGTH:
        raise InsecureConfiguration(
            f"SUPPORT_ENV=production: {variable} must be at least "
            f"{MIN_PRODUCTION_SECRET_LENGTH} characters")


def issue_player_token(player_id: str, ttl_seconds: int = 3600,
                       secret: Optional[str] = None,
                       now: Optional[datetime] = None) -> str:
    """A token for ``player_id`` valid ``ttl_seconds`` (what the website does; demos, tests)."""
    if not is_valid_player_id(player_id):
        raise ValueError(f"invalid player id: {player_id!r}")
    if ttl_seconds <= 0:
        raise ValueError("ttl_seconds must be positive")
    issued = resolve_now(now)
    claims = {"sub": player_id, "iat": issued,
              "exp": issued + timedelta(seconds=int(ttl_seconds))}
    return jwt.encode(claims, player_jwt_secret(secret), algorithm=ALGORITHM)


def verify_player_token(token: Any, secret: Optional[str] = None,
                        leeway: int = LEEWAY_SECONDS) -> str:
    """The player id proven by ``token``.

    Raises ``InvalidPlayerToken`` (with ``reason``) for anything else, whatever its
    type or size; ``InsecureConfiguration`` only for a bad server configuration.
    """
    key = player_jwt_secret(secret)
    text = token_text(token)
    try:
        claims = jwt.decode(text, key, algorithms=[ALGORITHM], leeway=leeway,
                            options={"require": ["exp", "sub"]})
    except jwt.ExpiredSignatureError as error:
        raise InvalidPlayerToken("expired", "the player token has expired") from error
    except (jwt.InvalidSignatureError, jwt.InvalidAlgorithmError) as error:
        raise InvalidPlayerToken("bad_signature", "the player token is not signed by "
                                 "the casino") from error
    except Exception as error:  # untrusted input: any other failure is a bad token
        raise InvalidPlayerToken("malformed", "the player token is malformed") from error
    return _player_id_claim(claims)


def token_text(token: Any, error: type = None, kind: str = "player") -> str:
    """The compact JWT text of untrusted input, or `error(reason, message)` raised.

    Shared by player and agent tokens: bytes are decoded, a "Bearer " prefix removed,
    anything empty, huge or not made of three parts refused before any decoding.
    """
    error = error or InvalidPlayerToken
    if token is None or token == "" or token == b"":
        raise error("missing", f"no {kind} token")
    if isinstance(token, (bytes, bytearray)):
        try:
            token = bytes(token).decode("ascii")
        except UnicodeDecodeError:
            raise error("malformed", f"the {kind} token is not text") from None
    if not isinstance(token, str):
        raise error("malformed", f"the {kind} token is not text")
    token = token.strip()
    if token.lower().startswith("bearer "):
        token = token[7:].strip()
    if not token:
        raise error("missing", f"no {kind} token")
    if len(token) > MAX_TOKEN_LENGTH or token.count(".") != 2:
        raise error("malformed", f"the {kind} token is malformed")
    return token


def _player_id_claim(claims: Any) -> str:
    player_id = claims.get("sub") if isinstance(claims, dict) else None
    if not is_valid_player_id(player_id):
        raise InvalidPlayerToken("malformed", "the player token names no valid player")
    return player_id


def dev_player_id() -> Optional[str]:
    """Env ``SUPPORT_DEV_PLAYER``: the player of channels that send no metadata.

    Development only (``rasa shell``): returns None when unset; raises
    ``InsecureConfiguration`` when set with ``SUPPORT_ENV=production``. An invalid
    value is ignored with a warning.
    """
    global _dev_player_warned
    value = os.environ.get("SUPPORT_DEV_PLAYER", "").strip()
    if not value:
        return None
    if is_production():
        raise InsecureConfiguration("SUPPORT_DEV_PLAYER is a development shortcut: "
                                    "unset it when SUPPORT_ENV=production")
    if not is_valid_player_id(value):
        logger.warning("SUPPORT_DEV_PLAYER=%r is not a player id: ignored", value)
        return None
    if not _dev_player_warned:
        _dev_player_warned = True
        logger.warning("SUPPORT_DEV_PLAYER=%s: conversations without a player token act "
                       "as this player (development only)", value)
    return value
