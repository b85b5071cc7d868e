import json
import re
import threading
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from casino_support.cli import main
from casino_support.database import session_scope
from casino_support.models import AuditEvent, Ticket
from casino_support.support_hours import chat_hours
from casino_support.tickets import (
    TicketError,
    TicketInfo,
    UnknownTicket,
    close_ticket,
    create_ticket,
    describe_response_target,
    get_ticket,
    list_tickets,
    open_seconds_between,
)

PARIS = ZoneInfo("Europe/Paris")
UTC = timezone.utc


def paris(*args) -> datetime:
    return datetime(*args, tzinfo=PARIS)


def new_ticket(source, now, config, **fields):
    values = dict(conversation_id="conv-1", player_id="P1004", email=None,
                  category="payments", priority="high",
                  summary="Retrait de 500 € en attente depuis 9 jours",
                  description="Mon retrait par virement n'est toujours pas arrivé.",
                  transcript=[{"sender": "user", "text": "mon retrait est en retard"},
                              {"sender": "bot", "text": "Je regarde."}],
                  account_snapshot={"player_id": "P1004", "can_withdraw": True,
                                    "withdrawals": [{"amount": "500.00"}]},
                  now=now, config=config)
    values.update(fields)
    return create_ticket(source, **values)


# --- creation ---------------------------------------------------------------------------

def test_create_ticket_returns_every_field(seeded, now, config):
    ticket = new_ticket(seeded, now, config)
    assert isinstance(ticket, TicketInfo)
    assert re.fullmatch(r"T-2026-\d{6}", ticket.reference)
    assert ticket.reference == "T-2026-000001"
    assert (ticket.player_id, ticket.category, ticket.priority, ticket.status) == (
        "P1004", "payments", "high", "open")
    assert ticket.email == "antoine.moreau@example.com"  # from the account
    assert ticket.created_at == now and ticket.created_at.tzinfo is not None
    assert ticket.due_at > now and ticket.overdue is False
    assert ticket.conversation_id == "conv-1"
    assert ticket.transcript[0] == {"sender": "user", "text": "mon retrait est en retard"}
    assert ticket.account_snapshot["withdrawals"] == [{"amount": "500.00"}]


def test_json_fields_round_trip(db, now, config):
    transcript = [{"sender": "user", "text": "J’ai été débité deux fois « 50 € »",
                   "timestamp": 1773144000.5},
                  {"sender": "agent", "agent": "alice", "text": "Je vérifie 👀"},
                  {"sender": "bot", "text": "Choisissez :", "buttons": [
                      {"title": "Oui", "payload": "/affirm"}]}]
    snapshot = {"player_id": "P1003", "bonus": {"wagering_left": "2300.00"},
                "blockers": ["bonus_wagering"], "self_excluded": False,
                "self_excluded_until": None}
    created = new_ticket(db, now, config, player_id="P1003", email="x@example.org",
                         transcript=transcript, account_snapshot=snapshot)
    loaded = get_ticket(db, created.reference, now=now)
    assert loaded == created
    assert loaded.transcript == transcript and loaded.account_snapshot == snapshot
    with session_scope() as session:
        stored = session.execute(select(Ticket)).scalar_one()
        assert json.loads(stored.transcript) == transcript
        assert json.loads(stored.account_snapshot) == snapshot


def test_without_transcript_and_snapshot(db, now, config):
    ticket = new_ticket(db, now, config, player_id=None, email="anonyme@example.org",
                        transcript=None, account_snapshot=None, conversation_id=None)
    assert ticket.transcript == [] and ticket.account_snapshot is None
    assert ticket.conversation_id is None


def test_references_are_sequential_and_unique(db, now, config):
    references = [new_ticket(db, now + timedelta(seconds=i), config).reference
                  for i in range(30)]
    assert references == [f"T-2026-{n:06d}" for n in range(1, 31)]


def test_references_restart_each_local_year(db, config):
    # 2026-12-31 23:30 UTC is already 2027 in Paris.
    last_2026 = new_ticket(db, paris(2026, 12, 31, 12, 0), config).reference
    first_2027 = new_ticket(db, datetime(2026, 12, 31, 23, 30, tzinfo=UTC), config).reference
    second_2026 = new_ticket(db, paris(2026, 12, 31, 13, 0), config).reference
    assert (last_2026, first_2027, second_2026) == (
        "T-2026-000001", "T-2027-000001", "T-2026-000002")


