"""What the bot says for the protection tools (casino_support.protection_answers), with the
real support.yml rules and dates planned by casino_support.protection_rules."""
import json
from datetime import datetime, timezone
from decimal import Decimal

import pytest

from casino_support import protection_answers as answers
from casino_support.config import DEFAULT_CONFIG_PATH, load_config
from casino_support.protection_requests import Duration, duration_of
from casino_support.protection_rules import (
    ProtectionRules, plan_break, plan_limit_change, plan_self_exclusion,
)

CONFIG = load_config(DEFAULT_CONFIG_PATH)
RULES = ProtectionRules.from_config(CONFIG.raw)
TZ = RULES.timezone
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=timezone.utc)  # 13 h 00 in Paris (CET)

DENY = {"title": "Non, ne rien changer", "payload": "/deny"}
AFFIRM = {"title": "Oui, je confirme", "payload": "/affirm"}
CANCEL = {"title": "Annuler", "payload": "/deny"}


def test_the_real_rules_are_the_ones_the_sentences_expect():
    assert TZ == "Europe/Paris"
    assert RULES.limit_raise_delay_hours == 24
    assert (RULES.break_min_hours, RULES.break_max_days) == (24, 42)
    assert (RULES.self_exclusion_min_months, RULES.self_exclusion_max_months) == (6, 60)


# --- length_text --------------------------------------------------------------------------------

@pytest.mark.parametrize("duration, text", [
    (Duration(hours=24), "24 heures"),
    (Duration(hours=1), "1 heure"),
    (Duration(days=1), "1 jour"),
    (Duration(days=3), "3 jours"),
    (Duration(weeks=1), "1 semaine"),
    (Duration(weeks=2), "2 semaines"),
    (Duration(weeks=6), "6 semaines"),
    (Duration(months=6), "6 mois"),
    (Duration(months=12), "1 an"),
    (Duration(months=24), "2 ans"),
    (Duration(months=60), "5 ans"),
    (Duration(months=18), "18 mois"),
    (Duration(months=30), "30 mois"),
])
def test_length_text(duration, text):
    assert answers.length_text(duration) == text
    assert duration_of(text) == duration  # what the bot writes, it reads back


def test_length_text_indefinite():
    text = answers.length_text(Duration(indefinite=True))
    assert text == "durée indéterminée (définitive)"
    assert answers.length_text(Duration(months=6, indefinite=True)) == text


# --- the questions --------------------------------------------------------------------------------

def test_ask_period_buttons():
    answer = answers.ask_period()
    assert answer.messages == ["Sur quelle période voulez-vous limiter vos dépôts ?"]
    assert answer.buttons == [
        {"title": "Par jour", "payload": '/inform{"limit_period": "day"}'},
        {"title": "Par semaine", "payload": '/inform{"limit_period": "week"}'},
        {"title": "Par mois", "payload": '/inform{"limit_period": "month"}'},
        CANCEL,
    ]


def _informed_duration(payload: str) -> str:
    assert payload.startswith("/inform{")
    entities = json.loads(payload[len("/inform"):])
    assert list(entities) == ["duration"]
    return entities["duration"]


@pytest.mark.parametrize("kind, bounds, lengths", [
    ("break", ("24 heures", "6 semaines"),
     [Duration(hours=24), Duration(weeks=1), Duration(weeks=2), Duration(weeks=6)]),
    ("self_exclusion", ("6 mois", "5 ans"),
     [Duration(months=6), Duration(months=12), Duration(months=60), Duration(indefinite=True)]),
])
def test_ask_duration(kind, bounds, lengths):
    answer = answers.ask_duration(kind, RULES)
    [text] = answer.messages
    minimum, maximum = bounds
    assert f"De {minimum} à {maximum}" in text
    *choices, cancel = answer.buttons
    assert cancel == CANCEL
    assert len(choices) == len(lengths)
    for button, length in zip(choices, lengths):
        said = _informed_duration(button["payload"])
        assert duration_of(said) == length, button
        assert duration_of(button["title"]) == length, button


def test_ask_duration_button_titles():
    assert [b["title"] for b in answers.ask_duration("break", RULES).buttons] == [
        "24 heures", "1 semaine", "2 semaines", "6 semaines", "Annuler"]
    assert [b["title"] for b in answers.ask_duration("self_exclusion", RULES).buttons] == [
        "6 mois", "1 an", "5 ans", "Définitivement", "Annuler"]


