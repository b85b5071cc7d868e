"""Answering whole turns (actions/answering.py), with trackers as Rasa sends them:
follow-ups on the current topic, several questions in one message, the player's own case
first, self-help that did not work, responsible gambling graded."""
from __future__ import annotations

from actions.escalation import ActionAnswerResponsibleGambling
from actions.general_answers import (
    AnswerAccountAccess, AnswerDeposit, AnswerFollowUp, AnswerVerifyAccount, AnswerWithdraw,
)
from actions.player_account import AnswerLatePayment
from casino_support import agents, handoffs
from tests.unit.test_actions import run, secret, seeded, token, tracker  # noqa: F401 (fixtures)
from tests.unit.test_escalation_actions import chat_closed, chat_open, live_db, slot  # noqa: F401


def slots_after(events):
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


# --- follow-ups ---------------------------------------------------------------------------

def test_an_answer_keeps_its_topic_and_aspect_for_a_follow_up(seeded):
    _, events, _ = run(AnswerWithdraw(), tracker("combien de temps un retrait", "withdraw",
                                                  key="withdraw/delay"))
    assert slots_after(events) == {"topic": "withdraw", "aspect": "delay"}


def test_a_follow_up_on_fees_is_answered_for_the_current_topic(seeded):
    after_withdrawal, _, _ = run(AnswerFollowUp(), tracker(
        "et les frais ?", "follow_up", key="follow_up/fees", slots={"topic": "withdraw"}))
    after_deposit, _, _ = run(AnswerFollowUp(), tracker(
        "et les frais ?", "follow_up", key="follow_up/fees", slots={"topic": "deposit"}))
    assert "Les retraits sont sans frais" in after_withdrawal
    assert "Les dépôts sont sans frais" in after_deposit


def test_a_follow_up_naming_a_method_gets_that_methods_delay_for_the_topic(seeded):
    text, _, _ = run(AnswerFollowUp(), tracker(
        "et avec neteller ?", "follow_up", key="follow_up/method", slots={"topic": "withdraw"},
        entities=[{"entity": "payment_method", "value": "neteller"}]))
    assert "Oui, vous pouvez retirer par Neteller : 24 heures après validation" in text


def test_a_follow_up_with_no_topic_asks_which_one(seeded):
    text, events, messages = run(AnswerFollowUp(), tracker(
        "ça prend combien de temps ?", "follow_up", key="follow_up/delay"))
    assert "de quoi vous parlez" in text
    assert messages[-1]["buttons"]
    assert slots_after(events) == {}


def test_a_logged_in_player_asking_why_after_a_withdrawal_gets_their_blocking_document(seeded):
    text, _, _ = run(AnswerFollowUp(), tracker(
        "mais pourquoi ?", "follow_up", token("P1002"), key="follow_up/why",
        slots={"topic": "withdraw", "aspect": "how"}))
    assert "justificatif de domicile : pas encore envoyé" in text


def test_where_to_send_after_a_rejected_document_gives_the_upload_path_and_their_case(seeded):
    text, _, _ = run(AnswerFollowUp(), tracker(
        "je l'envoie où ?", "follow_up", token("P1005"), key="follow_up/where",
        slots={"topic": "verify_account", "aspect": "rejected"}))
    assert text.index("document expiré") < text.index("Mon compte > Vérification > Envoyer un document")


# --- several questions -----------------------------------------------------------------

def questions(*parts):
    return [{"intent": intent, "key": key, "entities": entities or []}
            for intent, key, entities in parts]


def test_several_questions_are_answered_in_order_in_one_reply(seeded):
    text, events, _ = run(AnswerDeposit(), tracker(
        "vous prenez paypal ? le minimum de retrait ? vous avez une licence ?", "deposit",
        questions=questions(
            ("deposit", "deposit/methods", [{"entity": "payment_method", "value": "paypal"}]),
            ("withdraw", "withdraw/limits", None),
            ("operator_licence", None, None))))
    paypal = text.index("Oui, vous pouvez déposer par PayPal")
    minimum = text.index("au minimum 20,00 €")
    licence = text.index("Malta Gaming Authority")
    assert paypal < minimum < licence
    assert text.endswith("Puis-je vous aider pour autre chose ?")
    assert slots_after(events)["topic"] == "operator_licence"


def test_a_follow_up_inside_a_message_refers_to_the_question_before_it(seeded):
    text, _, _ = run(AnswerWithdraw(), tracker(
        "combien de temps pour un retrait ? et les frais ?", "withdraw",
        questions=questions(("withdraw", "withdraw/delay", None),
                            ("follow_up", "follow_up/fees", None))))
    assert "Nous traitons chaque demande sous 3 jours ouvrés" in text
    assert "Les retraits sont sans frais" in text


