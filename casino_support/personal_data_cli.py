"""``support-desk purge | export | erase``: personal data (casino_support.personal_data).

    support-desk purge [--dry-run] [--json]   delete what is past its retention period
    support-desk export PLAYER_ID             the player's data as JSON (stdout)
    support-desk erase PLAYER_ID [--yes] [--json]   delete or anonymise it (on a terminal,
                                              asks first unless --yes)

Each takes ``--tracker-db-url`` (default: env ``SUPPORT_TRACKER_DB_URL``, else the
``tracker_store`` of endpoints.yml). The actor recorded in the audit trail is
``cli:<login of the operator>``.
"""
from __future__ import annotations

import argparse
import getpass
import json
import sys
from typing import Any, Dict

from .config import ConfigError
from .database import get_database
from .personal_data import (
    PersonalDataError, TrackerEvents, erase_player, export_player, purge, tracker_db_url,
)

PURGE_KINDS = ("conversations", "tracker_events", "handoffs", "satisfaction_ratings",
               "conversation_notes", "ticket_contacts", "tickets", "ticket_events", "ticket_transcripts",
               "mail_outbox", "audit_events")


def _usage_error():
    from .cli import UsageError  # cli imports this module lazily

    return UsageError


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # no login name (container without a passwd entry)
        return "cli"


def _tracker(args: argparse.Namespace) -> TrackerEvents:
    return TrackerEvents(tracker_db_url(args.tracker_db_url))


def cmd_purge(args: argparse.Namespace) -> int:
    tracker = _tracker(args)
    try:
        report = purge(get_database(args.db_url), tracker, dry_run=args.dry_run,
                       actor=_actor())
    except ConfigError as error:
        raise _usage_error()(str(error)) from None
    finally:
        tracker.dispose()
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return 0
    deleted: Dict[str, int] = report["deleted"]
    verb = "Would delete" if args.dry_run else "Deleted"
    print(f"{verb} (retention in days: " + ", ".join(
        f"{key} {value}" for key, value in report["retention_days"].items()) + "):")
    for kind in PURGE_KINDS:
        label = ("ticket transcripts and snapshots removed" if kind == "ticket_transcripts"
                 else kind.replace("_", " "))
        print(f"  {label}: {deleted.get(kind, 0)}")
    if report["kept_open_conversations"]:
        print(f"Kept {report['kept_open_conversations']} old conversations with an open "
              "handoff or an unsolved ticket.")
    if report["tracker_store"] is None:
        print("No SQL tracker store configured: no conversation events looked at.")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    tracker = _tracker(args)
    try:
        data = export_player(get_database(args.db_url), tracker, args.player_id,
                             actor=_actor())
    except PersonalDataError as error:
        raise _usage_error()(str(error)) from None
    finally:
        tracker.dispose()
    print(json.dumps(data, ensure_ascii=False, indent=2, default=str))
    return 0


def _confirmed(report: Dict[str, Any]) -> bool:
    counts = report["erased"]
    print(f"Player {report['player_id']}: {counts['conversations']} conversations "
          f"({counts['tracker_events']} tracker events) deleted, {counts['tickets']} tickets "
          f"anonymised, {counts['handoffs']} handoffs and {counts['satisfaction_ratings']} "
          f"ratings anonymised, {counts['conversation_notes']} agent notes deleted.",
          file=sys.stderr)
    return input("Erase? [y/N] ").strip().lower() in ("y", "yes", "o", "oui")


def cmd_erase(args: argparse.Namespace) -> int:
    tracker = _tracker(args)
    database = get_database(args.db_url)
    try:
        # On a terminal, the operator confirms (or gives --yes); a script (no terminal:
        # contract 7, `support-desk erase PLAYER_ID`) has already decided.
        if not args.yes and sys.stdin.isatty():
            plan = erase_player(database, tracker, args.player_id, dry_run=True)
            if not _confirmed(plan):
                raise _usage_error()("nothing erased (answer y to confirm, or add --yes)")
        report = erase_player(database, tracker, args.player_id, actor=_actor())
    except PersonalDataError as error:
        raise _usage_error()(str(error)) from None
    finally:
        tracker.dispose()
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        counts = report["erased"]
        print(f"Erased player {report['player_id']}: {counts['conversations']} "
              f"conversations ({counts['tracker_events']} tracker events) deleted, "
              f"{counts['tickets']} tickets anonymised ({counts['mail_outbox']} e-mails "
              f"deleted), {counts['handoffs']} handoffs and "
              f"{counts['satisfaction_ratings']} ratings anonymised, "
              f"{counts['conversation_notes']} agent notes deleted. Recorded in the audit "
              "trail (personal_data_erased).")
    return 0


def add_commands(commands: argparse._SubParsersAction) -> None:
    """Add ``purge``, ``export`` and ``erase`` to the ``support-desk`` parser."""
    tracker_help = ("the Rasa SQL tracker store's database URL (default: env "
                    "SUPPORT_TRACKER_DB_URL, else endpoints.yml tracker_store)")

    purge_parser = commands.add_parser(
        "purge", help="delete the personal data past its retention period "
        "(support.yml personal_data.retention_days)")
    purge_parser.add_argument("--dry-run", action="store_true",
                              help="count what would be deleted, delete nothing")
    purge_parser.add_argument("--json", action="store_true", help="print the counts as JSON")
    purge_parser.add_argument("--tracker-db-url", help=tracker_help)
    purge_parser.set_defaults(handler=cmd_purge)

    export = commands.add_parser("export", help="print a player's data as JSON "
                                 "(conversations, tickets, handoffs, ratings, audit)")
    export.add_argument("player_id")
    export.add_argument("--tracker-db-url", help=tracker_help)
    export.set_defaults(handler=cmd_export)

    erase = commands.add_parser("erase", help="delete or anonymise a player's data "
                                "(audited)")
    erase.add_argument("player_id")
    erase.add_argument("--yes", action="store_true", help="do not ask for confirmation on a "
                       "terminal (without a terminal, nothing is asked)")
    erase.add_argument("--json", action="store_true", help="print the counts as JSON")
    erase.add_argument("--tracker-db-url", help=tracker_help)
    erase.set_defaults(handler=cmd_erase)
