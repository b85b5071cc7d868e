"""The project's tracker store: Rasa's SQL store, SQLite in WAL mode without a disk flush
per commit; conversations are saved and read back as with Rasa's."""
import asyncio

import sqlalchemy as sa
from rasa.core.tracker_store import TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from casino_connector.tracker_store import CasinoSQLTrackerStore

DOMAIN = Domain.from_yaml("slots:\n  email:\n    type: text\n    mappings:\n    - type: custom\n")


def store_at(path):
    config = EndpointConfig(type="casino_connector.tracker_store.CasinoSQLTrackerStore",
                            dialect="sqlite", db=str(path))
    return TrackerStore.create(config, DOMAIN)


def pragma(store, name):
    with store.engine.connect() as connection:
        return connection.execute(sa.text(f"PRAGMA {name}")).scalar()


def test_endpoints_type_loads_it_with_wal_and_normal_sync(tmp_path):
    store = store_at(tmp_path / "tracker.db")
    inner = getattr(store, "_tracker_store", store)  # Rasa may wrap it in a fail-safe store
    assert isinstance(inner, CasinoSQLTrackerStore)
    assert pragma(inner, "journal_mode") == "wal"
    assert pragma(inner, "synchronous") == 1  # NORMAL
    assert pragma(inner, "busy_timeout") == 5000


def test_a_conversation_survives_a_new_store_on_the_same_file(tmp_path, db):
    store = store_at(tmp_path / "tracker.db")
    tracker = DialogueStateTracker.from_events("joueur-1", [
        UserUttered("mon retrait n'arrive pas", {"name": "late_payment", "confidence": 1.0}),
        SlotSet("email", "joueur@example.fr"),
        BotUttered("Je transmets au service des paiements."),
    ], slots=DOMAIN.slots)
    asyncio.run(store.save(tracker))

    reopened = store_at(tmp_path / "tracker.db")  # as after a server restart
    again = asyncio.run(reopened.retrieve("joueur-1"))
    # Saved masked (casino_connector.tracker_masking); the address is kept for the ticket.
    assert again.get_slot("email") == "[e-mail masqué]"
    assert [e.text for e in again.events if isinstance(e, UserUttered)] == [
        "mon retrait n'arrive pas"]
    assert asyncio.run(reopened.retrieve("joueur-2")) is None
