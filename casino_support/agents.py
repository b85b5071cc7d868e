"""Support agents: accounts (passwords hashed with bcrypt), login tokens and presence.

bcrypt reads at most 72 bytes: longer passwords are refused when created (bcrypt 5
raises on them) rather than silently truncated.

Login tokens (agent console, agent HTTP API): JWT, HS256, claims ``sub`` = agent name,
``role`` = ``"agent"``, ``iat``, ``exp`` (required). Secret: env
``SUPPORT_AGENT_SECRET``, else a development secret with a warning;
``SUPPORT_ENV=production`` refuses the demo secret and one shorter than 32 characters
(``InsecureConfiguration``). The agent secret must differ from ``PLAYER_JWT_SECRET``:
a player token (other secret, no role) never passes as an agent token.

Presence: an agent is online while a console is connected. The connector calls
``mark_online`` on login and on each new console connection, and ``heartbeat`` for the
agents whose console is connected, a few times per grace period. An agent not seen for
``offline_after_seconds()`` (support.yml ``agent_desk.offline_after_seconds``, default
120: the grace of a lost connection) is offline; ``mark_offline`` (logout) is at once,
and no heartbeat brings a logged-out agent back (only a new login or connection does).
An online agent may set themselves away (``set_away``): still online, holding their
conversations, but not counted as available for new players (``online_count``).
A supervisor (``create_agent(..., supervisor=True)``) may take over a conversation
another agent holds (``casino_support.handoffs.take(..., takeover=True)``).
"""
from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, Iterable, List, Optional, Union

import bcrypt
import jwt
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .clock import aware_utc, resolve_now, to_db_time
from .config import current_config
from .database import Database, use_session
from .identity import (
    ALGORITHM,
    LEEWAY_SECONDS,
    InsecureConfiguration,
    configured_secret,
    token_text,
)
from .models import Agent

logger = logging.getLogger(__name__)

Source = Union[Session, Database]

AGENT_NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{1,63}$")
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_BYTES = 72
BCRYPT_ROUNDS = 12

AGENT_ROLE = "agent"
AGENT_TOKEN_TTL_SECONDS = 8 * 3600  # one working shift
DEMO_AGENT_SECRET = "casino-support-demo-AGENT-secret-NOT-FOR-PRODUCTION"
PRESENCE_WINDOW_SECONDS = 120  # default of support.yml agent_desk.offline_after_seconds


class AgentError(ValueError):
    """The agent account cannot be created as asked."""


class AgentExists(AgentError):
    """An agent with this name already exists."""


class UnknownAgent(LookupError):
    """No active agent with this name."""

    def __init__(self, name: Any):
        super().__init__(f"no active agent named {name!r}")
        self.name = name


class InvalidAgentToken(Exception):
    """The token does not prove which agent this is.

    ``reason`` is one of ``"missing"``, ``"malformed"``, ``"expired"``,
    ``"bad_signature"``, ``"not_an_agent"`` (no ``role: agent`` claim), ``"inactive"``
    (``agent_from_token``: the account is gone or disabled).
    """

    def __init__(self, reason: str, message: Optional[str] = None):
        super().__init__(message or reason)
        self.reason = reason


@dataclass(frozen=True)
class AgentInfo:
    agent_id: int
    name: str
    active: bool
    created_at: datetime
    last_seen_at: Optional[datetime] = None  # presence (see online_agents)
    supervisor: bool = False
    away: bool = False  # online but not available for new players (see set_away)
    team: Optional[str] = None  # support.yml agent_desk.teams; None: any team


def _agent_info(agent: Agent) -> AgentInfo:
    return AgentInfo(agent.id, agent.name, agent.active, aware_utc(agent.created_at),
                     aware_utc(agent.last_seen_at), bool(agent.supervisor),
                     agent.away_since is not None, agent.team)


