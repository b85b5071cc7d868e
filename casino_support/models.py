"""The support database schema (SQLAlchemy 1.4 declarative models).

Datetimes are stored as naive UTC (see ``casino_support.clock``); money is stored as
NUMERIC(12, 2) and read back as ``Decimal``. Only ``casino_support`` modules use these
classes: the public functions return plain dataclasses or dicts, never ORM objects.

The schema only grows: ``casino_support.database`` creates missing tables and adds
missing columns on first use, so a new nullable column is all a migration needs.
"""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
)
from sqlalchemy.orm import declarative_base, relationship
from sqlalchemy.types import TypeDecorator

Base = declarative_base()

CENT = Decimal("0.01")

# Allowed values (kept as plain strings in the database for portability).
PLAYER_STATUSES = ("active", "suspended")
DOCUMENT_TYPES = ("piece_identite", "justificatif_domicile", "rib")
DOCUMENT_STATUSES = ("missing", "pending", "accepted", "rejected")
BONUS_STATUSES = ("active", "completed", "cancelled", "expired")
WITHDRAWAL_STATUSES = ("pending", "processing", "paid", "cancelled", "rejected")
OPEN_WITHDRAWAL_STATUSES = ("pending", "processing")
PRIORITIES = ("urgent", "high", "normal")
# open (the team's move) -> pending (waiting for the player) -> solved; "closed" is how
# older databases said solved: read and filtered as "solved" (casino_support.tickets).
TICKET_STATUSES = ("open", "pending", "solved")
OPEN_TICKET_STATUSES = ("open", "pending")
TICKET_EVENT_KINDS = ("reply", "note", "status")
MAIL_STATUSES = ("queued", "sent", "failed")
# waiting (in the queue) -> active (an agent took it) -> handed_back (to the bot) / closed.
HANDOFF_STATUSES = ("waiting", "active", "handed_back", "closed")
OPEN_HANDOFF_STATUSES = ("waiting", "active")


class Money(TypeDecorator):
    """NUMERIC(12, 2) read and written as ``Decimal`` rounded to the cent.

    SQLite has no decimal type: there the value travels as a float (exact for 12
    digits) and is turned back into a ``Decimal`` here, without SQLAlchemy's warning.
    """

    impl = Numeric(12, 2)
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name == "sqlite":
            return dialect.type_descriptor(Numeric(12, 2, asdecimal=False))
        return dialect.type_descriptor(Numeric(12, 2))

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        amount = Decimal(str(value)).quantize(CENT)
        return float(amount) if dialect.name == "sqlite" else amount

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return Decimal(str(value)).quantize(CENT)


class Player(Base):
    __tablename__ = "players"

    id = Column(String(32), primary_key=True)  # e.g. "P1001"
    display_name = Column(String(120), nullable=False)
    email = Column(String(254), nullable=False)
    country = Column(String(2), nullable=False, default="FR")  # ISO 3166-1 alpha-2
    created_at = Column(DateTime, nullable=False)
    self_excluded_until = Column(Date, nullable=True)
    status = Column(String(16), nullable=False, default="active")

    documents = relationship("IdentityDocument", back_populates="player",
                             cascade="all, delete-orphan")
    bonuses = relationship("Bonus", back_populates="player", cascade="all, delete-orphan")
    withdrawals = relationship("Withdrawal", back_populates="player",
                               cascade="all, delete-orphan")


class IdentityDocument(Base):
    """One document of the account verification (KYC); the latest row per type counts."""

    __tablename__ = "identity_documents"

    id = Column(Integer, primary_key=True, autoincrement=True)
    player_id = Column(String(32), ForeignKey("players.id"), nullable=False, index=True)
    doc_type = Column(String(32), nullable=False)  # DOCUMENT_TYPES
    status = Column(String(16), nullable=False, default="missing")  # DOCUMENT_STATUSES
    rejection_reason = Column(String(255), nullable=True)
    uploaded_at = Column(DateTime, nullable=True)
    reviewed_at = Column(DateTime, nullable=True)

    player = relationship("Player", back_populates="documents")


class Bonus(Base):
    __tablename__ = "bonuses"

    id = Column(Integer, primary_key=True, autoincrement=True)
    player_id = Column(String(32), ForeignKey("players.id"), nullable=False, index=True)
    name = Column(String(64), nullable=False)  # e.g. "welcome" (key in support.yml bonuses)
    amount = Column(Money, nullable=False)
    wagering_required = Column(Money, nullable=False)
    wagering_done = Column(Money, nullable=False, default=Decimal("0"))
    max_bet = Column(Money, nullable=True)
    expires_at = Column(DateTime, nullable=True)
    status = Column(String(16), nullable=False, default="active")  # BONUS_STATUSES
    created_at = Column(DateTime, nullable=False)
    ended_at = Column(DateTime, nullable=True)  # when completed / cancelled / expired

    player = relationship("Player", back_populates="bonuses")


