from datetime import timedelta

from sqlalchemy import select

from casino_support.accounts import bonus_status, cancel_bonus
from casino_support.database import session_scope
from casino_support.demo_data import DEMO_PLAYER_IDS, reset_demo_players, seed
from casino_support.models import (
    AuditEvent, Base, Bonus, IdentityDocument, Player, Withdrawal,
)

DATA_TABLES = ("players", "identity_documents", "bonuses", "withdrawals")


def dump(tables=DATA_TABLES):
    """Every row of the demo data tables, as comparable tuples."""
    with session_scope() as session:
        return {name: sorted(tuple(row) for row in
                             session.execute(Base.metadata.tables[name].select()).all())
                for name in tables}


def test_seed_creates_the_six_demo_players(seeded):
    with session_scope() as session:
        players = session.execute(select(Player).order_by(Player.id)).scalars().all()
        assert tuple(p.id for p in players) == DEMO_PLAYER_IDS == (
            "P1001", "P1002", "P1003", "P1004", "P1005", "P1006")
        for player in players:
            assert player.email.endswith(("@example.com", "@example.org"))
            assert player.display_name and player.country == "FR"
        assert session.query(IdentityDocument).count() == 18
        assert session.query(Bonus).count() == 1
        assert session.query(Withdrawal).count() == 1


def test_seed_twice_gives_the_same_rows(db, now):
    first = seed(db, now)
    rows = dump()
    second = seed(db, now)
    assert first.total == 6 + 18 + 1 + 1
    assert second.total == 0
    assert dump() == rows


def test_seed_later_does_not_duplicate(db, now):
    seed(db, now)
    rows = dump()
    assert seed(db, now + timedelta(days=3)).total == 0
    assert dump() == rows


def test_seed_keeps_live_changes(db, now):
    seed(db, now)
    cancel_bonus(db, "P1003", actor="bot", now=now)
    seed(db, now)
    assert bonus_status(db, "P1003", now) is None


def test_seed_completes_a_partial_player(db, now):
    seed(db, now)
    with session_scope() as session:
        session.execute(IdentityDocument.__table__.delete().where(
            IdentityDocument.player_id == "P1001"))
    report = seed(db, now)
    assert report.documents == 3 and report.players == 0


def test_reset_demo_players_recreates_their_state(db, now):
    seed(db, now)
    cancel_bonus(db, "P1003", actor="bot", now=now)
    report = reset_demo_players(db, now)
    assert report.players == 6
    assert bonus_status(db, "P1003", now).blocks_withdrawal
    with session_scope() as session:
        actions = session.execute(select(AuditEvent.action)).scalars().all()
    assert "bonus_cancelled" in actions and "demo_players_reset" in actions


def test_reset_leaves_other_players_alone(db, now):
    seed(db, now)
    with session_scope() as session:
        session.add(Player(id="P2000", display_name="Alex Roux", email="alex@example.org",
                           country="BE", created_at=now.replace(tzinfo=None)))
    reset_demo_players(db, now)
    with session_scope() as session:
        assert session.get(Player, "P2000") is not None
