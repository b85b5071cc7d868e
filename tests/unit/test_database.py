import sqlite3
import time

import pytest
from sqlalchemy import inspect, select, text

from casino_support.database import (
    SupportDatabaseMisconfigured, SupportDatabaseUnavailable, database_url,
    dispose_databases, get_database, session_scope,
)
from casino_support.demo_data import seed
from casino_support.models import Player


def test_url_from_the_environment(db_url):
    assert database_url() == db_url
    assert database_url("sqlite://") == "sqlite://"


def test_default_url_is_var_support_db_under_the_project(monkeypatch):
    monkeypatch.delenv("SUPPORT_DB_URL", raising=False)
    assert database_url().endswith("/var/support.db")


def test_no_engine_connection_until_first_use(tmp_path):
    path = tmp_path / "sub" / "dir" / "support.db"
    database = get_database(f"sqlite:///{path}")
    assert not path.exists()
    with database.session_scope() as session:
        session.execute(text("select 1"))
    assert path.exists()
    dispose_databases()


def test_databases_are_cached_per_url(db_url, tmp_path):
    assert get_database() is get_database(db_url)
    other = get_database(f"sqlite:///{tmp_path / 'other.db'}")
    assert other is not get_database(db_url)


def test_schema_is_created_with_wal(db):
    with db.session_scope() as session:
        assert session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert session.execute(text("PRAGMA busy_timeout")).scalar() >= 1000
    tables = set(inspect(db.engine).get_table_names())
    assert {"players", "identity_documents", "bonuses", "withdrawals", "audit_events",
            "tickets", "handoffs", "agents"} <= tables


def test_session_scope_rolls_back_on_error(db, now):
    with pytest.raises(RuntimeError):
        with session_scope() as session:
            session.add(Player(id="P7777", display_name="X", email="x@example.org",
                               country="FR", created_at=now.replace(tzinfo=None)))
            session.flush()
            raise RuntimeError("boom")
    with session_scope() as session:
        assert session.get(Player, "P7777") is None


def test_data_survives_a_restart(db_url, now):
    seed(get_database(db_url), now)
    dispose_databases()
    with get_database(db_url).session_scope() as session:
        assert session.get(Player, "P1003") is not None


def test_missing_columns_are_added_without_losing_data(tmp_path):
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as old:  # an older schema: players without status
        old.execute("CREATE TABLE players (id VARCHAR(32) PRIMARY KEY, display_name "
                    "VARCHAR(120) NOT NULL, email VARCHAR(254) NOT NULL, country VARCHAR(2) "
                    "NOT NULL, created_at DATETIME NOT NULL)")
        old.execute("INSERT INTO players VALUES ('P42', 'Ancien Joueur', 'a@example.org', "
                    "'FR', '2025-01-01 00:00:00')")
    database = get_database(f"sqlite:///{path}")
    with database.session_scope() as session:
        player = session.get(Player, "P42")
        assert player.display_name == "Ancien Joueur"
        assert player.status == "active"
        assert player.self_excluded_until is None
    dispose_databases()


def test_unreachable_database_raises_quickly():
    database = get_database("postgresql://support:secret@127.0.0.1:1/support")
    started = time.monotonic()
    with pytest.raises(SupportDatabaseUnavailable) as caught:
        with database.session_scope() as session:
            session.execute(select(Player))
    assert time.monotonic() - started < 5
    assert "secret" not in str(caught.value)
    dispose_databases()


def test_unreachable_sqlite_file_raises_unavailable(tmp_path):
    folder = tmp_path / "a-folder"
    folder.mkdir()
    database = get_database(f"sqlite:///{folder}")  # a directory is not a database
    with pytest.raises(SupportDatabaseUnavailable):
        with database.session_scope():
            pass
    dispose_databases()


def test_invalid_url_is_a_misconfiguration():
    with pytest.raises(SupportDatabaseMisconfigured):
        get_database("nosuchdialect://x")
    assert issubclass(SupportDatabaseMisconfigured, SupportDatabaseUnavailable)


def test_postgresql_connections_get_short_timeouts(monkeypatch):
    from sqlalchemy.engine import make_url
    from casino_support.database import _server_options

    monkeypatch.setenv("SUPPORT_DB_STATEMENT_TIMEOUT", "2.5")
    options = _server_options(make_url("postgresql+psycopg2://u@127.0.0.1/support"))
    assert options["pool_pre_ping"] is True
    assert options["connect_args"]["connect_timeout"] == 3
    assert options["connect_args"]["options"] == "-c statement_timeout=2500"
    assert options["connect_args"]["keepalives"] == 1
    monkeypatch.setenv("SUPPORT_DB_STATEMENT_TIMEOUT", "not a number")
    default = _server_options(make_url("postgresql://u@127.0.0.1/support"))
    assert default["connect_args"]["options"] == "-c statement_timeout=5000"
