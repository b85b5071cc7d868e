"""Personal data (GDPR): retention settings, `support-desk purge`, `export`, `erase`,
on the SQLite support database and a real Rasa SQL tracker store (Rasa's own class)."""
from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from pathlib import Path

import pytest
from rasa.core.tracker_store import TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig
from sqlalchemy import func, select

from casino_support import cli, handoffs, tickets
from casino_support.config import ConfigError, SupportConfig
from casino_support.identity import issue_player_token
from casino_support.models import (
    AuditEvent, ConversationNote, Handoff, OutboxMail, SatisfactionRating, Ticket,
    TicketContact, TicketEvent,
)
from casino_support.personal_data import (
    PersonalDataError, RetentionDays, TrackerEvents, erase_player, export_player, purge,
    retention_days, tracker_db_url,
)

DOMAIN = Domain.from_yaml("slots:\n  email:\n    type: text\n    mappings:\n    - type: custom\n")
DAY = 86400


# --- a real Rasa SQL tracker store ------------------------------------------------------

def rasa_store(url_or_path, **settings):
    if not settings:
        settings = dict(dialect="sqlite", db=str(url_or_path))
    config = EndpointConfig(type="casino_connector.tracker_store.CasinoSQLTrackerStore",
                            **settings)
    return TrackerStore.create(config, DOMAIN)


def save_conversation(store, sender_id, at, player_id=None, texts=("bonjour",),
                      agent=None):
    """A conversation whose events are all at ``at`` (Unix seconds)."""
    metadata = {"player_token": issue_player_token(player_id)} if player_id else {}
    events = [ActionExecuted("action_session_start", timestamp=at)]
    for text in texts:
        events += [UserUttered(text, {"name": "greet", "confidence": 1.0},
                               metadata=metadata, timestamp=at),
                   BotUttered("Bonjour !", metadata={"agent": agent} if agent else {},
                              timestamp=at)]
    tracker = DialogueStateTracker.from_events(sender_id, events, slots=DOMAIN.slots)
    asyncio.run(store.save(tracker))


@pytest.fixture
def tracker_path(tmp_path) -> Path:
    return tmp_path / "tracker.db"


@pytest.fixture
def store(tracker_path):
    return rasa_store(tracker_path)


@pytest.fixture
def events(tracker_path, store):
    reader = TrackerEvents(f"sqlite:///{tracker_path}")
    yield reader
    reader.dispose()


def senders(reader):
    return set(reader.last_event_times())


def count(db, model, *conditions):
    with db.session_scope() as session:
        return session.execute(select(func.count()).select_from(model).where(
            *conditions)).scalar_one()


def ago(now, days):
    return now - timedelta(days=days)


# --- settings ---------------------------------------------------------------------------

def test_retention_days_come_from_support_yml(config):
    days = retention_days(config)
    assert days == RetentionDays(conversations=365, tickets=1095, ticket_transcripts=365,
                                 mail_outbox=90, audit=1825)
    assert days.audit > days.tickets > days.conversations  # the evidence is kept longest


@pytest.mark.parametrize("value", [0, -3, "365", 1.5, True])
def test_a_bad_retention_is_refused(config, value):
    raw = dict(config.raw, personal_data={"retention_days": {"conversations": value}})
    with pytest.raises(ConfigError, match="conversations"):
        retention_days(SupportConfig(raw=raw))


def test_missing_keys_take_the_defaults_and_unknown_keys_are_refused(config):
    raw = dict(config.raw, personal_data={"retention_days": {"tickets": 2000}})
    assert retention_days(SupportConfig(raw=raw)).tickets == 2000
    assert retention_days(SupportConfig(raw=raw)).conversations == 365
    raw = dict(config.raw, personal_data={"retention_days": {"conversation": 30}})
    with pytest.raises(ConfigError, match="unknown keys conversation"):
        retention_days(SupportConfig(raw=raw))


