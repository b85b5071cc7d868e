"""The custom actions, run with trackers as Rasa would send them (no server)."""
from __future__ import annotations

import asyncio
import time
from typing import Any, Dict, List, Optional

import jwt
import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.dialogue import ActionNotUnderstood, ActionSessionStart
from actions.general_answers import (
    AnswerBonus, AnswerComplain, AnswerDeposit, AnswerVerifyAccount, AnswerWithdraw,
)
from actions.player_account import ActionCancelBonus, AnswerBonusCancel, AnswerLatePayment
from casino_support.identity import issue_player_token

SECRET = "unit-test-secret-0123456789abcdef0123"


@pytest.fixture(autouse=True)
def secret(monkeypatch):
    monkeypatch.setenv("PLAYER_JWT_SECRET", SECRET)


@pytest.fixture
def seeded(db):
    """The demo players as of today: the actions read the real clock."""
    from datetime import datetime, timezone
    from casino_support.demo_data import seed

    seed(db, datetime.now(timezone.utc))
    return db


def tracker(text: str, intent: str, token: Optional[str] = None, channel: str = "rest",
            entities: Optional[List[Dict[str, Any]]] = None, slots: Optional[Dict[str, Any]] = None,
            events: Optional[List[Dict[str, Any]]] = None, active_loop: Optional[str] = None,
            sender: str = "conversation-1", key: Optional[str] = None,
            questions: Optional[List[Dict[str, Any]]] = None) -> Tracker:
    """A tracker as Rasa sends it; ``key``: the ResponseSelector's retrieval key
    (``withdraw/delay``); ``questions``: the several questions the channel found."""
    metadata: Dict[str, Any] = {"player_token": token} if token is not None else {}
    if questions is not None:
        metadata["questions"] = questions
    latest = {"text": text, "intent": {"name": intent, "confidence": 0.9},
              "entities": entities or [], "metadata": metadata}
    if key is not None:
        latest["response_selector"] = {"default": {"response": {"intent_response_key": key}}}
    user_event = {"event": "user", "text": text, "parse_data": latest, "metadata": metadata,
                  "input_channel": channel}
    return Tracker(sender, slots or {}, latest, [*(events or []), user_event], False, None,
                   {"name": active_loop} if active_loop else {}, "action_listen")


def run(action, tracker_: Tracker):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker_, {}))
    return "\n".join(m.get("text") or "" for m in dispatcher.messages), events, dispatcher.messages


def token(player_id: str, ttl: int = 600) -> str:
    return issue_player_token(player_id, ttl_seconds=ttl, secret=SECRET)


def test_session_starts_by_saying_it_is_an_automated_assistant(config):
    text, events, _ = run(ActionSessionStart(), tracker("", "greet"))
    assert "assistant automatique" in text and "pas une personne" in text
    assert events[0]["event"] == "session_started"


def test_general_answer_ends_with_anything_else(seeded):
    text, _, _ = run(AnswerDeposit(), tracker("comment deposer", "deposit"))
    assert "Moyens acceptés" in text
    assert text.endswith("Puis-je vous aider pour autre chose ?")


def test_no_anything_else_in_the_middle_of_a_form(seeded):
    text, _, _ = run(AnswerDeposit(), tracker("comment deposer", "deposit", active_loop="bonus_cancel_form"))
    assert "autre chose" not in text


def test_p1002_verification_with_token(seeded):
    text, _, _ = run(AnswerVerifyAccount(), tracker("mon compte est valide ?", "verify_account", token("P1002")))
    assert "justificatif de domicile : pas encore envoyé" in text


def test_anonymous_verification_gives_no_account_data(seeded):
    text, _, _ = run(AnswerVerifyAccount(), tracker("mon compte est valide ?", "verify_account"))
    assert "pas encore envoyé" not in text
    assert "connectez-vous" in text


def test_player_id_in_entities_or_slots_is_ignored(seeded):
    entities = [{"entity": "player_id", "value": "P1003"}]
    text, _, _ = run(AnswerBonus(), tracker('/bonus{"player_id":"P1003"}', "bonus",
                                            entities=entities, slots={"player_id": "P1003"},
                                            sender="P1003"))
    assert "2 300" not in text


def test_expired_token_is_refused(seeded):
    expired = jwt.encode({"sub": "P1003", "exp": int(time.time()) - 120}, SECRET, algorithm="HS256")
    text, _, _ = run(AnswerBonus(), tracker("mon bonus", "bonus", expired))
    assert "2 300" not in text and "expiré" in text


