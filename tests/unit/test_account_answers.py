"""French answers about the player's own account (casino_support/account_answers.py).

Each test reads the seeded demo database (DESIGN.md contract 4) with
casino_support.accounts at the fixed clock ``now`` (10 March 2026, 12:00 UTC), then
phrases the result.
"""
from __future__ import annotations

import copy
from datetime import datetime, timezone
from decimal import Decimal


from casino_support.account_answers import (
    bonus_answer, bonus_cancel_prompt, bonus_cancelled_answer, late_payment_answer,
    verification_answer, withdrawal_answer,
)
from casino_support.accounts import (
    BonusStatus, PlayerSummary, bonus_status, cancel_bonus, get_player, late_withdrawals,
    verification_status, withdrawal_eligibility,
)
from casino_support.config import SupportConfig

CLOSED = datetime(2026, 3, 10, 22, 30, tzinfo=timezone.utc)  # 23:30 Paris, chat closed


def text(answer) -> str:
    return "\n".join(answer.messages)


def withdrawal_text(db, player_id, config, now) -> str:
    eligibility = withdrawal_eligibility(db, player_id, now, config)
    return text(withdrawal_answer(eligibility, config, now))


def verification_text(db, player_id, config) -> str:
    return text(verification_answer(verification_status(db, player_id, config), config))


def bonus_text(db, player_id, config, now) -> str:
    return text(bonus_answer(bonus_status(db, player_id, now), get_player(db, player_id, now),
                             config))


def late_text(db, player_id, config, now) -> str:
    return text(late_payment_answer(late_withdrawals(db, player_id, now, config), config, now))


# --- P1001: validated, nothing pending ------------------------------------------------------

def test_p1001_may_withdraw(seeded, config, now):
    answer = withdrawal_text(seeded, "P1001", config, now)
    assert answer.startswith("Oui, vous pouvez retirer")
    assert "minimum 20,00 €" in answer


def test_p1001_withdrawal_minimum_follows_the_config(seeded, config, now):
    raw = copy.deepcopy(config.raw)
    raw["limits"]["withdraw_min"] = 50
    assert "minimum 50,00 €" in withdrawal_text(seeded, "P1001", SupportConfig(raw=raw), now)


def test_p1001_verification_is_complete(seeded, config):
    answer = verification_text(seeded, "P1001", config)
    assert "votre compte est validé" in answer
    assert "pas encore envoyé" not in answer and "refusé" not in answer


def test_p1001_has_no_active_bonus(seeded, config, now):
    assert "aucun bonus actif" in bonus_text(seeded, "P1001", config, now)


def test_p1001_has_no_withdrawal_to_chase(seeded, config, now):
    answer = late_text(seeded, "P1001", config, now)
    assert "aucun retrait en attente" in answer
    assert "en retard" not in answer


# --- P1002: proof of address missing ------------------------------------------------------

def test_p1002_verification_lists_the_missing_proof_of_address(seeded, config):
    answer = verification_text(seeded, "P1002", config)
    assert "n'est pas encore validé" in answer
    assert "justificatif de domicile : pas encore envoyé" in answer
    assert "pièce d'identité : validé" in answer


def test_p1002_verification_says_what_to_send_and_how(seeded, config):
    answer = verification_text(seeded, "P1002", config)
    assert "À envoyer : " + config.verification["documents"]["justificatif_domicile"] in answer
    assert "Mon compte > Vérification > Envoyer un document" in answer
    assert "sous 48 heures" in answer


def test_p1002_verification_upload_path_follows_the_config(seeded, config):
    raw = copy.deepcopy(config.raw)
    raw["verification"]["upload_path"] = "Profil > Documents"
    raw["verification"]["review_hours"] = 72
    answer = verification_text(seeded, "P1002", SupportConfig(raw=raw))
    assert "Profil > Documents" in answer and "sous 72 heures" in answer
    assert "Mon compte > Vérification" not in answer


