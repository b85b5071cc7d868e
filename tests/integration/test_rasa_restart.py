"""The Rasa server (or the action server) is killed mid-conversation and started again.

The conversation lives in the SQL tracker store: after the restart the next message
continues what was going on (a form asking for the e-mail, a confirmation question),
with the slots kept, and every message of the conversation is still in the tracker store.
"""
from __future__ import annotations

import json
import uuid
from typing import Iterator, List

import pytest

from casino_support.masking import mask
from tests.integration.conftest import ALWAYS_CLOSED, Bot
from tests.restartable_servers import (
    RestartableServers, restartable_servers, slot_values, tracker_events, user_texts,
)
from tests.servers import MODEL, server_environment


class RestartBot(Bot):
    def __init__(self, servers: RestartableServers):
        super().__init__(servers.url, servers.env, servers.work / "support.yml")
        self.servers = servers

    def events(self, sender: str) -> List[dict]:
        return tracker_events(self.servers.tracker_db, sender)


@pytest.fixture(scope="module")
def restart_bot(tmp_path_factory) -> Iterator[RestartBot]:
    if not MODEL.exists():
        pytest.fail("no trained model: run `make train` first")
    work = tmp_path_factory.mktemp("restart-servers")
    with restartable_servers(work, server_environment(work)) as servers:
        yield RestartBot(servers)


def test_the_ticket_form_goes_on_after_the_rasa_server_was_killed(restart_bot):
    bot = restart_bot
    bot.set_chat_hours(ALWAYS_CLOSED)
    sender = f"restart-{uuid.uuid4().hex[:10]}"
    sent = ["je veux parler à un conseiller"]
    asked = bot.text(sent[-1], sender=sender)
    assert "adresse e-mail" in asked
    assert slot_values(bot.events(sender)).get("requested_slot") == "email"

    bot.servers.rasa.kill()
    bot.servers.rasa.start()
    assert bot.servers.rasa.starts == 2

    sent.append("c'est lea.martin@exemple.fr")
    answer = bot.text(sent[-1], sender=sender)
    assert "Décrivez votre demande" in answer  # the form went on: the e-mail was taken
    # Saved masked in the tracker store; the ticket gets it from the support database.
    assert slot_values(bot.events(sender)).get("email") == "[e-mail masqué]"
    sent.append("mon dépôt de 50 euros n'apparaît pas sur mon solde")
    answer = bot.text(sent[-1], sender=sender)
    assert "Votre ticket T-" in answer and "lea.martin@exemple.fr" in answer
    reference = answer.split("Votre ticket ")[1].split()[0]
    ticket = {t["reference"]: t for t in json.loads(bot.cli("tickets", "--json").stdout)}[reference]
    assert ticket["email"] == "lea.martin@exemple.fr"
    assert ticket["summary"] == "mon dépôt de 50 euros n'apparaît pas sur mon solde"
    assert user_texts(bot.events(sender)) == [mask(text) for text in sent]  # every message kept


def test_the_bonus_confirmation_goes_on_after_both_servers_were_killed(restart_bot):
    bot = restart_bot
    sender, token = f"restart-{uuid.uuid4().hex[:10]}", bot.token("P1003")
    sent = ["je veux annuler mon bonus"]
    asked = bot.text(sent[-1], sender=sender, token=token)
    assert "Confirmez-vous l'annulation de votre bonus ?" in asked
    before = slot_values(bot.events(sender))
    assert before.get("bonus_cancellable") is True and before.get("requested_slot")

    bot.servers.rasa.kill()
    bot.servers.actions.kill()
    bot.servers.actions.start()
    bot.servers.rasa.start()

    sent.append("oui")
    done = bot.text(sent[-1], sender=sender, token=token)
    assert "est annulé" in done
    sent.append("il me reste combien a miser sur mon bonus")
    after = bot.text(sent[-1], sender=sender, token=token)
    assert "aucun bonus actif" in after
    assert user_texts(bot.events(sender)) == sent