def test_the_tracker_store_url_comes_from_endpoints_yml(tmp_path, monkeypatch):
    default = tracker_db_url()
    assert default.startswith("sqlite:///") and default.endswith("var/rasa_tracker.db")
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text("tracker_store:\n  type: SQL\n  dialect: postgresql\n"
                         "  url: ${TRACKER_DB_HOST}\n  port: ${TRACKER_DB_PORT}\n"
                         "  db: rasa\n  username: rasa\n  password: s3cret\n")
    monkeypatch.setenv("TRACKER_DB_HOST", "db.internal")
    monkeypatch.setenv("TRACKER_DB_PORT", "5433")
    assert tracker_db_url(endpoints=endpoints) == (
        "postgresql://rasa:s3cret@db.internal:5433/rasa")
    endpoints.write_text("tracker_store:\n  type: redis\n")
    assert tracker_db_url(endpoints=endpoints) is None
    monkeypatch.setenv("SUPPORT_TRACKER_DB_URL", "sqlite:///x.db")
    assert tracker_db_url(endpoints=endpoints) == "sqlite:///x.db"


# --- purge ------------------------------------------------------------------------------

@pytest.fixture
def aged(seeded, store, config, now):
    """Old and new conversations, handoffs, tickets, mails and audit events."""
    stamp = now.timestamp()
    save_conversation(store, "old-anonymous", stamp - 400 * DAY)
    save_conversation(store, "old-player", stamp - 400 * DAY, player_id="P1003")
    save_conversation(store, "recent", stamp - 10 * DAY, player_id="P1003")
    save_conversation(store, "old-open-handoff", stamp - 400 * DAY, player_id="P1001")
    save_conversation(store, "old-open-ticket", stamp - 400 * DAY)
    # A conversation is as old as its last event: this one went on recently.
    save_conversation(store, "long-running", stamp - 400 * DAY)
    tracker = asyncio.run(store.retrieve("long-running"))
    tracker.update(UserUttered("encore moi", timestamp=stamp - 5 * DAY))
    asyncio.run(store.save(tracker))

    handoffs.enqueue(seeded, "old-open-handoff", "P1001", "human_request",
                     now=ago(now, 400))
    handoffs.enqueue(seeded, "old-player", "P1003", "human_request", now=ago(now, 400))
    handoffs.end(seeded, "old-player", handoffs.TICKET, now=ago(now, 400))
    with seeded.session_scope() as session:
        handoff_id = session.execute(select(Handoff.id).where(
            Handoff.conversation_id == "old-player")).scalar_one()
        session.add(SatisfactionRating(handoff_id=handoff_id, conversation_id="old-player",
                                       player_id="P1003", rating=4, comment="bien",
                                       created_at=ago(now, 400).replace(tzinfo=None)))
        session.add(ConversationNote(conversation_id="old-player", player_id="P1003",
                                     agent="alice", text="joueur poli",
                                     created_at=ago(now, 400).replace(tzinfo=None)))
        for conversation_id, days in (("old-anonymous", 400), ("old-open-ticket", 400),
                                      ("recent", 10)):
            session.add(TicketContact(conversation_id=conversation_id, email="a@b.fr",
                                      created_at=ago(now, days).replace(tzinfo=None)))

    def ticket(days, conversation_id, status, email="joueur@example.fr"):
        info = tickets.create_ticket(
            seeded, conversation_id=conversation_id, player_id=None, email=email,
            category="general", priority="normal", summary="question",
            description="ma question", transcript=[{"sender": "user", "text": "bonjour"}],
            account_snapshot={"player_id": "P1003"}, now=ago(now, days), config=config)
        with seeded.session_scope() as session:
            row = session.execute(select(Ticket).where(
                Ticket.reference == info.reference)).scalar_one()
            row.status = status
            if status == "solved":
                row.closed_at = ago(now, days).replace(tzinfo=None)
            session.add(TicketEvent(ticket_id=row.id, kind="reply", author="agent:alice",
                                    text="Bonjour, voici", at=row.created_at))
        return info.reference

    references = {"very_old_solved": ticket(1200, None, "solved"),
                  "old_solved": ticket(400, None, "solved"),
                  "very_old_open": ticket(1200, "old-open-ticket", "open"),
                  "recent": ticket(5, None, "solved")}
    with seeded.session_scope() as session:
        session.execute(OutboxMail.__table__.update().values(
            status="sent", sent_at=OutboxMail.created_at))
        session.add(AuditEvent(at=ago(now, 2000).replace(tzinfo=None), actor="cli",
                               player_id="P1002", action="something_old", details="{}"))
    return references