@lru_cache(maxsize=1)
def _dummy_hash() -> bytes:
    """Checked when the agent does not exist, so that the answer takes as long."""
    return bcrypt.hashpw(b"no-such-agent-password", bcrypt.gensalt(rounds=BCRYPT_ROUNDS))


def check_agent_name(name: str) -> str:
    if not isinstance(name, str) or not AGENT_NAME_PATTERN.match(name):
        raise AgentError("agent name: 2 to 64 letters, digits, '.', '_' or '-', "
                         "starting with a letter or digit")
    return name


def check_password(password: str) -> bytes:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_LENGTH:
        raise AgentError(f"password: at least {MIN_PASSWORD_LENGTH} characters")
    encoded = password.encode("utf-8")
    if len(encoded) > MAX_PASSWORD_BYTES:
        raise AgentError(f"password: at most {MAX_PASSWORD_BYTES} bytes (bcrypt limit)")
    return encoded


def hash_password(password: str, rounds: int = BCRYPT_ROUNDS) -> str:
    return bcrypt.hashpw(check_password(password), bcrypt.gensalt(rounds=rounds)).decode()


def create_agent(source: Source, name: str, password: str,
                 now: Optional[datetime] = None, rounds: int = BCRYPT_ROUNDS,
                 supervisor: bool = False) -> AgentInfo:
    """Create an active agent (a supervisor with ``supervisor``); raises ``AgentExists``
    or ``AgentError``."""
    check_agent_name(name)
    password_hash = hash_password(password, rounds)
    now = resolve_now(now)
    with use_session(source) as session:
        if session.execute(select(Agent.id).where(Agent.name == name)).first():
            raise AgentExists(f"agent {name!r} already exists")
        agent = Agent(name=name, password_hash=password_hash, created_at=to_db_time(now),
                      active=True, supervisor=bool(supervisor))
        session.add(agent)
        try:
            session.flush()
        except IntegrityError as error:  # created meanwhile by someone else
            raise AgentExists(f"agent {name!r} already exists") from error
        return _agent_info(agent)


def get_agent(source: Source, name: str) -> Optional[AgentInfo]:
    with use_session(source) as session:
        agent = session.execute(select(Agent).where(Agent.name == name)).scalar_one_or_none()
        if agent is None:
            return None
        return _agent_info(agent)


def is_supervisor(source: Source, name: str) -> bool:
    """True for an active supervisor."""
    agent = get_agent(source, name)
    return agent is not None and agent.active and agent.supervisor


def verify_agent_password(source: Source, name: str, password: str) -> bool:
    """True only for an active agent and the right password (same cost otherwise)."""
    with use_session(source) as session:
        agent = (session.execute(select(Agent).where(Agent.name == name)).scalar_one_or_none()
                 if isinstance(name, str) else None)
        stored = agent.password_hash.encode() if agent is not None else _dummy_hash()
        active = agent is not None and agent.active
    return _password_matches(password, stored) and active


def _password_matches(password: str, stored: bytes) -> bool:
    if not isinstance(password, str):
        return False
    encoded = password.encode("utf-8")
    if len(encoded) > MAX_PASSWORD_BYTES:
        return False
    try:
        return bcrypt.checkpw(encoded, stored)
    except ValueError:  # corrupt stored hash
        return False


# --- login tokens --------------------------------------------------------------------

def agent_token_secret(secret: Optional[str] = None) -> str:
    """The signing secret: ``secret``, else env ``SUPPORT_AGENT_SECRET``, else the demo one.

    Raises ``InsecureConfiguration`` in production for the demo secret or a secret
    shorter than 32 characters, and anywhere for a secret equal to
    ``PLAYER_JWT_SECRET`` (the website could then sign agent tokens).
    """
    secret = secret or os.environ.get("SUPPORT_AGENT_SECRET") or None
    if secret is not None and secret == os.environ.get("PLAYER_JWT_SECRET"):
        raise InsecureConfiguration("SUPPORT_AGENT_SECRET must differ from "
                                    "PLAYER_JWT_SECRET")
    return configured_secret("SUPPORT_AGENT_SECRET", DEMO_AGENT_SECRET, secret)


