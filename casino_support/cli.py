"""``support-desk``: the operator's command line (DESIGN.md, contract 7).

    support-desk seed [--reset]             demo players (idempotent; --reset re-creates them;
                                            refused when SUPPORT_ENV=production)
    support-desk token PLAYER_ID [--ttl S]  print a player token (the player must exist)
    support-desk tickets [--json] [--status STATUS]   newest first, with due date and overdue flag
    support-desk queue [--json] [--all]     the handoff queue (waiting and active, in queue
                                            order); --all adds the finished handoffs
    support-desk agent add NAME [--password-stdin] [--supervisor]
                                            a supervisor may also take over a
                                            conversation another agent holds;
                                            [--display-name PRENOM]: told to players
    support-desk agent display-name NAME PRENOM   the first name players are told
    support-desk agent team NAME TEAM       the agent's team queue (support.yml
                                            agent_desk.teams; '' for none)
    support-desk send-mail [--json]         send the tickets' queued e-mails that are due
                                            once (the Rasa server also does it every few
                                            seconds); exit 1 when some failed for good
    support-desk purge [--dry-run] [--json] delete the personal data past its retention
                                            (support.yml personal_data.retention_days):
                                            old conversations (tracker store), finished
                                            handoffs, ratings, solved tickets, e-mails,
                                            audit; never an open handoff/unsolved ticket
    support-desk export PLAYER_ID           the player's data as JSON (conversations,
                                            tickets, handoffs, ratings, audit events)
    support-desk erase PLAYER_ID [--yes] [--json]   delete the player's conversations,
                                            anonymise their tickets, handoffs, ratings;
                                            audited (personal_data_erased); on a
                                            terminal, asks first unless --yes
    (purge, export, erase: [--tracker-db-url URL], default env SUPPORT_TRACKER_DB_URL,
    else the tracker_store of endpoints.yml; see casino_support.personal_data)
    support-desk audit [--player P] [--action A[,B]] [--conversation C] [--since YYYY-MM-DD]
                       [--limit N] [--json]   the audit trail, oldest first (at, actor,
                                            player, action, details); --limit default 200,
                                            at most 5000; not itself audited
                                            (casino_support.audit_cli)

The database is ``--db-url``, else env ``SUPPORT_DB_URL``, else ``var/support.db``.
Exit codes: 0 ok, 2 usage error / unknown player / refused input, 3 database unavailable.
"""
from __future__ import annotations

import argparse
import getpass
import json
import sys
from datetime import datetime
from typing import Any, Callable, Dict, List, Optional, Sequence

from .agents import AgentError, create_agent
from .accounts import get_player
from .clock import aware_utc
from .database import SupportDatabaseUnavailable, get_database
from .demo_data import reset_demo_players, seed
from .handoffs import list_handoffs, open_queue
from .identity import InsecureConfiguration, is_production, issue_player_token
from .models import TICKET_STATUSES
from .tickets import list_tickets

EXIT_OK = 0
EXIT_USAGE = 2
EXIT_DATABASE = 3

TICKET_FIELDS = ("reference", "player_id", "email", "category", "priority", "status",
                 "created_at", "due_at", "overdue", "summary", "conversation_id",
                 "closed_at")
HANDOFF_FIELDS = ("conversation_id", "player_id", "reason", "priority", "status", "agent",
                  "position", "waiting_seconds", "created_at", "taken_at", "closed_at")


class UsageError(Exception):
    """A refused request: message for stderr, exit code 2."""


# --- output --------------------------------------------------------------------

def _iso(value: Optional[datetime]) -> Optional[str]:
    return None if value is None else aware_utc(value).isoformat()


def _short_time(value: Optional[str]) -> str:
    return "" if not value else value[:16].replace("T", " ")


def _cell(value: Any, width: int = 48) -> str:
    text = "" if value is None else str(value).replace("\n", " ")
    return text if len(text) <= width else text[: width - 1] + "…"


def render_table(rows: List[Dict[str, Any]], columns: Sequence[str]) -> str:
    """A plain-text table with a header line, columns padded to their widest cell."""
    cells = [[_cell(row.get(column)) for column in columns] for row in rows]
    widths = [max([len(column)] + [len(line[i]) for line in cells])
              for i, column in enumerate(columns)]

    def line(values: Sequence[str]) -> str:
        return "  ".join(value.ljust(width) for value, width in zip(values, widths)).rstrip()

    return "\n".join([line(columns), line(["-" * w for w in widths])] + [line(c) for c in cells])