def test_references_continue_past_a_million(db, now, config):
    with session_scope() as session:
        session.add(Ticket(reference="T-2026-999999", category="general", summary="x",
                           created_at=now.replace(tzinfo=None), email="a@example.org"))
    assert new_ticket(db, now, config).reference == "T-2026-1000000"
    assert new_ticket(db, now, config).reference == "T-2026-1000001"


def test_concurrent_creation_never_reuses_a_reference(db, now, config):
    references, errors = [], []

    def worker():
        try:
            for _ in range(8):
                references.append(new_ticket(db, now, config).reference)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(references) == 40 and len(set(references)) == 40
    assert sorted(references) == [f"T-2026-{n:06d}" for n in range(1, 41)]


def test_a_reference_taken_meanwhile_is_retried(db, now, config, monkeypatch):
    import casino_support.tickets as tickets
    new_ticket(db, now, config)
    real = tickets._next_reference
    calls = []

    def stale_then_real(session, year):  # the first attempt reads a stale maximum
        calls.append(year)
        return "T-2026-000001" if len(calls) == 1 else real(session, year)

    monkeypatch.setattr(tickets, "_next_reference", stale_then_real)
    assert new_ticket(db, now, config).reference == "T-2026-000002"
    assert len(calls) == 2
    # Inside a caller's session too (a savepoint undoes the failed attempt only).
    calls.clear()
    with db.session_scope() as session:
        assert new_ticket(session, now, config).reference == "T-2026-000003"
    assert len(calls) == 2
    assert len(list_tickets(db)) == 3


def test_create_in_a_caller_session_commits_with_the_caller(db, now, config):
    with pytest.raises(RuntimeError):
        with db.session_scope() as session:
            new_ticket(session, now, config)
            raise RuntimeError("caller fails")
    with db.session_scope() as session:
        reference = new_ticket(session, now, config).reference
    assert get_ticket(db, reference) is not None


def test_audit_event_on_creation(db, now, config):
    ticket = new_ticket(db, now, config)
    with session_scope() as session:
        [event] = session.execute(select(AuditEvent)).scalars().all()
        assert (event.actor, event.action, event.player_id) == (
            "bot", "ticket_created", "P1004")
        details = json.loads(event.details)
    assert details["reference"] == ticket.reference and details["priority"] == "high"


# --- validation -----------------------------------------------------------------------

def test_an_anonymous_ticket_needs_an_email(db, now, config):
    with pytest.raises(ValueError, match="e-mail"):
        new_ticket(db, now, config, player_id=None, email=None)
    with pytest.raises(ValueError):
        new_ticket(db, now, config, player_id=None, email="   ")
    ticket = new_ticket(db, now, config, player_id=None, email=" anonyme@example.org ")
    assert ticket.player_id is None and ticket.email == "anonyme@example.org"


@pytest.mark.parametrize("email", ["pas-un-email", "a@b", "a b@example.org", "@example.org",
                                   "x@example.org\n", "a@@example.org",
                                   "x" * 250 + "@example.org", 42])
def test_a_malformed_email_is_refused(db, now, config, email):
    if email == "x@example.org\n":  # surrounding spaces and newlines are trimmed
        assert new_ticket(db, now, config, email=email).email == "x@example.org"
        return
    with pytest.raises(TicketError):
        new_ticket(db, now, config, email=email)


@pytest.mark.parametrize("fields", [
    {"priority": "critical"}, {"priority": None}, {"category": ""},
    {"category": "x" * 65}, {"player_id": "P 1004"}, {"summary": "", "description": ""},
    {"transcript": "not a list"}, {"account_snapshot": ["not", "a", "dict"]},
    {"conversation_id": "c" * 129},
])
def test_bad_fields_are_refused(db, now, config, fields):
    with pytest.raises(ValueError):
        new_ticket(db, now, config, **fields)
    assert list_tickets(db) == []


def test_summary_and_description_are_cut(db, now, config):
    ticket = new_ticket(db, now, config, summary="s" * 300, description="d" * 5000)
    assert len(ticket.summary) == 255 and ticket.summary.endswith("…")
    assert len(ticket.description) == 4000 and ticket.description.endswith("…")


def test_summary_defaults_to_the_description_first_line(db, now, config):
    ticket = new_ticket(db, now, config, summary="  ",
                        description="Je veux fermer mon compte\nMerci")
    assert ticket.summary == "Je veux fermer mon compte"


def test_a_verified_player_email_comes_from_the_account(seeded, now, config):
    ticket = new_ticket(seeded, now, config, player_id="P1002", email=None)
    from casino_support.accounts import get_player
    assert ticket.email == get_player(seeded, "P1002").email
    given = new_ticket(seeded, now, config, player_id="P1002", email="autre@example.org")
    assert given.email == "autre@example.org"