def issue_agent_token(name: str, ttl_seconds: int = AGENT_TOKEN_TTL_SECONDS,
                      secret: Optional[str] = None,
                      now: Optional[datetime] = None) -> str:
    """A login token for agent ``name``, valid ``ttl_seconds`` (default 8 hours)."""
    check_agent_name(name)
    if isinstance(ttl_seconds, bool) or not isinstance(ttl_seconds, int) or ttl_seconds <= 0:
        raise ValueError("ttl_seconds must be a positive number of seconds")
    issued = resolve_now(now)
    claims = {"sub": name, "role": AGENT_ROLE, "iat": issued,
              "exp": issued + timedelta(seconds=ttl_seconds)}
    return jwt.encode(claims, agent_token_secret(secret), algorithm=ALGORITHM)


def verify_agent_token(token: Any, secret: Optional[str] = None,
                       leeway: int = LEEWAY_SECONDS) -> str:
    """The agent name proven by ``token``.

    Raises ``InvalidAgentToken`` (with ``reason``) for anything else, whatever its type
    or size; ``InsecureConfiguration`` only for a bad server configuration. This checks
    the signature only: ``agent_from_token`` also checks that the account is active.
    """
    key = agent_token_secret(secret)
    text = token_text(token, InvalidAgentToken, "agent")
    try:
        claims = jwt.decode(text, key, algorithms=[ALGORITHM], leeway=leeway,
                            options={"require": ["exp", "sub", "role"]})
    except jwt.ExpiredSignatureError as error:
        raise InvalidAgentToken("expired", "the agent token has expired") from error
    except (jwt.InvalidSignatureError, jwt.InvalidAlgorithmError) as error:
        raise InvalidAgentToken("bad_signature", "the agent token has a bad "
                                "signature") from error
    except jwt.MissingRequiredClaimError as error:
        reason = "not_an_agent" if error.claim == "role" else "malformed"
        raise InvalidAgentToken(reason, f"the agent token lacks the {error.claim!r} "
                                "claim") from error
    except Exception as error:  # untrusted input: any other failure is a bad token
        raise InvalidAgentToken("malformed", "the agent token is malformed") from error
    if not isinstance(claims, dict) or claims.get("role") != AGENT_ROLE:
        raise InvalidAgentToken("not_an_agent", "the token is not an agent token")
    name = claims.get("sub")
    if not isinstance(name, str) or not AGENT_NAME_PATTERN.match(name):
        raise InvalidAgentToken("malformed", "the agent token names no valid agent")
    return name


def agent_from_token(source: Source, token: Any, secret: Optional[str] = None) -> AgentInfo:
    """``verify_agent_token`` plus: the agent exists and is active (else
    ``InvalidAgentToken("inactive")``): a disabled account's tokens stop working."""
    name = verify_agent_token(token, secret)
    agent = get_agent(source, name)
    if agent is None or not agent.active:
        raise InvalidAgentToken("inactive", f"agent {name!r} is unknown or disabled")
    return agent


def login_agent(source: Source, name: Any, password: Any, now: Optional[datetime] = None,
                ttl_seconds: int = AGENT_TOKEN_TTL_SECONDS,
                secret: Optional[str] = None) -> Optional[str]:
    """A token for the right name and password of an active agent (who is then marked
    online and available), else None. Same cost whether the agent exists or not."""
    if not verify_agent_password(source, name, password):
        return None
    now = resolve_now(now)
    token = issue_agent_token(name, ttl_seconds=ttl_seconds, secret=secret, now=now)
    mark_online(source, name, now)
    set_away(source, name, False, now)
    return token


# --- presence ---------------------------------------------------------------------------

