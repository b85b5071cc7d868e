"""Canned replies: the agents' ready-made answers, kept in a file the operator edits.

The file is ``canned_replies.yml`` at the project root; support.yml
``agent_desk.canned_replies`` names another (a relative path is read from the project
root). Each reply has a ``shortcut`` (typed ``/shortcut`` in the console's reply field),
a ``title`` and a ``text`` whose placeholders are filled from the conversation:

* ``{prenom}``: the player's first name, from the account of a logged-in player;
* ``{reference}``: the reference of the conversation's latest ticket;
* ``{conseiller}``: the agent's display first name (``agents.display_name``).

A placeholder with no value here (an anonymous player, no ticket, no display name) or
unknown (a typo in the file) stays in the text as written, ``{prenom}``, so the agent sees
it and completes it before sending: never a silent blank.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Tuple, Union

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from .agent_profiles import display_first_name
from .config import PROJECT_ROOT, current_config
from .database import Database, use_session
from .handoffs import current_handoff
from .models import Player, Ticket

Source = Union[Session, Database]

DEFAULT_FILE = PROJECT_ROOT / "canned_replies.yml"
PLACEHOLDERS = ("prenom", "reference", "conseiller")
PLACEHOLDER_PATTERN = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
SHORTCUT_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
MAX_TEXT_CHARS = 2000


class CannedRepliesError(ValueError):
    """The canned replies file is missing or malformed."""


@dataclass(frozen=True)
class CannedReply:
    shortcut: str
    title: str
    text: str


def replies_path() -> Path:
    """The file named by support.yml ``agent_desk.canned_replies``, else the default."""
    try:
        named = (current_config().raw.get("agent_desk") or {}).get("canned_replies")
    except Exception:  # support.yml unreadable: the default file
        named = None
    if not named:
        return DEFAULT_FILE
    path = Path(str(named)).expanduser()
    return path if path.is_absolute() else PROJECT_ROOT / path


def parse_replies(raw: Any, source: str = "canned replies") -> List[CannedReply]:
    items = raw.get("replies") if isinstance(raw, Mapping) else raw
    if not isinstance(items, list):
        raise CannedRepliesError(f"{source}: a list `replies:` is expected")
    replies: List[CannedReply] = []
    seen = set()
    for index, item in enumerate(items, 1):
        if not isinstance(item, Mapping):
            raise CannedRepliesError(f"{source}: reply {index} is not a mapping")
        shortcut, title, text = (item.get(key) for key in ("shortcut", "title", "text"))
        if not isinstance(shortcut, str) or not SHORTCUT_PATTERN.match(shortcut):
            raise CannedRepliesError(f"{source}: reply {index}: shortcut must be 1 to 32 "
                                     "lowercase letters, digits, '-' or '_'")
        if shortcut in seen:
            raise CannedRepliesError(f"{source}: shortcut {shortcut!r} used twice")
        if not isinstance(title, str) or not title.strip():
            raise CannedRepliesError(f"{source}: reply {shortcut!r}: title required")
        if not isinstance(text, str) or not text.strip() or len(text) > MAX_TEXT_CHARS:
            raise CannedRepliesError(f"{source}: reply {shortcut!r}: text required "
                                     f"(at most {MAX_TEXT_CHARS} characters)")
        seen.add(shortcut)
        replies.append(CannedReply(shortcut, title.strip(), text.strip()))
    return replies


@lru_cache(maxsize=4)
def _load(path: str, mtime: float) -> Tuple[CannedReply, ...]:
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise CannedRepliesError(f"canned replies file not found: {path}") from error
    except yaml.YAMLError as error:
        raise CannedRepliesError(f"{path}: not valid YAML ({error})") from error
    return tuple(parse_replies(raw, str(path)))


def load_replies(path: Optional[Path] = None) -> List[CannedReply]:
    """The replies of the file, re-read when it changes (operators edit it live)."""
    path = Path(path) if path else replies_path()
    try:
        mtime = path.stat().st_mtime
    except FileNotFoundError as error:
        raise CannedRepliesError(f"canned replies file not found: {path}") from error
    return list(_load(str(path), mtime))


def fill(text: str, values: Mapping[str, Optional[str]]) -> Tuple[str, List[str]]:
    """``text`` with each ``{name}`` that has a value in ``values`` replaced; the others
    (unknown, or without a value) stay as written. Also returns the names left."""
    left: List[str] = []

    def replace(match: "re.Match[str]") -> str:
        value = values.get(match.group(1))
        if isinstance(value, str) and value.strip():
            return value.strip()
        if match.group(1) not in left:
            left.append(match.group(1))
        return match.group(0)

    return PLACEHOLDER_PATTERN.sub(replace, text), left


def player_first_name(source: Source, player_id: Optional[str]) -> Optional[str]:
    if not player_id:
        return None
    with use_session(source) as session:
        name = session.execute(select(Player.display_name).where(Player.id == player_id)
                               ).scalar_one_or_none()
    name = (name or "").strip()
    return name.split()[0] if name else None


def latest_ticket_reference(source: Source, conversation_id: str) -> Optional[str]:
    with use_session(source) as session:
        return session.execute(
            select(Ticket.reference).where(Ticket.conversation_id == conversation_id)
            .order_by(Ticket.id.desc()).limit(1)).scalar_one_or_none()


def conversation_values(source: Source, conversation_id: str, agent: str
                        ) -> Dict[str, Optional[str]]:
    """The placeholders' values for ``agent`` in ``conversation_id``. The player is the
    one of the conversation's handoff (from a verified token), never what was typed."""
    handoff = current_handoff(source, conversation_id)
    return {
        "prenom": player_first_name(source, handoff.player_id if handoff else None),
        "reference": latest_ticket_reference(source, conversation_id),
        "conseiller": display_first_name(source, agent),
    }


def replies_for(source: Source, conversation_id: str, agent: str,
                path: Optional[Path] = None) -> List[Dict[str, Any]]:
    """Every canned reply, filled for this conversation and agent:
    ``[{shortcut, title, text, missing}]`` (``missing``: the placeholders left)."""
    values = conversation_values(source, conversation_id, agent)
    result = []
    for reply in load_replies(path):
        text, missing = fill(reply.text, values)
        result.append({"shortcut": reply.shortcut, "title": reply.title, "text": text,
                       "missing": missing})
    return result
