"""Personal data (GDPR): retention, purge, a player's export and erasure.

Settings: support.yml ``personal_data.retention_days`` (``RetentionDays``). Three
operations, behind ``support-desk purge | export | erase`` (``casino_support.cli``):

* ``purge``: deletes what is past its retention period: the tracker store's events of
  conversations whose last event is older than ``conversations`` days, finished
  handoffs, agents' notes, satisfaction ratings and e-mails given for tickets
  (``ticket_contacts``) as old; solved tickets older than
  ``tickets`` days (with their history and e-mails); the transcript and account snapshot
  of solved tickets older than ``ticket_transcripts`` days; sent or failed outbox e-mails
  older than ``mail_outbox`` days; audit events older than ``audit`` days. An open
  handoff, an unsolved ticket and the conversation of either are never touched. The purge
  itself is audited (``personal_data_purged``, with its counts).
* ``export``: a player's data as one JSON-ready dict (``export_player``).
* ``erase``: deletes or anonymises it (``erase_player``), audited
  (``personal_data_erased``; that audit row keeps the player id, as the legal record).

How a conversation is tied to a player (``player_conversations``): a user message of it
carries a player token signed with ``PLAYER_JWT_SECRET`` whose ``sub`` is the player
(checked without its expiry: old conversations count), or a handoff, ticket, rating or
note of the player names it. A conversation of an anonymous visitor cannot be tied to
anyone: only the purge removes it.

The tracker store is Rasa's SQL tracker store (table ``events``): ``--tracker-db-url``,
else env ``SUPPORT_TRACKER_DB_URL``, else the ``tracker_store`` of ``endpoints.yml`` (env
``SUPPORT_ENDPOINTS`` for another file; ``${VAR}`` expanded as Rasa does). It is read
with SQLAlchemy Core here: the support library imports nothing from Rasa.
"""
from __future__ import annotations

import json
import os
import re
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence, Set

import jwt
import yaml
from sqlalchemy import (
    Column, Float, Integer, MetaData, String, Table, Text, and_, delete, func, inspect,
    or_, select, update,
)
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session

from .audit import record_audit_event
from .clock import aware_utc, resolve_now, to_db_time
from .config import PROJECT_ROOT, ConfigError, SupportConfig, current_config
from .database import Database, create_support_engine, safe_url, translate_errors
from .identity import ALGORITHM, is_valid_player_id, player_jwt_secret
from .models import (
    OPEN_HANDOFF_STATUSES, Base, OPEN_TICKET_STATUSES, AuditEvent, Bonus, ConversationNote,
    Handoff, IdentityDocument, OutboxMail, Player, SatisfactionRating, Ticket,
    TicketContact, TicketEvent, Withdrawal,
)

DEFAULT_RETENTION_DAYS = {"conversations": 365, "tickets": 1095, "ticket_transcripts": 365,
                          "mail_outbox": 90, "audit": 1825}
CHUNK = 500  # ids per DELETE statement
ERASED = "[effacé]"
TOKEN_REMOVED = "[jeton retiré]"
AGENT = "conseiller"  # what an export says instead of an agent's login
FINISHED_MAIL_STATUSES = ("sent", "failed")
SOLVED_STATUSES = ("solved", "closed")  # "closed": how older versions said solved


class PersonalDataError(ValueError):
    """A refused request (unknown player, open conversation...)."""


# --- settings -------------------------------------------------------------------------

@dataclass(frozen=True)
class RetentionDays:
    conversations: int = 365
    tickets: int = 1095
    ticket_transcripts: int = 365
    mail_outbox: int = 90
    audit: int = 1825

    def as_dict(self) -> Dict[str, int]:
        return asdict(self)


def retention_days(config: Optional[SupportConfig] = None) -> RetentionDays:
    """support.yml ``personal_data.retention_days``, defaults for missing keys;
    ``ConfigError`` for an unknown key or a value that is not a whole number of days >= 1."""
    config = config or current_config()
    raw = (config.personal_data or {}).get("retention_days") or {}
    if not isinstance(raw, dict):
        raise ConfigError("support.yml: personal_data.retention_days must be a mapping")
    unknown = sorted(set(raw) - set(DEFAULT_RETENTION_DAYS))
    if unknown:
        raise ConfigError(f"support.yml: personal_data.retention_days: unknown keys "
                          f"{', '.join(unknown)}")
    values = dict(DEFAULT_RETENTION_DAYS)
    for key, value in raw.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ConfigError(f"support.yml: personal_data.retention_days.{key} must be a "
                              f"whole number of days (1 or more): {value!r}")
        values[key] = value
    return RetentionDays(**values)