def _print_rows(rows: List[Dict[str, Any]], as_json: bool, columns: Sequence[str],
                empty: str) -> None:
    if as_json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
    elif not rows:
        print(empty)
    else:
        table_rows = [dict(row, created_at=_short_time(row.get("created_at"))) for row in rows]
        print(render_table(table_rows, columns))


# --- queries ---------------------------------------------------------------------

def ticket_rows(database, status: Optional[str] = None,
                now: Optional[datetime] = None) -> List[Dict[str, Any]]:
    """Tickets, newest first, as JSON-ready dicts (TICKET_FIELDS)."""
    return [_pick(ticket.as_dict(details=False), TICKET_FIELDS)
            for ticket in list_tickets(database, status=status, now=now)]


def handoff_rows(database, include_finished: bool = False,
                 now: Optional[datetime] = None) -> List[Dict[str, Any]]:
    """The open queue (priority, then age; ``position`` among waiting ones), then with
    ``include_finished`` the finished handoffs, newest first (HANDOFF_FIELDS)."""
    handoffs = (list_handoffs(database, now=now) if include_finished
                else open_queue(database, now=now))
    return [_pick(handoff.as_dict(), HANDOFF_FIELDS) for handoff in handoffs]


def _pick(row: Dict[str, Any], fields: Sequence[str]) -> Dict[str, Any]:
    return {field: row.get(field) for field in fields}


# --- commands ------------------------------------------------------------------------

def cmd_seed(args: argparse.Namespace) -> int:
    if is_production():
        raise InsecureConfiguration("SUPPORT_ENV=production: the demo players (known ids, "
                                    "public test data) are never created in production")
    database = get_database(args.db_url)
    report = reset_demo_players(database, actor="cli") if args.reset else seed(database)
    if report.total:
        print(f"Demo data: inserted {report.players} players, {report.documents} documents, "
              f"{report.bonuses} bonuses, {report.withdrawals} withdrawals.")
    else:
        print("Demo data already present: nothing inserted.")
    print("Demo players: P1001 to P1006. Token: support-desk token P1003")
    return EXIT_OK


def cmd_token(args: argparse.Namespace) -> int:
    if get_player(get_database(args.db_url), args.player_id) is None:
        raise UsageError(f"unknown player {args.player_id!r} (demo players: run "
                         "`support-desk seed` first)")
    print(issue_player_token(args.player_id, ttl_seconds=args.ttl))
    return EXIT_OK


def cmd_tickets(args: argparse.Namespace) -> int:
    rows = ticket_rows(get_database(args.db_url), args.status)
    if not args.json:
        rows = [dict(row, due_at=_short_time(row.get("due_at")),
                     overdue="OVERDUE" if row.get("overdue") else "") for row in rows]
    _print_rows(rows, args.json, ("reference", "created_at", "due_at", "overdue",
                                  "priority", "status", "category", "player_id", "email",
                                  "summary"),
                "No tickets.")
    return EXIT_OK


def cmd_queue(args: argparse.Namespace) -> int:
    rows = handoff_rows(get_database(args.db_url), include_finished=args.all)
    _print_rows(rows, args.json, ("position", "priority", "status", "created_at",
                                  "conversation_id", "player_id", "agent", "reason"),
                "No handoffs.")
    return EXIT_OK


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    password = getpass.getpass("Password: ")
    if getpass.getpass("Password (again): ") != password:
        raise UsageError("the passwords differ")
    return password


def cmd_agent_add(args: argparse.Namespace) -> int:
    if args.display_name:
        from .agent_profiles import check_display_name

        try:
            check_display_name(args.display_name)
        except AgentError as error:
            raise UsageError(str(error)) from error
    password = _read_password(args.password_stdin)
    try:
        agent = create_agent(get_database(args.db_url), args.name, password,
                             supervisor=args.supervisor)
    except AgentError as error:
        raise UsageError(str(error)) from error
    if args.display_name:
        cmd_agent_display_name(args)
    print(f"{'Supervisor' if agent.supervisor else 'Agent'} {agent.name!r} created.")
    return EXIT_OK


def cmd_agent_display_name(args: argparse.Namespace) -> int:
    """The first name players are told (« Julie a rejoint la conversation »)."""
    from .agent_profiles import set_display_name
    from .agents import UnknownAgent

    try:
        set_display_name(get_database(args.db_url), args.name, args.display_name or None)
    except (AgentError, UnknownAgent) as error:
        raise UsageError(str(error)) from error
    return EXIT_OK


def cmd_agent_team(args: argparse.Namespace) -> int:
    """The team whose conversations the agent takes first (payments, responsible_gambling...)."""
    from .transfers import TransferRefused, set_agent_team

    try:
        set_agent_team(get_database(args.db_url), args.name, args.team or None)
    except (TransferRefused, LookupError) as error:
        raise UsageError(str(error)) from error
    return EXIT_OK


