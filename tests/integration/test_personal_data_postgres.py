"""`support-desk purge`, `export` and `erase` on PostgreSQL: the support database and
Rasa's SQL tracker store (created by Rasa's own class) each in a database of a private
PostgreSQL cluster (tests/system_services.py)."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from casino_support import cli, handoffs, tickets
from casino_support.config import DEFAULT_CONFIG_PATH, load_config
from casino_support.database import dispose_databases, get_database
from casino_support.demo_data import seed
from casino_support.models import AuditEvent, Ticket
from casino_support.personal_data import TrackerEvents
from tests.system_services import running_postgres
from tests.unit.test_personal_data import DAY, rasa_store, save_conversation


def test_purge_export_and_erase_on_postgresql(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("SUPPORT_CONFIG", raising=False)
    monkeypatch.delenv("PLAYER_JWT_SECRET", raising=False)
    monkeypatch.delenv("SUPPORT_ENV", raising=False)
    now = datetime.now(timezone.utc)
    stamp = now.timestamp()
    config = load_config(DEFAULT_CONFIG_PATH)
    with running_postgres(tmp_path / "logs") as postgres:
        support_url = postgres.create_database("casino_support")
        tracker_url = postgres.create_database("rasa_tracker")
        try:
            store = rasa_store(None, dialect="postgresql", url="127.0.0.1",
                               port=postgres.port, db="rasa_tracker", username="postgres")
            save_conversation(store, "pg-old", stamp - 400 * DAY, player_id="P1003")
            save_conversation(store, "pg-old-open", stamp - 400 * DAY, player_id="P1001")
            save_conversation(store, "pg-recent", stamp - DAY, player_id="P1003")
            database = get_database(support_url)
            seed(database, now)
            handoffs.enqueue(database, "pg-old-open", "P1001", "human_request",
                             now=now - timedelta(days=400))
            old = tickets.create_ticket(
                database, conversation_id=None, player_id="P1002", email=None,
                category="general", priority="normal", summary="vieux",
                description="vieille question", transcript=[], account_snapshot=None,
                now=now - timedelta(days=1200), config=config)
            with database.session_scope() as session:
                row = session.execute(select(Ticket).where(
                    Ticket.reference == old.reference)).scalar_one()
                row.status, row.closed_at = "solved", row.created_at

            base = ["--db-url", support_url, "--tracker-db-url", tracker_url]
            assert cli.main([base[0], base[1], "purge", "--json", *base[2:]]) == 0
            report = json.loads(capsys.readouterr().out)
            assert report["deleted"]["conversations"] == 1
            assert report["deleted"]["tracker_events"] == 3
            assert report["deleted"]["tickets"] == 1
            assert report["kept_open_conversations"] == 1
            reader = TrackerEvents(tracker_url)
            assert set(reader.last_event_times()) == {"pg-old-open", "pg-recent"}

            assert cli.main([base[0], base[1], "export", "P1003", *base[2:]]) == 0
            exported = json.loads(capsys.readouterr().out)
            assert [c["conversation_id"] for c in exported["conversations"]] == ["pg-recent"]
            assert cli.main([base[0], base[1], "erase", "P1003", "--yes", *base[2:]]) == 0
            assert "Erased player P1003" in capsys.readouterr().out
            assert set(reader.last_event_times()) == {"pg-old-open"}
            with database.session_scope() as session:
                actions = set(session.execute(select(AuditEvent.action)).scalars())
            assert {"personal_data_purged", "personal_data_exported",
                    "personal_data_erased"} <= actions
            reader.dispose()
        finally:
            dispose_databases()
