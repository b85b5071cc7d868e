"""The support database on PostgreSQL goes down, hangs, and comes back, mid-conversation.

A private PostgreSQL cluster (tests/system_services.py: installed with apt-get when the
machine lacks it) holds the support database; both real servers use it. The tracker
store stays the servers' SQLite file, so what the player wrote is kept while the support
database is down. The player gets a French answer within seconds, the action server
stays up, and the same conversation goes on once PostgreSQL is back.
"""
from __future__ import annotations

import json
import time
import uuid
from typing import Iterator, List

import pytest
from sqlalchemy import create_engine, text

from tests.integration.conftest import ALWAYS_CLOSED, ALWAYS_OPEN, Bot
from tests.restartable_servers import (
    RestartableServers, restartable_servers, slot_values, tracker_events, user_texts,
)
from tests.servers import MODEL, server_environment
from tests.system_services import PostgresServer, running_postgres

STATEMENT_TIMEOUT_S = 2  # the servers' SUPPORT_DB_STATEMENT_TIMEOUT
ACCOUNT_DOWN = "Je ne peux pas consulter votre compte pour le moment"
SUPPORT_EMAIL = "support@casino-lumiere.example"


class PostgresBot(Bot):
    def __init__(self, servers: RestartableServers, postgres: PostgresServer):
        super().__init__(servers.url, servers.env, servers.work / "support.yml")
        self.servers, self.postgres = servers, postgres

    def timed(self, message: str, sender: str, token: str = None) -> tuple:
        started = time.monotonic()
        replies = self.say(message, sender=sender, token=token)
        return "\n".join(r.get("text", "") for r in replies), time.monotonic() - started, replies

    def tickets(self) -> List[dict]:
        result = self.cli("tickets", "--json")
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)

    def queue(self) -> List[dict]:
        result = self.cli("queue", "--json")
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)


@pytest.fixture(scope="module")
def pg_bot(tmp_path_factory) -> Iterator[PostgresBot]:
    if not MODEL.exists():
        pytest.fail("no trained model: run `make train` first")
    work = tmp_path_factory.mktemp("pg-servers")
    with running_postgres(work) as postgres:
        url = postgres.create_database("support")
        env = server_environment(work, SUPPORT_DB_URL=url,
                                 SUPPORT_DB_STATEMENT_TIMEOUT=str(STATEMENT_TIMEOUT_S))
        with restartable_servers(work, env) as servers:
            yield PostgresBot(servers, postgres)


@pytest.fixture
def postgres_back(pg_bot) -> Iterator[PostgresBot]:
    """Whatever the test did, PostgreSQL runs again afterwards."""
    yield pg_bot
    if not pg_bot.postgres.running:
        pg_bot.postgres.start()


def new_sender() -> str:
    return f"pg-{uuid.uuid4().hex[:10]}"


def assert_all_user_messages_kept(bot: PostgresBot, sender: str, sent: List[str]) -> None:
    assert user_texts(tracker_events(bot.servers.tracker_db, sender)) == sent


def test_the_servers_run_on_postgresql(pg_bot):
    assert pg_bot.env["SUPPORT_DB_URL"].startswith("postgresql+psycopg2://")
    players = pg_bot.postgres.psql("SELECT count(*) FROM players", database="support")
    assert int(players) >= 6  # the demo players, seeded into PostgreSQL


def test_database_stopped_mid_conversation_then_back_outside_hours(postgres_back):
    bot = postgres_back
    bot.set_chat_hours(ALWAYS_CLOSED)
    sender, token = new_sender(), bot.token("P1002")
    sent: List[str] = []

    def say(message: str) -> tuple:
        sent.append(message)
        return bot.timed(message, sender, token)

    answer, _, _ = say("mon compte est validé ?")
    assert "justificatif de domicile : pas encore envoyé" in answer

    bot.postgres.stop()
    answer, seconds, _ = say("et mon compte est validé maintenant ?")
    assert seconds < 5, f"{seconds:.1f} s"
    assert answer.startswith(ACCOUNT_DOWN)
    assert "Pour valider votre compte" in answer  # the general answer still comes
    assert bot.servers.all_alive()

    # Outside hours: the ticket form needs no database until the ticket is written.
    answer, _, _ = say("je veux parler à un conseiller")
    assert "Décrivez votre demande" in answer
    answer, seconds, replies = say("mon justificatif de domicile a été refusé sans raison")
    assert seconds < 5, f"{seconds:.1f} s"
    assert "Je n'ai pas pu enregistrer votre ticket" in answer and SUPPORT_EMAIL in answer
    retry = [b for r in replies for b in r.get("buttons", [])]
    assert [b["title"] for b in retry] == ["Réessayer"]

    bot.postgres.start()
    answer, _, _ = say(retry[0]["payload"])  # the player presses « Réessayer »
    assert "Votre ticket T-" in answer
    reference = answer.split("Votre ticket ")[1].split()[0]
    created = {t["reference"]: t for t in bot.tickets()}[reference]
    assert created["player_id"] == "P1002"
    assert created["summary"] == "mon justificatif de domicile a été refusé sans raison"
    assert [t["summary"] for t in bot.tickets()].count(created["summary"]) == 1

    answer, _, _ = say("mon compte est validé ?")
    assert "justificatif de domicile : pas encore envoyé" in answer
    assert_all_user_messages_kept(bot, sender, sent)