def test_more_than_three_questions_says_what_is_left(seeded):
    text, _, messages = run(AnswerDeposit(), tracker("…", "deposit", questions=questions(
        ("deposit", "deposit/methods", None), ("withdraw", "withdraw/limits", None),
        ("operator_licence", None, None), ("bonus", "bonus/vip", None))))
    assert "Vous avez aussi demandé : Bonus (programme VIP)" in text
    assert messages[-1]["buttons"][0]["payload"] == '/bonus{"aspect": "vip"}'
    assert "programme VIP à 5 niveaux" not in text


def test_the_account_is_read_for_each_question_of_a_logged_in_player(seeded):
    text, _, _ = run(AnswerVerifyAccount(), tracker(
        "mon compte est validé ? et je peux retirer ?", "verify_account", token("P1002"),
        questions=questions(("verify_account", "verify_account/how", None),
                            ("withdraw", "withdraw/how", None))))
    assert "Votre compte n'est pas encore validé" in text
    assert "Pas encore : votre compte doit d'abord être validé" in text


# --- own case, self-exclusion ----------------------------------------------------------------

def test_a_self_excluded_player_is_never_told_how_to_deposit(seeded):
    text, _, _ = run(AnswerDeposit(), tracker("comment deposer", "deposit", token("P1006"),
                                              key="deposit/how"))
    assert "auto-exclusion jusqu'au" in text
    assert "Mon compte > Dépôt" not in text and "bonus peut vous être proposé" not in text


def test_an_anonymous_player_gets_no_account_data_and_how_to_log_in(seeded):
    text, _, _ = run(AnswerWithdraw(), tracker("pourquoi je peux pas retirer", "withdraw",
                                               key="withdraw/blocked"))
    assert "Un retrait est bloqué le plus souvent parce que" in text
    assert "connectez-vous sur le site" in text


# --- self-help that did not work --------------------------------------------------------------

def test_still_not_working_after_a_checklist_offers_a_person(seeded, chat_open):
    text, _, messages = run(AnswerFollowUp(), tracker(
        "j'ai tout essayé ça marche toujours pas", "follow_up", key="follow_up/not_working",
        slots={"topic": "deposit_failed", "aspect": ""}))
    assert "3D Secure" not in text  # not the same checklist again
    assert [b["payload"] for b in messages[-1]["buttons"]] == ["/human_handoff",
                                                               "/contact_support_ticket"]


def test_still_not_working_outside_hours_offers_a_ticket_only(seeded, chat_closed):
    _, _, messages = run(AnswerFollowUp(), tracker(
        "toujours rien", "follow_up", key="follow_up/not_working",
        slots={"topic": "account_access", "aspect": "password"}))
    assert [b["payload"] for b in messages[-1]["buttons"]] == ["/contact_support_ticket"]


def test_the_same_self_help_question_twice_is_answered_and_offers_a_person(seeded, chat_open):
    earlier = [{"event": "user", "text": "mdp oublié",
                "parse_data": {"intent": {"name": "account_access"}}}]
    text, _, _ = run(AnswerAccountAccess(), tracker(
        "j'ai toujours pas le mail pour le mot de passe", "account_access",
        key="account_access/password", events=earlier,
        slots={"topic": "account_access", "aspect": "password"}))
    assert "valable 1 heure" in text  # the facts, in case the question was a new one
    assert text.endswith("un conseiller peut regarder votre cas avec vous maintenant, ou vous "
                         "pouvez laisser un ticket.")


def test_a_follow_up_on_the_same_aspect_is_answered_not_taken_for_a_failure(seeded, chat_open):
    earlier = [{"event": "user", "text": "retrait max par semaine ?",
                "parse_data": {"intent": {"name": "withdraw"}}}]
    text, _, _ = run(AnswerFollowUp(), tracker(
        "et le minimum ?", "follow_up", key="follow_up/limits", events=earlier,
        slots={"topic": "withdraw", "aspect": "limits"}))
    assert "au minimum 20,00 €" in text


def test_information_alone_is_a_follow_up_on_the_current_topic(seeded):
    text, _, _ = run(AnswerFollowUp(), tracker(
        "par virement", "inform", slots={"topic": "withdraw", "aspect": "delay"},
        entities=[{"entity": "payment_method", "value": "virement"}]))
    assert "Oui, vous pouvez retirer par virement bancaire : 2 à 5 jours ouvrés" in text


def test_a_nothing_pending_late_payment_question_gives_what_blocks_the_withdrawal(seeded):
    text, events, _ = run(AnswerLatePayment(), tracker(
        "pk mon retrait est bloqué", "late_payment", token("P1002")))
    assert "justificatif de domicile : pas encore envoyé" in text
    assert slots_after(events)["topic"] == "withdraw"  # « je l'envoie où ? » comes next