# --- the tracker store ----------------------------------------------------------------

_tracker_metadata = MetaData()
EVENTS = Table(  # Rasa's SQLTrackerStore.SQLEvent, read with SQLAlchemy Core
    "events", _tracker_metadata,
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255), nullable=False),
    Column("type_name", String(255), nullable=False),
    Column("timestamp", Float),
    Column("intent_name", String(255)),
    Column("action_name", String(255)),
    Column("data", Text),
)
_ENV_VAR = re.compile(r"\$\{([^}]+)\}")


def endpoints_path() -> Path:
    return Path(os.environ.get("SUPPORT_ENDPOINTS") or PROJECT_ROOT / "endpoints.yml")


def tracker_db_url(url: Optional[str] = None, endpoints: Optional[Path] = None) -> Optional[str]:
    """The tracker store's SQLAlchemy URL (see the module's docstring); None when the
    tracker store is not an SQL one (nothing to purge, export or erase there)."""
    url = url or os.environ.get("SUPPORT_TRACKER_DB_URL")
    if url:
        return url
    path = endpoints or endpoints_path()
    if not path.exists():
        return None
    text = _ENV_VAR.sub(lambda m: os.environ.get(m.group(1), ""), path.read_text("utf-8"))
    store = (yaml.safe_load(text) or {}).get("tracker_store") or {}
    kind = str(store.get("type") or "")
    if kind.lower() != "sql" and not kind.endswith("SQLTrackerStore"):
        return None
    dialect = str(store.get("dialect") or "sqlite")
    database = str(store.get("db") or "rasa.db")
    if dialect == "sqlite":
        if database != ":memory:" and not Path(database).is_absolute():
            database = str(PROJECT_ROOT / database)
        return f"sqlite:///{database}"
    port = store.get("port")
    return URL.create(drivername=dialect, username=store.get("username") or None,
                      password=store.get("password") or None, host=store.get("url") or None,
                      port=int(port) if port not in (None, "") else None,
                      database=database).render_as_string(hide_password=False)


class TrackerEvents:
    """The ``events`` table of a Rasa SQL tracker store (None URL: no SQL store)."""

    def __init__(self, url: Optional[str]):
        self.url = url
        self.engine: Optional[Engine] = None
        if url and not _missing_sqlite_file(url):  # an SQLite file is never created here
            self.engine = create_support_engine(url)

    @property
    def available(self) -> bool:
        if self.engine is None:
            return False
        with translate_errors(self.url):
            return inspect(self.engine).has_table("events")

    def describe(self) -> Optional[str]:
        return safe_url(self.url) if self.url else None

    def last_event_times(self) -> Dict[str, float]:
        """Each conversation's last event time (Unix seconds)."""
        if not self.available:
            return {}
        query = select(EVENTS.c.sender_id, func.max(EVENTS.c.timestamp)).group_by(
            EVENTS.c.sender_id)
        with translate_errors(self.url), self.engine.connect() as connection:
            return {sender: stamp or 0.0 for sender, stamp in connection.execute(query)}

    def count(self, senders: Iterable[str]) -> int:
        senders = sorted(set(senders))
        if not senders or not self.available:
            return 0
        total = 0
        with translate_errors(self.url), self.engine.connect() as connection:
            for part in _chunks(senders):
                total += connection.execute(select(func.count()).select_from(EVENTS).where(
                    EVENTS.c.sender_id.in_(part))).scalar_one()
        return total

    def delete(self, senders: Iterable[str]) -> int:
        senders = sorted(set(senders))
        if not senders or not self.available:
            return 0
        total = 0
        with translate_errors(self.url), self.engine.begin() as connection:
            for part in _chunks(senders):
                total += connection.execute(
                    delete(EVENTS).where(EVENTS.c.sender_id.in_(part))).rowcount
        return total

    def events_of(self, sender_id: str) -> List[Dict[str, Any]]:
        if not self.available:
            return []
        query = (select(EVENTS.c.data).where(EVENTS.c.sender_id == sender_id)
                 .order_by(EVENTS.c.id))
        with translate_errors(self.url), self.engine.connect() as connection:
            return [_json_dict(data) for (data,) in connection.execute(query)]

    def token_senders(self) -> Dict[str, Set[str]]:
        """token -> the conversations whose user messages carried it."""
        if not self.available:
            return {}
        query = select(EVENTS.c.sender_id, EVENTS.c.data).where(
            EVENTS.c.type_name == "user", EVENTS.c.data.like("%player_token%"))
        found: Dict[str, Set[str]] = {}
        with translate_errors(self.url), self.engine.connect() as connection:
            for sender, data in connection.execute(query):
                token = (_json_dict(data).get("metadata") or {}).get("player_token")
                if isinstance(token, str):
                    found.setdefault(token, set()).add(sender)
        return found

    def dispose(self) -> None:
        if self.engine is not None:
            self.engine.dispose()