def test_p1002_may_not_withdraw_yet(seeded, config, now):
    answer = withdrawal_text(seeded, "P1002", config, now)
    assert answer.startswith("Pas encore")
    assert "justificatif de domicile : pas encore envoyé" in answer
    assert "Oui, vous pouvez retirer" not in answer


# --- P1003: active welcome bonus with wagering left --------------------------------------

def test_p1003_bonus_gives_amounts(seeded, config, now):
    answer = bonus_text(seeded, "P1003", config, now)
    assert "montant du bonus : 100,00 €" in answer
    assert "mises demandées : 3 500,00 €, déjà misé 1 200,00 €, reste à miser 2 300,00 €" in answer


def test_p1003_bonus_gives_a_french_expiry_date(seeded, config, now):
    # Seeded to expire 20 days after ``now``.
    assert "expire le 30 mars 2026" in bonus_text(seeded, "P1003", config, now)


def test_p1003_bonus_explains_withdrawal_and_cancel_path(seeded, config, now):
    answer = bonus_text(seeded, "P1003", config, now)
    assert "un retrait annule le bonus" in answer
    assert "Mon compte > Bonus > Annuler le bonus" in answer


def test_p1003_withdrawal_warns_the_bonus_is_lost(seeded, config, now):
    answer = withdrawal_text(seeded, "P1003", config, now)
    assert "Retirer maintenant annule ce bonus et les gains qui en viennent" in answer
    assert "il vous reste 2 300,00 € à miser" in answer
    assert "Oui, vous pouvez retirer" not in answer


def test_p1003_cancel_prompt_states_what_is_lost(seeded, now, config):
    prompt = bonus_cancel_prompt(bonus_status(seeded, "P1003", now), config)
    assert "Mon compte > Bonus > Annuler le bonus" in prompt  # the player may do it alone
    assert "vous perdez le bonus de 100,00 € et les gains obtenus avec lui" in prompt
    assert "les 1 200,00 € déjà misés ne comptent plus" in prompt
    assert "Votre argent déposé reste à vous" in prompt


def test_p1003_after_cancelling_the_bonus_no_longer_blocks(seeded, config, now):
    cancelled = cancel_bonus(seeded, "P1003", "bot", now)
    assert "C'est fait" in text(bonus_cancelled_answer(cancelled))
    assert "100,00 €" in text(bonus_cancelled_answer(cancelled))
    assert "aucun bonus actif" in bonus_text(seeded, "P1003", config, now)
    assert withdrawal_text(seeded, "P1003", config, now).startswith("Oui, vous pouvez retirer")


def test_bonus_expiry_date_is_given_in_paris_time(config):
    player = PlayerSummary(
        player_id="P1003", display_name="Sophie Dubois", email="sophie.dubois@example.com",
        country="FR", status="active", created_at=datetime(2025, 11, 10, tzinfo=timezone.utc),
        self_excluded_until=None, self_excluded=False,
    )
    bonus = BonusStatus(
        bonus_id=1, name="Bonus de bienvenue", amount=Decimal("100"), wagering_required=Decimal("3500"),
        wagering_done=Decimal("0"), wagering_left=Decimal("3500"), max_bet=None,
        expires_at=datetime(2026, 3, 30, 22, 30, tzinfo=timezone.utc),  # 31 March, 00:30 Paris
        days_left=20, blocks_withdrawal=True, withdrawal_forfeits=("bonus", "bonus_winnings"),
    )
    assert "expire le 31 mars 2026" in text(bonus_answer(bonus, player, config))


# --- P1004: late bank transfer -------------------------------------------------------------

def test_p1004_late_payment_names_amount_method_and_date(seeded, config, now):
    answer = late_text(seeded, "P1004", config, now)
    assert "500,00 € par virement bancaire" in answer
    assert "demandé le 1er mars 2026 (il y a 9 jours)" in answer