# --- responsible gambling, graded ----------------------------------------------------------------

def test_a_deposit_limit_request_is_self_service_and_queues_nobody(live_db, chat_open):
    text, events, _ = run(ActionAnswerResponsibleGambling(), tracker(
        "je voudrais une limite de 50 euros par semaine", "responsible_gambling",
        key="responsible_gambling/limits", sender="conv-limit"))
    assert "Mon compte > Jeu responsable" in text and "09 74 75 13 13" in text
    assert slot(events, "handoff_outcome") is None
    assert all(h.conversation_id != "conv-limit" for h in handoffs.open_queue(live_db))


def test_distress_is_urgent_with_the_helpline(live_db, chat_open):
    agents.create_agent(live_db, "alice", "motdepasse-alice-1", rounds=4)
    agents.mark_online(live_db, "alice")
    text, events, _ = run(ActionAnswerResponsibleGambling(), tracker(
        "je n'arrive plus à m'arrêter", "responsible_gambling",
        key="responsible_gambling/distress", sender="conv-distress"))
    assert "09 74 75 13 13" in text
    queue = handoffs.open_queue(live_db)
    assert queue[0].conversation_id == "conv-distress" and queue[0].priority == "urgent"


def test_distress_with_no_agent_online_gives_the_helpline_and_a_choice(live_db, chat_open):
    text, events, messages = run(ActionAnswerResponsibleGambling(), tracker(
        "je n'arrive plus à m'arrêter", "responsible_gambling",
        key="responsible_gambling/distress", sender="conv-distress"))
    assert "09 74 75 13 13" in text and "Aucun conseiller n'est connecté" in text
    assert slot(events, "handoff_outcome") == "no_agent"
    assert handoffs.open_queue(live_db) == []  # queued, urgent, once the player waits


def test_a_helpline_in_belgium_gives_the_belgian_line_and_the_french_one(live_db, chat_open):
    text, _, _ = run(ActionAnswerResponsibleGambling(), tracker(
        "je suis en belgique, qui appeler ?", "responsible_gambling",
        key="responsible_gambling/helpline", entities=[{"entity": "country", "value": "BE"}]))
    assert "0800 35 777" in text and "09 74 75 13 13" in text


def test_a_self_excluded_player_asking_to_come_back_gets_the_end_date(live_db, chat_open):
    text, events, _ = run(ActionAnswerResponsibleGambling(), tracker(
        "je peux rejouer quand ?", "responsible_gambling", token("P1006"),
        key="responsible_gambling/come_back"))
    assert "auto-exclusion jusqu'au" in text
    assert slot(events, "handoff_outcome") is None


def test_an_unsure_message_that_reads_best_as_a_follow_up_is_answered_as_one(seeded):
    from actions.dialogue import ActionNotUnderstood

    unsure = tracker("le minimum", "nlu_fallback", key="follow_up/limits",
                     slots={"topic": "deposit", "aspect": "overview"})
    unsure.latest_message["intent_ranking"] = [
        {"name": "nlu_fallback", "confidence": 0.45}, {"name": "follow_up", "confidence": 0.31},
        {"name": "deposit", "confidence": 0.2}]
    text, _, _ = run(ActionNotUnderstood(), unsure)
    assert "Dépôt minimum 10,00 €" in text
    without_topic = tracker("le minimum", "nlu_fallback", key="follow_up/limits")
    without_topic.latest_message["intent_ranking"] = unsure.latest_message["intent_ranking"]
    text, _, _ = run(ActionNotUnderstood(), without_topic)
    assert "reformuler" in text


def test_a_message_unclear_as_a_whole_is_answered_from_its_questions(seeded):
    from actions.dialogue import ActionNotUnderstood

    text, _, _ = run(ActionNotUnderstood(), tracker(
        "vous acceptez les belges ? et il faut quel age pour jouer une fois ?", "nlu_fallback",
        questions=questions(("register", "register/conditions", None),
                            ("register", "register/conditions", None))))
    assert "au moins 18 ans" in text and "Belgique" in text
    assert "reformuler" not in text


def test_thanks_and_goodbye_at_once_is_a_goodbye_not_a_misunderstanding(seeded):
    from actions.dialogue import ActionNotUnderstood

    both = tracker("merci au revoir", "nlu_fallback")
    both.latest_message["intent_ranking"] = [
        {"name": "nlu_fallback", "confidence": 0.45}, {"name": "goodbye", "confidence": 0.44},
        {"name": "thank", "confidence": 0.42}]
    _, _, messages = run(ActionNotUnderstood(), both)
    assert messages[0]["response"] == "utter_goodbye"
