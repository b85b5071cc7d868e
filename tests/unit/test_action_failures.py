"""The actions when the support database is down, hangs or something else fails.

The player always gets a French answer (the general answer when possible, else what
could not be done and the support e-mail of support.yml), the action returns normally
(the action server answers 200), and everything works again once the database is back.
"""
from __future__ import annotations

import asyncio
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest
from rasa_sdk.executor import ActionExecutor

from actions import common
from actions.escalation import (
    ActionAnswerResponsibleGambling, ActionCreateTicket, ActionRequestHuman, ActionWaitForAgent,
)
from actions.general_answers import AnswerBonus, AnswerDeposit, AnswerVerifyAccount, AnswerWithdraw
from actions.player_account import ActionCancelBonus, AnswerBonusCancel, AnswerLatePayment
from casino_support import accounts, tickets
from casino_support.database import dispose_databases, get_database
from casino_support.demo_data import seed
from tests.unit.test_actions import run, secret, seeded, token, tracker  # noqa: F401 (fixtures)
from tests.unit.test_escalation_actions import chat_closed, chat_open, paused, slot  # noqa: F401

SUPPORT_EMAIL = "support@casino-lumiere.example"  # support.yml, channels.email.address
NOTHING_LISTENS = "postgresql+psycopg2://support:secret@127.0.0.1:1/support"


@pytest.fixture
def database_down(monkeypatch):
    """Nothing listens where the support database should be."""
    monkeypatch.setenv("SUPPORT_DB_URL", NOTHING_LISTENS)
    yield
    dispose_databases()


