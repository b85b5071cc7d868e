"""The six demo players of DESIGN.md, contract 4 (``support-desk seed``).

| id    | situation                                                                  |
|-------|----------------------------------------------------------------------------|
| P1001 | validated (ID, proof of address, bank details accepted), nothing pending    |
| P1002 | ID accepted, proof of address missing, RIB accepted: withdrawals blocked    |
| P1003 | validated; active welcome bonus 100 €, wagering 3 500 € required, 1 200 €   |
|       | done (2 300 € left), max bet 5 €, expires in 20 days                       |
| P1004 | validated; 500 € "virement" withdrawal requested 9 days ago, still pending  |
| P1005 | ID rejected ("document expiré"), the other documents accepted               |
| P1006 | validated; self-excluded until the same day next year                      |

``seed`` is idempotent and never destroys live changes: it only inserts what is
missing (a player by id, a document by player and type, a bonus by player and name, a
withdrawal by reference), so a bonus cancelled in a demo stays cancelled.
``reset_demo_players`` deletes the demo players' rows and seeds them again (tests,
``support-desk seed --reset``); the audit trail is kept.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import List, Optional, Tuple, Union

from sqlalchemy import select
from sqlalchemy.orm import Session

from .audit import record_audit_event
from .clock import resolve_now, to_db_time
from .database import Database, use_session
from .models import Bonus, IdentityDocument, Player, Withdrawal

Source = Union[Session, Database]

DEMO_PLAYERS: Tuple[Tuple[str, str, str], ...] = (
    ("P1001", "Camille Martin", "camille.martin@example.com"),
    ("P1002", "Julien Bernard", "julien.bernard@example.com"),
    ("P1003", "Sophie Dubois", "sophie.dubois@example.com"),
    ("P1004", "Antoine Moreau", "antoine.moreau@example.com"),
    ("P1005", "Léa Petit", "lea.petit@example.com"),
    ("P1006", "Thomas Leroy", "thomas.leroy@example.com"),
)
DEMO_PLAYER_IDS = tuple(player_id for player_id, _, _ in DEMO_PLAYERS)
DOCUMENT_TYPES = ("piece_identite", "justificatif_domicile", "rib")


@dataclass
class SeedReport:
    """How many rows ``seed`` inserted (all zero when everything was there)."""

    players: int = 0
    documents: int = 0
    bonuses: int = 0
    withdrawals: int = 0

    @property
    def total(self) -> int:
        return self.players + self.documents + self.bonuses + self.withdrawals


# --- what each demo player has --------------------------------------------------

def _one_year_later(day: date) -> date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def _players(now: datetime) -> List[Player]:
    created = to_db_time(now - timedelta(days=120))
    players = [Player(id=pid, display_name=name, email=email, country="FR",
                      created_at=created, status="active")
               for pid, name, email in DEMO_PLAYERS]
    players[-1].self_excluded_until = _one_year_later(now.date())  # P1006
    return players


def _document(player_id: str, doc_type: str, status: str, now: datetime,
              reason: Optional[str] = None, age_days: int = 60) -> IdentityDocument:
    uploaded = None if status == "missing" else to_db_time(now - timedelta(days=age_days))
    reviewed = (to_db_time(now - timedelta(days=age_days - 1))
                if status in ("accepted", "rejected") else None)
    return IdentityDocument(player_id=player_id, doc_type=doc_type, status=status,
                            rejection_reason=reason, uploaded_at=uploaded,
                            reviewed_at=reviewed)


def _documents(now: datetime) -> List[IdentityDocument]:
    special = {
        ("P1002", "justificatif_domicile"): _document("P1002", "justificatif_domicile",
                                                      "missing", now),
        ("P1005", "piece_identite"): _document("P1005", "piece_identite", "rejected", now,
                                               reason="document expiré", age_days=5),
    }
    return [special.get((pid, doc_type)) or _document(pid, doc_type, "accepted", now)
            for pid in DEMO_PLAYER_IDS for doc_type in DOCUMENT_TYPES]


def _bonuses(now: datetime) -> List[Bonus]:
    return [Bonus(player_id="P1003", name="Bonus de bienvenue", amount=Decimal("100"),
                  wagering_required=Decimal("3500"), wagering_done=Decimal("1200"),
                  max_bet=Decimal("5"), status="active",
                  created_at=to_db_time(now - timedelta(days=10)),
                  expires_at=to_db_time(now + timedelta(days=20)))]


def _withdrawals(now: datetime) -> List[Withdrawal]:
    return [Withdrawal(reference="W-DEMO-P1004", player_id="P1004", amount=Decimal("500"),
                       method="virement", status="pending",
                       requested_at=to_db_time(now - timedelta(days=9)))]


# --- seeding ----------------------------------------------------------------------

def _existing_players(session: Session) -> set:
    return set(session.execute(
        select(Player.id).where(Player.id.in_(DEMO_PLAYER_IDS))).scalars())


def _existing_documents(session: Session) -> set:
    return set(session.execute(
        select(IdentityDocument.player_id, IdentityDocument.doc_type)
        .where(IdentityDocument.player_id.in_(DEMO_PLAYER_IDS))).all())


def _existing_bonuses(session: Session) -> set:
    return set(session.execute(
        select(Bonus.player_id, Bonus.name)
        .where(Bonus.player_id.in_(DEMO_PLAYER_IDS))).all())


def _existing_withdrawals(session: Session) -> set:
    return set(session.execute(
        select(Withdrawal.reference).where(Withdrawal.reference.isnot(None))).scalars())


def _add_missing(session: Session, rows: list, existing: set, key) -> int:
    new_rows = [row for row in rows if key(row) not in existing]
    session.add_all(new_rows)
    session.flush()
    return len(new_rows)


def seed(source: Source, now: Optional[datetime] = None) -> SeedReport:
    """Insert the demo players' missing rows; never changes or deletes existing ones."""
    now = resolve_now(now)
    report = SeedReport()
    with use_session(source) as session:
        report.players = _add_missing(session, _players(now), _existing_players(session),
                                      lambda p: p.id)
        report.documents = _add_missing(session, _documents(now),
                                        _existing_documents(session),
                                        lambda d: (d.player_id, d.doc_type))
        report.bonuses = _add_missing(session, _bonuses(now), _existing_bonuses(session),
                                      lambda b: (b.player_id, b.name))
        report.withdrawals = _add_missing(session, _withdrawals(now),
                                          _existing_withdrawals(session),
                                          lambda w: w.reference)
    return report


def reset_demo_players(source: Source, now: Optional[datetime] = None,
                       actor: str = "demo_data") -> SeedReport:
    """Delete the demo players (documents, bonuses, withdrawals) and seed them again."""
    now = resolve_now(now)
    with use_session(source) as session:
        for player in session.execute(
                select(Player).where(Player.id.in_(DEMO_PLAYER_IDS))).scalars():
            session.delete(player)  # cascades to documents, bonuses, withdrawals
        session.flush()
        record_audit_event(session, actor, "demo_players_reset", None,
                           {"players": list(DEMO_PLAYER_IDS)}, now)
        return seed(session, now)
