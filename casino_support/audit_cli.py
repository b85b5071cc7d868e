"""``support-desk audit``: read the audit trail back (casino_support.audit), oldest first.

    support-desk audit [--player PLAYER_ID] [--action ACTION[,ACTION...]]...
                       [--conversation CONVERSATION_ID] [--since YYYY-MM-DD]
                       [--limit N] [--json]

One line per event (``at  actor  player  action  details``), or with ``--json`` a JSON
list of ``{at, actor, player_id, action, details}``. ``--since`` is a UTC date; ``--limit``
is 200 by default, 5000 at most (a note on stderr says when more events match). Reading
is not audited.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from datetime import date, datetime, timezone
from typing import List, Optional, Sequence

from .audit import AuditRecord, read_audit_events
from .database import get_database

DEFAULT_LIMIT = 200
MAX_LIMIT = 5000
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _usage_error(message: str) -> Exception:
    from .cli import UsageError  # cli imports this module lazily

    return UsageError(message)


def parse_since(value: Optional[str]) -> Optional[datetime]:
    """``YYYY-MM-DD`` as midnight UTC that day (None: no lower bound)."""
    if value is None:
        return None
    text = value.strip()
    try:
        if not _DATE.fullmatch(text):
            raise ValueError
        day = date.fromisoformat(text)
    except ValueError:
        raise _usage_error(f"--since: {value!r} is not a date YYYY-MM-DD "
                           "(e.g. 2026-12-01)") from None
    return datetime(day.year, day.month, day.day, tzinfo=timezone.utc)


def parse_limit(value: Optional[str]) -> int:
    if value is None:
        return DEFAULT_LIMIT
    try:
        number = int(value.strip())
    except ValueError:
        raise _usage_error(f"--limit: {value!r} is not a whole number") from None
    if not 1 <= number <= MAX_LIMIT:
        raise _usage_error(f"--limit must be between 1 and {MAX_LIMIT} (got {number})")
    return number


def parse_actions(values: Optional[Sequence[str]]) -> List[str]:
    """``--action a,b --action c`` as ``[a, b, c]`` (duplicates removed, order kept)."""
    actions: List[str] = []
    for value in values or ():
        names = [name.strip() for name in value.split(",")]
        if not all(names):
            raise _usage_error(f"--action: {value!r} has an empty action name")
        actions.extend(name for name in names if name not in actions)
    return actions


def _text_line(record: AuditRecord) -> str:
    at = record.at.isoformat(timespec="seconds").replace("+00:00", "Z")
    details = json.dumps(record.details, ensure_ascii=False, sort_keys=True, default=str)
    actor = " ".join(record.actor.split()) or "-"
    return f"{at}  {actor}  {record.player_id or '-'}  {record.action}  {details}"


def cmd_audit(args: argparse.Namespace) -> int:
    since = parse_since(args.since)
    limit = parse_limit(args.limit)
    actions = parse_actions(args.action)
    # One more than asked: tells whether the list is cut short.
    records = read_audit_events(get_database(args.db_url), player_id=args.player,
                                actions=actions, conversation_id=args.conversation,
                                since=since, limit=limit + 1)
    more = len(records) > limit
    records = records[:limit]
    if args.json:
        print(json.dumps([record.as_dict() for record in records], ensure_ascii=False,
                         indent=2, default=str))
    elif not records:
        print("No audit events.")
    else:
        print("\n".join(_text_line(record) for record in records))
    if more:
        print(f"support-desk: only the first {limit} events shown, more match "
              "(narrow with --since or raise --limit)", file=sys.stderr)
    return 0


def add_commands(commands: argparse._SubParsersAction) -> None:
    """Add ``audit`` to the ``support-desk`` parser."""
    audit = commands.add_parser("audit", help="read the audit trail, oldest first "
                                "(not itself audited)")
    audit.add_argument("--player", metavar="PLAYER_ID", help="only this player's events")
    audit.add_argument("--action", action="append", metavar="ACTION",
                       help="only these actions (repeatable or comma-separated, e.g. "
                       "deposit_limit_set,break_set,self_exclusion_set,protection_signal)")
    audit.add_argument("--conversation", metavar="CONVERSATION_ID",
                       help="only events whose details.conversation_id is this")
    audit.add_argument("--since", metavar="YYYY-MM-DD",
                       help="only events on or after this day (UTC)")
    audit.add_argument("--limit", metavar="N", help=f"at most N events (default "
                       f"{DEFAULT_LIMIT}, at most {MAX_LIMIT})")
    audit.add_argument("--json", action="store_true", help="print a JSON list")
    audit.set_defaults(handler=cmd_audit)
