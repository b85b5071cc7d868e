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
TICKET_STATUSES = ("open", "pending", "closed")
OPEN_TICKET_STATUSES = ("open", "pending")
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
    # Set by the agent from the console: online but not available for new players.
    away_since = Column(DateTime, nullable=True)
    # A supervisor may take over a conversation another agent holds.
    supervisor = Column(Boolean, nullable=True, default=False)