def test_only_the_cancel_button_denies():
    for kind in ("break", "self_exclusion"):
        payloads = [b["payload"] for b in answers.ask_duration(kind, RULES).buttons]
        assert payloads.count("/deny") == 1
        assert payloads[-1] == "/deny"


def test_ask_amount_names_the_period_and_the_current_limit():
    [first] = answers.ask_amount("week", None).messages
    assert first == ("Quel montant maximum voulez-vous pouvoir déposer par semaine ? "
                     "(par exemple : 100 €)")
    [again] = answers.ask_amount("month", Decimal("100")).messages
    assert "Votre limite actuelle est de 100,00 € par mois." in again
    assert answers.ask_amount("day", None).buttons == [CANCEL]


def test_out_of_range_names_the_bounds():
    assert answers.out_of_range("break", RULES) == "Une pause dure de 24 heures à 6 semaines."
    assert "de 6 mois à 5 ans" in answers.out_of_range("self_exclusion", RULES)


# --- confirming a deposit limit ----------------------------------------------------------------

def test_confirm_a_first_limit():
    change = plan_limit_change("week", None, Decimal("100"), NOW, RULES)
    answer = answers.confirm_limit(change, TZ, RULES)
    assert answer.messages == ["Vous me demandez une limite de dépôt de 100,00 € par semaine. "
                               "Elle s'appliquera immédiatement. Je l'enregistre ?"]
    assert answer.buttons == [DENY, AFFIRM]


def test_confirm_a_lower_limit():
    change = plan_limit_change("day", Decimal("300"), Decimal("100"), NOW, RULES)
    [text] = answers.confirm_limit(change, TZ, RULES).messages
    assert "baisser votre limite de dépôt quotidienne de 300,00 € à 100,00 €" in text
    assert "immédiatement" in text
    assert "24 heures" not in text


def test_confirm_a_raise_names_the_delay_and_the_local_date_of_effect():
    # planned at 23:30 UTC on Saturday 28 March 2026 (0 h 30 on the 29th in Paris); 24 real
    # hours later the clocks have gone forward: 23:30 UTC on the 29th is 1 h 30 on the 30th
    planned_at = datetime(2026, 3, 28, 23, 30, tzinfo=timezone.utc)
    change = plan_limit_change("week", Decimal("100"), Decimal("300"), planned_at, RULES)
    answer = answers.confirm_limit(change, TZ, RULES)
    [text] = answer.messages
    assert "relever votre limite de dépôt hebdomadaire de 100,00 € à 300,00 €" in text
    assert "délai de 24 heures" in text
    assert "à partir du 30 mars 2026 à 1 h 30" in text
    assert "29 mars 2026 à 23 h 30" not in text  # not the UTC clock
    assert "100,00 € reste votre limite" in text
    assert answer.buttons == [DENY, AFFIRM]


def test_confirm_a_raise_in_winter():
    change = plan_limit_change("month", Decimal("1000"), Decimal("2500.5"), NOW, RULES)
    [text] = answers.confirm_limit(change, TZ, RULES).messages
    assert "mensuelle de 1 000,00 € à 2 500,50 €" in text.replace("\u202f", " ").replace("\xa0", " ")
    assert "à partir du 11 mars 2026 à 13 h 00" in text


# --- confirming a break or a self-exclusion ----------------------------------------------------

def test_confirm_a_break():
    exclusion = plan_break(NOW, RULES, weeks=1)
    answer = answers.confirm_exclusion(exclusion, Duration(weeks=1), TZ)
    [text] = answer.messages
    assert text.startswith("Vous me demandez une pause de 1 semaine, jusqu'au 17 mars 2026 à 13 h 00.")
    assert "retirer votre solde" in text
    assert answer.buttons == [DENY, AFFIRM]


def test_confirm_a_self_exclusion_with_a_local_end_date():
    # 31 August 2026 14 h 00 in Paris (summer time) + 6 months = 28 February 2027 14 h 00 (winter)
    now = datetime(2026, 8, 31, 12, 0, tzinfo=timezone.utc)
    exclusion = plan_self_exclusion(now, RULES, months=6)
    answer = answers.confirm_exclusion(exclusion, Duration(months=6), TZ)
    [text] = answer.messages
    assert text.startswith("Vous me demandez une auto-exclusion de 6 mois, "
                           "jusqu'au 28 février 2027 à 14 h 00.")
    assert answer.buttons == [DENY, AFFIRM]