def _missing_sqlite_file(url: str) -> bool:
    try:
        parsed = make_url(url)
    except ArgumentError:
        return False  # create_support_engine says what is wrong with it
    database = parsed.database or ""
    return (parsed.get_backend_name() == "sqlite" and database not in ("", ":memory:")
            and not database.startswith("file:") and not Path(database).exists())


def _chunks(values: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), CHUNK):
        yield values[start:start + CHUNK]


def _json_dict(text: Optional[str]) -> Dict[str, Any]:
    try:
        value = json.loads(text or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def token_player(token: str, secret: Optional[str] = None) -> Optional[str]:
    """The player a token names when the casino signed it (expired or not), else None."""
    try:
        claims = jwt.decode(token, player_jwt_secret(secret), algorithms=[ALGORITHM],
                            options={"verify_exp": False, "require": ["sub"]})
    except jwt.PyJWTError:
        return None
    player_id = claims.get("sub")
    return player_id if is_valid_player_id(player_id) else None


# --- purge ----------------------------------------------------------------------------

def _protected_conversations(session: Session) -> Set[str]:
    """Conversations of an open handoff or an unsolved ticket: never purged."""
    handoffs = session.execute(select(Handoff.conversation_id).where(
        Handoff.status.in_(OPEN_HANDOFF_STATUSES))).scalars()
    tickets = session.execute(select(Ticket.conversation_id).where(
        Ticket.status.in_(OPEN_TICKET_STATUSES), Ticket.conversation_id.isnot(None))).scalars()
    return set(handoffs) | set(tickets)


def purge(database: Database, tracker: TrackerEvents, *, dry_run: bool = False,
          now: Optional[datetime] = None, config: Optional[SupportConfig] = None,
          actor: str = "cli") -> Dict[str, Any]:
    """Delete what is past its retention (see the module's docstring); returns the counts
    (``deleted``), the cut-off dates and the conversations kept because still open."""
    now = resolve_now(now)
    days = retention_days(config)
    cutoffs = {key: now - timedelta(days=value) for key, value in days.as_dict().items()}
    db_cut = {key: to_db_time(value) for key, value in cutoffs.items()}
    counts: Dict[str, int] = {}

    with database.session_scope() as session:
        protected = _protected_conversations(session)
        old = {sender for sender, stamp in tracker.last_event_times().items()
               if stamp < cutoffs["conversations"].timestamp()}
        conversations = old - protected
        counts["conversations"] = len(conversations)
        counts["tracker_events"] = (tracker.count(conversations) if dry_run
                                    else tracker.delete(conversations))

        def remove(model, *conditions) -> int:
            ids = list(session.execute(select(model.id).where(*conditions)).scalars())
            if not dry_run:
                for part in _chunks(ids):
                    session.execute(delete(model).where(model.id.in_(part)))
            return len(ids)

        # Subqueries rather than lists of ids: a first purge may match many thousands of
        # rows (SQLite limits the parameters of one statement).
        open_handoffs = select(Handoff.conversation_id).where(
            Handoff.status.in_(OPEN_HANDOFF_STATUSES))
        unsolved_tickets = select(Ticket.conversation_id).where(
            Ticket.status.in_(OPEN_TICKET_STATUSES), Ticket.conversation_id.isnot(None))

        def not_protected(column):
            return and_(column.notin_(open_handoffs), column.notin_(unsolved_tickets))
        counts["handoffs"] = remove(
            Handoff, Handoff.status.notin_(OPEN_HANDOFF_STATUSES),
            func.coalesce(Handoff.closed_at, Handoff.created_at) < db_cut["conversations"],
            not_protected(Handoff.conversation_id))
        counts["satisfaction_ratings"] = remove(
            SatisfactionRating, SatisfactionRating.created_at < db_cut["conversations"],
            not_protected(SatisfactionRating.conversation_id))
        counts["conversation_notes"] = remove(
            ConversationNote, ConversationNote.created_at < db_cut["conversations"],
            not_protected(ConversationNote.conversation_id))
        counts["ticket_contacts"] = remove(
            TicketContact, TicketContact.created_at < db_cut["conversations"],
            not_protected(TicketContact.conversation_id))

        solved_at = func.coalesce(Ticket.closed_at, Ticket.created_at)
        solved = Ticket.status.in_(SOLVED_STATUSES)
        old_tickets = select(Ticket.id).where(solved, solved_at < db_cut["tickets"])
        old_references = select(Ticket.reference).where(solved, solved_at < db_cut["tickets"])
        counts["ticket_events"] = remove(TicketEvent, TicketEvent.ticket_id.in_(old_tickets))
        mails_of_tickets = remove(OutboxMail, OutboxMail.ticket_reference.in_(old_references))
        counts["mail_outbox"] = mails_of_tickets + remove(
            OutboxMail, OutboxMail.status.in_(FINISHED_MAIL_STATUSES),
            func.coalesce(OutboxMail.sent_at, OutboxMail.created_at) < db_cut["mail_outbox"],
            or_(OutboxMail.ticket_reference.is_(None),
                OutboxMail.ticket_reference.notin_(old_references)))
        transcripts = list(session.execute(select(Ticket.id).where(
            solved, solved_at < db_cut["ticket_transcripts"], solved_at >= db_cut["tickets"],
            or_(Ticket.transcript.isnot(None), Ticket.account_snapshot.isnot(None))))
            .scalars())
        if not dry_run:
            for part in _chunks(transcripts):
                session.execute(update(Ticket).where(Ticket.id.in_(part)).values(
                    transcript=None, account_snapshot=None))
        counts["ticket_transcripts"] = len(transcripts)
        counts["tickets"] = remove(Ticket, solved, solved_at < db_cut["tickets"])
        counts["audit_events"] = remove(AuditEvent, AuditEvent.at < db_cut["audit"])

        report = {
            "dry_run": dry_run,
            "at": now.isoformat(),
            "retention_days": days.as_dict(),
            "cutoffs": {key: value.isoformat() for key, value in cutoffs.items()},
            "deleted": counts,
            "kept_open_conversations": len(old & protected),
            "tracker_store": tracker.describe(),
        }
        if not dry_run:
            record_audit_event(session, actor, "personal_data_purged", now=now, details={
                "deleted": counts, "retention_days": days.as_dict(),
                "kept_open_conversations": report["kept_open_conversations"]})
        else:
            session.rollback()
    return report


# --- a player's data ------------------------------------------------------------------

def _iso(value: Optional[datetime]) -> Optional[str]:
    return None if value is None else aware_utc(value).isoformat()


def player_conversations(session: Session, tracker: TrackerEvents, player_id: str,
                         secret: Optional[str] = None) -> Dict[str, List[str]]:
    """conversation id -> how it is tied to the player (``token``, ``handoff``,
    ``ticket``, ``rating``, ``note``)."""
    tied: Dict[str, List[str]] = {}

    def add(conversation_ids: Iterable[Optional[str]], how: str) -> None:
        for conversation_id in conversation_ids:
            if conversation_id and how not in tied.setdefault(conversation_id, []):
                tied[conversation_id].append(how)

    for token, senders in tracker.token_senders().items():
        if token_player(token, secret) == player_id:
            add(senders, "token")
    for model, how in ((Handoff, "handoff"), (Ticket, "ticket"),
                       (SatisfactionRating, "rating"), (ConversationNote, "note")):
        add(session.execute(select(model.conversation_id).where(
            model.player_id == player_id)).scalars(), how)
    return dict(sorted(tied.items()))


def _player_known(session: Session, player_id: str) -> bool:
    if session.get(Player, player_id) is not None:
        return True
    for model in (Ticket, Handoff, SatisfactionRating, AuditEvent):
        if session.execute(select(model.id).where(model.player_id == player_id)
                           .limit(1)).first():
            return True
    return False


def _check_player(session: Session, player_id: Any) -> str:
    if not is_valid_player_id(player_id) or not _player_known(session, player_id):
        raise PersonalDataError(f"unknown player {player_id!r}")
    return player_id


def _agent_hidden(actor: Optional[str]) -> Optional[str]:
    """An agent's login is the agent's own data: an export says « conseiller »."""
    if isinstance(actor, str) and actor.startswith("agent:"):
        return AGENT
    return actor


def _export_event(event: Any, key: Optional[str] = None) -> Any:
    """The event as stored, without player tokens (credentials, wherever Rasa copied
    them: metadata, parse_data) and with agents' logins replaced."""
    if key == "player_token":
        return TOKEN_REMOVED
    if key == "agent" and isinstance(event, str) and event:
        return AGENT
    if isinstance(event, dict):
        return {name: _export_event(value, name) for name, value in event.items()}
    if isinstance(event, list):
        return [_export_event(value) for value in event]
    return event


HANDLED_TABLES = {"players", "identity_documents", "bonuses", "withdrawals", "tickets",
                  "ticket_events", "mail_outbox", "handoffs", "satisfaction_ratings",
                  "conversation_notes", "audit_events", "ticket_contacts", "agents"}


def _other_tables(session: Session) -> List[str]:
    """Tables with a ``player_id`` column this module does not know (complaints, the
    responsible-gambling records...): exported as they are, never erased (an account's
    protection records, a self-exclusion, must outlive an erasure request)."""
    inspector = inspect(session.connection())
    return sorted(name for name in inspector.get_table_names()
                  if name not in HANDLED_TABLES
                  and any(column["name"] == "player_id"
                          for column in inspector.get_columns(name)))


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return _iso(value)
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)  # Decimal, date


