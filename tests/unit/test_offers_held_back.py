"""Offers held back (casino_support/own_case.py): after a responsible-gambling signal in the
chat, during a break and during a self-exclusion, the bot promotes no offer; a player on a
break or self-excluded is never told how to deposit."""
import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from casino_support import player_protection as protection
from casino_support.database import session_scope
from casino_support.formatting import format_date
from casino_support.models import AuditEvent, ProtectionSignal
from casino_support.own_case import own_answer
from casino_support.questions import Question


def ask(player_id, question, config, now):
    with session_scope() as session:
        return own_answer(session, player_id, question, config, now)


def text(own):
    return "\n".join(own.answer.messages)


def offers(config):
    """What promotes an offer: the welcome offer, cashback, VIP, free spins (support.yml)."""
    bonuses = config.bonuses
    return [bonuses["welcome"]["description"], bonuses["cashback"], bonuses["vip"],
            bonuses["free_spins"], "Bonus de bienvenue :", "Aussi :", "Recevoir le bonus"]


def promoted(answer, config):
    return [offer for offer in offers(config) if offer in answer]


def signals(player_id):
    with session_scope() as session:
        return [(s.kind, s.conversation_id) for s in session.execute(
            select(ProtectionSignal).where(ProtectionSignal.player_id == player_id)).scalars()]


def audited(action):
    with session_scope() as session:
        return [(e.actor, e.player_id, json.loads(e.details)) for e in session.execute(
            select(AuditEvent).where(AuditEvent.action == action)).scalars()]


def held_back_until(config, now):
    days = config.raw["player_protection"]["offers_held_back_days"]
    return days, format_date(now + timedelta(days=days), config.timezone)


OFFER_QUESTIONS = [Question("bonus", "welcome"), Question("bonus", "cashback"),
                   Question("bonus", "vip"), Question("bonus", "free_spins")]


def test_a_distress_question_is_a_signal_that_holds_offers_back_for_the_set_period(seeded, config, now):
    for question in OFFER_QUESTIONS:  # before: the offers are there
        assert promoted(text(ask("P1001", question, config, now)), config)
    rg_before = text(ask("P1002", Question("responsible_gambling", "distress"), config, now))

    rg = ask("P1001", Question("responsible_gambling", "distress"), config, now)

    assert text(rg) == rg_before  # the answer of the turn is the same
    assert signals("P1001") == [("distress", None)]
    [(actor, player, details)] = [e for e in audited("protection_signal") if e[1] == "P1001"]
    assert (actor, player, details["kind"]) == ("bot", "P1001", "distress")
    days, until = held_back_until(config, now)
    for question in [*OFFER_QUESTIONS, Question("bonus", "overview"), Question("bonus", "wagering")]:
        answer = text(ask("P1001", question, config, now + timedelta(days=1)))
        assert promoted(answer, config) == [], question
        assert f"aucune offre promotionnelle ne vous sera proposée jusqu'au {until}" in answer
        assert answer.count("aucune offre promotionnelle") == 1
    # the bonus rights stay: refusing or cancelling a bonus is not an offer
    assert "Annuler le bonus" in text(ask("P1001", Question("bonus", "welcome"), config, now))

    later = now + timedelta(days=days + 1)
    for question in OFFER_QUESTIONS:
        answer = text(ask("P1001", question, config, later))
        assert promoted(answer, config) and "aucune offre promotionnelle" not in answer


@pytest.mark.parametrize("aspect, kind", [
    ("limits", "limit_request"), ("pause", "limit_request"), ("self_exclusion", "limit_request"),
    ("distress", "distress"), ("helpline", "distress"),
    ("come_back", None), ("overview", None), ("reality_check", None),
])
def test_which_responsible_gambling_questions_are_signals(seeded, config, now, aspect, kind):
    ask("P1001", Question("responsible_gambling", aspect), config, now)
    assert signals("P1001") == ([(kind, None)] if kind else [])
    status = protection.protection_status(seeded, "P1001", now)
    assert status.offers_allowed is (kind is None)


def test_a_held_back_player_keeps_the_facts_of_the_bonus_they_hold(seeded, config, now):
    protection.record_signal(seeded, "P1003", "distress", now=now)
    for aspect in ("wagering", "overview", "expiry"):
        answer = text(ask("P1003", Question("bonus", aspect), config, now))
        assert "reste à miser 2 300,00 €" in answer and "expire le 30 mars 2026" in answer
        assert promoted(answer, config) == []
        assert "aucune offre promotionnelle" in answer


def test_a_held_back_player_may_deposit_but_is_offered_no_bonus(seeded, config, now):
    before = text(ask("P1001", Question("deposit", "how"), config, now))
    assert "Un bonus peut vous être proposé" in before
    ask("P1001", Question("responsible_gambling", "limits"), config, now)
    answer = text(ask("P1001", Question("deposit", "how"), config, now))
    assert "Mon compte > Dépôt" in answer
    assert "bonus" not in answer.lower() and "offre" not in answer
    register = text(ask("P1001", Question("register", "how"), config, now))
    assert promoted(register, config) == [] and "S'inscrire" in register


@pytest.mark.parametrize("question", [Question("deposit", "how"), Question("deposit", "methods"),
                                      Question("bonus", "welcome"), Question("bonus", "wagering"),
                                      Question("register", "how")])
def test_a_player_on_a_break_is_told_when_it_ends_not_how_to_deposit(seeded, config, now, question):
    brk = protection.take_break(seeded, "P1001", days=7, actor="player", now=now)
    answer = text(ask("P1001", question, config, now + timedelta(hours=1)))
    assert f"pause jusqu'au {format_date(brk.ends_at, config.timezone)}" in answer
    assert "Mon compte > Dépôt" not in answer and "Moyens acceptés" not in answer
    assert "PayPal" not in answer and promoted(answer, config) == []
    assert "retirer" in answer and "09 74 75 13 13" in answer  # the balance, the helpline


def test_after_the_break_deposits_are_answered_again(seeded, config, now):
    protection.take_break(seeded, "P1001", days=7, actor="player", now=now)
    answer = text(ask("P1001", Question("deposit", "how"), config, now + timedelta(days=8)))
    assert "Mon compte > Dépôt" in answer and "pause jusqu'au" not in answer
    assert "bonus" not in answer.lower()  # the break was a signal: offers still held back


@pytest.mark.parametrize("question", [Question("deposit", "how"), Question("bonus", "welcome"),
                                      Question("bonus", "cashback"), Question("register", "how")])
def test_a_self_excluded_player_keeps_the_self_exclusion_answer(seeded, config, now, question):
    answer = text(ask("P1006", question, config, now))
    assert "auto-exclusion jusqu'au" in answer
    assert "Mon compte > Dépôt" not in answer and promoted(answer, config) == []
    assert "aucune offre promotionnelle" not in answer