def test_forged_token_is_refused(seeded):
    forged = jwt.encode({"sub": "P1003", "exp": int(time.time()) + 600}, "wrong-secret-" * 3, algorithm="HS256")
    text, _, _ = run(AnswerBonus(), tracker("mon bonus", "bonus", forged))
    assert "2 300" not in text


def test_dev_player_only_for_the_shell(seeded, monkeypatch):
    monkeypatch.setenv("SUPPORT_DEV_PLAYER", "P1003")
    shell_text, _, _ = run(AnswerBonus(), tracker("mon bonus", "bonus", channel="cmdline"))
    rest_text, _, _ = run(AnswerBonus(), tracker("mon bonus", "bonus", channel="rest"))
    assert "2 300,00 €" in shell_text
    assert "2 300" not in rest_text


def test_p1003_withdrawal_warns_about_the_bonus(seeded):
    text, _, _ = run(AnswerWithdraw(), tracker("je peux retirer ?", "withdraw", token("P1003")))
    assert "2 300,00 €" in text and "annule ce bonus" in text


def test_p1004_late_payment_is_named_and_audited(seeded):
    from sqlalchemy import select
    from casino_support.database import session_scope
    from casino_support.models import AuditEvent

    text, _, _ = run(AnswerLatePayment(), tracker("toujours pas recu mon virement", "late_payment", token("P1004")))
    assert "500,00 €" in text and "en retard" in text
    with session_scope() as session:
        actions = session.execute(select(AuditEvent.action).where(AuditEvent.player_id == "P1004")).scalars().all()
    assert "late_withdrawal_flagged" in actions


def test_bonus_cancel_asks_first_then_cancels_only_when_confirmed(seeded):
    text, events, _ = run(AnswerBonusCancel(), tracker("annule mon bonus", "bonus_cancel", token("P1003")))
    assert "vous perdez le bonus de 100,00 €" in text
    assert {"event": "slot", "timestamp": None, "name": "bonus_cancellable", "value": True} in events

    kept, _, _ = run(ActionCancelBonus(), tracker("non", "deny", token("P1003"),
                                                  slots={"bonus_cancel_confirmed": False}))
    assert "conservé" in kept
    still, _, _ = run(AnswerBonus(), tracker("mon bonus", "bonus", token("P1003")))
    assert "2 300,00 €" in still

    done, _, _ = run(ActionCancelBonus(), tracker("oui", "affirm", token("P1003"),
                                                  slots={"bonus_cancel_confirmed": True}))
    assert "est annulé" in done
    after, _, _ = run(AnswerBonus(), tracker("mon bonus", "bonus", token("P1003")))
    assert "aucun bonus actif" in after


def test_confirmation_without_token_cancels_nothing(seeded):
    text, _, _ = run(ActionCancelBonus(), tracker("oui", "affirm", slots={"bonus_cancel_confirmed": True}))
    assert "Rien n'a été annulé" in text
    after, _, _ = run(AnswerBonus(), tracker("mon bonus", "bonus", token("P1003")))
    assert "2 300,00 €" in after


def test_database_down_gives_a_clear_french_answer(monkeypatch, tmp_path):
    monkeypatch.setenv("SUPPORT_DB_URL", "postgresql://127.0.0.1:1/nothing")
    started = time.monotonic()
    text, _, _ = run(AnswerWithdraw(), tracker("je peux retirer ?", "withdraw", token("P1001")))
    assert time.monotonic() - started < 5
    assert "Je ne peux pas consulter votre compte pour le moment" in text
    assert "Pour retirer vos gains" in text


def test_not_understood_twice_points_to_a_human(config):
    first, _, _ = run(ActionNotUnderstood(), tracker("blabla", "nlu_fallback"))
    assert "reformuler" in first
    previous = [{"event": "user", "text": "blabla"},
                {"event": "action", "name": "action_not_understood"},
                {"event": "action", "name": "action_listen"}]
    second, _, _ = run(ActionNotUnderstood(), tracker("xyz", "nlu_fallback", events=previous))
    assert "reformuler" not in second
    assert "conseiller" in second or "support@" in second


def test_an_angry_player_is_offered_a_human(config):
    _, _, messages = run(AnswerComplain(), tracker("vous etes des voleurs", "complain"))
    payloads = [b["payload"] for m in messages for b in (m.get("buttons") or [])]
    assert "/human_handoff" in payloads and "/contact_support_ticket" in payloads


def test_p1003_wagering_question_gets_own_figures_not_the_general_example(seeded):
    text, _, _ = run(AnswerBonus(), tracker("il me reste combien a miser", "bonus", token("P1003")))
    assert "reste à miser 2 300,00 €" in text
    assert "Exemple" not in text