class Withdrawal(Base):
    __tablename__ = "withdrawals"

    id = Column(Integer, primary_key=True, autoincrement=True)
    reference = Column(String(32), nullable=True, unique=True)
    player_id = Column(String(32), ForeignKey("players.id"), nullable=False, index=True)
    amount = Column(Money, nullable=False)
    method = Column(String(32), nullable=False)  # key of support.yml payment_methods
    requested_at = Column(DateTime, nullable=False)
    status = Column(String(16), nullable=False, default="pending")  # WITHDRAWAL_STATUSES
    paid_at = Column(DateTime, nullable=True)

    player = relationship("Player", back_populates="withdrawals")


class AuditEvent(Base):
    """Who did what to an account; never deleted."""

    __tablename__ = "audit_events"

    id = Column(Integer, primary_key=True, autoincrement=True)
    at = Column(DateTime, nullable=False, index=True)
    actor = Column(String(120), nullable=False)  # "bot", "agent:alice", "cli", ...
    player_id = Column(String(32), nullable=True, index=True)  # no FK: outlives players
    action = Column(String(64), nullable=False)
    details = Column(Text, nullable=True)  # JSON text


class Ticket(Base):
    __tablename__ = "tickets"

    id = Column(Integer, primary_key=True, autoincrement=True)
    reference = Column(String(32), nullable=False, unique=True)  # e.g. "T-2026-000123"
    player_id = Column(String(32), nullable=True, index=True)  # None: anonymous player
    email = Column(String(254), nullable=True)
    category = Column(String(64), nullable=False)
    priority = Column(String(16), nullable=False, default="normal")  # PRIORITIES
    status = Column(String(16), nullable=False, default="open")  # TICKET_STATUSES
    created_at = Column(DateTime, nullable=False, index=True)
    due_at = Column(DateTime, nullable=True)
    summary = Column(String(255), nullable=False)
    description = Column(Text, nullable=True)
    transcript = Column(Text, nullable=True)  # JSON text
    account_snapshot = Column(Text, nullable=True)  # JSON text
    conversation_id = Column(String(128), nullable=True, index=True)
    closed_at = Column(DateTime, nullable=True)
    closed_by = Column(String(120), nullable=True)  # "agent:alice"
    # The escalation reason the category was chosen from (None: tickets of older versions).
    reason = Column(String(64), nullable=True)


class TicketEvent(Base):
    """What the team did on a ticket: an e-mail reply, an internal note, a status change."""

    __tablename__ = "ticket_events"

    id = Column(Integer, primary_key=True, autoincrement=True)
    ticket_id = Column(Integer, ForeignKey("tickets.id"), nullable=False, index=True)
    kind = Column(String(16), nullable=False)  # TICKET_EVENT_KINDS
    author = Column(String(120), nullable=False)  # "agent:alice", "bot"
    text = Column(Text, nullable=True)  # the reply or the note; "open -> pending" for a status
    at = Column(DateTime, nullable=False)
    mail_id = Column(Integer, nullable=True)  # the outbox mail of a reply


class OutboxMail(Base):
    """An e-mail to send, written in the same transaction as what it tells
    (casino_support.ticket_mail): queued -> sent, or failed after its attempts."""

    __tablename__ = "mail_outbox"

    id = Column(Integer, primary_key=True, autoincrement=True)
    kind = Column(String(32), nullable=False)  # "ticket_ack", "ticket_reply"
    ticket_reference = Column(String(32), nullable=True, index=True)
    to_address = Column(String(254), nullable=False)
    subject = Column(String(255), nullable=False)
    body = Column(Text, nullable=False)
    message_id = Column(String(255), nullable=False)
    in_reply_to = Column(String(255), nullable=True)
    status = Column(String(16), nullable=False, default="queued")  # MAIL_STATUSES
    attempts = Column(Integer, nullable=False, default=0)
    last_error = Column(String(500), nullable=True)
    created_at = Column(DateTime, nullable=False)
    next_attempt_at = Column(DateTime, nullable=False)
    claimed_until = Column(DateTime, nullable=True)  # a sender is on it until then
    sent_at = Column(DateTime, nullable=True)

    __table_args__ = (Index("ix_mail_outbox_status_next", "status", "next_attempt_at"),)


class Handoff(Base):
    __tablename__ = "handoffs"

    id = Column(Integer, primary_key=True, autoincrement=True)
    conversation_id = Column(String(128), nullable=False)
    player_id = Column(String(32), nullable=True)
    reason = Column(String(255), nullable=True)
    priority = Column(String(16), nullable=False, default="normal")  # PRIORITIES
    status = Column(String(16), nullable=False, default="waiting")  # HANDOFF_STATUSES
    agent = Column(String(64), nullable=True)
    created_at = Column(DateTime, nullable=False)
    taken_at = Column(DateTime, nullable=True)
    closed_at = Column(DateTime, nullable=True)
    # When the agent holding it first wrote to the player (None: not yet; reset when
    # another agent gets it): only an agent who spoke is announced as ending it.
    agent_replied_at = Column(DateTime, nullable=True)
    # Last time a widget of this conversation was connected (None: never seen on a
    # socket, e.g. REST): a player gone longer than the presence grace has left.
    player_seen_at = Column(DateTime, nullable=True)
    # When the player, waiting with nobody coming, was offered a ticket (None: not yet;
    # support.yml agent_desk.offer_ticket_after_minutes, casino_support.waiting_offer).
    ticket_offered_at = Column(DateTime, nullable=True)
    # The team queue it was transferred to (None: the team its reason gives, see
    # casino_support.transfers.team_of).
    team = Column(String(32), nullable=True)

    __table_args__ = (
        Index("ix_handoffs_status_created", "status", "created_at"),
        Index("ix_handoffs_conversation", "conversation_id"),
    )


