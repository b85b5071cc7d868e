"""Reading what a player types to the protection tools: the length of a break or of a
self-exclusion, the period and the amount of a deposit limit (casino_support.protection_requests)."""
from decimal import Decimal

import pytest

from casino_support.protection_requests import Duration, amount_of, duration_of, period_of


# --- duration_of ------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    # digits, every unit spelling
    ("24 heures", Duration(hours=24)),
    ("1 heure", Duration(hours=1)),
    ("48h", Duration(hours=48)),
    ("72 h", Duration(hours=72)),
    ("3 jours", Duration(days=3)),
    ("1 jour", Duration(days=1)),
    ("5j", Duration(days=5)),
    ("10 j", Duration(days=10)),
    ("2 semaines", Duration(weeks=2)),
    ("1 semaine", Duration(weeks=1)),
    ("3 sem", Duration(weeks=3)),
    ("6 mois", Duration(months=6)),
    ("18 mois", Duration(months=18)),
    ("1 an", Duration(months=12)),
    ("5 ans", Duration(months=60)),
    ("2 années", Duration(months=24)),
    ("1 année", Duration(months=12)),
    # French number words
    ("une semaine", Duration(weeks=1)),
    ("un an", Duration(months=12)),
    ("deux semaines", Duration(weeks=2)),
    ("trois jours", Duration(days=3)),
    ("six mois", Duration(months=6)),
    ("douze mois", Duration(months=12)),
    ("cinq ans", Duration(months=60)),
    ("vingt-quatre heures", Duration(hours=24)),
    ("quarante-huit heures", Duration(hours=48)),
    ("soixante-douze h", Duration(hours=72)),
    # no accents, upper case
    ("2 annees", Duration(months=24)),
    ("3 ANNÉES", Duration(months=36)),
    ("3 SEMAINES", Duration(weeks=3)),
    ("Deux Semaines", Duration(weeks=2)),
    ("24H", Duration(hours=24)),
    ("6 MOIS", Duration(months=6)),
    # inside a sentence
    ("je veux une pause de 3 jours stp", Duration(days=3)),
    ("je veux faire une pause d'une semaine", Duration(weeks=1)),
    ("je veux faire une pause d’une semaine", Duration(weeks=1)),
    ("je voudrais m'auto-exclure pendant 2 ans merci", Duration(months=24)),
    ("une pause de 48h svp", Duration(hours=48)),
])
def test_duration_of_reads_a_length(text, expected):
    assert duration_of(text) == expected


@pytest.mark.parametrize("text", [
    "définitivement",
    "Définitivement",
    "DEFINITIVEMENT",
    "definitivement",
    "à vie",
    "a vie",
    "je veux être exclu à vie",
    "pour toujours",
    "Pour Toujours",
    "je veux m'exclure pour toujours",
    "indéfiniment",
])
def test_duration_of_reads_an_indefinite_length(text):
    assert duration_of(text) == Duration(indefinite=True)


def test_indefinite_wins_over_a_number_in_the_same_message():
    assert duration_of("pas 6 mois, définitivement") == Duration(indefinite=True)


@pytest.mark.parametrize("text", [
    None,
    "",
    "   ",
    "je veux faire une pause",
    "bonjour",
    "100 €",
    "aucune idée",
    "0 jour",
    "0 jours",
    "0 semaine",
    "0h",
    "00 mois",
])
def test_duration_of_is_none_without_a_positive_length(text):
    assert duration_of(text) is None


def test_a_number_word_inside_another_word_is_not_a_length():
    # « aucune heure » must not read the « une » of « aucune » as a number
    assert duration_of("aucune heure") is None


def test_only_months_tells_months_from_shorter_units():
    assert duration_of("6 mois").only_months
    assert duration_of("2 ans").only_months
    assert not duration_of("2 semaines").only_months
    assert not duration_of("3 jours").only_months
    assert not duration_of("24 heures").only_months


@pytest.mark.parametrize("text, expected", [
    ("le jeu gâche ma vie, je veux une pause de 2 semaines", Duration(weeks=2)),
    ("le jeu a ruiné ma vie, je veux m'exclure 1 an", Duration(months=12)),
])
def test_ma_vie_is_not_a_lifetime_exclusion(text, expected):
    assert duration_of(text) == expected


# --- period_of --------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("par semaine", "week"),
    ("Par Semaine", "week"),
    ("hebdo", "week"),
    ("hebdomadaire", "week"),
    ("une limite HEBDOMADAIRE", "week"),
    ("week", "week"),
    ("par mois", "month"),
    ("mensuelle", "month"),
    ("mensuel", "month"),
    ("month", "month"),
    ("par jour", "day"),
    ("quotidienne", "day"),
    ("quotidien", "day"),
    ("journalière", "day"),
    ("journaliere", "day"),
    ("day", "day"),
    ("je veux une limite de dépôt de 100 € par semaine", "week"),
    ("une limite mensuelle de 500 €", "month"),
])
def test_period_of_reads_the_period(text, expected):
    assert period_of(text) == expected


@pytest.mark.parametrize("text", [None, "", "100 €", "bonjour", "je veux une limite de dépôt"])
def test_period_of_is_none_without_a_period(text):
    assert period_of(text) is None


# --- amount_of --------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("100", Decimal("100")),
    ("100 €", Decimal("100")),
    ("100€", Decimal("100")),
    ("1 000,50 €", Decimal("1000.50")),
    ("1\u202f000,50 €", Decimal("1000.50")),
    ("1\xa0000 €", Decimal("1000")),
    ("1.500", Decimal("1500")),
    ("1.500,25", Decimal("1500.25")),
    ("12,5", Decimal("12.5")),
    ("12.5", Decimal("12.5")),
    ("2 500", Decimal("2500")),
    ("je veux une limite de 300 euros par semaine", Decimal("300")),
    ("0,50", Decimal("0.50")),
])
def test_amount_of_reads_the_first_amount(text, expected):
    assert amount_of(text) == expected


@pytest.mark.parametrize("text", [None, "", "0", "0 €", "0,00", "cent euros", "aucune limite",
                                  "par semaine"])
def test_amount_of_is_none_without_a_positive_amount(text):
    assert amount_of(text) is None


def test_a_negative_amount_is_not_read_as_a_positive_one():
    assert amount_of("-50") is None
    assert amount_of("- 50 €") is None
    assert amount_of("50") == 50