def test_p1004_late_payment_says_it_is_late(seeded, config, now):
    answer = late_text(seeded, "P1004", config, now)
    assert "ce retrait est en retard (plus de 7 jours)" in answer
    assert "équipe paiements" in answer


def test_p1004_late_payment_says_what_the_normal_delay_of_its_method_is(seeded, config, now):
    answer = late_text(seeded, "P1004", config, now)
    method = config.payment_methods["virement"]
    assert (f"Délai normal : traitement sous {config.withdrawals['processing_days']} jours "
            f"ouvrés, puis {method.label} : {method.withdraw_delay}.") in answer


def test_p1004_is_not_late_with_a_longer_threshold(seeded, config_with, now):
    config = config_with(late_after_days=10)
    answer = late_text(seeded, "P1004", config, now)
    assert "en retard" not in answer
    assert "Dans les délais normaux" in answer
    assert "500,00 € par virement bancaire" in answer


def test_p1004_late_payment_outside_hours_does_not_promise_an_agent(seeded, config):
    answer = late_text(seeded, "P1004", config, CLOSED)
    assert "fermé en ce moment" in answer
    assert "disponible" not in answer


def test_p1004_withdrawal_answer_lists_the_pending_withdrawal(seeded, config, now):
    answer = withdrawal_text(seeded, "P1004", config, now)
    assert "Retraits déjà en cours" in answer
    assert "500,00 € par virement bancaire, demandé le 1er mars 2026" in answer


def test_p1004_withdrawal_answer_says_the_pending_withdrawal_is_late(seeded, config, now):
    assert "en retard" in withdrawal_text(seeded, "P1004", config, now)


# --- P1005: identity document rejected -----------------------------------------------------

def test_p1005_verification_shows_the_rejection_and_reason(seeded, config):
    answer = verification_text(seeded, "P1005", config)
    assert "pièce d'identité : refusée (motif : document expiré)" in answer


def test_p1005_verification_asks_for_a_valid_document(seeded, config):
    answer = verification_text(seeded, "P1005", config)
    assert "À envoyer : " + config.verification["documents"]["piece_identite"] in answer


def test_p1005_may_not_withdraw(seeded, config, now):
    answer = withdrawal_text(seeded, "P1005", config, now)
    assert answer.startswith("Pas encore")
    assert "refusée (motif : document expiré)" in answer


# --- P1006: self-excluded ------------------------------------------------------------------

def test_p1006_bonus_answer_talks_about_self_exclusion(seeded, config, now):
    answer = bonus_text(seeded, "P1006", config, now)
    assert "auto-exclusion jusqu'au 10 mars 2027" in answer
    assert "aucune offre ni aucun bonus" in answer


def test_p1006_bonus_answer_gives_the_helpline(seeded, config, now):
    answer = bonus_text(seeded, "P1006", config, now)
    assert "Joueurs Info Service" in answer and "09 74 75 13 13" in answer


def test_p1006_bonus_answer_offers_nothing(seeded, config, now):
    answer = bonus_text(seeded, "P1006", config, now).lower()
    for offer in ("cashback", "bonus de bienvenue", "tours gratuits", "vip", "100 %"):
        assert offer not in answer


def test_self_excluded_player_is_offered_nothing_even_with_a_bonus_on_record(seeded, config, now):
    bonus = bonus_status(seeded, "P1003", now)  # any active bonus
    answer = text(bonus_answer(bonus, get_player(seeded, "P1006", now), config))
    assert "auto-exclusion" in answer
    assert "100,00 €" not in answer and "reste à miser" not in answer


def test_p1006_withdrawal_answer_does_not_say_yes(seeded, config, now):
    answer = withdrawal_text(seeded, "P1006", config, now)
    assert "auto-exclusion jusqu'au 10 mars 2027" in answer
    assert "Oui, vous pouvez retirer" not in answer