def test_purge_deletes_what_is_past_its_retention_and_keeps_what_is_open(
        aged, seeded, events, now):
    before_audit = count(seeded, AuditEvent)
    report = purge(seeded, events, now=now, actor="cli:test")
    deleted = report["deleted"]
    assert senders(events) == {"recent", "long-running", "old-open-handoff",
                               "old-open-ticket"}
    assert deleted["conversations"] == 2 and deleted["tracker_events"] == 6
    assert report["kept_open_conversations"] == 2
    assert deleted["handoffs"] == 1 and count(seeded, Handoff) == 1  # the open one
    assert deleted["satisfaction_ratings"] == 1 and deleted["conversation_notes"] == 1
    assert deleted["ticket_contacts"] == 1 and count(seeded, TicketContact) == 2
    # Solved 1 200 days ago: gone with its history and e-mails; unsolved: kept.
    assert deleted["tickets"] == 1 and deleted["ticket_events"] == 1
    remaining = {row.reference: row for row in _tickets(seeded)}
    assert aged["very_old_solved"] not in remaining
    assert aged["very_old_open"] in remaining
    assert remaining[aged["very_old_open"]].transcript is not None
    # Solved 400 days ago: transcript and snapshot removed, the rest kept.
    assert deleted["ticket_transcripts"] == 1
    assert remaining[aged["old_solved"]].transcript is None
    assert remaining[aged["old_solved"]].account_snapshot is None
    assert remaining[aged["old_solved"]].email == "joueur@example.fr"
    assert remaining[aged["recent"]].transcript is not None
    # Sent e-mails older than 90 days (and those of the deleted ticket).
    assert deleted["mail_outbox"] == 3
    assert count(seeded, OutboxMail) == 1
    assert deleted["audit_events"] == 1
    assert count(seeded, AuditEvent, AuditEvent.action == "something_old") == 0
    # The purge is audited with its counts.
    with seeded.session_scope() as session:
        row = session.execute(select(AuditEvent).where(
            AuditEvent.action == "personal_data_purged")).scalar_one()
        assert row.actor == "cli:test"
        assert json.loads(row.details)["deleted"] == deleted
    assert count(seeded, AuditEvent) == before_audit - 1 + 1
    # Again: nothing left to delete.
    assert not any(purge(seeded, events, now=now)["deleted"].values())


def _tickets(db):
    with db.session_scope() as session:
        return session.execute(select(Ticket)).scalars().all()


def test_a_dry_run_counts_and_changes_nothing(aged, seeded, events, now):
    before = senders(events), count(seeded, Ticket), count(seeded, AuditEvent)
    report = purge(seeded, events, now=now, dry_run=True)
    assert report["dry_run"] and report["deleted"]["conversations"] == 2
    assert report["deleted"]["tracker_events"] == 6
    assert report["deleted"]["tickets"] == 1 and report["deleted"]["mail_outbox"] == 3
    assert (senders(events), count(seeded, Ticket), count(seeded, AuditEvent)) == before
    assert purge(seeded, events, now=now)["deleted"] == report["deleted"]


def test_purge_without_a_tracker_store_still_purges_the_support_database(aged, seeded, now):
    report = purge(seeded, TrackerEvents(None), now=now)
    assert report["tracker_store"] is None
    assert report["deleted"]["conversations"] == 0 and report["deleted"]["tickets"] == 1