# --- response target in support hours ---------------------------------------------------
# support.yml: Mon-Thu 9-23, Fri 9-24, Sat 10-24, Sun 10-20 (Europe/Paris), FR holidays
# closed; targets urgent 1 h, high 4 h, normal 24 h of opening time.

@pytest.mark.parametrize("created, priority, due", [
    # Monday 10:00 + 24 h: Mon 10-23 (13 h) + Tue 9-20 (11 h).
    (paris(2026, 3, 9, 10, 0), "normal", paris(2026, 3, 10, 20, 0)),
    # Monday 22:00 + 24 h: Mon 22-23 (1) + Tue 9-23 (14) + Wed 9-18 (9).
    (paris(2026, 3, 9, 22, 0), "normal", paris(2026, 3, 11, 18, 0)),
    # Monday 23:30 (closed) + 1 h: Tuesday 9-10.
    (paris(2026, 3, 9, 23, 30), "urgent", paris(2026, 3, 10, 10, 0)),
    # Monday 21:00 + 4 h: Mon 21-23 (2) + Tue 9-11 (2).
    (paris(2026, 3, 9, 21, 0), "high", paris(2026, 3, 10, 11, 0)),
    # Saturday night 23:30 (open until midnight) + 24 h: Sat 0.5 + Sun 10-20 (10)
    # + Mon 9-22:30 (13.5).
    (paris(2026, 3, 14, 23, 30), "normal", paris(2026, 3, 16, 22, 30)),
    # Saturday night, after midnight (Sunday 01:00, closed) + 24 h: Sun 10-20 (10)
    # + Mon 9-23 (14).
    (paris(2026, 3, 15, 1, 0), "normal", paris(2026, 3, 16, 23, 0)),
    (paris(2026, 3, 15, 1, 0), "urgent", paris(2026, 3, 15, 11, 0)),
    # Across the spring clock change (29 March): Sat 23-24 (1) + Sun 10-13 CEST (3).
    (paris(2026, 3, 28, 23, 0), "high", paris(2026, 3, 29, 13, 0)),
    # Easter Monday (public holiday) 10:00 + 24 h: Tue 9-23 (14) + Wed 9-19 (10).
    (paris(2026, 4, 6, 10, 0), "normal", paris(2026, 4, 8, 19, 0)),
    # 1st May (Friday, public holiday) + 24 h: Sat 10-24 (14) + Sun 10-20 (10).
    (paris(2026, 5, 1, 12, 0), "normal", paris(2026, 5, 3, 20, 0)),
])
def test_due_at_counts_support_hours_only(db, config, created, priority, due):
    ticket = new_ticket(db, created.astimezone(UTC), config, priority=priority)
    assert ticket.due_at == due
    assert ticket.due_at.tzinfo is not None and ticket.due_at.utcoffset() == timedelta(0)
    # Cross-check: exactly the target's opening hours lie between creation and due date.
    target = config.tickets["response_target_hours"][priority]
    assert open_seconds_between(chat_hours(config), created, due) == target * 3600


def test_due_at_follows_the_configured_targets(db, config):
    import copy
    from casino_support.config import SupportConfig
    raw = copy.deepcopy(config.raw)
    raw["tickets"]["response_target_hours"]["normal"] = 2
    ticket = new_ticket(db, paris(2026, 3, 9, 10, 0), SupportConfig(raw=raw),
                        priority="normal")
    assert ticket.due_at == paris(2026, 3, 9, 12, 0)


# --- listing, overdue, closing ---------------------------------------------------------------

def test_list_newest_first_with_overdue_flag(db, config):
    monday = paris(2026, 3, 9, 10, 0)
    urgent = new_ticket(db, monday, config, priority="urgent")  # due 11:00
    normal = new_ticket(db, monday + timedelta(minutes=5), config, priority="normal")
    later = monday + timedelta(hours=2)
    tickets = list_tickets(db, now=later)
    assert [t.reference for t in tickets] == [normal.reference, urgent.reference]
    assert [t.overdue for t in tickets] == [False, True]
    assert get_ticket(db, urgent.reference, now=later).overdue is True
    assert get_ticket(db, urgent.reference, now=monday).overdue is False
    closed = close_ticket(db, urgent.reference, "alice", now=later)
    assert closed.status == "solved" and closed.overdue is False
    assert (closed.closed_at, closed.closed_by) == (later, "agent:alice")
    assert [t.reference for t in list_tickets(db, status="open", now=later)] == [
        normal.reference]
    assert [t.reference for t in list_tickets(db, status="solved", now=later)] == [
        urgent.reference]
    # "closed", the older name of "solved", still filters the same tickets
    assert [t.reference for t in list_tickets(db, status="closed", now=later)] == [
        urgent.reference]
    with pytest.raises(ValueError):
        list_tickets(db, status="done")