def _rows(model, rows: Iterable[Any], fields: Sequence[str]) -> List[Dict[str, Any]]:
    out = []
    for row in rows:
        item = {}
        for field in fields:
            value = getattr(row, field)
            item[field] = _iso(value) if isinstance(value, datetime) else value
        out.append(item)
    return out


def export_player(database: Database, tracker: TrackerEvents, player_id: str, *,
                  now: Optional[datetime] = None, actor: str = "cli",
                  secret: Optional[str] = None) -> Dict[str, Any]:
    """Everything the support desk holds about ``player_id`` (JSON-ready); audited
    (``personal_data_exported``). ``PersonalDataError`` for an unknown player."""
    now = resolve_now(now)
    with database.session_scope() as session:
        _check_player(session, player_id)
        from .tickets import _info  # the ticket as the desk shows it

        tied = player_conversations(session, tracker, player_id, secret)
        player = session.get(Player, player_id)
        account = None
        if player is not None:
            account = _rows(Player, [player], ("id", "display_name", "email", "country",
                                               "created_at", "self_excluded_until",
                                               "status"))[0]
            account["self_excluded_until"] = (str(player.self_excluded_until)
                                              if player.self_excluded_until else None)
            account["documents"] = _rows(IdentityDocument, player.documents, (
                "doc_type", "status", "rejection_reason", "uploaded_at", "reviewed_at"))
            account["bonuses"] = [
                {**item, **{k: str(v) for k, v in item.items()
                            if k in ("amount", "wagering_required", "wagering_done",
                                     "max_bet") and v is not None}}
                for item in _rows(Bonus, player.bonuses, (
                    "name", "amount", "wagering_required", "wagering_done", "max_bet",
                    "status", "created_at", "expires_at", "ended_at"))]
            account["withdrawals"] = [
                {**item, "amount": str(item["amount"])}
                for item in _rows(Withdrawal, player.withdrawals, (
                    "reference", "amount", "method", "status", "requested_at", "paid_at"))]

        ticket_rows = session.execute(select(Ticket).where(or_(
            Ticket.player_id == player_id,
            Ticket.conversation_id.in_(sorted(tied)) if tied else Ticket.id.is_(None)))
            .order_by(Ticket.created_at)).scalars().all()
        tickets = []
        for ticket in ticket_rows:
            item = _info(ticket, now).as_dict()
            item["closed_by"] = _agent_hidden(item.get("closed_by"))
            item["transcript"] = [dict(line, agent=AGENT) if line.get("agent") else line
                                  for line in item["transcript"] if isinstance(line, dict)]
            item["events"] = [
                {"kind": event.kind, "author": _agent_hidden(event.author),
                 "text": event.text, "at": _iso(event.at)}
                for event in session.execute(select(TicketEvent).where(
                    TicketEvent.ticket_id == ticket.id).order_by(TicketEvent.at)).scalars()]
            item["mails"] = _rows(OutboxMail, session.execute(select(OutboxMail).where(
                OutboxMail.ticket_reference == ticket.reference)).scalars(), (
                "kind", "to_address", "subject", "body", "status", "created_at", "sent_at"))
            tickets.append(item)

        handoffs = _rows(Handoff, session.execute(select(Handoff).where(
            Handoff.player_id == player_id).order_by(Handoff.created_at)).scalars(), (
            "conversation_id", "reason", "priority", "status", "created_at", "taken_at",
            "closed_at"))
        notes = _rows(ConversationNote, session.execute(select(ConversationNote).where(or_(
            ConversationNote.player_id == player_id,
            ConversationNote.conversation_id.in_(sorted(tied)) if tied
            else ConversationNote.id.is_(None))).order_by(ConversationNote.created_at))
            .scalars(), ("conversation_id", "text", "created_at"))
        contacts = _rows(TicketContact, session.execute(select(TicketContact).where(
            TicketContact.conversation_id.in_(sorted(tied)))).scalars(),
            ("conversation_id", "email", "created_at")) if tied else []
        ratings = _rows(SatisfactionRating, session.execute(select(SatisfactionRating).where(
            SatisfactionRating.player_id == player_id)).scalars(),
            ("conversation_id", "rating", "comment", "created_at"))
        audit = [dict(item, actor=_agent_hidden(item["actor"]),
                      details=_json_dict(item["details"]))
                 for item in _rows(AuditEvent, session.execute(select(AuditEvent).where(
                     AuditEvent.player_id == player_id).order_by(AuditEvent.at)).scalars(),
                     ("at", "actor", "action", "details"))]
        others = {}
        for name in _other_tables(session):
            table = Base.metadata.tables.get(name)  # the model's types (Money...)
            if table is None:
                table = Table(name, MetaData(), autoload_with=session.connection())
            others[name] = [{key: _plain(value) for key, value in row._mapping.items()
                             if key != "id"}
                            for row in session.execute(select(table).where(
                                table.c.player_id == player_id))]
        record_audit_event(session, actor, "personal_data_exported", player_id=player_id,
                           now=now, details={"conversations": len(tied),
                                             "tickets": len(tickets)})

    conversations = [{"conversation_id": conversation_id, "tied_by": how,
                      "events": [_export_event(event)
                                 for event in tracker.events_of(conversation_id)]}
                     for conversation_id, how in tied.items()]
    return {"player_id": player_id, "exported_at": now.isoformat(), "account": account,
            "conversations": conversations, "tickets": tickets, "handoffs": handoffs,
            "satisfaction_ratings": ratings, "conversation_notes": notes,
            "ticket_contacts": contacts, "other_records": others, "audit_events": audit}


