"""General French answers (casino_support/answers.py), checked as a support agent would.

Clocks: ``now`` (Tuesday 10 March 2026, 13:00 in Paris) is inside chat hours;
``CLOSED`` (the same Tuesday, 23:30 in Paris) and ``CHRISTMAS`` are outside.
"""
from __future__ import annotations

import copy
import re
from datetime import datetime, timezone

import pytest

from casino_support.answers import TOPICS, Answers, answer_for, is_specific
from casino_support.questions import TOPIC_ASPECTS, Question
from casino_support.config import SupportConfig

CLOSED = datetime(2026, 3, 10, 22, 30, tzinfo=timezone.utc)      # 23:30 Paris
CHRISTMAS = datetime(2026, 12, 25, 11, 0, tzinfo=timezone.utc)   # 12:00 Paris, a holiday
SATURDAY = datetime(2026, 3, 14, 11, 0, tzinfo=timezone.utc)     # 12:00 Paris
ROUND_THE_CLOCK = re.compile(r"24\s*/\s*7|24\s*h?\s*/\s*24", re.IGNORECASE)
# Topics whose answer includes how to reach a human (Answers.reach_support).
REACH_SUPPORT_TOPICS = ("human_handoff", "late_payment", "deposit_failed", "account_access",
                        "complain")


def text(answer) -> str:
    return "\n".join(answer.messages)


def ask(topic, config, now, aspect="", **entities):
    """The answer of ``topic`` for an aspect (as the NLU gives it) and entities."""
    return answer_for(Question(topic, aspect, **entities), config, now)


def modified(config, change) -> SupportConfig:
    """A deep copy of the configuration, changed by ``change(raw)``."""
    raw = copy.deepcopy(config.raw)
    change(raw)
    return SupportConfig(raw=raw)


# --- every topic ---------------------------------------------------------------------------

@pytest.mark.parametrize("topic", sorted(TOPICS))
def test_every_topic_answers_in_french(config, now, topic):
    answer = ask(topic, config, now)
    assert answer.messages and all(message.strip() for message in answer.messages)
    assert re.search(r"\b(vous|votre|nous|nos|je)\b", text(answer), re.IGNORECASE)


@pytest.mark.parametrize("topic, aspect", [
    (topic, aspect) for topic, aspects in sorted(TOPIC_ASPECTS.items()) for aspect in aspects])
def test_every_aspect_of_every_topic_answers_in_french(config, now, topic, aspect):
    answer = ask(topic, config, now, aspect)
    assert answer.messages and all(message.strip() for message in answer.messages)
    assert re.search(r"\b(vous|votre|nous|nos|je)\b", text(answer), re.IGNORECASE)


@pytest.mark.parametrize("topic, aspects", sorted(TOPIC_ASPECTS.items()))
def test_each_aspect_of_a_topic_gets_its_own_answer(config, now, topic, aspects):
    """No aspect falls back on the topic's general answer (except the general ones)."""
    general = {"overview", "how", "login", "channels"}
    answers = {aspect: text(ask(topic, config, now, aspect)) for aspect in aspects}
    for aspect in set(aspects) - general:
        others = [answers[other] for other in aspects if other != aspect]
        assert answers[aspect] not in others, (topic, aspect)


def test_an_overview_offers_the_common_aspects_as_quick_replies(config, now):
    answer = ask("withdraw", config, now, "overview")
    payloads = [button["payload"] for button in answer.buttons]
    assert '/withdraw{"aspect": "delay"}' in payloads
    assert ask("withdraw", config, now, "how").buttons == []


@pytest.mark.parametrize("question, specific", [
    (Question("withdraw", "how"), False),
    (Question("withdraw", "overview"), False),
    (Question("withdraw", "delay"), True),
    (Question("deposit", "how", payment_method="paypal"), True),
    (Question("verify_account", "how", document_type="rib"), True),
])
def test_a_precise_aspect_or_entity_is_specific(question, specific):
    assert is_specific(question) is specific


# --- registration ----------------------------------------------------------------------

def test_register_confirmation_mail_not_received_gives_spam_advice(config, now):
    answer = text(ask("register", config, now, "confirmation_email"))
    assert "spam" in answer
    assert "Renvoyer l'e-mail de confirmation" in answer


def test_register_general_answer_uses_minimum_age_and_countries(config, now):
    changed = modified(config, lambda raw: raw["operator"].update(
        minimum_age=21, countries_served=["Belgique", "Suisse"]))
    answer = text(ask("register", changed, now))
    assert "au moins 21 ans" in answer
    assert "Belgique et Suisse" in answer
    assert "18 ans" not in answer and "France" not in answer


