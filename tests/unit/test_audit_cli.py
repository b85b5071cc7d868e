"""``support-desk audit`` and ``casino_support.audit.read_audit_events``."""
import json
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from casino_support.audit import read_audit_events, record_audit_event
from casino_support.cli import main
from casino_support.database import session_scope
from casino_support.models import AuditEvent
from casino_support.player_protection import record_signal, set_deposit_limit, take_break

ACTOR = "player:P1001 via assistant"
PROTECTION = "deposit_limit_set,break_set,self_exclusion_set,protection_signal"


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def trail(seeded, now):
    """Four protection events of P1001 (two conversations) and one of P1002, a day apart."""
    set_deposit_limit(seeded, "P1001", "week", Decimal("100"), actor=ACTOR,
                      conversation_id="conv-1", now=now)
    record_signal(seeded, "P1001", "distress", conversation_id="conv-1",
                  now=now + timedelta(days=1))
    take_break(seeded, "P1001", days=2, actor=ACTOR, conversation_id="conv-2",
               now=now + timedelta(days=2))
    set_deposit_limit(seeded, "P1002", "day", Decimal("20"), actor="player:P1002 via assistant",
                      conversation_id="conv-3", now=now + timedelta(days=3))
    record_signal(seeded, "P1001", "limit_request", conversation_id=None,
                  now=now + timedelta(days=4))
    return seeded


def audit_json(capsys, *argv):
    code, out, err = run(capsys, "audit", "--json", *argv)
    assert code == 0, err
    return json.loads(out)


def test_player_and_actions_filter_oldest_first(capsys, trail):
    events = audit_json(capsys, "--player", "P1001", "--action", PROTECTION)
    assert [e["action"] for e in events] == [
        "deposit_limit_set", "protection_signal", "break_set", "protection_signal"]
    assert {e["player_id"] for e in events} == {"P1001"}
    assert [e["at"] for e in events] == sorted(e["at"] for e in events)


def test_json_shape(capsys, trail, now):
    first = audit_json(capsys, "--player", "P1001", "--action", "deposit_limit_set")[0]
    assert set(first) == {"at", "actor", "player_id", "action", "details"}
    assert first["at"] == "2026-03-10T12:00:00Z"
    assert datetime.fromisoformat(first["at"].replace("Z", "+00:00")) == now
    assert first["actor"] == ACTOR and first["player_id"] == "P1001"
    assert isinstance(first["details"], dict)
    assert first["details"]["period"] == "week" and first["details"]["requested"] == "100.00"
    assert first["details"]["conversation_id"] == "conv-1"


def test_action_is_repeatable_and_comma_separated(capsys, trail):
    repeated = audit_json(capsys, "--player", "P1001", "--action", "break_set",
                          "--action", "deposit_limit_set")
    assert [e["action"] for e in repeated] == ["deposit_limit_set", "break_set"]
    assert audit_json(capsys, "--player", "P1001", "--action", "break_set, deposit_limit_set") \
        == repeated


def test_conversation_filter_matches_details_conversation_id(capsys, trail):
    events = audit_json(capsys, "--conversation", "conv-1")
    assert [e["action"] for e in events] == ["deposit_limit_set", "protection_signal"]
    assert audit_json(capsys, "--conversation", "conv") == []
    assert audit_json(capsys, "--conversation", "CONV-1") == []  # exact, not SQL LIKE
    assert audit_json(capsys, "--conversation", "conv-%") == []


def test_since_is_a_utc_day(capsys, trail):
    events = audit_json(capsys, "--player", "P1001", "--action", PROTECTION,
                        "--since", "2026-03-12")
    assert [e["action"] for e in events] == ["break_set", "protection_signal"]


def test_limit_keeps_the_oldest_and_says_more_match(capsys, trail):
    code, out, err = run(capsys, "audit", "--json", "--player", "P1001", "--action",
                         PROTECTION, "--limit", "2")
    assert code == 0
    assert [e["action"] for e in json.loads(out)] == ["deposit_limit_set", "protection_signal"]
    assert "first 2" in err
    code, out, err = run(capsys, "audit", "--player", "P1001", "--action", PROTECTION,
                         "--limit", "4")
    assert code == 0 and err == "" and len(out.splitlines()) == 4


def test_text_output_one_line_per_event(capsys, trail):
    code, out, err = run(capsys, "audit", "--player", "P1001", "--action", "deposit_limit_set")
    assert code == 0 and err == ""
    (line,) = out.splitlines()
    at, actor, player, action, details = line.split("  ", 4)
    assert (at, actor, player, action) == ("2026-03-10T12:00:00Z", ACTOR, "P1001",
                                           "deposit_limit_set")
    assert json.loads(details)["period"] == "week"


def test_no_events(capsys, seeded):
    code, out, _ = run(capsys, "audit", "--player", "P9999")
    assert code == 0 and out.strip() == "No audit events."
    assert audit_json(capsys, "--player", "P9999") == []


def test_reading_is_not_audited(capsys, trail):
    with session_scope() as session:
        before = session.query(AuditEvent).count()
    run(capsys, "audit")
    run(capsys, "audit", "--json", "--player", "P1001")
    with session_scope() as session:
        assert session.query(AuditEvent).count() == before


@pytest.mark.parametrize("argv, message", [
    (("--since", "12/03/2026"), "--since"),
    (("--since", "2026-02-30"), "--since"),
    (("--since", "yesterday"), "--since"),
    (("--limit", "-5"), "--limit"),
    (("--limit", "0"), "--limit"),
    (("--limit", "5001"), "--limit"),
    (("--limit", "many"), "--limit"),
    (("--action", "break_set,,"), "--action"),
])
def test_bad_input_exits_2_with_a_message(capsys, seeded, argv, message):
    code, out, err = run(capsys, "audit", *argv)
    assert code == 2 and out == ""
    assert err.startswith("support-desk: ") and message in err and "Traceback" not in err


def test_read_audit_events_pages_past_non_matching_candidates(db, now):
    """Candidates the SQL pre-selection keeps but the exact check drops (nested key, case)
    do not shorten the result below the limit."""
    with session_scope() as session:
        for minute in range(5):
            record_audit_event(session, "cli", "noise", details={"nested": {
                "conversation_id": "conv-x"}}, now=now + timedelta(minutes=minute))
            record_audit_event(session, "cli", "noise", details={"conversation_id": "CONV-X"},
                               now=now + timedelta(minutes=minute, seconds=1))
        for minute in range(10, 13):
            record_audit_event(session, "cli", "hit", details={"conversation_id": "conv-x"},
                               now=now + timedelta(minutes=minute))
    records = read_audit_events(db, conversation_id="conv-x", limit=2)
    assert [r.action for r in records] == ["hit", "hit"]
    assert records[0].at == now + timedelta(minutes=10)
    assert records[0].at.tzinfo == timezone.utc
    assert len(read_audit_events(db, conversation_id="conv-x", limit=5)) == 3


def test_read_audit_events_orders_by_at_then_id(db, now):
    with session_scope() as session:
        for action in ("b", "a", "c"):
            record_audit_event(session, "cli", action, player_id="P1", now=now)
    assert [r.action for r in read_audit_events(db, player_id="P1")] == ["b", "a", "c"]
    with pytest.raises(ValueError):
        read_audit_events(db, limit=0)
