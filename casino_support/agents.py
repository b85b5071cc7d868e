"""Support agents' accounts (agent console login), passwords hashed with bcrypt.

bcrypt reads at most 72 bytes: longer passwords are refused when created (bcrypt 5
raises on them) rather than silently truncated.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Optional, Union

import bcrypt
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .clock import aware_utc, resolve_now, to_db_time
from .database import Database, use_session
from .models import Agent

Source = Union[Session, Database]

AGENT_NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{1,63}$")
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_BYTES = 72
BCRYPT_ROUNDS = 12


class AgentError(ValueError):
    """The agent account cannot be created as asked."""


class AgentExists(AgentError):
    """An agent with this name already exists."""


@dataclass(frozen=True)
class AgentInfo:
    agent_id: int
    name: str
    active: bool
    created_at: datetime


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
                 now: Optional[datetime] = None, rounds: int = BCRYPT_ROUNDS) -> AgentInfo:
    """Create an active agent; raises ``AgentExists`` or ``AgentError``."""
    check_agent_name(name)
    password_hash = hash_password(password, rounds)
    now = resolve_now(now)
    with use_session(source) as session:
        if session.execute(select(Agent.id).where(Agent.name == name)).first():
            raise AgentExists(f"agent {name!r} already exists")
        agent = Agent(name=name, password_hash=password_hash, created_at=to_db_time(now),
                      active=True)
        session.add(agent)
        try:
            session.flush()
        except IntegrityError as error:  # created meanwhile by someone else
            raise AgentExists(f"agent {name!r} already exists") from error
        return AgentInfo(agent.id, agent.name, agent.active, aware_utc(agent.created_at))


def get_agent(source: Source, name: str) -> Optional[AgentInfo]:
    with use_session(source) as session:
        agent = session.execute(select(Agent).where(Agent.name == name)).scalar_one_or_none()
        if agent is None:
            return None
        return AgentInfo(agent.id, agent.name, agent.active, aware_utc(agent.created_at))


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