def test_close_ticket_is_audited_and_idempotent(db, now, config):
    ticket = new_ticket(db, now, config)
    close_ticket(db, ticket.reference, "alice", now=now + timedelta(minutes=1))
    again = close_ticket(db, ticket.reference, "bob", now=now + timedelta(minutes=2))
    assert again.closed_by == "agent:alice"
    with session_scope() as session:
        closes = session.execute(select(AuditEvent).where(
            AuditEvent.action == "ticket_status_changed")).scalars().all()
        assert [(e.actor, e.player_id) for e in closes] == [("agent:alice", "P1004")]


def test_unknown_tickets(db, now):
    assert get_ticket(db, "T-2026-000404") is None
    assert get_ticket(db, None) is None
    with pytest.raises(UnknownTicket):
        close_ticket(db, "T-2026-000404", "alice", now=now)
    with pytest.raises(UnknownTicket):
        close_ticket(db, 12, "alice", now=now)


def test_get_ticket_tolerates_case_and_spaces(db, now, config):
    reference = new_ticket(db, now, config).reference
    assert get_ticket(db, f"  {reference.lower()} ").reference == reference


# --- French wording -----------------------------------------------------------------------------

def test_describe_response_target_example_of_the_brief(db, config):
    # Saturday 21 November 2026 14:00 + 24 opening hours: Sat 14-24 (10), Sun 10-20 (10),
    # Mon 9-13 (4).
    created = paris(2026, 11, 21, 14, 0)
    ticket = new_ticket(db, created, config, priority="normal")
    assert ticket.due_at == paris(2026, 11, 23, 13, 0)
    assert describe_response_target(ticket.due_at, created, config) == (
        "sous 24 heures d'ouverture, au plus tard le lundi 23 novembre à 13 h")


def test_describe_response_target_today_tomorrow_and_minutes(config):
    monday = paris(2026, 3, 9, 10, 0)
    assert describe_response_target(paris(2026, 3, 9, 11, 0), monday, config) == (
        "sous 1 heure d'ouverture, au plus tard aujourd'hui à 11 h")
    # Mon 10-23 (13 h) + Tue 9-11:30 (2.5 h) = 15.5 h, rounded up.
    assert describe_response_target(paris(2026, 3, 10, 11, 30), monday, config) == (
        "sous 16 heures d'ouverture, au plus tard demain à 11 h 30")
    assert describe_response_target(paris(2026, 3, 9, 10, 45), monday, config) == (
        "sous 45 minutes d'ouverture, au plus tard aujourd'hui à 10 h 45")
    assert describe_response_target(paris(2026, 3, 10, 11, 0), monday, config,
                                    hours=4) == (
        "sous 4 heures d'ouverture, au plus tard demain à 11 h")
    assert describe_response_target(monday, monday, config) == "dès que possible"


# --- support-desk tickets ---------------------------------------------------------------------

def test_cli_tickets_json_prints_the_contract_fields(capsys, db, config):
    monday = paris(2026, 3, 9, 10, 0)
    old = new_ticket(db, monday, config, priority="urgent")  # overdue by now
    new = new_ticket(db, datetime.now(UTC), config, player_id=None,
                     email="anonyme@example.org", priority="normal")
    assert main(["tickets", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["reference"] for r in rows] == [new.reference, old.reference]
    contract = {"reference", "player_id", "email", "category", "priority", "status",
                "created_at", "due_at", "overdue", "summary"}
    assert all(contract <= set(row) for row in rows)
    assert rows[1] == {**rows[1], "player_id": "P1004", "category": "payments",
                       "priority": "urgent", "status": "open", "overdue": True,
                       "created_at": monday.astimezone(UTC).isoformat(),
                       "due_at": paris(2026, 3, 9, 11, 0).astimezone(UTC).isoformat(),
                       "summary": old.summary}
    assert (rows[0]["player_id"], rows[0]["email"], rows[0]["overdue"]) == (
        None, "anonyme@example.org", False)
    assert "transcript" not in rows[0]  # the listing stays small

    assert main(["tickets"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith("reference") and "OVERDUE" in out
    assert main(["tickets", "--json", "--status", "closed"]) == 0
    assert json.loads(capsys.readouterr().out) == []