def test_confirm_a_self_exclusion_of_a_year():
    exclusion = plan_self_exclusion(NOW, RULES, months=12)
    [text] = answers.confirm_exclusion(exclusion, Duration(months=12), TZ).messages
    assert "auto-exclusion de 1 an, jusqu'au 10 mars 2027 à 13 h 00" in text


def test_confirm_an_indefinite_self_exclusion():
    exclusion = plan_self_exclusion(NOW, RULES, months=None)
    assert exclusion.ends_at is None
    answer = answers.confirm_exclusion(exclusion, Duration(indefinite=True), TZ)
    [text] = answer.messages
    assert text.startswith("Vous me demandez une auto-exclusion définitive.")
    assert "jusqu'au" not in text
    assert answer.buttons == [DENY, AFFIRM]


# --- what was recorded --------------------------------------------------------------------------

def test_limit_recorded_at_once():
    when = datetime(2026, 12, 2, 13, 5, tzinfo=timezone.utc)
    change = plan_limit_change("week", None, Decimal("100"), when, RULES)
    assert change.immediate
    text = answers.limit_recorded(change, TZ, RULES)
    assert text.startswith("C'est fait : votre limite de dépôt est de 100,00 € par semaine, "
                           "en vigueur depuis le 2 décembre 2026 à 14 h 05.")


def test_lower_limit_recorded_at_once():
    change = plan_limit_change("day", Decimal("200"), Decimal("50"), NOW, RULES)
    text = answers.limit_recorded(change, TZ, RULES)
    assert text.startswith("C'est fait : votre limite de dépôt est de 50,00 € par jour, "
                           "en vigueur depuis le 10 mars 2026 à 13 h 00.")


def test_raise_recorded_for_later():
    change = plan_limit_change("week", Decimal("100"), Decimal("300"), NOW, RULES)
    assert not change.immediate
    text = answers.limit_recorded(change, TZ, RULES)
    assert text == ("C'est enregistré : votre limite de dépôt hebdomadaire passera de 100,00 € à "
                    "300,00 € le 11 mars 2026 à 13 h 00. D'ici là, 100,00 € reste votre limite.")


def test_self_exclusion_recorded_with_the_french_helpline():
    helpline = CONFIG.helpline("FR")
    assert helpline["name"] == "Joueurs Info Service"
    assert helpline["phone"] == "09 74 75 13 13"
    exclusion = plan_self_exclusion(NOW, RULES, months=12)
    answer = answers.exclusion_recorded(exclusion, TZ, helpline)
    first, talk = answer.messages
    assert first.startswith("C'est fait : vous êtes auto-exclu(e) jusqu'au 10 mars 2027 à 13 h 00.")
    assert talk.startswith("Si vous voulez en parler à quelqu'un : Joueurs Info Service, "
                           "09 74 75 13 13 (")
    assert helpline["hours"] in talk


def test_the_helpline_given_is_the_one_named():
    other = CONFIG.helpline("BE")
    answer = answers.exclusion_recorded(plan_self_exclusion(NOW, RULES, months=None), TZ, other)
    first, talk = answer.messages
    assert "durée indéterminée" in first
    assert "jusqu'au" not in first
    assert other["name"] in talk and other["phone"] in talk
    assert "Joueurs Info Service" not in talk


def test_break_recorded():
    exclusion = plan_break(NOW, RULES, hours=24)
    first, talk = answers.exclusion_recorded(exclusion, TZ, CONFIG.helpline("FR")).messages
    assert first.startswith("C'est fait : votre pause est active jusqu'au 11 mars 2026 à 13 h 00.")
    assert "09 74 75 13 13" in talk


def test_not_shorter():
    text = answers.not_shorter("10 mars 2027 à 13 h 00")
    assert "déjà en cours jusqu'au 10 mars 2027 à 13 h 00" in text
    assert "ne peut pas être écourtée" in text


def test_not_shorter_than_an_indefinite_exclusion():
    text = answers.not_shorter(None)
    assert text == ("Votre auto-exclusion est déjà définitive : elle ne peut pas être levée ni "
                    "écourtée depuis le chat.")


def test_an_end_at_midnight_is_told_by_its_last_day():
    from datetime import datetime, timezone

    from casino_support.protection_answers import end_text
    midnight_paris = datetime(2027, 12, 2, 23, 0, tzinfo=timezone.utc)  # 3 Dec 00:00 in Paris
    assert end_text(midnight_paris, "Europe/Paris") == "2 décembre 2027"
    assert end_text(datetime(2026, 12, 9, 2, 20, tzinfo=timezone.utc), "Europe/Paris") == \
        "9 décembre 2026 à 3 h 20"