def mark_online(source: Source, name: str, now: Optional[datetime] = None) -> None:
    """The agent is connected at ``now``; raises ``UnknownAgent`` for no active agent."""
    now = resolve_now(now)
    with use_session(source) as session:
        result = session.execute(
            update(Agent).where(Agent.name == name, Agent.active.is_(True))
            .values(last_seen_at=to_db_time(now))
            .execution_options(synchronize_session="fetch"))
        if result.rowcount != 1:
            raise UnknownAgent(name)


def heartbeat(source: Source, names: Iterable[str], now: Optional[datetime] = None) -> int:
    """The consoles of ``names`` are still connected at ``now``. A logged-out agent
    (``mark_offline``) stays offline: only ``mark_online`` brings them back. Returns
    how many agents were refreshed."""
    names = sorted(set(names))
    if not names:
        return 0
    with use_session(source) as session:
        result = session.execute(
            update(Agent).where(Agent.name.in_(names), Agent.active.is_(True),
                                Agent.last_seen_at.is_not(None))
            .values(last_seen_at=to_db_time(resolve_now(now)))
            .execution_options(synchronize_session=False))
        return result.rowcount


def mark_offline(source: Source, name: str) -> bool:
    """The agent logged out: offline at once (and no longer away). False when there is
    no such agent."""
    with use_session(source) as session:
        result = session.execute(
            update(Agent).where(Agent.name == name).values(last_seen_at=None, away_since=None)
            .execution_options(synchronize_session="fetch"))
        return result.rowcount == 1


def set_away(source: Source, name: str, away: bool, now: Optional[datetime] = None) -> None:
    """The agent is away (``away``: online, holding their conversations, not available
    for new players) or available again; raises ``UnknownAgent`` for no active agent."""
    since = to_db_time(resolve_now(now)) if away else None
    with use_session(source) as session:
        agent = session.execute(select(Agent).where(Agent.name == name, Agent.active.is_(True))
                                ).scalar_one_or_none()
        if agent is None:
            raise UnknownAgent(name)
        if away and agent.away_since is None:
            agent.away_since = since
        elif not away:
            agent.away_since = None
        session.flush()


def offline_after_seconds() -> float:
    """The grace of a lost console connection: support.yml
    ``agent_desk.offline_after_seconds`` (default 120), also how long a player's widget
    may be gone before the player counts as having left (``handoffs.sweep``)."""
    try:
        value = float((current_config().raw.get("agent_desk") or {})
                      .get("offline_after_seconds", PRESENCE_WINDOW_SECONDS))
    except Exception:  # a missing or broken setting must not stop the desk
        logger.warning("support.yml agent_desk.offline_after_seconds unreadable: using %s s",
                       PRESENCE_WINDOW_SECONDS)
        return float(PRESENCE_WINDOW_SECONDS)
    return value if value > 0 else float(PRESENCE_WINDOW_SECONDS)


def _online_query(now: Optional[datetime], window_seconds: Optional[float]):
    now = resolve_now(now)
    window = offline_after_seconds() if window_seconds is None else window_seconds
    since = to_db_time(now - timedelta(seconds=window))
    return (select(Agent.name)
            .where(Agent.active.is_(True), Agent.last_seen_at.is_not(None),
                   Agent.last_seen_at >= since)
            .order_by(Agent.name))


def online_agents(source: Source, now: Optional[datetime] = None,
                  window_seconds: Optional[float] = None) -> List[str]:
    """Names of the active agents seen within the last ``window_seconds`` (default
    ``offline_after_seconds()``), away or not, sorted."""
    with use_session(source) as session:
        return list(session.execute(_online_query(now, window_seconds)).scalars())


def available_agents(source: Source, now: Optional[datetime] = None,
                     window_seconds: Optional[float] = None) -> List[str]:
    """The online agents who are not away, sorted."""
    query = _online_query(now, window_seconds).where(Agent.away_since.is_(None))
    with use_session(source) as session:
        return list(session.execute(query).scalars())


def online_count(source: Source, now: Optional[datetime] = None,
                 window_seconds: Optional[float] = None) -> int:
    """How many agents are online and not away: what the player is told."""
    return len(available_agents(source, now, window_seconds))