# --- account access --------------------------------------------------------------------------

def test_account_access_forgotten_password(config, now):
    answer = ask("account_access", config, now, "password")
    assert answer.messages[0].startswith("Mot de passe oublié")


def test_account_access_verification_code_not_received(config, now):
    answer = ask("account_access", config, now, "code")
    assert answer.messages[0].startswith("Si le code de vérification n'arrive pas")
    assert "Renvoyer le code" in text(answer)


def test_account_access_blocked_account(config, now):
    answer = text(ask("account_access", config, now, "locked"))
    assert "le compte est verrouillé 30 minutes" in answer
    assert "ne peut être débloqué que par un conseiller" in answer


# --- deposits ------------------------------------------------------------------------------

def test_deposit_by_paypal_is_accepted_with_its_delay(config, now):
    answer = text(ask("deposit", config, now, payment_method="paypal"))
    assert answer.startswith("Oui, vous pouvez déposer par PayPal")
    assert "crédit instantané" in answer


def test_deposit_by_bank_transfer_gives_its_delay(config, now):
    answer = text(ask("deposit", config, now, payment_method="virement"))
    assert "crédit 1 à 3 jours ouvrés" in answer


def test_deposit_by_unknown_method_is_not_accepted(config, now):
    answer = text(ask("deposit", config, now, payment_method="crypto"))
    assert "n'est pas accepté" in answer
    assert "Oui" not in answer


def test_deposit_by_paysafecard_warns_it_cannot_be_used_to_withdraw(config, now):
    answer = text(ask("deposit", config, now, payment_method="paysafecard"))
    assert answer.startswith("Oui")
    assert "Paysafecard ne permet pas les retraits" in answer


def test_deposit_general_answer_gives_limits(config, now):
    answer = text(ask("deposit", config, now))
    assert "Dépôt minimum 10,00 €, maximum 5 000,00 € par jour" in answer


def test_deposit_methods_follow_the_config(config, now):
    without_paypal = modified(config, lambda raw: raw["payment_methods"].pop("paypal"))
    assert "PayPal" in text(ask("deposit", config, now))
    assert "PayPal" not in text(ask("deposit", without_paypal, now))
    assert "n'est pas accepté" in text(ask("deposit", without_paypal, now, payment_method="paypal"))


def test_deposit_limits_follow_the_config(config, now):
    changed = modified(config, lambda raw: raw["limits"].update(deposit_min=15))
    assert "Dépôt minimum 15,00 €" in text(ask("deposit", changed, now))


def test_deposit_general_answer_does_not_deny_a_configured_fee(config, now):
    with_fee = modified(config, lambda raw: raw["payment_methods"]["carte_bancaire"].update(fee=2))
    assert "sans frais de notre part." not in text(ask("deposit", with_fee, now))


# --- withdrawals ------------------------------------------------------------------------------

def test_withdraw_cancel_while_pending(config, now):
    answer = text(ask("withdraw", config, now, "cancel"))
    assert "vous pouvez l'annuler" in answer


def test_withdraw_cancel_not_allowed_when_config_says_so(config_with, now):
    answer = text(ask("withdraw", config_with(cancellable_while_pending=False), now, "cancel"))
    assert "ne peut pas être annulé" in answer
    assert "vous pouvez l'annuler" not in answer


def test_withdraw_to_paysafecard_is_not_possible(config, now):
    answer = text(ask("withdraw", config, now, payment_method="paysafecard"))
    assert "Les retraits ne sont pas possibles vers Paysafecard" in answer
    assert "Oui" not in answer


def test_withdraw_to_paypal_gives_delay_and_minimum(config, now):
    answer = text(ask("withdraw", config, now, payment_method="paypal"))
    assert "Oui, vous pouvez retirer par PayPal : 24 heures après validation" in answer
    assert "Retrait minimum 20,00 €" in answer


def test_withdraw_minimum_follows_the_config(config, now):
    changed = modified(config, lambda raw: raw["limits"].update(withdraw_min=50))
    answer = text(ask("withdraw", changed, now))
    assert "Minimum 50,00 €" in answer
    assert "20,00 €" not in answer


def test_withdraw_general_answer_lists_only_methods_that_allow_withdrawals(config, now):
    answer = text(ask("withdraw", config, now))
    assert "PayPal : 24 heures après validation" in answer
    assert "Paysafecard" not in answer and "Apple Pay" not in answer


