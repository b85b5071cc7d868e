"""Escalation actions with trackers: queue inside hours, ticket outside, the truth told."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
import yaml
from sqlalchemy import select

from actions.escalation import (
    ActionCreateTicket, ActionRequestHuman, ActionWaitForAgent, ValidateTicketForm,
    ActionAnswerResponsibleGambling,
)
from casino_support import agents, handoffs
from casino_support.config import DEFAULT_CONFIG_PATH
from casino_support.database import session_scope
from casino_support.demo_data import seed
from casino_support.models import Ticket
from tests.unit.test_actions import run, secret, token, tracker  # noqa: F401 (secret: autouse fixture)

WEEK = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@pytest.fixture
def live_db(db):
    seed(db, datetime.now(timezone.utc))
    return db


def use_hours(monkeypatch, tmp_path, span):
    raw = yaml.safe_load(DEFAULT_CONFIG_PATH.read_text())
    raw["hours"] = {day: span for day in WEEK}
    raw["holidays"] = False
    path = tmp_path / "support.yml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True))
    monkeypatch.setenv("SUPPORT_CONFIG", str(path))


@pytest.fixture
def chat_closed(monkeypatch, tmp_path):
    use_hours(monkeypatch, tmp_path, [])


@pytest.fixture
def chat_open(monkeypatch, tmp_path):
    use_hours(monkeypatch, tmp_path, ["00:00", "24:00"])


def slot(events, name):
    values = [e["value"] for e in events if e.get("event") == "slot" and e.get("name") == name]
    return values[-1] if values else None


def paused(events):
    return any(e.get("event") == "pause" for e in events)


def test_outside_hours_the_bot_says_closed_and_starts_a_ticket(live_db, chat_closed):
    text, events, _ = run(ActionRequestHuman(), tracker("un conseiller", "human_handoff"))
    assert "fermé en ce moment" in text and "ticket" in text
    assert slot(events, "handoff_outcome") == "closed" and not paused(events)


def test_inside_hours_without_agent_the_bot_says_so_and_offers_a_ticket(live_db, chat_open):
    text, events, messages = run(ActionRequestHuman(), tracker("un conseiller", "human_handoff"))
    assert "Aucun conseiller n'est connecté" in text
    assert slot(events, "handoff_outcome") == "no_agent" and not paused(events)
    payloads = [b["payload"] for m in messages for b in (m.get("buttons") or [])]
    assert payloads == ["/contact_support_ticket", "/human_handoff_wait"]
    # Not in the queue until the player chooses to wait.
    assert handoffs.current_handoff(live_db, "conversation-1") is None
    assert handoffs.open_queue(live_db) == []


def test_inside_hours_with_an_agent_online_the_conversation_is_queued_and_paused(live_db, chat_open):
    agents.create_agent(live_db, "alice", "motdepasse-alice-1")
    agents.mark_online(live_db, "alice")
    text, events, _ = run(ActionRequestHuman(), tracker("un conseiller", "human_handoff",
                                                        sender="conv-queued"))
    assert "position 1" in text and "1 conseiller est connecté" in text
    assert paused(events)
    queued = handoffs.current_handoff(live_db, "conv-queued")
    assert queued.reason == "human_request" and queued.status == "waiting"


def test_waiting_for_an_agent_pauses_the_conversation(live_db, chat_open):
    text, events, _ = run(ActionWaitForAgent(), tracker("j'attends", "human_handoff_wait", sender="conv-w"))
    assert "file d'attente" in text and paused(events)
    assert handoffs.current_handoff(live_db, "conv-w").status == "waiting"


def test_responsible_gambling_gives_the_helpline_and_goes_first_in_line(live_db, chat_open):
    agents.create_agent(live_db, "alice", "motdepasse-alice-1")
    agents.mark_online(live_db, "alice")
    run(ActionRequestHuman(), tracker("un conseiller", "human_handoff", sender="conv-normal"))
    text, events, _ = run(ActionAnswerResponsibleGambling(),
                          tracker("je joue trop", "responsible_gambling", sender="conv-rg"))
    assert "Joueurs Info Service" in text and "09 74 75 13 13" in text
    queue = handoffs.open_queue(live_db)
    assert queue[0].conversation_id == "conv-rg" and queue[0].priority == "urgent"


def test_responsible_gambling_outside_hours_still_gives_the_helpline(live_db, chat_closed):
    text, events, _ = run(ActionAnswerResponsibleGambling(), tracker("je joue trop", "responsible_gambling"))
    assert "09 74 75 13 13" in text and slot(events, "handoff_outcome") == "closed"




def test_ticket_form_asks_an_email_only_from_anonymous_players(live_db):
    import asyncio
    from rasa_sdk.executor import CollectingDispatcher

    form = ValidateTicketForm()
    anonymous = asyncio.run(form.required_slots(["email", "ticket_description"], CollectingDispatcher(),
                                                tracker("x", "inform"), {}))
    known = asyncio.run(form.required_slots(["email", "ticket_description"], CollectingDispatcher(),
                                            tracker("x", "inform", token("P1002")), {}))
    assert anonymous == ["email", "ticket_description"]
    assert known == ["ticket_description"]


def test_a_bad_email_is_refused(live_db):
    from rasa_sdk.executor import CollectingDispatcher

    dispatcher = CollectingDispatcher()
    result = ValidateTicketForm().validate_email("pas une adresse", dispatcher, tracker("x", "inform"), {})
    assert result == {"email": None} and "ne semble pas valide" in dispatcher.messages[0]["text"]
    ok = ValidateTicketForm().validate_email("moi: jo.b@exemple.fr merci", dispatcher, tracker("x", "inform"), {})
    assert ok == {"email": "jo.b@exemple.fr"}


def test_anonymous_ticket_has_reference_target_and_transcript(live_db, chat_closed):
    history = [{"event": "user", "text": "mon depot n'arrive pas"},
               {"event": "bot", "text": "Un dépôt refusé vient le plus souvent de…"}]
    text, _, _ = run(ActionCreateTicket(), tracker(
        "il manque 50 euros", "inform", events=history, sender="conv-ticket",
        slots={"email": "lea@exemple.fr", "ticket_description": "il manque 50 euros",
               "escalation_reason": "human_request"}))
    assert "Votre ticket T-" in text and "lea@exemple.fr" in text and "au plus tard" in text
    with session_scope() as session:
        row = session.execute(select(Ticket).where(Ticket.conversation_id == "conv-ticket")).scalar_one()
        assert row.email == "lea@exemple.fr" and row.player_id is None and row.account_snapshot in (None, "null")
        assert "mon depot n'arrive pas" in json.loads(row.transcript)[0]["text"]


def test_a_verified_players_ticket_uses_the_account_email_and_snapshot(live_db, chat_closed):
    text, _, _ = run(ActionCreateTicket(), tracker(
        "retrait bloque", "inform", token("P1004"), sender="conv-p1004",
        slots={"ticket_description": "Retrait en retard", "escalation_reason": "late_payment"}))
    assert "Votre ticket T-" in text
    with session_scope() as session:
        row = session.execute(select(Ticket).where(Ticket.conversation_id == "conv-p1004")).scalar_one()
        assert row.player_id == "P1004" and row.priority == "high" and row.category == "payments"
        assert row.email and "@" in row.email
        assert json.loads(row.account_snapshot)["withdrawals"]


def test_choosing_a_ticket_ends_the_conversations_queue_entry(live_db, chat_closed):
    handoffs.enqueue(live_db, "conv-left-queue", None, "human_request", "normal")
    text, _, _ = run(ActionCreateTicket(), tracker(
        "laisse tomber, un ticket", "inform", sender="conv-left-queue",
        slots={"email": "lea@exemple.fr", "ticket_description": "mon retrait",
               "escalation_reason": "human_request"}))
    assert "Votre ticket T-" in text
    assert handoffs.current_handoff(live_db, "conv-left-queue") is None


def test_an_away_agent_is_not_counted_as_online_for_the_player(live_db, chat_open):
    agents.create_agent(live_db, "alice", "motdepasse-alice-1")
    agents.mark_online(live_db, "alice")
    agents.set_away(live_db, "alice", True)
    text, events, _ = run(ActionRequestHuman(), tracker("un conseiller", "human_handoff",
                                                        sender="conv-away"))
    assert "Aucun conseiller n'est connecté" in text and not paused(events)
    assert handoffs.current_handoff(live_db, "conv-away") is None
