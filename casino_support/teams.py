"""The team queues of the agent desk: which team a conversation waits for.

Teams are set in support.yml ``agent_desk.teams`` (key: label); without them, three:
general, payments (late withdrawals, payments that do not arrive) and responsible gambling.
A conversation waits for the team its escalation reason gives (the team column of
casino_support.escalation; its "support" is the general queue), until an agent transfers it
to another team (``casino_support.transfers``).
"""
from __future__ import annotations

import logging
from typing import Dict, Optional

from .config import SupportConfig, current_config
from .escalation import ESCALATIONS

logger = logging.getLogger(__name__)

GENERAL = "general"
DEFAULT_TEAMS: Dict[str, str] = {
    GENERAL: "Général",
    "payments": "Paiements",
    "responsible_gambling": "Jeu responsable",
}


def teams(config: Optional[SupportConfig] = None) -> Dict[str, str]:
    """The desk's teams, key -> label (support.yml ``agent_desk.teams``, else the defaults)."""
    try:
        configured = ((config or current_config()).raw.get("agent_desk") or {}).get("teams")
    except Exception:  # a broken setting must not stop the desk
        logger.warning("support.yml agent_desk.teams unreadable: using the default teams")
        configured = None
    if not isinstance(configured, dict) or not configured:
        return dict(DEFAULT_TEAMS)
    named = {str(key): str(label) for key, label in configured.items() if key and label}
    named.setdefault(GENERAL, DEFAULT_TEAMS[GENERAL])
    return named


def team_of(transferred_to: Optional[str], reason: Optional[str],
            config: Optional[SupportConfig] = None) -> str:
    """The team a conversation waits for: the one it was transferred to, else its reason's."""
    known = teams(config)
    if transferred_to in known:
        return str(transferred_to)
    rule = ESCALATIONS.get(reason) if isinstance(reason, str) else None  # the team column
    team = rule.team if rule is not None else GENERAL
    return team if team in known else GENERAL
