"""Escalation over REST against the real servers: tickets outside hours, the queue inside."""
import json
import uuid

import pytest

from tests.integration.conftest import ALWAYS_CLOSED, ALWAYS_OPEN


def new_sender() -> str:
    return f"esc-{uuid.uuid4().hex[:10]}"


def tickets(bot):
    return json.loads(bot.cli("tickets", "--json").stdout)


def queue(bot):
    return json.loads(bot.cli("queue", "--json").stdout)


@pytest.fixture
def closed(bot):
    bot.set_chat_hours(ALWAYS_CLOSED)
    yield bot


@pytest.fixture
def open_no_agent(bot):
    bot.set_chat_hours(ALWAYS_OPEN)
    yield bot


def test_outside_hours_an_anonymous_player_leaves_a_ticket(closed):
    sender = new_sender()
    first = closed.text("je veux parler a un conseiller", sender=sender)
    assert "fermé en ce moment" in first
    assert "adresse e-mail" in first
    assert "disponibles en ce moment" not in first
    second = closed.text("c'est lea.martin@exemple.fr", sender=sender)
    assert "Décrivez votre demande" in second
    third = closed.text("mon depot de 50 euros n'apparait pas sur mon solde", sender=sender)
    assert "Votre ticket T-" in third and "lea.martin@exemple.fr" in third
    reference = third.split("Votre ticket ")[1].split()[0]
    listed = {t["reference"]: t for t in tickets(closed)}
    assert listed[reference]["email"] == "lea.martin@exemple.fr"
    assert listed[reference]["player_id"] is None
    assert "50 euros" in listed[reference]["summary"]


def test_outside_hours_a_bad_email_is_asked_again(closed):
    sender = new_sender()
    closed.text("un humain svp", sender=sender)
    again = closed.text("mon mail c'est pas tes oignons", sender=sender)
    assert "ne semble pas valide" in again


def test_outside_hours_the_player_can_give_up_the_ticket(closed):
    sender = new_sender()
    closed.text("je veux parler a quelqu'un", sender=sender)
    answer = closed.text("non laisse tomber", sender=sender)
    assert "je ne crée pas de ticket" in answer


def test_outside_hours_a_late_withdrawal_becomes_a_ticket_without_questions(closed):
    sender = new_sender()
    text = closed.text("mon retrait n'est toujours pas arrivé", sender=sender, token=closed.token("P1004"))
    assert "500,00 €" in text and "Votre ticket T-" in text
    reference = text.split("Votre ticket ")[1].split()[0]
    ticket = {t["reference"]: t for t in tickets(closed)}[reference]
    assert ticket["player_id"] == "P1004" and ticket["priority"] == "high"
    assert ticket["category"] == "payments"


def test_responsible_gambling_always_gives_the_helpline_and_is_urgent(closed):
    sender = new_sender()
    text = closed.text("je suis accro aux machines a sous, aidez moi", sender=sender, token=closed.token("P1001"))
    assert "Joueurs Info Service" in text and "09 74 75 13 13" in text
    assert "Votre ticket T-" in text
    reference = text.split("Votre ticket ")[1].split()[0]
    assert {t["reference"]: t for t in tickets(closed)}[reference]["priority"] == "urgent"


def test_inside_hours_without_agents_the_bot_says_so_and_offers_a_ticket(open_no_agent):
    sender = new_sender()
    text = open_no_agent.text("passe moi un conseiller", sender=sender)
    assert "Aucun conseiller n'est connecté" in text
    buttons = [b["payload"] for m in open_no_agent.say("je veux un humain", sender=new_sender())
               for b in m.get("buttons", [])]
    assert "/contact_support_ticket" in buttons and "/human_handoff_wait" in buttons


def test_inside_hours_waiting_joins_the_queue_and_pauses_the_bot(open_no_agent):
    sender = new_sender()
    open_no_agent.text("je voudrais parler a un conseiller", sender=sender)
    waiting = open_no_agent.text("/human_handoff_wait", sender=sender)
    assert "file d'attente" in waiting
    entry = [h for h in queue(open_no_agent) if h["conversation_id"] == sender]
    assert entry and entry[0]["status"] == "waiting" and entry[0]["reason"] == "human_request"
    assert open_no_agent.say("allo ?", sender=sender) == []  # paused: kept for the agent, no bot reply


def test_inside_hours_with_an_agent_online_the_player_is_told_the_position(open_no_agent, bot):
    from casino_support import agents
    from casino_support.database import get_database

    database = get_database(bot.env["SUPPORT_DB_URL"])
    if agents.get_agent(database, "rita") is None:
        agents.create_agent(database, "rita", "motdepasse-rita-123")
    agents.mark_online(database, "rita")
    sender = new_sender()
    text = open_no_agent.text("un conseiller svp", sender=sender)
    assert "position" in text and "1 conseiller est connecté" in text
    agents.mark_offline(database, "rita")
