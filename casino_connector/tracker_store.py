"""Rasa's SQL tracker store, with SQLite set up for a server that saves every turn.

``endpoints.yml`` names it as the tracker store's ``type``; it takes the same settings as
Rasa's ``SQL`` type (dialect, db, host, username...) and behaves the same. On SQLite
only, every connection uses:

* ``journal_mode=WAL``: readers do not block the writer, so several Sanic workers (or a
  history request during a turn) share one file;
* ``synchronous=NORMAL``: a commit no longer waits for the disk (fsync at checkpoints
  only). The Rasa server saves the tracker on each turn while holding its event loop, so
  with the default (FULL) two disk flushes per turn were a third of the server's time
  under load (py-spy profile, README). A crashed or restarted process loses nothing: the
  WAL is in the operating system's cache; only a power cut can lose the last turns;
* ``busy_timeout``: a writer waits for another instead of failing with "database is
  locked".

PostgreSQL (several machines) is used exactly as Rasa's ``SQL`` type does.

On every database, what it saves is masked first: card numbers, IBANs and e-mail
addresses in messages, parsed entities and slots (``casino_connector.tracker_masking``;
the e-mail a player gives for a ticket is kept apart, in the support database).
"""
from __future__ import annotations

from typing import Any, Iterator

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import Event
from sqlalchemy import event

from .tracker_masking import masked_event_data, remember_ticket_emails

SQLITE_PRAGMAS = ("PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL",
                  "PRAGMA busy_timeout=5000")


def _set_sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        for pragma in SQLITE_PRAGMAS:
            cursor.execute(pragma)
    finally:
        cursor.close()


class CasinoSQLTrackerStore(SQLTrackerStore):
    """``SQLTrackerStore`` with the SQLite settings above."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _set_sqlite_pragmas)
            self.engine.dispose()  # connections opened while creating the tables

    def _additional_events(self, session: Any, tracker: Any) -> Iterator[Event]:
        """The events to save, masked (the tracker itself is left as it is)."""
        emails = []
        for original in super()._additional_events(session, tracker):
            as_saved = original.as_dict()
            data, found = masked_event_data(as_saved)
            emails += found
            yield original if data == as_saved else Event.from_parameters(data)
        remember_ticket_emails(tracker.sender_id, emails)