class SwitchableDatabase:
    """A real SQLite database whose folder can vanish (down) and come back (up)."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.hidden = folder.with_name(folder.name + "-away")
        self.url = f"sqlite:///{folder / 'support.db'}"

    def down(self) -> None:
        self.folder.rename(self.hidden)
        self.folder.write_text("not a folder")  # the database file cannot be opened

    def up(self) -> None:
        self.folder.unlink()
        self.hidden.rename(self.folder)


@pytest.fixture
def switchable(tmp_path, monkeypatch):
    database = SwitchableDatabase(tmp_path / "db")
    monkeypatch.setenv("SUPPORT_DB_URL", database.url)
    seed(get_database(database.url), datetime.now(timezone.utc))
    yield database
    dispose_databases()


def buttons_of(messages):
    return [b["payload"] for m in messages for b in (m.get("buttons") or [])]


# --- account answers -------------------------------------------------------------------

@pytest.mark.parametrize("action, question, intent, general", [
    (AnswerVerifyAccount, "mon compte est validé ?", "verify_account", "Pour valider votre compte"),
    (AnswerWithdraw, "je peux retirer ?", "withdraw", "Pour retirer vos gains"),
    (AnswerBonus, "mon bonus", "bonus", "Bonus de bienvenue : 100 %"),
])
def test_account_question_with_the_database_down_gets_the_general_answer(
        database_down, action, question, intent, general):
    started = time.monotonic()
    text, events, _ = run(action(), tracker(question, intent, token("P1003")))
    assert time.monotonic() - started < 5
    assert text.startswith("Je ne peux pas consulter votre compte pour le moment")
    assert general.lower() in text.lower()
    assert "2 300" not in text  # nothing invented about the account
    assert text.endswith("Puis-je vous aider pour autre chose ?")


def test_late_payment_with_the_database_down_neither_crashes_nor_escalates(database_down):
    text, events, _ = run(AnswerLatePayment(), tracker("mon retrait n'arrive pas", "late_payment",
                                                       token("P1004")))
    assert "Je ne peux pas consulter votre compte" in text
    assert "500,00" not in text
    assert slot(events, "handoff_outcome") is None and not paused(events)


def test_bonus_cancel_with_the_database_down_asks_no_confirmation(database_down):
    text, events, _ = run(AnswerBonusCancel(), tracker("annule mon bonus", "bonus_cancel",
                                                       token("P1003")))
    assert "Je ne peux pas consulter votre compte" in text
    assert slot(events, "bonus_cancellable") is False


def test_confirmed_cancellation_with_the_database_down_changes_nothing(switchable):
    confirmed = tracker("oui", "affirm", token("P1003"), slots={"bonus_cancel_confirmed": True})
    switchable.down()
    text, events, _ = run(ActionCancelBonus(), confirmed)
    assert "Je n'ai pas pu annuler votre bonus" in text and "Rien n'a été modifié" in text
    assert slot(events, "bonus_cancel_confirmed") is None
    switchable.up()
    still, _, _ = run(AnswerBonus(), tracker("mon bonus", "bonus", token("P1003")))
    assert "2 300,00 €" in still  # the bonus is still there


def test_the_same_database_works_again_as_soon_as_it_is_back(switchable):
    question = tracker("mon compte est validé ?", "verify_account", token("P1002"))
    switchable.down()
    down, _, _ = run(AnswerVerifyAccount(), question)
    assert "Je ne peux pas consulter votre compte" in down
    switchable.up()
    back, _, _ = run(AnswerVerifyAccount(), question)
    assert "justificatif de domicile : pas encore envoyé" in back
    assert "Je ne peux pas consulter" not in back


# --- handoffs and tickets --------------------------------------------------------------

def test_a_handoff_that_cannot_be_recorded_says_so_and_offers_to_retry(database_down, chat_open):
    text, events, messages = run(ActionRequestHuman(), tracker("un conseiller", "human_handoff"))
    assert "Je n'ai pas pu enregistrer votre demande de conseiller" in text
    assert "Réessayez dans quelques minutes" in text and SUPPORT_EMAIL in text
    assert buttons_of(messages) == ["/human_handoff"]
    assert slot(events, "handoff_outcome") == "failed" and not paused(events)


def test_waiting_for_an_agent_that_cannot_be_recorded(database_down, chat_open):
    text, events, messages = run(ActionWaitForAgent(), tracker("j'attends", "human_handoff_wait"))
    assert "Je n'ai pas pu enregistrer" in text and SUPPORT_EMAIL in text
    assert buttons_of(messages) == ["/human_handoff_wait"]
    assert not paused(events)


def test_responsible_gambling_gives_the_helpline_even_with_the_database_down(database_down,
                                                                           chat_open):
    text, events, _ = run(ActionAnswerResponsibleGambling(),
                          tracker("je joue trop", "responsible_gambling", token("P1001")))
    assert "Joueurs Info Service" in text and "09 74 75 13 13" in text
    assert "Je n'ai pas pu enregistrer" in text
    assert slot(events, "handoff_outcome") == "failed"


def test_a_ticket_that_cannot_be_recorded_is_created_by_the_retry(switchable, chat_closed):
    form_done = tracker("il manque 50 euros sur mon solde", "inform", sender="conv-retry", slots={
        "email": "lea@exemple.fr", "ticket_description": "il manque 50 euros sur mon solde",
        "escalation_reason": "human_request"})
    switchable.down()
    text, events, messages = run(ActionCreateTicket(), form_done)
    assert "Je n'ai pas pu enregistrer votre ticket" in text and SUPPORT_EMAIL in text
    assert buttons_of(messages) == ["/contact_support_ticket"]
    # What the player gave is kept: the retry asks nothing again.
    assert all(e.get("name") not in ("ticket_description", "email", "escalation_reason")
               for e in events)
    switchable.up()
    text, _, _ = run(ActionCreateTicket(), form_done)
    assert "Votre ticket T-" in text and "lea@exemple.fr" in text
    created = [t for t in tickets.list_tickets(get_database()) if t.conversation_id == "conv-retry"]
    assert len(created) == 1  # the failed attempt left nothing half-written


# --- a database that hangs, an unexpected error --------------------------------------------

def test_a_database_that_does_not_answer_is_given_up_after_the_deadline(switchable, monkeypatch):
    monkeypatch.setenv("SUPPORT_DB_ACTION_TIMEOUT", "0.5")
    real = accounts.verification_status

    def hanging(*args, **kwargs):
        time.sleep(2)
        return real(*args, **kwargs)

    monkeypatch.setattr(accounts, "verification_status", hanging)
    dispatcher = common.CollectingDispatcher()

    async def answer_time() -> float:
        started = time.monotonic()
        await AnswerVerifyAccount().run(
            dispatcher, tracker("mon compte ?", "verify_account", token("P1002")), {})
        return time.monotonic() - started

    assert asyncio.run(answer_time()) < 1.5  # (the abandoned thread ends later, by itself)
    assert dispatcher.messages[0]["text"].startswith(
        "Je ne peux pas consulter votre compte pour le moment")


def test_an_unexpected_error_becomes_a_french_apology(seeded, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("KeyError: 'withdrawals' at line 42")

    monkeypatch.setattr(accounts, "withdrawal_eligibility", broken)
    text, events, _ = run(AnswerWithdraw(), tracker("je peux retirer ?", "withdraw", token("P1001")))
    assert "incident technique" in text and SUPPORT_EMAIL in text
    assert "KeyError" not in text and "line 42" not in text
    assert events == []


def test_a_general_answer_survives_a_broken_support_yml(seeded, monkeypatch, tmp_path):
    broken = tmp_path / "support.yml"
    broken.write_text("operator: [this is not: a valid config\n")
    monkeypatch.setenv("SUPPORT_CONFIG", str(broken))
    text, _, _ = run(AnswerDeposit(), tracker("comment deposer", "deposit"))
    assert "incident technique" in text


def test_the_action_server_answers_with_the_french_message(database_down):
    """Through rasa_sdk's executor, as the action server runs it: a reply, no error."""
    executor = ActionExecutor()
    executor.register_package("actions")
    latest = {"text": "je peux retirer ?", "intent": {"name": "withdraw", "confidence": 0.9},
              "entities": [], "metadata": {"player_token": token("P1001")}}
    call = {"next_action": "action_answer_withdraw", "sender_id": "conv-sdk", "version": "3.6.2",
            "domain": {}, "tracker": {
                "sender_id": "conv-sdk", "slots": {}, "latest_message": latest,
                "events": [{"event": "user", "text": latest["text"], "parse_data": latest,
                            "metadata": latest["metadata"], "input_channel": "rest"}],
                "paused": False, "followup_action": None, "active_loop": {},
                "latest_action_name": "action_listen"}}
    response = asyncio.run(executor.run(call))
    texts = [m["text"] for m in response["responses"]]
    assert texts[0].startswith("Je ne peux pas consulter votre compte")


def test_concurrent_runs_do_not_mix_their_findings(seeded):
    """Action objects are shared: two conversations at once keep their own results."""
    action = AnswerBonusCancel()

    async def both():
        return await asyncio.gather(*(
            action.run(dispatcher, tracker("annule mon bonus", "bonus_cancel", token(player)), {})
            for player, dispatcher in (("P1003", common.CollectingDispatcher()),
                                       ("P1001", common.CollectingDispatcher()),
                                       ("P1003", common.CollectingDispatcher()))))

    with_bonus, without, again = asyncio.run(both())
    assert slot(with_bonus, "bonus_cancellable") is True
    assert slot(without, "bonus_cancellable") is False
    assert slot(again, "bonus_cancellable") is True