def test_database_stopped_during_opening_hours_then_the_handoff_goes_through(postgres_back):
    bot = postgres_back
    bot.set_chat_hours(ALWAYS_OPEN)
    sender, token = new_sender(), bot.token("P1001")
    sent: List[str] = []

    def say(message: str) -> tuple:
        sent.append(message)
        return bot.timed(message, sender, token)

    say("bonjour")
    bot.postgres.stop("immediate")  # as a crash: no clean shutdown
    answer, _, _ = say("comment faire un dépôt ?")  # the bot still answers what it can
    assert "Moyens acceptés" in answer
    answer, seconds, replies = say("je veux parler à un conseiller")
    assert seconds < 5, f"{seconds:.1f} s"
    assert "Je n'ai pas pu enregistrer votre demande de conseiller" in answer
    assert "Réessayez dans quelques minutes" in answer and SUPPORT_EMAIL in answer
    retry = [b["payload"] for r in replies for b in r.get("buttons", [])]
    assert retry == ["/human_handoff"]
    assert bot.servers.all_alive()

    bot.postgres.start()
    answer, _, _ = say(retry[0])
    assert "Aucun conseiller n'est connecté" in answer  # the truth: chat open, nobody online
    assert not [h for h in bot.queue() if h["conversation_id"] == sender]  # until it waits
    answer, _, _ = say("/human_handoff_wait")
    assert "file d'attente" in answer
    waiting = [h for h in bot.queue() if h["conversation_id"] == sender]
    assert waiting and waiting[0]["player_id"] == "P1001" and waiting[0]["status"] == "waiting"
    assert_all_user_messages_kept(bot, sender, sent)


def test_a_statement_stuck_behind_a_lock_is_cancelled_by_the_statement_timeout(postgres_back):
    """The database is up but does not answer (a table locked elsewhere): the action's
    statement is cancelled after SUPPORT_DB_STATEMENT_TIMEOUT and the player is told."""
    bot = postgres_back
    sender, token = new_sender(), bot.token("P1003")
    engine = create_engine(bot.env["SUPPORT_DB_URL"], future=True)
    try:
        with engine.connect() as blocker:
            blocker.execute(text("LOCK TABLE players IN ACCESS EXCLUSIVE MODE"))
            answer, seconds, _ = bot.timed("il me reste combien a miser sur mon bonus ?", sender,
                                           token)
            blocker.rollback()
    finally:
        engine.dispose()
    assert STATEMENT_TIMEOUT_S - 0.5 < seconds < STATEMENT_TIMEOUT_S + 4, f"{seconds:.1f} s"
    assert ACCOUNT_DOWN in answer and "2 300" not in answer
    answer, seconds, _ = bot.timed("il me reste combien a miser sur mon bonus ?", sender, token)
    assert "2 300,00 €" in answer and seconds < STATEMENT_TIMEOUT_S


def test_the_bonus_confirmation_survives_a_database_outage(postgres_back):
    """Asked to confirm while the database was up, confirmed while it is down: nothing is
    cancelled and the player is told; confirmed again once it is back: cancelled."""
    bot = postgres_back
    sender, token = new_sender(), bot.token("P1003")
    answer, _, _ = bot.timed("je veux annuler mon bonus", sender, token)
    assert "Confirmez-vous l'annulation de votre bonus ?" in answer
    bot.postgres.stop()
    answer, seconds, _ = bot.timed("/affirm", sender, token)  # the « Oui » quick reply
    assert seconds < 5
    assert "Je n'ai pas pu annuler votre bonus" in answer and "Rien n'a été modifié" in answer
    bot.postgres.start()
    answer, _, _ = bot.timed("il me reste combien a miser sur mon bonus ?", sender, token)
    assert "2 300,00 €" in answer  # still there
    slots = slot_values(tracker_events(bot.servers.tracker_db, sender))
    assert slots.get("bonus_cancel_confirmed") is None