def test_withdraw_processing_days_follow_the_config(config_with, now):
    answer = text(ask("withdraw", config_with(processing_days=5), now, "delay"))
    assert "sous 5 jours ouvrés" in answer


def test_withdraw_general_answer_lists_the_configured_documents(config, now):
    without_rib = modified(config, lambda raw: raw["verification"]["documents"].pop("rib"))
    assert "RIB" not in text(ask("withdraw", without_rib, now))


def test_late_payment_threshold_follows_the_config(config_with, now):
    assert "Au-delà de 7 jours" in text(ask("late_payment", config_with(), now))
    assert "Au-delà de 10 jours" in text(ask("late_payment", config_with(late_after_days=10), now))


# --- bonuses --------------------------------------------------------------------------------

def test_bonus_wagering_states_the_operator_rule_not_an_invented_example(config, now):
    answer = text(ask("bonus", config, now, "wagering"))
    assert "à miser 35 fois son montant en 30 jours" in answer
    assert "jusqu'à 100 €" in answer  # the operator's own offer
    assert "20,00 €" not in answer  # the old invented example


def test_bonus_wagering_follows_the_multiplier(config, now):
    changed = modified(config, lambda raw: raw["bonuses"]["welcome"].update(wagering_multiplier=40))
    answer = text(ask("bonus", changed, now, "wagering"))
    assert "40 fois" in answer and "35 fois" not in answer


@pytest.mark.parametrize("topic, aspect", [
    ("bonus", ""),
    ("bonus", "wagering"),
    ("bonus", "free_spins"),
    ("bonus_cancel", ""),
])
def test_bonus_answers_state_the_right_to_refuse_or_cancel(config, now, topic, aspect):
    answer = text(ask(topic, config, now, aspect))
    assert "vous pouvez le refuser" in answer
    assert "l'annuler" in answer
    assert "Mon compte > Bonus > Annuler le bonus" in answer


@pytest.mark.parametrize("aspect", ["cashback", "vip"])
def test_every_bonus_offer_answer_states_the_right_to_refuse(config, now, aspect):
    assert "vous pouvez le refuser" in text(ask("bonus", config, now, aspect))


def test_bonus_cancel_path_follows_the_config(config, now):
    changed = modified(config, lambda raw: raw["bonuses"].update(cancel_path="Profil > Mes offres"))
    answer = text(ask("bonus_cancel", changed, now))
    assert "Profil > Mes offres" in answer
    assert "Mon compte > Bonus" not in answer


# --- complaints and responsible gambling -------------------------------------------------

def test_contact_support_complaint_gives_the_path_and_mediation(config, now):
    answer = text(ask("contact_support", config, now, "complaint"))
    assert "catégorie « Réclamation »" in answer
    assert "réponse sous 10 jours" in answer
    assert "Malta Gaming Authority" in answer


def test_complaint_answer_follows_the_config(config, now):
    changed = modified(config, lambda raw: raw["operator"]["complaints"].update(
        response_days=15, mediation="vous pouvez saisir le médiateur XYZ"))
    answer = text(ask("contact_support", changed, now, "complaint"))
    assert "réponse sous 15 jours" in answer and "médiateur XYZ" in answer
    assert "Malta Gaming Authority" not in answer


@pytest.mark.parametrize("moment", [None, CLOSED, CHRISTMAS], ids=["open", "closed", "holiday"])
def test_responsible_gambling_always_gives_the_french_helpline(config, now, moment):
    answer = text(ask("responsible_gambling", config, moment or now))
    assert "Joueurs Info Service" in answer
    assert "09 74 75 13 13" in answer


# --- contact channels ------------------------------------------------------------------------

def test_contact_support_lists_the_channels(config, now):
    answer = text(ask("contact_support", config, now))
    assert "support@casino-lumiere.example" in answer
    assert "+33 1 84 88 00 00" in answer
    assert "du lundi au jeudi de 9 h à 23 h" in answer


def test_contact_support_says_phone_is_closed_on_saturday(config):
    phone_line = next(line for line in text(ask("contact_support", config, SATURDAY)).split("\n")
                      if line.startswith("• Téléphone"))
    assert "fermé en ce moment ; réouverture lundi 16 mars à 10 h" in phone_line


def test_email_address_follows_the_config(config):
    changed = modified(config, lambda raw: raw["channels"]["email"].update(
        address="aide@example.org"))
    for topic in ("contact_support", "human_handoff"):
        answer = text(ask(topic, changed, CLOSED))
        assert "aide@example.org" in answer
        assert "support@casino-lumiere.example" not in answer