class Agent(Base):
    __tablename__ = "agents"

    id = Column(Integer, primary_key=True, autoincrement=True)
    name = Column(String(64), nullable=False, unique=True)
    password_hash = Column(String(128), nullable=False)  # bcrypt
    created_at = Column(DateTime, nullable=False)
    active = Column(Boolean, nullable=False, default=True)
    # Presence: refreshed by the agent console (login, socket connect, heartbeats);
    # None when the agent logged out. See casino_support.agents.online_agents.
    last_seen_at = Column(DateTime, nullable=True)
    # The agent's team (support.yml agent_desk.teams), None: any team.
    team = Column(String(32), nullable=True)
    # Set by the agent from the console: online but not available for new players.
    away_since = Column(DateTime, nullable=True)
    # A supervisor may take over a conversation another agent holds.
    supervisor = Column(Boolean, nullable=True, default=False)
    # What players are told (« Julie a rejoint la conversation »): never the login.
    display_name = Column(String(64), nullable=True)


class ConversationNote(Base):
    """An agent's internal note on a conversation: shown to agents only, never sent to
    the player nor stored in the tracker (casino_support.notes)."""

    __tablename__ = "conversation_notes"

    id = Column(Integer, primary_key=True, autoincrement=True)
    conversation_id = Column(String(128), nullable=False, index=True)
    player_id = Column(String(32), nullable=True)
    agent = Column(String(64), nullable=False)
    text = Column(Text, nullable=False)
    created_at = Column(DateTime, nullable=False)


class SatisfactionRating(Base):
    """The player's rating (1 to 5) of a chat with an agent: one per handoff
    (``casino_support.satisfaction``)."""

    __tablename__ = "satisfaction_ratings"

    id = Column(Integer, primary_key=True, autoincrement=True)
    handoff_id = Column(Integer, nullable=False, unique=True)  # no FK: as audit events
    conversation_id = Column(String(128), nullable=False, index=True)
    player_id = Column(String(32), nullable=True, index=True)
    agent = Column(String(64), nullable=True)
    rating = Column(Integer, nullable=False)
    comment = Column(Text, nullable=True)  # masked (cards, IBANs, e-mails)
    created_at = Column(DateTime, nullable=False, index=True)


class DepositLimit(Base):
    """A deposit limit the player asked for (casino_support.player_protection): in force
    from ``effective_at`` (at once when lowered, after the reflection period when raised)
    until a newer request is. ``amount`` None: the limit removed."""

    __tablename__ = "deposit_limits"

    id = Column(Integer, primary_key=True, autoincrement=True)
    player_id = Column(String(32), ForeignKey("players.id"), nullable=False, index=True)
    period = Column(String(8), nullable=False)  # day / week / month
    amount = Column(Money, nullable=True)
    requested_at = Column(DateTime, nullable=False)
    effective_at = Column(DateTime, nullable=False)
    actor = Column(String(64), nullable=False)
    conversation_id = Column(String(128), nullable=True)


class PlayerExclusion(Base):
    """A break (time-out) or a self-exclusion (casino_support.player_protection)."""

    __tablename__ = "player_exclusions"

    id = Column(Integer, primary_key=True, autoincrement=True)
    player_id = Column(String(32), ForeignKey("players.id"), nullable=False, index=True)
    kind = Column(String(16), nullable=False)  # break / self_exclusion
    starts_at = Column(DateTime, nullable=False)
    ends_at = Column(DateTime, nullable=True)  # None: indefinite (self-exclusion)
    requested_at = Column(DateTime, nullable=False)
    actor = Column(String(64), nullable=False)
    conversation_id = Column(String(128), nullable=True)


class ProtectionSignal(Base):
    """A responsible-gambling signal in a conversation (a limit, a break, distress, a
    self-exclusion): offers are held back after it (support.yml player_protection)."""

    __tablename__ = "protection_signals"

    id = Column(Integer, primary_key=True, autoincrement=True)
    player_id = Column(String(32), nullable=False, index=True)
    kind = Column(String(32), nullable=False)
    at = Column(DateTime, nullable=False)
    conversation_id = Column(String(128), nullable=True)


class TicketContact(Base):
    """The e-mail address a player gave the bot for a ticket: the tracker store keeps it
    masked (casino_connector.tracker_store), the ticket is created from this row
    (casino_support.ticket_contacts). Purged with the conversation."""

    __tablename__ = "ticket_contacts"

    id = Column(Integer, primary_key=True, autoincrement=True)
    conversation_id = Column(String(128), nullable=False, index=True)
    email = Column(String(254), nullable=False)
    created_at = Column(DateTime, nullable=False, index=True)