def test_cli_purge_json(aged, seeded, db_url, tracker_path, capsys):
    code = cli.main(["--db-url", db_url, "purge", "--dry-run", "--json",
                     "--tracker-db-url", f"sqlite:///{tracker_path}"])
    assert code == 0
    report = json.loads(capsys.readouterr().out)
    assert report["dry_run"] is True
    assert set(report["deleted"]) >= {"conversations", "tracker_events", "handoffs",
                                      "satisfaction_ratings", "tickets", "mail_outbox",
                                      "audit_events"}
    assert cli.main(["--db-url", db_url, "purge",
                     "--tracker-db-url", f"sqlite:///{tracker_path}"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Deleted (retention in days: conversations 365")
    assert "tracker events:" in out


# --- export and erase -------------------------------------------------------------------

@pytest.fixture
def player_data(seeded, store, config, now):
    stamp = now.timestamp()
    save_conversation(store, "chat-p1003", stamp - DAY, player_id="P1003",
                      texts=("mon bonus", "merci"), agent="alice")
    save_conversation(store, "chat-p1003-old-token", stamp - 30 * DAY, player_id="P1003")
    save_conversation(store, "chat-p1002", stamp - DAY, player_id="P1002")
    save_conversation(store, "chat-anonymous", stamp - DAY)
    # An anonymous conversation that became the player's through a ticket.
    save_conversation(store, "chat-ticket-only", stamp - 2 * DAY)
    handoffs.enqueue(seeded, "chat-p1003", "P1003", "human_request", now=ago(now, 1))
    handoffs.end(seeded, "chat-p1003", handoffs.TICKET, now=ago(now, 1))
    info = tickets.create_ticket(
        seeded, conversation_id="chat-ticket-only", player_id="P1003", email=None,
        category="payments", priority="high", summary="retrait en retard",
        description="mon retrait de 500 € n'arrive pas",
        transcript=[{"sender": "user", "text": "mon retrait"},
                    {"sender": "agent", "agent": "alice", "text": "je regarde"}],
        account_snapshot={"player_id": "P1003"}, now=ago(now, 2), config=config)
    with seeded.session_scope() as session:
        ticket_id = session.execute(select(Ticket.id).where(
            Ticket.reference == info.reference)).scalar_one()
        session.add(TicketEvent(ticket_id=ticket_id, kind="reply", author="agent:alice",
                                text="Votre retrait part demain.",
                                at=ago(now, 1).replace(tzinfo=None)))
        handoff_id = session.execute(select(Handoff.id).where(
            Handoff.conversation_id == "chat-p1003")).scalar_one()
        session.add(TicketContact(conversation_id="chat-ticket-only", email="lea@exemple.fr",
                                  created_at=ago(now, 2).replace(tzinfo=None)))
        session.add(SatisfactionRating(handoff_id=handoff_id, conversation_id="chat-p1003",
                                       player_id="P1003", agent="alice", rating=5,
                                       comment="très bien", created_at=ago(now, 1)
                                       .replace(tzinfo=None)))
    return info.reference


def test_export_gives_the_players_own_data_and_nobody_elses(player_data, seeded, events,
                                                              now):
    data = export_player(seeded, events, "P1003", now=now)
    json.dumps(data)  # JSON-ready
    by_id = {c["conversation_id"]: c for c in data["conversations"]}
    assert set(by_id) == {"chat-p1003", "chat-p1003-old-token", "chat-ticket-only"}
    assert by_id["chat-p1003"]["tied_by"] == ["token", "handoff", "rating"]
    assert by_id["chat-ticket-only"]["tied_by"] == ["ticket"]
    texts = [e.get("text") for e in by_id["chat-p1003"]["events"] if e["event"] == "user"]
    assert texts == ["mon bonus", "merci"]
    dumped = json.dumps(data, ensure_ascii=False)
    assert "eyJ" not in dumped  # no token (a credential) in the export
    assert "alice" not in dumped  # agents' logins are theirs, not the player's
    assert data["account"]["id"] == "P1003" and data["account"]["bonuses"]
    (ticket,) = data["tickets"]
    assert ticket["reference"] == player_data
    assert ticket["email"] and ticket["description"].startswith("mon retrait")
    assert [e["text"] for e in ticket["events"]] == ["Votre retrait part demain."]
    assert ticket["events"][0]["author"] == "conseiller"
    assert ticket["mails"] and ticket["mails"][0]["kind"] == "ticket_ack"
    assert [h["conversation_id"] for h in data["handoffs"]] == ["chat-p1003"]
    assert data["satisfaction_ratings"][0]["rating"] == 5
    assert [c["email"] for c in data["ticket_contacts"]] == ["lea@exemple.fr"]
    assert {"ticket_created"} <= {a["action"] for a in data["audit_events"]}
    assert count(seeded, AuditEvent, AuditEvent.action == "personal_data_exported",
                 AuditEvent.player_id == "P1003") == 1


def test_export_includes_other_tables_about_the_player(seeded, events, now):
    """A complaints table (or any table with a player_id) is exported as it is."""
    from sqlalchemy import text

    with seeded.session_scope() as session:
        session.execute(text("CREATE TABLE complaints (id INTEGER PRIMARY KEY, "
                             "player_id VARCHAR(32), text TEXT, at TIMESTAMP)"))
        session.execute(text("INSERT INTO complaints (player_id, text, at) VALUES "
                             "('P1003', 'retrait bloqué', '2026-03-01 10:00:00'), "
                             "('P1002', 'autre joueur', '2026-03-01 11:00:00')"))
    data = export_player(seeded, events, "P1003", now=now)
    assert data["other_records"]["complaints"] == [
        {"player_id": "P1003", "text": "retrait bloqué", "at": "2026-03-01T10:00:00+00:00"}]
    erase_player(seeded, events, "P1003", now=now)  # kept: not the desk's records
    assert export_player(seeded, events, "P1003", now=now)["other_records"]["complaints"]


def test_a_token_the_casino_did_not_sign_ties_nothing(seeded, store, events, now):
    forged = issue_player_token("P1003", secret="not-the-casino-secret-0123456789abcdef")
    tracker = DialogueStateTracker.from_events("forged", [
        UserUttered("bonjour", metadata={"player_token": forged},
                    timestamp=now.timestamp())], slots=DOMAIN.slots)
    asyncio.run(store.save(tracker))
    assert export_player(seeded, events, "P1003", now=now)["conversations"] == []


def test_erase_deletes_conversations_and_anonymises_the_rest(player_data, seeded, events,
                                                               now):
    report = erase_player(seeded, events, "P1003", now=now, actor="cli:dpo")
    assert report["conversation_ids"] == ["chat-p1003", "chat-p1003-old-token",
                                          "chat-ticket-only"]
    assert report["erased"]["tracker_events"] == 3 + 3 + 5
    assert senders(events) == {"chat-p1002", "chat-anonymous"}
    (ticket,) = _tickets(seeded)
    assert ticket.reference == player_data and ticket.category == "payments"
    assert ticket.created_at is not None and ticket.priority == "high"
    assert (ticket.player_id, ticket.email, ticket.description, ticket.transcript,
            ticket.account_snapshot) == (None, None, None, None, None)
    assert ticket.summary == "[effacé]" and ticket.status == "solved"
    assert count(seeded, TicketEvent, TicketEvent.text.isnot(None),
                 TicketEvent.kind != "status") == 0
    assert count(seeded, OutboxMail) == 0
    assert count(seeded, TicketContact) == 0
    assert count(seeded, Handoff, Handoff.player_id == "P1003") == 0
    assert count(seeded, Handoff) == 1  # kept for the figures
    with seeded.session_scope() as session:
        rating = session.execute(select(SatisfactionRating)).scalar_one()
        assert (rating.player_id, rating.comment, rating.rating) == (None, None, 5)
        audit = session.execute(select(AuditEvent).where(
            AuditEvent.action == "personal_data_erased")).scalar_one()
    assert (audit.player_id, audit.actor) == ("P1003", "cli:dpo")
    assert json.loads(audit.details)["erased"]["tickets"] == 1
    # The audit trail about the player stays: the operator's evidence.
    assert count(seeded, AuditEvent, AuditEvent.action == "ticket_created") == 1
    # Once more: nothing left.
    again = erase_player(seeded, events, "P1003", now=now)
    assert not any(again["erased"].values())


def test_erase_is_refused_for_an_unknown_player_and_during_a_chat(seeded, events, now):
    with pytest.raises(PersonalDataError, match="unknown player"):
        erase_player(seeded, events, "P9999", now=now)
    with pytest.raises(PersonalDataError, match="unknown player"):
        export_player(seeded, events, "not a player", now=now)
    handoffs.enqueue(seeded, "chat-now", "P1001", "human_request", now=now)
    with pytest.raises(PersonalDataError, match="open handoff"):
        erase_player(seeded, events, "P1001", now=now)


def test_cli_export_and_erase(player_data, seeded, db_url, tracker_path, capsys,
                              monkeypatch):
    tracker = ["--tracker-db-url", f"sqlite:///{tracker_path}"]
    assert cli.main(["--db-url", db_url, "export", "P1003", *tracker]) == 0
    exported = json.loads(capsys.readouterr().out)
    assert len(exported["conversations"]) == 3
    assert cli.main(["--db-url", db_url, "export", "P9999", *tracker]) == 2
    assert "unknown player 'P9999'" in capsys.readouterr().err
    assert cli.main(["--db-url", db_url, "erase", "P9999", "--yes", *tracker]) == 2
    # On a terminal without --yes: asked first; « n » erases nothing.
    monkeypatch.setattr("sys.stdin.isatty", lambda: True, raising=False)
    monkeypatch.setattr("builtins.input", lambda prompt: "n")
    assert cli.main(["--db-url", db_url, "erase", "P1003", *tracker]) == 2
    assert "nothing erased" in capsys.readouterr().err
    assert count(seeded, Ticket, Ticket.player_id == "P1003") == 1
    assert cli.main(["--db-url", db_url, "erase", "P1003", "--yes", "--json", *tracker]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["erased"]["conversations"] == 3
    assert count(seeded, Ticket, Ticket.player_id == "P1003") == 0


def test_cli_erase_from_a_script_needs_no_confirmation(player_data, seeded, db_url,
                                                       tracker_path, capsys, monkeypatch):
    """Contract 7: `support-desk erase PLAYER_ID` erases (no terminal: nothing asked)."""
    monkeypatch.setattr("sys.stdin.isatty", lambda: False, raising=False)
    assert cli.main(["--db-url", db_url, "erase", "P1003", "--tracker-db-url",
                     f"sqlite:///{tracker_path}"]) == 0
    assert capsys.readouterr().out.startswith("Erased player P1003: 3 conversations")
    assert count(seeded, Ticket, Ticket.player_id == "P1003") == 0


def test_slot_and_text_events_are_exported_as_stored(seeded, store, events, now):
    tracker = DialogueStateTracker.from_events("chat-slot", [
        UserUttered("bonjour", metadata={"player_token": issue_player_token("P1004")},
                    timestamp=now.timestamp()),
        SlotSet("topic", "withdraw", timestamp=now.timestamp())], slots=DOMAIN.slots)
    asyncio.run(store.save(tracker))
    (conversation,) = export_player(seeded, events, "P1004", now=now)["conversations"]
    assert [e["event"] for e in conversation["events"]] == ["user", "slot"]
    assert conversation["events"][0]["metadata"] == {"player_token": "[jeton retiré]"}