# --- honesty about humans and hours ----------------------------------------------------------

def test_inside_hours_the_chat_is_said_open_without_promising_an_agent(config, now):
    answer = text(ask("human_handoff", config, now))
    assert "ouvert en ce moment" in answer
    assert "disponible" not in answer  # whether an agent is online is for the handoff to say


def test_human_handoff_outside_hours_says_closed_and_when_it_reopens(config):
    answer = text(ask("human_handoff", config, CLOSED))
    assert "fermé en ce moment ; réouverture demain à 9 h" in answer
    assert "disponible" not in answer


def test_human_handoff_on_a_holiday_says_closed_and_when_it_reopens(config):
    answer = text(ask("human_handoff", config, CHRISTMAS))
    assert "jour férié" in answer
    assert "réouverture demain à 10 h" in answer
    assert "disponible" not in answer


@pytest.mark.parametrize("topic", REACH_SUPPORT_TOPICS)
def test_outside_hours_no_answer_claims_an_agent_is_available(config, topic):
    answer = text(ask(topic, config, CLOSED))
    assert "fermé en ce moment" in answer
    assert "disponible" not in answer


def test_hours_all_closed_never_promises_a_reopening(config, now):
    always_closed = modified(config, lambda raw: raw.update(
        hours={day: [] for day in raw["hours"]}))
    answer = text(ask("human_handoff", always_closed, now))
    assert "fermé en ce moment" in answer
    assert "réouverture" not in answer
    assert "disponible" not in answer


def test_reach_support_points_to_email_when_closed(config):
    assert "Vous pouvez écrire dès maintenant à support@casino-lumiere.example" in (
        Answers(config, CLOSED).reach_support())


ALL_QUESTIONS = [(topic, "") for topic in sorted(TOPICS)] + [
    (topic, aspect) for topic, aspects in sorted(TOPIC_ASPECTS.items()) for aspect in aspects]


@pytest.mark.parametrize("moment", [None, CLOSED, SATURDAY], ids=["open", "closed", "weekend"])
def test_no_answer_claims_round_the_clock_support(config, now, moment):
    for topic, question in ALL_QUESTIONS:
        answer = text(ask(topic, config, moment or now, question))
        assert not ROUND_THE_CLOCK.search(answer), (topic, question, answer)


def test_round_the_clock_appears_only_when_the_config_says_so(config, now):
    changed = modified(config, lambda raw: raw["responsible_gambling"]["helplines"]["FR"].update(
        hours="24h/24, 7j/7"))
    assert ROUND_THE_CLOCK.search(text(ask("responsible_gambling", changed, now)))


def test_closing_an_account_explains_the_closure_and_self_exclusion(config, now):
    answer = text(ask("account_access", config, now, "close"))
    assert "Pour fermer votre compte" in answer
    assert "auto-exclusion" in answer and "09 74 75 13 13" in answer


# --- responsible gambling, graded ------------------------------------------------------------

@pytest.mark.parametrize("aspect", ["limits", "pause", "reality_check"])
def test_a_routine_tool_gets_the_self_service_path_and_the_helpline(config, now, aspect):
    answer = text(ask("responsible_gambling", config, now, aspect))
    assert "Mon compte > Jeu responsable" in answer
    assert config.responsible_gambling["tools"][aspect] in answer
    assert "09 74 75 13 13" in answer


@pytest.mark.parametrize("country, phone", [("BE", "0800 35 777"), ("CH", "0800 801 381"),
                                            ("CA", "1 800 461-0140")])
def test_the_helpline_follows_the_country_and_keeps_the_french_one(config, now, country, phone):
    answer = text(ask("responsible_gambling", config, now, "helpline", country=country))
    assert phone in answer
    assert "09 74 75 13 13" in answer  # contract 6: the French helpline, always


def test_an_unknown_country_gets_the_default_helpline(config, now):
    answer = text(ask("responsible_gambling", config, now, "distress", country="LU"))
    assert "Joueurs Info Service" in answer and "09 74 75 13 13" in answer


def test_a_bank_transfer_deposit_not_credited_gets_its_delay_not_the_card_checklist(config, now):
    answer = text(ask("deposit_failed", config, now, payment_method="virement"))
    assert "1 à 3 jours ouvrés" in answer
    assert "3D Secure" not in answer
    assert "3D Secure" in text(ask("deposit_failed", config, now, payment_method="carte_bancaire"))