def erase_player(database: Database, tracker: TrackerEvents, player_id: str, *,
                 dry_run: bool = False, now: Optional[datetime] = None, actor: str = "cli",
                 secret: Optional[str] = None) -> Dict[str, Any]:
    """Delete or anonymise what the support desk holds about ``player_id``:

    * the tracker events of the player's conversations: deleted;
    * tickets: e-mail, description, transcript, snapshot, summary and the texts of their
      replies and notes removed, the player id too; reference, category, priority, dates
      and status kept (the operator's figures); an unsolved one is solved; their e-mails
      deleted;
    * handoffs and satisfaction ratings: the player id and the comment removed (the
      rating, dates and agent stay for the figures); agents' notes and the e-mail
      addresses given for tickets in those conversations: deleted;
    * the audit trail stays (the operator's evidence), and gets ``personal_data_erased``
      with the player id and the counts: the legal record of the erasure.

    The casino account itself (``players`` and its documents, bonuses and withdrawals) is
    not the support desk's to delete: it stays under the operator's legal retention, as
    do the other tables with a ``player_id`` (``_other_tables``: the responsible-gambling
    records, a complaints table).
    Refused (``PersonalDataError``) for an unknown player and while the player is in a
    chat (an open handoff). ``dry_run``: the counts, nothing changed.
    """
    now = resolve_now(now)
    with database.session_scope() as session:
        _check_player(session, player_id)
        if session.execute(select(Handoff.id).where(
                Handoff.player_id == player_id,
                Handoff.status.in_(OPEN_HANDOFF_STATUSES))).first():
            raise PersonalDataError(f"player {player_id} is in a chat with an agent right "
                                    "now (open handoff): close it first")
        tied = player_conversations(session, tracker, player_id, secret)
        conversation_ids = sorted(tied)
        tickets = session.execute(select(Ticket).where(or_(
            Ticket.player_id == player_id,
            Ticket.conversation_id.in_(conversation_ids) if conversation_ids
            else Ticket.id.is_(None)))).scalars().all()
        ticket_ids = [ticket.id for ticket in tickets]
        references = [ticket.reference for ticket in tickets]
        counts = {
            "conversations": len(conversation_ids),
            "tracker_events": tracker.count(conversation_ids),
            "tickets": len(tickets),
            "ticket_events": session.execute(select(func.count()).select_from(TicketEvent)
                                             .where(TicketEvent.ticket_id.in_(ticket_ids)))
            .scalar_one() if ticket_ids else 0,
            "mail_outbox": session.execute(select(func.count()).select_from(OutboxMail).where(
                OutboxMail.ticket_reference.in_(references))).scalar_one() if references else 0,
            "handoffs": session.execute(select(func.count()).select_from(Handoff).where(
                Handoff.player_id == player_id)).scalar_one(),
            "satisfaction_ratings": session.execute(
                select(func.count()).select_from(SatisfactionRating).where(
                    SatisfactionRating.player_id == player_id)).scalar_one(),
            "conversation_notes": session.execute(
                select(func.count()).select_from(ConversationNote).where(or_(
                    ConversationNote.player_id == player_id,
                    ConversationNote.conversation_id.in_(conversation_ids)
                    if conversation_ids else ConversationNote.id.is_(None)))).scalar_one(),
            "ticket_contacts": session.execute(
                select(func.count()).select_from(TicketContact).where(
                    TicketContact.conversation_id.in_(conversation_ids))).scalar_one()
            if conversation_ids else 0,
        }
        report = {"player_id": player_id, "dry_run": dry_run, "at": now.isoformat(),
                  "conversation_ids": conversation_ids, "erased": counts,
                  "tracker_store": tracker.describe()}
        if dry_run:
            return report
        for ticket in tickets:
            ticket.player_id = None
            ticket.email = None
            ticket.description = None
            ticket.transcript = None
            ticket.account_snapshot = None
            ticket.summary = ERASED
            if ticket.status not in SOLVED_STATUSES:
                ticket.status, ticket.closed_at = "solved", to_db_time(now)
                ticket.closed_by = actor
        if ticket_ids:
            session.execute(update(TicketEvent).where(TicketEvent.ticket_id.in_(ticket_ids))
                            .where(TicketEvent.kind != "status").values(text=None))
            session.execute(delete(OutboxMail).where(
                OutboxMail.ticket_reference.in_(references)))
        session.execute(update(Handoff).where(Handoff.player_id == player_id)
                        .values(player_id=None))
        session.execute(update(SatisfactionRating).where(
            SatisfactionRating.player_id == player_id).values(player_id=None, comment=None))
        session.execute(delete(ConversationNote).where(or_(
            ConversationNote.player_id == player_id,
            ConversationNote.conversation_id.in_(conversation_ids)
            if conversation_ids else ConversationNote.id.is_(None))))
        if conversation_ids:
            session.execute(delete(TicketContact).where(
                TicketContact.conversation_id.in_(conversation_ids)))
        session.flush()
        # The tracker store last but one: if it fails, the support database rolls back
        # and the erasure can simply be run again.
        counts["tracker_events"] = tracker.delete(conversation_ids)
        record_audit_event(session, actor, "personal_data_erased", player_id=player_id,
                           now=now, details={"erased": counts,
                                             "conversations": len(conversation_ids),
                                             "ticket_references": references})
    return report
