"""The player's own case first (casino_support/own_case.py), on the seeded demo players."""
import pytest

from casino_support.accounts import UnknownPlayer
from casino_support.database import session_scope
from casino_support.own_case import depends_on_account, own_answer
from casino_support.questions import Question


def ask(player_id, question, config, now):
    with session_scope() as session:
        return own_answer(session, player_id, question, config, now)


def text(own):
    return "\n".join(own.answer.messages)


def test_a_precise_question_gets_the_players_facts_first_then_the_general_answer(seeded, config, now):
    own = ask("P1002", Question("withdraw", "delay"), config, now)
    assert text(own).index("justificatif de domicile") < text(own).index("Nous traitons chaque demande")


def test_why_a_withdrawal_is_blocked_is_the_players_own_reason_only(seeded, config, now):
    own = ask("P1003", Question("withdraw", "blocked"), config, now)
    assert "2 300,00 €" in text(own)
    assert "Un retrait est bloqué le plus souvent" not in text(own)


def test_a_late_payment_question_with_nothing_pending_gives_what_blocks(seeded, config, now):
    own = ask("P1005", Question("late_payment"), config, now)
    assert "document expiré" in text(own)
    assert own.answered == Question("withdraw", "blocked") and own.late == []


def test_a_late_withdrawal_is_returned_for_escalation(seeded, config, now):
    own = ask("P1004", Question("late_payment"), config, now)
    assert [item.amount for item in own.late] == [500]


@pytest.mark.parametrize("question", [Question("deposit", "how"), Question("bonus", "welcome"),
                                      Question("register", "how")])
def test_a_self_excluded_player_gets_no_way_to_deposit_and_no_offer(seeded, config, now, question):
    answer = text(ask("P1006", question, config, now))
    assert "auto-exclusion jusqu'au" in answer
    assert "Mon compte > Dépôt" not in answer and "Bonus de bienvenue" not in answer


def test_a_self_excluded_player_asking_to_come_back_gets_the_end_date(seeded, config, now):
    answer = text(ask("P1006", Question("responsible_gambling", "come_back"), config, now))
    assert "auto-exclusion jusqu'au" in answer


def test_the_helpline_follows_the_account_country_unless_the_message_names_one(seeded, config, now):
    from casino_support.database import session_scope as scope
    from casino_support.models import Player
    with scope() as session:
        session.get(Player, "P1001").country = "CH"
    own = ask("P1001", Question("responsible_gambling", "helpline"), config, now)
    assert "0800 801 381" in text(own)
    own = ask("P1001", Question("responsible_gambling", "helpline", country="BE"), config, now)
    assert "0800 35 777" in text(own)


def test_an_unknown_player_is_refused(seeded, config, now):
    with pytest.raises(UnknownPlayer):
        ask("P9999", Question("withdraw", "how"), config, now)


@pytest.mark.parametrize("question, depends", [
    (Question("withdraw", "blocked"), True),
    (Question("withdraw", "fees"), False),
    (Question("verify_account", "rejected"), True),
    (Question("verify_account", "where_to_send"), False),
    (Question("bonus", "wagering"), True),
    (Question("bonus", "vip"), False),
    (Question("responsible_gambling", "come_back"), True),
    (Question("responsible_gambling", "distress"), False),
])
def test_which_questions_the_account_answers(question, depends):
    assert depends_on_account(question) is depends


def test_a_withdrawal_blocked_by_documents_turns_the_conversation_to_them(seeded, config, now):
    for aspect in ("how", "blocked"):
        own = ask("P1002", Question("withdraw", aspect), config, now)
        assert own.answered == Question("verify_account", "how")
    assert ask("P1002", Question("withdraw", "fees"), config, now).answered is None


def test_a_precise_follow_up_does_not_repeat_the_facts_just_given(seeded, config, now):
    own = ask("P1002", Question("verify_account", "where_to_send", follow_up=True), config, now)
    assert "pas encore envoyé" not in text(own)
    assert "Mon compte > Vérification > Envoyer un document" in text(own)
