"""What players are told about an agent: a display first name (``agents.display_name``),
never the login. Set with ``support-desk agent add NAME --display-name Julie`` or
``support-desk agent display-name NAME Julie``; None when the operator set none (the
player is then told « un conseiller »)."""
from __future__ import annotations

import re
from typing import Optional, Union

from sqlalchemy import select
from sqlalchemy.orm import Session

from .agents import AgentError, UnknownAgent
from .database import Database, use_session
from .models import Agent

Source = Union[Session, Database]

MAX_DISPLAY_NAME = 64
DISPLAY_NAME_PATTERN = re.compile(r"^[^\W\d_][\w' .-]{0,63}$")


def check_display_name(display_name: str) -> str:
    value = display_name.strip() if isinstance(display_name, str) else ""
    if not DISPLAY_NAME_PATTERN.match(value):
        raise AgentError("display name: 1 to 64 letters (spaces, ' . - allowed), "
                         "starting with a letter")
    return value


def set_display_name(source: Source, name: str, display_name: Optional[str]) -> None:
    """Set (or with None, remove) the name players are told for agent ``name``."""
    value = check_display_name(display_name) if display_name is not None else None
    with use_session(source) as session:
        agent = session.execute(select(Agent).where(Agent.name == name)).scalar_one_or_none()
        if agent is None:
            raise UnknownAgent(name)
        agent.display_name = value


def display_first_name(source: Source, name: str) -> Optional[str]:
    """The first word of the agent's display name, None without one."""
    with use_session(source) as session:
        value = session.execute(select(Agent.display_name).where(Agent.name == name)
                                ).scalar_one_or_none()
    value = (value or "").strip()
    return value.split()[0] if value else None
