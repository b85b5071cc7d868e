import io
import json
import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from casino_support.agents import verify_agent_password
from casino_support.cli import main
from casino_support.database import get_database, session_scope
from casino_support.identity import verify_player_token
from casino_support.models import Handoff, Ticket

SECRET = "cli-test-secret-that-is-long-enough-0123456789"


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def secret(monkeypatch):
    monkeypatch.setenv("PLAYER_JWT_SECRET", SECRET)
    return SECRET


def add_ticket(now, **fields):
    values = dict(reference="T-2026-000123", player_id="P1004", email="antoine.moreau@example.com",
                  category="late_payment", priority="high", status="open",
                  created_at=now.replace(tzinfo=None),
                  due_at=(now + timedelta(hours=4)).replace(tzinfo=None),
                  summary="Retrait de 500 € en attente depuis 9 jours",
                  conversation_id="conv-1")
    values.update(fields)
    with session_scope() as session:
        session.add(Ticket(**values))


def test_seed_then_seed_again(capsys, db_url):
    code, out, _ = run(capsys, "seed")
    assert code == 0 and "6 players" in out
    code, out, _ = run(capsys, "seed")
    assert code == 0 and "nothing inserted" in out


def test_token_verifies_to_the_player_id(capsys, db_url, secret):
    run(capsys, "seed")
    code, out, _ = run(capsys, "token", "P1003", "--ttl", "600")
    assert code == 0
    assert verify_player_token(out.strip()) == "P1003"


def test_token_for_an_unknown_player_exits_2(capsys, db_url, secret):
    run(capsys, "seed")
    code, out, err = run(capsys, "token", "P9999")
    assert code == 2 and out == "" and "P9999" in err


def test_token_refused_in_production_with_the_demo_secret(capsys, db_url, monkeypatch):
    run(capsys, "seed")
    monkeypatch.setenv("SUPPORT_ENV", "production")
    code, out, err = run(capsys, "token", "P1003")
    assert code == 2 and out == "" and "PLAYER_JWT_SECRET" in err


def test_bad_ttl_is_a_usage_error(capsys, db_url):
    with pytest.raises(SystemExit) as caught:
        main(["token", "P1003", "--ttl", "-5"])
    assert caught.value.code == 2


def test_tickets_json_prints_a_json_list(capsys, db_url, now):
    code, out, _ = run(capsys, "tickets", "--json")
    assert code == 0 and json.loads(out) == []
    add_ticket(now)
    code, out, _ = run(capsys, "tickets", "--json")
    [ticket] = json.loads(out)
    assert ticket["reference"] == "T-2026-000123"
    assert {"reference", "player_id", "email", "category", "priority", "status",
            "created_at", "summary"} <= set(ticket)
    assert datetime.fromisoformat(ticket["created_at"]) == now
    assert ticket["summary"] == "Retrait de 500 € en attente depuis 9 jours"


def test_tickets_table_is_readable(capsys, db_url, now):
    add_ticket(now)
    add_ticket(now, reference="T-2026-000124", status="closed", player_id=None,
               email="anonyme@example.org")
    code, out, _ = run(capsys, "tickets")
    lines = out.splitlines()
    assert code == 0 and lines[0].startswith("reference")
    assert len(lines) == 4 and "T-2026-000124" in lines[2]  # newest first
    code, out, _ = run(capsys, "tickets", "--status", "closed", "--json")
    assert [t["reference"] for t in json.loads(out)] == ["T-2026-000124"]


def test_queue_json_lists_handoffs(capsys, db_url, now):
    with session_scope() as session:
        session.add(Handoff(conversation_id="conv-9", player_id="P1006",
                            reason="responsible_gambling", priority="urgent",
                            status="waiting", created_at=now.replace(tzinfo=None)))
    code, out, _ = run(capsys, "queue", "--json")
    [handoff] = json.loads(out)
    assert code == 0
    assert handoff == {**handoff, "conversation_id": "conv-9", "player_id": "P1006",
                       "reason": "responsible_gambling", "priority": "urgent",
                       "status": "waiting", "agent": None}
    code, out, _ = run(capsys, "queue")
    assert "conv-9" in out


def test_agent_add_from_stdin(capsys, db_url, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO("correct horse battery\n"))
    code, out, _ = run(capsys, "agent", "add", "alice", "--password-stdin")
    assert code == 0 and "alice" in out
    database = get_database(db_url)
    assert verify_agent_password(database, "alice", "correct horse battery")
    assert not verify_agent_password(database, "alice", "wrong password!")
    assert not verify_agent_password(database, "bob", "correct horse battery")
    monkeypatch.setattr(sys, "stdin", io.StringIO("correct horse battery\n"))
    code, _, err = run(capsys, "agent", "add", "alice", "--password-stdin")
    assert code == 2 and "exists" in err


def test_agent_add_refuses_a_short_password(capsys, db_url, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO("short\n"))
    code, _, err = run(capsys, "agent", "add", "bob", "--password-stdin")
    assert code == 2 and "password" in err


def test_agent_add_prompts_with_getpass(capsys, db_url, monkeypatch):
    answers = iter(["a long enough password", "a long enough password"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    code, _, _ = run(capsys, "agent", "add", "carol")
    assert code == 0
    assert verify_agent_password(get_database(db_url), "carol", "a long enough password")


def test_database_unavailable_exits_3(capsys, monkeypatch):
    monkeypatch.setenv("SUPPORT_DB_URL", "postgresql://127.0.0.1:1/x")
    code, out, err = run(capsys, "tickets", "--json")
    assert code == 3 and out == "" and "unavailable" in err


def test_installed_command(db_url, secret):
    script = Path(sys.executable).with_name("support-desk")
    command = [str(script)] if script.exists() else [sys.executable, "-m",
                                                     "casino_support.cli"]
    env = dict(os.environ)
    subprocess.run(command + ["seed"], check=True, env=env, capture_output=True)
    result = subprocess.run(command + ["token", "P1001"], check=True, env=env,
                            capture_output=True, text=True)
    assert verify_player_token(result.stdout.strip()) == "P1001"


def test_seed_is_refused_in_production(capsys, db_url, monkeypatch):
    monkeypatch.setenv("SUPPORT_ENV", "production")
    monkeypatch.setenv("PLAYER_JWT_SECRET", SECRET)
    for argv in (["seed"], ["seed", "--reset"]):
        code, out, err = run(capsys, *argv)
        assert code == 2 and out == "" and "production" in err
    monkeypatch.delenv("SUPPORT_ENV")
    code, out, _ = run(capsys, "seed")
    assert code == 0 and "6 players" in out  # nothing had been inserted