# --- parser ----------------------------------------------------------------------------

def cmd_send_mail(args: argparse.Namespace) -> int:
    from .ticket_mail import MailSettingsError, list_mails, mail_settings, send_due

    database = get_database(args.db_url)
    try:
        settings = mail_settings()
    except MailSettingsError as error:
        raise UsageError(str(error)) from None
    report = send_due(database, settings).as_dict()
    report["queued"] = len(list_mails(database, status="queued"))
    if args.json:
        print(json.dumps(report))
    else:
        print(f"Sent {report['sent']}, to retry {report['retried']}, failed "
              f"{report['failed']}; {report['queued']} still queued "
              f"(SMTP {settings.host}:{settings.port}, {settings.security}).")
    return 1 if report["failed"] else EXIT_OK


def _positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
    if number <= 0:
        raise argparse.ArgumentTypeError("must be positive")
    return number


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="support-desk", description="Casino support desk: demo data, player tokens, "
        "tickets, handoff queue, agents.")
    parser.add_argument("--db-url", help="database URL (default: env SUPPORT_DB_URL, "
                        "else var/support.db)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    seed_parser = commands.add_parser("seed", help="insert the demo players (idempotent)")
    seed_parser.add_argument("--reset", action="store_true",
                             help="delete the demo players' data and create it again")
    seed_parser.set_defaults(handler=cmd_seed)

    token = commands.add_parser("token", help="print a signed token for a player")
    token.add_argument("player_id")
    token.add_argument("--ttl", type=_positive_int, default=3600, metavar="SECONDS",
                       help="validity in seconds (default 3600)")
    token.set_defaults(handler=cmd_token)

    tickets = commands.add_parser("tickets", help="list tickets, newest first")
    tickets.add_argument("--json", action="store_true", help="print a JSON list")
    tickets.add_argument("--status", choices=(*TICKET_STATUSES, "closed"),
                         help="closed: the same as solved (older name)")
    tickets.set_defaults(handler=cmd_tickets)

    queue = commands.add_parser("queue", help="the handoff queue: waiting and active "
                                "handoffs, by priority then age")
    queue.add_argument("--json", action="store_true", help="print a JSON list")
    which = queue.add_mutually_exclusive_group()
    which.add_argument("--all", action="store_true",
                       help="also the finished (handed_back, closed) handoffs, newest first")
    which.add_argument("--open", action="store_true",
                       help="only waiting and active ones (the default; kept for scripts)")
    queue.set_defaults(handler=cmd_queue)

    agent = commands.add_parser("agent", help="manage agent accounts")
    agent_commands = agent.add_subparsers(dest="agent_command", metavar="ACTION",
                                          required=True)
    add = agent_commands.add_parser("add", help="create an agent account")
    add.add_argument("name")
    add.add_argument("--password-stdin", action="store_true",
                     help="read the password from the first line of stdin")
    add.add_argument("--supervisor", action="store_true",
                     help="a supervisor: may also take over a conversation another agent "
                     "holds")
    add.add_argument("--display-name", metavar="PRENOM",
                     help="the first name players are told (never the login)")
    add.set_defaults(handler=cmd_agent_add)
    shown = agent_commands.add_parser("display-name", help="set the first name players "
                                      "are told for an agent ('' removes it)")
    shown.add_argument("name")
    shown.add_argument("display_name", metavar="PRENOM")
    shown.set_defaults(handler=cmd_agent_display_name)
    team = agent_commands.add_parser("team", help="put an agent in a team (support.yml "
                                     "agent_desk.teams; '' for none)")
    team.add_argument("name")
    team.add_argument("team")
    team.set_defaults(handler=cmd_agent_team)

    send_mail = commands.add_parser("send-mail", help="send the tickets' queued e-mails "
                                    "that are due, once (support.yml mail)")
    send_mail.add_argument("--json", action="store_true", help="print the counts as JSON")
    send_mail.set_defaults(handler=cmd_send_mail)

    from .personal_data_cli import add_commands as add_personal_data_commands

    add_personal_data_commands(commands)

    from .audit_cli import add_commands as add_audit_commands

    add_audit_commands(commands)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except UsageError as error:
        print(f"support-desk: {error}", file=sys.stderr)
        return EXIT_USAGE
    except InsecureConfiguration as error:
        print(f"support-desk: insecure configuration: {error}", file=sys.stderr)
        return EXIT_USAGE
    except SupportDatabaseUnavailable as error:
        print(f"support-desk: {error}", file=sys.stderr)
        return EXIT_DATABASE


if __name__ == "__main__":
    sys.exit(main())
